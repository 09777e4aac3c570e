package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// paymentByRef: a payment is found by its provider's reference alone,
// whatever its scope (a gateway's callback names only that), once the
// reference is set, whether at the insert or by a later write.
func (s suite) paymentByRef(t *testing.T) {
	st := s.seeded(t)
	ctx := t.Context()
	sess := newSession(scopeA, "cs_ref", t0)
	create(t, st, sess)

	withRef := newPayment(scopeA, "pay_ref_1", sess.ID, t0)
	withRef.ProviderRef = "ch_1"
	later := newPayment(scopeB, "pay_ref_2", "cs_other", t0)
	insertPayments(t, st, withRef, later)

	find := func(provider, ref string) (*checkout.Payment, error) {
		t.Helper()
		return st.FindPaymentByRef(ctx, provider, ref)
	}
	got, err := find("sim", "ch_1")
	if err != nil {
		t.Fatalf("FindPaymentByRef(sim, ch_1): %v", err)
	}
	checkPayment(t, "found by ref", got, withRef)

	for _, c := range [][2]string{{"sim", ""}, {"", ""}, {"sim", "ch_unknown"}, {"other", "ch_1"}, {"", "ch_1"}, {"sim", "CH_1"}, {"sim", "ch_1\x00"}} {
		_, err := find(c[0], c[1])
		wantKind(t, fmt.Sprintf("FindPaymentByRef(%q, %q)", c[0], c[1]), err, checkout.KindNotFound)
	}
	for _, h := range hostileIDs {
		_, err := find("sim", h)
		wantKind(t, fmt.Sprintf("FindPaymentByRef(sim, %q)", h), err, checkout.KindNotFound)
		_, err = find(h, "ch_1")
		wantKind(t, fmt.Sprintf("FindPaymentByRef(%q, ch_1)", h), err, checkout.KindNotFound)
	}

	// The reference set by a later write, as the provider's answer comes.
	_, err = find("sim", "ch_2")
	wantKind(t, "FindPaymentByRef before the ref is set", err, checkout.KindNotFound)
	next := later.Clone()
	next.Version, next.ProviderRef, next.Status = 2, "ch_2", checkout.PaymentSucceeded
	commit(t, st, checkout.Change{Payment: next})
	got, err = find("sim", "ch_2")
	if err != nil {
		t.Fatalf("FindPaymentByRef(sim, ch_2) after the update: %v", err)
	}
	checkPayment(t, "found by the ref of an update", got, next)

	// The same reference at another provider is another payment's.
	other := newPayment(scopeA, "pay_ref_3", sess.ID, t0)
	other.Provider, other.ProviderRef = "stripe", "ch_1"
	insertPayments(t, st, other)
	if got, err := find("stripe", "ch_1"); err != nil || got.ID != other.ID {
		t.Errorf("FindPaymentByRef(stripe, ch_1): %v, %v; want %s", got, err, other.ID)
	}
	if got, err := find("sim", "ch_1"); err != nil || got.ID != withRef.ID {
		t.Errorf("FindPaymentByRef(sim, ch_1) after another provider's: %v, %v; want %s", got, err, withRef.ID)
	}

	// Should two payments carry one reference, the newest is found.
	dup := newPayment(scopeA, "pay_ref_4", sess.ID, t0.Add(time.Second))
	dup.ProviderRef = "ch_1"
	insertPayments(t, st, dup)
	if got, err := find("sim", "ch_1"); err != nil || got.ID != dup.ID {
		t.Errorf("FindPaymentByRef(sim, ch_1) with two payments: %v, %v; want the newer %s", got, err, dup.ID)
	}
	// and an update of the older one does not make it the newest.
	older := withRef.Clone()
	older.Version, older.Status = 2, checkout.PaymentSucceeded
	commit(t, st, checkout.Change{Payment: older})
	if got, err := find("sim", "ch_1"); err != nil || got.ID != dup.ID {
		t.Errorf("FindPaymentByRef(sim, ch_1) after the older one's update: %v, %v; want %s", got, err, dup.ID)
	}
}

// UpgradedLookups checks a store opened over a database an older version
// wrote, holding sess and its payment pay: the lookup by provider reference
// finds pay (the upgrade indexed the rows it found), and the generic
// objects are there to use, none yet.
func UpgradedLookups(t *testing.T, st checkout.Store, sess *checkout.Session, pay *checkout.Payment) {
	t.Helper()
	ctx := t.Context()
	p, err := st.FindPaymentByRef(ctx, pay.Provider, pay.ProviderRef)
	if err != nil || p.ID != pay.ID {
		t.Errorf("FindPaymentByRef after the upgrade: %v, %v; want %s", p, err, pay.ID)
	}
	if page, err := st.ListObjects(ctx, sess.Scope(), "any_kind", checkout.ListParams{Limit: 10}); err != nil || len(page.Items) != 0 {
		t.Errorf("ListObjects after the upgrade: %v, %v; want none", page.Items, err)
	}
}
