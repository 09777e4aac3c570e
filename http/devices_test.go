package http_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// v2 sends a seed 002 request with the key in x-api-key, as the seed does.
func (e *env) v2(method, path, key string, body any) *response {
	e.t.Helper()
	var b []byte
	if body != nil {
		var err error
		if b, err = jsonMarshal(body); err != nil {
			e.t.Fatal(err)
		}
	}
	return e.do(method, path, "", "application/json", b, "x-api-key", key)
}

// device sends a request with a device token.
func (e *env) device(method, path, token string, body any) *response {
	e.t.Helper()
	var b []byte
	if body != nil {
		var err error
		if b, err = jsonMarshal(body); err != nil {
			e.t.Fatal(err)
		}
	}
	return e.do(method, path, token, "application/json", b)
}

// pairedDevice creates and pairs a device of key's account; it returns
// the device's id and token.
func (e *env) pairedDevice(key, name string) (string, string) {
	e.t.Helper()
	r := e.v2("POST", "/v2/devices", key, map[string]any{"name": name})
	if r.status != 200 {
		e.t.Fatalf("create device: %d %s", r.status, r.body)
	}
	p := e.v2("POST", "/v2/devices/pair", "", map[string]any{"code": r.str("data", "pairingCode")})
	if p.status != 200 {
		e.t.Fatalf("pair: %d %s", p.status, p.body)
	}
	return r.str("data", "id"), p.str("data", "deviceToken")
}

// inStoreSession creates a session of key's account whose only method is
// in_store, pushed to device at creation.
func (e *env) inStoreSession(key, device string, extra map[string]any) *response {
	e.t.Helper()
	v := validSession()
	v["payment_method_types"] = []string{"in_store"}
	v["companion_device"] = device
	v["line_items"] = []map[string]any{{"quantity": 2, "price_data": map[string]any{"currency": "GHS", "unit_amount": 2500, "product_data": map[string]any{"name": "Coffee beans"}}}}
	delete(v, "amount")
	for k, x := range extra {
		v[k] = x
	}
	return e.create(key, v)
}

// sessionPayments returns the payments of session id of scope, newest first.
func (e *env) sessionPayments(scope checkout.Scope, id string) []*checkout.Payment {
	e.t.Helper()
	p, err := e.store.ListPayments(context.Background(), scope, checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 10}, SessionID: id})
	if err != nil {
		e.t.Fatal(err)
	}
	return p.Items
}

