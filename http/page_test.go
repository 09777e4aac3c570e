package http_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/checkoutd/checkoutd/checkout"
	chttp "github.com/checkoutd/checkoutd/http"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/service"
)

// These tests drive the hosted page the way a browser without JavaScript
// does: a plain HTTP client reads the HTML, takes each form's action and
// hidden fields from it, and posts the form back.

// maxPageBytes bounds a page's HTML, inline CSS and JavaScript included.
const maxPageBytes = 30 << 10

// newPageEnv is newEnv with the payment simulator as the test-mode provider,
// as checkoutd serve sets it up.
func newPageEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.configure(func(c *service.Config) { c.Providers = simProviders(e.clock) })
	return e
}

// simProviders serves test mode with the simulator, as checkoutd serve does,
// and live mode with a stand-in for a gateway (liveSim): a live session can
// be made only for methods a live provider takes, and the tests of live
// scopes need live sessions.
func simProviders(clock checkout.Clock) *service.Registry {
	r := service.NewRegistry()
	p := sim.New(clock)
	r.Register("sim", sim.Factory(p))
	r.Register("live_sim", func(*checkout.Account, bool) (checkout.Provider, error) { return liveSim{p}, nil })
	r.Route(false, "sim", checkout.MethodCard, checkout.MethodMultibanco, checkout.MethodInStore)
	r.Route(true, "live_sim", checkout.MethodCard, checkout.MethodMultibanco)
	// As serve: seed 000's providers stand in on the simulator.
	r.RegisterCredentialed("stripe", sim.StandIn(p, "stripe", checkout.MethodCard))
	r.RegisterCredentialed("easypay", sim.StandIn(p, "easypay", checkout.MethodMultibanco))
	r.RegisterCredentialed("ifthenpay", sim.StandIn(p, "ifthenpay", checkout.MethodMultibanco))
	return r
}

// liveSim is the simulator under another name, standing in for a live
// gateway in tests (the simulator itself refuses live mode).
type liveSim struct{ *sim.Provider }

func (liveSim) Name() string { return "live_sim" }

// noRedirects is a client that shows each redirect to the test.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// futureExpiry is a card expiry three years ahead, as MM/YY.
func futureExpiry() string { return fmt.Sprintf("12/%02d", (time.Now().Year()+3)%100) }

// htmlPage is one response of the hosted page.
type htmlPage struct {
	t      *testing.T
	e      *env
	url    string
	status int
	header http.Header
	body   string
	doc    *html.Node // nil unless the response is HTML
}

// fetch sends a request for a page without following redirects. Every HTML
// response is held to the rules all pages follow (see checkPage).
func (e *env) fetch(t *testing.T, method, target string, form url.Values, hdr ...string) *htmlPage {
	t.Helper()
	u, err := url.Parse(e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	full := u.ResolveReference(ref).String()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, full, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if e.pages == nil {
		jar, _ := cookiejar.New(nil)
		e.pages = &http.Client{Jar: jar, CheckRedirect: noRedirects.CheckRedirect}
	}
	res, err := e.pages.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	p := &htmlPage{t: t, e: e, url: full, status: res.StatusCode, header: res.Header, body: string(b)}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") && len(b) > 0 && res.StatusCode != http.StatusSeeOther {
		if p.doc, err = html.Parse(bytes.NewReader(b)); err != nil {
			t.Fatalf("%s %s: %v", method, target, err)
		}
		checkPage(t, p)
	}
	return p
}

func (e *env) open(t *testing.T, path string, hdr ...string) *htmlPage {
	t.Helper()
	return e.fetch(t, "GET", path, nil, hdr...)
}

// openOK opens a page that must answer 200.
func (e *env) openOK(t *testing.T, path string, hdr ...string) *htmlPage {
	t.Helper()
	p := e.open(t, path, hdr...)
	if p.status != http.StatusOK || p.doc == nil {
		t.Fatalf("GET %s: %d\n%s", path, p.status, p.body)
	}
	return p
}

// location is where a 303 points.
func (p *htmlPage) location() string {
	p.t.Helper()
	if p.status != http.StatusSeeOther {
		p.t.Fatalf("%s: status %d, want 303\n%s", p.url, p.status, p.text())
	}
	return p.header.Get("Location")
}

// follow opens the page a 303 to this server points at.
func (p *htmlPage) follow() *htmlPage {
	p.t.Helper()
	loc := p.location()
	if strings.HasPrefix(loc, "http") && !strings.HasPrefix(loc, p.e.srv.URL) {
		p.t.Fatalf("redirect leaves the server: %s", loc)
	}
	return p.e.openOK(p.t, loc)
}

// back is the page a post answered with: a 303 back to the session's page
// (post/redirect/get), followed, as a browser would.
func (p *htmlPage) back() *htmlPage {
	p.t.Helper()
	loc := p.location()
	if !strings.HasPrefix(loc, "/checkout/") || strings.Count(loc, "/") != 2 {
		p.t.Fatalf("%s: redirect to %s, want the session's page", p.url, loc)
	}
	return p.e.openOK(p.t, loc)
}

// pageForm is a form as a browser would submit it.
type pageForm struct {
	action string
	values url.Values
}

// form finds the form that has a hidden method=key field or a button with
// id key; a button's name and value are sent as a click on it would.
func (p *htmlPage) form(key string) *pageForm {
	p.t.Helper()
	for _, f := range all(p.doc, "form") {
		values := url.Values{}
		var match bool
		var button *html.Node
		for _, in := range all(f, "input") {
			name := attr(in, "name")
			if name == "" {
				continue
			}
			if attr(in, "type") == "hidden" && name == "method" && attr(in, "value") == key {
				match = true
			}
			values.Set(name, attr(in, "value"))
		}
		for _, b := range all(f, "button") {
			if attr(b, "id") == key {
				match, button = true, b
			}
		}
		if !match {
			continue
		}
		if button != nil && attr(button, "name") != "" {
			values.Set(attr(button, "name"), attr(button, "value"))
		}
		if m := attr(f, "method"); !strings.EqualFold(m, "post") {
			p.t.Fatalf("form %q has method %q", key, m)
		}
		action, err := url.Parse(attr(f, "action"))
		if err != nil {
			p.t.Fatal(err)
		}
		base, _ := url.Parse(p.url)
		return &pageForm{action: base.ResolveReference(action).String(), values: values}
	}
	p.t.Fatalf("%s: no form %q in\n%s", p.url, key, p.text())
	return nil
}

// submit posts form key of the page with the given fields changed (as
// name, value pairs) and extra request headers.
func (p *htmlPage) submit(key string, fields []string, hdr ...string) *htmlPage {
	p.t.Helper()
	f := p.form(key)
	for i := 0; i+1 < len(fields); i += 2 {
		f.values.Set(fields[i], fields[i+1])
	}
	return p.e.fetch(p.t, "POST", f.action, f.values, hdr...)
}

// pay submits the card form.
func (p *htmlPage) pay(number string, more ...string) *htmlPage {
	p.t.Helper()
	fields := append([]string{"email", "customer@example.com", "card_number", number, "card_expiry", futureExpiry(), "card_cvc", "123"}, more...)
	return p.submit("card", fields)
}

// text is the page's visible text, whitespace collapsed.
func (p *htmlPage) text() string {
	if p.doc == nil {
		return p.body
	}
	body := first(p.doc, "body")
	if body == nil {
		return ""
	}
	return textOf(body)
}

// byID returns the element with id, or nil.
func (p *htmlPage) byID(id string) *html.Node {
	var found *html.Node
	walk(p.doc, func(n *html.Node) bool {
		if n.Type == html.ElementNode && attr(n, "id") == id {
			found = n
			return false
		}
		return true
	})
	return found
}

func (p *htmlPage) mustContain(parts ...string) {
	p.t.Helper()
	txt := p.text()
	for _, s := range parts {
		if !strings.Contains(txt, s) {
			p.t.Errorf("%s (%d): page lacks %q; it says:\n%s", p.url, p.status, s, txt)
		}
	}
}

// walk visits n and its descendants in document order while f returns true.
func walk(n *html.Node, f func(*html.Node) bool) bool {
	if !f(n) {
		return false
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if !walk(c, f) {
			return false
		}
	}
	return true
}

func all(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	walk(n, func(c *html.Node) bool {
		if c.Type == html.ElementNode && c.Data == tag {
			out = append(out, c)
		}
		return true
	})
	return out
}

func first(n *html.Node, tag string) *html.Node {
	if found := all(n, tag); len(found) > 0 {
		return found[0]
	}
	return nil
}

func attr(n *html.Node, name string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, name string) bool {
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}

