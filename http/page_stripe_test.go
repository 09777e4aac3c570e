package http_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	chttp "github.com/checkoutd/checkoutd/http"
	"github.com/checkoutd/checkoutd/service"
)

// stripeDouble answers as provider/stripe promises to (its Page, Start
// with a ConfirmationToken, Confirm that asks Stripe), standing in for
// Stripe in these page tests only: the real provider is tested against
// stripe-mock in its own package. Tokens ending in _3ds need 3-D Secure,
// _decline are declined, others succeed; Confirm answers confirmTo.
type stripeDouble struct {
	data map[string]string // the page's Data; the default key when nil

	mu        sync.Mutex
	starts    []checkout.StartRequest
	confirms  []checkout.ConfirmRequest
	confirmTo checkout.ProviderResult
}

const doubleSecret = "pi_3Double_secret_Zx9"

func (*stripeDouble) Name() string               { return "stripe" }
func (*stripeDouble) Methods() []checkout.Method { return []checkout.Method{checkout.MethodCard} }

func (d *stripeDouble) Page(checkout.Method) checkout.PageSpec {
	data := d.data
	if data == nil {
		data = map[string]string{"publishable-key": "pk_live_double"}
	}
	return checkout.PageSpec{Fields: []checkout.PageField{checkout.FieldToken}, APITokens: true, Data: data,
		Scripts:    []string{"https://js.stripe.com/clover/stripe.js"},
		ScriptSrc:  []string{"https://js.stripe.com", "https://*.js.stripe.com"},
		FrameSrc:   []string{"https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"},
		ConnectSrc: []string{"https://api.stripe.com"}}
}

func (d *stripeDouble) Start(_ context.Context, req checkout.StartRequest) (checkout.ProviderResult, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.starts = append(d.starts, req)
	switch {
	case strings.HasSuffix(req.Token, "_3ds"):
		return checkout.ProviderResult{Status: checkout.PaymentRequiresAction, ProviderRef: "pi_3Double",
			Action: &checkout.NextAction{Kind: checkout.NextActionClientSecret, ClientSecret: &checkout.ClientSecret{Secret: doubleSecret}}}, nil
	case strings.HasSuffix(req.Token, "_decline"):
		return checkout.ProviderResult{Status: checkout.PaymentFailed, ProviderRef: "pi_3Declined", FailureCode: "card_declined", FailureMessage: "Your card was declined."}, nil
	}
	return checkout.ProviderResult{Status: checkout.PaymentSucceeded, ProviderRef: "pi_3Paid", CardBrand: "visa", CardLast4: "4242"}, nil
}

func (d *stripeDouble) Confirm(_ context.Context, _ *checkout.Payment, req checkout.ConfirmRequest) (checkout.ProviderResult, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.confirms = append(d.confirms, req)
	return d.confirmTo, nil
}

// CheckToken refuses what is not a ConfirmationToken or PaymentMethod id,
// as bad input before anything is written.
func (*stripeDouble) CheckToken(token string) error {
	if !strings.HasPrefix(token, "ctoken_") && !strings.HasPrefix(token, "pm_") {
		return checkout.Invalid("payment_token", "token_invalid", "not a ConfirmationToken")
	}
	return nil
}

func (*stripeDouble) Refund(context.Context, *checkout.Payment, int64, string) (checkout.RefundResult, error) {
	return checkout.RefundResult{}, nil
}

// newStripeEnv is a page env whose card payments go to a stripeDouble in
// both modes (multibanco to the simulator in test mode).
func newStripeEnv(t *testing.T) (*env, *stripeDouble) {
	t.Helper()
	e := newEnv(t)
	d := &stripeDouble{confirmTo: checkout.ProviderResult{Status: checkout.PaymentSucceeded, CardBrand: "visa", CardLast4: "3184"}}
	reg := simProviders(e.clock)
	reg.Register("stripe", func(*checkout.Account, bool) (checkout.Provider, error) { return d, nil })
	reg.Route(true, "stripe", checkout.MethodCard)
	e.configure(func(c *service.Config) { c.Providers = reg })
	return e, d
}

