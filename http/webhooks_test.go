package http_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/seal"
	"github.com/checkoutd/checkoutd/service"
	"github.com/checkoutd/checkoutd/webhook"
)

// The tests in this file drive the webhooks API (endpoints, deliveries,
// resend) against a real server, a real store and a running delivery worker
// that posts to loopback receivers.

// webhooks makes e's service deliver webhooks: a sealer under a random key,
// the server's own event encoding, a short retry schedule and a delivery
// worker, stopped (and waited for) at cleanup. allowPrivate lets endpoints
// point at loopback receivers.
func (e *env) webhooks(allowPrivate bool) {
	e.t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	sealer, err := seal.New(key)
	if err != nil {
		e.t.Fatal(err)
	}
	e.configure(func(c *service.Config) {
		c.Sealer = sealer
		c.Webhooks.AllowPrivate = allowPrivate
		c.Webhooks.RetrySchedule = []time.Duration{10 * time.Millisecond, 20 * time.Millisecond}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.svc.RunDeliveries(ctx, 10*time.Millisecond)
	}()
	e.t.Cleanup(func() { cancel(); <-done })
}

// whReceiver is a merchant's webhook handler on a loopback address: it keeps
// every request and answers with status.
type whReceiver struct {
	srv    *httptest.Server
	status atomic.Int32
	mu     sync.Mutex
	got    []whRequest
}

type whRequest struct {
	header http.Header
	body   []byte
}

func newWHReceiver(t testing.TB) *whReceiver {
	t.Helper()
	r := &whReceiver{}
	r.status.Store(http.StatusOK)
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, whRequest{header: req.Header.Clone(), body: b})
		r.mu.Unlock()
		w.WriteHeader(int(r.status.Load()))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *whReceiver) url() string { return r.srv.URL + "/hooks/checkoutd" }

func (r *whReceiver) requests() []whRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]whRequest(nil), r.got...)
}

