package http

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io"
	"net/http"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// /terminal is a page a phone or tablet at the counter opens to act as an
// in-store companion device: it signs in with the device token (kept in an
// HttpOnly, SameSite=Strict cookie scoped to /terminal), shows the payments
// pushed to the device with Approve and Decline buttons (plain forms, so it
// works without JavaScript; Approve for the simulator's payments only), reloads itself now and then without
// JavaScript and at once with it (server-sent events). Its reports go
// through the same service call as the device API's. An approval is
// refused there, as for any device, in live mode and for a payment its
// provider decides (Stripe's): it carries no provider reference (see
// service.ReportDeviceResult).

//go:embed html/terminal.html
var terminalFS embed.FS

var terminalTemplate = template.Must(template.New("").ParseFS(terminalFS, "html/terminal.html"))

// terminalCookie holds the device token.
const terminalCookie = "checkoutd_terminal"

// terminalRefreshSeconds is how often the page reloads without JavaScript.
const terminalRefreshSeconds = 5

type terminalData struct {
	Nonce, CSRF, Alert, Device, Stream string
	TestMode                           bool
	Refresh                            int
	Pushes                             []terminalPush
}

type terminalPush struct {
	SessionID, Amount, Description string
	Items                          []terminalItem
	// Simulated is true for the simulator's payments, the only ones this
	// page can approve. Another provider's (Stripe's) is decided by the
	// provider alone, the card taken in a companion app with its SDK
	// (Stripe Terminal's): the page offers Decline only, which calls the
	// payment off at the provider.
	Simulated bool
}

type terminalItem struct {
	Name     string
	Quantity int64
	Amount   string
}

// terminalCSRF is the page's CSRF token: a MAC of the device token, so
// only a holder of the cookie's token can make it (the cookie itself is
// HttpOnly and SameSite=Strict besides).
func terminalCSRF(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("checkoutd terminal csrf"))
	return hex.EncodeToString(m.Sum(nil))
}

// terminalDevice is the device the request's cookie signs in, under the
// guessing budget; nil (and no error) without a valid cookie.
func (s *Server) terminalDevice(w http.ResponseWriter, r *http.Request) (*checkout.Device, string, bool) {
	c, err := r.Cookie(terminalCookie)
	if err != nil || c.Value == "" {
		return nil, "", true
	}
	var d *checkout.Device
	var derr error
	if !s.guarded(w, r, "device", func() bool {
		d, derr = s.svc.DeviceByToken(context.WithoutCancel(r.Context()), c.Value)
		return checkout.IsKind(derr, checkout.KindUnauthorized)
	}) {
		return nil, "", false
	}
	if derr != nil {
		if !checkout.IsKind(derr, checkout.KindUnauthorized) {
			s.log.Error("terminal: reading the device failed", "err", derr, "request_id", requestID(r.Context()))
		}
		s.setTerminalCookie(w, r, "", -1)
		return nil, "", true
	}
	return d, c.Value, true
}

func (s *Server) setTerminalCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: terminalCookie, Value: value, Path: "/terminal", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secureCookies(r), SameSite: http.SameSiteStrictMode})
}

// showTerminal is GET /terminal: the sign-in form, or the device's
// waiting payments.
func (s *Server) showTerminal(w http.ResponseWriter, r *http.Request) {
	d, token, ok := s.terminalDevice(w, r)
	if !ok {
		return
	}
	data := &terminalData{Nonce: checkout.RandomString(22)}
	if d == nil {
		s.renderTerminal(w, r, data, http.StatusOK)
		return
	}
	s.terminalFor(r, d, token, data)
	s.renderTerminal(w, r, data, http.StatusOK)
}

// terminalFor fills data with device d's waiting payments.
func (s *Server) terminalFor(r *http.Request, d *checkout.Device, token string, data *terminalData) {
	data.Device, data.CSRF, data.TestMode = d.Name, terminalCSRF(token), !d.Livemode
	data.Refresh = terminalRefreshSeconds
	pushes, err := s.svc.DevicePushes(context.WithoutCancel(r.Context()), d.Scope(), d.ID)
	// The stream is told what the page shows, so that a payment pushed
	// before the script opens it still reloads the page.
	data.Stream = "/terminal/stream?seen=" + pushesSeen(pushes)
	if err != nil {
		s.log.Error("terminal: listing pushes failed", "err", err, "request_id", requestID(r.Context()))
		data.Alert = "The waiting payments could not be read. This page tries again by itself."
		return
	}
	for _, p := range pushes {
		tp := terminalPush{SessionID: p.Session.ID, Amount: formatMoney(p.Payment.Amount, p.Payment.Currency, "en"), Description: p.Session.Description,
			Simulated: p.Payment.Provider == service.SimulatorName}
		for _, li := range p.Session.LineItems {
			tp.Items = append(tp.Items, terminalItem{Name: li.Name, Quantity: li.Quantity, Amount: formatMoney(li.AmountTotal, li.Currency, "en")})
		}
		data.Pushes = append(data.Pushes, tp)
	}
}

