package http_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	chttp "github.com/checkoutd/checkoutd/http"
	"github.com/checkoutd/checkoutd/service"
)

const hostSecret = "host-secret-0123456789abcdef"

// newHostEnv is a page env whose server takes seed 000's routes with
// hostSecret, and whose tenant org_demo exists (account ids may look like
// seed 000's tenant ids).
func newHostEnv(t *testing.T, origins ...string) *env {
	t.Helper()
	e := newPageEnv(t)
	withServer(t, e, func(h *chttp.Server) {
		h.SetHost(chttp.HostConfig{Secret: hostSecret, CORSOrigins: origins})
	})
	if _, _, err := e.svc.CreateAccount(context.Background(), service.AccountParams{ID: "org_demo", Name: "Demo Org", DefaultCurrency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	e.accts = append(e.accts, "org_demo")
	return e
}

// seedSession is seed 000's request example, as written.
func seedSession() map[string]any {
	return map[string]any{
		"orderId":      "ord_abc123",
		"amount":       9999,
		"currency":     "EUR",
		"tenantId":     "org_demo",
		"returnUrl":    "http://localhost:3000/order-confirmation?order=ord_abc123",
		"customerInfo": map[string]any{"email": "customer@example.com", "firstName": "Maria", "lastName": "Silva"},
		"fulfillment":  "shipping",
		"provider":     "stripe",
	}
}

func (e *env) hostCreate(body any, secret string) *response {
	e.t.Helper()
	b, err := jsonMarshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	var hdr []string
	if secret != "" {
		hdr = []string{"x-checkout-secret", secret}
	}
	return e.do("POST", "/api/sessions", "", "application/json", b, hdr...)
}

// TestHostCreateSession sends seed 000's example as written: the answer is
// exactly {id, checkoutUrl, expiresAt}, the page is /c/{id}, the session
// lives 30 minutes, and it reads back the same through both dialects.
func TestHostCreateSession(t *testing.T) {
	e := newHostEnv(t)
	r := e.hostCreate(seedSession(), hostSecret)
	if r.status != http.StatusOK || len(r.json) != 3 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	id := r.str("id")
	if !strings.HasPrefix(id, "cs_") || len(id) < 3+22 {
		t.Errorf("id %q: want a cs_ id of at least 128 random bits", id)
	}
	if r.str("checkoutUrl") != testPublicURL+"/c/"+id {
		t.Errorf("checkoutUrl %q", r.str("checkoutUrl"))
	}
	at, err := time.Parse("2006-01-02T15:04:05.000Z", r.str("expiresAt"))
	if err != nil || at.Sub(e.clock.Now()) != 30*time.Minute {
		t.Errorf("expiresAt %q (%v): want 30 minutes from now, as seed 000 writes times", r.str("expiresAt"), err)
	}

	snap := e.get("/api/sessions/"+id, "")
	if snap.status != http.StatusOK {
		t.Fatalf("snapshot: %d %s", snap.status, snap.body)
	}
	for path, want := range map[string]any{
		"id": id, "tenantId": "org_demo", "state": "open", "paymentStatus": "unpaid", "amount": 9999.0, "currency": "EUR",
		"orderId": "ord_abc123", "fulfillment": "shipping", "returnUrl": "http://localhost:3000/order-confirmation?order=ord_abc123",
		"livemode": false,
	} {
		if got := snap.get(path); got != want {
			t.Errorf("snapshot %s = %v, want %v", path, got, want)
		}
	}
	if snap.str("customerInfo", "firstName") != "Maria" || snap.str("customerInfo", "lastName") != "Silva" || snap.str("customerInfo", "email") != "customer@example.com" {
		t.Errorf("customerInfo %v", snap.get("customerInfo"))
	}
	if snap.get("paymentSession") != nil {
		t.Errorf("paymentSession before paying: %v", snap.get("paymentSession"))
	}

	// The canonical API reads the same session, with the tenant's key.
	_, key, err := e.svc.CreateAccount(context.Background(), service.AccountParams{ID: "org_other", Name: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	if r := e.get("/v1/checkout/sessions/"+id, key); r.status != http.StatusNotFound {
		t.Errorf("another tenant's key reads the session: %d", r.status)
	}
	demoKey, err := e.svc.CreateKey(context.Background(), "org_demo", false)
	if err != nil {
		t.Fatal(err)
	}
	c := e.get("/v1/checkout/sessions/"+id, demoKey)
	if c.status != http.StatusOK || c.str("client_reference_id") != "ord_abc123" || c.str("customer_email") != "customer@example.com" ||
		c.get("amount_total") != 9999.0 || c.str("status") != "open" || c.str("url") != testPublicURL+"/checkout/"+id {
		t.Errorf("canonical read: %d %s", c.status, c.body)
	}

	// And the other way round: a canonical session reads through seed 000.
	canon := e.create(demoKey, map[string]any{"amount": 1250, "currency": "EUR", "client_reference_id": "ord_9",
		"success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/cancel"}).str("id")
	if s := e.get("/api/sessions/"+canon, ""); s.str("id") != canon || s.str("tenantId") != "org_demo" || s.get("amount") != 1250.0 ||
		s.str("orderId") != "ord_9" || s.str("state") != "open" || s.str("checkoutUrl") != testPublicURL+"/c/"+canon {
		t.Errorf("a canonical session through seed 000: %s", s.body)
	}

	// The page at /c/{id} is the session's.
	page := e.openOK(t, "/c/"+id)
	page.mustContain("Pay Demo Org", "€99.99", "Delivered to your address")
}

// TestHostSecret: without a secret configured the route says which
// variable to set (503); a missing or wrong header is a 401; neither writes.
func TestHostSecret(t *testing.T) {
	e := newPageEnv(t)
	r := e.hostCreate(seedSession(), "anything")
	if r.status != http.StatusServiceUnavailable || !strings.Contains(r.str("error", "message"), "CHECKOUT_API_SECRET") {
		t.Errorf("no secret configured: %d %s", r.status, r.body)
	}
	e = newHostEnv(t)
	before, _ := e.counts()
	for _, secret := range []string{"", "wrong", hostSecret + "x", strings.ToUpper(hostSecret)} {
		if r := e.hostCreate(seedSession(), secret); r.status != http.StatusUnauthorized || r.str("error", "code") != "unauthorized" {
			t.Errorf("secret %q: %d %s", secret, r.status, r.body)
		}
	}
	if after, _ := e.counts(); after != before {
		t.Errorf("refused requests wrote %d sessions", after-before)
	}
}

// TestHostBadInput: each bad request is a 400 (404 for an unknown tenant)
// in seed 000's error shape, naming the field in its own words, and writes
// nothing.
func TestHostBadInput(t *testing.T) {
	e := newHostEnv(t)
	with := func(k string, v any) map[string]any {
		m := seedSession()
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	info := func(k string, v any) map[string]any {
		m := seedSession()
		m["customerInfo"].(map[string]any)[k] = v
		return m
	}
	before, _ := e.counts()
	for _, c := range []struct {
		name   string
		body   any
		status int
		param  string
	}{
		{"unknown tenant", with("tenantId", "org_nope"), 404, "tenantId"},
		{"no tenant", with("tenantId", nil), 400, "tenantId"},
		{"tenant not a string", with("tenantId", 12), 400, "tenantId"},
		{"no amount", with("amount", nil), 400, "amount"},
		{"amount zero", with("amount", 0), 400, "amount"},
		{"amount negative", with("amount", -5), 400, "amount"},
		{"amount a string", with("amount", "9999"), 400, "amount"},
		{"amount a fraction", with("amount", 99.5), 400, "amount"},
		{"no currency", with("currency", nil), 400, "currency"},
		{"unknown currency", with("currency", "EURO"), 400, "currency"},
		{"no returnUrl", with("returnUrl", nil), 400, "returnUrl"},
		{"returnUrl not a URL", with("returnUrl", "order-confirmation"), 400, "returnUrl"},
		{"returnUrl javascript", with("returnUrl", "javascript:alert(1)"), 400, "returnUrl"},
		{"bad provider", with("provider", "paypal"), 400, "provider"},
		{"bad fulfillment", with("fulfillment", "drone"), 400, "fulfillment"},
		{"bad email", info("email", "not-an-email"), 400, "customerInfo.email"},
		{"first name too long", info("firstName", strings.Repeat("a", 101)), 400, "customerInfo.firstName"},
		{"last name with control characters", info("lastName", "Sil\x00va"), 400, "customerInfo.lastName"},
		{"customerInfo not an object", with("customerInfo", "Maria"), 400, "customerInfo"},
		{"unknown customerInfo field", info("phone", "+351"), 400, "phone"},
		{"expiresIn zero", with("expiresIn", 0), 400, "expiresIn"},
		{"expiresIn below a minute", with("expiresIn", 59999), 400, "expiresIn"},
		{"expiresIn above 30 days", with("expiresIn", int64(31*24*3600*1000)), 400, "expiresIn"},
		{"expiresIn negative", with("expiresIn", -1000), 400, "expiresIn"},
		{"expiresIn a string", with("expiresIn", "30m"), 400, "expiresIn"},
		{"orderId too long", with("orderId", strings.Repeat("o", 201)), 400, "orderId"},
		{"metadata not strings", with("metadata", map[string]any{"n": 1}), 400, "metadata"},
		{"unknown field", with("amountMinor", 5), 400, "amountMinor"},
		{"not an object", []any{seedSession()}, 400, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.hostCreate(c.body, hostSecret)
			e := r.get("error")
			m, _ := e.(map[string]any)
			if r.status != c.status || m == nil || m["code"] == nil || m["message"] == nil {
				t.Fatalf("%d %s, want %d with {error:{code,message}}", r.status, r.body, c.status)
			}
			if got, _ := m["param"].(string); c.param != "" && !strings.HasPrefix(got, c.param) {
				t.Errorf("names %q, want %q: %s", got, c.param, r.body)
			}
		})
	}
	r := e.do("POST", "/api/sessions", "", "application/json", []byte("{not json"), "x-checkout-secret", hostSecret)
	if r.status != http.StatusBadRequest {
		t.Errorf("a body that is not JSON: %d", r.status)
	}
	if after, _ := e.counts(); after != before {
		t.Errorf("bad input wrote %d sessions", after-before)
	}
}

// TestHostCORS: the customer's page on an allowed origin may read a
// session (and preflight); other origins get nothing; creating a session is
// server to server only.
func TestHostCORS(t *testing.T) {
	e := newHostEnv(t, "https://shop.example")
	id := e.hostCreate(seedSession(), hostSecret).str("id")
	pre := e.do("OPTIONS", "/api/sessions/"+id, "", "", nil, "Origin", "https://shop.example", "Access-Control-Request-Method", "GET")
	if pre.status != http.StatusNoContent || pre.header.Get("Access-Control-Allow-Origin") != "https://shop.example" || pre.header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("allowed preflight: %d %v", pre.status, pre.header)
	}
	if r := e.do("GET", "/api/sessions/"+id, "", "", nil, "Origin", "https://shop.example"); r.header.Get("Access-Control-Allow-Origin") != "https://shop.example" {
		t.Errorf("allowed GET: %v", r.header)
	}
	for _, o := range []string{"https://evil.example", "null", "https://shop.example.evil.example"} {
		if r := e.do("OPTIONS", "/api/sessions/"+id, "", "", nil, "Origin", o); r.status != http.StatusForbidden || r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("origin %s preflight: %d %v", o, r.status, r.header)
		}
		if r := e.do("GET", "/api/sessions/"+id, "", "", nil, "Origin", o); r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("origin %s GET allowed", o)
		}
	}
	b, _ := jsonMarshal(seedSession())
	if r := e.do("POST", "/api/sessions", "", "application/json", b, "x-checkout-secret", hostSecret, "Origin", "https://shop.example"); r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("POST /api/sessions answers CORS: it is server to server only")
	}
	if r := e.get("/api/sessions/cs_nope", ""); r.status != http.StatusNotFound || r.str("error", "code") != "session_not_found" {
		t.Errorf("unknown session: %d %s", r.status, r.body)
	}
}