// waitPayment waits (without a timing assertion: up to a generous bound)
// until the newest payment of session id is final, and returns it.
func (e *env) waitPayment(scope checkout.Scope, id string) *checkout.Payment {
	e.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		ps := e.sessionPayments(scope, id)
		if len(ps) > 0 && ps[0].Status.Final() {
			return ps[0]
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("session %s: no final payment (%d payments)", id, len(ps))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var scopeA = checkout.Scope{AccountID: "acct_a"}

func TestDevicePairing(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, openStore(t, kind))
		r := e.v2("POST", "/v2/devices", e.key, map[string]any{"name": "Till 1"})
		if r.status != 200 || r.str("data", "status") != "pending" || !strings.HasPrefix(r.str("data", "id"), "dev_") {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		id, code := r.str("data", "id"), r.str("data", "pairingCode")
		if len(code) != 11 || code[5] != '-' {
			t.Fatalf("pairing code %q", code)
		}
		if g := e.v2("GET", "/v2/devices/"+id, e.key, nil); g.status != 200 || g.get("data", "pairingCode") != nil {
			t.Fatalf("a device read back shows its code: %s", g.body)
		}
		// Typed as a person would: lower case, no dash.
		p := e.v2("POST", "/v2/devices/pair", "", map[string]any{"code": strings.ToLower(strings.ReplaceAll(code, "-", ""))})
		token := p.str("data", "deviceToken")
		if p.status != 200 || !strings.HasPrefix(token, "cdt_") || p.str("data", "status") != "active" {
			t.Fatalf("pair: %d %s", p.status, p.body)
		}
		t.Run("CodeWorksOnce", func(t *testing.T) {
			again := e.v2("POST", "/v2/devices/pair", "", map[string]any{"code": code})
			if again.status != 404 || again.str("error", "code") != "pairing_code_invalid" {
				t.Fatalf("a second pairing: %d %s", again.status, again.body)
			}
		})
		t.Run("HashedAtRest", func(t *testing.T) {
			o, err := e.store.GetObject(context.Background(), scopeA, checkout.DeviceKind, id)
			if err != nil {
				t.Fatal(err)
			}
			d := o.(*checkout.Device)
			if d.TokenHash != checkout.HashDeviceSecret(token) || d.PairingHash != "" || strings.Contains(d.TokenHash, token) {
				t.Fatalf("stored device %+v", d)
			}
			// The stored token's hash finds it; the token itself does not.
			if _, err := e.store.FindObject(context.Background(), checkout.DeviceKind, checkout.DeviceTokenKey(token)); !checkout.IsKind(err, checkout.KindNotFound) {
				t.Fatalf("found by the token in clear: %v", err)
			}
		})
		if c := e.device("GET", "/v2/devices/me/checkouts", token, nil); c.status != 200 {
			t.Fatalf("checkouts: %d %s", c.status, c.body)
		}
		if n := e.v2("POST", "/v2/devices/"+id, e.key, map[string]any{"name": "Front till"}); n.status != 200 || n.str("data", "name") != "Front till" {
			t.Fatalf("rename: %d %s", n.status, n.body)
		}
		if l := e.v2("GET", "/v2/devices", e.key, nil); l.status != 200 || len(l.get("data").([]any)) != 1 {
			t.Fatalf("list: %d %s", l.status, l.body)
		}
		if l := e.v2("GET", "/v2/devices", e.keyB, nil); l.status != 200 || len(l.get("data").([]any)) != 0 {
			t.Fatalf("account B lists A's devices: %s", l.body)
		}
		if g := e.v2("GET", "/v2/devices/"+id, e.keyB, nil); g.status != 404 {
			t.Fatalf("account B reads A's device: %d", g.status)
		}
		t.Run("RevokedTokenIs401", func(t *testing.T) {
			if rv := e.v2("POST", "/v2/devices/"+id+"/revoke", e.key, nil); rv.status != 200 || rv.str("data", "status") != "revoked" {
				t.Fatalf("revoke: %d %s", rv.status, rv.body)
			}
			for _, path := range []string{"/v2/devices/me/checkouts", "/v2/devices/me/stream"} {
				if c := e.device("GET", path, token, nil); c.status != 401 || c.str("error", "code") != "device_token_invalid" {
					t.Fatalf("%s with a revoked token: %d %s", path, c.status, c.body)
				}
			}
			// A session can no longer name it.
			v := validSession()
			v["payment_method_types"], v["companion_device"] = []string{"in_store"}, id
			if c := e.postJSON("/v1/checkout/sessions", e.key, v); c.status != 400 || c.str("error", "param") != "companion_device" {
				t.Fatalf("a session naming a revoked device: %d %s", c.status, c.body)
			}
		})
	})
}

func TestDevicePairingCodeExpires(t *testing.T) {
	e := newEnv(t)
	r := e.v2("POST", "/v2/devices", e.key, map[string]any{"name": "Till"})
	e.clock.Add(service.PairingCodeTTL)
	p := e.v2("POST", "/v2/devices/pair", "", map[string]any{"code": r.str("data", "pairingCode")})
	if p.status != 404 || p.str("error", "code") != "pairing_code_invalid" {
		t.Fatalf("an expired code: %d %s", p.status, p.body)
	}
	if g := e.v2("GET", "/v2/devices/"+r.str("data", "id"), e.key, nil); g.str("data", "status") != "pending" {
		t.Fatalf("the device after an expired code: %s", g.body)
	}
	// A device token that was never issued, and none at all.
	for _, tok := range []string{"cdt_" + strings.Repeat("x", 43), ""} {
		if c := e.device("GET", "/v2/devices/me/checkouts", tok, nil); c.status != 401 {
			t.Fatalf("token %q: %d", tok, c.status)
		}
	}
}

