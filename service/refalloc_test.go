package service_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/testenv"
	"github.com/checkoutd/checkoutd/service"
	"github.com/checkoutd/checkoutd/store/postgres"
	"github.com/checkoutd/checkoutd/store/redis"
	"github.com/checkoutd/checkoutd/store/sqlite"
	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"
)

// openEveryStore runs f over a new, empty store of each kind: SQLite in a
// temporary file, Redis under a key prefix of its own, PostgreSQL in a
// schema of its own. Without CHECKOUTD_TEST_REDIS_URL or
// CHECKOUTD_TEST_POSTGRES_URL that subtest skips naming it (fails under
// CI=true).
func openEveryStore(t *testing.T, f func(t *testing.T, st checkout.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(filepath.Join(t.TempDir(), "checkoutd.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		f(t, st)
	})
	b := make([]byte, 8)
	rand.Read(b)
	tag := "svc_" + hex.EncodeToString(b)
	ctx := context.Background()
	t.Run("redis", func(t *testing.T) {
		dsn := testenv.Env(t, "CHECKOUTD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0", "the service tests over Redis")
		prefix := tag + ":"
		st, err := redis.Open(ctx, dsn, redis.Options{Prefix: prefix})
		if err != nil {
			t.Fatalf("redis: %v", err)
		}
		t.Cleanup(func() {
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
		f(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := testenv.Env(t, "CHECKOUTD_TEST_POSTGRES_URL", "postgres://root@127.0.0.1:5432/test?sslmode=disable", "the service tests over PostgreSQL")
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "CREATE SCHEMA "+tag); err != nil {
			t.Fatalf("create schema: %v", err)
		}
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", tag)
		u.RawQuery = q.Encode()
		st, err := postgres.Open(ctx, u.String())
		if err != nil {
			t.Fatalf("postgres: %v", err)
		}
		t.Cleanup(func() {
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Errorf("connect to drop schema %s: %v", tag, err)
				return
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, "DROP SCHEMA "+tag+" CASCADE"); err != nil {
				t.Errorf("drop schema %s: %v", tag, err)
			}
		})
		t.Cleanup(func() { st.Close() })
		f(t, st)
	})
}

func never(int) bool { return false }

// TestRefAllocatorConcurrent: payments allocating from one counter at once
// all get distinct values, the values the counter gave in order (none
// skipped, none twice), on every store; another key, and the same key in
// the other mode, count on their own.
func TestRefAllocatorConcurrent(t *testing.T) {
	openEveryStore(t, func(t *testing.T, st checkout.Store) {
		ctx := context.Background()
		svc := service.New(service.Config{Store: st, PublicURL: "http://checkout.test"})
		refs := svc.Refs(checkout.Scope{AccountID: "acct_a"}, "ifthenpay")
		const workers, each = 6, 8
		var (
			mu  sync.Mutex
			got []int
			wg  sync.WaitGroup
		)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					n, err := refs.Next(ctx, "mb:12345:123", 10000, never)
					if err != nil {
						t.Errorf("next: %v", err)
						return
					}
					mu.Lock()
					got = append(got, n)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		slices.Sort(got)
		for i, n := range got {
			if n != i {
				t.Fatalf("values %v: want 0..%d, each once", got, workers*each-1)
			}
		}
		if len(got) != workers*each {
			t.Fatalf("%d values, want %d", len(got), workers*each)
		}
		for _, other := range []struct {
			scope checkout.Scope
			key   string
		}{{checkout.Scope{AccountID: "acct_a"}, "mb:12345:124"}, {checkout.Scope{AccountID: "acct_a", Livemode: true}, "mb:12345:123"}, {checkout.Scope{AccountID: "acct_b"}, "mb:12345:123"}} {
			if n, err := svc.Refs(other.scope, "ifthenpay").Next(ctx, other.key, 10000, never); err != nil || n != 0 {
				t.Errorf("%+v %s: first value %d, %v; want 0", other.scope, other.key, n, err)
			}
		}
	})
}

// TestRefAllocatorSkipsHeld: a counter that wraps skips the values still
// in use, and when every value is, the allocation is refused as a state
// error that changes nothing.
func TestRefAllocatorSkipsHeld(t *testing.T) {
	f := newFixture(t)
	refs := f.svc.Refs(f.scope, "ifthenpay")
	held := map[int]bool{1: true}
	inUse := func(n int) bool { return held[n] }
	var seq []int
	for i := 0; i < 4; i++ {
		n, err := refs.Next(f.ctx, "k", 3, inUse)
		if err != nil {
			t.Fatal(err)
		}
		seq = append(seq, n)
	}
	if want := []int{0, 2, 0, 2}; !slices.Equal(seq, want) {
		t.Fatalf("values %v, want %v (1 is held)", seq, want)
	}
	held[0], held[2] = true, true
	if _, err := refs.Next(f.ctx, "k", 3, inUse); checkout.ErrorKind(err) != checkout.KindState {
		t.Fatalf("every value held: %v, want a state error", err)
	}
	held[2] = false
	if n, err := refs.Next(f.ctx, "k", 3, inUse); err != nil || n != 2 {
		t.Fatalf("after 2 was freed: %d, %v; want 2", n, err)
	}
}
