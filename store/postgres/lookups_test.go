package postgres_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
	"github.com/checkoutd/checkoutd/store/storetest"
	"github.com/jackc/pgx/v5"
)

// TestUpgradeLookupsFrom0002: a session and a payment stored by a
// checkoutd whose schema ends at 0002_api_keys.sql, with the statements it
// used, are found by provider reference after the upgrade (the payment),
// and the generic object table is there to list.
func TestUpgradeLookupsFrom0002(t *testing.T) {
	u := newSchema(t)
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	queries := []string{`CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`}
	for _, name := range []string{"0001_init.sql", "0002_api_keys.sql"} {
		b, err := os.ReadFile(filepath.Join("migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		queries = append(queries, string(b), `INSERT INTO schema_migrations (name) VALUES ('`+name+`')`)
	}
	queries = append(queries, `INSERT INTO accounts (id, data) VALUES ('acct_1', '{"ID":"acct_1","Name":"Shop"}')`)
	for _, q := range queries {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	sess := newSession("cs_old")
	sessData, err := record.EncodeSession(sess)
	if err != nil {
		t.Fatal(err)
	}
	pay := &checkout.Payment{ID: "pay_old", AccountID: "acct_1", SessionID: sess.ID, Provider: "sim", Method: "card",
		Status: checkout.PaymentSucceeded, Amount: 2000, Currency: "EUR", ProviderRef: "sim_ref_old",
		// A \u0000 in the JSON the migration reads the reference from
		// (PostgreSQL's json refuses it unless the migration replaces it).
		FailureMessage: "a\x00b", Version: 2, Created: now, Updated: now}
	payData, err := record.EncodePayment(pay)
	if err != nil {
		t.Fatal(err)
	}
	// The inserts of store/postgres at 0002.
	if _, err := conn.Exec(ctx, `INSERT INTO sessions (id, account_id, livemode, status, expires_at, created,
		customer, payment, customer_email, version, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		sess.ID, sess.AccountID, sess.Livemode, string(sess.Status), sess.ExpiresAt.UnixMicro(), sess.Created.UnixMicro(),
		sess.Customer, sess.Payment, sess.CustomerEmail, sess.Version, sessData); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO payments (id, account_id, livemode, session_id, status, created, due, version, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		pay.ID, pay.AccountID, pay.Livemode, pay.SessionID, string(pay.Status), pay.Created.UnixMicro(), 0, pay.Version, payData); err != nil {
		t.Fatal(err)
	}

	s := mustOpen(t, u)
	storetest.UpgradedLookups(t, s, sess, pay)
}
