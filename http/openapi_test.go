package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	valerrors "github.com/pb33f/libopenapi-validator/errors"

	"github.com/checkoutd/checkoutd/checkout"
	chttp "github.com/checkoutd/checkoutd/http"
	"github.com/checkoutd/checkoutd/service"
)

// The tests in this file hold http/openapi.json to the server: every route is
// documented and nothing else is, the document is valid OpenAPI 3.1, and real
// requests and responses of a real server validate against it. The schemas
// of response objects forbid undocumented properties, so a field added to
// api_render.go without the document fails here.

const oaDocFile = "openapi.json"

// openapiValidator loads the document and returns a validator for it.
func oaValidator(t *testing.T) (validator.Validator, libopenapi.Document) {
	t.Helper()
	spec, err := os.ReadFile(oaDocFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := libopenapi.NewDocument(spec)
	if err != nil {
		t.Fatalf("%s does not load: %v", oaDocFile, err)
	}
	v, errs := validator.NewValidator(doc,
		config.WithFormatAssertions(),
		config.WithURLEncodedBodyValidation(),
	)
	if len(errs) > 0 {
		t.Fatalf("%s: no validator: %v", oaDocFile, errs)
	}
	return v, doc
}

func oaErrors(errs []*valerrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\n  - %s: %s", e.Message, e.Reason)
		for _, f := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n      %s: %s", f.FieldPath, f.Reason)
		}
	}
	return b.String()
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	v, _ := oaValidator(t)
	if ok, errs := v.ValidateDocument(); !ok {
		t.Fatalf("%s is not a valid OpenAPI document:%s", oaDocFile, oaErrors(errs))
	}
	var head struct {
		OpenAPI string `json:"openapi"`
	}
	spec, _ := os.ReadFile(oaDocFile)
	if err := json.Unmarshal(spec, &head); err != nil || head.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q (%v), want 3.1.0", head.OpenAPI, err)
	}
}

// TestOpenAPIDescribesEveryRoute checks that the document's operations and the
// server's routes are the same set.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	_, doc := oaValidator(t)
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, item := range model.Model.Paths.PathItems.FromOldest() {
		for method := range item.GetOperations().FromOldest() {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	e := newEnv(t)
	srv, ok := e.srv.Config.Handler.(*chttp.Server)
	if !ok {
		t.Fatalf("the test server's handler is a %T", e.srv.Config.Handler)
	}
	routes := srv.Routes()
	if len(routes) == 0 {
		t.Fatal("the server lists no routes")
	}
	served := map[string]bool{}
	for _, pattern := range routes {
		method, path, ok := strings.Cut(pattern, " ")
		if !ok || method == "" {
			t.Errorf("route %q has no method; every route should name one", pattern)
			continue
		}
		// ServeMux wildcards: {name...} and {$} have no OpenAPI spelling
		// other than a plain parameter and the bare path.
		path = strings.ReplaceAll(strings.TrimSuffix(path, "{$}"), "...}", "}")
		key := method + " " + path
		served[key] = true
		if !documented[key] {
			t.Errorf("route %q is not in %s", pattern, oaDocFile)
		}
	}
	for _, op := range slices.Sorted(maps.Keys(documented)) {
		if !served[op] {
			t.Errorf("%s documents %q, which the server does not route", oaDocFile, op)
		}
	}
}

// TestOpenAPIObjectsAreClosed checks that every object schema with
// properties forbids others, which is what makes drift between api_render.go and
// the document fail TestOpenAPIExchanges.
func TestOpenAPIObjectsAreClosed(t *testing.T) {
	spec, err := os.ReadFile(oaDocFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(spec, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["properties"].(map[string]any); ok {
				if ap, ok := v["additionalProperties"]; !ok || ap != false {
					t.Errorf("%s: an object schema with properties must say additionalProperties: false", where)
				}
			}
			for k, c := range v {
				walk(where+"/"+k, c)
			}
		case []any:
			for i, c := range v {
				walk(where+"/"+strconv.Itoa(i), c)
			}
		}
	}
	walk("#", doc)
}

// oaRequest is one exchange with the server.
type oaRequest struct {
	method, path string
	auth         func(*http.Request) // sets the credentials; nil sends none
	contentType  string
	body         []byte
	header       []string // name, value pairs
	status       int      // expected
	// request is whether the document must accept the request (oaValid), must
	// refuse it (oaInvalid), or cannot tell (oaSkip: e.g. OpenAPI cannot forbid
	// undeclared query parameters, which the server refuses).
	request oaVerdict
}

type oaVerdict int

const (
	oaValid oaVerdict = iota
	oaInvalid
	oaSkip
)

// oaEnv drives a server and validates every exchange against the document.
type oaEnv struct {
	*env
	v validator.Validator
}

// newOAEnv is newEnv with the payment simulator as the test-mode provider
// and a client that reports redirects rather than following them (the hosted
// page redirects to the merchant's success_url).
func newOAEnv(t *testing.T) *oaEnv {
	v, _ := oaValidator(t)
	o := &oaEnv{env: newEnv(t), v: v}
	o.configure(func(c *service.Config) { c.Providers = simProviders(o.clock) })
	o.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return o
}

func oaBearer(key string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+key) }
}

func oaBasic(key string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(key, "") }
}

func oaAPIKey(key string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("X-Api-Key", key) }
}

func (o *oaEnv) newRequest(c oaRequest) *http.Request {
	o.t.Helper()
	req, err := http.NewRequest(c.method, o.srv.URL+c.path, bytes.NewReader(c.body))
	if err != nil {
		o.t.Fatal(err)
	}
	if c.auth != nil {
		c.auth(req)
	}
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	for i := 0; i+1 < len(c.header); i += 2 {
		req.Header.Set(c.header[i], c.header[i+1])
	}
	return req
}

// exchange sends c, checks the status, and validates the request and the
// response against the document.
func (o *oaEnv) exchange(c oaRequest) *response {
	o.t.Helper()
	what := c.method + " " + c.path
	res, err := o.client.Do(o.newRequest(c))
	if err != nil {
		o.t.Fatal(err)
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		o.t.Fatal(err)
	}
	out := &response{status: res.StatusCode, header: res.Header, body: b}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &out.json); err != nil {
			o.t.Fatalf("%s: response is not JSON: %v: %.300s", what, err, b)
		}
	}
	if res.StatusCode != c.status {
		o.t.Fatalf("%s: status %d, want %d: %.500s", what, res.StatusCode, c.status, b)
	}

	// The sent request's body is spent: validate a fresh copy.
	req := o.newRequest(c)
	switch ok, errs := o.v.ValidateHttpRequestSync(req); {
	case c.request == oaValid && !ok:
		o.t.Errorf("%s: the document refuses a request the server accepts as intended:%s", what, oaErrors(errs))
	case c.request == oaInvalid && ok:
		o.t.Errorf("%s: the document accepts a request the server refuses (%d %.200s)", what, res.StatusCode, b)
	}

	res.Body = io.NopCloser(bytes.NewReader(b))
	if ok, errs := o.v.ValidateHttpResponse(o.newRequest(c), res); !ok {
		o.t.Errorf("%s: the %d response does not match the document:%s\nbody: %.2000s", what, res.StatusCode, oaErrors(errs), b)
	}
	return out
}

func oaJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOpenAPIExchanges drives every operation through success and failure
// and validates each request and response against the document.
func TestOpenAPIExchanges(t *testing.T) {
	o := newOAEnv(t)
	t0 := o.clock.Now()
	sessions := "/v1/checkout/sessions"

	// Create, as JSON, with every parameter.
	full := map[string]any{
		"amount": 3000, "currency": "ghs",
		"success_url": "https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}", "cancel_url": "https://shop.example/cart",
		"customer": "cus_42", "customer_email": "ama@example.com", "customer_phone": "+233 20 000 0000",
		"payment_method_types": []string{"card"}, "metadata": map[string]string{"order_id": "1234", "note": ""},
		"expires_at": t0.Add(2 * time.Hour).Format(time.RFC3339), "client_reference_id": "order-1234",
		"locale": "en-GB", "description": "Two teas and a cake", "mode": "payment",
		"line_items": []any{
			map[string]any{"quantity": 2, "price_data": map[string]any{"currency": "GHS", "unit_amount": 1000,
				"product_data": map[string]any{"name": "Tea", "description": "Green", "images": []string{"https://shop.example/tea.png"}}}},
			map[string]any{"quantity": 1, "price_data": map[string]any{"currency": "GHS", "unit_amount": 1000,
				"product_data": map[string]any{"name": "Cake"}}},
		},
	}
	s1 := o.exchange(oaRequest{method: "POST", path: sessions, auth: oaBearer(o.key), contentType: "application/json",
		body: oaJSON(t, full), status: 200})
	id1 := s1.str("id")

	// Create with a bare amount, under an Idempotency-Key, then replay it.
	idem := []string{"Idempotency-Key", "order-1234-attempt"}
	minimal := oaJSON(t, validSession())
	s2 := o.exchange(oaRequest{method: "POST", path: sessions, auth: oaBearer(o.key), contentType: "application/json",
		body: minimal, header: idem, status: 200})
	replay := o.exchange(oaRequest{method: "POST", path: sessions, auth: oaBearer(o.key), contentType: "application/json",
		body: minimal, header: idem, status: 200})
	if replay.header.Get("Idempotent-Replayed") != "true" || replay.str("id") != s2.str("id") {
		t.Errorf("the replay is not one: %v %s", replay.header, replay.body)
	}

	// Create as a form in bracket notation, as Stripe's SDKs send it.
	form := url.Values{}
	for _, kv := range [][2]string{
		{"amount", "2000"},
		{"currency", "GHS"},
		{"success_url", "https://shop.example/ok"},
		{"cancel_url", "https://shop.example/cart"},
		{"customer_email", "kofi@example.com"},
		{"metadata[order_id]", "5678"},
		{"metadata[channel]", "web"},
		{"line_items[0][quantity]", "2"},
		{"line_items[0][price_data][currency]", "GHS"},
		{"line_items[0][price_data][unit_amount]", "750"},
		{"line_items[0][price_data][product_data][name]", "Bread"},
		{"line_items[0][price_data][product_data][images][0]", "https://shop.example/bread.png"},
		{"line_items[1][quantity]", "1"},
		{"line_items[1][price_data][currency]", "GHS"},
		{"line_items[1][price_data][unit_amount]", "500"},
		{"line_items[1][price_data][product_data][name]", "Butter"},
		{"payment_method_types[0]", "card"},
		{"expires_at", strconv.FormatInt(t0.Add(time.Hour).Unix(), 10)},
		{"locale", "fr"},
	} {
		form.Set(kv[0], kv[1])
	}
	s3 := o.exchange(oaRequest{method: "POST", path: sessions, auth: oaBearer(o.key),
		contentType: "application/x-www-form-urlencoded", body: []byte(form.Encode()), status: 200})
	if s3.get("metadata", "order_id") != "5678" || s3.get("amount_total") != 2000.0 {
		t.Errorf("the form was not read as meant: %s", s3.body)
	}

	// Multibanco in EUR for account B; a live session for account A.
	eur := validSession()
	eur["currency"], eur["payment_method_types"] = "EUR", []string{"multibanco", "card"}
	o.exchange(oaRequest{method: "POST", path: sessions, auth: oaBearer(o.keyB), contentType: "application/json",
		body: oaJSON(t, eur), status: 200})
	o.exchange(oaRequest{method: "POST", path: sessions, auth: oaBearer(o.liveA), contentType: "application/json",
		body: oaJSON(t, map[string]any{"amount": 100, "success_url": "https://a.example", "cancel_url": "https://a.example"}), status: 200})

	// Retrieve, with each way of sending the key.
	for _, auth := range []func(*http.Request){oaBearer(o.key), oaBasic(o.key), oaAPIKey(o.key)} {
		o.exchange(oaRequest{method: "GET", path: sessions + "/" + id1, auth: auth, status: 200})
	}

	// List, with filters and pagination.
	q := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return sessions + "?" + v.Encode()
	}
	page := o.exchange(oaRequest{method: "GET", path: q("limit", "2"), auth: oaBearer(o.key), status: 200})
	if data, _ := page.get("data").([]any); len(data) != 2 || page.get("has_more") != true {
		t.Fatalf("first page: %s", page.body)
	}
	last := page.get("data").([]any)[1].(map[string]any)["id"].(string)
	next := o.exchange(oaRequest{method: "GET", path: q("limit", "2", "starting_after", last), auth: oaBearer(o.key), status: 200})
	if data, _ := next.get("data").([]any); len(data) != 1 {
		t.Errorf("second page: %s", next.body)
	}
	o.exchange(oaRequest{method: "GET", path: q("ending_before", id1), auth: oaBearer(o.key), status: 200})
	filtered := o.exchange(oaRequest{method: "GET", path: q("status", "open", "customer", "cus_42", "customer_email", "ama@example.com",
		"created[gte]", strconv.FormatInt(t0.Add(-time.Minute).Unix(), 10), "created[lte]", t0.Add(time.Minute).Format(time.RFC3339)),
		auth: oaBearer(o.key), status: 200})
	if data, _ := filtered.get("data").([]any); len(data) != 1 {
		t.Errorf("filtered list: %s", filtered.body)
	}
	o.exchange(oaRequest{method: "GET", path: q("payment", "pay_none", "limit", "100"), auth: oaBearer(o.key), status: 200})

	// Expire, then expire again: a 400 for the state, replayed under its key.
	o.exchange(oaRequest{method: "POST", path: sessions + "/" + id1 + "/expire", auth: oaBearer(o.key), status: 200})
	ek := []string{"Idempotency-Key", "expire-again"}
	again := o.exchange(oaRequest{method: "POST", path: sessions + "/" + id1 + "/expire", auth: oaBearer(o.key),
		contentType: "application/json", body: []byte("{}"), header: ek, status: 400})
	if again.str("error", "code") != "checkout_session_expired" {
		t.Errorf("second expire: %s", again.body)
	}
	o.exchange(oaRequest{method: "POST", path: sessions + "/" + id1 + "/expire", auth: oaBearer(o.key),
		contentType: "application/json", body: []byte("{}"), header: ek, status: 400})
	o.exchange(oaRequest{method: "POST", path: sessions + "/" + s2.str("id") + "/expire", auth: oaBearer(o.key),
		contentType: "application/x-www-form-urlencoded", status: 200})

	// A session past its expires_at reads as expired before any sweep.
	o.clock.Add(90 * time.Minute)
	if r := o.exchange(oaRequest{method: "GET", path: sessions + "/" + s3.str("id"), auth: oaBearer(o.key), status: 200}); r.str("status") != "expired" {
		t.Errorf("a session past expires_at reads as %q", r.str("status"))
	}
	if r := o.exchange(oaRequest{method: "GET", path: q("status", "expired"), auth: oaBearer(o.key), status: 200}); len(r.get("data").([]any)) != 3 {
		t.Errorf("expired sessions: %s", r.body)
	}

	// Events.
	events := o.exchange(oaRequest{method: "GET", path: "/v1/events", auth: oaBearer(o.key), status: 200})
	evs, _ := events.get("data").([]any)
	if len(evs) < 2 {
		t.Fatalf("events: %s", events.body)
	}
	evID := evs[0].(map[string]any)["id"].(string)
	o.exchange(oaRequest{method: "GET", path: "/v1/events?type=checkout.session.expired&limit=1", auth: oaBearer(o.key), status: 200})
	o.exchange(oaRequest{method: "GET", path: "/v1/events?limit=1&starting_after=" + evID, auth: oaBearer(o.key), status: 200})
	o.exchange(oaRequest{method: "GET", path: "/v1/events/" + evID, auth: oaBearer(o.key), status: 200})

	// Errors.
	bad := validSession()
	bad["amout"] = 5000
	r := o.exchange(oaRequest{method: "POST", path: sessions, auth: oaBearer(o.key), contentType: "application/json",
		body: oaJSON(t, bad), status: 400, request: oaInvalid})
	if r.str("error", "param") != "amout" || r.str("error", "code") != "parameter_unknown" {
		t.Errorf("unknown parameter: %s", r.body)
	}
	noURL := validSession()
	delete(noURL, "success_url")
	o.exchange(oaRequest{method: "POST", path: sessions, auth: oaBearer(o.key), contentType: "application/json",
		body: oaJSON(t, noURL), status: 400, request: oaInvalid})
	for _, f := range []string{
		"amount=abc&success_url=https://a.example&cancel_url=https://a.example",
		"amout=5000&success_url=https://a.example&cancel_url=https://a.example",
		"line_items[0][quantity]=0&line_items[0][price_data][currency]=GHS&line_items[0][price_data][unit_amount]=5" +
			"&line_items[0][price_data][product_data][name]=Pen&success_url=https://a.example&cancel_url=https://a.example",
		"amount=100&metadata[" + strings.Repeat("k", 41) + "]=1&success_url=https://a.example&cancel_url=https://a.example",
	} {
		o.exchange(oaRequest{method: "POST", path: sessions, auth: oaBearer(o.key),
			contentType: "application/x-www-form-urlencoded", body: []byte(f), status: 400, request: oaInvalid})
	}
	zzz := validSession()
	zzz["currency"] = "ZZZ" // well-formed, but no such currency: only the server knows
	o.exchange(oaRequest{method: "POST", path: sessions, auth: oaBearer(o.key), contentType: "application/json",
		body: oaJSON(t, zzz), status: 400})
	o.exchange(oaRequest{method: "POST", path: sessions, auth: oaBearer(o.key), contentType: "text/plain",
		body: []byte("amount=5000"), status: 400, request: oaInvalid})
	o.exchange(oaRequest{method: "POST", path: sessions, auth: oaBearer(o.key), contentType: "application/json",
		body: minimal, header: []string{"Idempotency-Key", strings.Repeat("k", 256)}, status: 400, request: oaInvalid})
	reused := o.exchange(oaRequest{method: "POST", path: sessions, auth: oaBearer(o.key), contentType: "application/json",
		body: oaJSON(t, full), header: idem, status: 400})
	if reused.str("error", "type") != "idempotency_error" {
		t.Errorf("key reused: %s", reused.body)
	}
	o.exchange(oaRequest{method: "GET", path: q("limit", "0"), auth: oaBearer(o.key), status: 400, request: oaInvalid})
	o.exchange(oaRequest{method: "GET", path: q("limit", "101"), auth: oaBearer(o.key), status: 400, request: oaInvalid})
	o.exchange(oaRequest{method: "GET", path: q("status", "lost"), auth: oaBearer(o.key), status: 400, request: oaInvalid})
	o.exchange(oaRequest{method: "GET", path: q("bogus", "1"), auth: oaBearer(o.key), status: 400, request: oaSkip})
	o.exchange(oaRequest{method: "GET", path: q("starting_after", id1, "ending_before", id1), auth: oaBearer(o.key), status: 400})

	o.exchange(oaRequest{method: "GET", path: sessions, status: 401, request: oaInvalid})
	o.exchange(oaRequest{method: "GET", path: sessions, auth: oaBearer("sk_test_nope"), status: 401})
	o.exchange(oaRequest{method: "POST", path: sessions, auth: oaAPIKey("sk_live_nope"), contentType: "application/json",
		body: minimal, status: 401})

	o.exchange(oaRequest{method: "GET", path: sessions + "/cs_nope", auth: oaBearer(o.key), status: 404})
	o.exchange(oaRequest{method: "GET", path: sessions + "/" + id1, auth: oaBearer(o.keyB), status: 404})
	o.exchange(oaRequest{method: "GET", path: q("starting_after", "cs_nope"), auth: oaBearer(o.key), status: 404})
	o.exchange(oaRequest{method: "POST", path: sessions + "/cs_nope/expire", auth: oaBearer(o.key), status: 404})
	o.exchange(oaRequest{method: "GET", path: "/v1/events/evt_nope", auth: oaBearer(o.key), status: 404})

	huge := oaJSON(t, map[string]any{"amount": 1, "description": strings.Repeat("x", chttp.MaxBodyBytes)})
	o.exchange(oaRequest{method: "POST", path: sessions, auth: oaBearer(o.key), contentType: "application/json",
		body: huge, status: 413, request: oaInvalid})

	// 409: a request with this key is still in flight.
	fp := oaFingerprint(o, minimal)
	scope := checkout.Scope{AccountID: "acct_a"}
	if prev, err := o.store.ClaimIdempotencyKey(context.Background(), &checkout.IdempotencyRecord{
		Scope: scope, Key: "in-flight", Fingerprint: fp, Created: o.clock.Now()}); err != nil || prev != nil {
		t.Fatal(prev, err)
	}
	busy := o.exchange(oaRequest{method: "POST", path: sessions, auth: oaBearer(o.key), contentType: "application/json",
		body: minimal, header: []string{"Idempotency-Key", "in-flight"}, status: 409})
	if busy.header.Get("Retry-After") == "" {
		t.Error("409 without Retry-After")
	}

	// Operations endpoints need no key.
	o.exchange(oaRequest{method: "GET", path: "/", status: 200})
	o.exchange(oaRequest{method: "GET", path: "/healthz", status: 200})
	o.exchange(oaRequest{method: "GET", path: "/readyz", status: 200})
	o.exchange(oaRequest{method: "GET", path: "/metrics", status: 200})
	served := o.exchange(oaRequest{method: "GET", path: "/openapi.json", status: 200})
	if spec, _ := os.ReadFile(oaDocFile); !bytes.Equal(served.body, spec) {
		t.Error("GET /openapi.json does not serve http/openapi.json")
	}
}

