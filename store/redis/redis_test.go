package redis_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/testenv"
	"github.com/checkoutd/checkoutd/store/redis"
	"github.com/checkoutd/checkoutd/store/storetest"
	goredis "github.com/redis/go-redis/v9"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) checkout.Store { return mustOpen(t) })
}

// redisURL returns the test server's URL, skipping the test without one
// (and failing it in CI, which must run these tests).
func redisURL(tb testing.TB) string {
	tb.Helper()
	return testenv.Env(tb, "CHECKOUTD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0", "the Redis tests")
}

// mustOpen opens a store under a fresh prefix, so tests share the server
// without seeing each other's keys, and when the test ends deletes its keys
// and closes it. The server may be shared: nothing else is touched.
func mustOpen(tb testing.TB) *redis.Store {
	tb.Helper()
	s, _ := mustOpenPrefix(tb, redis.Options{})
	return s
}

// mustOpenPrefix is mustOpen with options (whose Prefix it sets), and also
// returns the prefix and a plain client, for tests that look at the keys.
func mustOpenPrefix(tb testing.TB, opts redis.Options) (*redis.Store, string) {
	tb.Helper()
	url := redisURL(tb)
	opts.Prefix = "ct:" + checkout.RandomString(12) + ":"
	s, err := redis.Open(context.Background(), url, opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
		deleteKeys(tb, url, opts.Prefix)
	})
	return s, opts.Prefix
}

// client returns a plain client of the test server, closed when tb ends.
func client(tb testing.TB) *goredis.Client {
	tb.Helper()
	o, err := goredis.ParseURL(redisURL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	c := goredis.NewClient(o)
	tb.Cleanup(func() { c.Close() })
	return c
}

// deleteKeys unlinks every key starting with prefix.
func deleteKeys(tb testing.TB, url, prefix string) {
	o, err := goredis.ParseURL(url)
	if err != nil {
		tb.Error(err)
		return
	}
	c := goredis.NewClient(o)
	defer c.Close()
	ctx := context.Background()
	iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var batch []string
	flush := func() {
		if len(batch) > 0 {
			if err := c.Unlink(ctx, batch...).Err(); err != nil {
				tb.Errorf("UNLINK: %v", err)
			}
			batch = batch[:0]
		}
	}
	for iter.Next(ctx) {
		if batch = append(batch, iter.Val()); len(batch) == 1000 {
			flush()
		}
	}
	if err := iter.Err(); err != nil {
		tb.Errorf("SCAN: %v", err)
	}
	flush()
}

var (
	now   = time.Date(2026, 5, 4, 10, 30, 15, 123456000, time.UTC)
	scope = checkout.Scope{AccountID: "acct_1"}
)

func newSession(id string, expires time.Time) *checkout.Session {
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
		Version: 1, Created: now, Updated: now, ExpiresAt: expires,
	}
}

// TestSeedLayout: seed 000 keeps a session's whole snapshot as JSON at
// <prefix>session:<id>, expiring with the session (here plus the retention).
func TestSeedLayout(t *testing.T) {
	const retention = 2 * time.Hour
	s, prefix := mustOpenPrefix(t, redis.Options{Retention: retention})
	c := client(t)
	ctx := t.Context()
	for _, tc := range []struct {
		name    string
		expires time.Time
		want    time.Duration
	}{
		{"future", time.Now().Add(3 * time.Hour), 3*time.Hour + retention},
		// The suite's sessions expire in the past: the TTL is the retention.
		{"past", now.Add(24 * time.Hour), retention},
	} {
		sess := newSession("cs_seed_"+tc.name, tc.expires)
		if err := s.CreateSession(ctx, sess); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
		key := prefix + "session:" + sess.ID
		data, err := c.Get(ctx, key).Bytes()
		if err != nil {
			t.Fatalf("GET %s: %v", key, err)
		}
		var stored checkout.Session
		if err := json.Unmarshal(data, &stored); err != nil {
			t.Fatalf("%s: not a session's JSON: %v", key, err)
		}
		if stored.ID != sess.ID || stored.Version != 1 || stored.AmountTotal != 2000 || !stored.ExpiresAt.Equal(sess.ExpiresAt.Truncate(time.Microsecond)) {
			t.Errorf("%s holds %+v", key, stored)
		}
		ttl, err := c.PTTL(ctx, key).Result()
		if err != nil {
			t.Fatalf("PTTL: %v", err)
		}
		if ttl > tc.want || ttl < tc.want-time.Minute {
			t.Errorf("%s: TTL %v, want about %v", tc.name, ttl, tc.want)
		}
	}
}

