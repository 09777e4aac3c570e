package postgres_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
	"github.com/jackc/pgx/v5"
)

// TestUpgradeDueFrom0005: rows written when due was an action's deadline
// whatever the payment's status read, after the upgrade, as Payment.Due
// says: the voucher awaiting the customer is still due, a processing
// payment that kept a stale deadline is not, and a processing payment
// given a check time becomes due.
func TestUpgradeDueFrom0005(t *testing.T) {
	u := newSchema(t)
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	queries := []string{`CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`}
	for _, name := range []string{"0001_init.sql", "0002_api_keys.sql", "0003_objects.sql", "0004_lookups.sql", "0005_session_links.sql"} {
		b, err := os.ReadFile(filepath.Join("migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		queries = append(queries, string(b), `INSERT INTO schema_migrations (name) VALUES ('`+name+`')`)
	}
	for _, q := range queries {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	deadline := now.Add(-time.Minute)
	voucher := &checkout.Payment{ID: "pay_voucher", AccountID: "acct_1", SessionID: "cs_1", Provider: "sim", Method: "multibanco",
		Status: checkout.PaymentRequiresAction, Amount: 2000, Currency: "EUR", Version: 2, Created: now, Updated: now,
		Action: &checkout.NextAction{Kind: checkout.NextActionVoucher, ExpiresAt: deadline, Voucher: &checkout.Voucher{Entity: "21098", Reference: "123456789"}}}
	stale := voucher.Clone()
	stale.ID, stale.Status = "pay_stale", checkout.PaymentProcessing
	// The insert of store/postgres at 0005, whose due column was the
	// action's deadline of any payment.
	for _, p := range []*checkout.Payment{voucher, stale} {
		data, err := record.EncodePayment(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, `INSERT INTO payments (id, account_id, livemode, session_id, status, created, due, version, data,
			provider, provider_ref) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			p.ID, p.AccountID, p.Livemode, p.SessionID, string(p.Status), p.Created.UnixMicro(), deadline.UnixMicro(),
			p.Version, data, p.Provider, p.ProviderRef); err != nil {
			t.Fatal(err)
		}
	}

	s := mustOpen(t, u)
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
