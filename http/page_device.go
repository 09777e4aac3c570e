package http

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// The in_store method on the hosted page: once the customer chooses it (or
// the session, in_store only, was pushed at creation) the page says to
// finish at the counter, and moves on by itself when the device reports:
// with JavaScript through server-sent events (…/device/{payment}/events),
// without it by a meta refresh. The device's outcome is the payment's; the
// session's own page then says what became of it.

// deviceRefreshSeconds is how often the waiting page reloads without
// JavaScript.
const deviceRefreshSeconds = 5

// Customer-side wait timing; variables so that tests could shorten them.
var (
	devicePagePoll      = time.Second
	devicePageKeepAlive = 15 * time.Second
)

var deviceMessages = map[string]map[string]string{
	"en": {
		"in_store":          "Pay in store",
		"in_store_get":      "Pay at the counter",
		"device_title":      "Finish at the counter",
		"device_body":       "Present your card on the terminal at the counter. This page moves on by itself once the payment is done.",
		"device_waiting":    "Waiting for the terminal…",
		"device_failed":     "The payment at the counter did not go through. You can try again.",
		"device_timeout":    "The terminal did not answer in time. You can try again.",
		"device_other_way":  "Pay another way",
		"device_wait_again": "Show the waiting payment",
	},
	"pt": {
		"in_store":          "Pagar na loja",
		"in_store_get":      "Pagar ao balcão",
		"device_title":      "Conclua ao balcão",
		"device_body":       "Apresente o seu cartão no terminal do balcão. Esta página avança sozinha quando o pagamento estiver feito.",
		"device_waiting":    "À espera do terminal…",
		"device_failed":     "O pagamento ao balcão não foi concluído. Pode tentar de novo.",
		"device_timeout":    "O terminal não respondeu a tempo. Pode tentar de novo.",
		"device_other_way":  "Pagar de outra forma",
		"device_wait_again": "Ver o pagamento em espera",
	},
	"fr": {
		"in_store":          "Payer en magasin",
		"in_store_get":      "Payer au comptoir",
		"device_title":      "Terminez au comptoir",
		"device_body":       "Présentez votre carte sur le terminal au comptoir. Cette page avance d'elle-même une fois le paiement fait.",
		"device_waiting":    "En attente du terminal…",
		"device_failed":     "Le paiement au comptoir n'a pas abouti. Vous pouvez réessayer.",
		"device_timeout":    "Le terminal n'a pas répondu à temps. Vous pouvez réessayer.",
		"device_other_way":  "Payer autrement",
		"device_wait_again": "Voir le paiement en attente",
	},
}

func init() {
	for lang, m := range deviceMessages {
		for k, v := range m {
			if _, taken := messages[lang][k]; !taken {
				messages[lang][k] = v
			}
		}
	}
}

// devicePath is the waiting page of payment p of sess.
func devicePath(sess *checkout.Session, p *checkout.Payment) string {
	return pagePath(sess) + "/device/" + p.ID
}

// waitingOnDevice reports whether p waits on an in-store device.
func waitingOnDevice(p *checkout.Payment) bool {
	return p != nil && p.Status == checkout.PaymentRequiresAction && p.Action != nil && p.Action.Kind == checkout.NextActionDevice
}

// pendingDevicePayment is sess's newest payment still waiting on a device;
// nil when none.
func (s *Server) pendingDevicePayment(r *http.Request, sess *checkout.Session) *checkout.Payment {
	if sess.CompanionDevice == "" {
		return nil
	}
	page, err := s.svc.ListPayments(r.Context(), sess.Scope(), checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 10}, SessionID: sess.ID})
	if err != nil {
		return nil
	}
	now := s.svc.Now()
	for _, p := range page.Items { // newest first
		if waitingOnDevice(p) && now.Before(p.Action.ExpiresAt) {
			return p
		}
	}
	return nil
}