// TestHostModeLive: a tenant whose host mode is live gets live sessions;
// with no live provider for the method, that is refused naming provider.
func TestHostModeLive(t *testing.T) {
	e := newHostEnv(t)
	live := "live"
	if _, err := e.svc.UpdateAccount(context.Background(), "org_demo", service.AccountUpdate{HostMode: &live}); err != nil {
		t.Fatal(err)
	}
	m := seedSession()
	m["returnUrl"] = "https://shop.example/confirmation"
	// The tenant has no live stripe (it set no live Stripe keys).
	if r := e.hostCreate(m, hostSecret); r.status != http.StatusBadRequest || r.str("error", "param") != "provider" {
		t.Fatalf("live create through an unconfigured provider: %d %s", r.status, r.body)
	}
	delete(m, "provider") // the card then goes to the live provider the test server has
	r := e.hostCreate(m, hostSecret)
	if r.status != http.StatusOK {
		t.Fatalf("live create: %d %s", r.status, r.body)
	}
	if s := e.get("/api/sessions/"+r.str("id"), ""); s.get("livemode") != true {
		t.Errorf("a live tenant's session is not live: %s", s.body)
	}
	m["returnUrl"] = "http://localhost:3000/confirmation"
	if r := e.hostCreate(m, hostSecret); r.status != http.StatusBadRequest || r.str("error", "param") != "returnUrl" {
		t.Errorf("live mode takes an http returnUrl: %d %s", r.status, r.body)
	}
	bad := "staging"
	if _, err := e.svc.UpdateAccount(context.Background(), "org_demo", service.AccountUpdate{HostMode: &bad}); err == nil || !strings.Contains(err.Error(), "host_mode") {
		t.Errorf("host mode %q: %v", bad, err)
	}
}