// TestTestDevices: the fixed test devices' outcomes, through the server,
// on every store.
func TestTestDevices(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, openStore(t, kind))
		approve := e.inStoreSession(e.key, checkout.TestDeviceApprove, nil)
		decline := e.inStoreSession(e.key, checkout.TestDeviceDecline, nil)
		timeout := e.inStoreSession(e.key, checkout.TestDeviceTimeout, nil)
		if approve.str("companion_device") != checkout.TestDeviceApprove {
			t.Fatalf("session: %s", approve.body)
		}

		p := e.waitPayment(scopeA, approve.str("id"))
		if p.Status != checkout.PaymentSucceeded || p.Method != checkout.MethodInStore || p.CardLast4 != "4242" {
			t.Fatalf("dev_test_approve: %+v", p)
		}
		if g := e.get("/v1/checkout/sessions/"+approve.str("id"), e.key); g.str("status") != "complete" || g.str("payment_status") != "paid" {
			t.Fatalf("approved session: %s", g.body)
		}

		p = e.waitPayment(scopeA, decline.str("id"))
		if p.Status != checkout.PaymentFailed || p.FailureCode != "card_declined" {
			t.Fatalf("dev_test_decline: %+v", p)
		}
		if g := e.get("/v1/checkout/sessions/"+decline.str("id"), e.key); g.str("status") != "open" {
			t.Fatalf("declined session: %s", g.body)
		}

		ps := e.sessionPayments(scopeA, timeout.str("id"))
		if len(ps) != 1 || ps[0].Status != checkout.PaymentRequiresAction || ps[0].Action.DeviceID() != checkout.TestDeviceTimeout {
			t.Fatalf("dev_test_timeout before its deadline: %+v", ps)
		}
		e.clock.Add(service.DefaultDevicePushTimeout)
		// Past its deadline a report is refused even before the sweep.
		if _, err := e.svc.ReportDeviceResult(context.Background(), &checkout.Device{ID: checkout.TestDeviceTimeout, AccountID: "acct_a"}, timeout.str("id"),
			service.DeviceOutcome{Outcome: service.OutcomeApproved, Brand: "visa", Last4: "4242"}); !checkout.IsKind(err, checkout.KindState) {
			t.Fatalf("a report after the push timed out: %v", err)
		}
		if _, err := e.svc.SweepDuePayments(context.Background()); err != nil {
			t.Fatal(err)
		}
		p = e.waitPayment(scopeA, timeout.str("id"))
		if p.Status != checkout.PaymentFailed || p.FailureCode != "device_timeout" {
			t.Fatalf("dev_test_timeout after its deadline: %+v", p)
		}
		if g := e.get("/v1/checkout/sessions/"+timeout.str("id"), e.key); g.str("status") != "open" {
			t.Fatalf("timed-out session: %s", g.body)
		}
		// Test devices are test mode's only.
		v := validSession()
		v["payment_method_types"], v["companion_device"] = []string{"in_store"}, checkout.TestDeviceApprove
		if c := e.postJSON("/v1/checkout/sessions", e.liveA, v); c.status != 400 {
			t.Fatalf("a live session with a test device: %d %s", c.status, c.body)
		}
	})
}