// deviceOutcomeAlert is what the form says after the latest device payment
// of sess ended without paying; "" when it did not.
func (s *Server) deviceOutcomeAlert(r *http.Request, sess *checkout.Session, lang string) string {
	if sess.CompanionDevice == "" {
		return ""
	}
	page, err := s.svc.ListPayments(r.Context(), sess.Scope(), checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 1}, SessionID: sess.ID})
	if err != nil || len(page.Items) == 0 {
		return ""
	}
	p := page.Items[0]
	switch {
	case p.Method != checkout.MethodInStore || !p.Status.Final() || p.Status == checkout.PaymentSucceeded:
		return ""
	case p.FailureCode == "device_timeout":
		return tr(lang, "device_timeout")
	}
	return tr(lang, "device_failed")
}

// showDeviceWait is GET /checkout/{id}/device/{payment}: finish at the
// counter. Once the payment is final, or the session no longer open, the
// session's own page says what became of it.
func (s *Server) showDeviceWait(w http.ResponseWriter, r *http.Request) {
	sess, acct, err := s.svc.OpenSession(r.Context(), r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p, err := s.svc.FindPayment(r.Context(), r.PathValue("payment"))
	if err != nil || p.SessionID != sess.ID || !waitingOnDevice(p) || sess.Status != checkout.SessionOpen {
		http.Redirect(w, r, pagePath(sess), http.StatusSeeOther)
		return
	}
	d := s.pageFor(r, sess, acct)
	d.Kind, d.PaymentID, d.Title = "device", p.ID, tr(d.Lang, "device_title")
	d.Heading, d.Body, d.Notice = tr(d.Lang, "device_title"), tr(d.Lang, "device_body"), tr(d.Lang, "device_waiting")
	// Without JavaScript a reload now and then; with it, the events
	// stream (connect-src 'self') and one reload when it says so.
	d.Refresh, d.Script = deviceRefreshSeconds, true
	d.cspConnect = appendNew(d.cspConnect, "'self'")
	if len(sess.PaymentMethodTypes) > 1 {
		d.ContinueURL, d.ContinueLabel = pagePath(sess)+"?other=1", tr(d.Lang, "device_other_way")
	}
	s.renderPage(w, r, d, http.StatusOK, sess)
}

// deviceWaitEvents is GET /checkout/{id}/device/{payment}/events: one
// "done" event once the payment is no longer waiting on its device (or the
// session ended), heartbeats until then. It reveals nothing the page does
// not: the event carries no data beyond its name.
func (s *Server) deviceWaitEvents(w http.ResponseWriter, r *http.Request) {
	conn := r.Context()
	ctx := context.WithoutCancel(conn)
	id, payment := r.PathValue("id"), r.PathValue("payment")
	sess, _, err := s.svc.FindSessionPage(ctx, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if p, err := s.svc.FindPayment(ctx, payment); err != nil || p.SessionID != sess.ID {
		s.pageError(w, r, checkout.NotFound("payment", "payment", payment))
		return
	}
	done := func() bool {
		sess, _, err := s.svc.FindSessionPage(ctx, id)
		if err != nil {
			return true
		}
		p, err := s.svc.FindPayment(ctx, payment)
		return err != nil || !waitingOnDevice(p) || sess.StatusAt(s.svc.Now()) != checkout.SessionOpen
	}
	rc, shutdown, ok := s.openStream(w, r)
	if !ok {
		return
	}
	poll := time.NewTicker(devicePagePoll)
	defer poll.Stop()
	keepAlive := time.NewTicker(devicePageKeepAlive)
	defer keepAlive.Stop()
	for {
		if done() {
			_, _ = io.WriteString(w, "event: done\ndata: {}\n\n")
			_ = rc.Flush()
			return
		}
		select {
		case <-conn.Done():
			return
		case <-shutdown:
			return
		case <-poll.C:
		case <-keepAlive.C:
			if _, err := io.WriteString(w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		}
	}
}
