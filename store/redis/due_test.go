package redis_test

import (
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/redis"
)

// TestPaymentTTLOutlivesItsCheck: a voucher payable for three days whose
// reconciler check is in ten minutes is due in ten minutes, but its key
// lives until its deadline plus the retention, not its check's: a sweeper
// stopped for longer than the retention must not lose a voucher that can
// still be paid. A processing payment lives past its next check.
func TestPaymentTTLOutlivesItsCheck(t *testing.T) {
	const retention = time.Hour
	s, prefix := mustOpenPrefix(t, redis.Options{Retention: retention})
	c := client(t)
	ctx := t.Context()
	wall := time.Now() // the TTL is counted from the server's clock
	deadline, check := wall.Add(72*time.Hour), wall.Add(10*time.Minute)

	voucher := &checkout.Payment{ID: "pay_voucher", AccountID: scope.AccountID, SessionID: "cs_1", Provider: "sim",
		Method: "multibanco", Status: checkout.PaymentRequiresAction, Amount: 2000, Currency: "EUR",
		Action:  &checkout.NextAction{Kind: checkout.NextActionVoucher, ExpiresAt: deadline, Voucher: &checkout.Voucher{Entity: "1", Reference: "2"}},
		CheckAt: check, Version: 1, Created: now, Updated: now}
	processing := &checkout.Payment{ID: "pay_processing", AccountID: scope.AccountID, SessionID: "cs_2", Provider: "sim",
		Method: "card", Status: checkout.PaymentProcessing, Amount: 2000, Currency: "EUR",
		CheckAt: wall.Add(6 * time.Hour), Version: 1, Created: now, Updated: now}
	for _, p := range []*checkout.Payment{voucher, processing} {
		if err := s.Commit(ctx, checkout.Change{Payment: p}); err != nil {
			t.Fatalf("Commit: %v", err)
		}
	}
	for _, tc := range []struct {
		id   string
		want time.Duration
	}{
		{voucher.ID, 72*time.Hour + retention},
		{processing.ID, 6*time.Hour + retention},
	} {
		ttl, err := c.PTTL(ctx, prefix+"payment:"+tc.id).Result()
		if err != nil {
			t.Fatalf("PTTL: %v", err)
		}
		if ttl > tc.want || ttl < tc.want-time.Minute {
			t.Errorf("%s: TTL %v, want about %v", tc.id, ttl, tc.want)
		}
	}
	got, err := s.DuePayments(ctx, check, 10)
	if err != nil || len(got) != 1 || got[0].ID != voucher.ID {
		t.Fatalf("DuePayments at the check: %v, %v; want the voucher", got, err)
	}
}

// TestFinalPaymentWithARefundCheck: a succeeded payment with a pending
// refund to ask about (CheckAt) is in the due queue at its check, and its
// key lives past the check by the retention, so the sweeper finds it.
func TestFinalPaymentWithARefundCheck(t *testing.T) {
	const retention = time.Hour
	s, prefix := mustOpenPrefix(t, redis.Options{Retention: retention})
	c := client(t)
	ctx := t.Context()
	wall := time.Now()
	check := wall.Add(6 * time.Hour)
	p := &checkout.Payment{ID: "pay_refunding", AccountID: scope.AccountID, SessionID: "cs_1", Provider: "sim",
		Method: "card", Status: checkout.PaymentSucceeded, Amount: 2000, AmountRefunded: 2000, Currency: "EUR",
		CheckAt: check, Version: 1, Created: now, Updated: now}
	if err := s.Commit(ctx, checkout.Change{Payment: p}); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	ttl, err := c.PTTL(ctx, prefix+"payment:"+p.ID).Result()
	if err != nil {
		t.Fatalf("PTTL: %v", err)
	}
	if want := 6*time.Hour + retention; ttl > want || ttl < want-time.Minute {
		t.Errorf("TTL %v, want about %v", ttl, want)
	}
	if got, err := s.DuePayments(ctx, check.Add(-time.Second), 10); err != nil || len(got) != 0 {
		t.Fatalf("DuePayments before the check: %v, %v; want none", got, err)
	}
	got, err := s.DuePayments(ctx, check, 10)
	if err != nil || len(got) != 1 || got[0].ID != p.ID {
		t.Fatalf("DuePayments at the check: %v, %v; want the final payment", got, err)
	}
	// Its check cleared, it leaves the queue.
	p.CheckAt, p.Version = time.Time{}, 2
	if err := s.Commit(ctx, checkout.Change{Payment: p}); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if got, err := s.DuePayments(ctx, check, 10); err != nil || len(got) != 0 {
		t.Fatalf("DuePayments after the check was cleared: %v, %v; want none", got, err)
	}
}