func textOf(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) bool {
		if c.Type == html.ElementNode && (c.Data == "script" || c.Data == "style") {
			return true // their text is a child; skipped below
		}
		if c.Type == html.TextNode && (c.Parent == nil || (c.Parent.Data != "script" && c.Parent.Data != "style")) {
			b.WriteString(c.Data)
			b.WriteByte(' ')
		}
		return true
	})
	return strings.Join(strings.Fields(strings.ReplaceAll(b.String(), "\u00a0", " ")), " ")
}

// merchantHosts are the hosts of the test sessions' success and cancel URLs,
// the only absolute URLs a page may link to.
// seed 000's example returnUrl, and checkoutd's own pages (a payment link's way back)
var merchantHosts = []string{"shop.example", "localhost:3000", "checkout.test"}

// checkPage holds a page to what every page must do: security headers, a
// CSP with a fresh nonce and no 'unsafe-inline', a small size, and nothing
// loaded from anywhere else.
func checkPage(t *testing.T, p *htmlPage) {
	t.Helper()
	h := p.header
	for name, want := range map[string]string{
		"Content-Type":           "text/html; charset=utf-8",
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"Cache-Control":          "no-store",
		"X-Frame-Options":        "DENY",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s: %s = %q, want %q", p.url, name, got, want)
		}
	}
	csp := map[string]string{}
	for _, d := range strings.Split(h.Get("Content-Security-Policy"), ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		csp[name] = strings.TrimSpace(value)
	}
	if strings.Contains(h.Get("Content-Security-Policy"), "unsafe-") {
		t.Errorf("%s: CSP allows unsafe sources: %s", p.url, h.Get("Content-Security-Policy"))
	}
	// script-src is the nonce, then the sources of a provider's script
	// (Stripe.js) on the pages that load one.
	scriptSrc := strings.Fields(csp["script-src"])
	nonce, _ := strings.CutPrefix(csp["script-src"], "'nonce-")
	nonce, ok := strings.CutSuffix(strings.Fields(nonce + " ")[0], "'")
	if !ok || len(nonce) < 16 || csp["style-src"] != scriptSrc[0] {
		t.Errorf("%s: CSP script-src %q, style-src %q: want one nonce of at least 16 characters", p.url, csp["script-src"], csp["style-src"])
	}
	for name, want := range map[string]string{"default-src": "'none'", "frame-ancestors": "'none'", "base-uri": "'none'"} {
		if csp[name] != want {
			t.Errorf("%s: CSP %s = %q, want %q", p.url, name, csp[name], want)
		}
	}
	if fa := csp["form-action"]; !strings.HasPrefix(fa, "'self'") {
		t.Errorf("%s: CSP form-action = %q", p.url, fa)
	}
	for _, tag := range []string{"style", "script"} {
		for _, n := range all(p.doc, tag) {
			if attr(n, "nonce") != nonce {
				t.Errorf("%s: <%s nonce=%q>, CSP nonce %q", p.url, tag, attr(n, "nonce"), nonce)
			}
			if hasAttr(n, "src") && (tag != "script" || !cspAdmits(scriptSrc[1:], attr(n, "src"))) {
				t.Errorf("%s: <%s src=%q>: pages load nothing but a provider's script its CSP names", p.url, tag, attr(n, "src"))
			}
			if txt := rawText(n); strings.Contains(txt, "url(") || strings.Contains(txt, "@import") || strings.Contains(txt, "http") {
				t.Errorf("%s: <%s> refers to another resource", p.url, tag)
			}
		}
	}
	if len(p.body) > maxPageBytes {
		t.Errorf("%s: page is %d bytes, more than %d", p.url, len(p.body), maxPageBytes)
	}
	walk(p.doc, func(n *html.Node) bool {
		if n.Type != html.ElementNode {
			return true
		}
		switch n.Data {
		case "img":
			// Images come from this server only (logos, line items'
			// images fetched once), with their size reserved and an alt.
			if !strings.HasPrefix(attr(n, "src"), "/files/file_") || !hasAttr(n, "alt") || attr(n, "width") == "" || attr(n, "height") == "" {
				t.Errorf("%s: <img src=%q>: only this server's images, with alt, width and height", p.url, attr(n, "src"))
			}
		case "link", "iframe", "object", "embed", "frame", "audio", "video", "source":
			t.Errorf("%s: <%s> element: pages load no other resource", p.url, n.Data)
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "on") || a.Key == "style" {
				t.Errorf("%s: <%s %s>: inline handlers and styles break the CSP", p.url, n.Data, a.Key)
			}
			switch a.Key {
			case "href", "src", "action", "formaction", "srcset", "poster", "data":
			default:
				continue
			}
			v := strings.ToLower(strings.TrimSpace(a.Val))
			if strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:") {
				t.Errorf("%s: <%s %s=%q>", p.url, n.Data, a.Key, a.Val)
			}
			if strings.HasPrefix(v, "//") || strings.HasPrefix(v, "http:") || strings.HasPrefix(v, "https:") {
				u, err := url.Parse(a.Val)
				script := n.Data == "script" && a.Key == "src" && cspAdmits(scriptSrc[1:], a.Val) // checked above
				if !script && (err != nil || a.Key != "href" || !slices.Contains(merchantHosts, u.Host)) {
					t.Errorf("%s: <%s %s=%q>: only links to the merchant may be absolute", p.url, n.Data, a.Key, a.Val)
				}
			}
		}
		return true
	})
}

// rawText is the raw text inside an element such as <style>.
func rawText(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

// newSession creates a session for account A from the valid defaults with
// the given fields changed, and returns its id.
func (e *env) newSession(t *testing.T, kv ...any) string {
	t.Helper()
	m := validSession()
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(m, kv[i].(string))
		} else {
			m[kv[i].(string)] = kv[i+1]
		}
	}
	return e.create(e.key, m).str("id")
}

// session reads a session through the API.
func (e *env) session(t *testing.T, id string) *response {
	t.Helper()
	r := e.get("/v1/checkout/sessions/"+id, e.key)
	if r.status != 200 {
		t.Fatalf("GET session %s: %d %s", id, r.status, r.body)
	}
	return r
}

// payments lists a session's payments through the API, newest first.
func (e *env) payments(t *testing.T, id string) []map[string]any {
	t.Helper()
	r := e.get("/v1/payments?checkout_session="+id, e.key)
	if r.status != 200 {
		t.Fatalf("GET payments: %d %s", r.status, r.body)
	}
	var out []map[string]any
	for _, p := range r.get("data").([]any) {
		out = append(out, p.(map[string]any))
	}
	return out
}

// eventTypes lists the types of account A's test-mode events, oldest first.
func (e *env) eventTypes(t *testing.T) []string {
	t.Helper()
	r := e.get("/v1/events?limit=100", e.key)
	if r.status != 200 {
		t.Fatalf("GET events: %d %s", r.status, r.body)
	}
	var types []string
	for _, ev := range r.get("data").([]any) {
		types = append(types, ev.(map[string]any)["type"].(string))
	}
	slices.Reverse(types)
	return types
}

