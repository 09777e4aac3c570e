// Package teststore opens a new, empty store of each kind for a test: a
// SQLite file in a temporary directory, a Redis key prefix of its own, or
// a PostgreSQL schema of its own, each removed when the test ends. Redis
// and PostgreSQL come from CHECKOUTD_TEST_REDIS_URL and
// CHECKOUTD_TEST_POSTGRES_URL; without one, its test skips naming it (or
// fails under CI=true, see testenv).
package teststore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/testenv"
	"github.com/checkoutd/checkoutd/store/postgres"
	"github.com/checkoutd/checkoutd/store/redis"
	"github.com/checkoutd/checkoutd/store/sqlite"
	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"
)

// Kinds are the stores a test can run over.
var Kinds = []string{"sqlite", "redis", "postgres"}

// vars names the variable that points the tests at a Redis or PostgreSQL
// server, and a value that works.
var vars = map[string][2]string{
	"redis":    {"CHECKOUTD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"},
	"postgres": {"CHECKOUTD_TEST_POSTGRES_URL", "postgres://root@127.0.0.1:5432/test?sslmode=disable"},
}

// Each runs f as a subtest over each kind of store, a new one each.
func Each(t *testing.T, f func(t *testing.T, st checkout.Store)) {
	for _, kind := range Kinds {
		t.Run(kind, func(t *testing.T) { f(t, Open(t, kind)) })
	}
}

// Open opens a new, empty store of kind, removed when tb ends.
func Open(tb testing.TB, kind string) checkout.Store {
	tb.Helper()
	if kind == "sqlite" {
		st, err := sqlite.Open(filepath.Join(tb.TempDir(), "checkoutd.db"))
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { st.Close() })
		return st
	}
	v := vars[kind]
	dsn := testenv.Env(tb, v[0], v[1], "the tests over "+kind)
	b := make([]byte, 8)
	rand.Read(b)
	tag := "ts_" + hex.EncodeToString(b)
	ctx := context.Background()
	if kind == "redis" {
		return openRedis(tb, ctx, dsn, tag+":")
	}
	return openPostgres(tb, ctx, dsn, tag)
}

func openRedis(tb testing.TB, ctx context.Context, dsn, prefix string) checkout.Store {
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

func openPostgres(tb testing.TB, ctx context.Context, dsn, schema string) checkout.Store {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("connect to %s: %v", vars["postgres"][0], err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatalf("%s: %v", vars["postgres"][0], err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	st, err := postgres.Open(ctx, u.String())
	if err != nil {
		tb.Fatalf("postgres: %v", err)
	}
	// Cleanups run last in, first out: the store closes before its schema
	// is dropped.
	tb.Cleanup(func() {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			tb.Errorf("connect to drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	tb.Cleanup(func() { st.Close() })
	return st
}
