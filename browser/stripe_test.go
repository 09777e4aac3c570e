package browser_test

import (
	"context"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/provider/stripe"
	"github.com/checkoutd/checkoutd/provider/stripe/stripetest"
)

// The page of a live Stripe session in a real browser (issue 14): the
// Payment Element's mount point, a CSP admitting Stripe's origins and
// nothing else, no card input of checkoutd's own; and what the customer
// sees when Stripe.js cannot load. There is no internet here, and a test
// must never reach Stripe: every request to Stripe's origins is blocked in
// the browser, so these are the pages as a customer whose network drops
// Stripe sees them, which is also what must never leave a form that
// cannot pay.

// The tenant's Stripe keys, live ones: the page is the live session's.
const (
	liveSecret      = "sk_live_51BrowserLiveSecret0123456789"
	livePublishable = "pk_live_51BrowserLivePublishable0123"
)

// stripeEnv is a checkoutd of the test's own whose default account pays
// cards through Stripe in live mode, Stripe being stripe-mock.
type stripeEnv struct {
	base    string
	liveKey string               // the account's live API key
	rec     *stripetest.Recorder // what checkoutd sent to Stripe
	server  *proc

	mu   sync.Mutex
	auth []string // the Authorization of every request to Stripe, as sent
}

// sentAuth is the Authorization header of every request checkoutd sent to
// Stripe so far.
func (e *stripeEnv) sentAuth() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.auth...)
}

// startStripe starts stripe-mock, an https front for it and a checkoutd
// whose --stripe-api-url is that front, and gives the default account live
// Stripe keys through the CLI, as an operator would.
//
// Live keys are only ever sent over https (the Stripe factory refuses
// http), so stripe-mock must be reached over TLS with a certificate
// checkoutd trusts. stripe-mock's own https port does not do: its
// self-signed certificate names localhost in its Common Name only, with no
// subject alternative name, and Go has refused such certificates since 1.15
// ("x509: certificate relies on legacy Common Name field"; for 127.0.0.1,
// "doesn't contain any IP SANs"). So the test puts a TLS front of its own
// (httptest's certificate names 127.0.0.1) before the recording proxy
// before stripe-mock, and checkoutd trusts that certificate alone through
// SSL_CERT_FILE, which Go's crypto/x509 reads on Linux: the very path a
// live payment takes, only the certificate differs.
func startStripe(t *testing.T) *stripeEnv {
	t.Helper()
	needBrowser(t)
	mock := stripetest.Start(t)
	rec := mock.Proxy(t)
	target, err := url.Parse(rec.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	env := &stripeEnv{rec: rec}
	front := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		env.mu.Lock()
		env.auth = append(env.auth, auth)
		env.mu.Unlock()
		// stripe-mock models test mode only and refuses every key but a
		// test one (401): the live key checkoutd sent, kept above for the
		// test to check, goes on as the test key of the same name.
		if k, ok := strings.CutPrefix(auth, "Bearer sk_live_"); ok {
			r.Header.Set("Authorization", "Bearer sk_test_"+k)
		}
		rp.ServeHTTP(w, r)
	}))
	front.StartTLS()
	t.Cleanup(front.Close)

	dir := t.TempDir()
	certFile := filepath.Join(dir, "stripe-front.pem")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: front.Certificate().Raw})
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	p, err := startServerWith(binPath, data, []string{"SSL_CERT_FILE=" + certFile},
		"--stripe-api-url", front.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.stop(); err != nil {
			t.Error(err)
		}
	})

	out, err := cliWithEnv(nil, "keys", "create", "--data", data, "--account", "acct_default", "--live")
	if err != nil {
		t.Fatal(err)
	}
	var liveKey string
	for _, line := range strings.Split(out, "\n") {
		if k, ok := strings.CutPrefix(line, "secret_key: "); ok {
			liveKey = strings.TrimSpace(k)
		}
	}
	if !strings.HasPrefix(liveKey, "sk_live_") {
		t.Fatalf("keys create --live printed no live key:\n%s", out)
	}
	// The secret key through the environment, as the CLI's help advises:
	// not in the process list.
	if _, err := cliWithEnv([]string{"CHECKOUTD_PROVIDER_SECRET_KEY=" + liveSecret},
		"accounts", "providers", "set", "--data", data, "--account", "acct_default", "--live",
		"--provider", "stripe", "--publishable-key", livePublishable, "--default-for", "card"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if strings.Contains(p.output.String(), liveSecret) {
			t.Error("checkoutd printed the tenant's Stripe secret key")
		}
	})
	env.base, env.liveKey, env.server = p.base, liveKey, p
	return env
}

