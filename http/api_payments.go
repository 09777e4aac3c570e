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
	AmountRefunded  int64           `json:"amount_refunded"`
	Currency        string          `json:"currency"`
	Card            *cardJSON       `json:"card"`
	FailureCode     *string         `json:"failure_code"`
	FailureMessage  *string         `json:"failure_message"`
	NextAction      *nextActionJSON `json:"next_action"`
	Deposit         *depositJSON    `json:"deposit"`
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
	// Device is the in-store device a "device" step waits on.
	Device string `json:"device,omitempty"`
}

func renderPayment(p *checkout.Payment) *paymentJSON {
	out := &paymentJSON{
		ID: p.ID, Object: "payment", Livemode: p.Livemode, CheckoutSession: p.SessionID, Provider: p.Provider,
		Method: string(p.Method), Status: string(p.Status), Amount: p.Amount, AmountRefunded: p.AmountRefunded, Currency: string(p.Currency),
		FailureCode: optString(p.FailureCode), FailureMessage: optString(p.FailureMessage),
		CreatedAt: rfc3339(p.Created), UpdatedAt: rfc3339(p.Updated),
		Deposit: renderDeposit(p.Deposit),
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
	case a.Kind == checkout.NextActionDevice:
		out.Device = a.DeviceID()
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
