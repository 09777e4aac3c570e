package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// fullSession sets every field of a session, with times at microsecond
// precision, to catch any field a backend forgets.
func fullSession(scope checkout.Scope, id string) *checkout.Session {
	s := newSession(scope, id, t0)
	s.Status, s.PaymentStatus = checkout.SessionComplete, checkout.PaymentPaid
	s.Currency = "GHS"
	s.AmountSubtotal, s.AmountDiscount, s.AmountTax, s.AmountTotal = 15050, 1000, 750, 14800
	s.LineItems = []checkout.LineItem{
		{
			ID: "li_1", Name: "Kente scarf", Description: "Hand-woven, 2 m",
			Images:   []string{"https://cdn.example/a.png", "https://cdn.example/b.png?w=2&h=1"},
			Quantity: 3, UnitAmount: 4350, Currency: "GHS",
			AmountSubtotal: 13050, AmountDiscount: 1000, AmountTax: 650, AmountTotal: 12700,
		},
		{
			ID: "li_2", Name: "Shipping", Quantity: 1, UnitAmount: 2000, Currency: "GHS",
			AmountSubtotal: 2000, AmountTax: 100, AmountTotal: 2100,
		},
	}
	s.SuccessURL = "https://shop.example/ok?session={CHECKOUT_SESSION_ID}"
	s.CancelURL = "https://shop.example/cart#again"
	s.Customer = "cus_123"
	s.CustomerEmail, s.CustomerEmailLocked = "ama@example.com", true
	s.CustomerPhone = "+233 20 000 0000"
	s.ClientReferenceID = "order-42"
	s.Locale = "pt-BR"
	s.Description = "Ünïcödé ☕ \"quoted\" <b>bold</b> \\ and a\nnewline"
	s.PaymentMethodTypes = []string{"card", "mobile_money"}
	s.Metadata = map[string]string{"order": "42", "empty": "", "ключ": "значение"}
	s.Payment = "pay_123"
	s.PublicToken = "pt_full"
	s.EventSeq = 3
	s.Updated = t0.Add(time.Microsecond)
	s.ExpiresAt = t0.Add(24*time.Hour + 7*time.Microsecond)
	s.AccessedAt = t0.Add(5*time.Second + 999999*time.Microsecond)
	s.CompletedAt = t0.Add(time.Minute + 1*time.Microsecond)
	s.ExpiredAt = t0.Add(2 * time.Minute)
	return s
}

