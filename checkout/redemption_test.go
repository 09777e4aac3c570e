package checkout_test

import (
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// A limited coupon's places: one per session, held by each of its
// payments until it ends or its hold lapses; a slot stored before
// payments held them still lapses ClaimTTL after Since.
func TestRedemptionPlaces(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	c := &checkout.Coupon{ID: "ONE", MaxRedemptions: 1}
	claim := func(pay, sess string, until, now time.Time) error {
		_, err := c.Claim(pay, sess, until, now)
		return err
	}
	if err := claim("pay_a1", "cs_a", t0.Add(checkout.ClaimTTL), t0); err != nil {
		t.Fatal(err)
	}
	if !c.Hold("pay_a1", t0.Add(24*time.Hour), t0) {
		t.Fatal("hold to the deadline changed nothing")
	}
	if c.Hold("pay_a1", t0.Add(time.Hour), t0) {
		t.Error("a shorter hold shortened the slot")
	}
	later := t0.Add(time.Hour)
	if err := claim("pay_a2", "cs_a", later.Add(checkout.ClaimTTL), later); err != nil {
		t.Fatalf("the same session's second payment: %v", err)
	}
	if err := claim("pay_b1", "cs_b", later.Add(checkout.ClaimTTL), later); checkout.ErrorKind(err) != checkout.KindState {
		t.Fatalf("another session past ClaimTTL: %v, want refused", err)
	}
	// pay_a1 ends: pay_a2 still holds cs_a's place (until its own ClaimTTL).
	c.Settle("pay_a1", "cs_a", false, later)
	if err := claim("pay_b1", "cs_b", later.Add(checkout.ClaimTTL), later); checkout.ErrorKind(err) != checkout.KindState {
		t.Fatalf("after the older payment ended: %v, want refused", err)
	}
	c.Settle("pay_a2", "cs_a", true, later)
	if c.TimesRedeemed != 1 || len(c.Slots) != 0 {
		t.Fatalf("after pay_a2 paid: %+v", c.Redemptions)
	}

	// An old slot (no payment, no until) is its session's and lapses as before.
	old := &checkout.Coupon{ID: "OLD", MaxRedemptions: 1,
		Redemptions: checkout.Redemptions{Slots: []checkout.RedemptionSlot{{SessionID: "cs_old", Since: t0}}}}
	if _, err := old.Claim("pay_x", "cs_x", t0.Add(time.Minute), t0.Add(time.Minute)); checkout.ErrorKind(err) != checkout.KindState {
		t.Fatalf("an old live slot: %v, want refused", err)
	}
	if _, err := old.Claim("pay_x", "cs_x", t0.Add(2*checkout.ClaimTTL), t0.Add(checkout.ClaimTTL)); err != nil {
		t.Fatalf("an old slot past ClaimTTL: %v", err)
	}
}
