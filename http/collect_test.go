package http_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/client"
	"github.com/checkoutd/checkoutd/service"
)

// What a session collects (issue 12 §3): its parameters over the API on
// every store, and the page that asks for them, driven as a browser
// without JavaScript drives it.

// collectForm is a create request, form-encoded as Stripe's SDKs send it,
// with every collection option; consent is added where the account has a
// terms URL.
func collectForm() url.Values {
	return url.Values{
		"amount": {"1200"}, "currency": {"EUR"},
		"success_url": {"https://shop.example/success?session_id={CHECKOUT_SESSION_ID}"}, "cancel_url": {"https://shop.example/cancel"},
		"shipping_address_collection[allowed_countries][]": {"US", "PT", "FR", "GB"},
		"billing_address_collection":                       {"required"},
		"phone_number_collection[enabled]":                 {"true"},
		"custom_fields[0][key]":                            {"giftnote"},
		"custom_fields[0][label][type]":                    {"custom"},
		"custom_fields[0][label][custom]":                  {"Gift note"},
		"custom_fields[0][type]":                           {"text"},
		"custom_fields[0][optional]":                       {"true"},
		"custom_fields[0][text][maximum_length]":           {"40"},
		"custom_fields[1][key]":                            {"nif"},
		"custom_fields[1][label][type]":                    {"custom"},
		"custom_fields[1][label][custom]":                  {"Tax number"},
		"custom_fields[1][type]":                           {"numeric"},
		"custom_fields[1][numeric][minimum_length]":        {"9"},
		"custom_fields[1][numeric][maximum_length]":        {"9"},
		"custom_fields[2][key]":                            {"size"},
		"custom_fields[2][label][type]":                    {"custom"},
		"custom_fields[2][label][custom]":                  {"Size"},
		"custom_fields[2][type]":                           {"dropdown"},
		"custom_fields[2][dropdown][options][0][label]":    {"Small"},
		"custom_fields[2][dropdown][options][0][value]":    {"s"},
		"custom_fields[2][dropdown][options][1][label]":    {"Large"},
		"custom_fields[2][dropdown][options][1][value]":    {"l"},
		"custom_text[submit][message]":                     {"Ships in 2 days."},
		"custom_text[shipping_address][message]":           {"We ship to 4 countries."},
		"custom_text[after_submit][message]":               {"Questions? Write to us."},
		"submit_type":                                      {"book"},
	}
}

// createForm creates a session from a form with key, and fails the test on
// any status but 200.
func (e *env) createForm(t *testing.T, key string, form url.Values) *response {
	t.Helper()
	r := e.do("POST", "/v1/checkout/sessions", key, "application/x-www-form-urlencoded", []byte(form.Encode()))
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	return r
}

// jsonOf re-encodes part of a decoded response, its keys sorted, to
// compare shapes (with canon of the expected JSON).
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// canon is JSON text with its keys sorted, as jsonOf writes it.
func canon(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return jsonOf(t, v)
}

