package http_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/internal/seal"
	"github.com/checkoutd/checkoutd/service"
)

// TestBadInput sends every kind of bad request and checks the status, the
// error's type, code and param, and that nothing at all was written.
func TestBadInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) { badInput(t, newEnvOn(t, openStore(t, kind))) })
}

func badInput(t *testing.T, e *env) {
	e.create(e.key, validSession()) // something to page from
	existing, _ := e.counts()

	with := func(k string, v any) map[string]any {
		m := validSession()
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	item := func(mod func(li, pd, prod map[string]any)) map[string]any {
		prod := map[string]any{"name": "Tee"}
		pd := map[string]any{"currency": "GHS", "unit_amount": 2500, "product_data": prod}
		li := map[string]any{"quantity": 2, "price_data": pd}
		mod(li, pd, prod)
		m := validSession()
		delete(m, "amount")
		m["line_items"] = []any{li}
		return m
	}
	manyKeys := map[string]any{}
	for i := range 51 {
		manyKeys[fmt.Sprintf("k%d", i)] = "v"
	}
	manyItems := []any{}
	for range 101 {
		manyItems = append(manyItems, map[string]any{"quantity": 1, "price_data": map[string]any{"currency": "GHS", "unit_amount": 1, "product_data": map[string]any{"name": "x"}}})
	}
	now := e.clock.Now()
	const sessions = "/v1/checkout/sessions"

	type tc struct {
		name        string
		method      string
		path        string
		key         string // "" means e.key; "-" means none
		contentType string
		body        any // map → JSON; string → raw
		header      []string
		status      int
		typ, code   string
		param       string // "" means null
	}
	cases := []tc{
		{name: "AmountMissing", body: with("amount", nil), status: 400, code: "parameter_missing", param: "amount"},
		{name: "AmountZero", body: with("amount", 0), status: 400, code: "amount_too_small", param: "amount"},
		{name: "AmountNegative", body: with("amount", -5), status: 400, code: "amount_too_small", param: "amount"},
		{name: "AmountTooLarge", body: with("amount", int64(100_000_000_000)), status: 400, code: "amount_too_large", param: "amount"},
		{name: "AmountString", body: with("amount", "5000"), status: 400, code: "parameter_invalid_integer", param: "amount"},
		{name: "AmountFraction", body: with("amount", 50.5), status: 400, code: "parameter_invalid_integer", param: "amount"},
		{name: "AmountHuge", body: `{"amount": 9223372036854775808, "success_url":"https://a.example","cancel_url":"https://a.example"}`, status: 400, code: "parameter_invalid_integer", param: "amount"},
		{name: "CurrencyUnknown", body: with("currency", "XYZ"), status: 400, code: "currency_invalid", param: "currency"},
		{name: "CurrencyNotString", body: with("currency", 5), status: 400, code: "parameter_invalid_string", param: "currency"},
		{name: "SuccessURLMissing", body: with("success_url", nil), status: 400, code: "parameter_missing", param: "success_url"},
		{name: "CancelURLMissing", body: with("cancel_url", nil), status: 400, code: "parameter_missing", param: "cancel_url"},
		{name: "SuccessURLJavascript", body: with("success_url", "javascript:alert(1)"), status: 400, code: "url_invalid", param: "success_url"},
		{name: "SuccessURLData", body: with("success_url", "data:text/html,<b>x</b>"), status: 400, code: "url_invalid", param: "success_url"},
		{name: "SuccessURLRelative", body: with("success_url", "/thanks"), status: 400, code: "url_invalid", param: "success_url"},
		{name: "SuccessURLSchemeRelative", body: with("success_url", "//evil.example/x"), status: 400, code: "url_invalid", param: "success_url"},
		{name: "SuccessURLFTP", body: with("success_url", "ftp://shop.example/x"), status: 400, code: "url_invalid", param: "success_url"},
		{name: "SuccessURLTooLong", body: with("success_url", "https://shop.example/"+strings.Repeat("a", 2030)), status: 400, code: "url_invalid", param: "success_url"},
		{name: "SuccessURLCredentials", body: with("success_url", "https://user:pw@shop.example/"), status: 400, code: "url_invalid", param: "success_url"},
		{name: "SuccessURLSpace", body: with("success_url", "https://shop.example/a b"), status: 400, code: "url_invalid", param: "success_url"},
		{name: "SuccessURLNoHost", body: with("success_url", "https:///path"), status: 400, code: "url_invalid", param: "success_url"},
		{name: "SuccessURLHostSemicolon", body: with("success_url", "https://shop.example;sandbox/ok"), status: 400, code: "url_invalid", param: "success_url"},
		{name: "SuccessURLHostComma", body: with("success_url", "https://a.example,script-src/ok"), status: 400, code: "url_invalid", param: "success_url"},
		{name: "SuccessURLHostTag", body: with("success_url", "https://<b>x</b>/"), status: 400, code: "url_invalid", param: "success_url"},
		{name: "SuccessURLHostQuote", body: with("success_url", "https://exa'mple.com/"), status: 400, code: "url_invalid", param: "success_url"},
		{name: "SuccessURLPortRange", body: with("success_url", "https://shop.example:65536/"), status: 400, code: "url_invalid", param: "success_url"},
		{name: "CancelURLHostWildcard", body: with("cancel_url", "https://*.example/"), status: 400, code: "url_invalid", param: "cancel_url"},
		{name: "CancelURLHostSelf", body: with("cancel_url", "https://'self'/"), status: 400, code: "url_invalid", param: "cancel_url"},
		{name: "LineItemImageHostSemicolon", body: item(func(li, pd, prod map[string]any) { prod["images"] = []any{"https://img.example;sandbox/x.png"} }), status: 400, code: "url_invalid", param: "line_items[0][price_data][product_data][images][0]"},
		{name: "CancelURLJavascript", body: with("cancel_url", "JavaScript:alert(1)"), status: 400, code: "url_invalid", param: "cancel_url"},
		{name: "LiveModeNeedsHTTPS", key: e.liveA, body: with("success_url", "http://shop.example/ok"), status: 400, code: "url_invalid", param: "success_url"},
		{name: "UnknownParam", body: with("foo", "bar"), status: 400, code: "parameter_unknown", param: "foo"},
		{name: "SetStatus", body: with("status", "complete"), status: 400, code: "parameter_unknown", param: "status"},
		{name: "SetPaymentStatus", body: with("payment_status", "paid"), status: 400, code: "parameter_unknown", param: "payment_status"},
		{name: "SetPayment", body: with("payment", "pay_1"), status: 400, code: "parameter_unknown", param: "payment"},
		{name: "SetLivemode", body: with("livemode", true), status: 400, code: "parameter_unknown", param: "livemode"},
		{name: "SetObject", body: with("object", "checkout.session"), status: 400, code: "parameter_unknown", param: "object"},
		{name: "SetID", body: with("id", "cs_mine"), status: 400, code: "parameter_unknown", param: "id"},
		{name: "SetAmountTotal", body: with("amount_total", 1), status: 400, code: "parameter_unknown", param: "amount_total"},
		{name: "MetadataTooManyKeys", body: with("metadata", manyKeys), status: 400, code: "metadata_invalid", param: "metadata"},
		{name: "MetadataKeyTooLong", body: with("metadata", map[string]any{strings.Repeat("k", 41): "v"}), status: 400, code: "metadata_invalid", param: "metadata[" + strings.Repeat("k", 41) + "]"},
		{name: "MetadataValueTooLong", body: with("metadata", map[string]any{"k": strings.Repeat("v", 501)}), status: 400, code: "parameter_invalid", param: "metadata[k]"},
		{name: "MetadataValueNumber", body: with("metadata", map[string]any{"k": 5}), status: 400, code: "parameter_invalid_string", param: "metadata[k]"},
		{name: "MetadataNotObject", body: with("metadata", "x"), status: 400, code: "parameter_invalid_object", param: "metadata"},
		{name: "MetadataKeyBrackets", body: with("metadata", map[string]any{"a[b]": "v"}), status: 400, code: "metadata_invalid", param: "metadata[a[b]]"},
		{name: "ModeSubscription", body: with("mode", "subscription"), status: 400, code: "parameter_invalid", param: "mode"},
		{name: "LineItemCurrencyMismatch", body: item(func(li, pd, prod map[string]any) { pd["currency"] = "EUR" }), status: 400, code: "currency_mismatch", param: "line_items[0][price_data][currency]"},
		{name: "LineItemQuantityMissing", body: item(func(li, pd, prod map[string]any) { delete(li, "quantity") }), status: 400, code: "parameter_missing", param: "line_items[0][quantity]"},
		{name: "LineItemQuantityZero", body: item(func(li, pd, prod map[string]any) { li["quantity"] = 0 }), status: 400, code: "parameter_invalid_integer", param: "line_items[0][quantity]"},
		{name: "LineItemQuantityTooLarge", body: item(func(li, pd, prod map[string]any) { li["quantity"] = 1_000_000 }), status: 400, code: "parameter_invalid_integer", param: "line_items[0][quantity]"},
		{name: "LineItemUnitAmountMissing", body: item(func(li, pd, prod map[string]any) { delete(pd, "unit_amount") }), status: 400, code: "parameter_missing", param: "line_items[0][price_data][unit_amount]"},
		{name: "LineItemUnitAmountNegative", body: item(func(li, pd, prod map[string]any) { pd["unit_amount"] = -1 }), status: 400, code: "parameter_invalid_integer", param: "line_items[0][price_data][unit_amount]"},
		{name: "LineItemNameMissing", body: item(func(li, pd, prod map[string]any) { delete(prod, "name") }), status: 400, code: "parameter_missing", param: "line_items[0][price_data][product_data][name]"},
		{name: "LineItemImageJavascript", body: item(func(li, pd, prod map[string]any) { prod["images"] = []any{"javascript:x"} }), status: 400, code: "url_invalid", param: "line_items[0][price_data][product_data][images][0]"},
		{name: "LineItemUnknownField", body: item(func(li, pd, prod map[string]any) { li["price"] = "price_1" }), status: 400, code: "parameter_unknown", param: "line_items[0][price]"},
		{name: "LineItemNotObject", body: with("line_items", []any{"x"}), status: 400, code: "parameter_invalid_object", param: "line_items[0]"},
		{name: "LineItemsOverflow", body: item(func(li, pd, prod map[string]any) { pd["unit_amount"] = int64(99_999_999_999); li["quantity"] = 2 }), status: 400, code: "amount_too_large", param: "line_items"},
		{name: "AmountMismatch", body: func() any { m := item(func(li, pd, prod map[string]any) {}); m["amount"] = 4999; return m }(), status: 400, code: "amount_mismatch", param: "amount"},
		{name: "LineItemsTotalZero", body: item(func(li, pd, prod map[string]any) { pd["unit_amount"] = 0 }), status: 400, code: "amount_too_small", param: "line_items"},
		{name: "TooManyLineItems", body: func() any { m := validSession(); delete(m, "amount"); m["line_items"] = manyItems; return m }(), status: 400, code: "parameter_invalid", param: "line_items"},
		{name: "EmailInvalid", body: with("customer_email", "not-an-email"), status: 400, code: "email_invalid", param: "customer_email"},
		{name: "EmailWithName", body: with("customer_email", "Bob <bob@shop.example>"), status: 400, code: "email_invalid", param: "customer_email"},
		{name: "PhoneInvalid", body: with("customer_phone", "call me"), status: 400, code: "phone_invalid", param: "customer_phone"},
		{name: "MethodUnknown", body: with("payment_method_types", []any{"bitcoin"}), status: 400, code: "payment_method_invalid", param: "payment_method_types[0]"},
		{name: "MethodWrongCurrency", body: with("payment_method_types", []any{"card", "multibanco"}), status: 400, code: "payment_method_invalid", param: "payment_method_types[1]"},
		{name: "MethodDuplicate", body: with("payment_method_types", []any{"card", "card"}), status: 400, code: "parameter_invalid", param: "payment_method_types[1]"},
		{name: "MethodsNotArray", body: with("payment_method_types", "card"), status: 400, code: "parameter_invalid_array", param: "payment_method_types"},
		{name: "ExpiresTooSoon", body: with("expires_at", now.Add(30*time.Second).Format(time.RFC3339)), status: 400, code: "parameter_invalid", param: "expires_at"},
		{name: "ExpiresTooLate", body: with("expires_at", now.Add(31*24*time.Hour).Unix()), status: 400, code: "parameter_invalid", param: "expires_at"},
		{name: "ExpiresInPast", body: with("expires_at", now.Add(-time.Hour).Format(time.RFC3339)), status: 400, code: "parameter_invalid", param: "expires_at"},
		{name: "ExpiresNotTime", body: with("expires_at", "tomorrow"), status: 400, code: "parameter_invalid_timestamp", param: "expires_at"},
		{name: "LocaleUnknown", body: with("locale", "xx"), status: 400, code: "parameter_invalid", param: "locale"},
		{name: "DescriptionTooLong", body: with("description", strings.Repeat("d", 501)), status: 400, code: "parameter_invalid", param: "description"},
		{name: "ClientReferenceTooLong", body: with("client_reference_id", strings.Repeat("r", 201)), status: 400, code: "parameter_invalid", param: "client_reference_id"},
		{name: "CustomerControlChars", body: with("customer", "cus_\x00"), status: 400, code: "parameter_invalid", param: "customer"},
		{name: "MalformedJSON", body: `{"amount": 5000,}`, status: 400, code: "invalid_json"},
		{name: "JSONArray", body: `[1,2]`, status: 400, code: "invalid_json"},
		{name: "JSONDuplicateKey", body: `{"amount":1,"amount":2}`, status: 400, code: "invalid_json"},
		{name: "JSONTrailingData", body: `{"amount":1} {}`, status: 400, code: "invalid_json"},
		{name: "FormAmountNotInteger", contentType: "application/x-www-form-urlencoded", body: "amount=abc&success_url=https://a.example&cancel_url=https://a.example", status: 400, code: "parameter_invalid_integer", param: "amount"},
		{name: "FormScalarAndObject", contentType: "application/x-www-form-urlencoded", body: "metadata[a]=1&metadata=2", status: 400, code: "invalid_form", param: "metadata"},
		{name: "FormIndexGap", contentType: "application/x-www-form-urlencoded", body: "amount=1&line_items[1][quantity]=1", status: 400, code: "invalid_form", param: "line_items"},
		{name: "FormUnknown", contentType: "application/x-www-form-urlencoded", body: "amount=5000&success_url=https://a.example&cancel_url=https://a.example&metadata[a]=1&bogus[x]=1", status: 400, code: "parameter_unknown", param: "bogus"},
		{name: "BodyTooLarge", body: `{"description":"` + strings.Repeat("x", 1<<20) + `"}`, status: 413, code: "request_too_large"},
		{name: "ContentTypeUnsupported", contentType: "text/plain", body: "amount 5000", status: 400, code: "content_type_invalid"},
		{name: "QueryOnPost", path: sessions + "?amount=5000", body: validSession(), status: 400, code: "parameter_unknown"},
		{name: "IdempotencyKeyTooLong", body: validSession(), header: []string{"Idempotency-Key", strings.Repeat("k", 256)}, status: 400, code: "idempotency_key_too_long", param: "Idempotency-Key"},
		{name: "NoKey", key: "-", body: validSession(), status: 401, typ: "authentication_error", code: "api_key_missing"},
		{name: "WrongKey", key: "sk_test_wrong", body: validSession(), status: 401, typ: "authentication_error", code: "api_key_invalid"},
		{name: "NotAKey", key: "pk_test_123", body: validSession(), status: 401, typ: "authentication_error", code: "api_key_invalid"},
		{name: "ListLimitZero", method: "GET", path: sessions + "?limit=0", status: 400, code: "parameter_invalid_integer", param: "limit"},
		{name: "ListLimitTooLarge", method: "GET", path: sessions + "?limit=101", status: 400, code: "parameter_invalid_integer", param: "limit"},
		{name: "ListLimitNotNumber", method: "GET", path: sessions + "?limit=ten", status: 400, code: "parameter_invalid_integer", param: "limit"},
		{name: "ListStatusUnknown", method: "GET", path: sessions + "?status=paid", status: 400, code: "parameter_invalid", param: "status"},
		{name: "ListCursorUnknown", method: "GET", path: sessions + "?starting_after=cs_nope", status: 404, code: "resource_missing", param: "starting_after"},
		{name: "ListEndingBeforeUnknown", method: "GET", path: sessions + "?ending_before=cs_nope", status: 404, code: "resource_missing", param: "ending_before"},
		{name: "ListBothCursors", method: "GET", path: sessions + "?starting_after=a&ending_before=b", status: 400, code: "parameter_invalid", param: "ending_before"},
		{name: "ListCreatedNotTime", method: "GET", path: sessions + "?created[gte]=yesterday", status: 400, code: "parameter_invalid_timestamp", param: "created[gte]"},
		{name: "ListCreatedReversed", method: "GET", path: sessions + "?created[gte]=2000&created[lte]=1000", status: 400, code: "parameter_invalid", param: "created[gte]"},
		{name: "ListUnknownParam", method: "GET", path: sessions + "?colour=red", status: 400, code: "parameter_unknown", param: "colour"},
		{name: "ListCreatedUnknownOp", method: "GET", path: sessions + "?created[after]=1", status: 400, code: "parameter_unknown", param: "created[after]"},
		{name: "GetUnknownSession", method: "GET", path: sessions + "/cs_nope", status: 404, code: "resource_missing", param: "id"},
		{name: "GetWithParam", method: "GET", path: sessions + "/cs_nope?expand[]=x", status: 400, code: "parameter_unknown", param: "expand"},
		{name: "ExpireUnknown", path: sessions + "/cs_nope/expire", body: "", status: 404, code: "resource_missing", param: "id"},
		{name: "ExpireWithParam", path: sessions + "/cs_nope/expire", body: map[string]any{"reason": "x"}, status: 400, code: "parameter_unknown", param: "reason"},
		{name: "EventsUnknownParam", method: "GET", path: "/v1/events?object=x", status: 400, code: "parameter_unknown", param: "object"},
		{name: "EventsLimit", method: "GET", path: "/v1/events?limit=-1", status: 400, code: "parameter_invalid_integer", param: "limit"},
		{name: "EventUnknown", method: "GET", path: "/v1/events/evt_nope", status: 404, code: "resource_missing", param: "id"},
		{name: "UnknownRoute", method: "GET", path: "/v1/charges", status: 404, code: "route_not_found"},
	}
	if len(cases) < 60 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			method, path := c.method, c.path
			if method == "" {
				method = "POST"
			}
			if path == "" {
				path = sessions
			}
			key := c.key
			switch key {
			case "":
				key = e.key
			case "-":
				key = ""
			}
			var body []byte
			ct := c.contentType
			switch b := c.body.(type) {
			case string:
				body = []byte(b)
			case nil:
			default:
				var err error
				body, err = jsonMarshal(b)
				if err != nil {
					t.Fatal(err)
				}
				if ct == "" {
					ct = "application/json"
				}
			}
			r := e.do(method, path, key, ct, body, c.header...)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			typ := c.typ
			if typ == "" {
				typ = "invalid_request_error"
			}
			if got := r.str("error", "type"); got != typ {
				t.Errorf("type %q, want %q", got, typ)
			}
			if got := r.str("error", "code"); got != c.code {
				t.Errorf("code %q, want %q (%s)", got, c.code, r.body)
			}
			param := r.get("error", "param")
			if c.param == "" && param != nil || c.param != "" && param != c.param {
				t.Errorf("param %v, want %q", param, c.param)
			}
			if r.str("error", "message") == "" {
				t.Error("no message")
			}
			if r.header.Get("Request-Id") == "" {
				t.Error("no Request-Id")
			}
			if s, ev := e.counts(); s != existing || ev != 0 {
				t.Fatalf("a rejected request wrote: %d sessions (want %d), %d events", s, existing, ev)
			}
		})
	}
}

