package sqlite

// This test is inside the package: it checks the plans of the queries the
// package builds, which no caller can see.

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// TestQueryPlans: every list query is a range scan of an index that begins
// with the scope and is in seq order, so that a page costs the same with a
// million stored sessions (events, payments) as with ten thousand: no full scan, no sort, and
// never the all-scopes sessions_due index.
func TestQueryPlans(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	scope := checkout.Scope{AccountID: "acct_1"}
	now := time.Now()
	var queries [][]any // query, then args
	for _, status := range append([]checkout.SessionStatus{""}, checkout.SessionStatuses...) {
		for mask := range 1 << 5 {
			f := checkout.SessionFilter{Now: now, Status: status}
			if mask&1 != 0 {
				f.Customer = "cus_1"
			}
			if mask&2 != 0 {
				f.Payment = "pay_1"
			}
			if mask&4 != 0 {
				f.CustomerEmail = "a@example.com"
			}
			if mask&8 != 0 {
				f.CreatedGTE = now
			}
			if mask&16 != 0 {
				f.CreatedLTE = now
			}
			for _, c := range []cursor{{}, {dir: -1, seq: 5}, {dir: 1, seq: 5}} {
				q, args := sessionQuery(scope, f, c)
				queries = append(queries, append([]any{q}, args...))
			}
		}
	}
	for _, f := range []checkout.EventFilter{{}, {Type: "t"}, {ObjectID: "o"}, {Type: "t", ObjectID: "o"}} {
		for _, c := range []cursor{{}, {dir: -1, seq: 5}, {dir: 1, seq: 5}} {
			q, args := eventQuery(scope, f, c)
			queries = append(queries, append([]any{q}, args...))
		}
	}
	for _, f := range []checkout.PaymentFilter{{}, {SessionID: "cs_1"}} {
		for _, c := range []cursor{{}, {dir: -1, seq: 5}, {dir: 1, seq: 5}} {
			q, args := paymentQuery(scope, f, c)
			queries = append(queries, append([]any{q}, args...))
		}
	}
	for _, c := range []cursor{{}, {dir: -1, seq: 5}, {dir: 1, seq: 5}} {
		q, args := endpointQuery(scope, checkout.ListParams{}, c)
		queries = append(queries, append([]any{q}, args...))
	}
	for _, c := range []cursor{{}, {dir: -1, seq: 5}, {dir: 1, seq: 5}} {
		q, args := objectQuery(scope, "link", checkout.ListParams{}, c)
		queries = append(queries, append([]any{q}, args...))
	}
	for _, q := range queries {
		plan := explain(t, s, q[0].(string), q[1:]...)
		if strings.Contains(plan, "SCAN") || strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, "sessions_due") ||
			!strings.Contains(plan, "(account_id=? AND livemode=?") {
			t.Errorf("%s\nplan:\n%s", q[0], plan)
		}
	}

	// A page of every status merges the ranges of sessions_status: no
	// index on the scope alone costs every create a b-tree.
	q, args := sessionQuery(scope, checkout.SessionFilter{Now: now}, cursor{})
	if plan := explain(t, s, q, args...); !strings.Contains(plan, "MERGE (UNION ALL)") ||
		strings.Count(plan, "sessions_status") != len(checkout.SessionStatuses) {
		t.Errorf("a page of every status, plan:\n%s", plan)
	}
	var n int
	if err := s.r.QueryRow("SELECT count(*) FROM sqlite_master WHERE name = 'sessions_scope'").Scan(&n); err != nil || n != 0 {
		t.Errorf("sessions_scope: %d, %v; want it dropped", n, err)
	}

	var due string
	for _, d := range s.rs.defs() {
		if d.dst == &s.rs.dueSessions {
			due = d.query
		}
	}
	if plan := explain(t, s, due, 1, 2); !strings.Contains(plan, "USING INDEX sessions_due") || strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("due sessions plan:\n%s", plan)
	}

	// The outbox and the webhook reads: each through its index, never a
	// full scan or a sort.
	for _, tc := range []struct {
		db    *sql.DB
		query string
		index string
		args  []any
	}{
		{s.w, query(s.ws.defs(), &s.ws.claimableEvents), "events_undispatched", []any{1, 2}},
		{s.w, query(s.ws.defs(), &s.ws.claimableDeliveries), "webhook_deliveries_due", []any{1, 2, 3}},
		{s.w, query(s.ws.defs(), &s.ws.deletePendingDeliveries), "webhook_deliveries_endpoint", []any{"we_1", "acct_1", false}},
		{s.r, query(s.rs.defs(), &s.rs.endpointsFor), "webhook_endpoints_scope", []any{"acct_1", false}},
		{s.r, query(s.rs.defs(), &s.rs.listDeliveries), "webhook_deliveries_event", []any{"evt_1", "acct_1", false}},
		// The lookups by provider reference and object key.
		{s.r, query(s.rs.defs(), &s.rs.paymentByRef), "payments_provider_ref", []any{"sim", "ref_1"}},
		{s.r, query(s.rs.defs(), &s.rs.findObject), "PRIMARY KEY", []any{"link", "key_1"}},
		// The sweeper's due payments, in due order from the partial index.
		{s.r, query(s.rs.defs(), &s.rs.duePayments), "payments_due", []any{1, 2}},
		// A provider's pending payments, in seq order from the partial
		// index that holds no final payment.
		{s.r, query(s.rs.defs(), &s.rs.pendingPayments), "payments_pending (provider=? AND livemode=? AND seq>?)", []any{"stablecoin", true, 0, 2}},
	} {
		plan := explainOn(t, tc.db, tc.query, tc.args...)
		if !strings.Contains(plan, tc.index) || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%s\nplan, want %s:\n%s", tc.query, tc.index, plan)
		}
	}
}

// query returns the SQL of the statement dst among defs.
func query(defs []stmtDef, dst **sql.Stmt) string {
	for _, d := range defs {
		if d.dst == dst {
			return d.query
		}
	}
	return ""
}

func explain(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	return explainOn(t, s.r, query, args...)
}

func explainOn(t *testing.T, db *sql.DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&b, detail)
	}
	return b.String()
}