// TestDeviceSeesOwnAccountOnly: a device reads and reports only sessions
// of its account pushed to it.
func TestDeviceSeesOwnAccountOnly(t *testing.T) {
	e := newEnv(t)
	devA, tokA := e.pairedDevice(e.key, "A's till")
	devB, tokB := e.pairedDevice(e.keyB, "B's till")
	v := validSession()
	v["currency"], v["payment_method_types"], v["companion_device"] = "EUR", []string{"in_store"}, devA
	if c := e.postJSON("/v1/checkout/sessions", e.keyB, v); c.status != 400 || c.str("error", "param") != "companion_device" {
		t.Fatalf("B's session naming A's device: %d %s", c.status, c.body)
	}
	v["companion_device"] = devB
	sessB := e.create(e.keyB, v)
	sessA := e.inStoreSession(e.key, devA, nil)

	list := func(tok string) []any {
		c := e.device("GET", "/v2/devices/me/checkouts", tok, nil)
		if c.status != 200 {
			t.Fatalf("checkouts: %d %s", c.status, c.body)
		}
		return c.get("data").([]any)
	}
	// One push at a time per session.
	if _, _, err := e.svc.Pay(context.Background(), sessA.str("id"), service.PayParams{Method: checkout.MethodInStore}); !checkout.IsKind(err, checkout.KindState) {
		t.Fatalf("a second push of a waiting session: %v", err)
	}
	la, lb := list(tokA), list(tokB)
	if len(la) != 1 || la[0].(map[string]any)["sessionId"] != sessA.str("id") || la[0].(map[string]any)["amountMinor"] != float64(5000) {
		t.Fatalf("A's device sees %v", la)
	}
	if items := la[0].(map[string]any)["items"].([]any); len(items) != 1 || items[0].(map[string]any)["name"] != "Coffee beans" {
		t.Fatalf("A's device shows items %v", items)
	}
	if len(lb) != 1 || lb[0].(map[string]any)["sessionId"] != sessB.str("id") {
		t.Fatalf("B's device sees %v", lb)
	}
	// A's device reporting on B's session: not found, nothing written.
	if c := e.device("POST", "/v2/devices/me/checkouts/"+sessB.str("id")+"/result", tokA, map[string]any{"outcome": "approved", "brand": "visa", "last4": "4242"}); c.status != 404 {
		t.Fatalf("A's device approving B's session: %d %s", c.status, c.body)
	}
	if ps := e.sessionPayments(checkout.Scope{AccountID: "acct_b"}, sessB.str("id")); ps[0].Status != checkout.PaymentRequiresAction {
		t.Fatalf("B's payment after A's report: %+v", ps[0])
	}
	// B's own device approves it.
	c := e.device("POST", "/v2/devices/me/checkouts/"+sessB.str("id")+"/result", tokB, map[string]any{"outcome": "approved", "brand": "Visa", "last4": "1881", "reference": "auth_123"})
	if c.status != 200 || c.str("data", "status") != "succeeded" {
		t.Fatalf("B's approval: %d %s", c.status, c.body)
	}
	if g := e.get("/v1/checkout/sessions/"+sessB.str("id"), e.keyB); g.str("status") != "complete" {
		t.Fatalf("B's session after its approval: %s", g.body)
	}
	if l := list(tokB); len(l) != 0 {
		t.Fatalf("a settled push is still listed: %v", l)
	}
	// A's device cancels its own: the session stays open.
	if c := e.device("POST", "/v2/devices/me/checkouts/"+sessA.str("id")+"/result", tokA, map[string]any{"outcome": "canceled"}); c.status != 200 || c.str("data", "status") != "canceled" {
		t.Fatalf("A's cancel: %d %s", c.status, c.body)
	}
	if g := e.get("/v1/checkout/sessions/"+sessA.str("id"), e.key); g.str("status") != "open" {
		t.Fatalf("A's session after a cancel: %s", g.body)
	}
}

// TestExpiredSessionNeverReachesDevice: a session past its expiry is not
// listed, streamed or reportable, even before the sweep writes it expired.
func TestExpiredSessionNeverReachesDevice(t *testing.T) {
	e := newEnv(t)
	e.configure(func(c *service.Config) { c.DevicePushTimeout = 3 * time.Hour })
	dev, tok := e.pairedDevice(e.key, "Till")
	sess := e.inStoreSession(e.key, dev, map[string]any{"expires_at": e.clock.Now().Add(time.Hour).Unix()})
	if l := e.device("GET", "/v2/devices/me/checkouts", tok, nil); len(l.get("data").([]any)) != 1 {
		t.Fatalf("before expiry: %s", l.body)
	}
	e.clock.Add(time.Hour)
	if l := e.device("GET", "/v2/devices/me/checkouts", tok, nil); l.status != 200 || len(l.get("data").([]any)) != 0 {
		t.Fatalf("after expiry: %s", l.body)
	}
	c := e.device("POST", "/v2/devices/me/checkouts/"+sess.str("id")+"/result", tok, map[string]any{"outcome": "approved", "brand": "visa", "last4": "4242"})
	if c.status != 400 || c.str("error", "code") != "checkout_session_expired" {
		t.Fatalf("approving an expired session: %d %s", c.status, c.body)
	}
	if ps := e.sessionPayments(scopeA, sess.str("id")); ps[0].Status != checkout.PaymentRequiresAction {
		t.Fatalf("payment after the refused approval: %+v", ps[0])
	}
}

