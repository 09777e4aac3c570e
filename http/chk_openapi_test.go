package http_test

import (
	"bytes"
	"context"
	stdjson "encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// TestOpenAPIChkExchanges holds /v1/checkout_sessions and the page's cancel
// to openapi.json: real requests and responses of every operation, in
// success and failure, validate against the document.
func TestOpenAPIChkExchanges(t *testing.T) {
	v, _ := oaValidator(t)
	o := &oaEnv{env: newChkEnv(t, "sqlite"), v: v}
	o.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	o.webhooks(true)
	const json = "application/json"
	base := "/v1/checkout_sessions"

	full := o.exchange(oaRequest{method: "POST", path: base, auth: oaBearer(o.key), contentType: json, body: oaJSON(t, chkSession()), status: 200})
	id := full.str("id")
	form := url.Values{"amount": {"9.99"}, "currency": {"USD"}, "success_url": {"https://a.example/ok"}, "cancel_url": {"https://a.example/no"},
		"supported_tokens[0][chain]": {"base"}, "supported_tokens[0][token]": {"USDC"}, "metadata[k]": {"v"},
		"expired_at": {o.clock.Now().Add(time.Hour).Format(time.RFC3339)}}
	bare := o.exchange(oaRequest{method: "POST", path: base, auth: oaBearer(o.key), contentType: "application/x-www-form-urlencoded",
		body: []byte(form.Encode()), status: 200})
	o.exchange(oaRequest{method: "POST", path: base, auth: oaBearer(o.key), contentType: json,
		body:   oaJSON(t, map[string]any{"currency": "USD", "amount": "1.00", "mode": "subscription", "success_url": "https://a.example", "cancel_url": "https://a.example"}),
		status: 400, request: oaValid})
	o.exchange(oaRequest{method: "POST", path: base, auth: oaBearer(o.key), contentType: json,
		body:   oaJSON(t, map[string]any{"currency": "USD", "amount": 1, "success_url": "https://a.example", "cancel_url": "https://a.example"}),
		status: 400, request: oaInvalid})
	o.exchange(oaRequest{method: "POST", path: base, auth: nil, contentType: json, body: oaJSON(t, chkSession()), status: 401, request: oaSkip})

	o.exchange(oaRequest{method: "GET", path: base + "/" + id, auth: oaBearer(o.key), status: 200})
	o.exchange(oaRequest{method: "GET", path: base + "/chk_test_none", auth: oaBearer(o.key), status: 404})
	sel := o.exchange(oaRequest{method: "POST", path: base + "/" + id, auth: oaBearer(o.key), contentType: json,
		body: oaJSON(t, map[string]any{"selected_token": "USDC", "chain": "base"}), status: 200})
	o.exchange(oaRequest{method: "POST", path: base + "/" + id, auth: oaBearer(o.key), contentType: json,
		body: oaJSON(t, map[string]any{"selected_token": "DAI", "chain": "base"}), status: 400})
	o.exchange(oaRequest{method: "GET", path: base + "/" + id, auth: oaBearer(o.key), status: 200})
	// (The canonical shapes of stablecoin payments are the canonical
	// API's to document.)
	if r := o.do("POST", "/v1/test_helpers/payments/"+sel.str("payment_intent_id")+"/succeed", o.key, "", nil); r.status != 200 {
		t.Fatalf("succeed: %d %s", r.status, r.body)
	}
	o.exchange(oaRequest{method: "GET", path: base + "/" + id, auth: oaBearer(o.key), status: 200})
	o.exchange(oaRequest{method: "POST", path: base + "/" + bare.str("id") + "/cancel", auth: oaBearer(o.key), status: 200})
	o.exchange(oaRequest{method: "POST", path: base + "/" + id + "/cancel", auth: oaBearer(o.key), contentType: json, body: []byte("{}"), status: 400})
	o.exchange(oaRequest{method: "GET", path: base + "?limit=2&status=completed", auth: oaBearer(o.key), status: 200})
	o.exchange(oaRequest{method: "GET", path: base + "?starting_after=" + id, auth: oaBearer(o.key), status: 200})
	o.exchange(oaRequest{method: "GET", path: base + "?status=complete", auth: oaBearer(o.key), status: 400, request: oaInvalid})
	// Canonical sessions read here; chk_ ones there.
	cs := o.create(o.key, validSession()).str("id")
	o.exchange(oaRequest{method: "GET", path: base + "/" + cs, auth: oaBearer(o.key), status: 200})
	card := o.exchange(oaRequest{method: "POST", path: base, auth: oaBearer(o.key), contentType: json, body: oaJSON(t, map[string]any{
		"currency": "USD", "amount": "4.20", "payment_method_types": []string{"card"}, "success_url": "https://a.example", "cancel_url": "https://a.example"}), status: 200})
	o.exchange(oaRequest{method: "GET", path: "/v1/checkout/sessions/" + card.str("id"), auth: oaBearer(o.key), status: 200})

	// Webhook endpoints with a format.
	ep := o.exchange(oaRequest{method: "POST", path: "/v1/webhook_endpoints", auth: oaBearer(o.key), contentType: json,
		body: oaJSON(t, map[string]any{"url": "https://hooks.example/in", "enabled_events": []string{"*"}, "format": "checkout_sessions"}), status: 200})
	o.exchange(oaRequest{method: "POST", path: "/v1/webhook_endpoints/" + ep.str("id"), auth: oaBearer(o.key), contentType: json,
		body: oaJSON(t, map[string]any{"format": "canonical"}), status: 200})
	o.exchange(oaRequest{method: "POST", path: "/v1/webhook_endpoints/" + ep.str("id"), auth: oaBearer(o.key), contentType: json,
		body: oaJSON(t, map[string]any{"format": "v3"}), status: 400, request: oaInvalid})

	// A checkout_sessions webhook's data.object is a ChkSession: held to the
	// document through the retrieve route's schema, and drift refused.
	rcv := newWHReceiver(t)
	o.newEndpoint(o.key, map[string]any{"url": rcv.url(), "enabled_events": []string{"checkout.session.canceled"}, "format": "checkout_sessions"})
	gone := o.chkCreate(t, chkSession()).str("id")
	if r := o.do("POST", base+"/"+gone+"/cancel", o.key, "", nil); r.status != 200 {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	var ev struct {
		Data struct {
			Object map[string]any `json:"object"`
		} `json:"data"`
	}
	if err := stdjson.Unmarshal(rcv.wait(t, 1)[0].body, &ev); err != nil {
		t.Fatal(err)
	}
	validObject := func(m map[string]any) bool {
		req := o.newRequest(oaRequest{method: "GET", path: base + "/" + gone, auth: oaBearer(o.key)})
		res := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}, "Request-Id": {"req_1"}},
			Body: io.NopCloser(bytes.NewReader(oaJSON(t, m)))}
		ok, errs := o.v.ValidateHttpResponse(req, res)
		if !ok {
			t.Logf("%s", oaErrors(errs))
		}
		return ok
	}
	if !validObject(ev.Data.Object) {
		t.Errorf("the webhook's data.object is not a ChkSession: %v", ev.Data.Object)
	}
	for name, mutate := range map[string]func(m map[string]any){
		"an extra field":        func(m map[string]any) { m["payment_status"] = "unpaid" },
		"the canonical status":  func(m map[string]any) { m["status"] = "complete" },
		"an amount in cents":    func(m map[string]any) { m["amount_total"] = 2500 },
		"no used_at":            func(m map[string]any) { delete(m, "used_at") },
		"a lower-case currency": func(m map[string]any) { m["currency"] = "usd" },
		"a token without chain": func(m map[string]any) { delete(m["supported_tokens"].([]any)[0].(map[string]any), "chain") },
	} {
		var m map[string]any
		stdjson.Unmarshal(oaJSON(t, ev.Data.Object), &m)
		mutate(m)
		if validObject(m) {
			t.Errorf("%s: still validates", name)
		}
	}

	// The page's cancel.
	other := o.exchange(oaRequest{method: "POST", path: base, auth: oaBearer(o.key), contentType: json, body: oaJSON(t, chkSession()), status: 200})
	page := o.openOK(t, "/checkout/"+other.str("id"))
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(page.body)
	if m == nil {
		t.Fatal("no csrf_token on the page")
	}
	ct := "application/x-www-form-urlencoded"
	o.exchange(oaRequest{method: "POST", path: "/checkout/" + other.str("id") + "/cancel", contentType: ct,
		body: []byte(url.Values{"csrf_token": {"nope"}}.Encode()), status: 403})
	o.exchange(oaRequest{method: "POST", path: "/checkout/" + other.str("id") + "/cancel", contentType: ct,
		body: []byte(url.Values{"csrf_token": {m[1]}}.Encode()), status: 303})
	o.exchange(oaRequest{method: "POST", path: "/checkout/" + cs + "/cancel", contentType: ct,
		body: []byte(url.Values{"csrf_token": {m[1]}}.Encode()), status: 404})

	// A single-use link's session (cs_link_…) reads in both shapes as the
	// document says its id may be.
	link, err := o.svc.CreateSession(context.Background(), checkout.Scope{AccountID: o.accts[0]}, &service.SessionParams{Amount: ptr(int64(500)),
		Currency: "USD", SuccessURL: "https://a.example/ok", CancelURL: "https://a.example/no", LinkID: true})
	if err != nil || !strings.HasPrefix(link.ID, "cs_link_") {
		t.Fatalf("link session %v: %v", link, err)
	}
	o.exchange(oaRequest{method: "GET", path: base + "/" + link.ID, auth: oaBearer(o.key), status: 200})
	o.exchange(oaRequest{method: "GET", path: "/v1/checkout/sessions/" + link.ID, auth: oaBearer(o.key), status: 200})
}
