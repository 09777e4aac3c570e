package http

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
)

// A form post to the page answers with a 303 to the page's GET
// (post/redirect/get), so that a refresh shows the state again instead of
// paying again. What that GET must show and the session does not hold — the
// field errors, an alert, what the customer typed — travels in a flash: a
// cookie that lives for one page view, scoped to the session's path and
// signed with the session's CSRF token, so that no other site (not even a
// sibling subdomain that can set cookies here) can put words on the page.
// Nothing of it is written to the store: bad input writes nothing.

// flash is what one form post hands to the next view of the page.
type flash struct {
	Errors map[string]string `json:"e,omitempty"` // field → message, in the page's language
	Alert  string            `json:"a,omitempty"`
	Values map[string]string `json:"v,omitempty"` // field → what the customer typed
}

const (
	flashCookie = "checkoutd_flash"
	// flashMaxAge bounds how long a flash waits for its GET: the redirect
	// follows at once, so a flash found later is stale.
	flashMaxAge = 120
	// flashMaxBytes keeps the cookie well inside the 4 KB browsers take.
	flashMaxBytes = 3500
	maxKeptValue  = 500
)

// neverKept are the inputs a flash never carries back. The card number and
// CVC are sensitive authentication data: PCI DSS forbids keeping them after
// the attempt, and a cookie would keep them in the browser's storage. A
// provider's token is single-use, and the rest are the form's own.
var neverKept = map[string]bool{
	"card_number": true, "card_cvc": true, "payment_token": true, "csrf_token": true, "method": true,
}

// keptValues is what the customer typed that the page may show again after
// an error: everything but neverKept (email, name, expiry, address…).
func keptValues(form url.Values) map[string]string {
	out := map[string]string{}
	for k, vs := range form {
		if neverKept[k] || len(vs) == 0 || vs[0] == "" || len(k) > 100 || len(vs[0]) > maxKeptValue {
			continue
		}
		out[k] = vs[0]
	}
	return out
}

// redirectFlash sends the customer back to the session's page with f.
func (s *Server) redirectFlash(w http.ResponseWriter, r *http.Request, sess *checkout.Session, f flash) {
	payload, err := json.Marshal(f)
	if err == nil && base64.RawURLEncoding.EncodedLen(len(payload)) > flashMaxBytes {
		// Too much typed to carry: the errors matter more than the values.
		f.Values = nil
		payload, err = json.Marshal(f)
	}
	if err == nil {
		http.SetCookie(w, &http.Cookie{
			Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(payload) + "." + flashMAC(sess, payload),
			Path: pagePath(sess), MaxAge: flashMaxAge, HttpOnly: true, Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode,
		})
	}
	http.Redirect(w, r, pagePath(sess), http.StatusSeeOther)
}

// takeFlash returns the flash the last post left for this session's page
// and clears it, so that it shows once. A flash that does not verify is
// ignored.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request, sess *checkout.Session) (flash, bool) {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return flash{}, false
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: pagePath(sess), MaxAge: -1, HttpOnly: true, Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode})
	enc, mac, ok := strings.Cut(c.Value, ".")
	payload, err := base64.RawURLEncoding.DecodeString(enc)
	if !ok || err != nil || sess.CSRFToken == "" || !hmac.Equal([]byte(mac), []byte(flashMAC(sess, payload))) {
		return flash{}, false
	}
	var f flash
	if json.Unmarshal(payload, &f) != nil {
		return flash{}, false
	}
	return f, true
}

// flashMAC binds a flash to its session: keyed with the session's CSRF
// token, which only this server and the session's own page know.
func flashMAC(sess *checkout.Session, payload []byte) string {
	m := hmac.New(sha256.New, []byte(sess.CSRFToken))
	m.Write([]byte("checkoutd flash\x00" + sess.ID + "\x00"))
	m.Write(payload)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// secureCookies is whether cookies must say Secure: on HTTPS, as the
// public URL or the connection says.
func (s *Server) secureCookies(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.svc.PublicURL(), "https://")
}

// pagePath is the path of a session's page.
func pagePath(sess *checkout.Session) string { return "/checkout/" + sess.ID }