// TestCollectParameters: the collection parameters come back on the session
// in Stripe's shapes, on every store, and every bad one is refused naming
// it exactly, writing nothing.
func TestCollectParameters(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, openStore(t, kind))
		e.configure(func(c *service.Config) { c.Providers = simProviders(e.clock) })
		s := e.createForm(t, e.key, collectForm())
		got := e.session(t, s.str("id"))
		for name, want := range map[string]string{
			"shipping_address_collection": `{"allowed_countries":["US","PT","FR","GB"]}`,
			"billing_address_collection":  `"required"`,
			"phone_number_collection":     `{"enabled":true}`,
			"custom_fields": `[{"key":"giftnote","label":{"type":"custom","custom":"Gift note"},"type":"text","optional":true,"dropdown":null,"numeric":null,"text":{"minimum_length":null,"maximum_length":40,"value":null}},` +
				`{"key":"nif","label":{"type":"custom","custom":"Tax number"},"type":"numeric","optional":false,"dropdown":null,"numeric":{"minimum_length":9,"maximum_length":9,"value":null},"text":null},` +
				`{"key":"size","label":{"type":"custom","custom":"Size"},"type":"dropdown","optional":false,"dropdown":{"options":[{"label":"Small","value":"s"},{"label":"Large","value":"l"}],"value":null},"numeric":null,"text":null}]`,
			"consent_collection": `null`,
			"consent":            `null`,
			"custom_text":        `{"submit":{"message":"Ships in 2 days."},"shipping_address":{"message":"We ship to 4 countries."},"terms_of_service_acceptance":null,"after_submit":{"message":"Questions? Write to us."}}`,
			"submit_type":        `"book"`,
			"customer_details":   `null`,
			"shipping_details":   `null`,
		} {
			for _, r := range []*response{s, got} {
				if v := jsonOf(t, r.get(name)); v != canon(t, want) {
					t.Errorf("%s = %s\nwant %s", name, v, want)
				}
			}
		}
		// JSON takes the same parameters.
		j := e.create(e.key, map[string]any{"amount": 500, "currency": "EUR", "success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/no",
			"shipping_address_collection": map[string]any{"allowed_countries": []string{"PT"}}, "phone_number_collection": map[string]any{"enabled": true},
			"custom_fields": []any{map[string]any{"key": "ref", "label": map[string]any{"type": "custom", "custom": "Ref"}, "type": "text"}},
			"submit_type":   "donate"})
		if j.str("submit_type") != "donate" || jsonOf(t, j.get("phone_number_collection")) != `{"enabled":true}` || len(j.get("custom_fields").([]any)) != 1 {
			t.Errorf("JSON create: %s", j.body)
		}
		// A session that collects nothing says so.
		plain := e.create(e.key, validSession())
		for name, want := range map[string]string{"shipping_address_collection": "null", "billing_address_collection": "null",
			"phone_number_collection": `{"enabled":false}`, "custom_fields": "[]", "submit_type": "null", "customer_details": "null"} {
			if v := jsonOf(t, plain.get(name)); v != want {
				t.Errorf("without collection, %s = %s, want %s", name, v, want)
			}
		}

		sessions, events := e.counts()
		for _, tc := range []struct{ param, value, want string }{
			{"shipping_address_collection[allowed_countries][]", "pt", "shipping_address_collection[allowed_countries][4]"},
			{"billing_address_collection", "sometimes", "billing_address_collection"},
			{"phone_number_collection[enabled]", "yes", "phone_number_collection[enabled]"},
			{"custom_fields[1][dropdown][options][0][label]", "A", "custom_fields[1][dropdown]"},
			{"custom_fields[2][dropdown][options][1][value]", "l-2", "custom_fields[2][dropdown][options][1][value]"},
			{"custom_fields[2][label][custom]", strings.Repeat("x", 51), "custom_fields[2][label][custom]"},
			{"custom_fields[0][text][minimum_length]", "41", "custom_fields[0][text][minimum_length]"},
			{"custom_fields[0][colour]", "red", "custom_fields[0][colour]"},
			{"consent_collection[terms_of_service]", "required", "consent_collection[terms_of_service]"},
			{"custom_text[submit][message]", strings.Repeat("x", 1201), "custom_text[submit][message]"},
			{"submit_type", "buy", "submit_type"},
		} {
			f := collectForm()
			if strings.HasSuffix(tc.param, "[]") {
				f.Add(tc.param, tc.value)
			} else {
				f.Set(tc.param, tc.value)
			}
			r := e.do("POST", "/v1/checkout/sessions", e.key, "application/x-www-form-urlencoded", []byte(f.Encode()))
			if r.status != 400 || r.str("error", "param") != tc.want {
				t.Errorf("%s=%.20s: %d %s; want 400 naming %s", tc.param, tc.value, r.status, r.body, tc.want)
			}
			if tc.want == "consent_collection[terms_of_service]" && !strings.Contains(r.str("error", "message"), "business_profile[terms_of_service_url]") {
				t.Errorf("consent without a terms URL: %s", r.body)
			}
		}
		if s2, ev2 := e.counts(); s2 != sessions || ev2 != events {
			t.Errorf("refused creates wrote: %d → %d sessions, %d → %d events", sessions, s2, events, ev2)
		}

		// Paid through the page, the answers are on the session and its event.
		page := e.openOK(t, "/checkout/"+s.str("id"))
		res := page.submit("card", []string{"email", "ana@example.com", "card_number", "4242424242424242", "card_expiry", futureExpiry(), "card_cvc", "123",
			"name", "Ana Silva", "phone", "+351 912 345 678",
			"shipping_address[country]", "PT", "shipping_address[line1]", "Rua das Flores 1", "shipping_address[city]", "Porto", "shipping_address[postal_code]", "4050-262",
			"billing_same_as_shipping", "1", "custom_fields[nif]", "123456789", "custom_fields[size]", "s"})
		if res.status != http.StatusSeeOther {
			t.Fatalf("pay: %d\n%s", res.status, res.text())
		}
		paid := e.session(t, s.str("id"))
		wantDetails := `{"email":"ana@example.com","name":"Ana Silva","phone":"+351912345678","address":{"city":"Porto","country":"PT","line1":"Rua das Flores 1","line2":null,"postal_code":"4050-262","state":null}}`
		wantDetails = canon(t, wantDetails)
		if v := jsonOf(t, paid.get("customer_details")); v != wantDetails {
			t.Errorf("customer_details %s\nwant %s", v, wantDetails)
		}
		ev := e.get("/v1/events?type=checkout.session.completed", e.key)
		data := ev.get("data").([]any)
		if len(data) != 1 || jsonOf(t, data[0].(map[string]any)["data"].(map[string]any)["object"].(map[string]any)["customer_details"]) != wantDetails {
			t.Errorf("completed event: %s", ev.body)
		}
	})
}

// browserForm is a form as a browser without JavaScript sends it: text,
// hidden and checked inputs, and each select's chosen option.
type browserForm struct {
	action string
	values url.Values
	// selects are each select's options, by name.
	selects map[string][]string
	// boxes are the checkboxes, by name, with their values.
	boxes map[string]string
}

