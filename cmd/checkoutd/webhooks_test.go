package main_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// hookReceiver collects webhook event ids; while down it answers 500.
type hookReceiver struct {
	mu   sync.Mutex
	down bool
	seen map[string]int
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var ev struct{ ID string }
	body, _ := io.ReadAll(r.Body)
	json.Unmarshal(body, &ev)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	h.seen[ev.ID]++
}

func (h *hookReceiver) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.seen)
}

func apiPost(t *testing.T, base, key, path string, form url.Values) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("POST", base+path, strings.NewReader(form.Encode()))
	req.SetBasicAuth(key, "")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != 200 {
		t.Fatalf("POST %s: %d %v", path, res.StatusCode, out)
	}
	return out
}

// TestWebhooksSurviveSIGKILL kills the server with events written but not
// delivered, starts it again on the same data, and expects every event.
func TestWebhooksSurviveSIGKILL(t *testing.T) {
	rcv := &hookReceiver{down: true, seen: map[string]int{}}
	hs := httptest.NewServer(rcv)
	defer hs.Close()
	data := t.TempDir()
	const key = "sk_test_sigkill_0123456789abcdef"
	flags := []string{"--bootstrap-key", key, "--webhook-allow-private", "--webhook-retry-schedule", strings.Repeat("100ms,", 59) + "100ms"}
	p := startServer(t, data, flags...)
	apiPost(t, p.base, key, "/v1/webhook_endpoints", url.Values{"url": {hs.URL + "/hooks"}, "enabled_events[]": {"*"}})
	const n = 10
	for range n {
		s := apiPost(t, p.base, key, "/v1/checkout/sessions", url.Values{"amount": {"100"}, "success_url": {"https://a.example/ok"}, "cancel_url": {"https://a.example/no"}})
		apiPost(t, p.base, key, "/v1/checkout/sessions/"+s["id"].(string)+"/expire", nil)
	}
	if err := p.cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown, leases left behind
		t.Fatal(err)
	}
	<-p.done
	if rcv.count() != 0 {
		t.Fatal("the receiver accepted events while down")
	}

	rcv.mu.Lock()
	rcv.down = false
	rcv.mu.Unlock()
	p2 := startServer(t, data, flags...)
	// Leases of the killed process last 15 s; the deadline allows for that.
	for deadline := time.Now().Add(30 * time.Second); rcv.count() < n; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Errorf("only %d of %d events arrived after the restart", rcv.count(), n)
			dumpDeliveries(t, p2.base, key)
			t.FailNow()
		}
	}
}

// dumpDeliveries logs every event's deliveries, to see where one stopped.
func dumpDeliveries(t *testing.T, base, key string) {
	get := func(path string) map[string]any {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.SetBasicAuth(key, "")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Log(err)
			return nil
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		return out
	}
	evs, _ := get("/v1/events?limit=100")["data"].([]any)
	for _, e := range evs {
		id := e.(map[string]any)["id"].(string)
		b, _ := json.Marshal(get("/v1/events/" + id + "/deliveries"))
		t.Logf("%s: %s", id, b)
	}
}

// TestWebhookEndpointDisabledAfterFailing lets an endpoint fail (500) for
// longer than --webhook-disable-after (shortened through its environment
// variable) and expects it disabled with its reason, and the disable
// announced by a webhook_endpoint.disabled event, without the secret, that
// reaches a second, healthy endpoint.
func TestWebhookEndpointDisabledAfterFailing(t *testing.T) {
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer failing.Close()
	var mu sync.Mutex
	var got []map[string]any
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev map[string]any
		json.NewDecoder(r.Body).Decode(&ev)
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
	}))
	defer healthy.Close()

	const key = "sk_test_disableafter_0123456789a"
	p := launch(t, func(addr string) ([]string, []string) {
		return []string{"serve", "--addr", addr, "--data", t.TempDir(), "--bootstrap-key", key, "--webhook-allow-private",
				"--webhook-retry-schedule", strings.Repeat("100ms,", 59) + "100ms"},
			[]string{"CHECKOUTD_WEBHOOK_DISABLE_AFTER=1s"}
	})
	bad := apiPost(t, p.base, key, "/v1/webhook_endpoints", url.Values{"url": {failing.URL + "/hooks"}, "enabled_events[]": {"*"}})
	good := apiPost(t, p.base, key, "/v1/webhook_endpoints", url.Values{"url": {healthy.URL + "/hooks"}, "enabled_events[]": {"webhook_endpoint.disabled"}})
	badID := bad["id"].(string)
	s := apiPost(t, p.base, key, "/v1/checkout/sessions", url.Values{"amount": {"100"}, "success_url": {"https://a.example/ok"}, "cancel_url": {"https://a.example/no"}})
	start := time.Now()
	apiPost(t, p.base, key, "/v1/checkout/sessions/"+s["id"].(string)+"/expire", nil)

	var ep map[string]any
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if ep = apiGet(t, p.base, key, "/v1/webhook_endpoints/"+badID); ep["status"] == "disabled" {
			break
		}
		if time.Now().After(deadline) {
			dumpDeliveries(t, p.base, key)
			t.Fatalf("the failing endpoint is still enabled: %v", ep)
		}
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("disabled after %v, before --webhook-disable-after (1s) of failures", took)
	}
	if ep["disabled_reason"] != "deliveries failed for 1s" {
		t.Errorf("disabled_reason %q", ep["disabled_reason"])
	}

	evs := apiGet(t, p.base, key, "/v1/events?type=webhook_endpoint.disabled")["data"].([]any)
	if len(evs) != 1 {
		t.Fatalf("%d webhook_endpoint.disabled events", len(evs))
	}
	ev := evs[0].(map[string]any)
	obj := ev["data"].(map[string]any)["object"].(map[string]any)
	if obj["id"] != badID || obj["object"] != "webhook_endpoint" || obj["status"] != "disabled" || obj["disabled_reason"] != ep["disabled_reason"] {
		t.Errorf("the event's object: %v", obj)
	}
	if _, ok := obj["secret"]; ok {
		t.Error("the event shows the endpoint's secret")
	}
	evID := ev["id"].(string)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the healthy endpoint got no event")
		}
	}
	mu.Lock()
	if len(got) != 1 || got[0]["id"] != evID || got[0]["type"] != "webhook_endpoint.disabled" {
		t.Errorf("the healthy endpoint got %v, want only %s", got, evID)
	}
	mu.Unlock()
	ds := apiGet(t, p.base, key, "/v1/events/"+evID+"/deliveries")["data"].([]any)
	if len(ds) != 1 || ds[0].(map[string]any)["webhook_endpoint"] != good["id"] || ds[0].(map[string]any)["status"] != "delivered" {
		t.Errorf("the event's deliveries: %v", ds)
	}
}

