package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	chttp "github.com/checkoutd/checkoutd/http"
	"github.com/checkoutd/checkoutd/service"
)

// clock is a settable clock for tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// env is a server over a real store (SQLite unless newEnvOn says), with two accounts.
type env struct {
	t      testing.TB
	store  checkout.Store
	cfg    service.Config // what svc was built from (see configure)
	svc    *service.Service
	clock  *clock
	srv    *httptest.Server
	key    string // test key of account A
	liveA  string // live key of account A
	keyB   string // test key of account B
	accts  []string
	client *http.Client
	errs   *errorLog // what the server logged at ERROR
	// pages is the hosted page's "browser": it keeps cookies (the page's
	// flash after a post) and shows each redirect to the test.
	pages *http.Client
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvOn(t, openStore(t, "sqlite"))
}

// testPublicURL is the public URL of every test server's service.
const testPublicURL = "http://checkout.test"

// newEnvOn is newEnv over the given store.
func newEnvOn(t testing.TB, store checkout.Store) *env {
	t.Helper()
	c := &clock{now: time.Now().UTC().Truncate(time.Second)}
	e := &env{t: t, store: store, clock: c, client: &http.Client{}, errs: &errorLog{},
		cfg: service.Config{Store: store, Clock: c, PublicURL: testPublicURL, Events: chttp.Events{PublicURL: testPublicURL}, Providers: simProviders(c)}}
	e.build()
	ctx := context.Background()
	a, key, err := e.svc.CreateAccount(ctx, service.AccountParams{ID: "acct_a", Name: "Shop A"})
	if err != nil {
		t.Fatal(err)
	}
	e.key = key
	if e.liveA, err = e.svc.CreateKey(ctx, a.ID, true); err != nil {
		t.Fatal(err)
	}
	b, keyB, err := e.svc.CreateAccount(ctx, service.AccountParams{ID: "acct_b", Name: "Shop B", DefaultCurrency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	e.keyB = keyB
	e.accts = []string{a.ID, b.ID}
	return e
}

// build makes e's service from e.cfg, and a server for it, as checkoutd
// serve wires them: the server's metrics observe the service.
func (e *env) build() {
	e.t.Helper()
	m := chttp.NewMetrics()
	cfg := e.cfg
	cfg.Observer = m
	e.svc = service.New(cfg)
	e.srv = httptest.NewServer(chttp.New(e.svc, slog.New(e.errs), m))
	e.t.Cleanup(e.srv.Close)
}

// configure changes e's service config and builds a new service and server
// from it, over the same store (accounts and keys stay).
func (e *env) configure(f func(*service.Config)) {
	e.t.Helper()
	f(&e.cfg)
	e.build()
}

// response is a decoded reply.
type response struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

func (r *response) str(path ...string) string {
	v := r.get(path...)
	s, _ := v.(string)
	return s
}

func (r *response) get(path ...string) any {
	var v any = r.json
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// do sends a request with the given key, content type and body.
func (e *env) do(method, path, key, contentType string, body []byte, hdr ...string) *response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	out := &response{status: res.StatusCode, header: res.Header, body: b}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &out.json); err != nil {
			e.t.Fatalf("%s %s: response is not JSON: %v: %s", method, path, err, b)
		}
	}
	return out
}

func (e *env) postJSON(path, key string, v any, hdr ...string) *response {
	e.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do("POST", path, key, "application/json", b, hdr...)
}

func (e *env) get(path, key string) *response {
	e.t.Helper()
	return e.do("GET", path, key, "", nil)
}

// validSession is a minimal valid create request.
func validSession() map[string]any {
	return map[string]any{
		"amount": 5000, "currency": "GHS",
		"success_url": "https://shop.example/success?session_id={CHECKOUT_SESSION_ID}",
		"cancel_url":  "https://shop.example/cancel",
	}
}

func (e *env) create(key string, v map[string]any) *response {
	e.t.Helper()
	r := e.postJSON("/v1/checkout/sessions", key, v)
	if r.status != 200 {
		e.t.Fatalf("create: %d %s", r.status, r.body)
	}
	return r
}

// counts returns how many sessions and events exist in every scope of the
// test accounts, read straight from the store.
func (e *env) counts() (sessions, events int) {
	e.t.Helper()
	ctx := context.Background()
	for _, a := range e.accts {
		for _, live := range []bool{false, true} {
			scope := checkout.Scope{AccountID: a, Livemode: live}
			for cursor := ""; ; {
				p, err := e.store.ListSessions(ctx, scope, checkout.SessionFilter{ListParams: checkout.ListParams{Limit: 100, StartingAfter: cursor}, Now: e.clock.Now()})
				if err != nil {
					e.t.Fatal(err)
				}
				sessions += len(p.Items)
				if !p.HasMore {
					break
				}
				cursor = p.Items[len(p.Items)-1].ID
			}
			for cursor := ""; ; {
				p, err := e.store.ListEvents(ctx, scope, checkout.EventFilter{ListParams: checkout.ListParams{Limit: 100, StartingAfter: cursor}})
				if err != nil {
					e.t.Fatal(err)
				}
				events += len(p.Items)
				if !p.HasMore {
					break
				}
				cursor = p.Items[len(p.Items)-1].ID
			}
		}
	}
	return sessions, events
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