// fetchPage GETs path (held to the rules of every page, see checkPage)
// and returns the status, the body and the CSP.
func fetchPage(t *testing.T, e *env, path string) (int, string, string) {
	t.Helper()
	p := e.open(t, path)
	return p.status, p.body, p.header.Get("Content-Security-Policy")
}

// cspDirectives splits a Content-Security-Policy into its directives.
func cspDirectives(csp string) map[string][]string {
	out := map[string][]string{}
	for _, d := range strings.Split(csp, ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			out[f[0]] = f[1:]
		}
	}
	return out
}

// thirdParty lists the sources of a CSP, outside form-action (the
// merchant's own success and cancel URLs), that are not this site's own
// keywords or nonces: the origins a page may load from or talk to.
func thirdParty(csp string) map[string][]string {
	out := map[string][]string{}
	for name, srcs := range cspDirectives(csp) {
		if name == "form-action" {
			continue
		}
		for _, s := range srcs {
			if !strings.HasPrefix(s, "'") {
				out[name] = append(out[name], s)
			}
		}
	}
	return out
}

// payForm posts the card form of session id with a payment token and
// returns the redirect's target.
func payForm(t *testing.T, e *env, id, token string) string {
	t.Helper()
	sess, err := e.store.FindSession(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"csrf_token": {sess.CSRFToken}, "method": {"card"}, "email": {"ama@example.com"}, "payment_token": {token}}
	res, err := noRedirects.PostForm(e.srv.URL+"/checkout/"+id+"/pay", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("pay with %s: %d", token, res.StatusCode)
	}
	return res.Header.Get("Location")
}