// TestDeviceStream reads a push from the server-sent events stream.
func TestDeviceStream(t *testing.T) {
	e := newEnv(t)
	dev, tok := e.pairedDevice(e.key, "Till")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/v2/devices/me/stream", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	sess := e.inStoreSession(e.key, dev, nil)
	sc := bufio.NewScanner(res.Body)
	var event, data string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		}
		if line == "" && data != "" {
			break
		}
	}
	if event != "checkout" || !strings.Contains(data, `"sessionId":"`+sess.str("id")+`"`) || !strings.Contains(data, `"amountMinor":5000`) {
		t.Fatalf("stream sent event %q data %s (scan: %v)", event, data, sc.Err())
	}
}

// TestDeviceResultBadInput: each bad report names its field and writes
// nothing.
func TestDeviceResultBadInput(t *testing.T) {
	e := newEnv(t)
	dev, tok := e.pairedDevice(e.key, "Till")
	sess := e.inStoreSession(e.key, dev, nil)
	path := "/v2/devices/me/checkouts/" + sess.str("id") + "/result"
	cases := []struct {
		name  string
		body  string
		param string
	}{
		{"NoOutcome", `{}`, "outcome"},
		{"UnknownOutcome", `{"outcome":"maybe"}`, "outcome"},
		{"OutcomeNotString", `{"outcome":1}`, "outcome"},
		{"UnknownField", `{"outcome":"canceled","amount":5}`, "amount"},
		{"ApprovedNoBrand", `{"outcome":"approved","last4":"4242"}`, "brand"},
		{"ApprovedBadLast4", `{"outcome":"approved","brand":"visa","last4":"42a2"}`, "last4"},
		{"ApprovedLongLast4", `{"outcome":"approved","brand":"visa","last4":"424242"}`, "last4"},
		{"ApprovedWithReason", `{"outcome":"approved","brand":"visa","last4":"4242","reason":"x"}`, "reason"},
		{"ApprovedControlBrand", `{"outcome":"approved","brand":"vi\u0000sa","last4":"4242"}`, "brand"},
		{"ApprovedLongReference", `{"outcome":"approved","brand":"visa","last4":"4242","reference":"` + strings.Repeat("r", 201) + `"}`, "reference"},
		{"DeclinedWithLast4", `{"outcome":"declined","last4":"4242"}`, "last4"},
		{"DeclinedBadReason", `{"outcome":"declined","reason":"Not Today!"}`, "reason"},
		{"CanceledWithReason", `{"outcome":"canceled","reason":"card_declined"}`, "reason"},
		{"CanceledWithBrand", `{"outcome":"canceled","brand":"visa"}`, "brand"},
	}
	_, before := e.counts()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do("POST", path, tok, "application/json", []byte(c.body))
			if r.status != 400 || r.str("error", "param") != c.param {
				t.Fatalf("%s: %d %s, want 400 naming %s", c.body, r.status, r.body, c.param)
			}
		})
	}
	if _, after := e.counts(); after != before {
		t.Fatalf("bad reports wrote %d events", after-before)
	}
	if ps := e.sessionPayments(scopeA, sess.str("id")); len(ps) != 1 || ps[0].Status != checkout.PaymentRequiresAction || ps[0].Version != 2 {
		t.Fatalf("the payment after bad reports: %+v", ps)
	}
	// A session that is not pushed to the device: not found.
	other := e.create(e.key, validSession())
	if r := e.device("POST", "/v2/devices/me/checkouts/"+other.str("id")+"/result", tok, map[string]any{"outcome": "canceled"}); r.status != 404 {
		t.Fatalf("a session not pushed: %d %s", r.status, r.body)
	}
}