// cliWithEnv runs the tests' checkoutd binary with args and env added to
// an environment without CHECKOUTD_ variables, and answers its output.
func cliWithEnv(env []string, args ...string) (string, error) {
	cmd := exec.Command(binPath, args...)
	cmd.Env = append(withoutCheckoutdVars(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("checkoutd %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// liveSession creates a live session of the Stripe account and answers its
// id and page URL. Live sessions go back to https URLs only.
func (e *stripeEnv) liveSession(t *testing.T) (id, pageURL string) {
	t.Helper()
	status, s := callAt(t, e.base, e.liveKey, "POST", "/v1/checkout/sessions", map[string]any{
		"amount": 12345, "currency": "EUR", "locale": "en",
		"success_url": "https://shop.example/success?session_id={CHECKOUT_SESSION_ID}",
		"cancel_url":  "https://shop.example/cancel",
	})
	if status != http.StatusOK || s["livemode"] != true {
		t.Fatalf("creating a live session: %d %v", status, s)
	}
	id, _ = s["id"].(string)
	pageURL, _ = s["url"].(string)
	if id == "" || !strings.HasPrefix(pageURL, e.base+"/checkout/") {
		t.Fatalf("created %v", s)
	}
	return id, pageURL
}

// stripePage is the page the provider asks for: the CSP sources, script
// and data the real Stripe provider gives for cards, built here from the
// same keys the account has (no call to Stripe is made to build it).
func stripePage(t *testing.T) checkout.PageSpec {
	t.Helper()
	p, err := stripe.Factory(stripe.Config{})(&checkout.Account{ID: "acct_default"}, true,
		checkout.Credentials{"secret_key": liveSecret, "publishable_key": livePublishable})
	if err != nil {
		t.Fatal(err)
	}
	return p.Page(checkout.MethodCard)
}

// blockStripe makes the tab refuse every request to Stripe's origins (and
// the Address Element's), so that no test reaches them: Stripe.js then
// cannot load, as for a customer whose network drops it.
func blockStripe(t *testing.T, ctx context.Context) {
	t.Helper()
	var patterns []*network.BlockPattern
	for _, p := range []string{"https://stripe.com/*", "https://*.stripe.com/*", "https://maps.googleapis.com/*"} {
		patterns = append(patterns, &network.BlockPattern{URLPattern: p, Block: true})
	}
	if _, err := chromedp.Call(ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: patterns}); err != nil {
		t.Fatal(err)
	}
}

// offSite watches the tab's requests to anywhere but base and answers a
// func that reports them so far: each URL with why the browser failed it
// ("" if it did not fail it, or not yet).
func offSite(ctx context.Context, base string) func() map[string]string {
	var mu sync.Mutex
	urls := map[network.RequestID]string{}
	failed := map[network.RequestID]string{}
	sent := chromedp.Events(ctx, network.RequestWillBeSent)
	fails := chromedp.Events(ctx, network.LoadingFailed)
	go func() {
		for ev, err := range sent {
			if err != nil {
				return
			}
			if ev.Request != nil && !strings.HasPrefix(ev.Request.URL, base+"/") && !strings.HasPrefix(ev.Request.URL, "data:") {
				mu.Lock()
				urls[ev.RequestID] = ev.Request.URL
				mu.Unlock()
			}
		}
	}()
	go func() {
		for ev, err := range fails {
			if err != nil {
				return
			}
			mu.Lock()
			failed[ev.RequestID] = string(ev.BlockedReason)
			if ev.BlockedReason == "" {
				failed[ev.RequestID] = "failed: " + ev.ErrorText
			}
			mu.Unlock()
		}
	}()
	return func() map[string]string {
		mu.Lock()
		defer mu.Unlock()
		out := map[string]string{}
		for id, u := range urls {
			out[u] = failed[id]
		}
		return out
	}
}

// checkBlocked fails the test unless the tab asked for Stripe.js and
// every request it made off checkoutd was blocked by the browser before it
// left (blockStripe): none reached the network.
func checkBlocked(t *testing.T, requests map[string]string) {
	t.Helper()
	if _, ok := requests[stripe.StripeJS]; !ok {
		t.Errorf("the page never asked for %s (it asked for %v)", stripe.StripeJS, requests)
	}
	for u, why := range requests {
		if why != string(network.BlockedReasonInspector) {
			t.Errorf("the request to %s was not blocked by the browser (%q)", u, why)
		}
	}
}

// open navigates the tab to u and answers the document's response headers
// as the browser got them.
func open(t *testing.T, ctx context.Context, u string) map[string]string {
	t.Helper()
	res, err := chromedp.RunResponse(ctx, chromedp.Navigate(u))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != http.StatusOK {
		t.Fatalf("%s: %d", u, res.Status)
	}
	return headersOf(res)
}

// headersOf is a response's headers with canonical names.
func headersOf(res *network.Response) map[string]string {
	h := map[string]string{}
	for k, v := range res.Headers {
		h[http.CanonicalHeaderKey(k)] = fmt.Sprint(v)
	}
	return h
}

// cspThirdParty lists, by directive, the sources of a Content-Security-Policy
// that are origins rather than keywords or nonces ('self', 'nonce-…'),
// outside form-action (the merchant's own success and cancel URLs): what a
// page may load from or talk to besides checkoutd.
func cspThirdParty(csp string) map[string][]string {
	out := map[string][]string{}
	for _, d := range strings.Split(csp, ";") {
		f := strings.Fields(d)
		if len(f) == 0 || f[0] == "form-action" {
			continue
		}
		for _, s := range f[1:] {
			if !strings.HasPrefix(s, "'") {
				out[f[0]] = append(out[f[0]], s)
			}
		}
	}
	return out
}

// checkStripeCSP fails the test unless the page's CSP admits exactly the
// provider's origins, each where the provider asks for it, and no other.
func checkStripeCSP(t *testing.T, name, csp string, spec checkout.PageSpec) {
	t.Helper()
	want := map[string][]string{"script-src": spec.ScriptSrc, "frame-src": spec.FrameSrc, "connect-src": spec.ConnectSrc}
	got := cspThirdParty(csp)
	for dir := range got {
		if _, ok := want[dir]; !ok {
			t.Errorf("%s: CSP %s admits %v, which Stripe's page does not ask for", name, dir, got[dir])
		}
	}
	for dir, srcs := range want {
		if len(srcs) == 0 {
			t.Fatalf("the Stripe provider asks for no %s origin: the test would check nothing", dir)
		}
		g := slices.Sorted(slices.Values(got[dir]))
		w := slices.Sorted(slices.Values(srcs))
		if !slices.Equal(g, w) {
			t.Errorf("%s: CSP %s admits %v, want exactly Stripe's %v (CSP %q)", name, dir, got[dir], srcs, csp)
		}
	}
	for _, origins := range got {
		for _, o := range origins {
			if u, err := url.Parse(strings.Replace(o, "*.", "x.", 1)); err != nil || u.Scheme != "https" {
				t.Errorf("%s: CSP admits %q, not an https origin", name, o)
			}
		}
	}
}

// control is a form control of the page, as the browser has it.
type control struct {
	Form         string `json:"form"`
	Name         string `json:"name"`
	Type         string `json:"type"`
	Autocomplete string `json:"autocomplete"`
}

const controlsJS = `[].map.call(document.querySelectorAll("input,select,textarea"),function(e){
  return {form:e.form?e.form.id:"",name:e.name,type:e.type,autocomplete:e.getAttribute("autocomplete")||""}})`

// waitText waits until the element with id says want (the page's script
// writes it as it runs) and fails the test if it never does.
func waitText(t *testing.T, ctx context.Context, id, want string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		got := text(t, ctx, id)
		if strings.Contains(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("#%s says %q, want %q", id, got, want)
		}
		do(t, ctx, chromedp.Sleep(50*time.Millisecond))
	}
}

// sdkFailed is the English for Stripe.js not loading (sdk_failed).
const sdkFailed = "The card form could not load."

// actionFailed is the English for Stripe.js not loading on the action
// page, which has no card form (action_failed).
const actionFailed = "Your bank's check could not load."

func TestStripeLivePage(t *testing.T) {
	e := startStripe(t)
	axeScript(t)
	spec := stripePage(t)
	ctx := newTab(t)
	blockStripe(t, ctx)
	requests := offSite(ctx, e.base)

	t.Run("form", func(t *testing.T) {
		showOnFailure(t, ctx)
		_, u := e.liveSession(t)
		h := open(t, ctx, u)

		// The Payment Element's mount point, with the tenant's
		// publishable key for Stripe.js.
		if pk := get(t, ctx, chromedp.Evaluate[string](`(document.getElementById("payment-element")||{dataset:{}}).dataset.publishableKey||""`)); pk != livePublishable {
			t.Errorf("#payment-element's publishable key is %q, want %q", pk, livePublishable)
		}
		if pk := spec.Data["publishable-key"]; pk != livePublishable {
			t.Errorf("the provider's page data has publishable key %q", pk)
		}
		// The one script from elsewhere is the provider's Stripe.js.
		scripts := get(t, ctx, chromedp.Evaluate[[]string](`[].map.call(document.querySelectorAll("script[src]"),function(s){return s.src})`))
		if !slices.Equal(scripts, spec.Scripts) {
			t.Errorf("the page loads scripts %v, want the provider's %v", scripts, spec.Scripts)
		}

		// No card input of checkoutd's own: the card form holds the
		// hidden fields, the email and the token Stripe.js fills, and no
		// control anywhere asks for card data.
		controls := get(t, ctx, chromedp.Evaluate[[]control](controlsJS))
		var inCard []string
		for _, c := range controls {
			if c.Form == "pay-card" {
				inCard = append(inCard, c.Name)
			}
			if strings.HasPrefix(c.Name, "card_") || strings.HasPrefix(c.Autocomplete, "cc-") {
				t.Errorf("the Stripe page has a card input of its own: %+v", c)
			}
		}
		if want := []string{"csrf_token", "email", "method", "payment_token"}; !slices.Equal(slices.Sorted(slices.Values(inCard)), want) {
			t.Errorf("the card form's controls are %v, want %v", inCard, want)
		}
		if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#card_number,#card_cvc,#card_expiry,input[name=card_number],input[name=card_cvc],input[name=card_expiry]").length`)); n != 0 {
			t.Errorf("the page has %d card inputs", n)
		}

		checkStripeCSP(t, "live Stripe page", h["Content-Security-Policy"], spec)

		// Stripe.js is blocked: the page says the card form could not
		// load, and shows no pay button that could not pay.
		waitText(t, ctx, "pe-msg", sdkFailed)
		if !get(t, ctx, chromedp.Evaluate[bool](`(function(){var b=document.getElementById("pe-pay");return !!b&&b.hidden&&b.disabled&&b.offsetParent===null})()`)) {
			t.Error("the pay button is shown though Stripe.js did not load")
		}
		if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("iframe").length`)); n != 0 {
			t.Errorf("the page has %d frames though Stripe.js did not load", n)
		}
		checkA11y(t, ctx, "live Stripe page, Stripe.js blocked")
		shot(t, ctx, "stripe-live-blocked")
		checkBlocked(t, requests())
	})

	t.Run("action", func(t *testing.T) {
		// A card that needs 3-D Secure: stripe-mock answers its fixture
		// intent, made requires_action with a client secret as Stripe
		// answers such a card.
		showOnFailure(t, ctx)
		const secret = "pi_3MtwBwLkdIwHu7ix28a3tqPa_secret_browserAction9Zx"
		e.rec.Rewrite("/v1/payment_intents", func(pi map[string]any) {
			pi["status"] = "requires_action"
			pi["client_secret"] = secret
			pi["next_action"] = map[string]any{"type": "use_stripe_sdk", "use_stripe_sdk": map[string]any{}}
			pi["last_payment_error"] = nil
		})
		id, u := e.liveSession(t)
		open(t, ctx, u)
		// Stripe.js cannot load here, so the test does what it would: the
		// token it makes goes into the form, and the form is posted (the
		// script's own submit handler was never attached).
		do(t, ctx, chromedp.SendKeys(chromedp.ID("email"), "ama@example.com"))
		do(t, ctx, chromedp.Evaluate[chromedp.Void](
			`(function(){var f=document.getElementById("pay-card");f.elements.payment_token.value="pm_card_visa";f.submit()})()`),
			chromedp.WaitVisible(chromedp.ID("na-msg")))
		path := get(t, ctx, chromedp.Evaluate[string](`location.pathname`))
		pay, ok := strings.CutPrefix(path, "/checkout/"+id+"/action/")
		if !ok || !strings.HasPrefix(pay, "pay_") {
			t.Fatalf("the pay post led to %s, want the payment's action page", path)
		}
		// The page again, to see its response's headers (a form post's
		// redirect is not a navigation RunResponse follows).
		res, err := chromedp.RunResponse(ctx, chromedp.Reload())
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != http.StatusOK {
			t.Fatalf("the action page: %d", res.Status)
		}

		// What went to Stripe: one intent, confirmed with the token, under
		// an idempotency key, with the live key, over the TLS front, and
		// coming back to the payment's return route.
		var creates []stripetest.Request
		for _, r := range e.rec.Requests() {
			if r.Method == "POST" && r.Path == "/v1/payment_intents" {
				creates = append(creates, r)
			}
		}
		if len(creates) != 1 {
			t.Fatalf("checkoutd created %d payment intents, want 1", len(creates))
		}
		c := creates[0]
		if auth := e.sentAuth(); len(auth) == 0 || slices.ContainsFunc(auth, func(a string) bool { return a != "Bearer "+liveSecret }) {
			t.Errorf("checkoutd sent Stripe the Authorizations %q, want the live key's", auth)
		}
		if c.Header.Get("Idempotency-Key") == "" ||
			c.Form.Get("payment_method") != "pm_card_visa" || c.Form.Get("confirm") != "true" ||
			c.Form.Get("return_url") != e.base+"/checkout/"+id+"/return/"+pay {
			t.Errorf("the intent was created with headers %v and form %v", c.Header, c.Form)
		}

		// The action page: Stripe's origins, the client secret and the
		// publishable key for Stripe.js, and, Stripe.js blocked, a page
		// that says it could not go on rather than waiting for ever.
		checkStripeCSP(t, "action page", headersOf(res)["Content-Security-Policy"], spec)
		d := get(t, ctx, chromedp.Evaluate[map[string]string](`(function(){var d=document.getElementById("next-action");return d?{secret:d.dataset.clientSecret||"",key:d.dataset.publishableKey||""}:{}})()`))
		if d["secret"] != secret || d["key"] != livePublishable {
			t.Errorf("#next-action carries %v, want the intent's client secret and the publishable key", d)
		}
		waitText(t, ctx, "na-msg", actionFailed)
		if !get(t, ctx, chromedp.Evaluate[bool](`!!document.getElementById("continue")`)) {
			t.Error("the action page has no way back to the form")
		}
		checkA11y(t, ctx, "Stripe action page, Stripe.js blocked")
		shot(t, ctx, "stripe-live-action-blocked")
		checkBlocked(t, requests())

		// The client secret is on that page only: not on the session's
		// form, nor in the session the API shows.
		open(t, ctx, u)
		if html := get(t, ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); strings.Contains(html, secret) {
			t.Error("the session's form carries the client secret")
		}
		status, s := callAt(t, e.base, e.liveKey, "GET", "/v1/checkout/sessions/"+id, nil)
		if status != http.StatusOK || strings.Contains(fmt.Sprint(s), secret) {
			t.Errorf("the session: %d, with the client secret: %v", status, strings.Contains(fmt.Sprint(s), secret))
		}
	})

	t.Run("simulator", func(t *testing.T) {
		// The package's own server, test mode: the simulator's card form
		// is checkoutd's, and its page admits no origin but checkoutd's.
		showOnFailure(t, ctx)
		_, u := createSession(t, map[string]any{"locale": "en"})
		h := open(t, ctx, u)
		if got := cspThirdParty(h["Content-Security-Policy"]); len(got) != 0 {
			t.Errorf("the simulator's page admits %v", got)
		}
		if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#payment-element,script[src]").length`)); n != 0 {
			t.Errorf("the simulator's page has %d provider elements or scripts", n)
		}
		if !get(t, ctx, chromedp.Evaluate[bool](`!!document.getElementById("card_number")`)) {
			t.Error("the simulator's page has no card form: the page compared against is not the simulator's")
		}

		// The simulator's own 3-D Secure step: checkoutd's page, no
		// provider's script, origin or client secret.
		fillCard(t, ctx, "4000002760003184")
		do(t, ctx, chromedp.Click(payButton), chromedp.WaitVisible(chromedp.ID("complete")))
		res, err := chromedp.RunResponse(ctx, chromedp.Reload())
		if err != nil {
			t.Fatal(err)
		}
		if got := cspThirdParty(headersOf(res)["Content-Security-Policy"]); len(got) != 0 {
			t.Errorf("the simulator's 3-D Secure page admits %v", got)
		}
		if html := get(t, ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); strings.Contains(html, "stripe") || strings.Contains(html, "client-secret") {
			t.Error("the simulator's 3-D Secure page names Stripe or a client secret")
		}
		checkA11y(t, ctx, "simulator's 3-D Secure page")
	})
}
