package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// fullPayment sets every field of a payment, with times at microsecond
// precision, to catch any field a backend forgets.
func fullPayment(scope checkout.Scope, id string) *checkout.Payment {
	p := newPayment(scope, id, "cs_full", t0)
	p.Provider = "multibanco-gw"
	p.Method = "multibanco"
	p.Status = checkout.PaymentRequiresAction
	p.Amount = 14800
	p.Currency = "GHS"
	p.CardBrand = "mastercard"
	p.CardLast4 = "0005"
	p.FailureCode = "card_declined"
	p.FailureMessage = "Ünïcödé ☕ \"quoted\" <b>bold</b> \\ and a\nnewline"
	p.ProviderRef = "gw_ref_123"
	p.Action = &checkout.NextAction{
		Kind:      checkout.NextActionVoucher,
		ExpiresAt: t0.Add(72*time.Hour + 3*time.Microsecond),
		Voucher:   &checkout.Voucher{Entity: "12345", Reference: "999 999 999"},
	}
	p.Updated = t0.Add(time.Second + 999999*time.Microsecond)
	return p
}

func (s suite) payments(t *testing.T) {
	t.Run("RoundTripAllFields", func(t *testing.T) {
		st := s.seeded(t)
		want := fullPayment(scopeALive, "pay_full")
		insertPayments(t, st, want.Clone())
		got, err := st.GetPayment(t.Context(), scopeALive, want.ID)
		if err != nil {
			t.Fatalf("GetPayment: %v", err)
		}
		checkPayment(t, "GetPayment", got, want)
		got, err = st.FindPayment(t.Context(), want.ID)
		if err != nil {
			t.Fatalf("FindPayment: %v", err)
		}
		checkPayment(t, "FindPayment", got, want)
		p, err := st.ListPayments(t.Context(), scopeALive, checkout.PaymentFilter{ListParams: limit(10)})
		if err != nil || len(p.Items) != 1 {
			t.Fatalf("ListPayments: %v, %v; want one payment", paymentIDs(p.Items), err)
		}
		checkPayment(t, "listed payment", p.Items[0], want)
	})

	t.Run("RoundTripZeroTimes", func(t *testing.T) {
		st := s.seeded(t)
		// A 3-D Secure challenge has no expiry; a new payment may not have
		// been updated yet.
		challenged := newPayment(scopeA, "pay_3ds", "cs_1", t0)
		challenged.Status = checkout.PaymentRequiresAction
		challenged.Updated = time.Time{}
		challenged.Action = &checkout.NextAction{Kind: checkout.NextActionRedirect, Redirect: &checkout.Redirect{ThreeDSecure: true}}
		bare := newPayment(scopeA, "pay_bare", "cs_1", t0)
		bare.Updated = time.Time{}
		bare.CardBrand, bare.CardLast4 = "", ""
		insertPayments(t, st, challenged.Clone(), bare.Clone())
		for _, want := range []*checkout.Payment{challenged, bare} {
			got, err := st.GetPayment(t.Context(), scopeA, want.ID)
			if err != nil {
				t.Fatalf("GetPayment(%s): %v", want.ID, err)
			}
			checkPayment(t, "GetPayment("+want.ID+")", got, want)
			if !got.Updated.IsZero() {
				t.Errorf("%s: Updated = %v, want the zero time", want.ID, got.Updated)
			}
			if want.Action == nil && got.Action != nil {
				t.Errorf("%s: Action = %+v, want nil", want.ID, got.Action)
			}
			if want.Action != nil && (got.Action == nil || !got.Action.ExpiresAt.IsZero()) {
				t.Errorf("%s: Action = %+v, want one with the zero ExpiresAt", want.ID, got.Action)
			}
		}
	})

	t.Run("OtherScopeIsNotFound", func(t *testing.T) {
		st := s.seeded(t)
		insertPayments(t, st, newPayment(scopeA, "pay_a", "cs_a", t0))
		for _, tc := range []struct {
			name  string
			scope checkout.Scope
			id    string
		}{
			{"other account", scopeB, "pay_a"},
			{"other mode", scopeALive, "pay_a"},
			{"unknown id", scopeA, "pay_missing"},
		} {
			got, err := st.GetPayment(t.Context(), tc.scope, tc.id)
			wantKind(t, "GetPayment("+tc.name+")", err, checkout.KindNotFound)
			if got != nil {
				t.Errorf("GetPayment(%s) returned a payment", tc.name)
			}
		}
		got, err := st.FindPayment(t.Context(), "pay_a")
		if err != nil {
			t.Fatalf("FindPayment: %v", err)
		}
		if got.AccountID != scopeA.AccountID || got.Livemode != scopeA.Livemode {
			t.Errorf("FindPayment: scope %s/%v, want %s/%v", got.AccountID, got.Livemode, scopeA.AccountID, scopeA.Livemode)
		}
		_, err = st.FindPayment(t.Context(), "pay_missing")
		wantKind(t, "FindPayment(unknown)", err, checkout.KindNotFound)
	})

	t.Run("ListNewestFirst", func(t *testing.T) {
		// Every payment has the same Created: the order is the order of
		// insertion, not of updates.
		st := s.seeded(t)
		var all []string // oldest first
		bySession := map[string][]string{}
		for i := range 25 {
			sessionID := fmt.Sprintf("cs_%d", i%3)
			p := newPayment(scopeA, fmt.Sprintf("pay_%03d", i), sessionID, t0)
			insertPayments(t, st, p)
			all = append(all, p.ID)
			bySession[sessionID] = append(bySession[sessionID], p.ID)
		}
		// An update leaves a payment where it was in the list.
		p, err := st.GetPayment(t.Context(), scopeA, "pay_003")
		if err != nil {
			t.Fatalf("GetPayment: %v", err)
		}
		p.Status, p.Version, p.Updated = checkout.PaymentSucceeded, p.Version+1, t0.Add(time.Hour)
		commit(t, st, checkout.Change{Payment: p})

		rev := func(ids []string) []string {
			c := slices.Clone(ids)
			slices.Reverse(c)
			return c
		}
		want := rev(all)
		list := func(f checkout.PaymentFilter) ([]string, bool) {
			t.Helper()
			p, err := st.ListPayments(t.Context(), scopeA, f)
			if err != nil {
				t.Fatalf("ListPayments(%+v): %v", f, err)
			}
			return paymentIDs(p.Items), p.HasMore
		}
		for _, tc := range []struct {
			name          string
			session       string
			limit         int
			after, before string
			want          []string
			more          bool
		}{
			{"first page", "", 10, "", "", want[:10], true},
			{"second page", "", 10, all[15], "", want[10:20], true},
			{"last page", "", 10, all[5], "", want[20:], false},
			{"past the end", "", 10, all[0], "", []string{}, false},
			{"all in one", "", 100, "", "", want, false},
			{"exact fit", "", 25, "", "", want, false},
			{"ending_before", "", 10, "", all[5], want[9:19], true},
			{"ending_before near the top", "", 10, "", all[20], want[:4], false},
			{"ending_before newest", "", 10, "", all[24], []string{}, false},
			{"session", "cs_1", 100, "", "", rev(bySession["cs_1"]), false},
			{"session, page", "cs_1", 3, "", "", rev(bySession["cs_1"])[:3], true},
			{"session, after its own", "cs_1", 3, bySession["cs_1"][5], "", rev(bySession["cs_1"][:5])[:3], true},
			// A cursor is any payment of the scope, whether or not it
			// matches the filter.
			{"session, after another's", "cs_2", 100, all[12], "", rev(bySession["cs_2"][:4]), false},
			{"session, before another's", "cs_2", 100, "", all[12], rev(bySession["cs_2"][4:]), false},
			{"unknown session", "cs_missing", 10, "", "", []string{}, false},
		} {
			got, more := list(checkout.PaymentFilter{SessionID: tc.session, ListParams: checkout.ListParams{Limit: tc.limit, StartingAfter: tc.after, EndingBefore: tc.before}})
			wantIDs(t, tc.name, got, tc.want)
			if more != tc.more {
				t.Errorf("%s: HasMore %v, want %v", tc.name, more, tc.more)
			}
		}

		// Walk down with starting_after, then back up with ending_before.
		var down []string
		f := checkout.PaymentFilter{ListParams: limit(7)}
		for pages := 0; pages < 100; pages++ {
			ids, more := list(f)
			down = append(down, ids...)
			if !more {
				break
			}
			f.StartingAfter = ids[len(ids)-1]
		}
		wantIDs(t, "walk", down, want)
		var up []string
		f = checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 7, EndingBefore: all[0]}}
		for pages := 0; pages < 100; pages++ {
			ids, more := list(f)
			up = append(slices.Clone(ids), up...)
			if !more {
				break
			}
			f.EndingBefore = ids[0]
		}
		wantIDs(t, "walk back", up, want[:24])
	})

	t.Run("UnknownCursor", func(t *testing.T) {
		st := s.seeded(t)
		insertPayments(t, st,
			newPayment(scopeA, "pay_a", "cs_a", t0),
			newPayment(scopeALive, "pay_live", "cs_live", t0),
			newPayment(scopeB, "pay_b", "cs_b", t0))
		for _, id := range []string{"pay_missing", "pay_live", "pay_b"} {
			for _, f := range []checkout.PaymentFilter{{}, {SessionID: "cs_a"}} {
				f.ListParams = checkout.ListParams{Limit: 10, StartingAfter: id}
				_, err := st.ListPayments(t.Context(), scopeA, f)
				wantCursorNotFound(t, "starting_after "+id, err, "starting_after")
				f.ListParams = checkout.ListParams{Limit: 10, EndingBefore: id}
				_, err = st.ListPayments(t.Context(), scopeA, f)
				wantCursorNotFound(t, "ending_before "+id, err, "ending_before")
			}
		}
	})

	t.Run("Isolation", func(t *testing.T) {
		st := s.seeded(t)
		scopes := []checkout.Scope{scopeA, scopeALive, scopeB}
		want := map[checkout.Scope][]string{}
		for i, scope := range scopes {
			for j := range 3 {
				// The same session id everywhere: the filter must not
				// reach across scopes.
				p := newPayment(scope, fmt.Sprintf("pay_%d_%d", i, j), "cs_shared", t0)
				insertPayments(t, st, p)
				want[scope] = append([]string{p.ID}, want[scope]...)
			}
		}
		for _, scope := range scopes {
			name := fmt.Sprintf("%s livemode=%v", scope.AccountID, scope.Livemode)
			for _, f := range []checkout.PaymentFilter{{}, {SessionID: "cs_shared"}} {
				f.Limit = 100
				p, err := st.ListPayments(t.Context(), scope, f)
				if err != nil {
					t.Fatalf("ListPayments: %v", err)
				}
				wantIDs(t, fmt.Sprintf("%s payments %+v", name, f), paymentIDs(p.Items), want[scope])
			}
		}
	})
}

