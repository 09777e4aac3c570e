package http

import (
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
)

// showTestPayment is a test-mode page with buttons that settle a pending
// voucher, for trying the asynchronous flow by hand.
func (s *Server) showTestPayment(w http.ResponseWriter, r *http.Request) {
	p, sess, acct, ok := s.testPayment(w, r)
	if !ok {
		return
	}
	d := s.pageFor(r, sess, acct)
	// The status stays the API's own word (requires_action, failed): it is
	// what a developer looks for in the API, so it is not translated.
	d.Kind, d.Title, d.PaymentID, d.PaymentStatus = "testhelper", tr(d.Lang, "test_helper_title"), p.ID, string(p.Status)
	d.CanSettle = p.Status == checkout.PaymentRequiresAction && p.Action != nil &&
		(p.Action.Kind == checkout.NextActionVoucher || p.Action.Kind == checkout.NextActionDepositAddress)
	s.renderPage(w, r, d, http.StatusOK, nil)
}

func (s *Server) settleTestPayment(w http.ResponseWriter, r *http.Request) {
	p, sess, _, ok := s.testPayment(w, r)
	if !ok {
		return
	}
	r.SetPathValue("id", sess.ID)
	if _, _, ok := s.pagePost(w, r); !ok {
		return
	}
	if _, err := s.svc.SettlePayment(r.Context(), p.Scope(), p.ID, r.PostFormValue("result") == "succeed"); err != nil && !checkout.IsKind(err, checkout.KindState) {
		s.pageError(w, r, err)
		return
	}
	if p.Deposit != nil && r.PostFormValue("from") == "deposit" {
		// The deposit page's "Simulate transfer": back to the session's
		// page, which shows what the settlement did.
		http.Redirect(w, r, pagePath(sess), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/test/payments/"+p.ID, http.StatusSeeOther)
}

// testPayment loads a test-mode payment for the test helper page; live
// payments do not exist as far as this page is concerned.
func (s *Server) testPayment(w http.ResponseWriter, r *http.Request) (*checkout.Payment, *checkout.Session, *checkout.Account, bool) {
	p, err := s.svc.FindPayment(r.Context(), r.PathValue("id"))
	if err == nil && p.Livemode {
		err = checkout.ErrNotFound
	}
	if err != nil {
		s.pageError(w, r, err)
		return nil, nil, nil, false
	}
	sess, acct, err := s.svc.FindSessionPage(r.Context(), p.SessionID)
	if err != nil {
		s.pageError(w, r, err)
		return nil, nil, nil, false
	}
	return p, sess, acct, true
}