// TestWebhookFailureSequence runs the sequence against the binary:
// a receiver that fails with 500, then lets the request time out (past
// --webhook-timeout), then resets the connection, then answers 200. The
// event's deliveries show four attempts, exactly one successful, errors
// that say timeout and reset, spaced by --webhook-retry-schedule.
func TestWebhookFailureSequence(t *testing.T) {
	var mu sync.Mutex
	var arrivals []time.Time
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		n := len(arrivals)
		arrivals = append(arrivals, time.Now())
		mu.Unlock()
		switch n {
		case 0:
			w.WriteHeader(http.StatusInternalServerError)
		case 1: // no answer until the sender gives up
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		case 2: // RST instead of an answer
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			conn.(*net.TCPConn).SetLinger(0)
			conn.Close()
		}
	}))
	defer rcv.Close()

	const key = "sk_test_sequence_0123456789abcde"
	schedule := []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 600 * time.Millisecond}
	p := startServer(t, t.TempDir(), "--bootstrap-key", key, "--webhook-allow-private",
		"--webhook-retry-schedule", "200ms,400ms,600ms", "--webhook-timeout", "300ms")
	apiPost(t, p.base, key, "/v1/webhook_endpoints", url.Values{"url": {rcv.URL + "/hooks"}, "enabled_events[]": {"checkout.session.expired"}})
	s := apiPost(t, p.base, key, "/v1/checkout/sessions", url.Values{"amount": {"100"}, "success_url": {"https://a.example/ok"}, "cancel_url": {"https://a.example/no"}})
	apiPost(t, p.base, key, "/v1/checkout/sessions/"+s["id"].(string)+"/expire", nil)
	evID := apiGet(t, p.base, key, "/v1/events?type=checkout.session.expired")["data"].([]any)[0].(map[string]any)["id"].(string)

	var d map[string]any
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		ds := apiGet(t, p.base, key, "/v1/events/"+evID+"/deliveries")["data"].([]any)
		if len(ds) == 1 {
			if d = ds[0].(map[string]any); d["status"] != "pending" {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not delivered: %v", ds)
		}
	}
	attempts := d["attempts"].([]any)
	if d["status"] != "delivered" || len(attempts) != 4 {
		t.Fatalf("delivery %v with %d attempts: %v", d["status"], len(attempts), attempts)
	}
	type attempt struct {
		at      time.Time
		status  float64
		latency time.Duration
		err     string
	}
	var at []attempt
	successes := 0
	for _, a := range attempts {
		a := a.(map[string]any)
		var x attempt
		x.at, _ = time.Parse(time.RFC3339Nano, a["attempted_at"].(string))
		x.status, _ = a["status_code"].(float64)
		x.latency = time.Duration(a["latency_ms"].(float64) * float64(time.Millisecond))
		x.err, _ = a["error"].(string)
		if x.status >= 200 && x.status < 300 {
			successes++
		}
		at = append(at, x)
	}
	if successes != 1 || at[3].status != 200 || at[3].err != "" {
		t.Errorf("%d successful attempts: %v", successes, attempts)
	}
	if at[0].status != 500 {
		t.Errorf("attempt 1 %v, want 500", attempts[0])
	}
	if at[1].status != 0 || !strings.Contains(at[1].err, "timeout") || at[1].latency < 300*time.Millisecond {
		t.Errorf("attempt 2 %v, want a timeout after 300ms", attempts[1])
	}
	if at[2].status != 0 || !strings.Contains(at[2].err, "connection reset") {
		t.Errorf("attempt 3 %v, want a connection reset", attempts[2])
	}
	mu.Lock()
	defer mu.Unlock()
	if len(arrivals) != 4 {
		t.Errorf("the receiver saw %d requests", len(arrivals))
	}
	// attempted_at has millisecond precision: allow 1ms on top of the
	// schedule's jitter of at most 10%.
	for i := 1; i < len(at); i++ {
		want := schedule[i-1]*9/10 - time.Millisecond
		if gap := at[i].at.Sub(at[i-1].at.Add(at[i-1].latency)); gap < want {
			t.Errorf("attempt %d came %v after attempt %d ended; the schedule says at least %v", i+1, gap, i, want)
		}
		if i < len(arrivals) {
			if gap := arrivals[i].Sub(arrivals[i-1]); gap < want {
				t.Errorf("request %d arrived %v after request %d; the schedule says at least %v", i+1, gap, i, want)
			}
		}
	}
}
