package service_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// TestChosenKeyLength: an operator-chosen key needs at least 24 characters
// after the prefix, and a refused one writes nothing.
func TestChosenKeyLength(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		key string
		ok  bool
	}{
		{"sk_test_x", false},
		{"sk_test_" + strings.Repeat("a", 23), false},
		{"sk_test_" + strings.Repeat("a", 24), true},
	} {
		id := "acct_" + checkout.RandomString(8)
		_, _, err := f.svc.CreateAccount(f.ctx, service.AccountParams{ID: id, Name: "Chosen", SecretKey: c.key})
		if c.ok {
			if err != nil {
				t.Errorf("CreateAccount(%q): %v", c.key, err)
			}
			continue
		}
		var e *checkout.Error
		if !checkout.IsKind(err, checkout.KindInvalid) || !asError(err, &e) || e.Param != "secret_key" || !strings.Contains(e.Message, "24") {
			t.Errorf("CreateAccount(%q) = %v; want an invalid secret_key saying 24", c.key, err)
		}
		if _, err := f.store.GetAccount(f.ctx, id); !checkout.IsKind(err, checkout.KindNotFound) {
			t.Errorf("account of a refused key: %v; want not found", err)
		}
	}
}

func asError(err error, e **checkout.Error) bool {
	v, ok := err.(*checkout.Error)
	*e = v
	return ok
}

// setClock is a clock tests move by hand.
type setClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *setClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *setClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// touchCounter counts the writes of last use.
type touchCounter struct {
	checkout.Store
	touches atomic.Int32
}

func (s *touchCounter) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	s.touches.Add(1)
	return s.Store.TouchAPIKey(ctx, id, at)
}

// keyFixture is a service over a real store with a settable clock, and a
// test key of acct_shop.
type keyFixture struct {
	*fixture
	clock  *setClock
	secret string
	key    *checkout.APIKey
}

func newKeyFixture(t *testing.T) *keyFixture {
	f := newFixture(t)
	c := &setClock{now: time.Now().UTC().Truncate(time.Second)}
	f.configure(func(cfg *service.Config) { cfg.Clock = c })
	k, secret, err := f.svc.NewKey(f.ctx, f.scope)
	if err != nil {
		t.Fatal(err)
	}
	return &keyFixture{fixture: f, clock: c, secret: secret, key: k}
}

func wantCode(t *testing.T, what string, err error, kind checkout.Kind, code string) {
	t.Helper()
	e, ok := err.(*checkout.Error)
	if !ok || e.Kind != kind || e.Code != code {
		t.Errorf("%s: %v; want %s %s", what, err, kind, code)
	}
}