func (e *env) hostPost(path string, body any) *response {
	e.t.Helper()
	b, err := jsonMarshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do("POST", path, "", "application/json", b)
}

// TestHostPayAndConfirm follows seed 000's flow: a card by Stripe's test
// PaymentMethods (success, declines with their codes, 3-D Secure through
// redirectUrl and the hosted challenge, then /confirm), and Multibanco.
func TestHostPayAndConfirm(t *testing.T) {
	e := newHostEnv(t)
	create := func(provider string) string {
		m := seedSession()
		m["provider"] = provider
		r := e.hostCreate(m, hostSecret)
		if r.status != http.StatusOK {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		return r.str("id")
	}

	for token, want := range map[string]string{
		"pm_card_visa": "succeeded", "pm_card_mastercard": "succeeded", "tok_visa": "succeeded",
		"pm_card_chargeDeclined": "card_declined", "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
		"pm_card_chargeDeclinedExpiredCard": "expired_card",
	} {
		id := create("stripe")
		r := e.hostPost("/api/sessions/"+id+"/pay", map[string]any{"sourceToken": token})
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", token, r.status, r.body)
		}
		got := r.str("status")
		if got == "failed" {
			got = r.str("failureCode")
		}
		if got != want {
			t.Errorf("%s: %s, want %s", token, r.body, want)
		}
		snap := e.get("/api/sessions/"+id, "")
		if paid := snap.str("paymentStatus") == "paid"; paid != (want == "succeeded") || snap.str("paymentSession", "id") != r.str("id") {
			t.Errorf("%s: snapshot %s", token, snap.body)
		}
	}

	// 3-D Secure: redirectUrl is the hosted challenge; once completed there,
	// /confirm answers the charge paid, twice alike.
	id := create("stripe")
	r := e.hostPost("/api/sessions/"+id+"/pay", map[string]any{"sourceToken": "pm_card_threeDSecure2Required"})
	if r.status != http.StatusOK || r.str("status") != "requires_action" || !strings.HasPrefix(r.str("redirectUrl"), testPublicURL+"/checkout/"+id+"/3ds/") {
		t.Fatalf("3-D Secure: %d %s", r.status, r.body)
	}
	charge := r.str("id")
	challenge := e.openOK(t, strings.TrimPrefix(r.str("redirectUrl"), testPublicURL))
	done := challenge.submit("complete", nil)
	if !strings.HasPrefix(done.location(), "http://localhost:3000/order-confirmation") {
		t.Errorf("after the challenge: %s", done.location())
	}
	// By the payment's id or by the provider's reference (Stripe's pi_…,
	// here the simulator's), twice alike.
	for _, ref := range []string{charge, r.str("chargeId"), charge} {
		c := e.hostPost("/api/sessions/"+id+"/confirm", map[string]any{"chargeId": ref})
		if ref == "" || c.status != http.StatusOK || c.str("status") != "succeeded" || c.str("id") != charge {
			t.Errorf("confirm %q: %d %s", ref, c.status, c.body)
		}
	}
	if s := e.get("/api/sessions/"+id, ""); s.str("state") != "complete" || s.str("paymentStatus") != "paid" {
		t.Errorf("after confirm: %s", s.body)
	}
	// A charge of another session is not this one's.
	other := create("stripe")
	if c := e.hostPost("/api/sessions/"+other+"/confirm", map[string]any{"chargeId": charge}); c.status != http.StatusNotFound || c.str("error", "param") != "chargeId" {
		t.Errorf("another session's charge: %d %s", c.status, c.body)
	}

	// Multibanco through easypay and ifthenpay: the voucher, settled by the
	// test helper.
	for _, provider := range []string{"easypay", "ifthenpay"} {
		id := create(provider)
		r := e.hostPost("/api/sessions/"+id+"/pay", map[string]any{"method": "multibanco"})
		if r.status != http.StatusOK || r.str("status") != "requires_action" || r.str("voucher", "entity") == "" || len(r.str("voucher", "reference")) != 9 || r.get("voucher", "amount") != 9999.0 {
			t.Fatalf("%s voucher: %d %s", provider, r.status, r.body)
		}
		key, err := e.svc.CreateKey(context.Background(), "org_demo", false)
		if err != nil {
			t.Fatal(err)
		}
		if s := e.postJSON("/v1/test_helpers/payments/"+r.str("id")+"/succeed", key, map[string]any{}); s.status != http.StatusOK {
			t.Fatalf("settle: %d %s", s.status, s.body)
		}
		if c := e.hostPost("/api/sessions/"+id+"/confirm", map[string]any{"chargeId": r.str("id")}); c.str("status") != "succeeded" {
			t.Errorf("%s after settling: %s", provider, c.body)
		}
	}
}

