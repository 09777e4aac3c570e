package sqlite_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
	"github.com/checkoutd/checkoutd/store/storetest"
)

// TestUpgradeLookupsFromVersion6: a session and a payment stored by a
// checkoutd whose schema ends at version 6, with the statements it used,
// are found by provider reference after the upgrade, and the generic
// object table is there to list.
func TestUpgradeLookupsFromVersion6(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkoutd.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	queries := []string{"PRAGMA journal_mode = WAL"}
	for _, name := range []string{"0001_init.sql", "0002_payments.sql", "0003_due_payments.sql", "0004_webhooks.sql",
		"0005_no_sessions_scope.sql", "0006_api_keys.sql"} {
		b, err := os.ReadFile(filepath.Join("migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		queries = append(queries, string(b))
	}
	queries = append(queries,
		`INSERT INTO accounts (id, data) VALUES ('acct_1', CAST('{"ID":"acct_1","Name":"Shop"}' AS BLOB))`,
		"PRAGMA user_version = 6",
	)
	for _, q := range queries {
		if _, err := db.Exec(q); err != nil {
			db.Close()
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
	// The inserts of store/sqlite at schema version 6.
	if _, err := db.Exec(`INSERT INTO sessions (id, account_id, livemode, status, expires_at, created,
		customer, payment, customer_email, version, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sess.ID, sess.AccountID, sess.Livemode, string(sess.Status), sess.ExpiresAt.UnixMicro(), sess.Created.UnixMicro(),
		sess.Customer, sess.Payment, sess.CustomerEmail, sess.Version, sessData); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO payments (id, account_id, livemode, session_id, status, created,
		version, data, due) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		pay.ID, pay.AccountID, pay.Livemode, pay.SessionID, string(pay.Status), pay.Created.UnixMicro(), pay.Version, payData, 0); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s := mustOpen(t, path)
	storetest.UpgradedLookups(t, s, sess, pay)
}