// TestRevokeReachesEveryReplica: a key revoked through one Service stops
// working there at once, and on another Service over the same store (which
// had it cached) within seconds.
func TestRevokeReachesEveryReplica(t *testing.T) {
	f := newKeyFixture(t)
	other := service.New(service.Config{Store: f.store, PublicURL: "http://checkout.test"})
	for _, s := range []*service.Service{f.svc, other} {
		if _, err := s.Authenticate(f.ctx, f.secret); err != nil {
			t.Fatalf("Authenticate before the revocation: %v", err)
		}
	}
	k, err := f.svc.RevokeKey(f.ctx, f.scope, f.key.ID)
	if err != nil {
		t.Fatalf("RevokeKey: %v", err)
	}
	if k.Revoked.IsZero() {
		t.Fatalf("RevokeKey returned an unrevoked key: %+v", k)
	}
	_, err = f.svc.Authenticate(f.ctx, f.secret)
	wantCode(t, "Authenticate on the revoking Service", err, checkout.KindUnauthorized, "api_key_revoked")
	// keyCacheTTL is a few seconds; 10 s leaves a busy machine room.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := other.Authenticate(f.ctx, f.secret)
		if err != nil {
			wantCode(t, "Authenticate on the other Service", err, checkout.KindUnauthorized, "api_key_revoked")
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the other Service still accepts the revoked key after 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Revoking again is not an error and keeps the first revocation.
	f.clock.Add(time.Hour)
	again, err := f.svc.RevokeKey(f.ctx, f.scope, f.key.ID)
	if err != nil || !again.Revoked.Equal(k.Revoked) {
		t.Errorf("RevokeKey again: %+v, %v; want the key as first revoked", again, err)
	}
}

// TestRollKey: the old key works until its expiry and then answers
// api_key_expired; the new one works; a rolled or revoked key cannot be
// rolled, and bad input writes nothing.
func TestRollKey(t *testing.T) {
	f := newKeyFixture(t)
	old, next, secret, err := f.svc.RollKey(f.ctx, f.scope, f.key.ID, time.Hour)
	if err != nil {
		t.Fatalf("RollKey: %v", err)
	}
	if !old.ExpiresAt.Equal(f.clock.Now().Add(time.Hour)) || next.ID == old.ID || !strings.HasPrefix(secret, "sk_test_") {
		t.Fatalf("RollKey = %+v, %+v, %q", old, next, secret)
	}
	for _, s := range []string{f.secret, secret} {
		if sc, err := f.svc.Authenticate(f.ctx, s); err != nil || sc != f.scope {
			t.Errorf("Authenticate within the overlap: %v, %v", sc, err)
		}
	}
	_, _, _, err = f.svc.RollKey(f.ctx, f.scope, f.key.ID, time.Hour)
	wantCode(t, "RollKey of a rolled key", err, checkout.KindState, "api_key_rolled")

	f.clock.Add(time.Hour)
	_, err = f.svc.Authenticate(f.ctx, f.secret)
	wantCode(t, "Authenticate with the old key past its expiry", err, checkout.KindUnauthorized, "api_key_expired")
	if _, err := f.svc.Authenticate(f.ctx, secret); err != nil {
		t.Errorf("Authenticate with the new key: %v", err)
	}

	// expire_old_in 0: the old key stops at once.
	_, _, third, err := f.svc.RollKey(f.ctx, f.scope, next.ID, 0)
	if err != nil {
		t.Fatalf("RollKey(0): %v", err)
	}
	_, err = f.svc.Authenticate(f.ctx, secret)
	wantCode(t, "Authenticate with a key rolled with no overlap", err, checkout.KindUnauthorized, "api_key_expired")
	if _, err := f.svc.Authenticate(f.ctx, third); err != nil {
		t.Errorf("Authenticate with the third key: %v", err)
	}

	before, err := f.svc.ListKeys(f.ctx, f.scope, checkout.ListParams{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	k3 := before.Items[0]
	for _, d := range []time.Duration{-time.Second, service.MaxRollOverlap + time.Second} {
		_, _, _, err := f.svc.RollKey(f.ctx, f.scope, k3.ID, d)
		var e *checkout.Error
		if !asError(err, &e) || e.Kind != checkout.KindInvalid || e.Param != "expire_old_in" {
			t.Errorf("RollKey(%v) = %v; want an invalid expire_old_in", d, err)
		}
	}
	if _, err := f.svc.RevokeKey(f.ctx, f.scope, k3.ID); err != nil {
		t.Fatal(err)
	}
	_, _, _, err = f.svc.RollKey(f.ctx, f.scope, k3.ID, 0)
	wantCode(t, "RollKey of a revoked key", err, checkout.KindState, "api_key_revoked")
	after, err := f.svc.ListKeys(f.ctx, f.scope, checkout.ListParams{Limit: 100})
	if err != nil || len(after.Items) != len(before.Items) {
		t.Errorf("refused rolls made keys: %d before, %d after (%v)", len(before.Items), len(after.Items), err)
	}
}

// TestKeysStayInScope: another account's key, or the account's key of the
// other mode, is not found by any key use case.
func TestKeysStayInScope(t *testing.T) {
	f := newKeyFixture(t)
	_, _, err := f.svc.CreateAccount(f.ctx, service.AccountParams{ID: "acct_other", Name: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	others := []checkout.Scope{{AccountID: "acct_other"}, {AccountID: f.scope.AccountID, Livemode: true}}
	for _, sc := range others {
		_, err := f.svc.GetKey(f.ctx, sc, f.key.ID)
		wantCode(t, "GetKey from "+sc.AccountID, err, checkout.KindNotFound, "resource_missing")
		_, err = f.svc.RevokeKey(f.ctx, sc, f.key.ID)
		wantCode(t, "RevokeKey from "+sc.AccountID, err, checkout.KindNotFound, "resource_missing")
		_, _, _, err = f.svc.RollKey(f.ctx, sc, f.key.ID, 0)
		wantCode(t, "RollKey from "+sc.AccountID, err, checkout.KindNotFound, "resource_missing")
		p, err := f.svc.ListKeys(f.ctx, sc, checkout.ListParams{Limit: 100})
		for _, k := range p.Items {
			if k.ID == f.key.ID {
				t.Errorf("ListKeys of %v lists the key of %v (%v)", sc, f.scope, err)
			}
		}
	}
	if _, err := f.svc.Authenticate(f.ctx, f.secret); err != nil {
		t.Errorf("the key after the refused calls: %v", err)
	}
	for _, id := range []string{"key_\x00", "key_\xff", "nokey", strings.Repeat("k", 300)} {
		_, err := f.svc.GetKey(f.ctx, f.scope, id)
		wantCode(t, "GetKey(hostile id)", err, checkout.KindNotFound, "resource_missing")
	}
}

// TestLastUsedOncePerInterval: many requests with one key record its use
// once, off the request path; a minute later, once more.
func TestLastUsedOncePerInterval(t *testing.T) {
	f := newKeyFixture(t)
	tc := &touchCounter{Store: f.store}
	svc := service.New(service.Config{Store: tc, PublicURL: "http://checkout.test", Clock: f.clock})
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := svc.Authenticate(f.ctx, f.secret); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	waitTouched := func(want time.Time) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			k, err := f.store.GetAPIKey(f.ctx, f.scope, f.key.ID)
			if err != nil {
				t.Fatal(err)
			}
			if k.LastUsed.Equal(want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("LastUsed = %v after 30 s, want %v", k.LastUsed, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitTouched(f.clock.Now())
	if n := tc.touches.Load(); n != 1 {
		t.Errorf("50 requests wrote last use %d times, want once", n)
	}
	f.clock.Add(30 * time.Second)
	if _, err := svc.Authenticate(f.ctx, f.secret); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(31 * time.Second)
	if _, err := svc.Authenticate(f.ctx, f.secret); err != nil {
		t.Fatal(err)
	}
	waitTouched(f.clock.Now())
	if n := tc.touches.Load(); n != 2 {
		t.Errorf("after a minute more, last use was written %d times, want 2", n)
	}
}
