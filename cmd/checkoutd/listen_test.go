//go:build unix

package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/webhook"
)

// forwarded is one request the listen receiver got.
type forwarded struct {
	header http.Header
	body   []byte
}

// listenReceiver stands for the developer's webhook handler.
type listenReceiver struct {
	mu  sync.Mutex
	got []forwarded
}

func (rc *listenReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.got = append(rc.got, forwarded{r.Header.Clone(), body})
	rc.mu.Unlock()
}

// wait returns the first request whose event has type typ.
func (rc *listenReceiver) wait(t *testing.T, typ string, within time.Duration) forwarded {
	t.Helper()
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		rc.mu.Lock()
		for _, f := range rc.got {
			var ev struct{ Type string }
			if json.Unmarshal(f.body, &ev) == nil && ev.Type == typ {
				rc.mu.Unlock()
				return f
			}
		}
		rc.mu.Unlock()
	}
	t.Fatalf("the receiver got no %s event within %s", typ, within)
	return forwarded{}
}

// waitOutput waits for re to match p's stdout and returns the match.
func waitOutput(t *testing.T, p *proc, re *regexp.Regexp, within time.Duration) []string {
	t.Helper()
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(p.stdout.String()); m != nil {
			return m
		}
		if p.exited() {
			break
		}
	}
	t.Fatalf("no output matching %s within %s\nstdout:\n%s\nstderr:\n%s", re, within, p.stdout, p.stderr)
	return nil
}

// payByCard completes a session through the hosted page, as a customer does.
func payByCard(t *testing.T, base, sessionID string) {
	t.Helper()
	res, err := http.Get(base + "/checkout/" + sessionID)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(page)
	if res.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("GET /checkout/%s: %d, csrf_token found: %v", sessionID, res.StatusCode, m != nil)
	}
	form := url.Values{"csrf_token": {string(m[1])}, "method": {"card"}, "card_number": {"4242424242424242"},
		"card_expiry": {"12/34"}, "card_cvc": {"123"}}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err = noRedirect.PostForm(base+"/checkout/"+sessionID+"/pay", form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "https://a.example/ok") {
		t.Fatalf("paying: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
}

func apiGet(t *testing.T, base, key, path string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	req.SetBasicAuth(key, "")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", path, res.StatusCode, out)
	}
	return out
}

// TestListen runs the local-development loop for real: a server, "checkoutd
// listen" forwarding to a receiver on loopback, a session paid through the
// hosted page; the receiver must get the completed session's event, signed
// with the secret listen printed.
func TestListen(t *testing.T) {
	const key = "sk_test_listen_0123456789abcdefg"
	data := t.TempDir()
	srv := startServer(t, data, "--bootstrap-key", key)
	rcv := &listenReceiver{}
	hs := httptest.NewServer(rcv)
	defer hs.Close()

	// An event from before listen starts must not be forwarded.
	old := apiPost(t, srv.base, key, "/v1/checkout/sessions", url.Values{"amount": {"100"}, "success_url": {"https://a.example/ok"}, "cancel_url": {"https://a.example/no"}})
	apiPost(t, srv.base, key, "/v1/checkout/sessions/"+old["id"].(string)+"/expire", nil)

	ln := startProc(t, []string{"listen", "--url", srv.base, "--forward-to", hs.URL + "/webhooks"},
		[]string{"CHECKOUTD_LISTEN_API_KEY=" + key}) // the key from the environment, as a developer would keep it
	secret := waitOutput(t, ln, regexp.MustCompile(`Ready! Your webhook signing secret is (whsec_\S+) \(forwarding to `+regexp.QuoteMeta(hs.URL+"/webhooks")+`\)`), 15*time.Second)[1]

	s := apiPost(t, srv.base, key, "/v1/checkout/sessions", url.Values{"amount": {"5000"}, "success_url": {"https://a.example/ok"}, "cancel_url": {"https://a.example/no"}})
	sid := s["id"].(string)
	payByCard(t, srv.base, sid)

	got := rcv.wait(t, "checkout.session.completed", 15*time.Second)
	ev, err := webhook.ConstructEvent(got.body, got.header.Get(webhook.HeaderCheckoutSignature), secret)
	if err != nil {
		t.Fatalf("the forwarded event does not verify with the printed secret: %v", err)
	}
	if err := webhook.VerifyStandard(got.body, got.header, secret, 0); err != nil {
		t.Errorf("the Standard Webhooks headers do not verify: %v", err)
	}
	if ct := got.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var obj struct{ ID string }
	json.Unmarshal(ev.Data.Object, &obj)
	if obj.ID != sid {
		t.Errorf("the event is about %q, want session %s", obj.ID, sid)
	}
	list := apiGet(t, srv.base, key, "/v1/events?type=checkout.session.completed&limit=1")
	listed := list["data"].([]any)
	if len(listed) != 1 || listed[0].(map[string]any)["id"] != ev.ID {
		t.Fatalf("GET /v1/events lists %v; the receiver got %s", listed, ev.ID)
	}
	// The body is the event exactly as the API returns it.
	req, _ := http.NewRequest("GET", srv.base+"/v1/events/"+ev.ID, nil)
	req.SetBasicAuth(key, "")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	apiBody, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(apiBody) != string(got.body) {
		t.Errorf("forwarded body differs from GET /v1/events/%s:\n got %s\nwant %s", ev.ID, got.body, apiBody)
	}
	waitOutput(t, ln, regexp.MustCompile(`(?m)^\S+ \S+ checkout\.session\.completed `+regexp.QuoteMeta(ev.ID)+` -> 200$`), 5*time.Second)

	rcv.mu.Lock()
	for _, f := range rcv.got {
		if strings.Contains(string(f.body), old["id"].(string)) {
			t.Errorf("an event from before listen started was forwarded: %s", f.body)
		}
	}
	rcv.mu.Unlock()

	// A server restart drops the stream; listen reconnects and resumes
	// after the last event it saw, so an event made while it was away
	// still arrives.
	if code, took := srv.stop(t); code != 0 || took > 5*time.Second {
		t.Fatalf("the server took %s to stop with a listener connected (exit code %d)\n%s", took, code, srv.stderr)
	}
	srv2 := startProc(t, []string{"serve", "--addr", srv.addr, "--data", data}, nil) // the address listen follows
	srv2.addr, srv2.base = srv.addr, srv.base
	if !srv2.waitReady() {
		t.Fatalf("the restarted server is not ready\n%s", srv2.stderr)
	}
	exp := apiPost(t, srv2.base, key, "/v1/checkout/sessions", url.Values{"amount": {"100"}, "success_url": {"https://a.example/ok"}, "cancel_url": {"https://a.example/no"}})
	apiPost(t, srv2.base, key, "/v1/checkout/sessions/"+exp["id"].(string)+"/expire", nil)
	got = rcv.wait(t, "checkout.session.expired", 30*time.Second)
	if !strings.Contains(string(got.body), exp["id"].(string)) {
		t.Errorf("the expired event is not about %s: %s", exp["id"], got.body)
	}

	if code, _ := ln.stop(t); code != 0 {
		t.Errorf("listen exited with %d on SIGTERM\nstderr:\n%s", code, ln.stderr)
	}
}