// TestHostPayBadInput: unknown tokens, both or neither of token and method,
// an expired session: each a clear error, and a refused pay writes nothing.
func TestHostPayBadInput(t *testing.T) {
	e := newHostEnv(t)
	id := e.hostCreate(seedSession(), hostSecret).str("id")
	before := e.state(t, id)
	for _, c := range []struct {
		body   any
		status int
		param  string
	}{
		{map[string]any{"sourceToken": "pm_card_unknown"}, 400, "sourceToken"},
		{map[string]any{"sourceToken": "4242424242424242"}, 400, "sourceToken"},
		{map[string]any{}, 400, "sourceToken"},
		{map[string]any{"sourceToken": "pm_card_visa", "method": "multibanco"}, 400, "method"},
		{map[string]any{"method": "bitcoin"}, 400, "method"},
		{map[string]any{"sourceToken": 42}, 400, "sourceToken"},
		{map[string]any{"token": "pm_card_visa"}, 400, "token"},
	} {
		r := e.hostPost("/api/sessions/"+id+"/pay", c.body)
		if r.status != c.status || r.str("error", "param") != c.param || r.str("error", "message") == "" {
			t.Errorf("%v: %d %s, want %d naming %s", c.body, r.status, r.body, c.status, c.param)
		}
	}
	if after := e.state(t, id); after != before {
		t.Errorf("refused payments wrote:\n%s\n%s", before, after)
	}
	if r := e.hostPost("/api/sessions/cs_nope/pay", map[string]any{"sourceToken": "pm_card_visa"}); r.status != http.StatusNotFound || r.str("error", "code") != "session_not_found" {
		t.Errorf("unknown session: %d %s", r.status, r.body)
	}
	if r := e.hostPost("/api/sessions/"+id+"/confirm", map[string]any{}); r.status != http.StatusBadRequest || r.str("error", "param") != "chargeId" {
		t.Errorf("confirm without chargeId: %d %s", r.status, r.body)
	}

	// After expiry every mutating call says session_expired; the page says so.
	e.clock.Add(31 * time.Minute)
	if r := e.hostPost("/api/sessions/"+id+"/pay", map[string]any{"sourceToken": "pm_card_visa"}); r.status != http.StatusBadRequest || r.str("error", "code") != "session_expired" {
		t.Errorf("pay after expiry: %d %s", r.status, r.body)
	}
	if s := e.get("/api/sessions/"+id, ""); s.str("state") != "expired" {
		t.Errorf("snapshot after expiry: %s", s.body)
	}
	e.openOK(t, "/c/"+id).mustContain("This checkout has expired")
}

