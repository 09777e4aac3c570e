package http_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	chttp "github.com/checkoutd/checkoutd/http"
)

func TestCreateAndGet(t *testing.T) {
	e := newEnv(t)
	body := validSession()
	body["customer_email"] = "customer@example.com"
	body["metadata"] = map[string]any{"order_id": "1234"}
	body["client_reference_id"] = "ref-1"
	body["locale"] = "pt"
	body["description"] = "Order 1234"
	r := e.create(e.key, body)
	id := r.str("id")
	if !strings.HasPrefix(id, "cs_") || len(id) < 3+22 {
		t.Fatalf("id %q", id)
	}
	want := map[string]any{
		"object": "checkout.session", "status": "open", "payment_status": "unpaid", "amount": 5000.0,
		"amount_total": 5000.0, "amount_subtotal": 5000.0, "currency": "GHS", "livemode": false, "mode": "payment",
		"url": "http://checkout.test/checkout/" + id, "payment": nil, "customer": nil,
		"customer_email": "customer@example.com", "client_reference_id": "ref-1", "locale": "pt", "description": "Order 1234",
		"success_url": "https://shop.example/success?session_id={CHECKOUT_SESSION_ID}",
	}
	for k, v := range want {
		if got := r.get(k); got != v {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	created, err := time.Parse(time.RFC3339, r.str("created_at"))
	if err != nil || !created.Equal(e.clock.Now()) {
		t.Errorf("created_at %q", r.str("created_at"))
	}
	expires, _ := time.Parse(time.RFC3339, r.str("expires_at"))
	if !expires.Equal(created.Add(24 * time.Hour)) {
		t.Errorf("expires_at %v, want 24h after %v", expires, created)
	}
	if m := r.get("payment_method_types").([]any); len(m) != 1 || m[0] != "card" {
		t.Errorf("payment_method_types %v", m)
	}
	g := e.get("/v1/checkout/sessions/"+id, e.key)
	if g.status != 200 || string(g.body) != string(r.body) {
		t.Fatalf("get differs from create:\n%s\n%s", g.body, r.body)
	}
}

func TestDefaultCurrencyAndLineItemCurrency(t *testing.T) {
	e := newEnv(t)
	m := validSession()
	delete(m, "currency")
	if r := e.create(e.keyB, m); r.str("currency") != "EUR" {
		t.Errorf("account B's default currency not used: %s", r.str("currency"))
	}
	if r := e.create(e.key, m); r.str("currency") != "GHS" {
		t.Errorf("account A's default: %s", r.str("currency"))
	}
	m = map[string]any{"success_url": "https://a.example", "cancel_url": "https://a.example",
		"line_items": []any{map[string]any{"quantity": 3, "price_data": map[string]any{"currency": "jpy", "unit_amount": 500, "product_data": map[string]any{"name": "Tea"}}}}}
	if r := e.create(e.key, m); r.str("currency") != "JPY" || r.get("amount_total") != 1500.0 {
		t.Errorf("line item currency: %s %v", r.str("currency"), r.get("amount_total"))
	}
}

func TestTenantIsolation(t *testing.T) {
	e := newEnv(t)
	a := e.create(e.key, validSession()).str("id")
	b := e.create(e.keyB, validSession()).str("id")
	live := e.create(e.liveA, map[string]any{"amount": 100, "success_url": "https://a.example", "cancel_url": "https://a.example"})
	if live.get("livemode") != true {
		t.Fatal("live key made a test session")
	}
	for _, c := range []struct{ key, id string }{{e.keyB, a}, {e.key, b}, {e.liveA, a}, {e.key, live.str("id")}} {
		if r := e.get("/v1/checkout/sessions/"+c.id, c.key); r.status != 404 {
			t.Errorf("other scope's session %s answered %d", c.id, r.status)
		}
		if r := e.do("POST", "/v1/checkout/sessions/"+c.id+"/expire", c.key, "", nil); r.status != 404 {
			t.Errorf("other scope's session %s expired: %d", c.id, r.status)
		}
		if r := e.get("/v1/checkout/sessions?starting_after="+c.id, c.key); r.status != 404 {
			t.Errorf("other scope's cursor %s accepted: %d", c.id, r.status)
		}
	}
	for key, want := range map[string]string{e.key: a, e.keyB: b, e.liveA: live.str("id")} {
		data := e.get("/v1/checkout/sessions", key).get("data").([]any)
		if len(data) != 1 || data[0].(map[string]any)["id"] != want {
			t.Errorf("list shows %v, want only %s", data, want)
		}
	}
	// B expiring its session writes an event A cannot see.
	e.do("POST", "/v1/checkout/sessions/"+b+"/expire", e.keyB, "", nil)
	if n := len(e.get("/v1/events", e.key).get("data").([]any)); n != 0 {
		t.Errorf("A sees %d of B's events", n)
	}
	evs := e.get("/v1/events", e.keyB).get("data").([]any)
	if len(evs) != 1 {
		t.Fatalf("B sees %d events", len(evs))
	}
	if r := e.get("/v1/events/"+evs[0].(map[string]any)["id"].(string), e.key); r.status != 404 {
		t.Errorf("A reads B's event: %d", r.status)
	}
}

func TestListPagination(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for i := range 25 {
		m := validSession()
		m["customer"] = fmt.Sprintf("cus_%d", i%2)
		m["customer_email"] = fmt.Sprintf("c%d@shop.example", i%3)
		ids = append(ids, e.create(e.key, m).str("id"))
		if i == 9 {
			e.clock.Add(time.Minute)
		}
	}
	// Newest first, across pages of 10, with has_more.
	var seen []string
	cursor := ""
	for page := 0; ; page++ {
		path := "/v1/checkout/sessions?limit=10"
		if cursor != "" {
			path += "&starting_after=" + cursor
		}
		r := e.get(path, e.key)
		if r.str("object") != "list" || r.str("url") != "/v1/checkout/sessions" {
			t.Fatalf("list envelope: %s", r.body)
		}
		for _, d := range r.get("data").([]any) {
			seen = append(seen, d.(map[string]any)["id"].(string))
		}
		if r.get("has_more") != (page < 2) {
			t.Fatalf("page %d has_more %v", page, r.get("has_more"))
		}
		if r.get("has_more") == false {
			break
		}
		cursor = seen[len(seen)-1]
	}
	if len(seen) != 25 {
		t.Fatalf("saw %d sessions", len(seen))
	}
	for i, id := range seen {
		if id != ids[24-i] {
			t.Fatalf("position %d: %s, want %s", i, id, ids[24-i])
		}
	}
	// ending_before returns the page just newer than the cursor, newest first.
	r := e.get("/v1/checkout/sessions?limit=3&ending_before="+ids[10], e.key)
	data := r.get("data").([]any)
	if len(data) != 3 || data[0].(map[string]any)["id"] != ids[13] || data[2].(map[string]any)["id"] != ids[11] || r.get("has_more") != true {
		t.Fatalf("ending_before page: %v", r.body)
	}
	count := func(q string) int {
		r := e.get("/v1/checkout/sessions?limit=100&"+q, e.key)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", q, r.status, r.body)
		}
		return len(r.get("data").([]any))
	}
	if n := count("customer=cus_1"); n != 12 {
		t.Errorf("customer filter: %d", n)
	}
	if n := count("customer_email=c0@shop.example"); n != 9 {
		t.Errorf("customer_email filter: %d", n)
	}
	first := e.clock.Now().Add(-time.Minute).Unix()
	if n := count(fmt.Sprintf("created[lte]=%d", first)); n != 10 {
		t.Errorf("created[lte]: %d", n)
	}
	if n := count(fmt.Sprintf("created[gte]=%d", first+1)); n != 15 {
		t.Errorf("created[gte]: %d", n)
	}
	if n := count("status=open"); n != 25 {
		t.Errorf("status=open: %d", n)
	}
}

func TestExpire(t *testing.T) {
	e := newEnv(t)
	id := e.create(e.key, validSession()).str("id")
	r := e.do("POST", "/v1/checkout/sessions/"+id+"/expire", e.key, "", nil)
	if r.status != 200 || r.str("status") != "expired" {
		t.Fatalf("expire: %d %s", r.status, r.body)
	}
	again := e.do("POST", "/v1/checkout/sessions/"+id+"/expire", e.key, "", nil)
	if again.status != 400 || again.str("error", "code") != "checkout_session_expired" || !strings.Contains(again.str("error", "message"), "expired") {
		t.Fatalf("second expire: %d %s", again.status, again.body)
	}
	evs := e.get("/v1/events?type=checkout.session.expired", e.key)
	data := evs.get("data").([]any)
	if len(data) != 1 {
		t.Fatalf("%d expired events", len(data))
	}
	ev := data[0].(map[string]any)
	obj := ev["data"].(map[string]any)["object"].(map[string]any)
	if ev["object"] != "event" || ev["sequence"] != 1.0 || obj["id"] != id || obj["status"] != "expired" {
		t.Fatalf("event %v", ev)
	}
	if one := e.get("/v1/events/"+ev["id"].(string), e.key); one.status != 200 || one.str("id") != ev["id"] {
		t.Fatalf("get event: %d", one.status)
	}
	if n := len(e.get("/v1/events?type=checkout.session.completed", e.key).get("data").([]any)); n != 0 {
		t.Errorf("type filter let %d other events through", n)
	}
}

func TestExpiryAsSeenByReaders(t *testing.T) {
	e := newEnv(t)
	m := validSession()
	m["expires_at"] = e.clock.Now().Add(2 * time.Minute).Unix()
	id := e.create(e.key, m).str("id")
	e.clock.Add(2 * time.Minute)
	// No sweep has run, yet every reader sees it expired.
	if s := e.get("/v1/checkout/sessions/"+id, e.key).str("status"); s != "expired" {
		t.Errorf("get: %s", s)
	}
	if n := len(e.get("/v1/checkout/sessions?status=open", e.key).get("data").([]any)); n != 0 {
		t.Errorf("status=open lists %d", n)
	}
	if n := len(e.get("/v1/checkout/sessions?status=expired", e.key).get("data").([]any)); n != 1 {
		t.Errorf("status=expired lists %d", n)
	}
	// Three sweepers over one store: exactly one event.
	var wg sync.WaitGroup
	total := 0
	var mu sync.Mutex
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := e.svc.SweepExpired(context.Background())
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total != 1 {
		t.Errorf("sweepers expired %d sessions", total)
	}
	if _, ev := e.counts(); ev != 1 {
		t.Errorf("%d events after sweeping", ev)
	}
	if n, _ := e.svc.SweepExpired(context.Background()); n != 0 {
		t.Errorf("second sweep expired %d", n)
	}
}

func TestIdempotency(t *testing.T) {
	e := newEnv(t)
	key := []string{"Idempotency-Key", "order-1234"}
	first := e.postJSON("/v1/checkout/sessions", e.key, validSession(), key...)
	if first.status != 200 {
		t.Fatalf("%d %s", first.status, first.body)
	}
	e.clock.Add(time.Hour)
	replay := e.postJSON("/v1/checkout/sessions", e.key, validSession(), key...)
	if replay.status != 200 || string(replay.body) != string(first.body) || replay.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay differs: %d %s", replay.status, replay.body)
	}
	if s, _ := e.counts(); s != 1 {
		t.Fatalf("%d sessions after a replay", s)
	}
	// Another account's same key is independent.
	if other := e.postJSON("/v1/checkout/sessions", e.keyB, validSession(), key...); other.status != 200 || other.str("id") == first.str("id") {
		t.Fatalf("other account: %d %s", other.status, other.body)
	}
	// Same key, other parameters.
	m := validSession()
	m["amount"] = 5001
	if r := e.postJSON("/v1/checkout/sessions", e.key, m, key...); r.status != 400 || r.str("error", "type") != "idempotency_error" {
		t.Fatalf("changed params: %d %s", r.status, r.body)
	}
	// Errors after execution are replayed too, status included.
	id := first.str("id")
	ek := []string{"Idempotency-Key", "expire-1"}
	e.do("POST", "/v1/checkout/sessions/"+id+"/expire", e.key, "", nil, ek...)
	e.do("POST", "/v1/checkout/sessions/"+id+"/expire", e.key, "", nil, "Idempotency-Key", "expire-2")
	if r := e.do("POST", "/v1/checkout/sessions/"+id+"/expire", e.key, "", nil, ek...); r.status != 200 || r.str("status") != "expired" {
		t.Fatalf("replayed expire: %d %s", r.status, r.body)
	}
	// A validation failure is not kept: the corrected request runs.
	vk := []string{"Idempotency-Key", "fix-me"}
	bad := validSession()
	bad["amount"] = -1
	if r := e.postJSON("/v1/checkout/sessions", e.key, bad, vk...); r.status != 400 {
		t.Fatal(r.status)
	}
	if r := e.postJSON("/v1/checkout/sessions", e.key, validSession(), vk...); r.status != 200 {
		t.Fatalf("corrected request: %d %s", r.status, r.body)
	}
	// Keys expire after 24 hours.
	e.clock.Add(24 * time.Hour)
	if r := e.postJSON("/v1/checkout/sessions", e.key, m, key...); r.status != 200 || r.str("id") == first.str("id") {
		t.Fatalf("after 24h: %d %s", r.status, r.body)
	}
}

