package http_test

import (
	"net/http"
	"strings"
	"testing"

	chttp "github.com/checkoutd/checkoutd/http"
)

// TestPageHandoff: an open session's page links to a page with the QR code
// of its own address (to continue on a phone), drawn inline by this
// server, with the way back; once the session is over, the link is gone
// and the handoff page sends to the session's page.
func TestPageHandoff(t *testing.T) {
	e := newEnv(t)
	id := e.newSession(t)
	page := e.openOK(t, "/checkout/"+id)
	link := page.byID("handoff")
	if link == nil || attr(link, "href") != "/checkout/"+id+"/handoff" {
		t.Fatalf("the open page has no link to continue elsewhere:\n%s", page.body)
	}
	h := e.openOK(t, "/checkout/"+id+"/handoff")
	if !strings.Contains(h.body, `<svg class="qr"`) || !strings.Contains(h.body, `role="img" aria-label="QR code of this checkout page`) ||
		!strings.Contains(h.body, "Continue on another device") {
		t.Fatalf("the handoff page shows no QR code:\n%s", h.body)
	}
	if back := h.byID("continue"); back == nil || attr(back, "href") != "/checkout/"+id {
		t.Errorf("the handoff page has no way back to the checkout")
	}
	// The code is of this session's page: another session's differs.
	other := e.openOK(t, "/checkout/"+e.newSession(t)+"/handoff")
	if qrOf(other.body) == "" || qrOf(other.body) == qrOf(h.body) {
		t.Error("two sessions' handoff pages show the same code")
	}

	if r := e.do(http.MethodPost, "/v1/checkout/sessions/"+id+"/expire", e.key, "", nil); r.status != 200 {
		t.Fatalf("expire: %d %s", r.status, r.body)
	}
	if p := e.openOK(t, "/checkout/"+id); p.byID("handoff") != nil {
		t.Error("an expired session's page still offers to continue elsewhere")
	}
	if r := e.fetch(t, http.MethodGet, "/checkout/"+id+"/handoff", nil); r.status != http.StatusSeeOther || r.header.Get("Location") != "/checkout/"+id {
		t.Errorf("the handoff page of an expired session: %d %s", r.status, r.header.Get("Location"))
	}
	if r := e.fetch(t, http.MethodGet, "/checkout/cs_missing/handoff", nil); r.status != http.StatusNotFound {
		t.Errorf("an unknown session's handoff page: %d", r.status)
	}
}

// qrOf is the QR code's drawing in a page.
func qrOf(body string) string {
	i := strings.Index(body, `<svg class="qr"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</svg>")
	return body[i : i+j]
}

// TestPageHandoffByToken: the page at /p/{token} links to a handoff page
// whose code is that URL, the one the customer is on (not /checkout/{id}),
// with the way back to it; the page at /checkout/{id} keeps its own. A
// wrong token, or the id in its place, is not found.
func TestPageHandoffByToken(t *testing.T) {
	e := newPageEnv(t)
	c := e.v2Create(t, e.key, map[string]any{"amountMinor": 500, "currency": "GHS", "successUrl": "https://shop.example/ok", "cancelUrl": "https://shop.example/no"})
	id, tok, pageURL := c.str("data", "id"), c.str("data", "publicToken"), c.str("data", "url")
	if !strings.HasSuffix(pageURL, "/p/"+tok) {
		t.Fatalf("url %q", pageURL)
	}
	page := e.openOK(t, "/p/"+tok)
	link := page.byID("handoff")
	if link == nil || attr(link, "href") != "/p/"+tok+"/handoff" {
		t.Fatalf("the /p/ page's handoff link: %v", link)
	}
	h := e.openOK(t, "/p/"+tok+"/handoff")
	if got := chttp.QRDrawingOf(h.body); got == "" || got != chttp.QRDrawing(pageURL) {
		t.Fatalf("the code is not of %s", pageURL)
	}
	if back := h.byID("continue"); back == nil || attr(back, "href") != "/p/"+tok {
		t.Errorf("the way back does not lead to /p/%s", tok)
	}
	// /checkout/{id}'s handoff keeps its own address.
	if e.openOK(t, "/checkout/"+id).byID("handoff") == nil {
		t.Fatal("the /checkout/ page has no handoff link")
	}
	if got := chttp.QRDrawingOf(e.openOK(t, "/checkout/"+id+"/handoff").body); got != chttp.QRDrawing(testPublicURL+"/checkout/"+id) {
		t.Error("the /checkout/ page's code is not of its own address")
	}
	for _, bad := range []string{tok[:len(tok)-1] + "x", id, "pt_nothing"} {
		if r := e.fetch(t, http.MethodGet, "/p/"+bad+"/handoff", nil); r.status != http.StatusNotFound {
			t.Errorf("/p/%s/handoff: %d", bad, r.status)
		}
	}
	if r := e.v2("POST", "/v2/checkout-sessions/"+id+"/expire", e.key, nil); r.status != 200 {
		t.Fatalf("expire: %d %s", r.status, r.body)
	}
	if r := e.fetch(t, http.MethodGet, "/p/"+tok+"/handoff", nil); r.status != http.StatusSeeOther || r.header.Get("Location") != "/p/"+tok {
		t.Errorf("the handoff page of an expired session: %d %s", r.status, r.header.Get("Location"))
	}
}