// state is everything a payment attempt could write about a session, read
// from the store, for checking that a refused attempt wrote nothing.
func (e *env) state(t *testing.T, id string) string {
	t.Helper()
	sess, err := e.store.FindSession(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	_, events := e.counts()
	pays := e.get("/v1/payments?checkout_session="+id, e.key).body
	return fmt.Sprintf("version %d status %s/%s failed %d in-flight %q email %q events %d payments %s",
		sess.Version, sess.Status, sess.PaymentStatus, sess.FailedAttempts, sess.PaymentInFlight, sess.CustomerEmail, events, pays)
}

func TestPagePayWithCard(t *testing.T) {
	e := newPageEnv(t)
	id := e.newSession(t, "description", "Blue mug")
	if got := e.session(t, id).get("accessed_at"); got != nil {
		t.Fatalf("accessed_at before the page was opened: %v", got)
	}
	page := e.openOK(t, "/checkout/"+id)
	if got := e.session(t, id).str("accessed_at"); got == "" {
		t.Error("opening the page did not set accessed_at")
	}
	page.mustContain("Shop A", "Blue mug", "GH₵50.00", "Pay GH₵50.00", "Test mode", "Cancel and return to shop.example")
	if a := page.byID("cancel"); attr(a, "href") != "https://shop.example/cancel" {
		t.Errorf("cancel link %q", attr(a, "href"))
	}
	for _, f := range []struct{ id, autocomplete string }{{"email", "email"}, {"card_number", "cc-number"}, {"card_expiry", "cc-exp"}, {"card_cvc", "cc-csc"}} {
		in := page.byID(f.id)
		if in == nil || attr(in, "autocomplete") != f.autocomplete {
			t.Errorf("field %s: %v", f.id, in)
		}
		if l := labelFor(page, f.id); l == "" {
			t.Errorf("field %s has no label", f.id)
		}
	}
	if c := e.openOK(t, "/c/"+id); !strings.Contains(c.text(), "Pay GH₵50.00") {
		t.Errorf("/c/%s does not show the form", id)
	}

	res := page.pay("4242 4242 4242 4242")
	if loc, want := res.location(), "https://shop.example/success?session_id="+id; loc != want {
		t.Fatalf("redirected to %q, want %q", loc, want)
	}
	s := e.session(t, id)
	if s.str("status") != "complete" || s.str("payment_status") != "paid" || s.str("customer_email") != "customer@example.com" || s.str("completed_at") == "" {
		t.Errorf("session after paying: %s", s.body)
	}
	pays := e.payments(t, id)
	if len(pays) != 1 || pays[0]["status"] != "succeeded" || pays[0]["id"] != s.str("payment") ||
		pays[0]["amount"] != float64(5000) || pays[0]["currency"] != "GHS" || pays[0]["method"] != "card" {
		t.Fatalf("payments: %v", pays)
	}
	if c := pays[0]["card"].(map[string]any); c["last4"] != "4242" || c["brand"] != "visa" {
		t.Errorf("card %v", c)
	}
	if types := e.eventTypes(t); !slices.Contains(types, "checkout.session.completed") || !slices.Contains(types, "payment.succeeded") {
		t.Errorf("events %v", types)
	}

	// The page now says it is paid, and a second payment is refused.
	done := e.openOK(t, "/checkout/"+id)
	done.mustContain("Payment received")
	if a := done.byID("continue"); attr(a, "href") != "https://shop.example/success?session_id="+id {
		t.Errorf("continue link %q", attr(a, "href"))
	}
	if strings.Contains(done.body, "card_number") {
		t.Error("a paid session still shows the card form")
	}
	before := e.state(t, id)
	if again := page.pay("4242424242424242"); again.location() != "/checkout/"+id {
		t.Errorf("second payment redirected to %q", again.location())
	}
	if after := e.state(t, id); after != before {
		t.Errorf("a second payment wrote:\n%s\n%s", before, after)
	}
}

// labelFor is the text of the label for field id.
func labelFor(p *htmlPage, id string) string {
	for _, l := range all(p.doc, "label") {
		if attr(l, "for") == id {
			return textOf(l)
		}
	}
	return ""
}

func TestPageDeclineThenRetry(t *testing.T) {
	e := newPageEnv(t)
	id := e.newSession(t)
	page := e.openOK(t, "/checkout/"+id)
	declined := page.pay("4000 0000 0000 0002")
	declined = declined.back()
	// The decline said once, not "Your payment was declined: Your card was
	// declined."
	if got := textOf(declined.byID("alert")); got != "Your card was declined. You can try again." {
		t.Errorf("alert %q", got)
	}
	if a := declined.byID("alert"); attr(a, "role") != "alert" {
		t.Errorf("the reason is not an alert: %v", a)
	}
	if v := attr(declined.byID("card_number"), "value"); v != "" {
		t.Errorf("the page echoes the card number: %q", v)
	}
	if v := attr(declined.byID("email"), "value"); v != "customer@example.com" {
		t.Errorf("the page forgot the email: %q", v)
	}
	if s := e.session(t, id); s.str("status") != "open" || s.str("payment_status") != "unpaid" || s.get("payment") != nil {
		t.Errorf("session after a decline: %s", s.body)
	}
	pays := e.payments(t, id)
	if len(pays) != 1 || pays[0]["status"] != "failed" || pays[0]["failure_code"] != "card_declined" {
		t.Fatalf("payments %v", pays)
	}

	// The customer tries again from the page that told them of the decline.
	ok := declined.pay("4242424242424242")
	if !strings.HasPrefix(ok.location(), "https://shop.example/success?session_id="+id) {
		t.Fatalf("retry went to %q", ok.location())
	}
	s := e.session(t, id)
	if s.str("payment_status") != "paid" {
		t.Errorf("session after the retry: %s", s.body)
	}
	if pays := e.payments(t, id); len(pays) != 2 || pays[0]["status"] != "succeeded" || pays[0]["id"] != s.str("payment") || pays[1]["status"] != "failed" {
		t.Errorf("payments %v", pays)
	}
}

func TestPageTestCardFailureCodes(t *testing.T) {
	e := newPageEnv(t)
	for _, c := range []struct{ number, code, message string }{
		{"4000000000000002", "card_declined", "Your card was declined."},
		{"4000000000009995", "insufficient_funds", "Your card has insufficient funds."},
		{"4000000000000069", "expired_card", "Your card has expired."},
		{"4000000000000127", "incorrect_cvc", "Your card's security code is incorrect."},
		{"4000000000000119", "processing_error", "An error occurred while processing your card."},
		{"4111111111111111", "card_declined", "use a test card such as 4242 4242 4242 4242"}, // not a test card
	} {
		t.Run(c.code+"_"+c.number[12:], func(t *testing.T) {
			id := e.newSession(t)
			res := e.openOK(t, "/checkout/"+id).pay(c.number)
			res = res.back()
			res.mustContain(c.message)
			// The decline said once.
			alert := strings.ToLower(textOf(res.byID("alert")))
			if strings.Count(alert, "declined") != 1 {
				t.Errorf("alert %q", alert)
			}
			pays := e.payments(t, id)
			if len(pays) != 1 || pays[0]["status"] != "failed" || pays[0]["failure_code"] != c.code || !strings.Contains(pays[0]["failure_message"].(string), c.message) {
				t.Errorf("payments %v", pays)
			}
			if last4 := pays[0]["card"].(map[string]any)["last4"]; last4 != c.number[12:] {
				t.Errorf("last4 %v", last4)
			}
			if s := e.session(t, id); s.str("status") != "open" {
				t.Errorf("session %s", s.body)
			}
		})
	}
}

func TestPage3DSecure(t *testing.T) {
	e := newPageEnv(t)
	challenge := func(t *testing.T, id string) *htmlPage {
		t.Helper()
		res := e.openOK(t, "/checkout/"+id).pay("4000 0027 6000 3184")
		if !regexp.MustCompile(`^/checkout/` + id + `/3ds/pay_\w+$`).MatchString(res.location()) {
			t.Fatalf("3-D Secure card redirected to %q", res.location())
		}
		pays := e.payments(t, id)
		if len(pays) != 1 || pays[0]["status"] != "requires_action" || pays[0]["next_action"].(map[string]any)["type"] != "three_d_secure" {
			t.Fatalf("payments %v", pays)
		}
		if s := e.session(t, id); s.str("status") != "open" {
			t.Errorf("session during the challenge: %s", s.body)
		}
		page := res.follow()
		page.mustContain("Confirm this payment with your bank", "GH₵50.00", "Shop A", "Complete", "Fail")
		return page
	}

	t.Run("Complete", func(t *testing.T) {
		id := e.newSession(t)
		page := challenge(t, id)
		if loc := page.submit("complete", nil).location(); loc != "https://shop.example/success?session_id="+id {
			t.Fatalf("completed challenge went to %q", loc)
		}
		if s := e.session(t, id); s.str("payment_status") != "paid" {
			t.Errorf("session %s", s.body)
		}
		// The challenge is over: its page sends the customer back.
		if again := e.open(t, page.url); again.location() != "/checkout/"+id {
			t.Errorf("challenge page after completion: %d %q", again.status, again.header.Get("Location"))
		}
	})
	t.Run("Fail", func(t *testing.T) {
		id := e.newSession(t)
		page := challenge(t, id)
		res := page.submit("fail", nil)
		res = res.back()
		res.mustContain("declined", "3-D Secure authentication failed")
		if s := e.session(t, id); s.str("status") != "open" || s.str("payment_status") != "unpaid" {
			t.Errorf("session %s", s.body)
		}
		if pays := e.payments(t, id); pays[0]["status"] != "failed" || pays[0]["failure_code"] != "authentication_failed" {
			t.Errorf("payments %v", pays)
		}
		// Answering the same challenge again changes nothing.
		before := e.state(t, id)
		if again := page.submit("complete", nil); again.location() != "/checkout/"+id {
			t.Errorf("second answer: %d %q", again.status, again.header.Get("Location"))
		}
		if after := e.state(t, id); after != before {
			t.Errorf("a second answer wrote:\n%s\n%s", before, after)
		}
		// The form on the decline page still pays.
		if loc := res.pay("4242424242424242").location(); !strings.HasPrefix(loc, "https://shop.example/success") {
			t.Errorf("retry went to %q", loc)
		}
	})
}

func TestPageInvalidCardInput(t *testing.T) {
	e := newPageEnv(t)
	for _, c := range []struct {
		name, field, message string
		fields               []string
	}{
		{"Luhn", "card_number", "The card number is not valid.", []string{"card_number", "4242 4242 4242 4241"}},
		{"ShortNumber", "card_number", "The card number is not valid.", []string{"card_number", "4242"}},
		{"LettersInNumber", "card_number", "The card number is not valid.", []string{"card_number", "4242 4242 4242 424x"}},
		{"NoNumber", "card_number", "Required.", []string{"card_number", ""}},
		{"ExpiryFormat", "card_expiry", "Enter the expiry date as MM/YY.", []string{"card_expiry", "12/3"}},
		{"ExpiryMonth", "card_expiry", "Enter the expiry date as MM/YY.", []string{"card_expiry", "13/30"}},
		{"Expired", "card_expiry", "The card has expired.", []string{"card_expiry", "01/20"}},
		{"ShortCVC", "card_cvc", "The security code is not valid.", []string{"card_cvc", "12"}},
		{"LettersInCVC", "card_cvc", "The security code is not valid.", []string{"card_cvc", "1a3"}},
		{"NoCVC", "card_cvc", "Required.", []string{"card_cvc", ""}},
		{"Email", "email", "Enter a valid email address.", []string{"email", "not-an-email"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			id := e.newSession(t)
			page := e.openOK(t, "/checkout/"+id)
			before := e.state(t, id)
			res := page.pay("4242424242424242", c.fields...)
			res = res.back()
			checkFieldError(t, res, c.field, c.message)
			if after := e.state(t, id); after != before {
				t.Errorf("bad input wrote:\n%s\n%s", before, after)
			}
			if v := attr(res.byID("card_number"), "value"); v != "" {
				t.Errorf("the page echoes the card number: %q", v)
			}
		})
	}
}

// TestPageKeepsWhatIsSafe: after bad input every field error shows at once,
// and the form shows again what the customer typed, except the card number
// and CVC; a refresh then shows the form without repeating the errors, and
// nothing was posted twice.
func TestPageKeepsWhatIsSafe(t *testing.T) {
	e := newPageEnv(t)
	id := e.newSession(t)
	page := e.openOK(t, "/checkout/"+id)
	before := e.state(t, id)
	res := page.submit("card", []string{"email", "ama@example", "card_number", "4242 4242 4242 4241", "card_expiry", "01/20", "card_cvc", "12"})
	if res.status != http.StatusSeeOther {
		t.Fatalf("a post with errors answers %d, want 303 to a GET", res.status)
	}
	res = res.back()
	for field, msg := range map[string]string{"email": "Enter a valid email address.", "card_number": "The card number is not valid.", "card_expiry": "The card has expired.", "card_cvc": "The security code is not valid."} {
		if got := textOf(res.byID(field + "-error")); got != msg {
			t.Errorf("%s: error %q, want %q", field, got, msg)
		}
	}
	for field, want := range map[string]string{"email": "ama@example", "card_expiry": "01/20", "card_number": "", "card_cvc": ""} {
		if got := attr(res.byID(field), "value"); got != want {
			t.Errorf("%s shows %q after the error, want %q", field, got, want)
		}
	}
	if strings.Contains(res.body, "4241") {
		t.Error("the page echoes the card number")
	}
	if after := e.state(t, id); after != before {
		t.Errorf("bad input wrote:\n%s\n%s", before, after)
	}
	// The flash shows once: a reload is the clean form.
	again := e.openOK(t, "/checkout/"+id)
	if again.byID("errors") != nil || attr(again.byID("email"), "value") != "" {
		t.Errorf("a reload repeats the last post's errors or values:\n%s", again.text())
	}

	// Expiry typed as people type it pays.
	for _, exp := range []string{fmt.Sprintf("12%02d", (time.Now().Year()+3)%100), fmt.Sprintf("12 / %d", time.Now().Year()+3)} {
		id := e.newSession(t)
		res := e.openOK(t, "/checkout/"+id).pay("4242424242424242", "card_expiry", exp)
		if !strings.HasPrefix(res.location(), "https://shop.example/success") {
			t.Errorf("expiry %q: %s", exp, res.text())
		}
	}
}

// TestPageFlashIsSigned: a flash cookie another site set (a sibling
// subdomain can) or one of another session is not shown.
func TestPageFlashIsSigned(t *testing.T) {
	e := newPageEnv(t)
	id, other := e.newSession(t), e.newSession(t)
	// A real flash of another session, replayed on this one.
	res := e.openOK(t, "/checkout/"+other).pay("4000000000000002")
	var stolen string
	for _, c := range res.header.Values("Set-Cookie") {
		if v, ok := strings.CutPrefix(c, "checkoutd_flash="); ok {
			stolen, _, _ = strings.Cut(v, ";")
		}
	}
	if stolen == "" {
		t.Fatalf("a decline sets no flash: %v", res.header)
	}
	forged := base64.RawURLEncoding.EncodeToString([]byte(`{"a":"Call +1 555 0100 to pay"}`)) + ".AAAA"
	for _, v := range []string{stolen, forged} {
		p := e.openOK(t, "/checkout/"+id, "Cookie", "checkoutd_flash="+v)
		if p.byID("alert") != nil || strings.Contains(p.body, "555") {
			t.Errorf("cookie %s shown on another session's page: %s", v, p.text())
		}
	}
}

// checkFieldError checks that field, and only field, is marked invalid with
// message inside its own div, and that the summary links to it.
func checkFieldError(t *testing.T, p *htmlPage, field, message string) {
	t.Helper()
	in := p.byID(field)
	if in == nil {
		t.Fatalf("no field %s", field)
	}
	if attr(in, "aria-invalid") != "true" || attr(in, "aria-describedby") != field+"-error" {
		t.Errorf("field %s: aria-invalid %q aria-describedby %q", field, attr(in, "aria-invalid"), attr(in, "aria-describedby"))
	}
	div := in.Parent
	if div == nil || div.Data != "div" || !strings.Contains(attr(div, "class"), "invalid") {
		t.Fatalf("field %s is not in a div marked invalid", field)
	}
	var msg *html.Node
	walk(div, func(n *html.Node) bool {
		if n.Type == html.ElementNode && attr(n, "id") == field+"-error" {
			msg = n
		}
		return msg == nil
	})
	if msg == nil || textOf(msg) != message {
		t.Errorf("field %s: message %q inside its div, want %q", field, textOf(msg), message)
	}
	for _, other := range []string{"email", "card_number", "card_expiry", "card_cvc"} {
		if other != field && attr(p.byID(other), "aria-invalid") != "" {
			t.Errorf("field %s is marked invalid too", other)
		}
	}
	summary := p.byID("errors")
	if summary == nil || attr(summary, "role") != "alert" {
		t.Fatalf("no error summary")
	}
	// The summary names the field, since "Required." alone says nothing.
	label := labelFor(p, field)
	var linked bool
	for _, a := range all(summary, "a") {
		txt := textOf(a)
		linked = linked || attr(a, "href") == "#"+field && strings.HasPrefix(txt, label) && strings.HasSuffix(txt, message)
	}
	if label == "" || !linked {
		t.Errorf("the summary does not link to #%s: %s", field, textOf(summary))
	}
}

func TestPageMultibanco(t *testing.T) {
	e := newPageEnv(t)
	mb := func(t *testing.T) (id string, voucher *htmlPage) {
		t.Helper()
		id = e.newSession(t, "amount", 9999, "currency", "EUR", "payment_method_types", []string{"card", "multibanco"})
		page := e.openOK(t, "/checkout/"+id)
		page.mustContain("Card", "Multibanco", "Get a Multibanco reference")
		voucher = page.submit("multibanco", nil).follow()
		voucher.mustContain("Pay at a Multibanco ATM", "Entity", "Reference", "€99.99")
		if got := textOf(voucher.byID("entity")); !regexp.MustCompile(`^\d{5}$`).MatchString(got) {
			t.Errorf("entity %q", got)
		}
		// Grouped in threes, as banks print references.
		if got := textOf(voucher.byID("reference")); !regexp.MustCompile(`^\d{3} \d{3} \d{3}$`).MatchString(got) {
			t.Errorf("reference %q", got)
		}
		if strings.Contains(voucher.body, `name="card_number"`) {
			t.Error("the voucher page shows the card form")
		}
		// It follows the payment: a reload without JavaScript, a look at
		// itself with it (the only page that may connect, to itself).
		if !strings.Contains(voucher.body, `<noscript><meta http-equiv="refresh" content="30"></noscript>`) ||
			!strings.Contains(voucher.header.Get("Content-Security-Policy"), "connect-src 'self'") {
			t.Errorf("the waiting voucher does not refresh itself: CSP %q", voucher.header.Get("Content-Security-Policy"))
		}
		s := e.session(t, id)
		if s.str("status") != "complete" || s.str("payment_status") != "unpaid" {
			t.Errorf("session with a voucher: %s", s.body)
		}
		pays := e.payments(t, id)
		if len(pays) != 1 || pays[0]["status"] != "requires_action" || pays[0]["method"] != "multibanco" || pays[0]["amount"] != float64(9999) {
			t.Fatalf("payments %v", pays)
		}
		na := pays[0]["next_action"].(map[string]any)
		if na["type"] != "multibanco_voucher" || na["entity"] != textOf(voucher.byID("entity")) || na["reference"] != strings.ReplaceAll(textOf(voucher.byID("reference")), " ", "") {
			t.Errorf("next_action %v, page %s / %s", na, textOf(voucher.byID("entity")), textOf(voucher.byID("reference")))
		}
		// The deadline in words, as the rest of the page.
		exp, _ := time.Parse(time.RFC3339, na["expires_at"].(string))
		exp = exp.UTC()
		voucher.mustContain(fmt.Sprintf("Pay by %d %s %d, %s UTC.", exp.Day(), exp.Month(), exp.Year(), exp.Format("15:04")))
		return id, voucher
	}

	t.Run("SucceedByAPI", func(t *testing.T) {
		id, _ := mb(t)
		payID := e.session(t, id).str("payment")
		r := e.do("POST", "/v1/test_helpers/payments/"+payID+"/succeed", e.key, "", nil)
		if r.status != 200 || r.str("status") != "succeeded" {
			t.Fatalf("succeed: %d %s", r.status, r.body)
		}
		if s := e.session(t, id); s.str("status") != "complete" || s.str("payment_status") != "paid" {
			t.Errorf("session after the voucher was paid: %s", s.body)
		}
		if types := e.eventTypes(t); !slices.Contains(types, "checkout.session.async_payment_succeeded") {
			t.Errorf("events %v", types)
		}
		page := e.openOK(t, "/checkout/"+id)
		page.mustContain("Payment received", "The payment has been received.", "€99.99")
		// Paid: no instructions to pay, and no entity and reference left blank.
		if strings.Contains(page.body, "Pay at a Multibanco ATM") || page.byID("entity") != nil || page.byID("reference") != nil {
			t.Errorf("a paid voucher still asks to be paid: %s", page.text())
		}
		if strings.Contains(page.body, `http-equiv="refresh"`) || strings.Contains(page.body, "data-poll") || strings.Contains(page.header.Get("Content-Security-Policy"), "connect-src") {
			t.Errorf("a paid voucher still refreshes itself: CSP %q", page.header.Get("Content-Security-Policy"))
		}
		if a := page.byID("continue"); attr(a, "href") != "https://shop.example/success?session_id="+id {
			t.Errorf("continue %q", attr(a, "href"))
		}
		// A paid voucher cannot be settled again.
		if r := e.do("POST", "/v1/test_helpers/payments/"+payID+"/fail", e.key, "", nil); r.status < 400 {
			t.Errorf("failing a paid voucher: %d %s", r.status, r.body)
		}
	})
	t.Run("FailOnTestPage", func(t *testing.T) {
		id, _ := mb(t)
		payID := e.session(t, id).str("payment")
		helper := e.openOK(t, "/test/payments/"+payID)
		helper.mustContain(payID, "requires_action", "Succeed", "Fail")
		after := helper.submit("fail", nil)
		if after.location() != "/test/payments/"+payID {
			t.Fatalf("fail went to %q", after.location())
		}
		done := after.follow()
		done.mustContain("failed")
		if done.byID("succeed") != nil || done.byID("fail") != nil {
			t.Error("a settled payment still has the buttons")
		}
		if pays := e.payments(t, id); pays[0]["status"] != "failed" || pays[0]["failure_code"] != "test_helper_failed" {
			t.Errorf("payments %v", pays)
		}
		if s := e.session(t, id); s.str("status") != "complete" || s.str("payment_status") != "unpaid" {
			t.Errorf("session %s", s.body)
		}
		if types := e.eventTypes(t); !slices.Contains(types, "checkout.session.async_payment_failed") {
			t.Errorf("events %v", types)
		}
		// Failed: said as a failure, with the way back to the shop rather
		// than a success box leading to success_url; and not "expired",
		// since its deadline has not passed.
		failed := e.openOK(t, "/checkout/"+id)
		failed.mustContain("The Multibanco payment did not go through", "The payment failed.", "Return to the shop")
		if strings.Contains(failed.body, "Pay at a Multibanco ATM") || strings.Contains(failed.body, "expired") ||
			strings.Contains(failed.body, `class="notice"`) || failed.byID("entity") != nil {
			t.Errorf("failed voucher page: %s", failed.text())
		}
		if a := failed.byID("continue"); attr(a, "href") != "https://shop.example/cancel" {
			t.Errorf("continue %q", attr(a, "href"))
		}
		if failed.byID("failed") == nil {
			t.Error("no failure message")
		}
		// The helper page's form needs the session's token, like every form.
		before := e.state(t, id)
		if r := e.fetch(t, "POST", "/test/payments/"+payID, url.Values{"result": {"succeed"}}); r.status != http.StatusForbidden {
			t.Errorf("helper post without a token: %d", r.status)
		}
		if e.state(t, id) != before {
			t.Error("a helper post without a token wrote")
		}
	})
	t.Run("CardOnlySessionRefusesMultibanco", func(t *testing.T) {
		id := e.newSession(t, "amount", 9999, "currency", "EUR")
		page := e.openOK(t, "/checkout/"+id)
		if strings.Contains(page.body, "multibanco") {
			t.Error("a card-only session offers multibanco")
		}
		f := page.form("card")
		f.values.Set("method", "multibanco")
		before := e.state(t, id)
		res := e.fetch(t, "POST", f.action, f.values)
		res = res.back()
		res.mustContain("This payment method is not available")
		if e.state(t, id) != before {
			t.Error("a refused method wrote")
		}
	})
}

func TestPageExpired(t *testing.T) {
	e := newPageEnv(t)
	check := func(t *testing.T, id string, page *htmlPage) {
		t.Helper()
		exp := e.openOK(t, "/checkout/"+id)
		exp.mustContain("This checkout has expired", "Return to the shop")
		if a := exp.byID("continue"); attr(a, "href") != "https://shop.example/cancel" {
			t.Errorf("the expired page links to %q", attr(a, "href"))
		}
		if len(all(exp.doc, "form")) != 0 || len(all(exp.doc, "script")) != 0 {
			t.Error("the expired page has a form or a script")
		}
		before := e.state(t, id)
		res := page.pay("4242424242424242")
		if res.location() != "/checkout/"+id {
			t.Errorf("paying an expired session went to %q", res.location())
		}
		if mb := e.fetch(t, "POST", "/checkout/"+id+"/pay", url.Values{"csrf_token": {page.form("card").values.Get("csrf_token")}, "method": {"multibanco"}}); mb.status < 300 {
			t.Errorf("multibanco on an expired session: %d", mb.status)
		}
		if after := e.state(t, id); after != before {
			t.Errorf("paying an expired session wrote:\n%s\n%s", before, after)
		}
		if len(e.payments(t, id)) != 0 {
			t.Error("an expired session has a payment")
		}
	}
	t.Run("ExpiredByAPI", func(t *testing.T) {
		id := e.newSession(t)
		page := e.openOK(t, "/checkout/"+id)
		if r := e.do("POST", "/v1/checkout/sessions/"+id+"/expire", e.key, "", nil); r.status != 200 {
			t.Fatalf("expire: %d %s", r.status, r.body)
		}
		check(t, id, page)
	})
	t.Run("PastExpiresAt", func(t *testing.T) {
		// No sweep has written the expiry: the page must still see it.
		id := e.newSession(t, "expires_at", e.clock.Now().Add(31*time.Minute).Unix())
		page := e.openOK(t, "/checkout/"+id)
		page.mustContain("This page expires in 31 min.")
		// The countdown gets the time left, not the time of expiry: a
		// customer's clock may be wrong.
		if left := attr(page.byID("expires"), "data-left-ms"); left != "1860000" {
			t.Errorf("data-left-ms %q, want 1860000", left)
		}
		e.clock.Add(32 * time.Minute)
		check(t, id, page)
	})
	t.Run("Unknown", func(t *testing.T) {
		p := e.open(t, "/checkout/cs_test_doesnotexist")
		if p.status != http.StatusNotFound {
			t.Fatalf("%d", p.status)
		}
		p.mustContain("Checkout not found")
	})
}

func TestPageCSRF(t *testing.T) {
	e := newPageEnv(t)
	id := e.newSession(t)
	other := e.newSession(t)
	page := e.openOK(t, "/checkout/"+id)
	otherPage := e.openOK(t, "/checkout/"+other)
	token := page.form("card").values.Get("csrf_token")
	otherToken := otherPage.form("card").values.Get("csrf_token")
	if len(token) < 16 || token == otherToken {
		t.Fatalf("tokens %q and %q", token, otherToken)
	}
	wrong := token[:len(token)-1] + "x"
	if wrong == token {
		wrong = token[:len(token)-1] + "y"
	}
	if strings.Contains(string(e.session(t, id).body), token) {
		t.Error("the API shows the CSRF token")
	}
	for _, c := range []struct {
		name   string
		fields []string
		hdr    []string
	}{
		{"NoToken", []string{"csrf_token", ""}, nil},
		{"OtherSessionsToken", []string{"csrf_token", otherToken}, nil},
		{"WrongToken", []string{"csrf_token", wrong}, nil},
		{"EvilOrigin", nil, []string{"Origin", "https://evil.example"}},
		{"CrossSite", nil, []string{"Sec-Fetch-Site", "cross-site"}},
		{"NullOriginNoFetchMetadata", nil, []string{"Origin", "null"}},
		{"NullOriginCrossSite", nil, []string{"Origin", "null", "Sec-Fetch-Site", "cross-site"}},
		{"NullOriginSameSite", nil, []string{"Origin", "null", "Sec-Fetch-Site", "same-site"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := e.state(t, id)
			f := page.form("card")
			f.values.Del("csrf_token")
			fields := append([]string{"email", "customer@example.com", "card_number", "4242424242424242", "card_expiry", futureExpiry(), "card_cvc", "123", "csrf_token", token}, c.fields...)
			for i := 0; i+1 < len(fields); i += 2 {
				f.values.Set(fields[i], fields[i+1])
			}
			res := e.fetch(t, "POST", f.action, f.values, c.hdr...)
			if res.status != http.StatusForbidden {
				t.Fatalf("%d %s", res.status, res.header.Get("Location"))
			}
			res.mustContain("did not come from this page")
			if after := e.state(t, id); after != before {
				t.Errorf("a forged post wrote:\n%s\n%s", before, after)
			}
			// The 3-D Secure answer is held to the same rules.
			if r := e.fetch(t, "POST", "/checkout/"+id+"/3ds/pay_x", f.values, c.hdr...); r.status != http.StatusForbidden {
				t.Errorf("3-D Secure answer: %d", r.status)
			}
		})
	}
	// What a browser sends from the page itself passes: its own origin, or
	// "null" (the page's no-referrer policy hides the origin of a form post)
	// with Sec-Fetch-Site: same-origin.
	t.Run("SameOrigin", func(t *testing.T) {
		if res := page.pay("4000000000000002"); res.location() != "/checkout/"+id {
			t.Errorf("no Origin: %d", res.status)
		}
		if res := page.submit("card", []string{"card_number", "4000000000000002", "card_expiry", futureExpiry(), "card_cvc", "123"}, "Origin", e.srv.URL, "Sec-Fetch-Site", "same-origin"); res.location() != "/checkout/"+id {
			t.Errorf("Origin %s: %d", e.srv.URL, res.status)
		}
		if res := page.submit("card", []string{"card_number", "4000000000000002", "card_expiry", futureExpiry(), "card_cvc", "123"}, "Origin", "null", "Sec-Fetch-Site", "same-origin"); res.location() != "/checkout/"+id {
			t.Errorf("Origin null, same-origin: %d", res.status)
		}
		if res := page.submit("card", []string{"card_number", "4242424242424242", "card_expiry", futureExpiry(), "card_cvc", "123"}, "Origin", "http://checkout.test"); res.status != http.StatusSeeOther {
			t.Errorf("Origin of the public URL: %d", res.status)
		}
	})
}

func TestPageIgnoresPostedAmount(t *testing.T) {
	e := newPageEnv(t)
	id := e.newSession(t)
	res := e.openOK(t, "/checkout/"+id).pay("4242424242424242",
		"amount", "1", "amount_total", "1", "currency", "USD", "total", "1", "price", "1", "session", "cs_other")
	if !strings.HasPrefix(res.location(), "https://shop.example/success") {
		t.Fatalf("went to %q", res.location())
	}
	pays := e.payments(t, id)
	if len(pays) != 1 || pays[0]["amount"] != float64(5000) || pays[0]["currency"] != "GHS" {
		t.Errorf("charged %v %v, want the stored 5000 GHS", pays[0]["amount"], pays[0]["currency"])
	}
	if s := e.session(t, id); s.get("amount_total") != float64(5000) || s.str("currency") != "GHS" {
		t.Errorf("session %s", s.body)
	}
}

func TestPageHeadersSizeAndCompression(t *testing.T) {
	e := newPageEnv(t)
	items := []any{}
	for i := range 5 {
		items = append(items, map[string]any{"quantity": i + 1, "price_data": map[string]any{"currency": "eur", "unit_amount": 1250,
			"product_data": map[string]any{"name": fmt.Sprintf("Item number %d with a longer name", i), "description": "A description of the item that takes a line or two on a narrow screen."}}})
	}
	id := e.newSession(t, "amount", nil, "currency", "EUR", "line_items", items, "payment_method_types", []string{"card", "multibanco"})
	// The biggest page: every item, both methods, every field in error.
	page := e.openOK(t, "/checkout/"+id)
	big := page.submit("card", []string{"email", "not-an-email", "card_number", "", "card_expiry", "", "card_cvc", ""})
	big = big.back()
	if len(all(big.doc, "li")) != 4 {
		t.Fatalf("%d\n%s", big.status, big.text())
	}
	// The summary lists the errors in the form's order.
	var order []string
	for _, a := range all(big.byID("errors"), "a") {
		order = append(order, attr(a, "href"))
	}
	if want := []string{"#email", "#card_number", "#card_expiry", "#card_cvc"}; !slices.Equal(order, want) {
		t.Errorf("summary order %v, want %v", order, want)
	}
	big.mustContain("Card number: Required.", "Expiry (MM/YY): Required.", "Security code (CVC): Required.")
	t.Logf("page: %d bytes; with every error: %d bytes", len(page.body), len(big.body))

	// A fresh nonce on every response.
	again := e.openOK(t, "/checkout/"+id)
	if page.header.Get("Content-Security-Policy") == again.header.Get("Content-Security-Policy") {
		t.Error("two responses share a CSP nonce")
	}

	// gzip on the wire when asked for, and identical once decompressed.
	req, _ := http.NewRequest("GET", e.srv.URL+"/checkout/"+id, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("Content-Encoding %q, Vary %q", res.Header.Get("Content-Encoding"), res.Header.Get("Vary"))
	}
	wire, _ := io.ReadAll(res.Body)
	zr, err := gzip.NewReader(bytes.NewReader(wire))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(plain), "<!doctype html>") || len(plain) > maxPageBytes || len(wire) >= len(plain)/2 {
		t.Errorf("gzip: %d bytes on the wire for %d", len(wire), len(plain))
	}
	// And not when not asked for.
	plainRes := e.open(t, "/checkout/"+id, "Accept-Encoding", "identity")
	if plainRes.header.Get("Content-Encoding") != "" || !strings.HasPrefix(plainRes.body, "<!doctype html>") {
		t.Errorf("identity: Content-Encoding %q", plainRes.header.Get("Content-Encoding"))
	}

	// Every other kind of page carries the same headers (checkPage runs on
	// each): 3-D Secure, 404, 403, voucher and the helper page are covered
	// by their tests; the status pages here.
	e.do("POST", "/v1/checkout/sessions/"+id+"/expire", e.key, "", nil)
	e.openOK(t, "/checkout/"+id)
}