func TestIdempotencyKeyInUse(t *testing.T) {
	e := newEnv(t)
	body, _ := jsonMarshal(validSession())
	// A request with this key is in flight (claimed, not finished).
	scope := checkout.Scope{AccountID: "acct_a"}
	fp := fingerprintOf(t, e, body)
	if prev, err := e.store.ClaimIdempotencyKey(context.Background(), &checkout.IdempotencyRecord{Scope: scope, Key: "busy", Fingerprint: fp, Created: e.clock.Now()}); err != nil || prev != nil {
		t.Fatal(prev, err)
	}
	r := e.do("POST", "/v1/checkout/sessions", e.key, "application/json", body, "Idempotency-Key", "busy")
	if r.status != 409 || r.str("error", "code") != "idempotency_key_in_use" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if s, _ := e.counts(); s != 1 { // the probe's session only
		t.Fatal("a request with a key in use ran")
	}
	// An in-flight record whose request died frees itself after the lock TTL.
	e.clock.Add(checkout.IdempotencyLockTTL + time.Second)
	if r := e.do("POST", "/v1/checkout/sessions", e.key, "application/json", body, "Idempotency-Key", "busy"); r.status != 200 {
		t.Fatalf("after lock TTL: %d %s", r.status, r.body)
	}
}

// fingerprintOf learns the fingerprint the server gives body by making a
// request with a throwaway key and reading its record.
func fingerprintOf(t *testing.T, e *env, body []byte) string {
	t.Helper()
	e.do("POST", "/v1/checkout/sessions", e.keyB, "application/json", body, "Idempotency-Key", "probe")
	rec, err := e.store.ClaimIdempotencyKey(context.Background(), &checkout.IdempotencyRecord{Scope: checkout.Scope{AccountID: "acct_b"}, Key: "probe", Created: e.clock.Now()})
	if err != nil || rec == nil {
		t.Fatal("no record for the probe", err)
	}
	return rec.Fingerprint
}

