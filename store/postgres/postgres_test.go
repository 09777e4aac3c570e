package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/testenv"
	"github.com/checkoutd/checkoutd/store/postgres"
	"github.com/checkoutd/checkoutd/store/storetest"
	"github.com/jackc/pgx/v5"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) checkout.Store { return mustOpen(t, newSchema(t)) })
}

// baseURL is the database the tests run in, from CHECKOUTD_TEST_POSTGRES_URL.
// Without it the tests are skipped, except on CI, which must run them.
func baseURL(tb testing.TB) string {
	tb.Helper()
	return testenv.Env(tb, "CHECKOUTD_TEST_POSTGRES_URL", "postgres://root@127.0.0.1:5432/test?sslmode=disable", "the PostgreSQL tests")
}

// newSchema creates an empty schema, dropped with everything in it when the
// test ends, and returns the URL of a store in it: the base URL with
// search_path set to the schema, which pgx sends to the server as a setting.
func newSchema(tb testing.TB) string {
	tb.Helper()
	base := baseURL(tb)
	b := make([]byte, 8)
	rand.Read(b)
	schema := "ct_" + hex.EncodeToString(b)

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("connect to %s: %v", base, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Errorf("connect to drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})

	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("CHECKOUTD_TEST_POSTGRES_URL must be a URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// mustOpen opens the store at url and closes it when the test ends.
func mustOpen(tb testing.TB, url string) *postgres.Store {
	tb.Helper()
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

var (
	now   = time.Date(2026, 5, 4, 10, 30, 15, 123456000, time.UTC)
	scope = checkout.Scope{AccountID: "acct_1"}
)

func newSession(id string) *checkout.Session {
	return &checkout.Session{
		ID: id, AccountID: scope.AccountID, Livemode: scope.Livemode, Mode: checkout.ModePayment,
		Status: checkout.SessionOpen, PaymentStatus: checkout.PaymentUnpaid,
		Currency: "EUR", AmountSubtotal: 2000, AmountTotal: 2000,
		LineItems: []checkout.LineItem{{
			ID: "li_" + id, Name: "T-shirt", Quantity: 2, UnitAmount: 1000, Currency: "EUR",
			AmountSubtotal: 2000, AmountTotal: 2000,
		}},
		SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/cancel",
		CustomerEmail: "ama@example.com", PaymentMethodTypes: []string{"card"},
		Metadata: map[string]string{"order": id}, PublicToken: "pt_" + id,
		Version: 1, Created: now, Updated: now, ExpiresAt: now.Add(24 * time.Hour),
	}
}

// TestSearchPath: the store's tables are made in the schema the URL's
// search_path names, not in the database's default one.
func TestSearchPath(t *testing.T) {
	u := newSchema(t)
	mustOpen(t, u)
	schema, _ := url.Parse(u)
	conn, err := pgx.Connect(t.Context(), baseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, _ := conn.Query(t.Context(), `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
		schema.Query().Get("search_path"))
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"schema_migrations", "sessions", "events", "webhook_deliveries"} {
		if !slices.Contains(got, want) {
			t.Errorf("table %s is not in the schema; it has %v", want, got)
		}
	}
}

// TestMigrate: Migrate applies every migration to a new schema, and
// nothing the second time.
func TestMigrate(t *testing.T) {
	u := newSchema(t)
	ctx := t.Context()
	first, err := postgres.Migrate(ctx, u)
	if err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if len(first) == 0 || first[0] != "0001_init.sql" {
		t.Errorf("first Migrate applied %v, want 0001_init.sql first", first)
	}
	again, err := postgres.Migrate(ctx, u)
	if err != nil || len(again) != 0 {
		t.Errorf("second Migrate = %v, %v; want none", again, err)
	}
	s := mustOpen(t, u)
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping after Migrate: %v", err)
	}
}

// TestConcurrentOpen: replicas starting at once over an empty schema apply
// the migrations exactly once, and all come up.
func TestConcurrentOpen(t *testing.T) {
	u := newSchema(t)
	const n = 4
	stores := make([]*postgres.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = postgres.Open(t.Context(), u)
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Open %d: %v", i, errs[i])
		}
		t.Cleanup(func() { stores[i].Close() })
		if err := stores[i].CreateSession(t.Context(), newSession(fmt.Sprintf("cs_%d", i))); err != nil {
			t.Errorf("CreateSession on store %d: %v", i, err)
		}
	}
	conn, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var applied, distinct int
	if err := conn.QueryRow(t.Context(), `SELECT count(*), count(DISTINCT name) FROM schema_migrations`).Scan(&applied, &distinct); err != nil {
		t.Fatal(err)
	}
	if applied != distinct || applied == 0 {
		t.Errorf("schema_migrations has %d rows of %d names, want each once", applied, distinct)
	}
	p, err := stores[0].ListSessions(t.Context(), scope, checkout.SessionFilter{ListParams: checkout.ListParams{Limit: 10}})
	if err != nil || len(p.Items) != n {
		t.Errorf("ListSessions: %d sessions, %v; want %d", len(p.Items), err, n)
	}
}

// TestNewerSchemaRefused: a schema migrated by a newer checkoutd, with a
// migration this one does not know, is not opened.
func TestNewerSchemaRefused(t *testing.T) {
	u := newSchema(t)
	ctx := t.Context()
	if _, err := postgres.Migrate(ctx, u); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `INSERT INTO schema_migrations (name) VALUES ('9999_from_the_future.sql')`); err != nil {
		t.Fatal(err)
	}
	s, err := postgres.Open(ctx, u)
	if err == nil {
		s.Close()
		t.Fatal("Open of a newer schema succeeded")
	}
	if !strings.Contains(err.Error(), "9999_from_the_future.sql") || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open of a newer schema: %v; want an error naming the unknown migration", err)
	}
	if _, err := postgres.Migrate(ctx, u); err == nil {
		t.Error("Migrate of a newer schema succeeded")
	}
}

// TestReopen: what a store wrote is read back the same by a store with a
// new pool, as another replica or a restarted process would open it.
func TestReopen(t *testing.T) {
	u := newSchema(t)
	s, err := postgres.Open(t.Context(), u)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	d := storetest.WriteDurable(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	d.Check(t, mustOpen(t, u))
}

// TestShared: two Stores, each with its own pool as two replicas would
// have, over one schema.
func TestShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (checkout.Store, checkout.Store) {
		u := newSchema(t)
		return mustOpen(t, u), mustOpen(t, u)
	})
}

// The store benchmarks are storetest's, so every backend's figures compare.
var openBench = func(b *testing.B) checkout.Store { return mustOpen(b, newSchema(b)) }

func BenchmarkCreateSession(b *testing.B) { storetest.BenchCreateSession(b, openBench(b)) }

func BenchmarkGetSession(b *testing.B) { storetest.BenchGetSession(b, openBench(b)) }

func BenchmarkListSessions(b *testing.B) { storetest.BenchListSessions(b, openBench) }