func TestPageLanguages(t *testing.T) {
	e := newPageEnv(t)
	for _, c := range []struct {
		name, locale, accept, lang string
		want                       []string
	}{
		{"Portuguese", "pt", "en-US,en", "pt", []string{"Pagar a Shop A", "99,99 €", "Pagar 99,99 €", "Número do cartão", "Validade (MM/AA)", "Modo de teste", "Cancelar e voltar a shop.example"}},
		{"BrazilianPortuguese", "pt-BR", "", "pt", []string{"Pagar 99,99 €"}},
		{"French", "fr", "pt", "fr", []string{"Payer Shop A", "Payer 99,99 €", "Numéro de carte", "Expiration (MM/AA)", "Mode test", "Annuler et revenir à shop.example"}},
		{"AutoFrench", "auto", "fr-FR,fr;q=0.9,en;q=0.8", "fr", []string{"Payer 99,99 €"}},
		{"AutoPortuguese", "auto", "de-DE,pt-PT;q=0.8,en;q=0.5", "pt", []string{"Pagar 99,99 €"}},
		{"NoLocaleFrench", "", "fr-CA", "fr", []string{"Payer 99,99 €"}},
		{"AutoUnknown", "auto", "de-DE", "en", []string{"Pay €99.99"}},
		{"German", "de", "fr", "en", []string{"Pay €99.99"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			kv := []any{"amount", 9999, "currency", "EUR"}
			if c.locale != "" {
				kv = append(kv, "locale", c.locale)
			}
			id := e.newSession(t, kv...)
			var hdr []string
			if c.accept != "" {
				hdr = []string{"Accept-Language", c.accept}
			}
			page := e.openOK(t, "/checkout/"+id, hdr...)
			if got := attr(first(page.doc, "html"), "lang"); got != c.lang {
				t.Errorf("lang %q, want %q", got, c.lang)
			}
			page.mustContain(c.want...)
		})
	}
	t.Run("PortugueseErrorsAndDecline", func(t *testing.T) {
		id := e.newSession(t, "amount", 9999, "currency", "EUR", "locale", "pt")
		page := e.openOK(t, "/checkout/"+id)
		bad := page.pay("4242424242424241").back()
		checkFieldError(t, bad, "card_number", "O número do cartão não é válido.")
		bad.mustContain("Corrija o seguinte:")
		declined := page.pay("4000000000000002")
		declined = declined.back()
		if got := textOf(declined.byID("alert")); got != "O cartão foi recusado. Pode tentar de novo." {
			t.Errorf("alert %q", got)
		}
	})
	t.Run("FrenchExpiredAndChallenge", func(t *testing.T) {
		id := e.newSession(t, "amount", 9999, "currency", "EUR", "locale", "fr")
		e.openOK(t, "/checkout/"+id).pay("4000002760003184").follow().mustContain("Confirmez ce paiement auprès de votre banque", "99,99 €", "Valider", "Échouer")
		id2 := e.newSession(t, "amount", 9999, "currency", "EUR", "locale", "fr")
		e.do("POST", "/v1/checkout/sessions/"+id2+"/expire", e.key, "", nil)
		e.openOK(t, "/checkout/"+id2).mustContain("Ce paiement a expiré", "Revenir à la boutique")
	})
	t.Run("PortugueseVoucher", func(t *testing.T) {
		id := e.newSession(t, "amount", 123450, "currency", "EUR", "locale", "pt", "payment_method_types", []string{"multibanco"})
		page := e.openOK(t, "/checkout/"+id)
		page.mustContain("Obter referência Multibanco", "1 234,50 €")
		if strings.Contains(page.body, `name="card_number"`) {
			t.Error("a multibanco-only session shows the card form")
		}
		v := page.submit("multibanco", nil).follow()
		v.mustContain("Pague num multibanco", "Entidade", "Referência", "1 234,50 €")
		na := e.payments(t, id)[0]["next_action"].(map[string]any)
		exp, _ := time.Parse(time.RFC3339, na["expires_at"].(string))
		exp = exp.UTC()
		months := []string{"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"}
		v.mustContain(fmt.Sprintf("Pague até %d de %s de %d, %s UTC.", exp.Day(), months[exp.Month()-1], exp.Year(), exp.Format("15:04")))
		// The test helper page speaks the session's language too.
		helper := e.openOK(t, "/test/payments/"+e.session(t, id).str("payment"))
		helper.mustContain("Pagamento de teste", "Marcar como paga", "Marcar como falhada")
		if strings.Contains(helper.body, "Succeed") || strings.Contains(helper.body, ">Fail<") {
			t.Errorf("the helper page is in English: %s", helper.text())
		}
	})
	t.Run("FrenchVoucher", func(t *testing.T) {
		id := e.newSession(t, "amount", 9999, "currency", "EUR", "locale", "fr", "payment_method_types", []string{"multibanco"})
		v := e.openOK(t, "/checkout/"+id).submit("multibanco", nil).follow()
		na := e.payments(t, id)[0]["next_action"].(map[string]any)
		exp, _ := time.Parse(time.RFC3339, na["expires_at"].(string))
		exp = exp.UTC()
		months := []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
		v.mustContain(fmt.Sprintf("Payez avant le %d %s %d, %s UTC.", exp.Day(), months[exp.Month()-1], exp.Year(), exp.Format("15:04")))
		helper := e.openOK(t, "/test/payments/"+e.session(t, id).str("payment"))
		helper.mustContain("Paiement de test", "Marquer comme payée", "Marquer comme échouée")
	})
}

