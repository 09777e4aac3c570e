package http

import (
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// hostPayBody is POST /api/sessions/{id}/pay's body: a Stripe payment
// token, or a voucher method (Easypay, Ifthenpay).
type hostPayBody struct {
	SourceToken string `json:"sourceToken"`
	Method      string `json:"method"`
}

// payHostSession is seed 000's pay: called by the customer's page (the
// session id is the capability), it makes one payment attempt and answers
// the payment session: succeeded or failed, with redirectUrl when 3-D Secure
// is needed, with the voucher for Multibanco.
func (s *Server) payHostSession(w http.ResponseWriter, r *http.Request) {
	s.hostCORS(w, r)
	var b hostPayBody
	if err := decodeStrict(r, &b); err != nil {
		s.hostWriteError(w, r, err)
		return
	}
	pp := service.PayParams{}
	switch {
	case b.SourceToken != "" && b.Method != "":
		s.hostWriteError(w, r, checkout.Invalid("method", "parameter_unexpected", "send sourceToken (a card) or method (a voucher), not both"))
		return
	case b.SourceToken != "":
		pp.Method, pp.Token = checkout.MethodCard, b.SourceToken
	case b.Method != "":
		pp.Method = checkout.Method(b.Method)
	default:
		s.hostWriteError(w, r, checkout.Invalid("sourceToken", "parameter_missing", "send sourceToken (a Stripe PaymentMethod, pm_…) or method (multibanco)"))
		return
	}
	_, p, err := s.svc.Pay(r.Context(), r.PathValue("id"), pp)
	if err != nil {
		s.hostWriteError(w, r, hostSessionError(err))
		return
	}
	s.writeJSON(w, http.StatusOK, hostPayment(s.svc.PublicURL(), p))
}

// hostConfirmBody is POST /api/sessions/{id}/confirm's body.
type hostConfirmBody struct {
	ChargeID string `json:"chargeId"`
}

// confirmHostSession is seed 000's confirm, after a 3-D Secure redirect or
// an asynchronous confirmation: it answers the charge's state as recorded
// (the hosted challenge page, a gateway's verified callback or the test
// helpers record outcomes; the caller never decides one). A charge whose
// step the provider's script runs in the browser (Stripe.js and a client
// secret) is first confirmed with the provider, which is asked how it
// ended, as the page's return does. A charge of another session is not
// found; asking twice answers the same.
func (s *Server) confirmHostSession(w http.ResponseWriter, r *http.Request) {
	s.hostCORS(w, r)
	var b hostConfirmBody
	if err := decodeStrict(r, &b); err != nil {
		s.hostWriteError(w, r, err)
		return
	}
	if b.ChargeID == "" {
		s.hostWriteError(w, r, checkout.Invalid("chargeId", "parameter_missing", "chargeId is required: the payment session's id"))
		return
	}
	sess, _, err := s.svc.FindSessionPage(r.Context(), r.PathValue("id"))
	if err != nil {
		s.hostWriteError(w, r, hostSessionError(err))
		return
	}
	p, err := s.svc.FindSessionCharge(r.Context(), sess.ID, b.ChargeID)
	if checkout.IsKind(err, checkout.KindNotFound) {
		err = &checkout.Error{Kind: checkout.KindNotFound, Code: "charge_not_found", Param: "chargeId", Message: "no charge '" + b.ChargeID + "' in this session"}
	}
	if err == nil && p.Status == checkout.PaymentRequiresAction && inBrowserStep(p.Action) {
		var confirmed *checkout.Payment
		_, confirmed, err = s.svc.ConfirmPayment(r.Context(), sess.ID, p.ID, checkout.ConfirmRequest{Completed: true})
		switch {
		case err == nil:
			p = confirmed
		case checkout.IsKind(err, checkout.KindState):
			// Settled meanwhile (the webhook came first): as recorded.
			p, err = s.svc.FindPayment(r.Context(), p.ID)
		}
	}
	if err != nil {
		s.hostWriteError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, hostPayment(s.svc.PublicURL(), p))
}

// hostSessionError words the service's refusals of a session as seed 000's
// callers look for them: session_expired after expiry.
func hostSessionError(err error) error {
	e, ok := err.(*checkout.Error)
	switch {
	case ok && e.Kind == checkout.KindNotFound && e.Param == "":
		return &checkout.Error{Kind: checkout.KindNotFound, Code: "session_not_found", Message: "no such session"}
	case ok && e.Code == "checkout_session_expired":
		return &checkout.Error{Kind: checkout.KindState, Code: "session_expired", Message: "this checkout session has expired and can no longer be paid"}
	case ok && e.Param == "payment_token":
		c := *e
		c.Param = "sourceToken"
		return &c
	}
	return err
}