// TestDeviceLiveApprovalRefused: in live mode a device's word is not
// enough to succeed a payment; a decline, which moves no money, is taken.
func TestDeviceLiveApprovalRefused(t *testing.T) {
	e := newEnv(t)
	e.configure(func(c *service.Config) {
		reg := simProviders(e.clock)
		reg.Route(true, "live_sim", checkout.MethodInStore) // a stand-in live provider for in_store
		c.Providers = reg
	})
	dev, tok := e.pairedDevice(e.liveA, "Live till")
	v := validSession()
	v["payment_method_types"], v["companion_device"] = []string{"in_store"}, dev
	sess := e.create(e.liveA, v)
	live := checkout.Scope{AccountID: "acct_a", Livemode: true}
	path := "/v2/devices/me/checkouts/" + sess.str("id") + "/result"
	for _, body := range []map[string]any{
		{"outcome": "approved", "brand": "visa", "last4": "4242"},
		{"outcome": "approved", "brand": "visa", "last4": "4242", "reference": "pi_123"},
	} {
		r := e.device("POST", path, tok, body)
		if r.status == 200 {
			t.Fatalf("a live approval on the device's word: %s", r.body)
		}
		if ps := e.sessionPayments(live, sess.str("id")); len(ps) != 1 || ps[0].Status != checkout.PaymentRequiresAction {
			t.Fatalf("the live payment after a refused approval: %+v", ps)
		}
	}
	if r := e.device("POST", path, tok, map[string]any{"outcome": "approved", "brand": "visa", "last4": "4242", "reference": "pi_123"}); r.status != 403 || r.str("error", "code") != "live_approval_unverified" {
		t.Fatalf("a live approval with a reference: %d %s", r.status, r.body)
	}
	if r := e.device("POST", path, tok, map[string]any{"outcome": "declined"}); r.status != 200 || r.str("data", "status") != "failed" {
		t.Fatalf("a live decline: %d %s", r.status, r.body)
	}
}

// TestDevicePairingGuessesLimited: wrong pairing codes from one address
// are throttled; the right code then waits too, so a 200 never stands out.
func TestDevicePairingGuessesLimited(t *testing.T) {
	e := newEnv(t)
	code := e.v2("POST", "/v2/devices", e.key, map[string]any{"name": "Till"}).str("data", "pairingCode")
	limited := false
	for i := range 40 {
		wrong := fmt.Sprintf("ZZZZZ-%05d", i)
		wrong = strings.NewReplacer("0", "A", "1", "B").Replace(wrong)
		r := e.v2("POST", "/v2/devices/pair", "", map[string]any{"code": wrong})
		if r.status == 429 {
			limited = r.header.Get("Retry-After") != ""
			break
		}
		if r.status != 404 {
			t.Fatalf("wrong code %s: %d %s", wrong, r.status, r.body)
		}
	}
	if !limited {
		t.Fatal("40 wrong pairing codes were never throttled")
	}
	if r := e.v2("POST", "/v2/devices/pair", "", map[string]any{"code": code}); r.status != 429 {
		t.Fatalf("the right code while throttled: %d", r.status)
	}
}