// TestStripePage: a live session paid through Stripe shows the Payment
// Element's mount point (the publishable key, the amount and currency for
// stripe.elements) and no card input of its own, loads Stripe.js with the
// page's nonce, and its CSP admits exactly the provider's origins where the
// provider asks for them; the pay button waits for the element, so
// without JavaScript the method says so instead of a form that cannot pay.
func TestStripePage(t *testing.T) {
	e, _ := newStripeEnv(t)
	r := e.create(e.liveA, map[string]any{"amount": 12345, "currency": "EUR",
		"success_url": "https://shop.example/success", "cancel_url": "https://shop.example/cancel"})
	status, page, csp := fetchPage(t, e, "/checkout/"+r.str("id"))
	if status != http.StatusOK {
		t.Fatalf("page: %d", status)
	}
	nonce := cspDirectives(csp)["script-src"][0]
	for _, want := range []string{
		`<div id="payment-element" data-publishable-key="pk_live_double" data-amount="12345" data-currency="eur"`,
		`<input type="hidden" name="payment_token" value="">`,
		`<script src="https://js.stripe.com/clover/stripe.js" nonce="` + strings.Trim(strings.TrimPrefix(nonce, "'nonce-"), "'") + `"></script>`,
		`id="pe-pay" disabled hidden`,
		"Paying by card here needs JavaScript.",
		"stripe.createConfirmationToken({elements:els})",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, never := range []string{`name="card_number"`, `name="card_cvc"`, `name="card_expiry"`, "test card"} {
		if strings.Contains(page, never) {
			t.Errorf("the live Stripe page has %s", never)
		}
	}
	want := map[string][]string{
		"script-src":  {"https://js.stripe.com", "https://*.js.stripe.com"},
		"frame-src":   {"https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"},
		"connect-src": {"https://api.stripe.com"},
	}
	got := thirdParty(csp)
	if len(got) != len(want) {
		t.Errorf("CSP %q admits %v, want %v", csp, got, want)
	}
	for dir, srcs := range want {
		if strings.Join(got[dir], " ") != strings.Join(srcs, " ") {
			t.Errorf("CSP %s: %v, want %v", dir, got[dir], srcs)
		}
	}
	if fa := cspDirectives(csp)["form-action"]; strings.Join(fa, " ") != "'self' https://shop.example" {
		t.Errorf("form-action %v", fa)
	}

	// A simulator session (test mode) has no third-party origin at all, nor
	// the provider's script.
	id := e.newSession(t)
	if _, page, csp := fetchPage(t, e, "/checkout/"+id); len(thirdParty(csp)) > 0 || strings.Contains(page, "stripe") {
		t.Errorf("the simulator's page admits %v (CSP %q)", thirdParty(csp), csp)
	}
}

// TestStripeDataEscaped: the provider's Data become data-* attributes
// with their values escaped; a name that is not [a-z0-9-], or one the page
// sets itself, is left out.
func TestStripeDataEscaped(t *testing.T) {
	e, d := newStripeEnv(t)
	d.data = map[string]string{"publishable-key": `pk_live_"><b>x`, "bad name": "1", `x"y`: "2", "amount": "1", "account": "acct_1"}
	r := e.create(e.liveA, validSession())
	_, page, _ := fetchPage(t, e, "/checkout/"+r.str("id"))
	want := `<div id="payment-element" data-account="acct_1" data-publishable-key="pk_live_&#34;&gt;&lt;b&gt;x" data-amount="5000" data-currency="ghs"`
	if !strings.Contains(page, want) {
		t.Errorf("page lacks %s", want)
	}
	if strings.Contains(page, "<b>") || strings.Contains(page, `data-x`) || strings.Contains(page, `name="1"`) {
		t.Error("a provider's data escaped its attribute")
	}
}

// TestStripeNextAction follows a card that needs 3-D Secure: the pay post
// goes to the action page, which carries the client secret for Stripe.js
// and the Stripe origins in its CSP; the return route asks the provider
// (with the query Stripe came back with) and completes the session; a
// second return, or the webhook's outcome first, just goes to the page.
func TestStripeNextAction(t *testing.T) {
	e, d := newStripeEnv(t)
	id := e.create(e.liveA, validSession()).str("id")
	loc := payForm(t, e, id, "ctoken_1Abc_3ds")
	d.mu.Lock()
	if len(d.starts) != 1 || d.starts[0].Token != "ctoken_1Abc_3ds" || d.starts[0].Card != nil || d.starts[0].IdempotencyKey == "" ||
		d.starts[0].ReturnURL != testPublicURL+"/checkout/"+id+"/return/"+d.starts[0].Payment.ID {
		t.Fatalf("Start got %+v", d.starts)
	}
	pay := d.starts[0].Payment.ID
	d.mu.Unlock()
	if loc != "/checkout/"+id+"/action/"+pay {
		t.Fatalf("pay went to %q", loc)
	}

	status, page, csp := fetchPage(t, e, loc)
	if status != http.StatusOK {
		t.Fatalf("action page: %d", status)
	}
	for _, want := range []string{
		"Confirming your payment…",
		`<div id="next-action" data-publishable-key="pk_live_double" data-client-secret="` + doubleSecret + `" data-return="/checkout/` + id + `/return/` + pay + `"`,
		"stripe.handleNextAction({clientSecret:d.clientSecret})",
		`<a href="/checkout/` + id + `" class="button secondary" id="continue">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("action page lacks %s", want)
		}
	}
	if got := thirdParty(csp); strings.Join(got["frame-src"], " ") != "https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com" || len(got) != 3 {
		t.Errorf("action page CSP admits %v", got)
	}
	// The form itself stays where it was: this payment is not the session's.
	if _, page, _ := fetchPage(t, e, "/checkout/"+id); strings.Contains(page, doubleSecret) {
		t.Error("the payment form shows the client secret")
	}

	// Back from Stripe: the provider is asked, with what the query said.
	res, err := noRedirects.Get(e.srv.URL + "/checkout/" + id + "/return/" + pay + "?payment_intent=pi_3Double&redirect_status=succeeded")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "https://shop.example/success?session_id="+id {
		t.Fatalf("return: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	d.mu.Lock()
	if len(d.confirms) != 1 || !d.confirms[0].Completed || d.confirms[0].Params["payment_intent"] != "pi_3Double" || d.confirms[0].Params["redirect_status"] != "succeeded" {
		t.Errorf("Confirm got %+v", d.confirms)
	}
	d.mu.Unlock()
	if s := e.get("/v1/checkout/sessions/"+id, e.liveA); s.str("status") != "complete" || s.str("payment_status") != "paid" {
		t.Errorf("session after the return: %s", s.body)
	}
	_, page, _ = fetchPage(t, e, "/checkout/"+id)
	if !strings.Contains(page, "Visa •••• 3184") {
		t.Errorf("the complete page lacks the card Stripe reported: %s", page)
	}

	// Again (a reload, Stripe's own redirect after the script's): the
	// payment awaits nothing, so no second confirm, and the page.
	res, err = noRedirects.Get(e.srv.URL + "/checkout/" + id + "/return/" + pay)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/checkout/"+id {
		t.Errorf("second return: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if status, _, _ := fetchPage(t, e, loc); status != http.StatusSeeOther {
		t.Errorf("the action page of a settled payment: %d", status)
	}
	d.mu.Lock()
	if len(d.confirms) != 1 {
		t.Errorf("the provider was asked %d times", len(d.confirms))
	}
	d.mu.Unlock()
}

// TestStripeReturnDeclined: a 3-D Secure step that failed comes back to
// the form with the reason, and the session stays open.
func TestStripeReturnDeclined(t *testing.T) {
	e, d := newStripeEnv(t)
	d.confirmTo = checkout.ProviderResult{Status: checkout.PaymentFailed, FailureCode: "card_declined", FailureMessage: "Your card was declined."}
	id := e.create(e.liveA, validSession()).str("id")
	loc := payForm(t, e, id, "ctoken_2_3ds")
	pay := strings.TrimPrefix(loc, "/checkout/"+id+"/action/")
	// The page's "browser" keeps the flash cookie the return sets.
	page := e.open(t, "/checkout/"+id+"/return/"+pay).back()
	page.mustContain("Your card was declined.")
	if page.byID("payment-element") == nil {
		t.Error("the form after a decline has no card form")
	}
	if s := e.get("/v1/checkout/sessions/"+id, e.liveA); s.str("status") != "open" {
		t.Errorf("session: %s", s.body)
	}
}

// TestStripeReturnNotFound: the action page and the return route of a
// payment of another session, or of none, are the page's 404; the
// simulator's challenge is never passed by coming back to the return
// route, and its pages keep a CSP with no third-party origin.
func TestStripeReturnNotFound(t *testing.T) {
	e, _ := newStripeEnv(t)
	id := e.create(e.liveA, validSession()).str("id")
	other := e.create(e.liveA, validSession()).str("id")
	pay := strings.TrimPrefix(payForm(t, e, other, "ctoken_3_3ds"), "/checkout/"+other+"/action/")
	for _, path := range []string{
		"/checkout/" + id + "/return/" + pay, "/checkout/" + id + "/action/" + pay,
		"/checkout/" + id + "/return/pay_missing", "/checkout/" + id + "/action/pay_missing",
		"/checkout/cs_missing/return/" + pay,
	} {
		status, page, csp := fetchPage(t, e, path)
		if status != http.StatusNotFound || !strings.Contains(page, "<html") || len(thirdParty(csp)) > 0 {
			t.Errorf("%s: %d (CSP %q), want the page's 404", path, status, csp)
		}
	}

	// The simulator's 3-D Secure challenge (test mode).
	sim := e.newSession(t)
	sess, err := e.store.FindSession(context.Background(), sim)
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"csrf_token": {sess.CSRFToken}, "method": {"card"}, "email": {"ama@example.com"},
		"card_number": {"4000002760003184"}, "card_expiry": {futureExpiry()}, "card_cvc": {"123"}}
	res, err := noRedirects.PostForm(e.srv.URL+"/checkout/"+sim+"/pay", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	challenge := res.Header.Get("Location")
	if !strings.Contains(challenge, "/3ds/") {
		t.Fatalf("the simulator's 3-D Secure card went to %q", challenge)
	}
	if _, _, csp := fetchPage(t, e, challenge); len(thirdParty(csp)) > 0 {
		t.Errorf("the challenge page admits %v", thirdParty(csp))
	}
	spay := challenge[strings.LastIndex(challenge, "/")+1:]
	status, _, _ := fetchPage(t, e, "/checkout/"+sim+"/return/"+spay)
	if status != http.StatusSeeOther {
		t.Errorf("return of the simulator's challenge: %d", status)
	}
	if s := e.session(t, sim); s.str("status") != "open" {
		t.Errorf("coming back passed the simulator's challenge: %s", s.body)
	}
}

// TestHostStripeNextAction: seed 000's pay with a PaymentMethod that needs
// 3-D Secure answers redirectUrl, checkoutd's action page (never the client
// secret), and /confirm asks the provider how the step ended.
func TestHostStripeNextAction(t *testing.T) {
	e, d := newStripeEnv(t)
	withServer(t, e, func(h *chttp.Server) { h.SetHost(chttp.HostConfig{Secret: hostSecret}) })
	if _, _, err := e.svc.CreateAccount(context.Background(), service.AccountParams{ID: "org_demo", Name: "Demo Org", DefaultCurrency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	id := e.hostCreate(seedSession(), hostSecret).str("id")
	r := e.hostPost("/api/sessions/"+id+"/pay", map[string]any{"sourceToken": "pm_card_3ds"})
	if r.status != http.StatusOK || r.str("status") != "requires_action" || r.str("chargeId") != "pi_3Double" {
		t.Fatalf("pay: %d %s", r.status, r.body)
	}
	if !strings.HasPrefix(r.str("redirectUrl"), testPublicURL+"/checkout/"+id+"/action/pay_") || strings.Contains(string(r.body), doubleSecret) {
		t.Errorf("pay: %s", r.body)
	}
	if s := e.get("/api/sessions/"+id, ""); strings.Contains(string(s.body), doubleSecret) {
		t.Errorf("the snapshot shows the client secret: %s", s.body)
	}
	r = e.hostPost("/api/sessions/"+id+"/confirm", map[string]any{"chargeId": "pi_3Double"})
	if r.status != http.StatusOK || r.str("status") != "succeeded" || r.get("redirectUrl") != nil {
		t.Errorf("confirm: %d %s", r.status, r.body)
	}
	r = e.hostPost("/api/sessions/"+id+"/confirm", map[string]any{"chargeId": "pi_3Double"})
	d.mu.Lock()
	defer d.mu.Unlock()
	if r.str("status") != "succeeded" || len(d.confirms) != 1 || d.confirms[0].Params != nil {
		t.Errorf("second confirm: %s; the provider was asked %+v", r.body, d.confirms)
	}
}

// TestStripeWebhookFirst: when the provider's webhook recorded the outcome
// before the customer came back, the return asks nothing and goes to the
// page, which shows the session complete.
func TestStripeWebhookFirst(t *testing.T) {
	e, d := newStripeEnv(t)
	id := e.create(e.liveA, validSession()).str("id")
	pay := strings.TrimPrefix(payForm(t, e, id, "ctoken_4_3ds"), "/checkout/"+id+"/action/")
	scope := checkout.Scope{AccountID: "acct_a", Livemode: true}
	if _, err := e.svc.ApplyProviderResult(context.Background(), scope, "stripe", checkout.Notification{ProviderRef: "pi_3Double", EventID: "evt_1",
		Result: checkout.ProviderResult{Status: checkout.PaymentSucceeded}}); err != nil {
		t.Fatal(err)
	}
	p := e.open(t, "/checkout/"+id+"/return/"+pay+"?payment_intent=pi_3Double&redirect_status=succeeded")
	if loc := p.location(); loc != "/checkout/"+id {
		t.Fatalf("return went to %q", loc)
	}
	p.follow().mustContain("Payment received")
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.confirms) != 0 {
		t.Errorf("the provider was asked again: %+v", d.confirms)
	}
}

// TestStripeBadToken: a post without a token (a browser whose script did
// not run) or with one the provider cannot take comes back to the form
// saying the card could not be read, and writes no payment.
func TestStripeBadToken(t *testing.T) {
	e, d := newStripeEnv(t)
	id := e.create(e.liveA, validSession()).str("id")
	sess, err := e.store.FindSession(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, token := range []string{"", "tok_visa_1"} {
		form := url.Values{"csrf_token": {sess.CSRFToken}, "method": {"card"}, "email": {"ama@example.com"}, "payment_token": {token}}
		page := e.fetch(t, "POST", "/checkout/"+id+"/pay", form).back()
		page.mustContain("Your card details could not be read. Try again.")
		if page.byID("errors") != nil {
			t.Errorf("token %q: an error summary pointing at a hidden input", token)
		}
	}
	if r := e.get("/v1/payments?checkout_session="+id, e.liveA); len(r.get("data").([]any)) != 0 {
		t.Errorf("payments were written: %s", r.body)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.starts) != 0 {
		t.Errorf("the provider was started: %+v", d.starts)
	}
}
