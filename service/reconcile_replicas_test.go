package service_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/testenv"
	"github.com/checkoutd/checkoutd/service"
	"github.com/checkoutd/checkoutd/store/postgres"
	"github.com/checkoutd/checkoutd/store/redis"
	"github.com/checkoutd/checkoutd/store/sqlite"
	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"
)

// sharedStores opens, for each backend, two handles on one store, as two
// replicas have: SQLite's one handle (a file has one writer process),
// Redis's two clients over one prefix, PostgreSQL's two pools over one
// schema. Redis and PostgreSQL are skipped without their test URLs.
var sharedStores = map[string]func(t *testing.T) (checkout.Store, checkout.Store){
	"sqlite": func(t *testing.T) (checkout.Store, checkout.Store) {
		s, err := sqlite.Open(filepath.Join(t.TempDir(), "checkoutd.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, s
	},
	"redis": func(t *testing.T) (checkout.Store, checkout.Store) {
		u := testenv.Env(t, "CHECKOUTD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0", "the Redis tests")
		prefix := "ct:" + checkout.RandomString(12) + ":"
		t.Cleanup(func() { deleteRedisKeys(t, u, prefix) })
		open := func() checkout.Store {
			s, err := redis.Open(context.Background(), u, redis.Options{Prefix: prefix})
			if err != nil {
				t.Fatalf("redis: %v", err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		return open(), open()
	},
	"postgres": func(t *testing.T) (checkout.Store, checkout.Store) {
		base := testenv.Env(t, "CHECKOUTD_TEST_POSTGRES_URL", "postgres://root@127.0.0.1:5432/test?sslmode=disable", "the PostgreSQL tests")
		u := postgresSchema(t, base)
		open := func() checkout.Store {
			s, err := postgres.Open(context.Background(), u)
			if err != nil {
				t.Fatalf("postgres: %v", err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		return open(), open()
	},
}

// deleteRedisKeys unlinks every key starting with prefix.
func deleteRedisKeys(t *testing.T, u, prefix string) {
	o, err := goredis.ParseURL(u)
	if err != nil {
		t.Error(err)
		return
	}
	c := goredis.NewClient(o)
	defer c.Close()
	ctx := context.Background()
	iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		c.Unlink(ctx, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Errorf("deleting the test's keys: %v", err)
	}
}

// postgresSchema makes a schema dropped when t ends and returns the URL of
// a store in it.
func postgresSchema(t *testing.T, base string) string {
	b := make([]byte, 8)
	rand.Read(b)
	schema := "ct_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", base, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("connect to drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	pu, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := pu.Query()
	q.Set("search_path", schema)
	pu.RawQuery = q.Encode()
	return pu.String()
}

// TestReconcileReplicas: two replicas sweeping one store at once never ask
// about one payment at the same time (the test gateway fails the test if
// they do), and between them every due payment is asked about, once, and
// settled. Run it with -race.
func TestReconcileReplicas(t *testing.T) {
	for _, name := range []string{"sqlite", "redis", "postgres"} {
		t.Run(name, func(t *testing.T) {
			storeA, storeB := sharedStores[name](t)
			clock := &setClock{now: time.Now().UTC().Truncate(time.Second)}
			g := newPolled(t, "gw", clock)
			replica := func(st checkout.Store) *service.Service {
				return service.New(service.Config{Store: st, Clock: clock, PublicURL: "http://checkout.test",
					Providers: pollRegistry(g, clock, checkout.MethodCard)})
			}
			a, b := replica(storeA), replica(storeB)
			ctx := t.Context()
			acct, _, err := a.CreateAccount(ctx, service.AccountParams{ID: "acct_shop", Name: "Shop", DefaultCurrency: "EUR"})
			if err != nil {
				t.Fatal(err)
			}
			scope := checkout.Scope{AccountID: acct.ID}
			const n = 30
			var ids []string
			for i := range n {
				amount := int64(1000 + i)
				s, err := a.CreateSession(ctx, scope, &service.SessionParams{Amount: &amount, SuccessURL: "https://shop.example/ok",
					CancelURL: "https://shop.example/no", PaymentMethodTypes: []string{"card"}})
				if err != nil {
					t.Fatal(err)
				}
				_, p, err := a.Pay(ctx, s.ID, service.PayParams{Method: checkout.MethodCard, Token: "tok_1"})
				if err != nil || p.Status != checkout.PaymentProcessing {
					t.Fatalf("pay: %+v, %v", p, err)
				}
				g.answer(p.ID, checkout.ProviderResult{Status: checkout.PaymentSucceeded})
				ids = append(ids, p.ID)
			}
			clock.Add(service.DefaultReconcileAfter)

			// Both replicas sweep at once, each a few times, as their Run
			// loops would.
			var wg sync.WaitGroup
			settled := make([]int, 2)
			for i, svc := range []*service.Service{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 3 {
						k, err := svc.SweepDuePayments(ctx)
						if err != nil {
							t.Errorf("replica %d: %v", i, err)
							return
						}
						settled[i] += k
					}
				}()
			}
			wg.Wait()

			if settled[0]+settled[1] != n {
				t.Errorf("settled %d + %d, want %d in all", settled[0], settled[1], n)
			}
			for _, id := range ids {
				if k := g.pollsOf(id); k != 1 {
					t.Errorf("payment %s polled %d times, want once", id, k)
				}
				p, err := a.GetPayment(ctx, scope, id)
				if err != nil || p.Status != checkout.PaymentSucceeded {
					t.Errorf("payment %s: %+v, %v", id, p, err)
				}
			}
			t.Logf("replica A settled %d, replica B %d", settled[0], settled[1])
		})
	}
}