// oaFingerprint learns the fingerprint the server gives a create with body,
// by sending it under a throwaway key of account B and reading the record.
func oaFingerprint(o *oaEnv, body []byte) string {
	o.t.Helper()
	o.do("POST", "/v1/checkout/sessions", o.keyB, "application/json", body, "Idempotency-Key", "oa-probe")
	rec, err := o.store.ClaimIdempotencyKey(context.Background(), &checkout.IdempotencyRecord{
		Scope: checkout.Scope{AccountID: "acct_b"}, Key: "oa-probe", Created: o.clock.Now()})
	if err != nil || rec == nil {
		o.t.Fatal("no record for the probe", err)
	}
	return rec.Fingerprint
}

// TestOpenAPIServerFailures covers the 500 and the 503 of a server whose
// store is gone.
func TestOpenAPIServerFailures(t *testing.T) {
	o := newOAEnv(t)
	id := o.create(o.key, validSession()).str("id")
	o.store.Close()
	o.exchange(oaRequest{method: "GET", path: "/v1/checkout/sessions/" + id, auth: oaBearer(o.key), status: 500})
	o.exchange(oaRequest{method: "POST", path: "/v1/checkout/sessions", auth: oaBearer(o.key), contentType: "application/json",
		body: oaJSON(t, validSession()), status: 500})
	o.exchange(oaRequest{method: "GET", path: "/v1/payments", auth: oaBearer(o.key), status: 500})
	o.exchange(oaRequest{method: "GET", path: "/readyz", status: 503})
	o.exchange(oaRequest{method: "GET", path: "/healthz", status: 200})

	// The hosted page fails with a page of its own.
	for _, path := range []string{"/checkout/" + id, "/c/" + id, "/checkout/" + id + "/3ds/pay_x", "/test/payments/pay_x"} {
		if r := o.exchange(oaRequest{method: "GET", path: path, status: 500}); !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Errorf("GET %s: a 500 of type %q", path, r.header.Get("Content-Type"))
		}
	}
	form := url.Values{"csrf_token": {"x"}, "method": {"card"}}
	o.exchange(oaRequest{method: "POST", path: "/checkout/" + id + "/pay", contentType: "application/x-www-form-urlencoded",
		body: []byte(form.Encode()), status: 500})
}

