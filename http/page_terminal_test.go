package http_test

import (
	"bufio"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
)

// TestTerminalPage: a device signs in on /terminal with its token, sees the
// amount and items pushed to it, and approves with a plain form.
func TestTerminalPage(t *testing.T) {
	e := newPageEnv(t)
	dev, tok := e.pairedDevice(e.key, "Front till")

	login := e.openOK(t, "/terminal")
	login.mustContain("Sign in this device", "Device token")
	if bad := e.fetch(t, "POST", "/terminal/login", url.Values{"token": {"cdt_not-a-token"}}); bad.status != http.StatusUnauthorized || !strings.Contains(bad.text(), "not valid") {
		t.Fatalf("a wrong token: %d %s", bad.status, bad.text())
	}
	// Posted from another site (login CSRF), the sign-in is refused and
	// no cookie is set.
	for _, hdr := range [][]string{{"Origin", "https://evil.example"}, {"Sec-Fetch-Site", "cross-site"}} {
		if x := e.fetch(t, "POST", "/terminal/login", url.Values{"token": {tok}}, hdr...); x.status != http.StatusForbidden || x.header.Get("Set-Cookie") != "" {
			t.Fatalf("a cross-site sign-in (%s): %d, cookie %q", hdr[0], x.status, x.header.Get("Set-Cookie"))
		}
	}
	in := e.fetch(t, "POST", "/terminal/login", url.Values{"token": {tok}})
	if in.location() != "/terminal" {
		t.Fatalf("login leads to %s", in.location())
	}
	cookie := in.header.Get("Set-Cookie")
	for _, want := range []string{"checkoutd_terminal=" + tok, "Path=/terminal", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("cookie %q lacks %s", cookie, want)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("cookie %q is Secure on plain HTTP (the test server's public URL is http)", cookie)
	}

	idle := e.openOK(t, "/terminal")
	idle.mustContain("Front till", "No payment waiting")
	if !strings.Contains(idle.body, `<noscript><meta http-equiv="refresh" content="5"></noscript>`) {
		t.Error("the terminal does not refresh itself without JavaScript")
	}

	sess := e.inStoreSession(e.key, dev, nil)
	id := sess.str("id")
	page := e.openOK(t, "/terminal")
	page.mustContain("GH₵50.00", "Coffee beans ×2", "Approve", "Decline")

	// A post without the page's CSRF token changes nothing.
	f := page.form("approve-" + id)
	f.values.Set("csrf_token", "forged")
	if r := e.fetch(t, "POST", f.action, f.values); r.status != http.StatusForbidden {
		t.Fatalf("a forged CSRF token: %d", r.status)
	}
	if ps := e.sessionPayments(scopeA, id); ps[0].Status != "requires_action" {
		t.Fatalf("payment after a forged post: %+v", ps[0])
	}

	done := page.submit("approve-"+id, nil)
	if done.location() != "/terminal" {
		t.Fatalf("approve leads to %s", done.location())
	}
	if s := e.session(t, id); s.str("status") != "complete" || s.str("payment_status") != "paid" {
		t.Fatalf("session after approval on the terminal: %s", s.body)
	}
	e.openOK(t, "/terminal").mustContain("No payment waiting")

	// Signing out clears the cookie; a revoked device's cookie signs in no more.
	out := e.openOK(t, "/terminal").submit("logout", nil)
	if !strings.Contains(out.header.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("logout cookie %q", out.header.Get("Set-Cookie"))
	}
	e.fetch(t, "POST", "/terminal/login", url.Values{"token": {tok}})
	e.v2("POST", "/v2/devices/"+dev+"/revoke", e.key, nil)
	e.openOK(t, "/terminal").mustContain("Sign in this device")
}

// TestTerminalStreamSeesPushBeforeItOpens: a payment pushed after the
// terminal's page was drawn but before its script opened the stream still
// makes the page reload. The stream compares with what the page showed, not
// with what it finds when it opens, or that payment would wait unseen until
// the next change.
func TestTerminalStreamSeesPushBeforeItOpens(t *testing.T) {
	e := newPageEnv(t)
	dev, tok := e.pairedDevice(e.key, "Till")
	e.fetch(t, "POST", "/terminal/login", url.Values{"token": {tok}})
	idle := e.openOK(t, "/terminal")
	idle.mustContain("No payment waiting")
	stream := attr(idle.byID("pushes"), "data-stream")
	if !strings.HasPrefix(stream, "/terminal/stream") {
		t.Fatalf("data-stream %q", stream)
	}
	// Pushed at creation (in_store is its only method), before the stream
	// opens.
	e.inStoreSession(e.key, dev, nil)
	res := openDeviceStream(t, e, stream, "", tok)
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if sc.Text() == "event: change" {
			return
		}
	}
	t.Fatalf("the terminal's stream ended without a change event: %v", sc.Err())
}

// TestTerminalStripePushHasNoApprove: a payment Stripe decides is not
// approved from /terminal (the device's word is not the outcome): the page
// says the card is taken with Stripe Terminal and keeps Decline, which
// calls the intent off; the session stays open.
func TestTerminalStripePushHasNoApprove(t *testing.T) {
	e, rec := terminalEnvOn(t, newPageEnv(t))
	dev, tok := e.pairedDevice(e.key, "Phone")
	id := e.inStoreSession(e.key, dev, nil).str("id")
	if ps := e.sessionPayments(scopeA, id); len(ps) != 1 || ps[0].Provider != "stripe" {
		t.Fatalf("payments %+v", ps)
	}
	e.fetch(t, "POST", "/terminal/login", url.Values{"token": {tok}})
	page := e.openOK(t, "/terminal")
	page.mustContain("GH₵50.00", "Take the card in the companion app with Stripe Terminal", "Decline")
	if page.byID("approve-"+id) != nil || strings.Contains(page.text(), "Approve") {
		t.Fatalf("a Stripe push offers Approve: %s", page.text())
	}
	if done := page.submit("decline-"+id, nil); done.location() != "/terminal" {
		t.Fatalf("decline leads to %s (%d %s)", done.location(), done.status, done.text())
	}
	if p := e.sessionPayments(scopeA, id)[0]; !p.Status.Final() || p.Status == checkout.PaymentSucceeded {
		t.Fatalf("payment after Decline: %+v", p)
	}
	canceled := false
	for _, q := range rec.Requests() {
		canceled = canceled || q.Path == "/v1/payment_intents/pi_tm/cancel"
	}
	if !canceled {
		t.Error("Decline did not call the intent off at Stripe")
	}
	if s := e.session(t, id); s.str("status") != "open" {
		t.Fatalf("session after Decline: %s", s.body)
	}
}
