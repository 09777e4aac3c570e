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

// TestUpgradeDueFromVersion9: rows written when due was an action's
// deadline whatever the payment's status read, after the upgrade, as
// Payment.Due says: the voucher awaiting the customer is still due, a
// processing payment that kept a stale deadline is not, and a processing
// payment given a check time becomes due.
func TestUpgradeDueFromVersion9(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkoutd.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	queries := []string{"PRAGMA journal_mode = WAL"}
	for _, name := range []string{"0001_init.sql", "0002_payments.sql", "0003_due_payments.sql", "0004_webhooks.sql",
		"0005_no_sessions_scope.sql", "0006_api_keys.sql", "0007_objects.sql", "0008_lookups.sql", "0009_session_links.sql"} {
		b, err := os.ReadFile(filepath.Join("migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		queries = append(queries, string(b))
	}
	queries = append(queries, "PRAGMA user_version = 9")
	for _, q := range queries {
		if _, err := db.Exec(q); err != nil {
			db.Close()
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	deadline := now.Add(-time.Minute)
	voucher := &checkout.Payment{ID: "pay_voucher", AccountID: "acct_1", SessionID: "cs_1", Provider: "sim", Method: "multibanco",
		Status: checkout.PaymentRequiresAction, Amount: 2000, Currency: "EUR", Version: 2, Created: now, Updated: now,
		Action: &checkout.NextAction{Kind: checkout.NextActionVoucher, ExpiresAt: deadline, Voucher: &checkout.Voucher{Entity: "21098", Reference: "123456789"}}}
	stale := voucher.Clone()
	stale.ID, stale.Status = "pay_stale", checkout.PaymentProcessing
	// The insert of store/sqlite at schema version 9, whose due column was
	// the action's deadline of any payment.
	for _, p := range []*checkout.Payment{voucher, stale} {
		data, err := record.EncodePayment(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO payments (id, account_id, livemode, session_id, status, created,
			version, data, due, provider, provider_ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.AccountID, p.Livemode, p.SessionID, string(p.Status), p.Created.UnixMicro(), p.Version, data,
			deadline.UnixMicro(), p.Provider, p.ProviderRef); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	ctx := t.Context()
	s := mustOpen(t, path)
	dueIDs := func(at time.Time) []string {
		t.Helper()
		got, err := s.DuePayments(ctx, at, 10)
		if err != nil {
			t.Fatalf("DuePayments: %v", err)
		}
		var ids []string
		for _, p := range got {
			ids = append(ids, p.ID)
		}
		return ids
	}
	if ids := dueIDs(now); len(ids) != 1 || ids[0] != voucher.ID {
		t.Fatalf("due after the upgrade: %v, want [%s]", ids, voucher.ID)
	}
	stale.CheckAt, stale.Version = now.Add(time.Minute), stale.Version+1
	if err := s.Commit(ctx, checkout.Change{Payment: stale}); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if ids := dueIDs(now.Add(time.Minute)); len(ids) != 2 || ids[0] != voucher.ID || ids[1] != stale.ID {
		t.Fatalf("due with a check time: %v, want [%s %s]", ids, voucher.ID, stale.ID)
	}
}
