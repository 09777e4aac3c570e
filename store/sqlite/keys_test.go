package sqlite_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// TestUpgradeKeysFromVersion5: a key stored before keys could be revoked
// still authenticates after the upgrade, unrevoked and never used, and can
// then be listed and revoked.
func TestUpgradeKeysFromVersion5(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkoutd.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	queries := []string{"PRAGMA journal_mode = WAL"}
	for _, name := range []string{"0001_init.sql", "0002_payments.sql", "0003_due_payments.sql", "0004_webhooks.sql", "0005_no_sessions_scope.sql"} {
		b, err := os.ReadFile(filepath.Join("migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		queries = append(queries, string(b))
	}
	hash := checkout.HashKey("sk_test_old_0123456789abcdefghijklmn")
	queries = append(queries,
		`INSERT INTO accounts (id, data) VALUES ('acct_1', CAST('{"ID":"acct_1","Name":"Shop"}' AS BLOB))`,
		"PRAGMA user_version = 5",
	)
	for _, q := range queries {
		if _, err := db.Exec(q); err != nil {
			db.Close()
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	if _, err := db.Exec(`INSERT INTO api_keys (id, account_id, livemode, hash, hint, created) VALUES ('key_old', 'acct_1', 0, ?, 'klmn', ?)`,
		hash, now.UnixMicro()); err != nil {
		t.Fatal(err)
	}
	db.Close()

	ctx := t.Context()
	s := mustOpen(t, path)
	k, err := s.FindAPIKey(ctx, hash)
	if err != nil {
		t.Fatalf("FindAPIKey after the upgrade: %v", err)
	}
	if k.ID != "key_old" || !k.Revoked.IsZero() || !k.ExpiresAt.IsZero() || !k.LastUsed.IsZero() || k.Usable(now) != nil {
		t.Errorf("old key after the upgrade: %+v; want it usable, unrevoked, never used", k)
	}
	sc := checkout.Scope{AccountID: "acct_1"}
	p, err := s.ListAPIKeys(ctx, sc, checkout.ListParams{Limit: 10})
	if err != nil || len(p.Items) != 1 {
		t.Fatalf("ListAPIKeys after the upgrade: %v, %v; want the old key", p.Items, err)
	}
	if _, err := s.RevokeAPIKey(ctx, sc, "key_old", now.Add(time.Minute)); err != nil {
		t.Fatalf("RevokeAPIKey(old key): %v", err)
	}
	if k, err := s.FindAPIKey(ctx, hash); err != nil || k.Usable(now.Add(time.Hour)) == nil {
		t.Errorf("old key after its revocation: %+v, %v; want it unusable", k, err)
	}
}