func TestFormEncodingMatchesJSON(t *testing.T) {
	e := newEnv(t)
	form := url.Values{}
	form.Set("currency", "ghs")
	form.Set("success_url", "https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}")
	form.Set("cancel_url", "https://shop.example/cancel")
	form.Set("metadata[order_id]", "1234")
	form.Set("line_items[0][quantity]", "2")
	form.Set("line_items[0][price_data][currency]", "GHS")
	form.Set("line_items[0][price_data][unit_amount]", "2500")
	form.Set("line_items[0][price_data][product_data][name]", "Tee")
	form.Set("line_items[1][quantity]", "1")
	form.Set("line_items[1][price_data][currency]", "GHS")
	form.Set("line_items[1][price_data][unit_amount]", "1000")
	form.Set("line_items[1][price_data][product_data][name]", "Mug")
	form.Add("payment_method_types[]", "card")
	r := e.do("POST", "/v1/checkout/sessions", e.key, "application/x-www-form-urlencoded", []byte(form.Encode()))
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if r.get("amount_total") != 6000.0 || r.get("amount") != 6000.0 || r.str("currency") != "GHS" || r.get("metadata", "order_id") != "1234" {
		t.Fatalf("form session: %s", r.body)
	}
	items := r.get("line_items", "data").([]any)
	if len(items) != 2 || items[0].(map[string]any)["amount_total"] != 5000.0 || items[1].(map[string]any)["description"] != "Mug" {
		t.Fatalf("line items: %v", items)
	}
	// Basic auth with the key as user name works too, as does x-api-key.
	req := e.do("GET", "/v1/checkout/sessions/"+r.str("id"), "", "", nil, "x-api-key", e.key)
	if req.status != 200 {
		t.Fatalf("x-api-key: %d", req.status)
	}
}