// TestDevicesBadInput: the management routes name the field at fault and
// write nothing.
func TestDevicesBadInput(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, method, path, body, param string
		status                          int
	}{
		{"CreateNoName", "POST", "/v2/devices", `{}`, "name", 400},
		{"CreateBlankName", "POST", "/v2/devices", `{"name":"  "}`, "name", 400},
		{"CreateLongName", "POST", "/v2/devices", `{"name":"` + strings.Repeat("x", 101) + `"}`, "name", 400},
		{"CreateNameNotString", "POST", "/v2/devices", `{"name":5}`, "name", 400},
		{"CreateUnknownField", "POST", "/v2/devices", `{"name":"a","color":"red"}`, "color", 400},
		{"PairNoCode", "POST", "/v2/devices/pair", `{}`, "code", 400},
		{"PairMalformedCode", "POST", "/v2/devices/pair", `{"code":"12"}`, "code", 400},
		{"PairUnknownField", "POST", "/v2/devices/pair", `{"code":"ABCDE-FGHJK","name":"x"}`, "name", 400},
		{"RenameUnknown", "POST", "/v2/devices/dev_missing", `{"name":"x"}`, "id", 404},
		{"ListBadLimit", "GET", "/v2/devices?limit=0", ``, "limit", 400},
		{"ListLimitTooBig", "GET", "/v2/devices?limit=1000", ``, "limit", 400},
		{"ListUnknownParam", "GET", "/v2/devices?color=red", ``, "color", 400},
		{"PairCodeBadLetters", "POST", "/v2/devices/pair", `{"code":"ABCDE-FGHI0"}`, "code", 400},
		{"PairCodeNotString", "POST", "/v2/devices/pair", `{"code":12345}`, "code", 400},
		{"RenameNoName", "POST", "/v2/devices/dev_missing", `{}`, "name", 400},
		{"RenameNameNull", "POST", "/v2/devices/dev_missing", `{"name":null}`, "name", 400},
		{"RevokeUnknown", "POST", "/v2/devices/dev_missing/revoke", ``, "id", 404},
		{"GetUnknown", "GET", "/v2/devices/dev_missing", ``, "id", 404},
		{"GetUnknownParam", "GET", "/v2/devices/dev_missing?expand=x", ``, "expand", 400},
		{"RevokeUnknownField", "POST", "/v2/devices/dev_missing/revoke", `{"reason":"x"}`, "reason", 400},
		{"PairNestedUnknown", "POST", "/v2/devices/pair", `{"code":"ABCDE-FGHJK","meta":{"a_b":1}}`, "meta", 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body []byte
			if c.body != "" {
				body = []byte(c.body)
			}
			r := e.do(c.method, c.path, "", "application/json", body, "x-api-key", e.key)
			if r.status != c.status || r.str("error", "param") != c.param {
				t.Fatalf("%s %s %s: %d %s, want %d naming %s", c.method, c.path, c.body, r.status, r.body, c.status, c.param)
			}
		})
	}
	if l := e.v2("GET", "/v2/devices", e.key, nil); len(l.get("data").([]any)) != 0 {
		t.Fatalf("bad requests made devices: %s", l.body)
	}
	if r := e.v2("GET", "/v2/devices", "sk_test_wrong", nil); r.status != 401 {
		t.Fatalf("a wrong x-api-key: %d", r.status)
	}
}

// TestDevicePairingRace: a code redeemed by several devices at once pairs
// exactly one of them.
func TestDevicePairingRace(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, openStore(t, kind))
		code := e.v2("POST", "/v2/devices", e.key, map[string]any{"name": "Till"}).str("data", "pairingCode")
		const n = 6
		statuses := make(chan int, n)
		tokens := make(chan string, n)
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b, _ := jsonMarshal(map[string]any{"code": code})
				req, _ := http.NewRequest("POST", e.srv.URL+"/v2/devices/pair", bytes.NewReader(b))
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					statuses <- 0
					return
				}
				var out struct {
					Data struct {
						DeviceToken string `json:"deviceToken"`
					} `json:"data"`
				}
				_ = json.NewDecoder(res.Body).Decode(&out)
				res.Body.Close()
				statuses <- res.StatusCode
				tokens <- out.Data.DeviceToken
			}()
		}
		wg.Wait()
		close(statuses)
		close(tokens)
		ok := 0
		for st := range statuses {
			switch st {
			case 200:
				ok++
			case 404:
			default:
				t.Errorf("a racing pairing answered %d", st)
			}
		}
		if ok != 1 {
			t.Fatalf("%d of %d racing pairings succeeded, want 1", ok, n)
		}
		working := 0
		for tok := range tokens {
			if tok != "" && e.device("GET", "/v2/devices/me/checkouts", tok, nil).status == 200 {
				working++
			}
		}
		if working != 1 {
			t.Fatalf("%d tokens work, want 1", working)
		}
	})
}