func (s suite) sessions(t *testing.T) {
	t.Run("RoundTripAllFields", func(t *testing.T) {
		st := s.seeded(t)
		want := fullSession(scopeA, "cs_full")
		create(t, st, want.Clone())
		got, err := st.GetSession(t.Context(), scopeA, want.ID)
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		checkSession(t, "GetSession", got, want)
		got, err = st.FindSession(t.Context(), want.ID)
		if err != nil {
			t.Fatalf("FindSession: %v", err)
		}
		checkSession(t, "FindSession", got, want)
	})

	t.Run("RoundTripZeroTimes", func(t *testing.T) {
		st := s.seeded(t)
		want := newSession(scopeALive, "cs_minimal", t0)
		want.LineItems[0].Images = nil
		want.PaymentMethodTypes = nil
		create(t, st, want.Clone())
		got, err := st.GetSession(t.Context(), scopeALive, want.ID)
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		checkSession(t, "GetSession", got, want)
		for name, tm := range map[string]time.Time{"AccessedAt": got.AccessedAt, "CompletedAt": got.CompletedAt, "ExpiredAt": got.ExpiredAt} {
			if !tm.IsZero() {
				t.Errorf("%s = %v, want the zero time", name, tm)
			}
		}
	})

	t.Run("StoredAsVersion1", func(t *testing.T) {
		st := s.seeded(t)
		create(t, st, newSession(scopeA, "cs_v1", t0))
		got, err := st.GetSession(t.Context(), scopeA, "cs_v1")
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		if got.Version != 1 {
			t.Errorf("Version = %d, want 1", got.Version)
		}
	})

	t.Run("DuplicateID", func(t *testing.T) {
		st := s.seeded(t)
		first := newSession(scopeA, "cs_dup", t0)
		create(t, st, first.Clone())
		again := newSession(scopeA, "cs_dup", t0.Add(time.Second))
		again.Description = "second"
		wantKind(t, "CreateSession(same id)", st.CreateSession(t.Context(), again), checkout.KindConflict)
		// Ids are global: FindSession looks them up without a scope.
		other := newSession(scopeB, "cs_dup", t0)
		wantKind(t, "CreateSession(same id, other account)", st.CreateSession(t.Context(), other), checkout.KindConflict)
		got, err := st.FindSession(t.Context(), "cs_dup")
		if err != nil {
			t.Fatalf("FindSession: %v", err)
		}
		checkSession(t, "FindSession", got, first)
	})

	t.Run("OtherScopeIsNotFound", func(t *testing.T) {
		st := s.seeded(t)
		create(t, st, newSession(scopeA, "cs_a", t0))
		for _, tc := range []struct {
			name  string
			scope checkout.Scope
			id    string
		}{
			{"other account", scopeB, "cs_a"},
			{"other mode", scopeALive, "cs_a"},
			{"unknown id", scopeA, "cs_missing"},
		} {
			got, err := st.GetSession(t.Context(), tc.scope, tc.id)
			wantKind(t, "GetSession("+tc.name+")", err, checkout.KindNotFound)
			if got != nil {
				t.Errorf("GetSession(%s) returned a session", tc.name)
			}
		}
	})

	t.Run("FindSession", func(t *testing.T) {
		st := s.seeded(t)
		want := newSession(scopeB, "cs_b", t0)
		create(t, st, want.Clone())
		got, err := st.FindSession(t.Context(), "cs_b")
		if err != nil {
			t.Fatalf("FindSession: %v", err)
		}
		checkSession(t, "FindSession", got, want)
		_, err = st.FindSession(t.Context(), "cs_missing")
		wantKind(t, "FindSession(unknown)", err, checkout.KindNotFound)
	})

	t.Run("UpdateWritesEveryField", func(t *testing.T) {
		st := s.seeded(t)
		create(t, st, newSession(scopeA, "cs_upd", t0))
		sess, err := st.GetSession(t.Context(), scopeA, "cs_upd")
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		// A write without a transition (the customer opened the page and
		// typed an email) bumps the version and carries no event.
		sess.Version++
		sess.AccessedAt = t0.Add(3 * time.Second)
		sess.Updated = sess.AccessedAt
		sess.CustomerEmail = "kofi@example.com"
		sess.Customer = "cus_9"
		sess.Metadata = map[string]string{"k": "v"}
		sess.LineItems[0].Images = []string{"https://cdn.example/x.png"}
		want := sess.Clone()
		if err := st.Commit(t.Context(), checkout.Change{Session: sess}); err != nil {
			t.Fatalf("Commit: %v", err)
		}
		got, err := st.GetSession(t.Context(), scopeA, "cs_upd")
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		checkSession(t, "after update", got, want)
		events, err := st.ListEvents(t.Context(), scopeA, checkout.EventFilter{ObjectID: "cs_upd", ListParams: limit(10)})
		if err != nil {
			t.Fatalf("ListEvents: %v", err)
		}
		wantIDs(t, "events of an update without events", eventIDs(events.Items), []string{})
	})
}

