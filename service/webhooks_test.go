package service_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/seal"
	"github.com/checkoutd/checkoutd/service"
	"github.com/checkoutd/checkoutd/webhook"
)

// Script steps of a receiver besides HTTP statuses.
const (
	stepReset   = 0  // reset the connection (RST), no answer
	stepTimeout = -1 // answer nothing until the client gives up
)

// receiver is a merchant endpoint on loopback that answers from a script.
type receiver struct {
	mu       sync.Mutex
	script   []int // status (or step) per request; past the end: 200
	requests []received
	srv      *httptest.Server
}

type received struct {
	at     time.Time
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, script ...int) *receiver {
	r := &receiver{script: script}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		n := len(r.requests)
		r.requests = append(r.requests, received{time.Now(), req.Header.Clone(), body})
		status := 200
		if n < len(r.script) {
			status = r.script[n]
		}
		r.mu.Unlock()
		switch status {
		case stepReset:
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.(*net.TCPConn).SetLinger(0) // close with RST, not FIN
			conn.Close()
			return
		case stepTimeout:
			select {
			case <-req.Context().Done(): // the client hung up
			case <-time.After(10 * time.Second):
			}
			status = 200 // too late: nobody is listening
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) got() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.requests...)
}

// The compressed retry schedule and delivery timeout of these tests.
var testSchedule = []time.Duration{20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond}

const testTimeout = 300 * time.Millisecond

// testEvents is a small webhook body: the service's tests need no API shape.
type testEvents struct{}

func (testEvents) EncodeEvent(ev *checkout.Event) ([]byte, error) {
	return json.Marshal(map[string]any{"id": ev.ID, "object": "event", "type": ev.Type, "created": ev.Created.Unix(), "sequence": ev.Sequence})
}

