package http

import (
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/http/params"
)

type paymentJSON struct {
	ID              string          `json:"id"`
	Object          string          `json:"object"`
	Livemode        bool            `json:"livemode"`
	CheckoutSession string          `json:"checkout_session"`
	Provider        string          `json:"provider"`
	Method          string          `json:"method"`
	Status          string          `json:"status"`
	Amount          int64           `json:"amount"`
	Currency        string          `json:"currency"`
	Card            *cardJSON       `json:"card"`
	FailureCode     *string         `json:"failure_code"`
	FailureMessage  *string         `json:"failure_message"`
	NextAction      *nextActionJSON `json:"next_action"`
	CreatedAt       string          `json:"created_at"`
	UpdatedAt       string          `json:"updated_at"`
}

type cardJSON struct {
	Brand string `json:"brand"`
	Last4 string `json:"last4"`
}

type nextActionJSON struct {
	Type      string  `json:"type"`
	Entity    *string `json:"entity"`
	Reference *string `json:"reference"`
	ExpiresAt *string `json:"expires_at"`
}

func renderPayment(p *checkout.Payment) *paymentJSON {
	out := &paymentJSON{
		ID: p.ID, Object: "payment", Livemode: p.Livemode, CheckoutSession: p.SessionID, Provider: p.Provider,
		Method: p.Method, Status: string(p.Status), Amount: p.Amount, Currency: string(p.Currency),
		FailureCode: optString(p.FailureCode), FailureMessage: optString(p.FailureMessage),
		CreatedAt: rfc3339(p.Created), UpdatedAt: rfc3339(p.Updated),
	}
	if p.CardLast4 != "" {
		out.Card = &cardJSON{Brand: p.CardBrand, Last4: p.CardLast4}
	}
	if a := p.Action; a != nil && p.Status == checkout.PaymentRequiresAction {
		out.NextAction = &nextActionJSON{Type: a.Type, Entity: optString(a.Entity), Reference: optString(a.Reference), ExpiresAt: optTime(a.ExpiresAt)}
	}
	return out
}

func (s *Server) getPayment(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	p, err := s.svc.GetPayment(r.Context(), scope, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return renderPayment(p), nil
}

func (s *Server) listPayments(r *http.Request, scope checkout.Scope) (any, error) {
	return canonicalList(r, scope, "/v1/payments", paymentFilter, s.svc.ListPayments, renderPayment)
}

func paymentFilter(v *params.Values, p checkout.ListParams) checkout.PaymentFilter {
	f := checkout.PaymentFilter{ListParams: p}
	f.SessionID, _ = v.String("checkout_session")
	return f
}

// settle is the test helper that pays (or lets expire) a pending voucher.
func (s *Server) settle(succeeded bool) apiFunc {
	return func(r *http.Request, scope checkout.Scope) (any, error) {
		if err := noParams(r); err != nil {
			return nil, err
		}
		p, err := s.svc.SettlePayment(r.Context(), scope, r.PathValue("id"), succeeded)
		if err != nil {
			return nil, err
		}
		return renderPayment(p), nil
	}
}

// showTestPayment is a test-mode page with buttons that settle a pending
// voucher, for trying the asynchronous flow by hand.
func (s *Server) showTestPayment(w http.ResponseWriter, r *http.Request) {
	p, sess, acct, ok := s.testPayment(w, r)
	if !ok {
		return
	}
	d := s.pageFor(r, sess, acct)
	d.Kind, d.Title, d.PaymentID, d.PaymentStatus = "testhelper", tr(d.Lang, "test_helper_title"), p.ID, string(p.Status)
	d.CanSettle = p.Status == checkout.PaymentRequiresAction && p.Action != nil && p.Action.Type == "multibanco_voucher"
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
