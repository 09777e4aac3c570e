package http_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/url"
	"path/filepath"
	"sync"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/testenv"
	"github.com/checkoutd/checkoutd/store/postgres"
	"github.com/checkoutd/checkoutd/store/redis"
	"github.com/checkoutd/checkoutd/store/sqlite"
	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"
)

// storeKinds are the stores a test can run the server over.
var storeKinds = []string{"sqlite", "redis", "postgres"}

// testStoreVar names the variable that points the tests at a Redis or
// PostgreSQL server.
var testStoreVar = map[string]string{"redis": "CHECKOUTD_TEST_REDIS_URL", "postgres": "CHECKOUTD_TEST_POSTGRES_URL"}

// forEachStore runs f as a subtest over each kind of store. Without a
// store's variable its subtest skips, naming it (or fails under CI=true).
func forEachStore(t *testing.T, f func(t *testing.T, kind string)) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) { f(t, kind) })
	}
}

// openStore opens a new, empty store of kind, removed when tb ends: a
// SQLite file in a temporary directory, a Redis key prefix of its own, or a
// PostgreSQL schema of its own.
func openStore(tb testing.TB, kind string) checkout.Store {
	tb.Helper()
	if kind == "sqlite" {
		st, err := sqlite.Open(filepath.Join(tb.TempDir(), "checkoutd.db"))
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { st.Close() })
		return st
	}
	example := map[string]string{"redis": "redis://127.0.0.1:6379/0", "postgres": "postgres://root@127.0.0.1:5432/test?sslmode=disable"}[kind]
	dsn := testenv.Env(tb, testStoreVar[kind], example, "the HTTP tests over "+kind)
	b := make([]byte, 8)
	rand.Read(b)
	tag := "ht_" + hex.EncodeToString(b)
	ctx := context.Background()
	if kind == "redis" {
		prefix := tag + ":"
		st, err := redis.Open(ctx, dsn, redis.Options{Prefix: prefix})
		if err != nil {
			tb.Fatalf("redis: %v", err)
		}
		tb.Cleanup(func() {
			st.Close()
			o, err := goredis.ParseURL(dsn)
			if err != nil {
				return
			}
			c := goredis.NewClient(o)
			defer c.Close()
			iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
			for iter.Next(ctx) {
				c.Unlink(ctx, iter.Val())
			}
		})
		return st
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("connect to %s: %v", testStoreVar[kind], err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+tag); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatalf("%s: %v", testStoreVar[kind], err)
	}
	q := u.Query()
	q.Set("search_path", tag)
	u.RawQuery = q.Encode()
	st, err := postgres.Open(ctx, u.String())
	if err != nil {
		tb.Fatalf("postgres: %v", err)
	}
	// Cleanups run last in, first out: the store closes before its
	// schema is dropped.
	tb.Cleanup(func() {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			tb.Errorf("connect to drop schema %s: %v", tag, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+tag+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", tag, err)
		}
	})
	tb.Cleanup(func() { st.Close() })
	return st
}

// errorLog keeps the messages of the records logged at ERROR or above: a
// bad request is the client's fault and must never log one.
type errorLog struct {
	mu   sync.Mutex
	msgs []string
}

func (h *errorLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }

func (h *errorLog) Handle(_ context.Context, r slog.Record) error {
	msg := r.Message
	r.Attrs(func(a slog.Attr) bool { msg += " " + a.String(); return true })
	h.mu.Lock()
	h.msgs = append(h.msgs, msg)
	h.mu.Unlock()
	return nil
}

func (h *errorLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *errorLog) WithGroup(string) slog.Handler      { return h }

// take returns the messages logged since the last call.
func (h *errorLog) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.msgs
	h.msgs = nil
	return out
}