// terminalLogin is POST /terminal/login: the token typed in, checked under
// the guessing budget, kept in the cookie.
func (s *Server) terminalLogin(w http.ResponseWriter, r *http.Request) {
	// A sign-in posted from another site would put the browser on a
	// device of someone else's choosing (login CSRF); there is no token
	// to carry before sign-in, so the browser's own word on the post's
	// origin decides, as for the page's other forms.
	if !s.sameOrigin(r) {
		http.Error(w, "a sign-in from another site is refused", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	token := r.PostFormValue("token")
	var err error
	if !s.guarded(w, r, "device", func() bool {
		_, err = s.svc.DeviceByToken(context.WithoutCancel(r.Context()), token)
		return checkout.IsKind(err, checkout.KindUnauthorized) && token != ""
	}) {
		return
	}
	if err != nil {
		data := &terminalData{Nonce: checkout.RandomString(22), Alert: "This device token is not valid, or the device was revoked."}
		s.renderTerminal(w, r, data, http.StatusUnauthorized)
		return
	}
	s.setTerminalCookie(w, r, token, int((30 * 24 * time.Hour).Seconds()))
	http.Redirect(w, r, "/terminal", http.StatusSeeOther)
}

// terminalLogout is POST /terminal/logout.
func (s *Server) terminalLogout(w http.ResponseWriter, r *http.Request) {
	if _, token, ok := s.terminalDevice(w, r); !ok || (token != "" && !hmac.Equal([]byte(r.PostFormValue("csrf_token")), []byte(terminalCSRF(token)))) {
		if ok {
			http.Error(w, "bad CSRF token", http.StatusForbidden)
		}
		return
	}
	s.setTerminalCookie(w, r, "", -1)
	http.Redirect(w, r, "/terminal", http.StatusSeeOther)
}

// terminalResult is POST /terminal/checkouts/{sessionId}: Approve or
// Decline. In test mode an approval is the simulator's card; a decline is
// card_declined.
func (s *Server) terminalResult(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	d, token, ok := s.terminalDevice(w, r)
	if !ok {
		return
	}
	if d == nil {
		http.Redirect(w, r, "/terminal", http.StatusSeeOther)
		return
	}
	data := &terminalData{Nonce: checkout.RandomString(22)}
	if !hmac.Equal([]byte(r.PostFormValue("csrf_token")), []byte(terminalCSRF(token))) {
		s.terminalFor(r, d, token, data)
		data.Alert = "This form has expired. Try again."
		s.renderTerminal(w, r, data, http.StatusForbidden)
		return
	}
	o := service.DeviceOutcome{Outcome: r.PostFormValue("outcome")}
	switch o.Outcome {
	case service.OutcomeApproved:
		o.Brand, o.Last4 = "visa", "4242"
	case service.OutcomeDeclined:
		o.Reason = "card_declined"
	}
	_, err := s.svc.ReportDeviceResult(context.WithoutCancel(r.Context()), d, r.PathValue("sessionId"), o)
	if err != nil {
		s.terminalFor(r, d, token, data)
		data.Alert = "The payment could not be updated."
		if e, ok := err.(*checkout.Error); ok && e.Kind != checkout.KindInternal {
			data.Alert += " " + e.Message
		} else {
			s.log.Error("terminal: reporting failed", "err", err, "request_id", requestID(r.Context()))
		}
		s.renderTerminal(w, r, data, http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/terminal", http.StatusSeeOther)
}

// terminalStream is GET /terminal/stream: a "change" event whenever the
// device's waiting payments change, for the page's script to reload.
func (s *Server) terminalStream(w http.ResponseWriter, r *http.Request) {
	d, _, ok := s.terminalDevice(w, r)
	if !ok {
		return
	}
	if d == nil {
		s.writeError(w, r, checkout.Errorf(checkout.KindUnauthorized, "device_token_invalid", "sign in on /terminal first"))
		return
	}
	conn := r.Context()
	ctx := context.WithoutCancel(conn)
	seen := func() string {
		pushes, _ := s.svc.DevicePushes(ctx, d.Scope(), d.ID)
		return pushesSeen(pushes)
	}
	// What the page showed (?seen=, see terminalFor); without it, what
	// there is now.
	first := r.URL.Query().Get("seen")
	if first == "" {
		first = seen()
	}
	rc, shutdown, ok := s.openStream(w, r)
	if !ok {
		return
	}
	s.followDevice(conn, shutdown, w, rc, d, func() bool {
		// A device revoked meanwhile, or its waiting payments changed:
		// the page reloads (signed out, or showing them).
		active, err := s.svc.DeviceActive(ctx, d.Scope(), d.ID)
		if err != nil || !active || seen() != first {
			_, _ = io.WriteString(w, "event: change\ndata: {}\n\n")
			_ = rc.Flush()
			return false
		}
		return true
	})
}

// pushesSeen names a list of waiting payments by their ids, in order: the
// same payments, the same name. It is a digest so that the stream's URL
// stays short however many wait.
func pushesSeen(pushes []service.DevicePush) string {
	h := sha256.New()
	for _, p := range pushes {
		io.WriteString(h, p.Payment.ID+"\n")
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

func (s *Server) renderTerminal(w http.ResponseWriter, r *http.Request, data *terminalData, status int) {
	var buf bytes.Buffer
	if err := terminalTemplate.ExecuteTemplate(&buf, "terminal", data); err != nil {
		s.log.Error("rendering the terminal failed", "request_id", requestID(r.Context()), "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	csp := "default-src 'none'; style-src 'nonce-" + data.Nonce + "'; script-src 'nonce-" + data.Nonce + "'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
