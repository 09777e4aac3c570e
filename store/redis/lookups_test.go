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

// TestUpgradeOldLookups: a session and a payment written as a checkoutd
// without lookups left them (their keys and list entries, no lookup
// entries) are found by public token and provider reference once a Store
// opens, and the token is unique from then on.
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
	got, err := s.FindSessionByToken(ctx, "pt_old")
	if err != nil || got.ID != sess.ID {
		t.Errorf("FindSessionByToken after the upgrade: %v, %v; want %s", got, err, sess.ID)
	}
	p, err := s.FindPaymentByRef(ctx, "sim", "sim_ref_old")
	if err != nil || p.ID != pay.ID {
		t.Errorf("FindPaymentByRef after the upgrade: %v, %v; want %s", p, err, pay.ID)
	}
	dup := *sess
	dup.ID = "cs_new"
	if err := s.CreateSession(ctx, &dup); !checkout.IsKind(err, checkout.KindConflict) {
		t.Errorf("CreateSession with the old session's token: %v, want a conflict", err)
	}
	if ttl := c.PTTL(ctx, prefix+"session-token:pt_old").Val(); ttl <= 0 || ttl > 2*time.Hour {
		t.Errorf("the old session's token entry lives %v; want the session's TTL", ttl)
	}
}