func TestPageAmountFormats(t *testing.T) {
	e := newPageEnv(t)
	for _, c := range []struct {
		amount   int
		currency string
		want     string
	}{
		{5000, "GHS", "Pay GH₵50.00"},
		{5000, "JPY", "Pay ¥5,000"},
		{123456, "USD", "Pay $1,234.56"},
		{1500, "BHD", "Pay BHD 1.500"},
	} {
		id := e.newSession(t, "amount", c.amount, "currency", c.currency)
		e.openOK(t, "/checkout/"+id).mustContain(c.want)
	}
}

func TestPageCardTestingProtection(t *testing.T) {
	e := newPageEnv(t)
	e.configure(func(c *service.Config) { c.MaxFailedAttempts = 2 })
	id := e.newSession(t)
	page := e.openOK(t, "/checkout/"+id)
	var last *htmlPage
	for range 2 {
		last = page.pay("4000000000000002").back()
	}
	// The last decline allowed, and the page after it, say that cards are
	// over and offer the way back, with no card form to try again in.
	locked := func(p *htmlPage) {
		t.Helper()
		p.mustContain("Too many declined attempts. This checkout no longer accepts cards.", "Return to the shop")
		if strings.Contains(p.body, `name="card_number"`) || strings.Contains(p.body, "You can try again") {
			t.Errorf("a locked checkout still offers the card form: %s", p.text())
		}
		if a := p.byID("continue"); attr(a, "href") != "https://shop.example/cancel" {
			t.Errorf("way back %q", attr(a, "href"))
		}
	}
	locked(last)
	locked(e.openOK(t, "/checkout/"+id))
	before := e.state(t, id)
	for _, number := range []string{"4000000000000002", "4242424242424242"} {
		res := page.pay(number)
		res = res.back()
		res.mustContain("Too many declined attempts. This checkout no longer accepts cards.")
		if attr(res.byID("alert"), "role") != "alert" {
			t.Error("the refusal is not an alert")
		}
	}
	if after := e.state(t, id); after != before {
		t.Errorf("refused cards wrote:\n%s\n%s", before, after)
	}
	if s := e.session(t, id); s.str("status") != "open" || s.str("payment_status") != "unpaid" {
		t.Errorf("session %s", s.body)
	}
	// Another session is not affected.
	if res := e.openOK(t, "/checkout/"+e.newSession(t)).pay("4242424242424242"); res.status != http.StatusSeeOther {
		t.Errorf("another session: %d", res.status)
	}

	t.Run("OtherMethodsStay", func(t *testing.T) {
		id := e.newSession(t, "amount", 9999, "currency", "EUR", "payment_method_types", []string{"card", "multibanco"})
		page := e.openOK(t, "/checkout/"+id)
		for range 2 {
			page.pay("4000000000000002")
		}
		// Only cards are refused: the page says so and still offers the
		// voucher.
		p := e.openOK(t, "/checkout/"+id)
		p.mustContain("Too many declined attempts. This checkout no longer accepts cards.", "Get a Multibanco reference")
		if strings.Contains(p.body, `name="card_number"`) {
			t.Error("the card form is still offered")
		}
		p.submit("multibanco", nil).follow().mustContain("Pay at a Multibanco ATM")
	})
}

