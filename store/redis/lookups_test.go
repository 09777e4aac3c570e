package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
	"github.com/checkoutd/checkoutd/store/redis"
	goredis "github.com/redis/go-redis/v9"
)

// TestUpgradeOldLookups: a payment written as a checkoutd without lookups
// left it (its keys and list entries, no lookup entry) is found by its
// provider reference once a Store opens, and the entry lives as long as
// the payment.
func TestUpgradeOldLookups(t *testing.T) {
	ctx := t.Context()
	_, prefix := mustOpenPrefix(t, redis.Options{})
	c := client(t)
	t0 := time.Now().UTC().Truncate(time.Microsecond)
	sess := &checkout.Session{ID: "cs_old", AccountID: "acct_1", Mode: checkout.ModePayment, Status: checkout.SessionOpen,
		PaymentStatus: checkout.PaymentUnpaid, Currency: "EUR", AmountTotal: 100, PublicToken: "pt_old",
		Version: 1, Created: t0, Updated: t0, ExpiresAt: t0.Add(time.Hour)}
	pay := &checkout.Payment{ID: "pay_old", AccountID: "acct_1", SessionID: sess.ID, Provider: "sim", Method: "card",
		Status: checkout.PaymentSucceeded, Amount: 100, Currency: "EUR", ProviderRef: "sim_ref_old", Version: 2, Created: t0, Updated: t0}
	sessData, err := record.EncodeSession(sess)
	if err != nil {
		t.Fatal(err)
	}
	payData, err := record.EncodePayment(pay)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		c.Set(ctx, prefix+"session:cs_old", sessData, 2*time.Hour).Err(),
		c.ZAdd(ctx, prefix+"sessions:acct_1:0", goredis.Z{Score: 7, Member: "cs_old"}).Err(),
		c.Set(ctx, prefix+"payment:pay_old", payData, 2*time.Hour).Err(),
		c.ZAdd(ctx, prefix+"payments:acct_1:0", goredis.Z{Score: 8, Member: "pay_old"}).Err(),
		c.Del(ctx, prefix+"lookups-indexed").Err(),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	s, err := redis.Open(context.Background(), redisURL(t), redis.Options{Prefix: prefix})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	p, err := s.FindPaymentByRef(ctx, "sim", "sim_ref_old")
	if err != nil || p.ID != pay.ID {
		t.Errorf("FindPaymentByRef after the upgrade: %v, %v; want %s", p, err, pay.ID)
	}
	// An index entry outlives its object by a slack (see extend in
	// lua/prelude.lua), never for ever.
	if ttl := c.PTTL(ctx, prefix+"payment-ref:sim:sim_ref_old").Val(); ttl < 2*time.Hour-time.Minute || ttl > 4*time.Hour {
		t.Errorf("the old payment's reference entry lives %v; want about the payment's 2h and its slack", ttl)
	}
}
