package http

import (
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
)

// inBrowserStep reports whether a is a next action the payment's provider
// finishes with its own script on the page (Stripe.js and a client secret).
func inBrowserStep(a *checkout.NextAction) bool {
	return a != nil && a.Kind == checkout.NextActionClientSecret && a.ClientSecret != nil && a.ClientSecret.Secret != ""
}

// pageDataNames are the data-* attributes the page writes on a provider
// script's mount point itself; a provider's Data cannot replace them.
var pageDataNames = []string{"amount", "currency", "client-secret", "return", "loading", "failed"}

// sdkData writes a provider's PageSpec.Data as data-* attributes. The
// names come from the provider's code, yet html/template cannot check an
// attribute name given whole, so only [a-z0-9-] names are written (others
// are left out); values are escaped. Sorted, so a page is the same twice.
func sdkData(data map[string]string) template.HTMLAttr {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(data)) {
		if k == "" || strings.Trim(k, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" || k[0] == '-' || slices.Contains(pageDataNames, k) {
			continue
		}
		b.WriteString(" data-" + k + `="` + template.HTMLEscapeString(data[k]) + `"`)
	}
	return template.HTMLAttr(b.String())
}

// showNextAction is the page of a payment whose provider finishes its next
// action in the browser: it says the payment is being confirmed while the
// provider's script (Stripe.js's handleNextAction, with the payment's
// client secret) runs the step — a 3-D Secure challenge, say — and then
// sends the customer to the payment's return route, where checkoutd asks
// the provider how it ended. Only this page gets the provider's CSP
// sources besides the form; a payment of another session is not found, one
// that awaits no such step goes to the payment page.
func (s *Server) showNextAction(w http.ResponseWriter, r *http.Request) {
	sess, acct, err := s.svc.OpenSession(r.Context(), r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p, ok := s.sessionPayment(w, r, sess)
	if !ok {
		return
	}
	if sess.Status != checkout.SessionOpen || p.Status != checkout.PaymentRequiresAction || !inBrowserStep(p.Action) {
		http.Redirect(w, r, pagePath(sess), http.StatusSeeOther)
		return
	}
	// The provider that holds the payment describes its script, even if
	// the account would choose another today.
	spec, err := s.svc.PaymentPage(r.Context(), p)
	if err != nil || len(spec.Scripts) == 0 {
		if err != nil && !checkout.IsKind(err, checkout.KindState) {
			s.pageError(w, r, err)
			return
		}
		// The provider is no longer available to the account: nothing can
		// run the step, so the customer goes back to the form.
		http.Redirect(w, r, pagePath(sess), http.StatusSeeOther)
		return
	}
	d := s.pageFor(r, sess, acct)
	d.Kind, d.Script, d.Title = "action", true, tr(d.Lang, "confirming_title")
	d.ClientSecret, d.ReturnPath, d.SDKData = p.Action.ClientSecret.Secret, pagePath(sess)+"/return/"+p.ID, sdkData(spec.Data)
	d.Scripts, d.cspScript, d.cspFrame, d.cspConnect = spec.Scripts, spec.ScriptSrc, spec.FrameSrc, spec.ConnectSrc
	d.ContinueURL, d.ContinueLabel = pagePath(sess), tr(d.Lang, "back_to_form")
	s.renderPage(w, r, d, http.StatusOK, sess)
}

// paymentReturn is where a customer comes back to after a payment's next
// action: from the action page once the provider's script is done, or sent
// by the provider itself (Stripe adds ?payment_intent=…&redirect_status=…).
// The payment's provider decides the outcome, asked by checkoutd; what the
// query says is handed to it and never believed on its own. The answer is
// a 303, as after paying: success_url when the payment succeeded, the form
// with the reason after a decline, otherwise the payment page (a payment
// already settled, by the provider's webhook say, just goes there). A
// payment of another session is not found.
func (s *Server) paymentReturn(w http.ResponseWriter, r *http.Request) {
	sess, acct, err := s.svc.FindSessionPage(r.Context(), r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p, ok := s.sessionPayment(w, r, sess)
	if !ok {
		return
	}
	if p.Action.IsChallenge() {
		// The simulator's challenge is answered on its own page, never
		// taken as passed by coming back here.
		http.Redirect(w, r, pagePath(sess)+"/3ds/"+p.ID, http.StatusSeeOther)
		return
	}
	if !s.payLimit.allow(limitKey(s.clientIP(r)), s.svc.Now()) {
		// Each return asks the provider: held to the limit of payments.
		d := s.pageFor(r, sess, acct)
		d.Alert = tr(d.Lang, "rate_limited")
		w.Header().Set("Retry-After", "60")
		s.renderState(w, r, sess, d, http.StatusTooManyRequests)
		return
	}
	params := map[string]string{}
	for k, v := range r.URL.Query() {
		params[k] = v[0]
	}
	lang := pageLanguage(sess.Locale, r.Header.Get("Accept-Language"))
	sess2, p2, err := s.svc.ConfirmPayment(r.Context(), sess.ID, p.ID, checkout.ConfirmRequest{Completed: true, Params: params})
	if err != nil {
		if checkout.IsKind(err, checkout.KindState) || checkout.IsKind(err, checkout.KindNotFound) {
			http.Redirect(w, r, pagePath(sess), http.StatusSeeOther)
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.afterPayment(w, r, sess2, lang, nil, p2)
}

// sessionPayment reads the payment the path names, which must be sess's:
// otherwise it answers the page's 404 itself.
func (s *Server) sessionPayment(w http.ResponseWriter, r *http.Request, sess *checkout.Session) (*checkout.Payment, bool) {
	p, err := s.svc.FindPayment(r.Context(), r.PathValue("payment"))
	if err == nil && p.SessionID != sess.ID {
		err = checkout.ErrNotFound
	}
	if err != nil {
		s.pageError(w, r, err)
		return nil, false
	}
	return p, true
}