// withPayRateLimit points e at a server of its own whose hosted page allows
// perMinute payment attempts per IP a minute.
func withPayRateLimit(t *testing.T, e *env, perMinute int) {
	h := chttp.New(e.svc, nil, nil)
	h.SetPayRateLimit(perMinute)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e.srv = srv
}

func TestPageRateLimit(t *testing.T) {
	e := newPageEnv(t)
	withPayRateLimit(t, e, 3)
	id := e.newSession(t)
	page := e.openOK(t, "/checkout/"+id)
	for i := range 3 {
		if res := page.pay("4242424242424241").back(); res.byID("card_number-error") == nil {
			t.Fatalf("attempt %d: no error at the card number\n%s", i+1, res.text())
		}
	}
	before := e.state(t, id)
	// The limit is per IP, not per session.
	other := e.openOK(t, "/checkout/"+e.newSession(t))
	for _, p := range []*htmlPage{page, other} {
		res := p.pay("4242424242424242")
		if res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") == "" {
			t.Fatalf("4th attempt: %d, Retry-After %q", res.status, res.header.Get("Retry-After"))
		}
		res.mustContain("Too many attempts. Wait a minute and try again.")
	}
	if after := e.state(t, id); after != before {
		t.Errorf("a rate-limited attempt wrote:\n%s\n%s", before, after)
	}
	// Viewing the page is not limited; a minute later paying works again.
	e.openOK(t, "/checkout/"+id)
	e.clock.Add(time.Minute)
	if res := page.pay("4242424242424242"); res.status != http.StatusSeeOther {
		t.Errorf("a minute later: %d", res.status)
	}
}