func TestOptions(t *testing.T) {
	url := redisURL(t)
	for _, r := range []time.Duration{time.Minute, time.Hour - time.Millisecond, -time.Hour} {
		s, err := redis.Open(t.Context(), url, redis.Options{Prefix: "ct:unused:", Retention: r})
		if err == nil {
			s.Close()
			t.Errorf("Open with Retention %v succeeded", r)
		} else if !strings.Contains(err.Error(), "Retention") {
			t.Errorf("Open with Retention %v: %v, want an error naming Retention", r, err)
		}
	}
	s, _ := mustOpenPrefix(t, redis.Options{Retention: time.Hour})
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping with the minimum retention: %v", err)
	}
	if s, err := redis.Open(t.Context(), "http://127.0.0.1:6379", redis.Options{}); err == nil {
		s.Close()
		t.Error("Open of a non-redis URL succeeded")
	}
}

// TestShared: two Stores, each with its own client as two replicas would
// have, over one prefix.
func TestShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (checkout.Store, checkout.Store) {
		a, prefix := mustOpenPrefix(t, redis.Options{})
		b, err := redis.Open(t.Context(), redisURL(t), redis.Options{Prefix: prefix})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { b.Close() })
		return a, b
	})
}

// TestExpiredObjectsLeaveLists: an index entry whose object has expired is
// skipped by lists and queues, and pruned.
func TestExpiredObjectsLeaveLists(t *testing.T) {
	s, prefix := mustOpenPrefix(t, redis.Options{})
	c := client(t)
	ctx := t.Context()
	for _, id := range []string{"cs_1", "cs_2", "cs_3"} {
		if err := s.CreateSession(ctx, newSession(id, now.Add(time.Hour))); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
	}
	// What Redis does when cs_2's TTL runs out.
	if err := c.Del(ctx, prefix+"session:cs_2").Err(); err != nil {
		t.Fatal(err)
	}
	p, err := s.ListSessions(ctx, scope, checkout.SessionFilter{ListParams: checkout.ListParams{Limit: 2}})
	if err != nil {
		t.Fatalf("ListSessions: %v", err)
	}
	if len(p.Items) != 2 || p.Items[0].ID != "cs_3" || p.Items[1].ID != "cs_1" || p.HasMore {
		t.Errorf("ListSessions: %d items, has more %v; want cs_3, cs_1 and no more", len(p.Items), p.HasMore)
	}
	if err := c.ZScore(ctx, prefix+"sessions:acct_1:0", "cs_2").Err(); err != goredis.Nil {
		t.Errorf("index entry of the expired session: %v, want it pruned", err)
	}
	due, err := s.DueSessions(ctx, now.Add(2*time.Hour), 10)
	if err != nil || len(due) != 2 {
		t.Errorf("DueSessions: %d, %v; want the 2 sessions left", len(due), err)
	}
	_, err = s.ListSessions(ctx, scope, checkout.SessionFilter{ListParams: checkout.ListParams{Limit: 2, StartingAfter: "cs_2"}})
	if !checkout.IsKind(err, checkout.KindNotFound) {
		t.Errorf("ListSessions after the expired session: %v, want not found", err)
	}
}

// The store benchmarks are storetest's, so every backend's figures compare.
var openBench = func(b *testing.B) checkout.Store { return mustOpen(b) }

func BenchmarkCreateSession(b *testing.B) { storetest.BenchCreateSession(b, openBench(b)) }

func BenchmarkGetSession(b *testing.B) { storetest.BenchGetSession(b, openBench(b)) }

func BenchmarkListSessions(b *testing.B) { storetest.BenchListSessions(b, openBench, 1000, 10000) }
