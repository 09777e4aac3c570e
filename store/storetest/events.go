package storetest

import (
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

func (s suite) events(t *testing.T) {
	t.Run("WrittenWithTheChange", func(t *testing.T) {
		st := s.seeded(t)
		create(t, st, newSession(scopeA, "cs_ev", t0))
		paid := transition(t, st, scopeA, "cs_ev", checkout.TransitionPayAsync, t0.Add(time.Minute), func(s *checkout.Session) {
			s.Payment = "pay_ev"
		})
		got, err := st.GetEvent(t.Context(), scopeA, paid.ID)
		if err != nil {
			t.Fatalf("GetEvent: %v", err)
		}
		checkEvent(t, "GetEvent", got, paid)
		if got.Session == nil || got.Session.Status != checkout.SessionComplete || got.Session.Payment != "pay_ev" {
			t.Errorf("snapshot %+v, want the session right after the change", got.Session)
		}

		// A later change leaves the first snapshot as it was.
		settled := transition(t, st, scopeA, "cs_ev", checkout.TransitionAsyncSucceeded, t0.Add(time.Hour), nil)
		got, err = st.GetEvent(t.Context(), scopeA, paid.ID)
		if err != nil {
			t.Fatalf("GetEvent: %v", err)
		}
		checkEvent(t, "GetEvent after a later change", got, paid)
		list, err := st.ListEvents(t.Context(), scopeA, checkout.EventFilter{ListParams: limit(10)})
		if err != nil {
			t.Fatalf("ListEvents: %v", err)
		}
		if len(list.Items) != 2 || list.HasMore {
			t.Fatalf("ListEvents = %v (has more %v), want 2 events", eventIDs(list.Items), list.HasMore)
		}
		checkEvent(t, "newest event", list.Items[0], settled)
		checkEvent(t, "oldest event", list.Items[1], paid)
	})

	t.Run("PaymentSnapshot", func(t *testing.T) {
		st := s.seeded(t)
		p := fullPayment(scopeA, "pay_ev")
		insertPayments(t, st, p.Clone())
		now := t0.Add(time.Hour)
		p.Status, p.Version, p.Updated = checkout.PaymentSucceeded, p.Version+1, now
		succeeded := &checkout.Event{ID: "evt_pay_ok", AccountID: p.AccountID, Livemode: p.Livemode,
			Type: checkout.EventPaymentSucceeded, Created: now, Sequence: 1, ObjectID: p.ID, Payment: p.Clone()}
		commit(t, st, checkout.Change{Payment: p, Events: []*checkout.Event{succeeded}})
		got, err := st.GetEvent(t.Context(), scopeA, succeeded.ID)
		if err != nil {
			t.Fatalf("GetEvent: %v", err)
		}
		checkEvent(t, "GetEvent", got, succeeded)
		if got.Session != nil {
			t.Errorf("payment event came back with a session snapshot %+v", got.Session)
		}

		// A later change leaves the snapshot as it was; the session event
		// written with it comes back without a payment snapshot.
		create(t, st, newSession(scopeA, "cs_full", t0))
		p.Version++
		p.Action.ExpiresAt = now.Add(time.Hour)
		p.ProviderRef = "changed"
		completed := transition(t, st, scopeA, "cs_full", checkout.TransitionPay, now, nil)
		commit(t, st, checkout.Change{Payment: p})
		list, err := st.ListEvents(t.Context(), scopeA, checkout.EventFilter{ListParams: limit(10)})
		if err != nil {
			t.Fatalf("ListEvents: %v", err)
		}
		if len(list.Items) != 2 {
			t.Fatalf("ListEvents = %v, want 2 events", eventIDs(list.Items))
		}
		checkEvent(t, "listed session event", list.Items[0], completed)
		checkEvent(t, "listed payment event", list.Items[1], succeeded)
		if list.Items[0].Payment != nil {
			t.Errorf("session event came back with a payment snapshot %+v", list.Items[0].Payment)
		}
		list, err = st.ListEvents(t.Context(), scopeA, checkout.EventFilter{ObjectID: p.ID, Type: checkout.EventPaymentSucceeded, ListParams: limit(10)})
		if err != nil {
			t.Fatalf("ListEvents: %v", err)
		}
		wantIDs(t, "events of the payment", eventIDs(list.Items), []string{succeeded.ID})
	})

	t.Run("GetOutsideScope", func(t *testing.T) {
		st := s.seeded(t)
		create(t, st, newSession(scopeA, "cs_ev", t0))
		ev := transition(t, st, scopeA, "cs_ev", checkout.TransitionPay, t0.Add(time.Minute), nil)
		for _, scope := range []checkout.Scope{scopeB, scopeALive} {
			got, err := st.GetEvent(t.Context(), scope, ev.ID)
			wantKind(t, "GetEvent(other scope)", err, checkout.KindNotFound)
			if got != nil {
				t.Errorf("GetEvent(other scope) returned an event")
			}
		}
		_, err := st.GetEvent(t.Context(), scopeA, "evt_missing")
		wantKind(t, "GetEvent(unknown)", err, checkout.KindNotFound)
	})

	t.Run("DuplicateIDWritesNothing", func(t *testing.T) {
		st := s.seeded(t)
		create(t, st, newSession(scopeA, "cs_1", t0), newSession(scopeA, "cs_2", t0))
		first := transition(t, st, scopeA, "cs_1", checkout.TransitionPay, t0.Add(time.Minute), nil)

		sess, err := st.GetSession(t.Context(), scopeA, "cs_2")
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		ev, err := sess.Apply(checkout.TransitionPay, t0.Add(time.Minute), first.ID)
		if err != nil {
			t.Fatalf("Apply: %v", err)
		}
		wantKind(t, "Commit(existing event id)", st.Commit(t.Context(), checkout.Change{Session: sess, Events: []*checkout.Event{ev}}), checkout.KindConflict)
		got, err := st.GetSession(t.Context(), scopeA, "cs_2")
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		if got.Version != 1 || got.Status != checkout.SessionOpen {
			t.Errorf("session written although its event was refused: version %d, %s", got.Version, got.Status)
		}
		stored, err := st.GetEvent(t.Context(), scopeA, first.ID)
		if err != nil {
			t.Fatalf("GetEvent: %v", err)
		}
		checkEvent(t, "first event", stored, first)
	})

	t.Run("ListFiltersAndPages", func(t *testing.T) {
		st := s.seeded(t)
		create(t, st, newSession(scopeA, "cs_1", t0), newSession(scopeA, "cs_2", t0), newSession(scopeA, "cs_3", t0))
		now := t0.Add(time.Minute)
		e1 := transition(t, st, scopeA, "cs_1", checkout.TransitionPayAsync, now, nil)
		e2 := transition(t, st, scopeA, "cs_2", checkout.TransitionPay, now, nil)
		e3 := transition(t, st, scopeA, "cs_1", checkout.TransitionAsyncSucceeded, now, nil)
		e4 := transition(t, st, scopeA, "cs_3", checkout.TransitionExpire, now, nil)
		all := []string{e4.ID, e3.ID, e2.ID, e1.ID}

		listIDs := func(f checkout.EventFilter) ([]string, bool) {
			t.Helper()
			p, err := st.ListEvents(t.Context(), scopeA, f)
			if err != nil {
				t.Fatalf("ListEvents(%+v): %v", f, err)
			}
			return eventIDs(p.Items), p.HasMore
		}
		lp := func(limit int, after, before string) checkout.ListParams {
			return checkout.ListParams{Limit: limit, StartingAfter: after, EndingBefore: before}
		}

		got, more := listIDs(checkout.EventFilter{ListParams: lp(10, "", "")})
		wantIDs(t, "all", got, all)
		if more {
			t.Error("all: HasMore")
		}
		got, _ = listIDs(checkout.EventFilter{Type: checkout.EventSessionCompleted, ListParams: lp(10, "", "")})
		wantIDs(t, "type completed", got, []string{e2.ID, e1.ID})
		got, _ = listIDs(checkout.EventFilter{ObjectID: "cs_1", ListParams: lp(10, "", "")})
		wantIDs(t, "object cs_1", got, []string{e3.ID, e1.ID})
		got, _ = listIDs(checkout.EventFilter{ObjectID: "cs_1", Type: checkout.EventAsyncPaymentSucceeded, ListParams: lp(10, "", "")})
		wantIDs(t, "object cs_1 and type", got, []string{e3.ID})
		got, _ = listIDs(checkout.EventFilter{Type: "no.such.type", ListParams: lp(10, "", "")})
		wantIDs(t, "unknown type", got, []string{})

		got, more = listIDs(checkout.EventFilter{ListParams: lp(2, "", "")})
		wantIDs(t, "page 1", got, all[:2])
		if !more {
			t.Error("page 1: no HasMore")
		}
		got, more = listIDs(checkout.EventFilter{ListParams: lp(2, e3.ID, "")})
		wantIDs(t, "page 2", got, all[2:])
		if more {
			t.Error("page 2: HasMore")
		}
		got, more = listIDs(checkout.EventFilter{ListParams: lp(2, "", e1.ID)})
		wantIDs(t, "ending_before oldest", got, all[1:3])
		if !more {
			t.Error("ending_before oldest: no HasMore")
		}
		got, more = listIDs(checkout.EventFilter{ListParams: lp(2, "", e3.ID)})
		wantIDs(t, "ending_before second", got, all[:1])
		if more {
			t.Error("ending_before second: HasMore")
		}
		got, _ = listIDs(checkout.EventFilter{Type: checkout.EventSessionCompleted, ListParams: lp(10, e3.ID, "")})
		wantIDs(t, "type completed after an event of another type", got, []string{e2.ID, e1.ID})

		_, err := st.ListEvents(t.Context(), scopeA, checkout.EventFilter{ListParams: lp(2, "evt_missing", "")})
		wantCursorNotFound(t, "ListEvents(unknown starting_after)", err, "starting_after")
		_, err = st.ListEvents(t.Context(), scopeA, checkout.EventFilter{ListParams: lp(2, "", "evt_missing")})
		wantCursorNotFound(t, "ListEvents(unknown ending_before)", err, "ending_before")
	})
}
