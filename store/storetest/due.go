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

func (s suite) duePayments(t *testing.T) {
	st := s.seeded(t)
	now := t0.Add(time.Hour)
	mk := func(scope checkout.Scope, id string, status checkout.PaymentState, due time.Time) *checkout.Payment {
		sess := newSession(scope, "cs_for_"+id, t0)
		create(t, st, sess)
		p := newPayment(scope, id, sess.ID, t0)
		p.Method, p.Status = "multibanco", status
		if !due.IsZero() {
			p.Action = &checkout.NextAction{Kind: checkout.NextActionVoucher, ExpiresAt: due, Voucher: &checkout.Voucher{Entity: "21098", Reference: "123456789"}}
		}
		commit(t, st, checkout.Change{Payment: p})
		return p
	}
	late := mk(scopeB, "pay_late", checkout.PaymentRequiresAction, now) // deadline == now is due
	early := mk(scopeALive, "pay_early", checkout.PaymentRequiresAction, now.Add(-time.Minute))
	mk(scopeA, "pay_future", checkout.PaymentRequiresAction, now.Add(time.Microsecond))
	mk(scopeA, "pay_no_deadline", checkout.PaymentRequiresAction, time.Time{})
	settled := mk(scopeA, "pay_settled", checkout.PaymentRequiresAction, now.Add(-2*time.Minute))
	settled.Status, settled.Version = checkout.PaymentSucceeded, settled.Version+1
	commit(t, st, checkout.Change{Payment: settled})

	got, err := st.DuePayments(t.Context(), now, 10)
	if err != nil {
		t.Fatalf("DuePayments: %v", err)
	}
	var ids []string
	for _, p := range got {
		ids = append(ids, p.ID)
	}
	if len(ids) != 2 || ids[0] != early.ID || ids[1] != late.ID {
		t.Fatalf("DuePayments = %v, want [%s %s]", ids, early.ID, late.ID)
	}
	if got, _ := st.DuePayments(t.Context(), now, 1); len(got) != 1 || got[0].ID != early.ID {
		t.Fatalf("limit 1: %v", got)
	}
}