func (s suite) compareAndSet(t *testing.T) {
	t.Run("StaleVersion", func(t *testing.T) {
		st := s.seeded(t)
		create(t, st, newSession(scopeA, "cs_cas", t0))
		first, err := st.GetSession(t.Context(), scopeA, "cs_cas")
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		stale := first.Clone()

		won, err := first.Apply(checkout.TransitionPay, t0.Add(time.Minute), "evt_won")
		if err != nil {
			t.Fatalf("Apply: %v", err)
		}
		if err := st.Commit(t.Context(), checkout.Change{Session: first, Events: []*checkout.Event{won}}); err != nil {
			t.Fatalf("Commit: %v", err)
		}

		lost, err := stale.Apply(checkout.TransitionExpire, t0.Add(2*time.Minute), "evt_lost")
		if err != nil {
			t.Fatalf("Apply(stale): %v", err)
		}
		stale.Description = "must not be written"
		wantKind(t, "Commit(stale)", st.Commit(t.Context(), checkout.Change{Session: stale, Events: []*checkout.Event{lost}}), checkout.KindConflict)

		got, err := st.GetSession(t.Context(), scopeA, "cs_cas")
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		checkSession(t, "after the stale write", got, first)
		_, err = st.GetEvent(t.Context(), scopeA, "evt_lost")
		wantKind(t, "GetEvent(lost event)", err, checkout.KindNotFound)
		events, err := st.ListEvents(t.Context(), scopeA, checkout.EventFilter{ObjectID: "cs_cas", ListParams: limit(10)})
		if err != nil {
			t.Fatalf("ListEvents: %v", err)
		}
		wantIDs(t, "events", eventIDs(events.Items), []string{"evt_won"})
	})

	t.Run("VersionMustBeNext", func(t *testing.T) {
		st := s.seeded(t)
		create(t, st, newSession(scopeA, "cs_skip", t0))
		for _, v := range []int64{1, 3} {
			sess := newSession(scopeA, "cs_skip", t0)
			sess.Version = v
			sess.Description = "must not be written"
			wantKind(t, fmt.Sprintf("Commit(version %d over 1)", v), st.Commit(t.Context(), checkout.Change{Session: sess}), checkout.KindConflict)
		}
		got, err := st.GetSession(t.Context(), scopeA, "cs_skip")
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		if got.Version != 1 || got.Description != "" {
			t.Errorf("stored version %d description %q, want 1 and unchanged", got.Version, got.Description)
		}
	})

	t.Run("MissingSession", func(t *testing.T) {
		st := s.seeded(t)
		sess := newSession(scopeA, "cs_ghost", t0)
		sess.Version = 2
		err := st.Commit(t.Context(), checkout.Change{Session: sess})
		if !checkout.IsKind(err, checkout.KindConflict) && !checkout.IsKind(err, checkout.KindNotFound) {
			t.Errorf("Commit(missing) = %v, want a conflict or not-found error", err)
		}
		_, err = st.FindSession(t.Context(), "cs_ghost")
		wantKind(t, "FindSession(after updating a missing session)", err, checkout.KindNotFound)
	})

	t.Run("SequentialTransitions", func(t *testing.T) {
		st := s.seeded(t)
		create(t, st, newSession(scopeA, "cs_seq", t0))
		e1 := transition(t, st, scopeA, "cs_seq", checkout.TransitionPayAsync, t0.Add(time.Minute), nil)
		e2 := transition(t, st, scopeA, "cs_seq", checkout.TransitionAsyncSucceeded, t0.Add(time.Hour), nil)
		got, err := st.GetSession(t.Context(), scopeA, "cs_seq")
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		if got.Version != 3 || got.EventSeq != 2 || got.Status != checkout.SessionComplete || got.PaymentStatus != checkout.PaymentPaid {
			t.Errorf("session version %d event seq %d %s/%s, want 3, 2, complete/paid",
				got.Version, got.EventSeq, got.Status, got.PaymentStatus)
		}
		if e1.Sequence != 1 || e2.Sequence != 2 {
			t.Errorf("event sequences %d, %d, want 1, 2", e1.Sequence, e2.Sequence)
		}
	})

	t.Run("ConcurrentOneWinner", func(t *testing.T) {
		st := s.seeded(t)
		create(t, st, newSession(scopeA, "cs_race", t0))
		const n = 20
		ctx := t.Context()
		errs := make([]error, n)
		events := make([]*checkout.Event, n)
		// Every goroutine loads version 1 before any writes, so all of them
		// race on the same compare-and-set.
		var loaded, wg sync.WaitGroup
		start := make(chan struct{})
		loaded.Add(n)
		for i := range n {
			wg.Go(func() {
				sess, err := st.GetSession(ctx, scopeA, "cs_race")
				loaded.Done()
				if err != nil {
					errs[i] = err
					return
				}
				<-start
				tr := checkout.TransitionPay
				if i%2 == 1 {
					tr = checkout.TransitionExpire
				}
				ev, err := sess.Apply(tr, t0.Add(time.Minute), fmt.Sprintf("evt_race_%02d", i))
				if err != nil {
					errs[i] = err
					return
				}
				events[i] = ev
				errs[i] = st.Commit(ctx, checkout.Change{Session: sess, Events: []*checkout.Event{ev}})
			})
		}
		loaded.Wait()
		close(start)
		wg.Wait()

		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Errorf("goroutines %d and %d both won", winner, i)
			case err == nil:
				winner = i
			case !checkout.IsKind(err, checkout.KindConflict):
				t.Errorf("goroutine %d: %v, want a conflict", i, err)
			}
		}
		if winner < 0 {
			t.Fatal("no goroutine won")
		}
		got, err := st.GetSession(ctx, scopeA, "cs_race")
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		checkSession(t, "stored session", got, events[winner].Session)
		if got.Version != 2 || got.EventSeq != 1 {
			t.Errorf("version %d event seq %d, want 2 and 1", got.Version, got.EventSeq)
		}
		list, err := st.ListEvents(ctx, scopeA, checkout.EventFilter{ObjectID: "cs_race", ListParams: limit(10)})
		if err != nil {
			t.Fatalf("ListEvents: %v", err)
		}
		if len(list.Items) != 1 {
			t.Fatalf("%d events stored, want 1: %v", len(list.Items), eventIDs(list.Items))
		}
		checkEvent(t, "the one event", list.Items[0], events[winner])
		if list.Items[0].Sequence != 1 {
			t.Errorf("event sequence %d, want 1", list.Items[0].Sequence)
		}
	})

	t.Run("ConcurrentRetriesSerialize", func(t *testing.T) {
		// async_failed leaves a session complete/unpaid, so it can be
		// applied again and again: writers that retry on conflict must each
		// get exactly one turn, and the events must number 1..n without a
		// gap or a repeat.
		st := s.seeded(t)
		create(t, st, newSession(scopeA, "cs_retry", t0))
		transition(t, st, scopeA, "cs_retry", checkout.TransitionPayAsync, t0.Add(time.Minute), nil)
		const n = 10
		ctx := t.Context()
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				for attempt := 0; ; attempt++ {
					if attempt == 1000 {
						t.Errorf("writer %d: still conflicting after %d attempts", i, attempt)
						return
					}
					sess, err := st.GetSession(ctx, scopeA, "cs_retry")
					if err != nil {
						t.Errorf("writer %d: GetSession: %v", i, err)
						return
					}
					ev, err := sess.Apply(checkout.TransitionAsyncFailed, t0.Add(time.Hour), fmt.Sprintf("evt_retry_%d_%d", i, attempt))
					if err != nil {
						t.Errorf("writer %d: Apply: %v", i, err)
						return
					}
					err = st.Commit(ctx, checkout.Change{Session: sess, Events: []*checkout.Event{ev}})
					if err == nil {
						return
					}
					if !checkout.IsKind(err, checkout.KindConflict) {
						t.Errorf("writer %d: Commit: %v", i, err)
						return
					}
				}
			})
		}
		wg.Wait()
		got, err := st.GetSession(ctx, scopeA, "cs_retry")
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		if got.Version != n+2 || got.EventSeq != n+1 {
			t.Errorf("version %d event seq %d, want %d and %d", got.Version, got.EventSeq, n+2, n+1)
		}
		list, err := st.ListEvents(ctx, scopeA, checkout.EventFilter{ObjectID: "cs_retry", ListParams: checkout.ListParams{Limit: 100}})
		if err != nil {
			t.Fatalf("ListEvents: %v", err)
		}
		if len(list.Items) != n+1 {
			t.Fatalf("%d events, want %d", len(list.Items), n+1)
		}
		for i, e := range list.Items {
			if want := int64(n + 1 - i); e.Sequence != want || e.Session.EventSeq != want {
				t.Errorf("event %d (newest first): sequence %d, snapshot event seq %d, want %d", i, e.Sequence, e.Session.EventSeq, want)
			}
		}
	})
}