// readForm reads the form of page p that has a hidden method=method.
func readForm(t *testing.T, p *htmlPage, method string) *browserForm {
	t.Helper()
	for _, f := range all(p.doc, "form") {
		bf := &browserForm{values: url.Values{}, selects: map[string][]string{}, boxes: map[string]string{}}
		var match bool
		walk(f, func(n *html.Node) bool {
			if n.Type != html.ElementNode {
				return true
			}
			name := attr(n, "name")
			switch {
			case name == "":
			case n.Data == "input" && attr(n, "type") == "checkbox":
				bf.boxes[name] = attr(n, "value")
				if hasAttr(n, "checked") {
					bf.values.Set(name, attr(n, "value"))
				}
			case n.Data == "input":
				if attr(n, "type") == "hidden" && name == "method" && attr(n, "value") == method {
					match = true
				}
				bf.values.Set(name, attr(n, "value"))
			case n.Data == "select":
				chosen := ""
				for i, o := range all(n, "option") {
					bf.selects[name] = append(bf.selects[name], attr(o, "value"))
					if i == 0 || hasAttr(o, "selected") {
						chosen = attr(o, "value")
					}
				}
				bf.values.Set(name, chosen)
			case n.Data == "textarea":
				bf.values.Set(name, textOf(n))
			}
			return true
		})
		if match {
			action, _ := url.Parse(attr(f, "action"))
			base, _ := url.Parse(p.url)
			bf.action = base.ResolveReference(action).String()
			return bf
		}
	}
	t.Fatalf("no %s form in\n%s", method, p.text())
	return nil
}

