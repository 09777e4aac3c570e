package redis_test

import (
	"context"
	"encoding/hex"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
	"github.com/checkoutd/checkoutd/store/redis"
)

// TestUpgradeOldKeys: keys written by a checkoutd that kept only
// P apikey:{hash} are given their id and list entry when a Store opens, in
// the order they were made, once, and can then be listed and revoked.
func TestUpgradeOldKeys(t *testing.T) {
	ctx := t.Context()
	first, prefix := mustOpenPrefix(t, redis.Options{})
	if err := first.CreateAccount(ctx, &checkout.Account{ID: "acct_1", Name: "Shop", DefaultCurrency: "EUR", Created: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	c := client(t)
	t0 := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	// Written newest first, as the old layout would hold them.
	for i, id := range []string{"key_old2", "key_old1"} {
		secret := "sk_test_" + id + "_0123456789abcdefghijk"
		k := &checkout.APIKey{ID: id, AccountID: "acct_1", Hash: checkout.HashKey(secret), Hint: "hijk", Created: t0.Add(-time.Duration(i) * time.Minute)}
		data, err := record.EncodeKey(k)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Set(ctx, prefix+"apikey:"+hex.EncodeToString(k.Hash), data, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Del(ctx, prefix+"apikeys-indexed").Err(); err != nil {
		t.Fatal(err)
	}
	s, err := redis.Open(context.Background(), redisURL(t), redis.Options{Prefix: prefix})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	scope := checkout.Scope{AccountID: "acct_1"}
	p, err := s.ListAPIKeys(ctx, scope, checkout.ListParams{Limit: 10})
	if err != nil || len(p.Items) != 2 || p.Items[0].ID != "key_old2" || p.Items[1].ID != "key_old1" {
		t.Fatalf("ListAPIKeys after the upgrade: %v, %v; want key_old2, key_old1", p.Items, err)
	}
	k, err := s.RevokeAPIKey(ctx, scope, "key_old1", t0.Add(time.Hour))
	if err != nil || k.Usable(t0.Add(2*time.Hour)) == nil {
		t.Fatalf("RevokeAPIKey(old key): %+v, %v; want it revoked", k, err)
	}
	// A second Open finds the prefix indexed and lists each key once.
	again, err := redis.Open(context.Background(), redisURL(t), redis.Options{Prefix: prefix})
	if err != nil {
		t.Fatalf("Open again: %v", err)
	}
	defer again.Close()
	if p, err := again.ListAPIKeys(ctx, scope, checkout.ListParams{Limit: 10}); err != nil || len(p.Items) != 2 {
		t.Errorf("ListAPIKeys after a second Open: %d keys, %v; want 2", len(p.Items), err)
	}
}
