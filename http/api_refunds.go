package http

import (
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/http/params"
	"github.com/checkoutd/checkoutd/service"
)

// Refunds, the canonical API's /v1/refunds.

type refundJSON struct {
	ID       string `json:"id"`
	Object   string `json:"object"`
	Livemode bool   `json:"livemode"`
	Payment  string `json:"payment"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	// Reason is null when none was given (and for a refund made at the
	// gateway).
	Reason            *string           `json:"reason"`
	Status            string            `json:"status"`
	FailureCode       *string           `json:"failure_code"`
	FailureMessage    *string           `json:"failure_message"`
	Provider          string            `json:"provider"`
	ProviderReference *string           `json:"provider_reference"`
	Automatic         bool              `json:"automatic"`
	Source            string            `json:"source"`
	Metadata          map[string]string `json:"metadata"`
	// Created is unix seconds, as Stripe's; CreatedAt the same instant in
	// RFC 3339, as the canonical API's other objects.
	Created   int64  `json:"created"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func renderRefund(r *checkout.Refund) *refundJSON {
	md := r.Metadata
	if md == nil {
		md = map[string]string{}
	}
	return &refundJSON{ID: r.ID, Object: "refund", Livemode: r.Livemode, Payment: r.Payment, Amount: r.Amount,
		Currency: string(r.Currency), Reason: optString(string(r.Reason)), Status: string(r.Status),
		FailureCode: optString(r.FailureCode), FailureMessage: optString(r.FailureMessage),
		Provider: r.Provider, ProviderReference: optString(r.ProviderRef), Automatic: r.Automatic, Source: string(r.Source),
		Metadata: md, Created: r.Created.Unix(), CreatedAt: rfc3339(r.Created), UpdatedAt: rfc3339(r.Updated)}
}

// createRefund is POST /v1/refunds. Under an Idempotency-Key a retry
// replays the refund as first answered (pending, if the provider could not
// be asked): it never makes a second refund.
func (s *Server) createRefund(r *http.Request, scope checkout.Scope) (any, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, err
	}
	p := &service.RefundParams{}
	p.Payment, _ = v.String("payment")
	if n, ok := v.Int("amount"); ok {
		p.Amount = &n
	}
	p.Reason, _ = v.String("reason")
	p.Metadata, _ = v.StringMap("metadata")
	if err := v.Err(); err != nil {
		return nil, err
	}
	re, err := s.svc.CreateRefund(r.Context(), scope, p)
	if err != nil {
		return nil, err
	}
	return renderRefund(re), nil
}

func (s *Server) getRefund(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	re, err := s.svc.GetRefund(r.Context(), scope, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return renderRefund(re), nil
}

func (s *Server) listRefunds(r *http.Request, scope checkout.Scope) (any, error) {
	return canonicalList(r, scope, "/v1/refunds", refundFilter, s.svc.ListRefunds, renderRefund)
}

func refundFilter(v *params.Values, p checkout.ListParams) service.RefundFilter {
	f := service.RefundFilter{ListParams: p}
	f.Payment, _ = v.String("payment")
	return f
}
