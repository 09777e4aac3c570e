package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/store/postgres"
	"github.com/jackc/pgx/v5"
)

// TestPendingPlan: a page of PendingPayments can be read from the partial
// index payments_pending, in seq order, without a sort. Sequential scans
// are disabled for the EXPLAIN: on an empty table the planner would rightly
// prefer one, and the question is whether the index answers the query at
// all.
func TestPendingPlan(t *testing.T) {
	u := newSchema(t)
	mustOpen(t, u) // applies the migrations
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, "EXPLAIN "+postgres.PendingQuery, "stablecoin", true, int64(0), 100)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	plan := strings.Join(lines, "\n")
	if !strings.Contains(plan, "payments_pending") || strings.Contains(plan, "Sort") {
		t.Errorf("pending payments plan, want an index scan of payments_pending, no sort:\n%s", plan)
	}
}