// TestHostileBytes sends ids, filters, cursors and headers holding bytes no
// store can hold (NUL, invalid UTF-8, a lone surrogate) over every store: an
// id in a path is simply not found; a query parameter or a header is a 400
// naming it. Nothing is written and nothing is logged at ERROR.
func TestHostileBytes(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, openStore(t, kind))
		sealer, err := seal.New(make([]byte, 32))
		if err != nil {
			t.Fatal(err)
		}
		e.configure(func(c *service.Config) { c.Sealer = sealer }) // the webhook routes need one
		e.create(e.key, validSession())
		existing, _ := e.counts()
		const (
			sessions = "/v1/checkout/sessions"
			form     = "application/x-www-form-urlencoded"
		)
		type tc struct {
			name, method, path string
			key                bool // send e.key
			contentType, body  string
			header             []string
			status             int
			code, param        string // checked on JSON answers; param "" means null
		}
		notFound := func(name, method, path string) tc {
			return tc{name: name, method: method, path: path, key: true, status: 404, code: "resource_missing", param: "id"}
		}
		page := func(name, method, path string) tc {
			return tc{name: name, method: method, path: path, status: 404}
		}
		bad := func(name, path, param string) tc {
			return tc{name: name, method: "GET", path: path, key: true, status: 400, code: "parameter_invalid", param: param}
		}
		cases := []tc{
			page("PageNUL", "GET", "/checkout/cs_%00"),
			page("PageFF", "GET", "/checkout/cs_%ff"),
			page("PageSurrogate", "GET", "/checkout/cs_%ed%a0%80"),
			page("SeedPageNUL", "GET", "/c/cs_%00"),
			{name: "PayNUL", method: "POST", path: "/checkout/cs_%00/pay", contentType: form, body: "csrf_token=x&card_number=4242424242424242", status: 404},
			{name: "PayFF", method: "POST", path: "/checkout/cs_%ff/pay", contentType: form, body: "csrf_token=x", status: 404},
			page("ChallengeNUL", "GET", "/checkout/cs_%00/3ds/pay_%00"),
			{name: "ChallengePostFF", method: "POST", path: "/checkout/cs_%ff/3ds/pay_%ff", contentType: form, body: "csrf_token=x", status: 404},
			page("TestPaymentNUL", "GET", "/test/payments/pay_%00"),
			page("TestPaymentFF", "GET", "/test/payments/pay_%ff"),
			{name: "TestPaymentPostNUL", method: "POST", path: "/test/payments/pay_%00", contentType: form, body: "result=succeed", status: 404},

			notFound("GetSessionNUL", "GET", sessions+"/cs_%00"),
			notFound("GetSessionFF", "GET", sessions+"/cs_%ff"),
			notFound("LineItemsNUL", "GET", sessions+"/cs_%00/line_items"),
			notFound("ExpireNUL", "POST", sessions+"/cs_%00/expire"),
			notFound("GetPaymentNUL", "GET", "/v1/payments/pay_%00"),
			notFound("SettleNUL", "POST", "/v1/test_helpers/payments/pay_%00/succeed"),
			notFound("SettleFF", "POST", "/v1/test_helpers/payments/pay_%ff/fail"),
			notFound("GetEventNUL", "GET", "/v1/events/evt_%00"),
			notFound("GetEventFF", "GET", "/v1/events/evt_%ff"),
			notFound("DeliveriesNUL", "GET", "/v1/events/evt_%00/deliveries"),
			notFound("ResendNUL", "POST", "/v1/events/evt_%00/resend"),
			notFound("GetEndpointNUL", "GET", "/v1/webhook_endpoints/we_%00"),
			notFound("UpdateEndpointFF", "POST", "/v1/webhook_endpoints/we_%ff"),
			notFound("DeleteEndpointNUL", "DELETE", "/v1/webhook_endpoints/we_%00"),
			notFound("RotateNUL", "POST", "/v1/webhook_endpoints/we_%00/rotate_secret"),

			bad("CustomerNUL", sessions+"?customer=%00", "customer"),
			bad("CustomerEmailNUL", sessions+"?customer_email=a%00@b.example", "customer_email"),
			bad("PaymentFilterNUL", sessions+"?payment=pay_%00", "payment"),
			bad("StartingAfterNUL", sessions+"?starting_after=%00", "starting_after"),
			bad("EndingBeforeNUL", sessions+"?ending_before=cs_%00", "ending_before"),
			bad("EventTypeNUL", "/v1/events?type=%00", "type"),
			bad("EventsCursorNUL", "/v1/events?starting_after=evt_%00", "starting_after"),
			bad("PaymentsSessionNUL", "/v1/payments?checkout_session=cs_%00", "checkout_session"),
			bad("EndpointsCursorNUL", "/v1/webhook_endpoints?starting_after=we_%00", "starting_after"),
			bad("StreamCursorNUL", "/v1/events/stream?starting_after=evt_%00", "starting_after"),
			bad("GetWithNULParam", sessions+"/cs_x?x=%00", "x"),
			bad("ParamNameNUL", sessions+"?a%00=1", "a\x00"),
			{name: "CustomerFF", method: "GET", path: sessions + "?customer=%ff", key: true, status: 400, code: "invalid_form", param: "customer"},
			{name: "CursorSurrogate", method: "GET", path: sessions + "?starting_after=%ed%a0%80", key: true, status: 400, code: "invalid_form", param: "starting_after"},

			{name: "IdempotencyKeyFFFE", method: "POST", path: sessions, key: true, contentType: "application/json",
				body:   `{"amount":5000,"currency":"GHS","success_url":"https://shop.example/ok","cancel_url":"https://shop.example/no"}`,
				header: []string{"Idempotency-Key", "\xff\xfe"}, status: 400, code: "parameter_invalid", param: "Idempotency-Key"},
			{name: "IdempotencyKeySurrogate", method: "POST", path: sessions + "/cs_x/expire", key: true,
				header: []string{"Idempotency-Key", "k\xed\xa0\x80"}, status: 400, code: "parameter_invalid", param: "Idempotency-Key"},
			{name: "LastEventIDFF", method: "GET", path: "/v1/events/stream", key: true,
				header: []string{"Last-Event-ID", "evt_\xff"}, status: 400, code: "parameter_invalid", param: "Last-Event-ID"},
			{name: "LastEventIDUnknown", method: "GET", path: "/v1/events/stream", key: true,
				header: []string{"Last-Event-ID", "evt_nope"}, status: 404, code: "resource_missing", param: "Last-Event-ID"},
			{name: "LastEventIDTooLong", method: "GET", path: "/v1/events/stream", key: true,
				header: []string{"Last-Event-ID", "evt_" + strings.Repeat("x", 300)}, status: 400, code: "parameter_invalid", param: "Last-Event-ID"},
			{name: "StreamCursorUnknown", method: "GET", path: "/v1/events/stream?starting_after=evt_nope", key: true,
				status: 404, code: "resource_missing", param: "starting_after"},
			{name: "ResendEndpointNUL", method: "POST", path: "/v1/events/evt_x/resend", key: true, contentType: "application/json",
				body: `{"webhook_endpoint":"we_\u0000"}`, status: 400, code: "parameter_invalid", param: "webhook_endpoint"},
			{name: "ResendEndpointFormNUL", method: "POST", path: "/v1/events/evt_x/resend", key: true, contentType: form,
				body: "webhook_endpoint=we_%00", status: 400, code: "parameter_invalid", param: "webhook_endpoint"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				key := ""
				if c.key {
					key = e.key
				}
				var body []byte
				if c.body != "" {
					body = []byte(c.body)
				}
				r := e.do(c.method, c.path, key, c.contentType, body, c.header...)
				if r.status != c.status {
					t.Fatalf("status %d, want %d: %.300s", r.status, c.status, r.body)
				}
				if r.json != nil {
					if got := r.str("error", "code"); got != c.code {
						t.Errorf("code %q, want %q (%s)", got, c.code, r.body)
					}
					param := r.get("error", "param")
					if c.param == "" && param != nil || c.param != "" && param != c.param {
						t.Errorf("param %q, want %q", param, c.param)
					}
				} else if c.code != "" {
					t.Errorf("not a JSON error: %.300s", r.body)
				}
				if msgs := e.errs.take(); len(msgs) > 0 {
					t.Errorf("logged at ERROR: %q", msgs)
				}
				if s, ev := e.counts(); s != existing || ev != 0 {
					t.Fatalf("a rejected request wrote: %d sessions (want %d), %d events", s, existing, ev)
				}
			})
		}
	})
}