// TestPageMerchantEmailReadOnly: an email the merchant set shows read-only
// and pays as it is; a form changed to carry another address is refused
// next to the email field and writes nothing. An email the merchant did not
// set stays editable.
func TestPageMerchantEmailReadOnly(t *testing.T) {
	e := newPageEnv(t)
	id := e.newSession(t, "customer_email", "ama@shop.example")
	page := e.openOK(t, "/checkout/"+id)
	in := page.byID("email")
	if attr(in, "value") != "ama@shop.example" || !hasAttr(in, "readonly") || attr(in, "name") != "email" {
		t.Fatalf("email field %v: want ama@shop.example, read-only", in)
	}

	before := e.state(t, id)
	tampered := page.pay("4242424242424242", "email", "thief@attacker.example")
	tampered = tampered.back()
	if tampered.byID("email-error") == nil {
		t.Fatalf("another email: %d, want the error at the email field\n%s", tampered.status, tampered.text())
	}
	if in := tampered.byID("email"); attr(in, "value") != "ama@shop.example" || !hasAttr(in, "readonly") {
		t.Errorf("after a refused email the field shows %q", attr(in, "value"))
	}
	if after := e.state(t, id); after != before {
		t.Errorf("a refused email wrote:\n%s\n%s", before, after)
	}

	// The form as the page sent it pays, with the merchant's email.
	res := page.submit("card", []string{"card_number", "4242424242424242", "card_expiry", futureExpiry(), "card_cvc", "123"})
	if loc := res.location(); !strings.HasPrefix(loc, "https://shop.example/success") {
		t.Fatalf("paying as sent: redirected to %q", loc)
	}
	if s := e.session(t, id); s.str("status") != "complete" || s.str("customer_email") != "ama@shop.example" {
		t.Errorf("session after paying: %s", s.body)
	}

	// Without a merchant email the field is the customer's to fill.
	other := e.openOK(t, "/checkout/"+e.newSession(t))
	if in := other.byID("email"); in == nil || hasAttr(in, "readonly") || attr(in, "value") != "" {
		t.Errorf("email field of a session without customer_email: %v", in)
	}
}