// TestListenStream reads GET /v1/events/stream directly: authentication,
// the SSE headers and framing, and a bad cursor.
func TestListenStream(t *testing.T) {
	const key = "sk_test_stream_0123456789abcdefg"
	srv := startServer(t, t.TempDir(), "--bootstrap-key", key)
	res, err := http.Get(srv.base + "/v1/events/stream")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("without a key: %d, want 401", res.StatusCode)
	}
	req, _ := http.NewRequest("GET", srv.base+"/v1/events/stream?starting_after=evt_nope", nil)
	req.SetBasicAuth(key, "")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound || !strings.Contains(string(body), `"starting_after"`) {
		t.Errorf("unknown starting_after: %d %s", res.StatusCode, body)
	}

	for range 3 {
		s := apiPost(t, srv.base, key, "/v1/checkout/sessions", url.Values{"amount": {"100"}, "success_url": {"https://a.example/ok"}, "cancel_url": {"https://a.example/no"}})
		apiPost(t, srv.base, key, "/v1/checkout/sessions/"+s["id"].(string)+"/expire", nil)
	}
	evs := apiGet(t, srv.base, key, "/v1/events")["data"].([]any)
	if len(evs) < 3 {
		t.Fatalf("%d events, want at least 3", len(evs))
	}
	oldest := evs[len(evs)-1].(map[string]any)["id"].(string)

	req, _ = http.NewRequest("GET", srv.base+"/v1/events/stream?starting_after="+oldest, nil)
	req.SetBasicAuth(key, "")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("stream: %d %v", res.StatusCode, res.Header)
	}
	// The events after the oldest, oldest first, as the API renders them.
	var want []string
	for i := len(evs) - 2; i >= 0; i-- {
		e := evs[i].(map[string]any)
		req, _ := http.NewRequest("GET", srv.base+"/v1/events/"+e["id"].(string), nil)
		req.SetBasicAuth(key, "")
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		want = append(want, "id: "+e["id"].(string)+"\nevent: "+e["type"].(string)+"\ndata: "+string(b)+"\n\n")
	}
	buf := make([]byte, 0, 64<<10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tmp := make([]byte, 4096)
		for len(buf) < len(strings.Join(want, "")) {
			n, err := res.Body.Read(tmp)
			buf = append(buf, tmp[:n]...)
			if err != nil {
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		res.Body.Close()
		<-done
	}
	if string(buf) != strings.Join(want, "") {
		t.Errorf("stream:\n%s\nwant:\n%s", buf, strings.Join(want, ""))
	}
}

// TestListenMisuse: listen refuses what it cannot work with, clearly.
func TestListenMisuse(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"ftp target", []string{"listen", "--api-key", "sk_test_x", "--forward-to", "ftp://127.0.0.1/hooks"}, "--forward-to: want an http:// or https:// URL"},
		{"no target", []string{"listen", "--api-key", "sk_test_x"}, "--forward-to is required"},
		{"no key", []string{"listen", "--forward-to", "http://127.0.0.1:3000/webhooks"}, "--api-key is required (or set CHECKOUTD_LISTEN_API_KEY)"},
		{"bad server url", []string{"listen", "--api-key", "sk_test_x", "--forward-to", "http://127.0.0.1:3000/", "--url", "127.0.0.1:8080"}, "--url: "},
	} {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, nil, c.args...)
			if code != 1 || !strings.Contains(stderr, c.want) || strings.Contains(stdout, "Ready!") {
				t.Errorf("exit %d, stderr %q, stdout %q; want exit 1 and %q", code, stderr, stdout, c.want)
			}
		})
	}

	// A key the server does not know ends listen with the server's reason
	// instead of retrying forever.
	srv := startServer(t, t.TempDir(), "--bootstrap-key", "sk_test_known_0123456789abcdefgh")
	stdout, stderr, code := runCLI(t, nil, "listen", "--url", srv.base, "--api-key", "sk_test_unknown", "--forward-to", "http://127.0.0.1:3000/")
	if code != 1 || !strings.Contains(stderr, "401") || strings.Contains(stdout, "Ready!") {
		t.Errorf("unknown key: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}
