package postgres_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/jackc/pgx/v5"
)

// TestUpgradeKeysFrom0001: keys stored by a checkoutd whose schema ends at
// 0001_init.sql still authenticate after the upgrade, unrevoked and never
// used, list in the order they were made, and can be revoked; keys made
// after the upgrade list after them.
func TestUpgradeKeysFrom0001(t *testing.T) {
	u := newSchema(t)
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	schema, err := os.ReadFile(filepath.Join("migrations", "0001_init.sql"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		string(schema),
		`CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
		`INSERT INTO schema_migrations (name) VALUES ('0001_init.sql')`,
		`INSERT INTO accounts (id, data) VALUES ('acct_1', '{"ID":"acct_1","Name":"Shop"}')`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	// Inserted newest first, so that only the created order puts them right.
	for i, id := range []string{"key_old2", "key_old1"} {
		secret := "sk_test_" + id + "_0123456789abcdefghijk"
		if _, err := conn.Exec(ctx, `INSERT INTO api_keys (id, account_id, livemode, hash, hint, created) VALUES ($1, 'acct_1', false, $2, 'hijk', $3)`,
			id, checkout.HashKey(secret), now.Add(-time.Duration(i)*time.Minute).UnixMicro()); err != nil {
			t.Fatal(err)
		}
	}

	s := mustOpen(t, u)
	k, err := s.FindAPIKey(ctx, checkout.HashKey("sk_test_key_old1_0123456789abcdefghijk"))
	if err != nil {
		t.Fatalf("FindAPIKey after the upgrade: %v", err)
	}
	if k.ID != "key_old1" || !k.Revoked.IsZero() || !k.ExpiresAt.IsZero() || !k.LastUsed.IsZero() || k.Usable(now) != nil {
		t.Errorf("old key after the upgrade: %+v; want it usable, unrevoked, never used", k)
	}
	fresh := &checkout.APIKey{ID: "key_new", AccountID: "acct_1", Hash: checkout.HashKey("sk_test_new_0123456789abcdefghijklmn"), Hint: "klmn", Created: now}
	if err := s.CreateAPIKey(ctx, fresh); err != nil {
		t.Fatalf("CreateAPIKey after the upgrade: %v", err)
	}
	p, err := s.ListAPIKeys(ctx, scope, checkout.ListParams{Limit: 10})
	if err != nil || len(p.Items) != 3 || p.Items[0].ID != "key_new" || p.Items[1].ID != "key_old2" || p.Items[2].ID != "key_old1" {
		var ids []string
		for _, k := range p.Items {
			ids = append(ids, k.ID)
		}
		t.Fatalf("ListAPIKeys after the upgrade: %v, %v; want key_new, key_old2, key_old1", ids, err)
	}
	if _, err := s.RevokeAPIKey(ctx, scope, "key_old1", now.Add(time.Minute)); err != nil {
		t.Fatalf("RevokeAPIKey(old key): %v", err)
	}
	if k, err := s.FindAPIKey(ctx, k.Hash); err != nil || k.Usable(now.Add(time.Hour)) == nil {
		t.Errorf("old key after its revocation: %+v, %v; want it unusable", k, err)
	}
}