// TestOpenAPIHostedPageOperations checks how the document describes the
// hosted page: every route outside /v1 and the operations endpoints is a page
// tagged "Hosted page", needs no key, and answers HTML with the security
// headers (but for redirects and failures).
func TestOpenAPIHostedPageOperations(t *testing.T) {
	spec, err := os.ReadFile(oaDocFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Responses map[string]struct {
				Headers map[string]any            `json:"headers"`
				Content map[string]map[string]any `json:"content"`
			} `json:"responses"`
		} `json:"components"`
	}
	if err := json.Unmarshal(spec, &doc); err != nil {
		t.Fatal(err)
	}
	// Not pages either: operations, the images pages show (/files/{id}),
	// seed 000's and seed 002's JSON APIs (/api/…, /v2/…) and gateways' messages (/providers/…).
	// The in_store waiting page's and /terminal's event streams are for their scripts, not pages.
	operations := map[string]bool{"/": true, "/healthz": true, "/readyz": true, "/metrics": true, "/openapi.json": true, "/files/{id}": true,
		"/checkout/{id}/device/{payment}/events": true, "/terminal/stream": true}
	pages := 0
	for path, item := range doc.Paths {
		for method, raw := range item {
			if method == "parameters" {
				continue
			}
			var op struct {
				Tags      []string                  `json:"tags"`
				Security  *[]any                    `json:"security"`
				Responses map[string]map[string]any `json:"responses"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			isPage := slices.Contains(op.Tags, "Hosted page")
			if want := !strings.HasPrefix(path, "/v1/") && !strings.HasPrefix(path, "/v2/") && !strings.HasPrefix(path, "/api/") && !strings.HasPrefix(path, "/providers/") && !operations[path]; isPage != want {
				t.Errorf("%s %s: tagged Hosted page: %v, want %v", method, path, isPage, want)
			}
			if !isPage {
				continue
			}
			pages++
			if op.Security == nil || len(*op.Security) != 0 {
				t.Errorf("%s %s: a page must say security: []", method, path)
			}
			for code, r := range op.Responses {
				target, _ := r["$ref"].(string)
				name, ok := strings.CutPrefix(target, "#/components/responses/")
				resp, found := doc.Components.Responses[name]
				if !ok || !found {
					t.Errorf("%s %s %s: not one of the shared page responses: %v", method, path, code, r)
					continue
				}
				switch {
				case code == "303":
					if _, ok := resp.Headers["Location"]; !ok || len(resp.Content) != 0 {
						t.Errorf("%s %s 303: a redirect has a Location and no content", method, path)
					}
				case resp.Content["text/html"] == nil:
					t.Errorf("%s %s %s: not HTML", method, path, code)
				case code != "500":
					for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Cache-Control", "Request-Id"} {
						if _, ok := resp.Headers[h]; !ok {
							t.Errorf("%s %s %s: no %s header", method, path, code, h)
						}
					}
				}
			}
		}
	}
	if pages != 21 { // with /l/{id}, seed 002's /p/{token}, a payment link, a next action's page and return, the promotion code form, a stablecoin deposit's page, seed 003's cancel, the handoff to another device (by id and by token), in_store's waiting page and /terminal's four
		t.Errorf("%d page operations, want 21", pages)
	}
}

// TestOpenAPICatchesDrift checks that the response validation this file
// relies on refuses a session or an event with a field added or removed.
func TestOpenAPICatchesDrift(t *testing.T) {
	o := newOAEnv(t)
	id := o.create(o.key, map[string]any{"success_url": "https://a.example", "cancel_url": "https://a.example",
		"line_items": []any{map[string]any{"quantity": 1, "price_data": map[string]any{"currency": "GHS", "unit_amount": 10,
			"product_data": map[string]any{"name": "Pen"}}}}}).str("id")
	o.do("POST", "/v1/checkout/sessions/"+id+"/expire", o.key, "", nil)
	evID := o.get("/v1/events", o.key).get("data").([]any)[0].(map[string]any)["id"].(string)

	for _, c := range []struct {
		path   string
		mutate func(m map[string]any)
	}{
		{"/v1/checkout/sessions/" + id, func(m map[string]any) { m["shipping_cost"] = 0 }},
		{"/v1/checkout/sessions/" + id, func(m map[string]any) { delete(m, "payment") }},
		{"/v1/checkout/sessions/" + id, func(m map[string]any) { m["status"] = "paid" }},
		{"/v1/checkout/sessions/" + id, func(m map[string]any) { m["expires_at"] = float64(1700000000) }},
		{"/v1/checkout/sessions/" + id, func(m map[string]any) {
			m["line_items"].(map[string]any)["data"].([]any)[0].(map[string]any)["tax_rates"] = []any{}
		}},
		{"/v1/checkout/sessions/" + id, func(m map[string]any) { m["total_details"].(map[string]any)["breakdown"] = nil }},
		{"/v1/events/" + evID, func(m map[string]any) { m["api_version"] = "2024-01-01" }},
		{"/v1/events/" + evID, func(m map[string]any) { m["data"].(map[string]any)["object"].(map[string]any)["extra"] = true }},
	} {
		req := o.newRequest(oaRequest{method: "GET", path: c.path, auth: oaBearer(o.key)})
		res, err := o.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		err = json.NewDecoder(res.Body).Decode(&m)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("%s: %d %v", c.path, res.StatusCode, err)
		}
		res.Body = io.NopCloser(bytes.NewReader(oaJSON(t, m)))
		if ok, errs := o.v.ValidateHttpResponse(req, res); !ok {
			t.Fatalf("%s: the unchanged response does not validate:%s", c.path, oaErrors(errs))
		}
		c.mutate(m)
		res.Body = io.NopCloser(bytes.NewReader(oaJSON(t, m)))
		if ok, _ := o.v.ValidateHttpResponse(req, res); ok {
			t.Errorf("%s: a changed response still validates: %s", c.path, oaJSON(t, m))
		}
	}
}

// pay makes a payment attempt on session id through the service, as the
// hosted page does; number is the card number of a card payment.
func (o *oaEnv) pay(id, method, number string) *checkout.Payment {
	o.t.Helper()
	pp := service.PayParams{Method: checkout.Method(method)}
	if number != "" {
		pp.Card = &checkout.Card{Number: number, ExpMonth: 12, ExpYear: o.clock.Now().Year() + 5, CVC: "123"}
	}
	_, p, err := o.svc.Pay(context.Background(), id, pp)
	if err != nil {
		o.t.Fatalf("paying %s by %s: %v", id, method, err)
	}
	return p
}

// oaPayments is a set of payments in every shape a payment can take.
type oaPayments struct {
	card, declined, threeDS, voucher, lapsing *checkout.Payment
	// sessions by the name of their payment
	sessions map[string]string
}

// payments creates a session for each kind of payment, through the API, and
// pays each through the service: a card that succeeds, one that is declined,
// one that awaits 3-D Secure, and two multibanco vouchers in EUR.
func (o *oaEnv) payments() *oaPayments {
	o.t.Helper()
	create := func(body map[string]any) string {
		return o.exchange(oaRequest{method: "POST", path: "/v1/checkout/sessions", auth: oaBearer(o.key),
			contentType: "application/json", body: oaJSON(o.t, body), status: 200}).str("id")
	}
	eur := validSession()
	eur["currency"], eur["payment_method_types"] = "EUR", []string{"card", "multibanco"}
	ps := &oaPayments{sessions: map[string]string{}}
	for _, c := range []struct {
		name           string
		p              **checkout.Payment
		body           map[string]any
		method, number string
		want           checkout.PaymentState
	}{
		{"card", &ps.card, validSession(), "card", "4242424242424242", checkout.PaymentSucceeded},
		{"declined", &ps.declined, validSession(), "card", "4000000000000002", checkout.PaymentFailed},
		{"threeDS", &ps.threeDS, validSession(), "card", "4000002760003184", checkout.PaymentRequiresAction},
		{"voucher", &ps.voucher, eur, "multibanco", "", checkout.PaymentRequiresAction},
		{"lapsing", &ps.lapsing, eur, "multibanco", "", checkout.PaymentRequiresAction},
	} {
		id := create(c.body)
		*c.p = o.pay(id, c.method, c.number)
		if (*c.p).Status != c.want {
			o.t.Fatalf("%s payment: status %s, want %s", c.name, (*c.p).Status, c.want)
		}
		ps.sessions[c.name] = id
	}
	return ps
}

// TestOpenAPIPayments drives the payments API and the test helpers through
// every payment shape, success and failure.
func TestOpenAPIPayments(t *testing.T) {
	o := newOAEnv(t)
	ps := o.payments()
	get := func(id string) *response {
		return o.exchange(oaRequest{method: "GET", path: "/v1/payments/" + id, auth: oaBearer(o.key), status: 200})
	}

	// Retrieve each shape.
	if r := get(ps.card.ID); r.str("status") != "succeeded" || r.str("card", "last4") != "4242" || r.str("card", "brand") != "visa" ||
		r.get("next_action") != nil || r.str("checkout_session") != ps.sessions["card"] || r.str("provider") != "sim" {
		t.Errorf("card payment: %s", r.body)
	}
	if r := get(ps.declined.ID); r.str("status") != "failed" || r.str("failure_code") != "card_declined" || r.str("failure_message") == "" {
		t.Errorf("declined payment: %s", r.body)
	}
	if r := get(ps.threeDS.ID); r.str("next_action", "type") != "three_d_secure" || r.get("next_action", "entity") != nil {
		t.Errorf("3-D Secure payment: %s", r.body)
	}
	if r := get(ps.voucher.ID); r.str("next_action", "type") != "multibanco_voucher" || r.str("next_action", "reference") == "" ||
		r.get("card") != nil || r.str("currency") != "EUR" {
		t.Errorf("voucher payment: %s", r.body)
	}
	for _, auth := range []func(*http.Request){oaBasic(o.key), oaAPIKey(o.key)} {
		o.exchange(oaRequest{method: "GET", path: "/v1/payments/" + ps.card.ID, auth: auth, status: 200})
	}

	// List, paginate, filter.
	list := func(status int, kv ...string) *response {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return o.exchange(oaRequest{method: "GET", path: "/v1/payments?" + v.Encode(), auth: oaBearer(o.key), status: status})
	}
	ids := func(r *response) (out []string) {
		data, _ := r.get("data").([]any)
		for _, d := range data {
			out = append(out, d.(map[string]any)["id"].(string))
		}
		return out
	}
	if all := ids(list(200)); len(all) != 5 || all[0] != ps.lapsing.ID || all[4] != ps.card.ID {
		t.Errorf("all payments, newest first: %v", all)
	}
	first := list(200, "limit", "2")
	if got := ids(first); len(got) != 2 || first.get("has_more") != true {
		t.Fatalf("first page: %s", first.body)
	}
	second := list(200, "limit", "2", "starting_after", ids(first)[1])
	if got := ids(second); len(got) != 2 || got[0] != ps.threeDS.ID {
		t.Errorf("second page: %v", got)
	}
	if got := ids(list(200, "ending_before", ids(second)[0])); len(got) != 2 {
		t.Errorf("previous page: %v", got)
	}
	if got := ids(list(200, "checkout_session", ps.sessions["voucher"])); len(got) != 1 || got[0] != ps.voucher.ID {
		t.Errorf("by session: %v", got)
	}
	if got := ids(list(200, "checkout_session", "cs_nope", "limit", "100")); len(got) != 0 {
		t.Errorf("by an unknown session: %v", got)
	}

	// Settle the vouchers with the test helpers, as JSON, as a form and bare.
	helper := func(id, outcome string) string { return "/v1/test_helpers/payments/" + id + "/" + outcome }
	idem := []string{"Idempotency-Key", "settle-voucher"}
	paid := o.exchange(oaRequest{method: "POST", path: helper(ps.voucher.ID, "succeed"), auth: oaBearer(o.key),
		contentType: "application/json", body: []byte("{}"), header: idem, status: 200})
	if paid.str("status") != "succeeded" || paid.get("next_action") != nil || paid.get("failure_code") != nil {
		t.Errorf("voucher paid: %s", paid.body)
	}
	replay := o.exchange(oaRequest{method: "POST", path: helper(ps.voucher.ID, "succeed"), auth: oaBearer(o.key),
		contentType: "application/json", body: []byte("{}"), header: idem, status: 200})
	if replay.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the replay is not one: %v", replay.header)
	}
	lapsed := o.exchange(oaRequest{method: "POST", path: helper(ps.lapsing.ID, "fail"), auth: oaBearer(o.key),
		contentType: "application/x-www-form-urlencoded", status: 200})
	if lapsed.str("status") != "failed" || lapsed.str("failure_code") != "test_helper_failed" {
		t.Errorf("voucher lapsed: %s", lapsed.body)
	}
	for name, want := range map[string][2]string{"voucher": {"complete", "paid"}, "lapsing": {"complete", "unpaid"},
		"card": {"complete", "paid"}, "declined": {"open", "unpaid"}, "threeDS": {"open", "unpaid"}} {
		r := o.exchange(oaRequest{method: "GET", path: "/v1/checkout/sessions/" + ps.sessions[name], auth: oaBearer(o.key), status: 200})
		if r.str("status") != want[0] || r.str("payment_status") != want[1] {
			t.Errorf("%s session: %s/%s, want %v", name, r.str("status"), r.str("payment_status"), want)
		}
	}
	byPayment := o.exchange(oaRequest{method: "GET", path: "/v1/checkout/sessions?payment=" + ps.voucher.ID, auth: oaBearer(o.key), status: 200})
	if data, _ := byPayment.get("data").([]any); len(data) != 1 {
		t.Errorf("session by its payment: %s", byPayment.body)
	}

	// Test helper refusals.
	for _, c := range []struct {
		id, outcome string
		auth        func(*http.Request)
		status      int
		code        string
		request     oaVerdict
	}{
		{ps.voucher.ID, "succeed", oaBearer(o.key), 400, "payment_not_pending", oaValid}, // already paid
		{ps.lapsing.ID, "succeed", oaBearer(o.key), 400, "payment_not_pending", oaValid},
		{ps.card.ID, "fail", oaBearer(o.key), 400, "payment_not_pending", oaValid},
		{ps.threeDS.ID, "succeed", oaBearer(o.key), 400, "payment_not_pending", oaValid}, // awaits a challenge, not a voucher
		{ps.declined.ID, "fail", oaBearer(o.key), 400, "payment_not_pending", oaValid},
		{"pay_nope", "succeed", oaBearer(o.key), 404, "resource_missing", oaValid},
		{ps.voucher.ID, "succeed", oaBearer(o.keyB), 404, "resource_missing", oaValid},
		{ps.voucher.ID, "fail", oaBearer(o.liveA), 403, "livemode_forbidden", oaValid},
		{"pay_nope", "succeed", oaAPIKey(o.liveA), 403, "livemode_forbidden", oaValid},
		{ps.voucher.ID, "succeed", nil, 401, "", oaInvalid},
	} {
		r := o.exchange(oaRequest{method: "POST", path: helper(c.id, c.outcome), auth: c.auth, status: c.status, request: c.request})
		if c.code != "" && r.str("error", "code") != c.code {
			t.Errorf("%s %s: code %q, want %q: %s", c.outcome, c.id, r.str("error", "code"), c.code, r.body)
		}
		if c.status == 403 && r.str("error", "type") != "invalid_request_error" {
			t.Errorf("403 of type %q", r.str("error", "type"))
		}
	}
	o.exchange(oaRequest{method: "POST", path: helper(ps.threeDS.ID, "succeed"), auth: oaBearer(o.key),
		contentType: "application/json", body: []byte(`{"amount":1}`), status: 400, request: oaInvalid})
	o.exchange(oaRequest{method: "POST", path: helper(ps.threeDS.ID, "succeed"), auth: oaBearer(o.key),
		contentType: "application/x-www-form-urlencoded", body: []byte("reason=late"), status: 400, request: oaInvalid})
	o.exchange(oaRequest{method: "POST", path: helper(ps.threeDS.ID, "succeed"), auth: oaBearer(o.key),
		contentType: "application/json", body: oaJSON(t, map[string]any{"x": strings.Repeat("x", chttp.MaxBodyBytes)}), status: 413, request: oaInvalid})

	// Read refusals.
	o.exchange(oaRequest{method: "GET", path: "/v1/payments/pay_nope", auth: oaBearer(o.key), status: 404})
	o.exchange(oaRequest{method: "GET", path: "/v1/payments/" + ps.card.ID, auth: oaBearer(o.keyB), status: 404})
	o.exchange(oaRequest{method: "GET", path: "/v1/payments/" + ps.card.ID, auth: oaBearer(o.liveA), status: 404})
	o.exchange(oaRequest{method: "GET", path: "/v1/payments/" + ps.card.ID + "?expand=card", auth: oaBearer(o.key), status: 400, request: oaSkip})
	o.exchange(oaRequest{method: "GET", path: "/v1/payments/" + ps.card.ID, status: 401, request: oaInvalid})
	o.exchange(oaRequest{method: "GET", path: "/v1/payments", status: 401, request: oaInvalid})
	o.exchange(oaRequest{method: "GET", path: "/v1/payments?limit=0", auth: oaBearer(o.key), status: 400, request: oaInvalid})
	o.exchange(oaRequest{method: "GET", path: "/v1/payments?limit=101", auth: oaBearer(o.key), status: 400, request: oaInvalid})
	o.exchange(oaRequest{method: "GET", path: "/v1/payments?status=failed", auth: oaBearer(o.key), status: 400, request: oaSkip})
	o.exchange(oaRequest{method: "GET", path: "/v1/payments?starting_after=pay_nope", auth: oaBearer(o.key), status: 404})
	o.exchange(oaRequest{method: "GET", path: "/v1/payments?starting_after=" + ps.card.ID + "&ending_before=" + ps.card.ID,
		auth: oaBearer(o.key), status: 400})
}

// TestOpenAPIPaymentEvents checks the events that carry payments: their
// data.object is the payment, and they validate, listed and retrieved.
func TestOpenAPIPaymentEvents(t *testing.T) {
	o := newOAEnv(t)
	ps := o.payments()
	for _, c := range [][2]string{{ps.voucher.ID, "succeed"}, {ps.lapsing.ID, "fail"}} {
		o.exchange(oaRequest{method: "POST", path: "/v1/test_helpers/payments/" + c[0] + "/" + c[1], auth: oaBearer(o.key), status: 200})
	}
	all := o.exchange(oaRequest{method: "GET", path: "/v1/events?limit=100", auth: oaBearer(o.key), status: 200})
	evs, _ := all.get("data").([]any)
	want := map[string][]string{ // payment id -> its payment event types
		ps.card.ID: {"payment.succeeded"}, ps.declined.ID: {"payment.failed"},
		ps.voucher.ID: {"payment.succeeded"}, ps.lapsing.ID: {"payment.failed"},
	}
	got := map[string][]string{}
	for _, e := range evs {
		ev := e.(map[string]any)
		typ, _ := ev["type"].(string)
		if !strings.HasPrefix(typ, "payment.") {
			continue
		}
		o.exchange(oaRequest{method: "GET", path: "/v1/events/" + ev["id"].(string), auth: oaBearer(o.key), status: 200})
		obj, _ := ev["data"].(map[string]any)["object"].(map[string]any)
		if obj == nil || obj["object"] != "payment" {
			t.Errorf("event %s (%s): data.object is not a payment: %s", ev["id"], typ, oaJSON(t, ev["data"]))
			continue
		}
		got[obj["id"].(string)] = append(got[obj["id"].(string)], typ)
	}
	if !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("payment events: %v, want %v", got, want)
	}
	for _, typ := range []string{"payment.succeeded", "payment.failed", "checkout.session.async_payment_succeeded", "checkout.session.async_payment_failed"} {
		r := o.exchange(oaRequest{method: "GET", path: "/v1/events?type=" + typ, auth: oaBearer(o.key), status: 200})
		if data, _ := r.get("data").([]any); len(data) == 0 {
			t.Errorf("no %s events", typ)
		}
	}
}

var oaCSRF = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// page GETs a hosted page and returns it with the CSRF token of its forms
// ("" when it has none).
func (o *oaEnv) page(path string, status int) (*response, string) {
	o.t.Helper()
	r := o.exchange(oaRequest{method: "GET", path: path, status: status})
	if status == 200 {
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			o.t.Errorf("GET %s: Content-Type %q", path, ct)
		}
	}
	m := oaCSRF.FindSubmatch(r.body)
	if m == nil {
		return r, ""
	}
	return r, string(m[1])
}

// post sends a hosted page's form.
func (o *oaEnv) post(path string, status int, verdict oaVerdict, header []string, kv ...string) *response {
	o.t.Helper()
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return o.exchange(oaRequest{method: "POST", path: path, contentType: "application/x-www-form-urlencoded",
		body: []byte(v.Encode()), header: header, status: status, request: verdict})
}

// TestOpenAPIHostedPage drives the hosted page through every status it
// answers and validates each exchange (the HTML itself is only a string to
// the document).
func TestOpenAPIHostedPage(t *testing.T) {
	o := newOAEnv(t)
	create := func(body map[string]any) string {
		return o.exchange(oaRequest{method: "POST", path: "/v1/checkout/sessions", auth: oaBearer(o.key),
			contentType: "application/json", body: oaJSON(t, body), status: 200}).str("id")
	}
	expiry := fmt.Sprintf("12/%02d", (o.clock.Now().Year()+5)%100)
	card := func(number string) []string {
		return []string{"method", "card", "email", "ama@example.com", "card_number", number, "card_expiry", expiry, "card_cvc", "123"}
	}
	with := func(csrf string, kv ...string) []string { return append([]string{"csrf_token", csrf}, kv...) }
	successURL := func(id string) string { return "https://shop.example/success?session_id=" + id }

	// The form, under both paths.
	id := create(validSession())
	form, csrf := o.page("/checkout/"+id, 200)
	if csrf == "" {
		t.Fatalf("the payment page has no CSRF token: %.500s", form.body)
	}
	if csp := form.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "https://shop.example") {
		t.Errorf("Content-Security-Policy: %q", csp)
	}
	o.page("/c/"+id, 200)
	gz := o.exchange(oaRequest{method: "GET", path: "/checkout/" + id, header: []string{"Accept-Encoding", "gzip"}, status: 200})
	if gz.header.Get("Content-Encoding") != "gzip" {
		t.Errorf("no gzip: %v", gz.header)
	}
	pay := "/checkout/" + id + "/pay"

	// Bad input goes back to the form (post/redirect/get).
	o.post(pay, 303, oaValid, nil, with(csrf, "method", "card", "email", "", "card_number", "", "card_expiry", "13/99", "card_cvc", "")...)
	o.post(pay, 303, oaValid, nil, with(csrf, card("4242424242424241")...)...) // fails the Luhn check
	o.post(pay, 303, oaValid, nil, with(csrf, append(card("4242424242424242"), "email", "not an address")...)...)
	o.post(pay, 303, oaValid, nil, with(csrf, "method", "multibanco")...) // not offered in GHS
	o.post(pay, 303, oaInvalid, nil, with(csrf, "method", "bitcoin")...)

	// 403: no token, another token, another site.
	o.post(pay, 403, oaInvalid, nil, card("4242424242424242")...)
	o.post(pay, 403, oaValid, nil, with("forged", card("4242424242424242")...)...)
	o.post(pay, 403, oaValid, []string{"Sec-Fetch-Site", "cross-site"}, with(csrf, card("4242424242424242")...)...)
	o.post(pay, 403, oaValid, []string{"Origin", "https://evil.example"}, with(csrf, card("4242424242424242")...)...)

	// Declined: back to the form.
	o.post(pay, 303, oaValid, nil, with(csrf, card("4000000000000002")...)...)

	// 3-D Secure: failed (back to the form), then completed (303 to success_url).
	challenge := o.post(pay, 303, oaValid, nil, with(csrf, card("4000002760003184")...)...).header.Get("Location")
	if !strings.HasPrefix(challenge, "/checkout/"+id+"/3ds/pay_") {
		t.Fatalf("3-D Secure goes to %q", challenge)
	}
	o.page(challenge, 200)
	o.post(challenge, 303, oaValid, nil, with(csrf, "result", "fail")...)
	o.page(challenge, 303) // no longer awaiting the challenge
	o.post(challenge, 303, oaValid, nil, with(csrf, "result", "complete")...)
	o.post(challenge, 403, oaInvalid, nil, "result", "complete")
	challenge = o.post(pay, 303, oaValid, nil, with(csrf, card("4000002760003184")...)...).header.Get("Location")
	o.page("/checkout/"+id+"/3ds/pay_nope", 303)
	o.post("/checkout/"+id+"/3ds/pay_nope", 303, oaValid, nil, with(csrf, "result", "complete")...)
	if loc := o.post(challenge, 303, oaValid, nil, with(csrf, "result", "complete")...).header.Get("Location"); loc != successURL(id) {
		t.Errorf("after the challenge: Location %q", loc)
	}

	// A complete session: its page says so, and paying again goes back to it.
	o.page("/checkout/"+id, 200)
	if loc := o.post(pay, 303, oaValid, nil, with(csrf, card("4242424242424242")...)...).header.Get("Location"); loc != "/checkout/"+id {
		t.Errorf("paying a complete session: Location %q", loc)
	}
	o.post(challenge, 303, oaValid, nil, with(csrf, "result", "complete")...)

	// A card that succeeds at once.
	id2 := create(validSession())
	_, csrf2 := o.page("/c/"+id2, 200)
	if loc := o.post("/checkout/"+id2+"/pay", 303, oaValid, nil, with(csrf2, card("4242424242424242")...)...).header.Get("Location"); loc != successURL(id2) {
		t.Errorf("after paying: Location %q", loc)
	}

	// Too many declines: back to the page, which says so.
	id3 := create(validSession())
	// The token is read before the declines: the page after them has no
	// form (a post from an older tab is sent back to it).
	_, csrf3 := o.page("/checkout/"+id3, 200)
	for range service.DefaultMaxFailedAttempts {
		o.pay(id3, "card", "4000000000000002")
	}
	o.page("/checkout/"+id3, 200)
	o.post("/checkout/"+id3+"/pay", 303, oaValid, nil, with(csrf3, card("4242424242424242")...)...)

	// Multibanco: the voucher, settled on the test payment page.
	eur := validSession()
	eur["currency"], eur["payment_method_types"] = "EUR", []string{"card", "multibanco"}
	mb := create(eur)
	_, csrfMB := o.page("/checkout/"+mb, 200)
	if loc := o.post("/checkout/"+mb+"/pay", 303, oaValid, nil, with(csrfMB, "method", "multibanco")...).header.Get("Location"); loc != "/checkout/"+mb {
		t.Errorf("after taking a voucher: Location %q", loc)
	}
	o.page("/checkout/"+mb, 200)
	payments := o.exchange(oaRequest{method: "GET", path: "/v1/payments?checkout_session=" + mb, auth: oaBearer(o.key), status: 200})
	pid, _ := payments.get("data").([]any)[0].(map[string]any)["id"].(string)
	testPage := "/test/payments/" + pid
	if _, c := o.page(testPage, 200); c != csrfMB {
		t.Errorf("the test payment page's token is %q, want the session's", c)
	}
	o.post(testPage, 403, oaValid, nil, with("forged", "result", "succeed")...)
	o.post(testPage, 403, oaInvalid, nil, "result", "succeed")
	if loc := o.post(testPage, 303, oaValid, nil, with(csrfMB, "result", "succeed")...).header.Get("Location"); loc != testPage {
		t.Errorf("after settling: Location %q", loc)
	}
	o.post(testPage, 303, oaValid, nil, with(csrfMB, "result", "fail")...) // already paid: left as it is
	o.page(testPage, 200)
	o.page("/checkout/"+mb, 200)

	// An expired session.
	id4 := create(validSession())
	_, csrf4 := o.page("/checkout/"+id4, 200)
	o.exchange(oaRequest{method: "POST", path: "/v1/checkout/sessions/" + id4 + "/expire", auth: oaBearer(o.key), status: 200})
	o.page("/checkout/"+id4, 200)
	o.post("/checkout/"+id4+"/pay", 303, oaValid, nil, with(csrf4, card("4242424242424242")...)...)

	// 404.
	o.page("/checkout/cs_nope", 404)
	o.page("/c/cs_nope", 404)
	o.post("/checkout/cs_nope/pay", 404, oaValid, nil, with("x", card("4242424242424242")...)...)
	o.page("/checkout/cs_nope/3ds/pay_nope", 404)
	o.post("/checkout/cs_nope/3ds/pay_nope", 404, oaValid, nil, with("x", "result", "complete")...)
	o.page("/test/payments/pay_nope", 404)
	o.post("/test/payments/pay_nope", 404, oaValid, nil, with("x", "result", "succeed")...)

	// 429: one attempt a minute, and the clock stands still.
	srv := o.srv.Config.Handler.(*chttp.Server)
	srv.SetPayRateLimit(1)
	id5 := create(validSession())
	_, csrf5 := o.page("/checkout/"+id5, 200)
	o.post("/checkout/"+id5+"/pay", 303, oaValid, nil, with(csrf5, card("4000000000000002")...)...)
	if r := o.post("/checkout/"+id5+"/pay", 429, oaValid, nil, with(csrf5, card("4242424242424242")...)...); r.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
}

// TestOpenAPICatchesPaymentDrift checks that response validation refuses a
// payment, an event carrying one or a hosted page that strays from the
// document, and accepts the event a payment.* event is meant to be.
func TestOpenAPICatchesPaymentDrift(t *testing.T) {
	o := newOAEnv(t)
	ps := o.payments()
	fetch := func(path string, key string) (*http.Request, *http.Response, []byte) {
		t.Helper()
		c := oaRequest{method: "GET", path: path}
		if key != "" {
			c.auth = oaBearer(key)
		}
		res, err := o.client.Do(o.newRequest(c))
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("%s: %d %v", path, res.StatusCode, err)
		}
		return o.newRequest(c), res, b
	}
	valid := func(req *http.Request, res *http.Response, body []byte) (bool, string) {
		res.Body = io.NopCloser(bytes.NewReader(body))
		ok, errs := o.v.ValidateHttpResponse(req, res)
		return ok, oaErrors(errs)
	}
	decode := func(b []byte) map[string]any {
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}

	for _, c := range []struct {
		path   string
		mutate func(m map[string]any)
	}{
		{"/v1/payments/" + ps.card.ID, func(m map[string]any) { m["card"].(map[string]any)["exp_month"] = 12 }},
		{"/v1/payments/" + ps.card.ID, func(m map[string]any) { m["receipt_url"] = nil }},
		{"/v1/payments/" + ps.card.ID, func(m map[string]any) { delete(m, "failure_code") }},
		{"/v1/payments/" + ps.card.ID, func(m map[string]any) { m["status"] = "pending" }},
		{"/v1/payments/" + ps.declined.ID, func(m map[string]any) { m["failure_code"] = 402 }},
		{"/v1/payments/" + ps.threeDS.ID, func(m map[string]any) { m["next_action"].(map[string]any)["redirect_url"] = "/x" }},
		{"/v1/payments/" + ps.voucher.ID, func(m map[string]any) { delete(m["next_action"].(map[string]any), "expires_at") }},
		{"/v1/payments/" + ps.voucher.ID, func(m map[string]any) { m["next_action"].(map[string]any)["type"] = "redirect" }},
		{"/v1/payments", func(m map[string]any) { m["data"].([]any)[0].(map[string]any)["refunded"] = false }},
	} {
		req, res, b := fetch(c.path, o.key)
		if ok, why := valid(req, res, b); !ok {
			t.Fatalf("%s: the unchanged response does not validate:%s", c.path, why)
		}
		m := decode(b)
		c.mutate(m)
		if ok, _ := valid(req, res, oaJSON(t, m)); ok {
			t.Errorf("%s: a changed response still validates: %s", c.path, oaJSON(t, m))
		}
	}

	// An event whose data.object is a payment validates; with the payment
	// changed, or with no object, it does not.
	events := decode(func() []byte { _, _, b := fetch("/v1/events?type=checkout.session.completed&limit=1", o.key); return b }())
	evID := events["data"].([]any)[0].(map[string]any)["id"].(string)
	req, res, b := fetch("/v1/events/"+evID, o.key)
	_, _, pay := fetch("/v1/payments/"+ps.card.ID, o.key)
	ev := decode(b)
	ev["type"], ev["data"] = "payment.succeeded", map[string]any{"object": decode(pay)}
	if ok, why := valid(req, res, oaJSON(t, ev)); !ok {
		t.Errorf("an event carrying a payment does not validate:%s", why)
	}
	ev["data"].(map[string]any)["object"].(map[string]any)["customer"] = nil
	if ok, _ := valid(req, res, oaJSON(t, ev)); ok {
		t.Error("an event carrying a payment with an extra field validates")
	}
	ev["data"] = map[string]any{"object": nil}
	if ok, _ := valid(req, res, oaJSON(t, ev)); ok {
		t.Error("an event without its object validates")
	}

	// A page without its security headers, or with an undocumented status.
	id := o.create(o.key, validSession()).str("id")
	for _, mutate := range []func(*http.Response){
		func(r *http.Response) { r.Header.Del("Content-Security-Policy") },
		func(r *http.Response) { r.Header.Set("X-Frame-Options", "SAMEORIGIN") },
		func(r *http.Response) { r.Header.Del("Cache-Control") },
		func(r *http.Response) { r.StatusCode = http.StatusTeapot },
		func(r *http.Response) { r.StatusCode = http.StatusUnauthorized },
	} {
		req, res, b := fetch("/checkout/"+id, "")
		if ok, why := valid(req, res, b); !ok {
			t.Fatalf("the unchanged page does not validate:%s", why)
		}
		mutate(res)
		if ok, _ := valid(req, res, b); ok {
			t.Errorf("a changed page still validates: %d %v", res.StatusCode, res.Header)
		}
	}
}

// TestOpenAPIWebhooks drives the webhook endpoints, an event's deliveries
// and resends through success and failure, with a delivery worker posting
// to loopback receivers, and validates every exchange against the document.
func TestOpenAPIWebhooks(t *testing.T) {
	o := newOAEnv(t)
	o.webhooks(true)
	ok, flaky, gone := newWHReceiver(t), newWHReceiver(t), newWHReceiver(t)
	flaky.status.Store(http.StatusInternalServerError)
	gone.status.Store(http.StatusGone)
	closed := httptest.NewServer(http.NotFoundHandler())
	refused := closed.URL + "/hooks" // nothing listens there any more
	closed.Close()
	eps := "/v1/webhook_endpoints"
	asJSON := func(method, path string, v any, status int, verdict oaVerdict, header ...string) *response {
		return o.exchange(oaRequest{method: method, path: path, auth: oaBearer(o.key), contentType: "application/json",
			body: oaJSON(t, v), header: header, status: status, request: verdict})
	}
	asForm := func(path string, v url.Values, status int, verdict oaVerdict) *response {
		return o.exchange(oaRequest{method: "POST", path: path, auth: oaBearer(o.key), contentType: "application/x-www-form-urlencoded",
			body: []byte(v.Encode()), status: status, request: verdict})
	}
	bare := func(method, path string, status int, verdict oaVerdict) *response {
		return o.exchange(oaRequest{method: method, path: path, auth: oaBearer(o.key), status: status, request: verdict})
	}

	// Create: as JSON with every parameter under an Idempotency-Key (and
	// its replay), as a form, and one endpoint per kind of receiver.
	idem := []string{"Idempotency-Key", "endpoint-1"}
	full := map[string]any{"url": ok.url(), "enabled_events": []string{"checkout.session.expired", "payment.succeeded"},
		"description": "Order service", "metadata": map[string]string{"team": "payments", "env": ""}}
	created := asJSON("POST", eps, full, 200, oaValid, idem...)
	id, secret := created.str("id"), created.str("secret")
	if replay := asJSON("POST", eps, full, 200, oaValid, idem...); replay.header.Get("Idempotent-Replayed") != "true" || replay.str("id") != id {
		t.Errorf("the replay is not one: %v %s", replay.header, replay.body)
	}
	formID := asForm(eps, url.Values{"url": {ok.url() + "?source=form"}, "enabled_events[0]": {"*"},
		"description": {"From a form"}, "metadata[channel]": {"web"}}, 200, oaValid).str("id")
	flakyID := asJSON("POST", eps, map[string]any{"url": flaky.url(), "enabled_events": []string{"*"}}, 200, oaValid).str("id")
	goneID := asJSON("POST", eps, map[string]any{"url": gone.url(), "enabled_events": []string{"checkout.session.expired"}}, 200, oaValid).str("id")
	refusedID := asJSON("POST", eps, map[string]any{"url": refused, "enabled_events": []string{"*"}}, 200, oaValid).str("id")

	// Retrieve and list, in pages.
	bare("GET", eps+"/"+id, 200, oaValid)
	o.exchange(oaRequest{method: "GET", path: eps + "/" + formID, auth: oaBasic(o.key), status: 200})
	page := bare("GET", eps+"?limit=2", 200, oaValid)
	data, _ := page.get("data").([]any)
	if len(data) != 2 || page.get("has_more") != true {
		t.Fatalf("first page: %s", page.body)
	}
	bare("GET", eps+"?limit=100&starting_after="+data[1].(map[string]any)["id"].(string), 200, oaValid)
	bare("GET", eps+"?ending_before="+id, 200, oaValid)

	// Update: fields as JSON, disabled as a form and as JSON.
	asJSON("POST", eps+"/"+formID, map[string]any{"url": ok.url() + "?source=update", "enabled_events": []string{"checkout.session.completed"},
		"description": "", "metadata": map[string]string{}}, 200, oaValid)
	if r := asForm(eps+"/"+formID, url.Values{"disabled": {"true"}}, 200, oaValid); r.str("status") != "disabled" {
		t.Errorf("disable: %s", r.body)
	}
	if r := asJSON("POST", eps+"/"+formID, map[string]any{"disabled": false}, 200, oaValid); r.str("status") != "enabled" {
		t.Errorf("enable: %s", r.body)
	}
	asJSON("POST", eps+"/"+formID, map[string]any{"disabled": true, "description": "Paused"}, 200, oaValid)

	// Rotate, bare and with an empty JSON object.
	if r := bare("POST", eps+"/"+flakyID+"/rotate_secret", 200, oaValid); r.str("secret") == "" {
		t.Errorf("rotate: %s", r.body)
	}
	rotated := asJSON("POST", eps+"/"+id+"/rotate_secret", map[string]any{}, 200, oaValid, "Idempotency-Key", "rotate-1")
	if rotated.str("secret") == secret {
		t.Error("the rotated secret is the old one")
	}

	// An event reaches every kind of receiver: delivered (200), pending a
	// retry (500, and no answer at all), failed (410, which also disables
	// the endpoint).
	evID := o.expiredEvent(o.key)
	o.attempted(testScopeA, evID, 4)
	whVerify(t, ok.wait(t, 1)[0], rotated.str("secret"))
	deliveries := bare("GET", "/v1/events/"+evID+"/deliveries", 200, oaValid)
	status := map[string]string{}
	for _, d := range deliveries.get("data").([]any) {
		d := d.(map[string]any)
		status[d["webhook_endpoint"].(string)] = d["status"].(string)
	}
	if want := map[string]string{id: "delivered", flakyID: "pending", goneID: "failed", refusedID: "pending"}; !maps.Equal(status, want) {
		t.Errorf("deliveries: %v, want %v", status, want)
	}
	if r := bare("GET", eps+"/"+goneID, 200, oaValid); r.str("status") != "disabled" || r.str("disabled_reason") == "" {
		t.Errorf("an endpoint that answered 410: %s", r.body)
	}
	// ...and announced with a webhook_endpoint.disabled event whose object
	// is the endpoint as the API shows it: the schema forbids a secret.
	if r := bare("GET", "/v1/events?type=webhook_endpoint.disabled", 200, oaValid); len(r.get("data").([]any)) != 1 ||
		r.get("data").([]any)[0].(map[string]any)["data"].(map[string]any)["object"].(map[string]any)["id"] != goneID {
		t.Errorf("the disable of an endpoint that answered 410 was not announced: %s", r.body)
	}
	o.exchange(oaRequest{method: "GET", path: "/v1/events/" + evID + "/deliveries", auth: oaAPIKey(o.key), status: 200})

	// Resend to one endpoint (JSON, form) and to all.
	asJSON("POST", "/v1/events/"+evID+"/resend", map[string]any{"webhook_endpoint": id}, 200, oaValid)
	asForm("/v1/events/"+evID+"/resend", url.Values{"webhook_endpoint": {flakyID}}, 200, oaValid)
	if r := bare("POST", "/v1/events/"+evID+"/resend", 200, oaValid); len(r.get("data").([]any)) != 3 {
		t.Errorf("resend to all (ok, flaky, refused): %s", r.body)
	}
	asJSON("POST", "/v1/events/"+evID+"/resend", map[string]any{}, 200, oaValid, "Idempotency-Key", "resend-1")
	o.attempted(testScopeA, evID, 4+2+3+3)
	bare("GET", "/v1/events/"+evID+"/deliveries", 200, oaValid)

	// An event no endpoint wanted (account B has none) has no deliveries.
	evB := o.expiredEvent(o.keyB)
	if r := o.exchange(oaRequest{method: "GET", path: "/v1/events/" + evB + "/deliveries", auth: oaBearer(o.keyB), status: 200}); len(r.get("data").([]any)) != 0 {
		t.Errorf("deliveries of an event no endpoint wanted: %s", r.body)
	}

	// Delete; the deliveries stay as history.
	if r := bare("DELETE", eps+"/"+refusedID, 200, oaValid); r.get("deleted") != true {
		t.Errorf("delete: %s", r.body)
	}
	bare("GET", "/v1/events/"+evID+"/deliveries", 200, oaValid)

	// Refusals.
	for _, c := range []struct {
		body    any
		code    string
		param   string
		verdict oaVerdict
	}{
		{map[string]any{"url": ok.url(), "enabled_events": []string{"charge.succeeded"}}, "parameter_invalid", "enabled_events[0]", oaInvalid},
		{map[string]any{"url": ok.url(), "enabled_events": []string{}}, "parameter_missing", "enabled_events", oaInvalid},
		{map[string]any{"url": ok.url()}, "parameter_missing", "enabled_events", oaInvalid},
		{map[string]any{"enabled_events": []string{"*"}}, "parameter_missing", "url", oaInvalid},
		{map[string]any{"url": "ftp://hooks.example.com", "enabled_events": []string{"*"}}, "url_invalid", "url", oaInvalid},
		{map[string]any{"url": "https://a:b@hooks.example.com", "enabled_events": []string{"*"}}, "url_invalid", "url", oaValid},
		{map[string]any{"url": ok.url(), "enabled_events": []string{"*"}, "disabled": false}, "parameter_unknown", "disabled", oaInvalid},
		{map[string]any{"url": ok.url(), "enabled_events": "*"}, "parameter_invalid_array", "enabled_events", oaInvalid},
	} {
		r := asJSON("POST", eps, c.body, 400, c.verdict)
		if r.str("error", "code") != c.code || r.str("error", "param") != c.param {
			t.Errorf("create %s: %s", oaJSON(t, c.body), r.body)
		}
	}
	asForm(eps, url.Values{"url": {ok.url()}, "enabled_events[0]": {"*"}, "secret": {"whsec_x"}}, 400, oaInvalid)
	asJSON("POST", eps+"/"+id, map[string]any{"disabled": "yes"}, 400, oaInvalid)
	asForm(eps+"/"+id, url.Values{"disabled": {"maybe"}}, 400, oaInvalid)
	asJSON("POST", eps+"/"+id, map[string]any{"enabled_events": []string{"*", "customer.created"}}, 400, oaInvalid)
	asJSON("POST", eps+"/"+id+"/rotate_secret", map[string]any{"overlap": 3600}, 400, oaInvalid)
	asJSON("POST", "/v1/events/"+evID+"/resend", map[string]any{"endpoint": id}, 400, oaInvalid)
	if r := asJSON("POST", "/v1/events/"+evID+"/resend", map[string]any{"webhook_endpoint": formID}, 400, oaValid); r.str("error", "code") != "endpoint_disabled" {
		t.Errorf("resend to a disabled endpoint: %s", r.body)
	}
	bare("GET", eps+"?limit=0", 400, oaInvalid)
	bare("GET", eps+"?limit=101", 400, oaInvalid)
	bare("GET", eps+"?enabled=true", 400, oaSkip)
	bare("GET", eps+"?starting_after="+id+"&ending_before="+id, 400, oaValid)
	bare("GET", eps+"/"+id+"?expand=secret", 400, oaSkip)
	bare("DELETE", eps+"/"+id+"?force=true", 400, oaSkip)
	bare("GET", "/v1/events/"+evID+"/deliveries?limit=1", 400, oaSkip)
	huge := oaJSON(t, map[string]any{"url": ok.url(), "enabled_events": []string{"*"}, "description": strings.Repeat("x", chttp.MaxBodyBytes)})
	o.exchange(oaRequest{method: "POST", path: eps, auth: oaBearer(o.key), contentType: "application/json", body: huge, status: 413, request: oaInvalid})

	// 404: unknown ids, and another account's.
	for _, key := range []string{o.key, o.keyB} {
		for _, c := range []struct{ method, path string }{
			{"GET", eps + "/we_nope"}, {"POST", eps + "/we_nope"}, {"DELETE", eps + "/we_nope"}, {"POST", eps + "/we_nope/rotate_secret"},
			{"GET", "/v1/events/evt_nope/deliveries"}, {"POST", "/v1/events/evt_nope/resend"},
			{"GET", eps + "/" + id}, {"POST", eps + "/" + id}, {"DELETE", eps + "/" + id}, {"POST", eps + "/" + id + "/rotate_secret"},
			{"GET", "/v1/events/" + evID + "/deliveries"}, {"POST", "/v1/events/" + evID + "/resend"},
		} {
			if key == o.key && strings.Contains(c.path, id) || key == o.key && strings.Contains(c.path, evID) {
				continue // A's own objects
			}
			o.exchange(oaRequest{method: c.method, path: c.path, auth: oaBearer(key), status: 404})
		}
	}
	bare("GET", eps+"?starting_after=we_nope", 404, oaValid)
	if r := asJSON("POST", "/v1/events/"+evID+"/resend", map[string]any{"webhook_endpoint": refusedID}, 404, oaValid); r.str("error", "param") != "webhook_endpoint" {
		t.Errorf("resend to a deleted endpoint: %s", r.body)
	}

	// 401.
	for _, c := range []struct{ method, path string }{
		{"POST", eps}, {"GET", eps}, {"GET", eps + "/" + id}, {"POST", eps + "/" + id}, {"DELETE", eps + "/" + id},
		{"POST", eps + "/" + id + "/rotate_secret"}, {"GET", "/v1/events/" + evID + "/deliveries"}, {"POST", "/v1/events/" + evID + "/resend"},
	} {
		o.exchange(oaRequest{method: c.method, path: c.path, status: 401, request: oaInvalid})
	}

	// Without the operator's permission, loopback and link-local targets
	// are refused by name.
	strict := newOAEnv(t)
	strict.webhooks(false)
	for _, u := range []string{"http://127.0.0.1:8080/hooks", ok.url(), "http://169.254.169.254/latest/meta-data/", "http://localhost/hooks"} {
		r := strict.exchange(oaRequest{method: "POST", path: eps, auth: oaBearer(strict.key), contentType: "application/json",
			body: oaJSON(t, map[string]any{"url": u, "enabled_events": []string{"*"}}), status: 400})
		if r.str("error", "code") != "url_invalid" || r.str("error", "param") != "url" {
			t.Errorf("%s without --webhook-allow-private: %s", u, r.body)
		}
	}
	// Live keys need https.
	strict.exchange(oaRequest{method: "POST", path: eps, auth: oaBearer(strict.liveA), contentType: "application/json",
		body: oaJSON(t, map[string]any{"url": "http://hooks.example.com/in", "enabled_events": []string{"*"}}), status: 400})
	live := strict.exchange(oaRequest{method: "POST", path: eps, auth: oaBearer(strict.liveA), contentType: "application/json",
		body: oaJSON(t, map[string]any{"url": "https://hooks.example.com/in", "enabled_events": []string{"*"}}), status: 200})
	if live.get("livemode") != true {
		t.Errorf("a live endpoint: %s", live.body)
	}
	// 500: a server without an encryption key cannot make secrets.
	strict.configure(func(c *service.Config) { c.Sealer = nil })
	strict.exchange(oaRequest{method: "POST", path: eps, auth: oaBearer(strict.key), contentType: "application/json",
		body: oaJSON(t, map[string]any{"url": "https://hooks.example.com/in", "enabled_events": []string{"*"}}), status: 500})
}

// TestOpenAPICatchesWebhookDrift checks that response validation refuses
// webhook objects that stray from the document: a secret where none may be,
// none where one must be, and deliveries with fields changed.
func TestOpenAPICatchesWebhookDrift(t *testing.T) {
	o := newOAEnv(t)
	o.webhooks(true)
	rcv := newWHReceiver(t)
	id, _ := o.newEndpoint(o.key, map[string]any{"url": rcv.url(), "enabled_events": []string{"*"}})
	evID := o.expiredEvent(o.key)
	o.attempted(testScopeA, evID, 1)

	for _, c := range []struct {
		method, path string
		mutate       func(m map[string]any)
	}{
		{"GET", "/v1/webhook_endpoints/" + id, func(m map[string]any) { m["secret"] = "whsec_" + strings.Repeat("A", 43) + "=" }},
		{"GET", "/v1/webhook_endpoints", func(m map[string]any) {
			m["data"].([]any)[0].(map[string]any)["secret"] = "whsec_" + strings.Repeat("A", 43) + "="
		}},
		{"POST", "/v1/webhook_endpoints/" + id + "/rotate_secret", func(m map[string]any) { delete(m, "secret") }},
		{"POST", "/v1/webhook_endpoints/" + id + "/rotate_secret", func(m map[string]any) { m["secret"] = "sk_test_123" }},
		{"GET", "/v1/webhook_endpoints/" + id, func(m map[string]any) { m["enabled_events"] = []any{} }},
		{"GET", "/v1/webhook_endpoints/" + id, func(m map[string]any) { m["status"] = "failing" }},
		{"GET", "/v1/webhook_endpoints/" + id, func(m map[string]any) { delete(m, "disabled_reason") }},
		{"GET", "/v1/events/" + evID + "/deliveries", func(m map[string]any) {
			m["data"].([]any)[0].(map[string]any)["attempts"].([]any)[0].(map[string]any)["response_body"] = "ok"
		}},
		{"GET", "/v1/events/" + evID + "/deliveries", func(m map[string]any) {
			m["data"].([]any)[0].(map[string]any)["attempts"].([]any)[0].(map[string]any)["status_code"] = "200"
		}},
		{"GET", "/v1/events/" + evID + "/deliveries", func(m map[string]any) { m["data"].([]any)[0].(map[string]any)["status"] = "succeeded" }},
		{"GET", "/v1/events/" + evID + "/deliveries", func(m map[string]any) { delete(m["data"].([]any)[0].(map[string]any), "next_attempt_at") }},
		{"DELETE", "/v1/webhook_endpoints/" + id, func(m map[string]any) { m["deleted"] = false }},
	} {
		req := o.newRequest(oaRequest{method: c.method, path: c.path, auth: oaBearer(o.key)})
		res, err := o.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		err = json.NewDecoder(res.Body).Decode(&m)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("%s %s: %d %v", c.method, c.path, res.StatusCode, err)
		}
		req = o.newRequest(oaRequest{method: c.method, path: c.path, auth: oaBearer(o.key)})
		res.Body = io.NopCloser(bytes.NewReader(oaJSON(t, m)))
		if ok, errs := o.v.ValidateHttpResponse(req, res); !ok {
			t.Fatalf("%s %s: the unchanged response does not validate:%s", c.method, c.path, oaErrors(errs))
		}
		c.mutate(m)
		res.Body = io.NopCloser(bytes.NewReader(oaJSON(t, m)))
		if ok, _ := o.v.ValidateHttpResponse(req, res); ok {
			t.Errorf("%s %s: a changed response still validates: %s", c.method, c.path, oaJSON(t, m))
		}
	}
}
