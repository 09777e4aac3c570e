package http_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	chttp "github.com/checkoutd/checkoutd/http"
)

// wrongKey is a well-formed test key that no account has.
func wrongKey(i int) string { return fmt.Sprintf("sk_test_%032d", i) }

// fromAddr is a client whose connections come from the local address ip:
// on Linux every 127.0.0.0/8 address reaches a server on 127.0.0.1.
func fromAddr(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

// withServer points e at a server of its own, set up by setup.
func withServer(t *testing.T, e *env, setup func(*chttp.Server)) {
	t.Helper()
	h := chttp.New(e.svc, nil, nil)
	setup(h)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e.srv = srv
}

func retryAfter(t *testing.T, r *response) int {
	t.Helper()
	n, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || n < 1 || n > 60 {
		t.Fatalf("Retry-After %q, want a number of seconds from 1 to 60", r.header.Get("Retry-After"))
	}
	return n
}

// Wrong keys from one address are answered 401 up to the limit, then 429
// for every key, the right one too (else the status would tell a guesser
// which key was right), until the count decays; another address and the
// event stream are held to the same rule, each address on its own.
func TestAuthFailureLimit(t *testing.T) {
	e := newEnv(t)
	statuses := map[int]int{}
	var limited *response
	for i := range 200 {
		r := e.get("/v1/checkout/sessions", wrongKey(i))
		statuses[r.status]++
		if r.status == http.StatusTooManyRequests {
			limited = r
		}
	}
	limit := chttp.DefaultAuthFailuresPerMinute
	if statuses[401] != limit || statuses[429] != 200-limit {
		t.Fatalf("200 wrong keys: %v, want %d × 401 and the rest 429", statuses, limit)
	}
	if limited.str("error", "type") != "rate_limit_error" || limited.str("error", "code") != "rate_limit" {
		t.Errorf("429 body %s", limited.body)
	}
	wait := retryAfter(t, limited)
	if r := e.get("/v1/checkout/sessions", e.key); r.status != http.StatusTooManyRequests {
		t.Errorf("right key from the throttled address: %d %s, want 429", r.status, r.body)
	}
	if r := e.get("/v1/events/stream", wrongKey(0)); r.status != http.StatusTooManyRequests {
		t.Errorf("event stream from the throttled address: %d %s, want 429", r.status, r.body)
	}

	other := *e
	other.client = fromAddr("127.0.0.2")
	if r := other.get("/v1/checkout/sessions", e.key); r.status != http.StatusOK {
		t.Errorf("right key from another address: %d %s, want 200", r.status, r.body)
	}
	if r := other.get("/v1/checkout/sessions", wrongKey(1)); r.status != http.StatusUnauthorized {
		t.Errorf("wrong key from another address: %d %s, want 401", r.status, r.body)
	}

	// Retry-After is honest: after it, one more attempt is let through.
	e.clock.Add(time.Duration(wait) * time.Second)
	if r := e.get("/v1/checkout/sessions", e.key); r.status != http.StatusOK {
		t.Errorf("right key %ds later: %d %s, want 200", wait, r.status, r.body)
	}
	// A right key costs nothing; a minute on, the count has decayed.
	e.clock.Add(time.Minute)
	for i := range limit {
		if r := e.get("/v1/events/stream", wrongKey(i)); r.status != http.StatusUnauthorized {
			t.Fatalf("wrong key %d on the stream a minute later: %d, want 401", i, r.status)
		}
	}
	if r := e.get("/v1/events/stream", wrongKey(0)); r.status != http.StatusTooManyRequests {
		t.Errorf("event stream past the limit: %d, want 429", r.status)
	}
}

// Concurrent guesses cannot slip past the limit between a check and a count.
func TestAuthFailureLimitConcurrent(t *testing.T) {
	e := newEnv(t)
	const n = 60
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", e.srv.URL+"/v1/checkout/sessions", nil)
			req.Header.Set("Authorization", "Bearer "+wrongKey(i))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			mu.Lock()
			statuses[res.StatusCode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if statuses[401] > chttp.DefaultAuthFailuresPerMinute || statuses[401]+statuses[429] != n {
		t.Errorf("%d concurrent wrong keys: %v, want at most %d × 401 and the rest 429", n, statuses, chttp.DefaultAuthFailuresPerMinute)
	}
}

// Many right keys at once from one address (a proxy, a batch job) all get
// their answer, however many more than the failure budget are in flight.
func TestAuthFailureLimitConcurrentRightKeys(t *testing.T) {
	e := newEnv(t)
	withServer(t, e, func(h *chttp.Server) { h.SetAuthFailureLimit(2) })
	const n = 40
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			r := e.get("/v1/checkout/sessions", e.key)
			mu.Lock()
			statuses[r.status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if statuses[200] != n {
		t.Errorf("%d concurrent right keys with a failure limit of 2: %v, want all 200", n, statuses)
	}
}

// SetAuthFailureLimit sets the threshold; 0 turns the limit off.
func TestAuthFailureLimitSetting(t *testing.T) {
	e := newEnv(t)
	withServer(t, e, func(h *chttp.Server) { h.SetAuthFailureLimit(3) })
	for i := range 3 {
		if r := e.get("/v1/checkout/sessions", wrongKey(i)); r.status != http.StatusUnauthorized {
			t.Fatalf("wrong key %d: %d", i, r.status)
		}
	}
	if r := e.get("/v1/checkout/sessions", wrongKey(9)); r.status != http.StatusTooManyRequests {
		t.Errorf("4th wrong key with a limit of 3: %d, want 429", r.status)
	}
	withServer(t, e, func(h *chttp.Server) { h.SetAuthFailureLimit(0) })
	for i := range 100 {
		if r := e.get("/v1/checkout/sessions", wrongKey(i)); r.status != http.StatusUnauthorized {
			t.Fatalf("wrong key %d with the limit off: %d, want 401", i, r.status)
		}
	}
}

// Only a trusted proxy is believed for X-Forwarded-For and Forwarded, and
// then the right-most address that is not a trusted proxy is the client's.
func TestTrustedProxies(t *testing.T) {
	e := newEnv(t)
	get := func(key string, hdr ...string) int {
		t.Helper()
		return e.do("GET", "/v1/checkout/sessions", key, "", nil, hdr...).status
	}

	// No proxy trusted: a spoofed X-Forwarded-For changes nothing.
	withServer(t, e, func(h *chttp.Server) { h.SetAuthFailureLimit(2) })
	for i, want := range []int{401, 401, 429} {
		if got := get(wrongKey(i), "X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i)); got != want {
			t.Errorf("untrusted peer, spoofed X-Forwarded-For, attempt %d: %d, want %d", i, got, want)
		}
	}
	if got := get(e.key, "Forwarded", "for=198.51.100.77"); got != 429 {
		t.Errorf("untrusted peer, spoofed Forwarded: %d, want 429", got)
	}

	trusted, err := chttp.ParseTrustedProxies("127.0.0.1/32, 10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	withServer(t, e, func(h *chttp.Server) {
		h.SetAuthFailureLimit(2)
		h.SetTrustedProxies(trusted)
	})
	for _, c := range []struct {
		name, key, header, value string
		want                     int
	}{
		{"client A, 1st wrong key", wrongKey(1), "X-Forwarded-For", "203.0.113.7", 401},
		{"client A through two proxies", wrongKey(2), "X-Forwarded-For", "203.0.113.7, 10.1.2.3", 401},
		{"client A throttled", e.key, "X-Forwarded-For", "203.0.113.7", 429},
		{"client A spoofing on the left", e.key, "X-Forwarded-For", "192.0.2.1, 203.0.113.7", 429},
		{"client A by Forwarded", e.key, "Forwarded", `for=203.0.113.7;proto=https, for=10.9.9.9`, 429},
		{"client B, right key", e.key, "X-Forwarded-For", "203.0.113.8", 200},
		{"client C by Forwarded IPv6", wrongKey(3), "Forwarded", `for="[2001:db8::1]:4711"`, 401},
		{"the proxy itself", e.key, "", "", 200},
		{"malformed: the proxy's address, 1", wrongKey(4), "X-Forwarded-For", "not-an-address", 401},
		{"malformed: the proxy's address, 2", wrongKey(5), "Forwarded", "for=unknown", 401},
		{"the proxy itself, throttled", e.key, "", "", 429},
		{"client B unaffected", e.key, "X-Forwarded-For", "203.0.113.8", 200},
	} {
		var hdr []string
		if c.header != "" {
			hdr = []string{c.header, c.value}
		}
		if got := get(c.key, hdr...); got != c.want {
			t.Errorf("%s (%s: %s): %d, want %d", c.name, c.header, c.value, got, c.want)
		}
	}
}

// The per-IP pay limit sees the client behind a trusted proxy, not the proxy.
func TestTrustedProxiesPayLimit(t *testing.T) {
	e := newPageEnv(t)
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	withServer(t, e, func(h *chttp.Server) {
		h.SetPayRateLimit(1)
		h.SetTrustedProxies(trusted)
	})
	page := e.openOK(t, "/checkout/"+e.newSession(t))
	pay := func(client string) int {
		t.Helper()
		fields := []string{"email", "customer@example.com", "card_number", "4242424242424241", "card_expiry", futureExpiry(), "card_cvc", "123"}
		return page.submit("card", fields, "X-Forwarded-For", client).status
	}
	if got := pay("203.0.113.1"); got != http.StatusSeeOther {
		t.Fatalf("first attempt of client A: %d, want 303 (bad number, back to the form)", got)
	}
	if got := pay("203.0.113.1"); got != http.StatusTooManyRequests {
		t.Errorf("second attempt of client A: %d, want 429", got)
	}
	if got := pay("203.0.113.2"); got != http.StatusSeeOther {
		t.Errorf("first attempt of client B behind the same proxy: %d, want 303", got)
	}
}

// The 429 of the guessing limit is as the document describes it.
func TestOpenAPIAuthFailureLimit(t *testing.T) {
	o := newOAEnv(t)
	for i := range chttp.DefaultAuthFailuresPerMinute {
		o.exchange(oaRequest{method: "GET", path: "/v1/events", auth: oaBearer(wrongKey(i)), status: 401})
	}
	for _, c := range []oaRequest{
		{method: "GET", path: "/v1/events", auth: oaBearer(o.key), status: 429},
		{method: "POST", path: "/v1/checkout/sessions", auth: oaBearer(o.key), contentType: "application/json", body: oaJSON(t, validSession()), status: 429},
		{method: "GET", path: "/v1/events/stream", auth: oaBearer(o.key), status: 429},
	} {
		if r := o.exchange(c); r.header.Get("Retry-After") == "" {
			t.Errorf("%s %s: 429 without Retry-After", c.method, c.path)
		}
	}
}

// TestEveryAPIRouteAuthenticates: every /v1/ route, the event stream
// included, goes through the one authentication and limit path: without a
// key it is a 401 with WWW-Authenticate, and from an address past the
// guessing limit it is a 429, whatever key it carries.
func TestEveryAPIRouteAuthenticates(t *testing.T) {
	e := newEnv(t)
	var srv *chttp.Server
	withServer(t, e, func(s *chttp.Server) { srv = s; s.SetAuthFailureLimit(1) })
	var routes [][2]string
	for _, p := range srv.Routes() {
		method, path, _ := strings.Cut(p, " ")
		if !strings.HasPrefix(path, "/v1/") {
			continue
		}
		path = strings.NewReplacer("{id}", "x_1", "{payment}", "x_2").Replace(path)
		routes = append(routes, [2]string{method, path})
	}
	if len(routes) < 20 {
		t.Fatalf("only %d /v1/ routes: %v", len(routes), routes)
	}
	for _, rt := range routes {
		r := e.do(rt[0], rt[1], "", "", nil)
		if r.status != http.StatusUnauthorized || r.str("error", "type") != "authentication_error" || r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s %s without a key: %d %s, want 401 with WWW-Authenticate", rt[0], rt[1], r.status, r.body)
		}
	}
	if r := e.get("/v1/checkout/sessions", wrongKey(0)); r.status != http.StatusUnauthorized {
		t.Fatalf("the one wrong key allowed: %d %s, want 401", r.status, r.body)
	}
	for _, rt := range routes {
		if r := e.do(rt[0], rt[1], e.key, "", nil); r.status != http.StatusTooManyRequests {
			t.Errorf("%s %s from the throttled address: %d %s, want 429", rt[0], rt[1], r.status, r.body)
		}
	}
}