// TestMetadataKeys: metadata keys follow the text rules of values (valid
// UTF-8, no NUL, BEL, CR, LF or other control character), and a form's
// metadata[]=x, an array where metadata is an object, is refused rather
// than stored as {"0":"x"}; for every object that takes metadata, on every
// store, writing nothing.
func TestMetadataKeys(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, openStore(t, kind))
		sealer, err := seal.New(make([]byte, 32))
		if err != nil {
			t.Fatal(err)
		}
		e.configure(func(c *service.Config) { c.Sealer = sealer })
		const form = "application/x-www-form-urlencoded"
		ep := e.postJSON("/v1/webhook_endpoints", e.key, map[string]any{"url": "https://hooks.example.com/a",
			"enabled_events": []string{"*"}, "metadata": map[string]any{"team": "payments"}})
		if ep.status != 200 {
			t.Fatalf("create endpoint: %d %s", ep.status, ep.body)
		}
		endpoint := "/v1/webhook_endpoints/" + ep.str("id")
		sessions, _ := e.counts()

		type tc struct {
			name, path, contentType, body string
			code, param                   string
		}
		var cases []tc
		for _, k := range []struct{ name, key string }{
			{"NUL", "k\x00"}, {"BEL", "k\a"}, {"CRLF", "k\r\n"}, {"LF", "k\n"}, {"CR", "\r"}, {"Tab", "k\t"},
			{"DEL", "k\x7f"}, {"C1", "k\u0085"}, {"Escape", "\x1bk"},
		} {
			md, _ := jsonMarshal(map[string]any{k.key: "v"})
			param := "metadata[" + k.key + "]"
			session := `{"amount":5000,"currency":"GHS","success_url":"https://shop.example/ok","cancel_url":"https://shop.example/no","metadata":` + string(md) + `}`
			code := "metadata_invalid"
			if k.name == "NUL" {
				code = "parameter_invalid" // refused as a parameter, before any rule of metadata
			}
			cases = append(cases,
				tc{"SessionKey" + k.name, "/v1/checkout/sessions", "application/json", session, code, param},
				tc{"SessionFormKey" + k.name, "/v1/checkout/sessions", form,
					"amount=5000&success_url=https://a.example&cancel_url=https://a.example&" + url.QueryEscape(param) + "=v", code, param},
				tc{"EndpointCreateKey" + k.name, "/v1/webhook_endpoints", "application/json",
					`{"url":"https://hooks.example.com/b","enabled_events":["*"],"metadata":` + string(md) + `}`, code, param},
				tc{"EndpointUpdateKey" + k.name, endpoint, "application/json", `{"metadata":` + string(md) + `}`, code, param},
			)
		}
		cases = append(cases,
			tc{"SessionFormAppend", "/v1/checkout/sessions", form,
				"amount=5000&success_url=https://a.example&cancel_url=https://a.example&metadata[]=x", "parameter_invalid_object", "metadata"},
			tc{"SessionFormAppendTwo", "/v1/checkout/sessions", form,
				"amount=5000&success_url=https://a.example&cancel_url=https://a.example&metadata[0]=x&metadata[]=y", "parameter_invalid_object", "metadata"},
			tc{"EndpointCreateFormAppend", "/v1/webhook_endpoints", form,
				"url=https://hooks.example.com/b&enabled_events[]=*&metadata[]=x", "parameter_invalid_object", "metadata"},
			tc{"EndpointUpdateFormAppend", endpoint, form, "metadata[]=x", "parameter_invalid_object", "metadata"},
		)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := e.do("POST", c.path, e.key, c.contentType, []byte(c.body))
				if r.status != 400 {
					t.Fatalf("status %d, want 400: %s", r.status, r.body)
				}
				if got := r.str("error", "code"); got != c.code {
					t.Errorf("code %q, want %q (%s)", got, c.code, r.body)
				}
				if got := r.get("error", "param"); got != c.param {
					t.Errorf("param %q, want %q", got, c.param)
				}
				if s, _ := e.counts(); s != sessions {
					t.Fatalf("a rejected request wrote a session: %d, want %d", s, sessions)
				}
				l := e.get("/v1/webhook_endpoints", e.key)
				if data, _ := l.get("data").([]any); len(data) != 1 {
					t.Fatalf("endpoints: %s", l.body)
				}
				if got := e.get(endpoint, e.key); got.get("metadata", "team") != "payments" || len(got.get("metadata").(map[string]any)) != 1 {
					t.Fatalf("endpoint metadata changed: %s", got.body)
				}
			})
		}
		// Numeric keys stay keys in a form, as in Stripe's (metadata[0]=x).
		r := e.do("POST", "/v1/checkout/sessions", e.key, form, []byte("amount=5000&success_url=https://a.example&cancel_url=https://a.example&metadata[0]=x&metadata[1]=y"))
		if r.status != 200 || r.get("metadata", "0") != "x" || r.get("metadata", "1") != "y" {
			t.Fatalf("metadata[0]=x: %d %s", r.status, r.body)
		}
	})
}