// wait returns the receiver's requests once it has n of them.
func (r *whReceiver) wait(t testing.TB, n int) []whRequest {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := r.requests()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("the receiver got %d requests in 10s, want %d", len(got), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// whVerify checks both signatures of a received request with secret and
// returns the event it carries.
func whVerify(t testing.TB, r whRequest, secret string) webhook.Event {
	t.Helper()
	ev, err := webhook.ConstructEvent(r.body, r.header.Get(webhook.HeaderCheckoutSignature), secret)
	if err != nil {
		t.Errorf("Checkout-Signature does not verify: %v (header %q)", err, r.header.Get(webhook.HeaderCheckoutSignature))
	}
	if err := webhook.VerifyStandard(r.body, r.header, secret, 0); err != nil {
		t.Errorf("the Standard Webhooks signature does not verify: %v", err)
	}
	if id := r.header.Get(webhook.HeaderWebhookID); ev.ID == "" || id != ev.ID {
		t.Errorf("webhook-id %q, event id %q", id, ev.ID)
	}
	return ev
}

// whRefused checks that neither signature of r verifies with secret.
func whRefused(t testing.TB, r whRequest, secret string) {
	t.Helper()
	if _, err := webhook.ConstructEvent(r.body, r.header.Get(webhook.HeaderCheckoutSignature), secret); err == nil {
		t.Error("Checkout-Signature verifies with a secret that does not sign")
	}
	if err := webhook.VerifyStandard(r.body, r.header, secret, 0); err == nil {
		t.Error("webhook-signature verifies with a secret that does not sign")
	}
}

// newEndpoint creates an endpoint through the API and returns its id and secret.
func (e *env) newEndpoint(key string, body map[string]any) (id, secret string) {
	e.t.Helper()
	r := e.postJSON("/v1/webhook_endpoints", key, body)
	if r.status != 200 {
		e.t.Fatalf("creating an endpoint: %d %s", r.status, r.body)
	}
	return r.str("id"), r.str("secret")
}

// expiredEvent creates a session with key, expires it and returns the id of
// the checkout.session.expired event that wrote.
func (e *env) expiredEvent(key string) string {
	e.t.Helper()
	id := e.create(key, validSession()).str("id")
	if r := e.do("POST", "/v1/checkout/sessions/"+id+"/expire", key, "", nil); r.status != 200 {
		e.t.Fatalf("expire: %d %s", r.status, r.body)
	}
	r := e.get("/v1/events?type=checkout.session.expired&limit=1", key)
	data, _ := r.get("data").([]any)
	if len(data) != 1 {
		e.t.Fatalf("no expired event: %s", r.body)
	}
	ev := data[0].(map[string]any)
	if obj, _ := ev["data"].(map[string]any)["object"].(map[string]any); obj == nil || obj["id"] != id {
		e.t.Fatalf("the newest expired event is not about %s: %s", id, r.body)
	}
	return ev["id"].(string)
}

// attempted waits until the event has n deliveries in scope, each with at
// least one attempt recorded, and returns them.
func (e *env) attempted(scope checkout.Scope, eventID string, n int) []*checkout.Delivery {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ds, err := e.store.ListDeliveries(context.Background(), scope, eventID)
		if err != nil {
			e.t.Fatal(err)
		}
		done := len(ds) == n
		for _, d := range ds {
			done = done && len(d.Attempts) > 0
		}
		if done {
			return ds
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("event %s: %d deliveries not all attempted in 10s, want %d attempted", eventID, len(ds), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// endpointsState is every endpoint of the test accounts, in every mode, as
// stored (sealed secrets included), for comparing before and after.
func (e *env) endpointsState() string {
	e.t.Helper()
	var all []*checkout.WebhookEndpoint
	for _, a := range e.accts {
		for _, live := range []bool{false, true} {
			p, err := e.store.ListEndpoints(context.Background(), checkout.Scope{AccountID: a, Livemode: live}, checkout.ListParams{Limit: 100})
			if err != nil {
				e.t.Fatal(err)
			}
			all = append(all, p.Items...)
		}
	}
	b, err := json.Marshal(all)
	if err != nil {
		e.t.Fatal(err)
	}
	return string(b)
}

var testScopeA = checkout.Scope{AccountID: "acct_a"}

// TestWebhookSecretShownOnlyOnCreateAndRotate checks that the secret is in
// the answers of create and rotate_secret and in no other.
func TestWebhookSecretShownOnlyOnCreateAndRotate(t *testing.T) {
	e := newEnv(t)
	e.webhooks(false)
	body := map[string]any{"url": "https://hooks.example.com/checkoutd", "enabled_events": []string{"*"}}
	id, secret := e.newEndpoint(e.key, body)
	if !strings.HasPrefix(secret, webhook.SecretPrefix) || len(secret) != len(webhook.NewSecret()) {
		t.Fatalf("create: secret %q", secret)
	}
	id2, secret2 := e.newEndpoint(e.key, body)
	if secret2 == secret {
		t.Error("two endpoints got the same secret")
	}
	// A form create answers the secret too.
	form := url.Values{"url": {"https://hooks.example.com/form"}, "enabled_events[0]": {"payment.failed"}}
	if r := e.do("POST", "/v1/webhook_endpoints", e.key, "application/x-www-form-urlencoded", []byte(form.Encode())); r.status != 200 ||
		!strings.HasPrefix(r.str("secret"), webhook.SecretPrefix) {
		t.Errorf("form create: %d %s", r.status, r.body)
	}

	noSecret := func(what string, r *response, want int) {
		t.Helper()
		if r.status != want {
			t.Fatalf("%s: %d %s", what, r.status, r.body)
		}
		if bytes.Contains(r.body, []byte("secret")) || bytes.Contains(r.body, []byte(webhook.SecretPrefix)) {
			t.Errorf("%s shows a secret: %s", what, r.body)
		}
	}
	noSecret("get", e.get("/v1/webhook_endpoints/"+id, e.key), 200)
	noSecret("list", e.get("/v1/webhook_endpoints", e.key), 200)
	noSecret("list page", e.get("/v1/webhook_endpoints?limit=1&starting_after="+id2, e.key), 200)
	noSecret("update", e.postJSON("/v1/webhook_endpoints/"+id, e.key, map[string]any{"description": "orders"}), 200)
	noSecret("disable", e.postJSON("/v1/webhook_endpoints/"+id, e.key, map[string]any{"disabled": true}), 200)
	noSecret("enable", e.postJSON("/v1/webhook_endpoints/"+id, e.key, map[string]any{"disabled": false}), 200)
	noSecret("invalid update", e.postJSON("/v1/webhook_endpoints/"+id, e.key, map[string]any{"url": "ftp://x.example"}), 400)

	r := e.do("POST", "/v1/webhook_endpoints/"+id+"/rotate_secret", e.key, "", nil)
	rotated := r.str("secret")
	if r.status != 200 || !strings.HasPrefix(rotated, webhook.SecretPrefix) || rotated == secret || r.str("id") != id {
		t.Fatalf("rotate: %d %s", r.status, r.body)
	}
	noSecret("get after rotate", e.get("/v1/webhook_endpoints/"+id, e.key), 200)
	noSecret("delete", e.do("DELETE", "/v1/webhook_endpoints/"+id2, e.key, "", nil), 200)
}

// TestWebhookEndpointLifecycle creates, reads, lists, updates and deletes an
// endpoint and checks each answer's fields.
func TestWebhookEndpointLifecycle(t *testing.T) {
	e := newEnv(t)
	e.webhooks(false)
	r := e.postJSON("/v1/webhook_endpoints", e.key, map[string]any{"url": "https://hooks.example.com/a",
		"enabled_events": []string{"checkout.session.completed", "payment.failed"}, "description": "orders",
		"metadata": map[string]string{"team": "payments"}})
	if r.status != 200 || r.str("object") != "webhook_endpoint" || r.get("livemode") != false || r.str("status") != "enabled" ||
		r.get("disabled_reason") != nil || r.str("description") != "orders" || r.str("metadata", "team") != "payments" ||
		r.str("created_at") == "" || r.str("created_at") != r.str("updated_at") {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	id := r.str("id")
	if ev, _ := r.get("enabled_events").([]any); len(ev) != 2 || ev[0] != "checkout.session.completed" || ev[1] != "payment.failed" {
		t.Errorf("enabled_events: %v", r.get("enabled_events"))
	}

	g := e.get("/v1/webhook_endpoints/"+id, e.key)
	if g.status != 200 || g.str("url") != "https://hooks.example.com/a" || g.str("metadata", "team") != "payments" {
		t.Errorf("get: %d %s", g.status, g.body)
	}

	// Update each field; what is not given stays.
	e.clock.Add(time.Second)
	u := e.postJSON("/v1/webhook_endpoints/"+id, e.key, map[string]any{"url": "https://hooks.example.com/b",
		"enabled_events": []string{"*"}, "metadata": map[string]string{"team": "ops"}})
	if u.status != 200 || u.str("url") != "https://hooks.example.com/b" || u.str("description") != "orders" ||
		u.str("metadata", "team") != "ops" || u.str("updated_at") == u.str("created_at") {
		t.Errorf("update: %d %s", u.status, u.body)
	}
	if ev, _ := u.get("enabled_events").([]any); len(ev) != 1 || ev[0] != "*" {
		t.Errorf("enabled_events after update: %v", u.get("enabled_events"))
	}
	d := e.do("POST", "/v1/webhook_endpoints/"+id, e.key, "application/x-www-form-urlencoded", []byte("disabled=true"))
	if d.status != 200 || d.str("status") != "disabled" || d.str("disabled_reason") == "" {
		t.Errorf("disable: %d %s", d.status, d.body)
	}
	en := e.postJSON("/v1/webhook_endpoints/"+id, e.key, map[string]any{"disabled": false})
	if en.status != 200 || en.str("status") != "enabled" || en.get("disabled_reason") != nil {
		t.Errorf("enable: %d %s", en.status, en.body)
	}

	// List newest first, in pages.
	id2, _ := e.newEndpoint(e.key, map[string]any{"url": "https://hooks.example.com/c", "enabled_events": []string{"*"}})
	l := e.get("/v1/webhook_endpoints?limit=1", e.key)
	if data, _ := l.get("data").([]any); len(data) != 1 || data[0].(map[string]any)["id"] != id2 || l.get("has_more") != true ||
		l.str("url") != "/v1/webhook_endpoints" {
		t.Errorf("first page: %s", l.body)
	}
	l = e.get("/v1/webhook_endpoints?limit=1&starting_after="+id2, e.key)
	if data, _ := l.get("data").([]any); len(data) != 1 || data[0].(map[string]any)["id"] != id || l.get("has_more") != false {
		t.Errorf("second page: %s", l.body)
	}

	// Delete: gone for good.
	del := e.do("DELETE", "/v1/webhook_endpoints/"+id, e.key, "", nil)
	if del.status != 200 || del.str("id") != id || del.str("object") != "webhook_endpoint" || del.get("deleted") != true || len(del.json) != 3 {
		t.Errorf("delete: %d %s", del.status, del.body)
	}
	for _, r := range []*response{
		e.get("/v1/webhook_endpoints/"+id, e.key),
		e.do("DELETE", "/v1/webhook_endpoints/"+id, e.key, "", nil),
		e.postJSON("/v1/webhook_endpoints/"+id, e.key, map[string]any{"description": "x"}),
		e.do("POST", "/v1/webhook_endpoints/"+id+"/rotate_secret", e.key, "", nil),
	} {
		if r.status != 404 || r.str("error", "code") != "resource_missing" || r.str("error", "param") != "id" {
			t.Errorf("a deleted endpoint: %d %s", r.status, r.body)
		}
	}
	if l := e.get("/v1/webhook_endpoints", e.key); len(l.get("data").([]any)) != 1 {
		t.Errorf("list after delete: %s", l.body)
	}
}

// TestWebhookTenantIsolation checks that another account, and the other mode
// of the same account, see none of an endpoint or of an event's deliveries.
func TestWebhookTenantIsolation(t *testing.T) {
	e := newEnv(t)
	e.webhooks(true)
	rcv := newWHReceiver(t)
	id, secret := e.newEndpoint(e.key, map[string]any{"url": rcv.url(), "enabled_events": []string{"*"}})
	idB, _ := e.newEndpoint(e.keyB, map[string]any{"url": rcv.url(), "enabled_events": []string{"checkout.session.canceled"}})
	evID := e.expiredEvent(e.key)
	e.attempted(testScopeA, evID, 1)
	before := e.endpointsState()

	for _, key := range []string{e.keyB, e.liveA} {
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/v1/webhook_endpoints/" + id, nil},
			{"POST", "/v1/webhook_endpoints/" + id, map[string]any{"url": "https://evil.example/steal"}},
			{"POST", "/v1/webhook_endpoints/" + id, map[string]any{"disabled": true}},
			{"POST", "/v1/webhook_endpoints/" + id + "/rotate_secret", nil},
			{"DELETE", "/v1/webhook_endpoints/" + id, nil},
			{"GET", "/v1/events/" + evID + "/deliveries", nil},
			{"POST", "/v1/events/" + evID + "/resend", nil},
			{"POST", "/v1/events/" + evID + "/resend", map[string]any{"webhook_endpoint": id}},
		} {
			var r *response
			if c.body != nil {
				b, _ := json.Marshal(c.body)
				r = e.do(c.method, c.path, key, "application/json", b)
			} else {
				r = e.do(c.method, c.path, key, "", nil)
			}
			if r.status != 404 || r.str("error", "code") != "resource_missing" {
				t.Errorf("%s %s with another scope's key: %d %s", c.method, c.path, r.status, r.body)
			}
			if bytes.Contains(r.body, []byte(rcv.srv.URL)) {
				t.Errorf("%s %s: the answer shows the endpoint's URL: %s", c.method, c.path, r.body)
			}
		}
		if l := e.get("/v1/webhook_endpoints", key); bytes.Contains(l.body, []byte(id)) {
			t.Errorf("another scope lists the endpoint: %s", l.body)
		}
		if l := e.get("/v1/webhook_endpoints?starting_after="+id, key); l.status != 404 {
			t.Errorf("another scope pages from the endpoint: %d %s", l.status, l.body)
		}
	}
	// Resending one's own event to another account's endpoint names the endpoint.
	r := e.postJSON("/v1/events/"+evID+"/resend", e.key, map[string]any{"webhook_endpoint": idB})
	if r.status != 404 || r.str("error", "param") != "webhook_endpoint" {
		t.Errorf("resend to another account's endpoint: %d %s", r.status, r.body)
	}
	if after := e.endpointsState(); after != before {
		t.Error("requests from other scopes changed an endpoint")
	}
	// The owner still sees one delivery, and the endpoint still signs with
	// the secret it was given.
	if d := e.get("/v1/events/"+evID+"/deliveries", e.key); len(d.get("data").([]any)) != 1 {
		t.Errorf("the owner's deliveries: %s", d.body)
	}
	got := rcv.wait(t, 1)
	if len(got) != 1 {
		t.Errorf("the receiver got %d requests, want 1", len(got))
	}
	whVerify(t, got[0], secret)
}

// TestWebhookDelivered checks a delivered event: the receiver gets the event
// as the API shows it, signed both ways, and its deliveries show one attempt
// answered 200.
func TestWebhookDelivered(t *testing.T) {
	e := newEnv(t)
	e.webhooks(true)
	rcv := newWHReceiver(t)
	other := newWHReceiver(t)
	id, secret := e.newEndpoint(e.key, map[string]any{"url": rcv.url(), "enabled_events": []string{"checkout.session.expired"}})
	e.newEndpoint(e.key, map[string]any{"url": other.url(), "enabled_events": []string{"checkout.session.completed"}})

	evID := e.expiredEvent(e.key)
	e.attempted(testScopeA, evID, 1)
	got := rcv.wait(t, 1)
	ev := whVerify(t, got[0], secret)
	if ev.ID != evID || ev.Type != "checkout.session.expired" {
		t.Errorf("received %s %s, want %s", ev.ID, ev.Type, evID)
	}
	var sent, shown any
	json.Unmarshal(got[0].body, &sent)
	json.Unmarshal(e.get("/v1/events/"+evID, e.key).body, &shown)
	if a, b := oaJSON(t, sent), oaJSON(t, shown); !bytes.Equal(a, b) {
		t.Errorf("the webhook body is not the event as the API shows it:\n%s\n%s", a, b)
	}
	if ct := got[0].header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	whRefused(t, got[0], webhook.NewSecret())

	r := e.get("/v1/events/"+evID+"/deliveries", e.key)
	data, _ := r.get("data").([]any)
	if r.status != 200 || len(data) != 1 || r.str("url") != "/v1/events/"+evID+"/deliveries" || r.get("has_more") != false {
		t.Fatalf("deliveries: %d %s", r.status, r.body)
	}
	d := data[0].(map[string]any)
	attempts, _ := d["attempts"].([]any)
	if d["object"] != "webhook_delivery" || d["event"] != evID || d["webhook_endpoint"] != id || d["status"] != "delivered" ||
		d["next_attempt_at"] != nil || len(attempts) != 1 || !strings.HasPrefix(d["id"].(string), "whd_") {
		t.Fatalf("delivery: %s", r.body)
	}
	a := attempts[0].(map[string]any)
	if a["status_code"] != 200.0 || a["error"] != nil || a["attempted_at"] == "" {
		t.Errorf("attempt: %v", a)
	}
	if lat, _ := a["latency_ms"].(float64); lat < 0 {
		t.Errorf("latency_ms %v", a["latency_ms"])
	}
	if n := len(other.requests()); n != 0 {
		t.Errorf("an endpoint that does not want the type got %d requests", n)
	}
	// An event no endpoint wanted has no deliveries; an unknown event is a 404.
	if r := e.get("/v1/events/evt_nope/deliveries", e.key); r.status != 404 || r.str("error", "param") != "id" {
		t.Errorf("deliveries of an unknown event: %d %s", r.status, r.body)
	}
}

// TestWebhookDisabledEndpointGetsNothing checks that a disabled endpoint is
// left out of the fan-out and of resends, and gets events again once enabled.
func TestWebhookDisabledEndpointGetsNothing(t *testing.T) {
	e := newEnv(t)
	e.webhooks(true)
	on, off := newWHReceiver(t), newWHReceiver(t)
	onID, _ := e.newEndpoint(e.key, map[string]any{"url": on.url(), "enabled_events": []string{"*"}})
	offID, offSecret := e.newEndpoint(e.key, map[string]any{"url": off.url(), "enabled_events": []string{"*"}})
	if r := e.postJSON("/v1/webhook_endpoints/"+offID, e.key, map[string]any{"disabled": true}); r.status != 200 || r.str("status") != "disabled" {
		t.Fatalf("disable: %d %s", r.status, r.body)
	}

	evID := e.expiredEvent(e.key)
	ds := e.attempted(testScopeA, evID, 1)
	if ds[0].EndpointID != onID {
		t.Errorf("the delivery goes to %s, want %s", ds[0].EndpointID, onID)
	}
	on.wait(t, 1)
	r := e.postJSON("/v1/events/"+evID+"/resend", e.key, map[string]any{"webhook_endpoint": offID})
	if r.status != 400 || r.str("error", "code") != "endpoint_disabled" || r.str("error", "param") != "webhook_endpoint" {
		t.Errorf("resend to a disabled endpoint: %d %s", r.status, r.body)
	}
	all := e.do("POST", "/v1/events/"+evID+"/resend", e.key, "", nil)
	if data, _ := all.get("data").([]any); all.status != 200 || len(data) != 1 || data[0].(map[string]any)["webhook_endpoint"] != onID {
		t.Errorf("resend to all: %d %s", all.status, all.body)
	}
	e.attempted(testScopeA, evID, 2)
	on.wait(t, 2)
	if n := len(off.requests()); n != 0 {
		t.Fatalf("the disabled endpoint got %d requests", n)
	}

	// Enabled again, it receives the next event (and nothing from before).
	if r := e.postJSON("/v1/webhook_endpoints/"+offID, e.key, map[string]any{"disabled": false}); r.status != 200 || r.str("status") != "enabled" {
		t.Fatalf("enable: %d %s", r.status, r.body)
	}
	ev2 := e.expiredEvent(e.key)
	e.attempted(testScopeA, ev2, 2)
	got := off.wait(t, 1)
	if len(got) != 1 || whVerify(t, got[0], offSecret).ID != ev2 {
		t.Errorf("the enabled endpoint got %d requests", len(got))
	}
}

// TestWebhookResendKeepsEventID checks that a resend carries the same event,
// under the same id, signed as before.
func TestWebhookResendKeepsEventID(t *testing.T) {
	e := newEnv(t)
	e.webhooks(true)
	rcv := newWHReceiver(t)
	id, secret := e.newEndpoint(e.key, map[string]any{"url": rcv.url(), "enabled_events": []string{"checkout.session.expired"}})
	evID := e.expiredEvent(e.key)
	first := e.attempted(testScopeA, evID, 1)[0]

	r := e.postJSON("/v1/events/"+evID+"/resend", e.key, map[string]any{"webhook_endpoint": id})
	data, _ := r.get("data").([]any)
	if r.status != 200 || len(data) != 1 {
		t.Fatalf("resend: %d %s", r.status, r.body)
	}
	d := data[0].(map[string]any)
	if d["id"] == first.ID || d["event"] != evID || d["webhook_endpoint"] != id || d["status"] != "pending" || len(d["attempts"].([]any)) != 0 {
		t.Errorf("the new delivery: %s", r.body)
	}
	ds := e.attempted(testScopeA, evID, 2)
	got := rcv.wait(t, 2)
	if len(got) != 2 {
		t.Fatalf("the receiver got %d requests, want 2", len(got))
	}
	a, b := whVerify(t, got[0], secret), whVerify(t, got[1], secret)
	if a.ID != evID || b.ID != evID {
		t.Errorf("event ids %s and %s, want %s twice", a.ID, b.ID, evID)
	}
	if !bytes.Equal(got[0].body, got[1].body) {
		t.Errorf("the resent body differs:\n%s\n%s", got[0].body, got[1].body)
	}
	for _, d := range ds {
		if d.Status != checkout.DeliveryDelivered || len(d.Attempts) != 1 {
			t.Errorf("delivery %s: %s after %d attempts", d.ID, d.Status, len(d.Attempts))
		}
	}
	// An event no endpoint wants: resending to all plans nothing.
	e.postJSON("/v1/webhook_endpoints/"+id, e.key, map[string]any{"enabled_events": []string{"payment.succeeded"}})
	if r := e.do("POST", "/v1/events/"+evID+"/resend", e.key, "application/json", []byte("{}")); r.status != 200 || len(r.get("data").([]any)) != 0 {
		t.Errorf("resend with no endpoint wanting the type: %d %s", r.status, r.body)
	}
	if r := e.postJSON("/v1/events/evt_nope/resend", e.key, map[string]any{}); r.status != 404 || r.str("error", "param") != "id" {
		t.Errorf("resend of an unknown event: %d %s", r.status, r.body)
	}
	if r := e.postJSON("/v1/events/"+evID+"/resend", e.key, map[string]any{"webhook_endpoint": "we_nope"}); r.status != 404 || r.str("error", "param") != "webhook_endpoint" {
		t.Errorf("resend to an unknown endpoint: %d %s", r.status, r.body)
	}
}

// TestWebhookRotation checks that after a rotation the next request verifies
// with both the old and the new secret.
func TestWebhookRotation(t *testing.T) {
	e := newEnv(t)
	e.webhooks(true)
	rcv := newWHReceiver(t)
	id, old := e.newEndpoint(e.key, map[string]any{"url": rcv.url(), "enabled_events": []string{"*"}})
	ev1 := e.expiredEvent(e.key)
	e.attempted(testScopeA, ev1, 1)
	before := rcv.wait(t, 1)[0]
	whVerify(t, before, old)
	if n := strings.Count(before.header.Get(webhook.HeaderCheckoutSignature), "v1="); n != 1 {
		t.Errorf("before the rotation: %d signatures", n)
	}

	r := e.postJSON("/v1/webhook_endpoints/"+id+"/rotate_secret", e.key, map[string]any{})
	fresh := r.str("secret")
	if r.status != 200 || fresh == "" || fresh == old {
		t.Fatalf("rotate: %d %s", r.status, r.body)
	}
	ev2 := e.expiredEvent(e.key)
	e.attempted(testScopeA, ev2, 1)
	after := rcv.wait(t, 2)[1]
	if got := whVerify(t, after, old).ID; got != ev2 {
		t.Errorf("after the rotation the receiver got %s, want %s", got, ev2)
	}
	whVerify(t, after, fresh)
	whRefused(t, before, fresh)
	if n := strings.Count(after.header.Get(webhook.HeaderCheckoutSignature), "v1="); n != 2 {
		t.Errorf("during the overlap: %d Stripe-style signatures, want 2", n)
	}
	if n := len(strings.Fields(after.header.Get(webhook.HeaderWebhookSignature))); n != 2 {
		t.Errorf("during the overlap: %d Standard Webhooks signatures, want 2", n)
	}

	// A second rotation: the newest secret and the one before it sign.
	newest := e.do("POST", "/v1/webhook_endpoints/"+id+"/rotate_secret", e.key, "", nil).str("secret")
	if r := e.postJSON("/v1/events/"+ev2+"/resend", e.key, map[string]any{"webhook_endpoint": id}); r.status != 200 {
		t.Fatalf("resend: %d %s", r.status, r.body)
	}
	e.attempted(testScopeA, ev2, 2)
	third := rcv.wait(t, 3)[2]
	whVerify(t, third, newest)
	whVerify(t, third, fresh)
	// Rotation takes no parameters.
	if r := e.postJSON("/v1/webhook_endpoints/"+id+"/rotate_secret", e.key, map[string]any{"overlap": 0}); r.status != 400 ||
		r.str("error", "code") != "parameter_unknown" || r.str("error", "param") != "overlap" {
		t.Errorf("rotate with a parameter: %d %s", r.status, r.body)
	}
}

// TestWebhookBadInput sends invalid creates and updates, each refused with a
// 400 naming the parameter, and checks that nothing was written.
func TestWebhookBadInput(t *testing.T) {
	e := newEnv(t)
	e.webhooks(false) // the production policy: no private targets
	good := "https://hooks.example.com/checkoutd"
	id, _ := e.newEndpoint(e.key, map[string]any{"url": good, "enabled_events": []string{"*"}, "metadata": map[string]string{"k": "v"}})
	tooMany := map[string]string{}
	for i := range service.MaxMetadataKeys + 1 {
		tooMany["k"+strconv.Itoa(i)] = "v"
	}
	all := []string{"*"}
	create := "/v1/webhook_endpoints"
	update := "/v1/webhook_endpoints/" + id
	form := "application/x-www-form-urlencoded"
	for _, c := range []struct {
		name        string
		path, key   string
		contentType string
		body        any // a map is sent as JSON, a string as is
		status      int
		code, param string
	}{
		{"missing url", create, "", "", map[string]any{"enabled_events": all}, 400, "parameter_missing", "url"},
		{"empty url", create, "", "", map[string]any{"url": "", "enabled_events": all}, 400, "url_invalid", "url"},
		{"url not a string", create, "", "", map[string]any{"url": 42, "enabled_events": all}, 400, "parameter_invalid_string", "url"},
		{"javascript: url", create, "", "", map[string]any{"url": "javascript:alert(document.cookie)", "enabled_events": all}, 400, "url_invalid", "url"},
		{"ftp url", create, "", "", map[string]any{"url": "ftp://hooks.example.com/in", "enabled_events": all}, 400, "url_invalid", "url"},
		{"relative url", create, "", "", map[string]any{"url": "/hooks", "enabled_events": all}, 400, "url_invalid", "url"},
		{"credentials", create, "", "", map[string]any{"url": "https://user:pass@hooks.example.com/in", "enabled_events": all}, 400, "url_invalid", "url"},
		{"metadata service", create, "", "", map[string]any{"url": "http://169.254.169.254/latest/meta-data/", "enabled_events": all}, 400, "url_invalid", "url"},
		{"localhost", create, "", "", map[string]any{"url": "http://localhost:8080/hooks", "enabled_events": all}, 400, "url_invalid", "url"},
		{"loopback", create, "", "", map[string]any{"url": "http://127.0.0.1:8080/hooks", "enabled_events": all}, 400, "url_invalid", "url"},
		{"loopback in decimal", create, "", "", map[string]any{"url": "http://2130706433/hooks", "enabled_events": all}, 400, "url_invalid", "url"},
		{"IPv6 loopback", create, "", "", map[string]any{"url": "http://[::1]/hooks", "enabled_events": all}, 400, "url_invalid", "url"},
		{"private network", create, "", "", map[string]any{"url": "https://10.0.0.7/hooks", "enabled_events": all}, 400, "url_invalid", "url"},
		{"http with a live key", create, "live", "", map[string]any{"url": "http://hooks.example.com/in", "enabled_events": all}, 400, "url_invalid", "url"},
		{"missing enabled_events", create, "", "", map[string]any{"url": good}, 400, "parameter_missing", "enabled_events"},
		{"empty enabled_events", create, "", "", map[string]any{"url": good, "enabled_events": []string{}}, 400, "parameter_missing", "enabled_events"},
		{"unknown event type", create, "", "", map[string]any{"url": good, "enabled_events": []string{"payment.succeeded", "charge.succeeded"}}, 400, "parameter_invalid", "enabled_events[1]"},
		{"wildcard prefix", create, "", "", map[string]any{"url": good, "enabled_events": []string{"checkout.session.*"}}, 400, "parameter_invalid", "enabled_events[0]"},
		{"enabled_events not an array", create, "", "", map[string]any{"url": good, "enabled_events": "payment.succeeded"}, 400, "parameter_invalid_array", "enabled_events"},
		{"enabled_events of numbers", create, "", "", map[string]any{"url": good, "enabled_events": []int{1}}, 400, "parameter_invalid_string", "enabled_events[0]"},
		{"enabled_events plain in a form", create, "", form, "url=" + url.QueryEscape(good) + "&enabled_events=payment.succeeded", 400, "parameter_invalid_array", "enabled_events"},
		{"unknown parameter", create, "", "", map[string]any{"url": good, "enabled_events": all, "events": all}, 400, "parameter_unknown", "events"},
		{"disabled on create", create, "", "", map[string]any{"url": good, "enabled_events": all, "disabled": true}, 400, "parameter_unknown", "disabled"},
		{"too many metadata keys", create, "", "", map[string]any{"url": good, "enabled_events": all, "metadata": tooMany}, 400, "metadata_invalid", "metadata"},
		{"metadata not an object", create, "", "", map[string]any{"url": good, "enabled_events": all, "metadata": "k=v"}, 400, "parameter_invalid_object", "metadata"},
		{"description too long", create, "", "", map[string]any{"url": good, "enabled_events": all, "description": strings.Repeat("d", 501)}, 400, "parameter_invalid", "description"},
		{"query string on create", create + "?url=" + url.QueryEscape(good), "", "", map[string]any{"enabled_events": all}, 400, "parameter_unknown", ""},
		{"not JSON", create, "", "application/json", `{"url":`, 400, "invalid_json", ""},
		{"update: disabled not a bool", update, "", "", map[string]any{"disabled": "yes"}, 400, "parameter_invalid_boolean", "disabled"},
		{"update: disabled not a bool in a form", update, "", form, "disabled=1", 400, "parameter_invalid_boolean", "disabled"},
		{"update: url to the loopback", update, "", "", map[string]any{"url": "http://127.0.0.1/hooks"}, 400, "url_invalid", "url"},
		{"update: url with credentials", update, "", "", map[string]any{"url": "https://a:b@hooks.example.com/"}, 400, "url_invalid", "url"},
		{"update: empty enabled_events", update, "", "", map[string]any{"enabled_events": []string{}}, 400, "parameter_missing", "enabled_events"},
		{"update: unknown event type", update, "", "", map[string]any{"enabled_events": []string{"*", "customer.created"}}, 400, "parameter_invalid", "enabled_events[1]"},
		{"update: too many metadata keys", update, "", "", map[string]any{"metadata": tooMany}, 400, "metadata_invalid", "metadata"},
		{"update: unknown parameter", update, "", "", map[string]any{"secret": "whsec_mine"}, 400, "parameter_unknown", "secret"},
		{"update: a valid change with a bad one", update, "", "", map[string]any{"description": "new", "url": "ftp://x.example/"}, 400, "url_invalid", "url"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := e.endpointsState()
			key := e.key
			if c.key == "live" {
				key = e.liveA
			}
			var body []byte
			ct := c.contentType
			switch b := c.body.(type) {
			case string:
				body = []byte(b)
			default:
				body = oaJSON(t, b)
				if ct == "" {
					ct = "application/json"
				}
			}
			r := e.do("POST", c.path, key, ct, body, "Idempotency-Key", "bad-"+c.name)
			param := r.get("error", "param")
			if c.param == "" && param != nil || c.param != "" && param != c.param {
				t.Errorf("param %v, want %q", param, c.param)
			}
			if r.status != c.status || r.str("error", "code") != c.code || r.str("error", "type") != "invalid_request_error" {
				t.Errorf("%d %s %s, want %d %s", r.status, r.str("error", "type"), r.str("error", "code"), c.status, c.code)
			}
			if t.Failed() {
				t.Logf("body: %s", r.body)
			}
			if after := e.endpointsState(); after != before {
				t.Errorf("a refused request changed the endpoints")
			}
		})
	}
	// The refused keys were released: a corrected request may reuse one.
	r := e.postJSON(create, e.key, map[string]any{"url": good, "enabled_events": all}, "Idempotency-Key", "bad-missing url")
	if r.status != 200 {
		t.Errorf("a corrected retry under a refused key: %d %s", r.status, r.body)
	}
	// At most 16 endpoints per account and mode.
	for range 14 {
		e.newEndpoint(e.key, map[string]any{"url": good, "enabled_events": all})
	}
	before := e.endpointsState()
	if r := e.postJSON(create, e.key, map[string]any{"url": good, "enabled_events": all}); r.status != 400 ||
		r.str("error", "code") != "endpoint_limit" || r.str("error", "param") != "url" {
		t.Errorf("a 17th endpoint: %d %s", r.status, r.body)
	}
	if e.endpointsState() != before {
		t.Error("the refused 17th endpoint was written")
	}
	if r := e.postJSON(create, e.keyB, map[string]any{"url": good, "enabled_events": all}); r.status != 200 {
		t.Errorf("another account's first endpoint: %d %s", r.status, r.body)
	}
}

// 40 creates at once in one account and mode leave exactly 16 endpoints:
// the store enforces the limit, so the requests cannot all pass a count
// taken before any of them wrote. The refused ones get the usual answer.
func TestWebhookEndpointLimitConcurrent(t *testing.T) {
	e := newEnv(t)
	e.webhooks(false)
	const n = 40
	body := []byte(`{"url":"https://shop.example/hooks","enabled_events":["*"]}`)
	statuses := make([]int, n)
	answers := make([]map[string]any, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			req, err := http.NewRequest("POST", e.srv.URL+"/v1/webhook_endpoints", bytes.NewReader(body))
			if err != nil {
				errs[i] = err
				return
			}
			req.Header.Set("Authorization", "Bearer "+e.key)
			req.Header.Set("Content-Type", "application/json")
			res, err := e.client.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer res.Body.Close()
			statuses[i] = res.StatusCode
			errs[i] = json.NewDecoder(res.Body).Decode(&answers[i])
		})
	}
	close(start)
	wg.Wait()
	created, refused := 0, 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		r := &response{status: statuses[i], json: answers[i]}
		switch {
		case r.status == 200:
			created++
		case r.status == 400 && r.str("error", "code") == "endpoint_limit" && r.str("error", "param") == "url" &&
			r.str("error", "type") == "invalid_request_error":
			refused++
		default:
			t.Errorf("request %d: %d %v", i, r.status, r.json)
		}
	}
	if created != 16 || refused != n-16 {
		t.Errorf("%d created and %d refused, want 16 and %d", created, refused, n-16)
	}
	p, err := e.store.ListEndpoints(context.Background(), checkout.Scope{AccountID: e.accts[0]}, checkout.ListParams{Limit: 100})
	if err != nil || len(p.Items) != 16 {
		t.Errorf("%d endpoints stored (%v), want 16", len(p.Items), err)
	}
}

// A create replayed through its Idempotency-Key returns the secret again,
// but the kept response is sealed: the secret is nowhere in the store.
func TestWebhookSecretNotKeptInClear(t *testing.T) {
	e := newEnv(t)
	e.webhooks(false)
	body := map[string]any{"url": "https://shop.example/hooks", "enabled_events": []string{"*"}}
	first := e.postJSON("/v1/webhook_endpoints", e.key, body, "Idempotency-Key", "ep-1")
	secret := first.str("secret")
	if first.status != 200 || secret == "" {
		t.Fatalf("%d %s", first.status, first.body)
	}
	replay := e.postJSON("/v1/webhook_endpoints", e.key, body, "Idempotency-Key", "ep-1")
	if string(replay.body) != string(first.body) || replay.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay differs: %s", replay.body)
	}
	rec, err := e.store.ClaimIdempotencyKey(context.Background(), &checkout.IdempotencyRecord{Scope: checkout.Scope{AccountID: "acct_a"}, Key: "ep-1", Created: e.clock.Now()})
	if err != nil || rec == nil {
		t.Fatal("no record", err)
	}
	if strings.Contains(string(rec.Body), secret) || strings.Contains(string(rec.Body), "whsec_") {
		t.Fatal("the kept response holds the secret in clear")
	}
}