func TestConcurrentIdempotentCreates(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids := map[string]int{}
	statuses := map[int]int{}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.postJSON("/v1/checkout/sessions", e.key, validSession(), "Idempotency-Key", "same")
			mu.Lock()
			statuses[r.status]++
			if r.status == 200 {
				ids[r.str("id")]++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(ids) != 1 || statuses[200]+statuses[409] != 8 {
		t.Fatalf("ids %v statuses %v", ids, statuses)
	}
	if s, _ := e.counts(); s != 1 {
		t.Fatalf("%d sessions made", s)
	}
}

func TestOperations(t *testing.T) {
	e := newEnv(t)
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/openapi.json": 200} {
		if r := e.get(path, ""); r.status != want {
			t.Errorf("%s: %d", path, r.status)
		}
	}
	e.create(e.key, validSession())
	r := e.get("/metrics", "")
	for _, want := range []string{
		`checkoutd_http_requests_total{code="200",method="POST",route="POST /v1/checkout/sessions"} 1`,
		`checkoutd_http_request_duration_seconds_bucket{method="POST",route="POST /v1/checkout/sessions",le="+Inf"} 1`,
	} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	id := e.create(e.key, validSession()).str("id")
	e.do("POST", "/v1/checkout/sessions/"+id+"/expire", e.key, "", nil)
	if r := e.get("/metrics", ""); !strings.Contains(string(r.body), `checkoutd_session_transitions_total{transition="expire"} 1`) {
		t.Error("transition not counted")
	}
	e.store.Close()
	if r := e.get("/readyz", ""); r.status != 503 {
		t.Errorf("readyz with a closed store: %d", r.status)
	}
}