// webhooks configures f's service to deliver webhooks to loopback receivers
// on testSchedule, changed further by change if given, and runs its delivery
// worker until the test ends.
func (f *fixture) webhooks(t *testing.T, change ...func(*service.Config)) {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	sealer, err := seal.New(key)
	if err != nil {
		t.Fatal(err)
	}
	f.configure(func(c *service.Config) {
		c.Sealer = sealer
		c.Webhooks.AllowPrivate = true
		c.Webhooks.RetrySchedule = testSchedule
		c.Webhooks.Timeout = testTimeout
		c.Events = testEvents{}
		for _, ch := range change {
			ch(c)
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.svc.RunDeliveries(ctx, 10*time.Millisecond); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestWebhookRetriesUntilDelivered: a receiver that fails with 500, then a
// timeout, then a connection reset, then 200. Exactly one successful attempt
// is recorded, the failures say what went wrong, and the attempts are spaced
// by the schedule (less its jitter of at most 10%).
func TestWebhookRetriesUntilDelivered(t *testing.T) {
	f := newFixture(t)
	f.webhooks(t)
	rcv := newReceiver(t, 500, stepTimeout, stepReset, 200)
	url := rcv.srv.URL + "/hooks"
	_, secret, err := f.svc.CreateEndpoint(f.ctx, f.scope, service.EndpointParams{URL: &url, EnabledEvents: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	s := f.session(t)
	if _, err := f.svc.ExpireSession(f.ctx, f.scope, s.ID); err != nil {
		t.Fatal(err)
	}
	var ds []*checkout.Delivery
	waitFor(t, "the delivery", func() bool {
		p, err := f.store.ListEvents(f.ctx, f.scope, checkout.EventFilter{ListParams: checkout.ListParams{Limit: 1}})
		if err != nil || len(p.Items) == 0 {
			return false
		}
		ds, _ = f.svc.ListDeliveries(f.ctx, f.scope, p.Items[0].ID)
		return len(ds) == 1 && ds[0].Status != checkout.DeliveryPending
	})
	got, at := rcv.got(), ds[0].Attempts
	if ds[0].Status != checkout.DeliveryDelivered || len(got) != 4 || len(at) != 4 {
		t.Fatalf("delivery %s: %d requests, %d attempts recorded: %+v", ds[0].Status, len(got), len(at), at)
	}
	successes := 0
	for _, a := range at {
		if a.StatusCode/100 == 2 {
			successes++
		}
	}
	if successes != 1 || at[3].StatusCode != 200 || at[3].Error != "" {
		t.Errorf("%d successful attempts, the last %+v", successes, at[3])
	}
	if at[0].StatusCode != 500 {
		t.Errorf("attempt 1: %+v, want 500", at[0])
	}
	if at[1].StatusCode != 0 || !strings.Contains(at[1].Error, "timeout") || at[1].Latency < testTimeout {
		t.Errorf("attempt 2: %+v, want a timeout after %v", at[1], testTimeout)
	}
	if at[2].StatusCode != 0 || !strings.Contains(at[2].Error, "connection reset") {
		t.Errorf("attempt 3: %+v, want a connection reset", at[2])
	}
	t.Logf("attempts: %+v", at)
	// A retry waits its step (±10% jitter) after the attempt before ended.
	for i := 1; i < len(at); i++ {
		ended := at[i-1].At.Add(at[i-1].Latency)
		if gap, want := at[i].At.Sub(ended), testSchedule[i-1]*9/10; gap < want {
			t.Errorf("attempt %d came %v after attempt %d ended; the schedule says at least %v", i+1, gap, i, want)
		}
		if gap, want := got[i].at.Sub(got[i-1].at), testSchedule[i-1]*9/10; gap < want {
			t.Errorf("request %d arrived %v after request %d; the schedule says at least %v", i+1, gap, i, want)
		}
	}
	// Every attempt is signed afresh, both ways, with the same event id.
	for _, r := range got {
		ev, err := webhook.ConstructEvent(r.body, r.header.Get("Checkout-Signature"), secret)
		if err != nil || ev.Type != checkout.EventSessionExpired {
			t.Fatalf("Checkout-Signature: %v", err)
		}
		if err := webhook.VerifyStandard(r.body, r.header, secret, 0); err != nil {
			t.Fatalf("webhook-signature: %v", err)
		}
		if r.header.Get("webhook-id") != ev.ID {
			t.Fatalf("webhook-id %q, event %q", r.header.Get("webhook-id"), ev.ID)
		}
	}
}

func TestWebhookGoneDisablesEndpoint(t *testing.T) {
	f := newFixture(t)
	f.webhooks(t)
	rcv := newReceiver(t, 410)
	url := rcv.srv.URL
	ep, _, err := f.svc.CreateEndpoint(f.ctx, f.scope, service.EndpointParams{URL: &url, EnabledEvents: []string{checkout.EventSessionExpired}})
	if err != nil {
		t.Fatal(err)
	}
	f.svc.ExpireSession(f.ctx, f.scope, f.session(t).ID)
	waitFor(t, "the endpoint to be disabled", func() bool {
		e, _ := f.svc.GetEndpoint(f.ctx, f.scope, ep.ID)
		return e.Disabled
	})
	if n := len(rcv.got()); n != 1 {
		t.Fatalf("%d requests after 410", n)
	}
	// The disable is announced once, with the endpoint's snapshot and
	// never its secrets.
	var evs []*checkout.Event
	waitFor(t, "the webhook_endpoint.disabled event", func() bool {
		p, err := f.store.ListEvents(f.ctx, f.scope, checkout.EventFilter{Type: checkout.EventEndpointDisabled, ListParams: checkout.ListParams{Limit: 10}})
		evs = p.Items
		return err == nil && len(evs) > 0
	})
	e, _ := f.svc.GetEndpoint(f.ctx, f.scope, ep.ID)
	if len(evs) != 1 || evs[0].ObjectID != ep.ID || evs[0].Endpoint == nil || !evs[0].Endpoint.Disabled ||
		evs[0].Endpoint.DisabledReason != e.DisabledReason || evs[0].Sequence != e.Version {
		t.Fatalf("events %+v, endpoint %+v", evs, e)
	}
	if evs[0].Endpoint.Secrets != nil {
		t.Fatal("the event keeps the endpoint's secrets")
	}
}

func TestWebhookRotationSignsWithBoth(t *testing.T) {
	f := newFixture(t)
	f.webhooks(t)
	rcv := newReceiver(t)
	url := rcv.srv.URL
	ep, oldSecret, err := f.svc.CreateEndpoint(f.ctx, f.scope, service.EndpointParams{URL: &url, EnabledEvents: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	_, newSecret, err := f.svc.RotateSecret(f.ctx, f.scope, ep.ID)
	if err != nil || newSecret == oldSecret {
		t.Fatal(err)
	}
	f.svc.ExpireSession(f.ctx, f.scope, f.session(t).ID)
	waitFor(t, "a request", func() bool { return len(rcv.got()) == 1 })
	r := rcv.got()[0]
	for _, secret := range []string{oldSecret, newSecret} {
		if _, err := webhook.ConstructEvent(r.body, r.header.Get("Checkout-Signature"), secret); err != nil {
			t.Fatalf("secret does not verify during the overlap: %v", err)
		}
	}
}

func TestWebhookEndpointValidation(t *testing.T) {
	f := newFixture(t)
	f.webhooks(t, func(c *service.Config) { c.Webhooks.AllowPrivate = false })
	for _, u := range []string{"http://127.0.0.1:9/x", "http://169.254.169.254/latest", "ftp://example.com/", "http://localhost/hook"} {
		if _, _, err := f.svc.CreateEndpoint(f.ctx, f.scope, service.EndpointParams{URL: &u, EnabledEvents: []string{"*"}}); checkout.ErrorKind(err) != checkout.KindInvalid {
			t.Errorf("%s accepted: %v", u, err)
		}
	}
	u := "https://example.com/hook"
	if _, _, err := f.svc.CreateEndpoint(f.ctx, f.scope, service.EndpointParams{URL: &u, EnabledEvents: []string{"order.shipped"}}); checkout.ErrorKind(err) != checkout.KindInvalid {
		t.Errorf("unknown event type accepted: %v", err)
	}
}

// TestWebhookEndpointConcurrencyBounded sends a burst of events to one
// endpoint that holds every request until the test lets go, and counts the
// requests it has open at once: that many as service.EndpointConcurrency
// while there is work for them, never more. Holding the requests, rather
// than answering after a fixed delay, keeps the count from depending on
// how fast a loaded machine makes the events.
func TestWebhookEndpointConcurrencyBounded(t *testing.T) {
	f := newFixture(t)
	// The held requests must not time out and be sent again.
	f.webhooks(t, func(c *service.Config) { c.Webhooks.Timeout = time.Minute })
	var mu sync.Mutex
	open, most, total := 0, 0, 0
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		open++
		most = max(most, open)
		mu.Unlock()
		<-release
		mu.Lock()
		open--
		total++
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	var once sync.Once
	letGo := func() { once.Do(func() { close(release) }) }
	t.Cleanup(letGo) // before srv.Close, which waits for the handlers
	url := srv.URL + "/hooks"
	if _, _, err := f.svc.CreateEndpoint(f.ctx, f.scope, service.EndpointParams{URL: &url, EnabledEvents: []string{"*"}}); err != nil {
		t.Fatal(err)
	}
	const events = 4 * service.EndpointConcurrency
	for range events {
		if _, err := f.svc.ExpireSession(f.ctx, f.scope, f.session(t).ID); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the bound's worth of requests open", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return open >= service.EndpointConcurrency
	})
	time.Sleep(200 * time.Millisecond) // room for a request beyond the bound to arrive
	mu.Lock()
	if most != service.EndpointConcurrency {
		t.Errorf("%d requests open at once to one endpoint with %d events waiting; want the bound, %d", most, events, service.EndpointConcurrency)
	}
	mu.Unlock()
	letGo()
	waitFor(t, "every delivery", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return total >= events
	})
	if most > service.EndpointConcurrency {
		t.Errorf("%d requests open at once to one endpoint; the bound is %d", most, service.EndpointConcurrency)
	}
}
