package storetest

import (
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

func (s suite) dueSessions(t *testing.T) {
	st := s.seeded(t)
	now := t0.Add(time.Hour)
	mk := func(scope checkout.Scope, id string, expires time.Time) *checkout.Session {
		sess := newSession(scope, id, t0)
		sess.ExpiresAt = expires
		create(t, st, sess)
		return sess
	}
	due := func(at time.Time, limit int) []*checkout.Session {
		t.Helper()
		got, err := st.DueSessions(t.Context(), at, limit)
		if err != nil {
			t.Fatalf("DueSessions: %v", err)
		}
		return got
	}

	// Created out of expiry order, in every scope.
	late := mk(scopeB, "cs_late", now) // expires_at == now is due
	early := mk(scopeA, "cs_early", now.Add(-50*time.Minute))
	mid := mk(scopeALive, "cs_mid", now.Add(-10*time.Minute))
	future := mk(scopeA, "cs_future", now.Add(time.Microsecond))
	// Past their expires_at, but not stored as open: not the sweeper's.
	paid := mk(scopeA, "cs_paid", now.Add(-40*time.Minute))
	expired := mk(scopeB, "cs_expired", now.Add(-30*time.Minute))
	canceled := mk(scopeALive, "cs_canceled", now.Add(-20*time.Minute))
	transition(t, st, scopeA, paid.ID, checkout.TransitionPay, t0.Add(time.Minute), nil)
	transition(t, st, scopeB, expired.ID, checkout.TransitionExpire, t0.Add(time.Minute), nil)
	transition(t, st, scopeALive, canceled.ID, checkout.TransitionCancel, t0.Add(time.Minute), nil)

	got := due(now, 10)
	wantIDs(t, "due", sessionIDs(got), []string{early.ID, mid.ID, late.ID})
	if len(got) == 3 {
		checkSession(t, "due session", got[1], mid)
	}
	wantIDs(t, "due, limit 2", sessionIDs(due(now, 2)), []string{early.ID, mid.ID})
	wantIDs(t, "due earlier", sessionIDs(due(now.Add(-20*time.Minute), 10)), []string{early.ID})

	// The sweeper expires them; then they are no longer due.
	for _, sess := range []*checkout.Session{early, mid, late} {
		transition(t, st, sess.Scope(), sess.ID, checkout.TransitionExpire, now, nil)
	}
	wantIDs(t, "due after the sweep", sessionIDs(due(now, 10)), []string{})
	wantIDs(t, "due a moment later", sessionIDs(due(now.Add(time.Microsecond), 10)), []string{future.ID})
}

// duePayments: the sweeper's queue holds every payment by Payment.Due (its
// reconciler check, else its action's deadline while requires_action; a
// final payment only by its check, a pending refund to ask about), and
// moves when either moves.
func (s suite) duePayments(t *testing.T) {
	st := s.seeded(t)
	now := t0.Add(time.Hour)
	mk := func(scope checkout.Scope, id string, status checkout.PaymentState, deadline, check time.Time) *checkout.Payment {
		sess := newSession(scope, "cs_for_"+id, t0)
		create(t, st, sess)
		p := newPayment(scope, id, sess.ID, t0)
		p.Method, p.Status, p.CheckAt = "multibanco", status, check
		if !deadline.IsZero() {
			p.Action = &checkout.NextAction{Kind: checkout.NextActionVoucher, ExpiresAt: deadline, Voucher: &checkout.Voucher{Entity: "21098", Reference: "123456789"}}
		}
		commit(t, st, checkout.Change{Payment: p})
		return p
	}
	due := func(at time.Time, limit int) []*checkout.Payment {
		t.Helper()
		got, err := st.DuePayments(t.Context(), at, limit)
		if err != nil {
			t.Fatalf("DuePayments: %v", err)
		}
		return got
	}
	var none time.Time
	requires, processing := checkout.PaymentRequiresAction, checkout.PaymentProcessing

	late := mk(scopeB, "pay_late", requires, now, none) // deadline == now is due
	early := mk(scopeALive, "pay_early", requires, now.Add(-time.Minute), none)
	// Due at its check, which comes before its deadline.
	checked := mk(scopeA, "pay_checked", requires, now.Add(time.Hour), now.Add(-3*time.Minute))
	// Processing: due at its check; its action's deadline is not its own.
	polled := mk(scopeB, "pay_polled", processing, none, now.Add(-2*time.Minute))
	mk(scopeA, "pay_processing_no_check", processing, now.Add(-10*time.Minute), none)
	mk(scopeA, "pay_future", requires, now.Add(time.Microsecond), none)
	mk(scopeA, "pay_future_check", processing, none, now.Add(time.Microsecond))
	mk(scopeA, "pay_no_deadline", requires, none, none)
	// Lapsed, but claimed by the reconciler until its check.
	mk(scopeB, "pay_claimed", requires, now.Add(-10*time.Minute), now.Add(time.Minute))
	// Final, its check cleared (as the service does): its lapsed deadline
	// is not its own any more.
	settled := mk(scopeA, "pay_settled", requires, now.Add(-5*time.Minute), now.Add(-5*time.Minute))
	settled.Status, settled.CheckAt, settled.Version = checkout.PaymentSucceeded, none, settled.Version+1
	commit(t, st, checkout.Change{Payment: settled})
	// Final with a check: a pending refund to ask its provider about.
	refunding := mk(scopeB, "pay_refunding", processing, none, now.Add(time.Hour))
	refunding.Status, refunding.CheckAt, refunding.Version = checkout.PaymentSucceeded, now.Add(-30*time.Second), refunding.Version+1
	commit(t, st, checkout.Change{Payment: refunding})

	got := due(now, 10)
	wantIDs(t, "due", paymentIDs(got), []string{checked.ID, polled.ID, early.ID, refunding.ID, late.ID})
	if len(got) == 5 {
		checkPayment(t, "due payment", got[0], checked)
		checkPayment(t, "due final payment", got[3], refunding)
	}
	wantIDs(t, "due, limit 1", paymentIDs(due(now, 1)), []string{checked.ID})
	wantIDs(t, "due earlier", paymentIDs(due(now.Add(-150*time.Second), 10)), []string{checked.ID})

	// A check moved on (the reconciler's claim) moves the payment in the
	// queue; one cleared leaves only the deadline.
	checked.CheckAt, checked.Version = now.Add(30*time.Minute), checked.Version+1
	polled.CheckAt, polled.Version = time.Time{}, polled.Version+1
	commit(t, st, checkout.Change{Payment: checked})
	commit(t, st, checkout.Change{Payment: polled})
	refunding.CheckAt, refunding.Version = time.Time{}, refunding.Version+1
	commit(t, st, checkout.Change{Payment: refunding})
	wantIDs(t, "due after the claims", paymentIDs(due(now, 10)), []string{early.ID, late.ID})
	if ids := paymentIDs(due(now.Add(30*time.Minute), 10)); len(ids) != 6 || ids[5] != checked.ID {
		t.Errorf("due at the moved check: got %v, want 6 ending with %s", ids, checked.ID)
	}
}