func TestLineItemsList(t *testing.T) {
	e := newEnv(t)
	var items []any
	for i := range 3 {
		items = append(items, map[string]any{"quantity": i + 1, "price_data": map[string]any{"currency": "GHS", "unit_amount": 100, "product_data": map[string]any{"name": fmt.Sprintf("item %d", i)}}})
	}
	m := validSession()
	delete(m, "amount")
	m["line_items"] = items
	sess := e.create(e.key, m)
	path := "/v1/checkout/sessions/" + sess.str("id") + "/line_items"
	r := e.get(path+"?limit=2", e.key)
	data := r.get("data").([]any)
	if r.status != 200 || len(data) != 2 || r.get("has_more") != true || r.str("url") != path {
		t.Fatalf("%d %s", r.status, r.body)
	}
	last := data[1].(map[string]any)["id"].(string)
	r = e.get(path+"?starting_after="+last, e.key)
	if data := r.get("data").([]any); len(data) != 1 || data[0].(map[string]any)["description"] != "item 2" || r.get("has_more") != false {
		t.Fatalf("second page %s", r.body)
	}
	if r := e.get(path, e.keyB); r.status != 404 {
		t.Fatalf("other account reads line items: %d", r.status)
	}
	if r := e.get(path+"?starting_after=li_nope", e.key); r.status != 404 || r.str("error", "param") != "starting_after" {
		t.Fatalf("unknown cursor: %d %s", r.status, r.body)
	}
}

func TestAPIRateLimit(t *testing.T) {
	e := newEnv(t)
	srv := chttp.New(e.svc, nil, nil)
	srv.SetAPIRateLimit(2) // bursts of 4
	ts := httptest.NewServer(srv)
	defer ts.Close()
	e.srv = ts
	statuses := map[int]int{}
	var last *response
	for range 6 {
		last = e.get("/v1/checkout/sessions", e.key)
		statuses[last.status]++
	}
	if statuses[200] != 4 || statuses[429] != 2 {
		t.Fatalf("statuses %v", statuses)
	}
	if last.str("error", "type") != "rate_limit_error" || last.header.Get("Retry-After") != "1" {
		t.Fatalf("429 body %s", last.body)
	}
	// Another account has its own budget.
	if r := e.get("/v1/checkout/sessions", e.keyB); r.status != 200 {
		t.Fatalf("account B limited by A: %d", r.status)
	}
}
