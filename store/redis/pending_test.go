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

// TestUpgradeOldPending: payments written as a checkoutd without pending
// sets left them (their keys and list entries, no pending entry) are listed
// by PendingPayments once a Store opens, in seq order, while a final one is
// not; the set lives as long as the payments.
func TestUpgradeOldPending(t *testing.T) {
	ctx := t.Context()
	_, prefix := mustOpenPrefix(t, redis.Options{})
	c := client(t)
	t0 := time.Now().UTC().Truncate(time.Microsecond)
	old := func(id string, seq float64, status checkout.PaymentState) {
		t.Helper()
		p := &checkout.Payment{ID: id, AccountID: "acct_1", SessionID: "cs_old", Provider: "stablecoin", Method: "stablecoin",
			Status: status, Amount: 100, Currency: "EUR", Version: 1, Created: t0, Updated: t0}
		data, err := record.EncodePayment(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, err := range []error{
			c.Set(ctx, prefix+"payment:"+id, data, 2*time.Hour).Err(),
			c.ZAdd(ctx, prefix+"payments:acct_1:0", goredis.Z{Score: seq, Member: id}).Err(),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	old("pay_old_b", 9, checkout.PaymentRequiresAction)
	old("pay_old_a", 8, checkout.PaymentProcessing)
	old("pay_old_done", 7, checkout.PaymentSucceeded)
	if err := c.Del(ctx, prefix+"pending-indexed").Err(); err != nil {
		t.Fatal(err)
	}
	s, err := redis.Open(context.Background(), redisURL(t), redis.Options{Prefix: prefix})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	got, err := s.PendingPayments(ctx, "stablecoin", false, "", 10)
	if err != nil || len(got) != 2 || got[0].ID != "pay_old_a" || got[1].ID != "pay_old_b" {
		t.Fatalf("PendingPayments after the upgrade: %v, %v; want pay_old_a, pay_old_b", got, err)
	}
	if ttl := c.PTTL(ctx, prefix+"payments-pending:0:stablecoin").Val(); ttl < 2*time.Hour-time.Minute || ttl > 4*time.Hour {
		t.Errorf("the pending set lives %v; want about the payments' 2h and its slack", ttl)
	}
}
