package http

import (
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
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
		Method: string(p.Method), Status: string(p.Status), Amount: p.Amount, Currency: string(p.Currency),
		FailureCode: optString(p.FailureCode), FailureMessage: optString(p.FailureMessage),
		CreatedAt: rfc3339(p.Created), UpdatedAt: rfc3339(p.Updated),
	}
	if p.CardLast4 != "" {
		out.Card = &cardJSON{Brand: p.CardBrand, Last4: p.CardLast4}
	}
	if a := p.Action; a != nil && p.Status == checkout.PaymentRequiresAction {
		out.NextAction = renderNextAction(p.Method, a)
	}
	return out
}

// renderNextAction is the API's next_action of a payment of method m. The
// simulator's challenge is "three_d_secure" and a voucher is
// "<method>_voucher", as they always were; other kinds go by their name.
func renderNextAction(m checkout.Method, a *checkout.NextAction) *nextActionJSON {
	out := &nextActionJSON{Type: string(a.Kind), ExpiresAt: optTime(a.ExpiresAt)}
	switch {
	case a.IsChallenge():
		out.Type = "three_d_secure"
	case a.Kind == checkout.NextActionVoucher && a.Voucher != nil:
		out.Type = string(m) + "_voucher"
		out.Entity, out.Reference = optString(a.Voucher.Entity), optString(a.Voucher.Reference)
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
	v, err := requestParams(r)
	if err != nil {
		return nil, err
	}
	f := checkout.PaymentFilter{ListParams: listParams(v, service.DefaultListLimit)}
	f.SessionID, _ = v.String("checkout_session")
	if err := v.Err(); err != nil {
		return nil, err
	}
	page, err := s.svc.ListPayments(r.Context(), scope, f)
	if err != nil {
		return nil, err
	}
	data := make([]*paymentJSON, len(page.Items))
	for i, p := range page.Items {
		data[i] = renderPayment(p)
	}
	return &listJSON{Object: "list", Data: data, HasMore: page.HasMore, URL: "/v1/payments"}, nil
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
	d.CanSettle = p.Status == checkout.PaymentRequiresAction && p.Action != nil && p.Action.Kind == checkout.NextActionVoucher
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