// commit tests what Commit adds to the session compare-and-set of
// compareAndSet: payments, and all-or-nothing writes of a whole change.
func (s suite) commit(t *testing.T) {
	t.Run("PaymentInsert", func(t *testing.T) {
		st := s.seeded(t)
		want := newPayment(scopeA, "pay_1", "cs_1", t0)
		insertPayments(t, st, want.Clone())
		got, err := st.GetPayment(t.Context(), scopeA, "pay_1")
		if err != nil {
			t.Fatalf("GetPayment: %v", err)
		}
		checkPayment(t, "inserted payment", got, want)
	})

	t.Run("PaymentDuplicateID", func(t *testing.T) {
		st := s.seeded(t)
		first := newPayment(scopeA, "pay_dup", "cs_1", t0)
		insertPayments(t, st, first.Clone())
		for _, scope := range []checkout.Scope{scopeA, scopeB} {
			again := newPayment(scope, "pay_dup", "cs_2", t0.Add(time.Second))
			again.Status = checkout.PaymentSucceeded
			wantKind(t, fmt.Sprintf("Commit(payment with an existing id, %s)", scope.AccountID),
				st.Commit(t.Context(), checkout.Change{Payment: again}), checkout.KindConflict)
		}
		got, err := st.FindPayment(t.Context(), "pay_dup")
		if err != nil {
			t.Fatalf("FindPayment: %v", err)
		}
		checkPayment(t, "payment after the duplicates", got, first)
	})

	t.Run("PaymentCompareAndSet", func(t *testing.T) {
		st := s.seeded(t)
		insertPayments(t, st, newPayment(scopeA, "pay_cas", "cs_1", t0))
		p, err := st.GetPayment(t.Context(), scopeA, "pay_cas")
		if err != nil {
			t.Fatalf("GetPayment: %v", err)
		}
		stale := p.Clone()

		// Every field may change, the indexed ones included.
		p.Version++
		p.Status = checkout.PaymentRequiresAction
		p.SessionID = "cs_moved"
		p.ProviderRef = "ref_2"
		p.Action = &checkout.NextAction{Kind: checkout.NextActionRedirect, Redirect: &checkout.Redirect{ThreeDSecure: true}}
		p.Updated = t0.Add(time.Second)
		want := p.Clone()
		commit(t, st, checkout.Change{Payment: p})

		stale.Version++
		stale.Status = checkout.PaymentFailed
		wantKind(t, "Commit(stale payment)", st.Commit(t.Context(), checkout.Change{Payment: stale}), checkout.KindConflict)
		for _, v := range []int64{0, 2, 4} {
			skip := want.Clone()
			skip.Version = v
			skip.Status = checkout.PaymentFailed
			wantKind(t, fmt.Sprintf("Commit(payment version %d over 2)", v), st.Commit(t.Context(), checkout.Change{Payment: skip}), checkout.KindConflict)
		}
		for _, scope := range []checkout.Scope{scopeB, scopeALive} {
			other := want.Clone()
			other.AccountID, other.Livemode = scope.AccountID, scope.Livemode
			other.Version++
			other.Status = checkout.PaymentFailed
			wantKind(t, "Commit(payment in another scope)", st.Commit(t.Context(), checkout.Change{Payment: other}), checkout.KindConflict)
		}

		got, err := st.GetPayment(t.Context(), scopeA, "pay_cas")
		if err != nil {
			t.Fatalf("GetPayment: %v", err)
		}
		checkPayment(t, "payment after the refused writes", got, want)
		for session, ids := range map[string][]string{"cs_moved": {"pay_cas"}, "cs_1": {}} {
			l, err := st.ListPayments(t.Context(), scopeA, checkout.PaymentFilter{SessionID: session, ListParams: limit(10)})
			if err != nil {
				t.Fatalf("ListPayments: %v", err)
			}
			wantIDs(t, "payments of "+session+" after the update", paymentIDs(l.Items), ids)
		}
	})

	t.Run("MissingPayment", func(t *testing.T) {
		st := s.seeded(t)
		p := newPayment(scopeA, "pay_ghost", "cs_1", t0)
		p.Version = 2
		err := st.Commit(t.Context(), checkout.Change{Payment: p})
		if !checkout.IsKind(err, checkout.KindConflict) && !checkout.IsKind(err, checkout.KindNotFound) {
			t.Errorf("Commit(missing payment) = %v, want a conflict or not-found error", err)
		}
		_, err = st.FindPayment(t.Context(), "pay_ghost")
		wantKind(t, "FindPayment(after updating a missing payment)", err, checkout.KindNotFound)
	})

	t.Run("EventsOnly", func(t *testing.T) {
		st := s.seeded(t)
		ev := &checkout.Event{ID: "evt_alone", AccountID: scopeA.AccountID, Type: checkout.EventPaymentFailed,
			Created: t0, Sequence: 1, ObjectID: "pay_1", Payment: newPayment(scopeA, "pay_1", "cs_1", t0)}
		commit(t, st, checkout.Change{Events: []*checkout.Event{ev}})
		got, err := st.GetEvent(t.Context(), scopeA, ev.ID)
		if err != nil {
			t.Fatalf("GetEvent: %v", err)
		}
		checkEvent(t, "GetEvent", got, ev)
	})

	t.Run("AllTogether", func(t *testing.T) {
		st := s.seeded(t)
		create(t, st, newSession(scopeA, "cs_all", t0))
		now := t0.Add(time.Minute)
		sess, err := st.GetSession(t.Context(), scopeA, "cs_all")
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		p := newPayment(scopeA, "pay_all", sess.ID, now)
		if err := sess.Claim(p.ID, now); err != nil {
			t.Fatalf("Claim: %v", err)
		}
		commit(t, st, checkout.Change{Session: sess, Payment: p})

		p.Status, p.Version, p.Updated = checkout.PaymentSucceeded, p.Version+1, now
		sess.Payment = p.ID
		ev, err := sess.Apply(checkout.TransitionPay, now, "evt_all_completed")
		if err != nil {
			t.Fatalf("Apply: %v", err)
		}
		pev := &checkout.Event{ID: "evt_all_payment", AccountID: p.AccountID, Livemode: p.Livemode,
			Type: checkout.EventPaymentSucceeded, Created: now, Sequence: 1, ObjectID: p.ID, Payment: p.Clone()}
		commit(t, st, checkout.Change{Session: sess, Payment: p, Events: []*checkout.Event{ev, pev}})

		gotSess, err := st.GetSession(t.Context(), scopeA, sess.ID)
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		checkSession(t, "session", gotSess, sess)
		gotPay, err := st.GetPayment(t.Context(), scopeA, p.ID)
		if err != nil {
			t.Fatalf("GetPayment: %v", err)
		}
		checkPayment(t, "payment", gotPay, p)
		for _, want := range []*checkout.Event{ev, pev} {
			got, err := st.GetEvent(t.Context(), scopeA, want.ID)
			if err != nil {
				t.Fatalf("GetEvent(%s): %v", want.ID, err)
			}
			checkEvent(t, "GetEvent("+want.ID+")", got, want)
		}
	})

	// failing runs one change that must be refused as a conflict, and checks
	// that it wrote nothing: the stored session and payment are as before
	// and none of its events exists.
	failing := func(t *testing.T, st checkout.Store, c checkout.Change) {
		t.Helper()
		var sessBefore *checkout.Session
		var payBefore *checkout.Payment
		if c.Session != nil {
			sessBefore, _ = st.FindSession(t.Context(), c.Session.ID)
		}
		if c.Payment != nil {
			payBefore, _ = st.FindPayment(t.Context(), c.Payment.ID)
		}
		wantKind(t, "Commit", st.Commit(t.Context(), c), checkout.KindConflict)
		if c.Session != nil {
			got, err := st.FindSession(t.Context(), c.Session.ID)
			if sessBefore == nil {
				wantKind(t, "FindSession(session of the refused change)", err, checkout.KindNotFound)
			} else if err != nil {
				t.Fatalf("FindSession: %v", err)
			} else {
				checkSession(t, "session after the refused change", got, sessBefore)
			}
		}
		if c.Payment != nil {
			got, err := st.FindPayment(t.Context(), c.Payment.ID)
			if payBefore == nil {
				wantKind(t, "FindPayment(payment of the refused change)", err, checkout.KindNotFound)
				l, err := st.ListPayments(t.Context(), c.Payment.Scope(), checkout.PaymentFilter{SessionID: c.Payment.SessionID, ListParams: limit(100)})
				if err != nil {
					t.Fatalf("ListPayments: %v", err)
				}
				if slices.Contains(paymentIDs(l.Items), c.Payment.ID) {
					t.Errorf("the refused payment %s is listed", c.Payment.ID)
				}
			} else if err != nil {
				t.Fatalf("FindPayment: %v", err)
			} else {
				checkPayment(t, "payment after the refused change", got, payBefore)
			}
		}
		for _, e := range c.Events {
			stored, err := st.GetEvent(t.Context(), checkout.Scope{AccountID: e.AccountID, Livemode: e.Livemode}, e.ID)
			if err == nil && stored.Type == e.Type && stored.ObjectID == e.ObjectID && stored.Created.Equal(e.Created) {
				t.Errorf("event %s of the refused change was written", e.ID)
			}
		}
	}

	// setup stores an open session at version 1 and a processing payment
	// for it at version 1, and returns fresh copies of both.
	setup := func(t *testing.T) (checkout.Store, *checkout.Session, *checkout.Payment) {
		t.Helper()
		st := s.seeded(t)
		create(t, st, newSession(scopeA, "cs_1", t0))
		insertPayments(t, st, newPayment(scopeA, "pay_1", "cs_1", t0))
		sess, err := st.GetSession(t.Context(), scopeA, "cs_1")
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		p, err := st.GetPayment(t.Context(), scopeA, "pay_1")
		if err != nil {
			t.Fatalf("GetPayment: %v", err)
		}
		return st, sess, p
	}
	paid := func(t *testing.T, sess *checkout.Session, p *checkout.Payment, evID string) *checkout.Event {
		t.Helper()
		p.Status, p.Version, p.Updated = checkout.PaymentSucceeded, p.Version+1, t0.Add(time.Minute)
		sess.Payment = p.ID
		ev, err := sess.Apply(checkout.TransitionPay, t0.Add(time.Minute), evID)
		if err != nil {
			t.Fatalf("Apply: %v", err)
		}
		return ev
	}

	t.Run("StaleSessionWritesNoPaymentNorEvents", func(t *testing.T) {
		st, sess, p := setup(t)
		stale := sess.Clone()
		sess.Version++
		sess.Description = "a concurrent write"
		commit(t, st, checkout.Change{Session: sess})

		// A new payment with a stale session.
		newPay := newPayment(scopeA, "pay_new", "cs_1", t0)
		claim := stale.Clone()
		if err := claim.Claim(newPay.ID, t0.Add(time.Minute)); err != nil {
			t.Fatalf("Claim: %v", err)
		}
		failing(t, st, checkout.Change{Session: claim, Payment: newPay, Events: []*checkout.Event{{
			ID: "evt_refused_1", AccountID: scopeA.AccountID, Type: checkout.EventPaymentFailed,
			Created: t0.Add(time.Minute), Sequence: 1, ObjectID: newPay.ID, Payment: newPay.Clone()}}})

		// A payment update with a stale session.
		ev := paid(t, stale, p, "evt_refused_2")
		failing(t, st, checkout.Change{Session: stale, Payment: p, Events: []*checkout.Event{ev}})
		events, err := st.ListEvents(t.Context(), scopeA, checkout.EventFilter{ListParams: limit(10)})
		if err != nil {
			t.Fatalf("ListEvents: %v", err)
		}
		wantIDs(t, "events", eventIDs(events.Items), []string{})
	})

	t.Run("StalePaymentLeavesSessionUntouched", func(t *testing.T) {
		st, sess, p := setup(t)
		won := p.Clone()
		won.Version++
		won.Status = checkout.PaymentFailed
		commit(t, st, checkout.Change{Payment: won})

		ev := paid(t, sess, p, "evt_refused")
		failing(t, st, checkout.Change{Session: sess, Payment: p, Events: []*checkout.Event{ev}})
		got, err := st.GetSession(t.Context(), scopeA, "cs_1")
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		if got.Version != 1 || got.Status != checkout.SessionOpen || got.Payment != "" {
			t.Errorf("session written although its payment was refused: version %d, %s, payment %q", got.Version, got.Status, got.Payment)
		}
	})

	t.Run("DuplicatePaymentLeavesSessionUntouched", func(t *testing.T) {
		st, sess, _ := setup(t)
		dup := newPayment(scopeA, "pay_1", "cs_1", t0.Add(time.Minute))
		if err := sess.Claim(dup.ID, t0.Add(time.Minute)); err != nil {
			t.Fatalf("Claim: %v", err)
		}
		failing(t, st, checkout.Change{Session: sess, Payment: dup})
	})

	t.Run("DuplicateEventWritesNothing", func(t *testing.T) {
		st, sess, p := setup(t)
		other := newSession(scopeA, "cs_2", t0)
		create(t, st, other)
		first := transition(t, st, scopeA, other.ID, checkout.TransitionCancel, t0.Add(time.Minute), nil)
		ev := paid(t, sess, p, first.ID)
		failing(t, st, checkout.Change{Session: sess, Payment: p, Events: []*checkout.Event{ev}})
		stored, err := st.GetEvent(t.Context(), scopeA, first.ID)
		if err != nil {
			t.Fatalf("GetEvent: %v", err)
		}
		checkEvent(t, "first event", stored, first)
	})
}