// TestHostPaymentLink: seed 000's example makes a single-use link, its own
// session cs_link_…, living expiresIn, whose page pays and then says so.
func TestHostPaymentLink(t *testing.T) {
	e := newHostEnv(t)
	body := map[string]any{"amount": 4500, "currency": "EUR", "tenantId": "org_demo", "description": "Invoice #1234", "expiresIn": 86400000}
	b, _ := jsonMarshal(body)
	if r := e.do("POST", "/api/payment-links", "", "application/json", b); r.status != http.StatusUnauthorized {
		t.Errorf("without the secret: %d", r.status)
	}
	r := e.do("POST", "/api/payment-links", "", "application/json", b, "x-checkout-secret", hostSecret)
	if r.status != http.StatusOK || len(r.json) != 3 || !strings.HasPrefix(r.str("id"), "cs_link_") || r.str("url") != testPublicURL+"/c/"+r.str("id") {
		t.Fatalf("link: %d %s", r.status, r.body)
	}
	if at, err := time.Parse("2006-01-02T15:04:05.000Z", r.str("expiresAt")); err != nil || at.Sub(e.clock.Now()) != 24*time.Hour {
		t.Errorf("expiresAt %s: want expiresIn from now", r.str("expiresAt"))
	}
	id := r.str("id")
	page := e.openOK(t, "/c/"+id)
	page.mustContain("Invoice #1234", "€45.00")
	done := page.pay("4242424242424242")
	if done.location() != testPublicURL+"/c/"+id {
		t.Errorf("after paying, the link goes to %s, want its own page", done.location())
	}
	e.openOK(t, "/c/"+id).mustContain("Payment received")
	for _, bad := range []map[string]any{
		{"amount": 4500, "currency": "EUR", "tenantId": "org_nope"},
		{"currency": "EUR", "tenantId": "org_demo"},
		{"amount": 4500, "tenantId": "org_demo"},
		{"amount": 4500, "currency": "EUR", "tenantId": "org_demo", "expiresIn": 1},
		{"amount": 4500, "currency": "EUR", "tenantId": "org_demo", "orderId": "x"},
	} {
		b, _ := jsonMarshal(bad)
		if r := e.do("POST", "/api/payment-links", "", "application/json", b, "x-checkout-secret", hostSecret); r.status/100 != 4 || r.str("error", "param") == "" {
			t.Errorf("%v: %d %s", bad, r.status, r.body)
		}
	}
}
