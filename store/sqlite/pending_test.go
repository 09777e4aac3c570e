package sqlite_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// TestUpgradePendingFromVersion10: payments stored before the index of
// pending payments are listed by PendingPayments once the store opens
// (migration 0011): the provider's open one and its lapsed one with a check
// due, in insertion order, not its succeeded one.
func TestUpgradePendingFromVersion10(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkoutd.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	queries := []string{"PRAGMA journal_mode = WAL"}
	for _, name := range []string{"0001_init.sql", "0002_payments.sql", "0003_due_payments.sql", "0004_webhooks.sql",
		"0005_no_sessions_scope.sql", "0006_api_keys.sql", "0007_objects.sql", "0008_lookups.sql", "0009_session_links.sql",
		"0010_due_payments_all.sql"} {
		b, err := os.ReadFile(filepath.Join("migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		queries = append(queries, string(b))
	}
	queries = append(queries, "PRAGMA user_version = 10")
	for _, q := range queries {
		if _, err := db.Exec(q); err != nil {
			db.Close()
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	base := &checkout.Payment{ID: "pay_open", AccountID: "acct_1", SessionID: "cs_1", Provider: "stablecoin", Method: "stablecoin",
		Status: checkout.PaymentRequiresAction, Amount: 2000, Currency: "EUR", Version: 1, Created: now, Updated: now}
	lapsed := base.Clone()
	lapsed.ID, lapsed.Status, lapsed.CheckAt = "pay_lapsed", checkout.PaymentFailed, now.Add(72*time.Hour)
	done := base.Clone()
	done.ID, done.Status = "pay_done", checkout.PaymentSucceeded
	// The insert of store/sqlite at schema version 10.
	for _, p := range []*checkout.Payment{done, base, lapsed} {
		data, err := record.EncodePayment(p)
		if err != nil {
			t.Fatal(err)
		}
		var due int64
		if d := p.Due(); !d.IsZero() {
			due = d.UnixMicro()
		}
		if _, err := db.Exec(`INSERT INTO payments (id, account_id, livemode, session_id, status, created,
			version, data, due, provider, provider_ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.AccountID, p.Livemode, p.SessionID, string(p.Status), p.Created.UnixMicro(), p.Version, data,
			due, p.Provider, p.ProviderRef); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s := mustOpen(t, path)
	got, err := s.PendingPayments(t.Context(), "stablecoin", false, "", 10)
	if err != nil || len(got) != 2 || got[0].ID != base.ID || got[1].ID != lapsed.ID {
		var ids []string
		for _, p := range got {
			ids = append(ids, p.ID)
		}
		t.Fatalf("PendingPayments after the upgrade: %v, %v; want [%s %s]", ids, err, base.ID, lapsed.ID)
	}
}