// fill sets the named fields, as a customer types or chooses them: a select
// takes only one of its options, a checkbox is ticked ("on") or not ("").
func (f *browserForm) fill(t *testing.T, kv ...string) {
	t.Helper()
	for i := 0; i+1 < len(kv); i += 2 {
		name, v := kv[i], kv[i+1]
		if opts, ok := f.selects[name]; ok && !contains(opts, v) {
			t.Fatalf("select %s has no option %q (has %v)", name, v, opts)
		}
		if box, ok := f.boxes[name]; ok {
			if v == "" {
				f.values.Del(name)
			} else {
				f.values.Set(name, box)
			}
			continue
		}
		if _, ok := f.values[name]; !ok {
			t.Fatalf("the form has no field %s", name)
		}
		f.values.Set(name, v)
	}
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// browser is a plain HTTP client with a cookie jar that follows redirects
// within the test server, and stops at one that leaves it (the merchant's
// success URL), so that no request goes anywhere else.
func browser(t *testing.T, e *env) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := url.Parse(e.srv.URL)
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != srv.Host || len(via) > 5 {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

// browse requests target with c, as a browser would (a form post when
// form is not nil), and returns the page it ends on.
func browse(t *testing.T, e *env, c *http.Client, method, target string, form url.Values, lang string) *htmlPage {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	if !strings.HasPrefix(target, "http") {
		target = e.srv.URL + target
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	p := &htmlPage{t: t, e: e, url: res.Request.URL.String(), status: res.StatusCode, header: res.Header, body: string(b)}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") && res.StatusCode != http.StatusSeeOther {
		if p.doc, err = html.Parse(strings.NewReader(p.body)); err != nil {
			t.Fatal(err)
		}
		checkPage(t, p)
	}
	return p
}

// termsKey makes an account with a terms of service URL, through the store,
// and returns a test key of it.
func termsKey(t *testing.T, e *env) string {
	t.Helper()
	ctx := context.Background()
	a := &checkout.Account{ID: "acct_terms", Name: "Terms Shop", DefaultCurrency: "EUR", SessionTTL: checkout.DefaultSessionTTL,
		Created: e.clock.Now(), Profile: checkout.Profile{TermsURL: "https://shop.example/terms"}}
	if err := e.store.CreateAccount(ctx, a, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := e.store.GetAccount(ctx, a.ID); err != nil || got.Profile.TermsURL == "" {
		t.Fatalf("the store does not keep an account's terms URL: %v", err)
	}
	key, err := e.svc.CreateKey(ctx, a.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	e.accts = append(e.accts, a.ID)
	return key
}

// TestPageCollectNoJavaScript: a customer without JavaScript gets every
// collection field in the form, fills them, pays, and the merchant reads
// what they gave over the API.
func TestPageCollectNoJavaScript(t *testing.T) {
	e := newPageEnv(t)
	id := e.createForm(t, e.key, collectForm()).str("id")
	c := browser(t, e)
	page := browse(t, e, c, "GET", "/checkout/"+id, nil, "en")
	if page.status != 200 {
		t.Fatalf("GET: %d", page.status)
	}
	page.mustContain("Shipping address", "Billing address", "Full name", "Phone number", "Gift note (optional)", "Tax number", "Size",
		"Ships in 2 days.", "We ship to 4 countries.", "Questions? Write to us.", "ZIP code", "State")
	for _, f := range []struct{ id, autocomplete string }{
		{"name", "name"}, {"phone", "tel"}, {"shipping_address[line1]", "shipping address-line1"}, {"shipping_address[postal_code]", "shipping postal-code"},
		{"shipping_address[country]", "shipping country"}, {"billing_address[city]", "billing address-level2"},
	} {
		if in := page.byID(f.id); in == nil || attr(in, "autocomplete") != f.autocomplete || labelFor(page, f.id) == "" {
			t.Errorf("field %s: autocomplete %q, label %q", f.id, attr(in, "autocomplete"), labelFor(page, f.id))
		}
	}
	var button string
	for _, b := range all(page.doc, "button") {
		button += textOf(b)
	}
	if button != "Book" {
		t.Errorf("pay button %q, want Book (submit_type)", button)
	}
	// The shipping countries are the session's; billing offers more.
	form := readForm(t, page, "card")
	if got := form.selects["shipping_address[country]"]; !reflect.DeepEqual(got, []string{"FR", "PT", "GB", "US"}) {
		t.Errorf("shipping countries %v, want the allowed ones, by name", got)
	}
	if got := form.selects["billing_address[country]"]; len(got) < 12 || !contains(got, "BR") || !contains(got, "IE") {
		t.Errorf("billing countries %v", got)
	}
	if form.values.Get("billing_same_as_shipping") == "" {
		t.Error("billing is not the shipping address by default")
	}

	form.fill(t, "email", "ana@example.com", "card_number", "4242 4242 4242 4242", "card_expiry", futureExpiry(), "card_cvc", "123",
		"name", "Ana Silva", "phone", "+1 (415) 555-0100",
		"shipping_address[country]", "US", "shipping_address[line1]", "1 Market St", "shipping_address[line2]", "Apt 2",
		"shipping_address[city]", "San Francisco", "shipping_address[state]", "ca", "shipping_address[postal_code]", "94105-1234",
		"billing_same_as_shipping", "",
		"billing_address[country]", "FR", "billing_address[line1]", "1 rue de Rivoli", "billing_address[city]", "Paris", "billing_address[postal_code]", "75001",
		"custom_fields[giftnote]", "Happy birthday", "custom_fields[nif]", "123 456 789", "custom_fields[size]", "l")
	done := browse(t, e, c, "POST", form.action, form.values, "en")
	if done.status != http.StatusSeeOther || !strings.HasPrefix(done.header.Get("Location"), "https://shop.example/success") {
		t.Fatalf("pay: %d %s\n%s", done.status, done.header.Get("Location"), done.text())
	}

	s := e.session(t, id)
	for name, want := range map[string]string{
		"customer_details": `{"email":"ana@example.com","name":"Ana Silva","phone":"+14155550100","address":{"city":"Paris","country":"FR","line1":"1 rue de Rivoli","line2":null,"postal_code":"75001","state":null}}`,
		"shipping_details": `{"name":"Ana Silva","address":{"city":"San Francisco","country":"US","line1":"1 Market St","line2":"Apt 2","postal_code":"94105-1234","state":"CA"}}`,
		"consent":          `null`,
	} {
		if v := jsonOf(t, s.get(name)); v != canon(t, want) {
			t.Errorf("%s = %s\nwant %s", name, v, want)
		}
	}
	var values []string
	for _, f := range s.get("custom_fields").([]any) {
		f := f.(map[string]any)
		typ := f["type"].(string)
		values = append(values, jsonOf(t, f[typ].(map[string]any)["value"]))
	}
	if want := []string{`"Happy birthday"`, `"123456789"`, `"l"`}; !reflect.DeepEqual(values, want) {
		t.Errorf("custom field values %v, want %v", values, want)
	}
}

// TestPageCollectErrors: a bad submit shows every field's error next to its
// field, in the summary by the field's label, keeps what was typed, and
// writes nothing; the address's labels follow the country submitted.
func TestPageCollectErrors(t *testing.T) {
	e := newPageEnv(t)
	id := e.createForm(t, e.key, collectForm()).str("id")
	c := browser(t, e)
	page := browse(t, e, c, "GET", "/checkout/"+id, nil, "en")
	before := e.state(t, id)
	form := readForm(t, page, "card")
	form.fill(t, "email", "ana@example.com", "card_number", "4242424242424242", "card_expiry", futureExpiry(), "card_cvc", "",
		"name", "Ana Silva", "phone", "912 345 678",
		"shipping_address[country]", "GB", "shipping_address[line1]", "10 Downing St", "shipping_address[city]", "London",
		"shipping_address[postal_code]", "SW1A", "shipping_address[state]", "Greater London",
		"custom_fields[nif]", "12345678X", "custom_fields[size]", "")
	res := browse(t, e, c, "POST", form.action, form.values, "en")
	if res.status != http.StatusBadRequest && res.status != http.StatusOK {
		t.Fatalf("bad submit: %d", res.status)
	}
	for field, message := range map[string]string{
		"phone":                         "Enter the number with its country code, such as +44 20 7946 0958.",
		"shipping_address[postal_code]": "Enter the code as SW1A 1AA.",
		"custom_fields[nif]":            "Enter digits only.",
		"custom_fields[size]":           "Required.",
		"card_cvc":                      "Required.",
	} {
		in := res.byID(field)
		if in == nil || attr(in, "aria-invalid") != "true" || !strings.Contains(attr(in, "aria-describedby"), field+"-error") {
			t.Errorf("field %s: %v", field, in)
			continue
		}
		if msg := res.byID(field + "-error"); msg == nil || textOf(msg) != message || msg.Parent != in.Parent {
			t.Errorf("field %s: message %q next to it, want %q", field, textOf(msg), message)
		}
	}
	summary := textOf(res.byID("errors"))
	for _, s := range []string{"Phone number: Enter", "Shipping address · Postcode: Enter the code as SW1A 1AA.", "Tax number: Enter digits only.", "Size: Required."} {
		if !strings.Contains(summary, s) {
			t.Errorf("summary lacks %q: %s", s, summary)
		}
	}
	// Each of its links leads to its field (a browser decodes the
	// fragment before it looks for the id).
	for _, a := range all(res.byID("errors"), "a") {
		frag, err := url.PathUnescape(strings.TrimPrefix(attr(a, "href"), "#"))
		if err != nil || res.byID(frag) == nil {
			t.Errorf("summary link %q leads to no field", attr(a, "href"))
		}
	}
	// The summary lists them in the form's order.
	if i, j := strings.Index(summary, "Phone"), strings.Index(summary, "Tax number"); i < 0 || j < i {
		t.Errorf("summary out of order: %s", summary)
	}
	// What was typed is kept, and the address is labelled for GB now: a
	// postcode, no state.
	if v := attr(res.byID("name"), "value"); v != "Ana Silva" {
		t.Errorf("name kept as %q", v)
	}
	if v := attr(res.byID("shipping_address[line1]"), "value"); v != "10 Downing St" {
		t.Errorf("line1 kept as %q", v)
	}
	if l := labelFor(res, "shipping_address[postal_code]"); !strings.HasPrefix(l, "Postcode") {
		t.Errorf("GB postal code labelled %q", l)
	}
	if res.byID("shipping_address[state]") != nil {
		t.Error("a GB address asks for a state")
	}
	if v := attr(res.byID("card_number"), "value"); v != "" {
		t.Errorf("the card number is echoed: %q", v)
	}
	if after := e.state(t, id); after != before {
		t.Errorf("a bad submit wrote:\n%s\n%s", before, after)
	}

	// Portuguese labels and errors, and a PT code accepted once corrected.
	pt := browse(t, e, c, "GET", "/checkout/"+id, nil, "pt")
	pt.mustContain("Morada de envio", "Código postal (ZIP)", "Reservar")
	form = readForm(t, pt, "card")
	form.fill(t, "card_number", "4242424242424242", "card_expiry", futureExpiry(), "card_cvc", "123", "name", "Ana", "phone", "+351912345678",
		"shipping_address[country]", "PT", "shipping_address[line1]", "Rua A 1", "shipping_address[city]", "Porto", "shipping_address[postal_code]", "4050",
		"custom_fields[nif]", "123456789", "custom_fields[size]", "s")
	res = browse(t, e, c, "POST", form.action, form.values, "pt")
	if msg := res.byID("shipping_address[postal_code]-error"); textOf(msg) != "Indique o código no formato 1000-001." {
		t.Errorf("pt postal code error %q", textOf(msg))
	}
	if l := labelFor(res, "shipping_address[postal_code]"); l != "Código postal" {
		t.Errorf("PT postal code labelled %q", l)
	}
	form = readForm(t, res, "card")
	form.fill(t, "card_number", "4242424242424242", "card_expiry", futureExpiry(), "card_cvc", "123", "shipping_address[postal_code]", "4050-262")
	if done := browse(t, e, c, "POST", form.action, form.values, "pt"); done.status != http.StatusSeeOther {
		t.Fatalf("corrected: %d\n%s", done.status, done.text())
	}
	if s := e.session(t, id); s.str("shipping_details", "address", "postal_code") != "4050-262" || s.str("status") != "complete" {
		t.Errorf("after correcting: %s", s.body)
	}
}

// A declined payment keeps what the customer gave: the page after it shows
// their name and address again, and so does a later visit (from what the
// attempt recorded on the session, the flash being spent).
func TestPageCollectKeptAfterDecline(t *testing.T) {
	e := newPageEnv(t)
	f := collectForm()
	f.Del("custom_fields[1][key]")
	for k := range f {
		if strings.HasPrefix(k, "custom_fields") {
			f.Del(k)
		}
	}
	id := e.createForm(t, e.key, f).str("id")
	c := browser(t, e)
	form := readForm(t, browse(t, e, c, "GET", "/checkout/"+id, nil, ""), "card")
	form.fill(t, "card_number", "4000000000000002", "card_expiry", futureExpiry(), "card_cvc", "123", "name", "Rui", "phone", "+351912345678",
		"shipping_address[country]", "FR", "shipping_address[line1]", "2 rue B", "shipping_address[city]", "Lyon", "shipping_address[postal_code]", "69001")
	res := browse(t, e, c, "POST", form.action, form.values, "")
	if res.status != http.StatusOK || !strings.Contains(textOf(res.byID("alert")), "declined") {
		t.Fatalf("decline: %d\n%s", res.status, res.text())
	}
	again := browse(t, e, c, "GET", "/checkout/"+id, nil, "")
	for _, p := range []*htmlPage{res, again} {
		for id, want := range map[string]string{"name": "Rui", "shipping_address[city]": "Lyon", "shipping_address[postal_code]": "69001"} {
			if v := attr(p.byID(id), "value"); v != want {
				t.Errorf("after a decline %s shows %q, want %q", id, v, want)
			}
		}
		if sel := p.byID("shipping_address[country]"); sel == nil || !strings.Contains(renderNode(sel), `value="FR" selected`) {
			t.Errorf("after a decline the country is not FR")
		}
	}
}

// Consent to the terms: a checkbox linking the account's terms, required.
func TestPageCollectConsent(t *testing.T) {
	e := newPageEnv(t)
	key := termsKey(t, e)
	f := collectForm()
	f.Set("consent_collection[terms_of_service]", "required")
	f.Set("custom_text[terms_of_service_acceptance][message]", "You can return it within 30 days.")
	f.Del("submit_type")
	id := e.createForm(t, key, f).str("id")
	c := browser(t, e)
	page := browse(t, e, c, "GET", "/checkout/"+id, nil, "fr")
	page.mustContain("J'accepte les conditions d'utilisation", "You can return it within 30 days.", "Payer 12,00")
	if a := first(page.byID("consent[terms_of_service]").Parent, "a"); attr(a, "href") != "https://shop.example/terms" {
		t.Errorf("terms link %q", attr(a, "href"))
	}
	fill := []string{"card_number", "4242424242424242", "card_expiry", futureExpiry(), "card_cvc", "123", "name", "Ana", "phone", "+351912345678",
		"shipping_address[country]", "PT", "shipping_address[line1]", "Rua A 1", "shipping_address[city]", "Porto", "shipping_address[postal_code]", "4050-262",
		"custom_fields[nif]", "123456789", "custom_fields[size]", "s"}
	form := readForm(t, page, "card")
	form.fill(t, fill...)
	res := browse(t, e, c, "POST", form.action, form.values, "fr")
	if msg := res.byID("consent[terms_of_service]-error"); textOf(msg) != "Acceptez les conditions d'utilisation pour continuer." {
		t.Fatalf("unticked consent: %d %q", res.status, textOf(msg))
	}
	form = readForm(t, res, "card")
	form.fill(t, append(fill, "consent[terms_of_service]", "on")...)
	if done := browse(t, e, c, "POST", form.action, form.values, "fr"); done.status != http.StatusSeeOther {
		t.Fatalf("consented: %d\n%s", done.status, done.text())
	}
	s := e.do("GET", "/v1/checkout/sessions/"+id, key, "", nil)
	if v := jsonOf(t, s.get("consent")); v != `{"terms_of_service":"accepted"}` {
		t.Errorf("consent %s", v)
	}
	if v := jsonOf(t, s.get("consent_collection")); v != `{"terms_of_service":"required"}` {
		t.Errorf("consent_collection %s", v)
	}
}

// submit_type words the pay button in each language.
func TestPageSubmitType(t *testing.T) {
	e := newPageEnv(t)
	for _, tc := range []struct{ submit, lang, want string }{
		{"", "en", "Pay €12.00"}, {"auto", "fr", "Payer 12,00 €"}, {"pay", "pt", "Pagar 12,00 €"},
		{"book", "en", "Book"}, {"book", "fr", "Réserver"}, {"donate", "pt", "Doar"}, {"donate", "fr", "Faire un don"},
	} {
		s := validSession()
		s["amount"], s["currency"] = 1200, "EUR"
		if tc.submit != "" {
			s["submit_type"] = tc.submit
		}
		id := e.create(e.key, s).str("id")
		p := e.openOK(t, "/checkout/"+id, "Accept-Language", tc.lang)
		var got string
		for _, b := range all(p.doc, "button") {
			got = textOf(b)
		}
		if got != tc.want {
			t.Errorf("submit_type %q in %s: button %q, want %q", tc.submit, tc.lang, got, tc.want)
		}
	}
}

// A session paid only by a method without inputs (Multibanco) still asks
// for what it collects, in that method's form.
func TestPageCollectWithButtonMethod(t *testing.T) {
	e := newPageEnv(t)
	s := validSession()
	s["amount"], s["currency"], s["payment_method_types"] = 1200, "EUR", []string{"multibanco"}
	s["phone_number_collection"] = map[string]any{"enabled": true}
	id := e.create(e.key, s).str("id")
	c := browser(t, e)
	form := readForm(t, browse(t, e, c, "GET", "/checkout/"+id, nil, ""), "multibanco")
	res := browse(t, e, c, "POST", form.action, form.values, "")
	if msg := res.byID("phone-error"); msg == nil {
		t.Fatalf("no phone: %d\n%s", res.status, res.text())
	}
	// Its errors are the page's own words, in the page's language.
	form = readForm(t, res, "multibanco")
	form.fill(t, "phone", "912")
	res = browse(t, e, c, "POST", form.action, form.values, "pt")
	if msg := res.byID("phone-error"); textOf(msg) != "Indique o número com o indicativo do país, por exemplo +351 912 345 678." {
		t.Errorf("a bad phone in pt: %d %q", res.status, textOf(msg))
	}
	form = readForm(t, res, "multibanco")
	form.fill(t, "phone", "+351 912 345 678")
	done := browse(t, e, c, "POST", form.action, form.values, "")
	if done.status != 200 || done.byID("reference") == nil {
		t.Fatalf("voucher: %d\n%s", done.status, done.text())
	}
	if sess := e.session(t, id); sess.str("customer_details", "phone") != "+351912345678" {
		t.Errorf("phone %s", sess.body)
	}
}

// TestOpenAPICollect: the collection parameters, the session that holds
// them and the answers, and the pay form's collection fields all validate
// against openapi.json, as form and as JSON; a bad parameter is refused by
// both the server and the document.
func TestOpenAPICollect(t *testing.T) {
	o := newOAEnv(t)
	form := collectForm()
	id := o.exchange(oaRequest{method: "POST", path: "/v1/checkout/sessions", auth: oaBearer(o.key),
		contentType: "application/x-www-form-urlencoded", body: []byte(form.Encode()), status: 200}).str("id")
	o.exchange(oaRequest{method: "POST", path: "/v1/checkout/sessions", auth: oaBearer(o.key), contentType: "application/json", status: 200,
		body: oaJSON(t, map[string]any{"amount": 500, "currency": "EUR", "success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/no",
			"shipping_address_collection": map[string]any{"allowed_countries": []string{"PT", "ES"}}, "billing_address_collection": "auto",
			"phone_number_collection": map[string]any{"enabled": false}, "consent_collection": map[string]any{"terms_of_service": "none"},
			"custom_fields": []any{map[string]any{"key": "size", "label": map[string]any{"type": "custom", "custom": "Size"}, "type": "dropdown", "optional": true,
				"dropdown": map[string]any{"options": []any{map[string]any{"label": "S", "value": "s"}}}}},
			"custom_text": map[string]any{"after_submit": map[string]any{"message": "Thanks"}}, "submit_type": "pay"})})
	bad := map[string]any{"amount": 500, "currency": "EUR", "success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/no",
		"custom_fields": []any{map[string]any{"key": "a-b", "label": map[string]any{"type": "custom", "custom": "A"}, "type": "text"}}}
	o.exchange(oaRequest{method: "POST", path: "/v1/checkout/sessions", auth: oaBearer(o.key), contentType: "application/json", status: 400,
		body: oaJSON(t, bad), request: oaInvalid})

	_, csrf := o.page("/checkout/"+id, 200)
	pay := "/checkout/" + id + "/pay"
	answers := []string{"csrf_token", csrf, "method", "card", "email", "ana@example.com", "card_number", "4242424242424242",
		"card_expiry", futureExpiry(), "card_cvc", "123", "name", "Ana", "phone", "+351 912 345 678",
		"shipping_address[country]", "GB", "shipping_address[line1]", "10 Downing St", "shipping_address[city]", "London",
		"shipping_address[postal_code]", "SW1A 1AA", "shipping_address[line2]", "", "shipping_address[state]", "",
		"billing_address[country]", "US", "billing_address[line1]", "1 Main St", "billing_address[city]", "Springfield",
		"billing_address[state]", "IL", "billing_address[postal_code]", "62701", "billing_address[line2]", "",
		"custom_fields[giftnote]", "", "custom_fields[nif]", "123456789", "custom_fields[size]", "l", "consent[terms_of_service]", "accepted", "billing_same_as_shipping", ""}
	o.post(pay, 303, oaValid, nil, append(slices.Clone(answers), "custom_fields[nif]", "12")...) // back to the form, with the error
	o.post(pay, 303, oaValid, nil, answers...)
	s := o.exchange(oaRequest{method: "GET", path: "/v1/checkout/sessions/" + id, auth: oaBearer(o.key), status: 200})
	if s.str("shipping_details", "address", "postal_code") != "SW1A 1AA" || s.str("customer_details", "address", "state") != "IL" {
		t.Errorf("session after paying: %s", s.body)
	}
	o.exchange(oaRequest{method: "GET", path: "/v1/events?type=checkout.session.completed", auth: oaBearer(o.key), status: 200})
}

// renderNode is n's HTML.
func renderNode(n *html.Node) string {
	var b strings.Builder
	html.Render(&b, n)
	return b.String()
}

// With a card form and a Multibanco button, the collection fields are in
// the card form and the button submits that form naming its own method, so
// that what was typed goes with either.
func TestPageCollectWithCardAndButton(t *testing.T) {
	e := newPageEnv(t)
	s := validSession()
	s["amount"], s["currency"], s["payment_method_types"] = 1200, "EUR", []string{"card", "multibanco"}
	s["phone_number_collection"] = map[string]any{"enabled": true}
	id := e.create(e.key, s).str("id")
	c := browser(t, e)
	page := browse(t, e, c, "GET", "/checkout/"+id, nil, "")
	var button *html.Node
	for _, b := range all(page.doc, "button") {
		if attr(b, "value") == "multibanco" {
			button = b
		}
	}
	if button == nil || attr(button, "form") != "pay-card" || attr(button, "name") != "method" || page.byID("pay-card") == nil {
		t.Fatalf("the Multibanco button does not submit the card form: %v", button)
	}
	// A browser sends the form's fields, then the button's name and value.
	form := readForm(t, page, "card")
	form.fill(t, "phone", "+351 912 345 678")
	form.values.Add("method", "multibanco")
	done := browse(t, e, c, "POST", form.action, form.values, "")
	if done.status != 200 || done.byID("reference") == nil {
		t.Fatalf("voucher: %d\n%s", done.status, done.text())
	}
	sess := e.session(t, id)
	if sess.str("customer_details", "phone") != "+351912345678" {
		t.Errorf("phone %s", sess.body)
	}
	if pays := e.payments(t, id); len(pays) != 1 || pays[0]["method"] != "multibanco" {
		t.Errorf("payments %v", pays)
	}
}

// The Go SDK asks for the collection and reads back what was collected,
// against the real server.
func TestSDKCollect(t *testing.T) {
	e := newPageEnv(t)
	ctx := context.Background()
	c := client.New(e.key, client.WithBaseURL(e.srv.URL))
	s, err := c.Sessions.Create(ctx, &client.SessionParams{
		Amount: 1200, Currency: "EUR", SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no",
		ShippingAddressCollection: &client.ShippingAddressCollection{AllowedCountries: []string{"PT", "ES"}},
		BillingAddressCollection:  client.BillingAddressCollectionRequired,
		PhoneNumberCollection:     &client.PhoneNumberCollection{Enabled: true},
		CustomFields: []client.CustomField{
			{Key: "size", Label: client.CustomFieldLabel{Type: "custom", Custom: "Size"}, Type: client.CustomFieldTypeDropdown,
				Dropdown: &client.CustomFieldDropdown{Options: []client.CustomFieldOption{{Label: "Small", Value: "s"}, {Label: "Large", Value: "l"}}}},
			{Key: "nif", Label: client.CustomFieldLabel{Type: "custom", Custom: "NIF"}, Type: client.CustomFieldTypeNumeric, Optional: true,
				Numeric: &client.CustomFieldLengths{MinimumLength: 9, MaximumLength: 9}},
		},
		CustomText: &client.CustomText{Submit: &client.CustomTextMessage{Message: "Ships Monday."}},
		SubmitType: client.SubmitTypeBook,
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.ShippingAddressCollection == nil || len(s.ShippingAddressCollection.AllowedCountries) != 2 || !s.PhoneNumberCollection.Enabled ||
		s.BillingAddressCollection != "required" || len(s.CustomFields) != 2 || s.CustomFields[1].Numeric.MinimumLength != 9 ||
		s.CustomText.Submit == nil || s.CustomText.Submit.Message != "Ships Monday." || s.CustomText.AfterSubmit != nil ||
		s.SubmitType != "book" || s.CustomerDetails != nil || s.ConsentCollection != nil {
		t.Fatalf("created %+v", s)
	}
	page := e.openOK(t, "/checkout/"+s.ID)
	if res := page.pay("4242424242424242", "name", "Ana Silva", "phone", "+34 600 123 456",
		"shipping_address[country]", "ES", "shipping_address[line1]", "Calle Mayor 1", "shipping_address[city]", "Madrid",
		"shipping_address[postal_code]", "28013", "billing_same_as_shipping", "1", "custom_fields[size]", "l"); res.status != http.StatusSeeOther {
		t.Fatalf("pay: %d", res.status)
	}
	got, err := c.Sessions.Get(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := &client.CustomerDetails{Email: "customer@example.com", Name: "Ana Silva", Phone: "+34600123456",
		Address: &client.Address{Line1: "Calle Mayor 1", City: "Madrid", PostalCode: "28013", Country: "ES"}}
	if !reflect.DeepEqual(got.CustomerDetails, want) || got.ShippingDetails == nil || got.ShippingDetails.Address != *want.Address {
		t.Errorf("customer %+v shipping %+v", got.CustomerDetails, got.ShippingDetails)
	}
	if got.CustomFields[0].Value() != "l" || got.CustomFields[1].Value() != "" || got.Consent != nil {
		t.Errorf("custom fields %+v consent %+v", got.CustomFields, got.Consent)
	}
}