// TestPageLiveWithoutProvider: live mode has no provider in checkoutd serve
// yet. The API refuses a live session no provider could take, naming what to
// configure; a live session whose provider has gone since (here: the
// registry loses its live routes) shows a plain page saying the shop cannot
// take payments, with the way back, and a post from an older tab pays
// nothing.
func TestPageLiveWithoutProvider(t *testing.T) {
	e := newPageEnv(t)
	live := e.create(e.liveA, map[string]any{"amount": 1200, "currency": "EUR", "payment_method_types": []string{"card", "multibanco"},
		"success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/cancel"}).str("id")
	page := e.openOK(t, "/checkout/"+live)
	if page.byID("card_number") == nil {
		t.Fatalf("a live session with a live provider shows no card form:\n%s", page.text())
	}

	testOnly := service.NewRegistry()
	testOnly.Register("sim", sim.Factory(sim.New(e.clock)))
	testOnly.Route(false, "sim", checkout.MethodCard, checkout.MethodMultibanco)
	e.configure(func(c *service.Config) { c.Providers = testOnly })

	r := e.postJSON("/v1/checkout/sessions", e.liveA, map[string]any{"amount": 1200, "currency": "EUR", "payment_method_types": []string{"card"},
		"success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/cancel"})
	if r.status != http.StatusBadRequest || r.str("error", "code") != "live_provider_missing" || r.str("error", "param") != "payment_method_types[0]" ||
		!strings.Contains(r.str("error", "message"), "configure a live provider") {
		t.Errorf("a live session without a live provider: %d %s", r.status, r.body)
	}

	for lang, want := range map[string]string{
		"en": "This shop cannot take payments yet Shop A has not finished setting up payments, so this checkout cannot be paid. Nothing has been charged.",
		"pt": "Esta loja ainda não pode receber pagamentos Shop A ainda não concluiu a configuração dos pagamentos",
		"fr": "Cette boutique ne peut pas encore recevoir de paiements Shop A n'a pas fini de configurer ses paiements",
	} {
		p := e.openOK(t, "/checkout/"+live, "Accept-Language", lang)
		p.mustContain(want)
		if len(all(p.doc, "form")) != 0 || strings.Contains(p.body, "card_number") {
			t.Errorf("%s: the page still offers a form:\n%s", lang, p.text())
		}
		if attr(p.byID("continue"), "href") != "https://shop.example/cancel" {
			t.Errorf("%s: no way back to the shop", lang)
		}
	}
	before := e.state(t, live)
	// The form the page showed before, posted to the server as it is now.
	form := page.form("card").values
	for k, v := range map[string]string{"email": "ama@example.com", "card_number": "4242424242424242", "card_expiry": futureExpiry(), "card_cvc": "123"} {
		form.Set(k, v)
	}
	res := e.fetch(t, "POST", "/checkout/"+live+"/pay", form)
	if loc := res.location(); loc != "/checkout/"+live {
		t.Errorf("a post from an older tab went to %s", loc)
	}
	res.back().mustContain("This shop cannot take payments yet")
	if after := e.state(t, live); after != before {
		t.Errorf("paying without a provider wrote:\n%s\n%s", before, after)
	}
}

// TestPageLayout: the frame every page state shares — the order summary
// beside the form (an amount-only session shows its description, not a
// made-up item), the card group with the accepted brands, the lock, the
// operator's footer text (changed or removed), the receipt of a complete
// session and a voucher that reloads itself.
func TestPageLayout(t *testing.T) {
	e := newPageEnv(t)
	id := e.newSession(t, "amount", 4900, "currency", "EUR", "description", "Order 1042: spring box", "payment_method_types", []string{"card", "multibanco"})
	page := e.openOK(t, "/checkout/"+id)
	page.mustContain("Pay Shop A", "€49.00", "Order 1042: spring box", "Card information", "Payments are secure and encrypted.", "Powered by checkoutd")
	if items := page.byID("total").Parent; len(all(page.doc, "table")) != 0 || items == nil {
		t.Errorf("an amount-only session lists items: %s", page.text())
	}
	for _, brand := range []string{"visa", "mastercard", "amex", "discover"} {
		if !strings.Contains(page.body, `<use href="#i-`+brand+`"/>`) {
			t.Errorf("no %s icon among the accepted cards", brand)
		}
	}
	if d := first(page.doc, "details"); d == nil || !hasAttr(d, "open") {
		t.Error("the order summary is not a details element open by default (it must show without JavaScript)")
	}

	// The footer is the operator's: another text, or none.
	withServer(t, e, func(h *chttp.Server) { h.SetPoweredBy("Payments by Example Ops") })
	e.openOK(t, "/checkout/"+id).mustContain("Payments by Example Ops")
	withServer(t, e, func(h *chttp.Server) { h.SetPoweredBy("") })
	if p := e.openOK(t, "/checkout/"+id); strings.Contains(p.body, "Powered by") || first(p.doc, "footer") == nil {
		t.Errorf("--powered-by \"\" still shows a footer text: %s", textOf(first(p.doc, "footer")))
	}

	// A waiting voucher reloads itself, without JavaScript.
	mb := e.openOK(t, "/checkout/"+id).submit("multibanco", nil).back()
	if m := first(mb.doc, "meta"); !strings.Contains(mb.body, `<meta http-equiv="refresh" content="30">`) || m == nil {
		t.Errorf("a waiting voucher does not refresh itself:\n%.600s", mb.body)
	}
	// A paid session says how it was paid.
	paid := e.newSession(t)
	e.openOK(t, "/checkout/"+paid).pay("4242424242424242")
	done := e.openOK(t, "/checkout/"+paid)
	done.mustContain("Payment received", "Paid GH₵50.00 with Visa •••• 4242.")
	if strings.Contains(done.body, "http-equiv") {
		t.Error("a complete page refreshes itself")
	}
}

// cspAdmits reports whether an https URL is from one of the CSP
// host-sources given ("https://host" or "https://*.domain").
func cspAdmits(sources []string, raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" {
		return false
	}
	for _, src := range sources {
		host, ok := strings.CutPrefix(src, "https://")
		if ok && (host == u.Host || strings.HasPrefix(host, "*.") && strings.HasSuffix(u.Host, host[1:])) {
			return true
		}
	}
	return false
}
