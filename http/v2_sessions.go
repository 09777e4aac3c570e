package http

import (
	"context"
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/http/params"
	"github.com/checkoutd/checkoutd/service"
)

// Seed 002's checkout sessions: /v2/checkout-sessions, with the same secret
// keys in x-api-key (s.v2). A session is for an invoice, a product or an
// amount; the dialect decodes into service.SessionParams, so every rule
// past the choice of source is the service's, and the session is one
// model: a session made here reads through /v1 and the other way round.
// Its shape is renderV2Session's.

// v2SessionBody is the create body, camelCase as the seed writes it.
// Pointers tell an absent field from a zero one.
type v2SessionBody struct {
	InvoiceID         *string
	ProductID         *string
	Quantity          *int64
	AmountMinor       *int64
	Currency          *string
	SuccessURL        string
	CancelURL         string
	AllowedMethods    []string
	CompanionDeviceID string
	Metadata          map[string]string
}

// decodeV2Session reads the create body (JSON, or a form as every
// params.Values room takes).
func decodeV2Session(r *http.Request) (*v2SessionBody, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, err
	}
	var b v2SessionBody
	if s, ok := v.String("invoiceId"); ok {
		b.InvoiceID = &s
	}
	if s, ok := v.String("productId"); ok {
		b.ProductID = &s
	}
	if n, ok := v.Int("quantity"); ok {
		b.Quantity = &n
	}
	if n, ok := v.Int("amountMinor"); ok {
		b.AmountMinor = &n
	}
	if s, ok := v.String("currency"); ok {
		b.Currency = &s
	}
	b.SuccessURL, _ = v.String("successUrl")
	b.CancelURL, _ = v.String("cancelUrl")
	b.AllowedMethods, _ = v.Strings("allowedMethods")
	b.CompanionDeviceID, _ = v.String("companionDeviceId")
	b.Metadata, _ = v.StringMap("metadata")
	if err := v.Err(); err != nil {
		return nil, err
	}
	return &b, nil
}

func (s *Server) createV2Session(r *http.Request, scope checkout.Scope) (any, error) {
	b, err := decodeV2Session(r)
	if err != nil {
		return nil, v2Decoded(err)
	}
	p, err := b.params()
	if err != nil {
		return nil, v2Decoded(err)
	}
	sess, err := s.svc.CreateSession(r.Context(), scope, p)
	if err != nil && b.ProductID != nil {
		// The session's one line is productId and quantity here.
		return nil, v2LineNames{err, v2ProductLine}
	}
	if err != nil {
		return nil, err
	}
	return s.v2SessionAnswer(r.Context(), sess), nil
}

// params checks the choice of source (exactly one of invoiceId, productId
// and amountMinor, with currency only beside amountMinor and quantity
// only beside productId) and returns the service's parameters.
func (b *v2SessionBody) params() (*service.SessionParams, error) {
	sources := v2Sources(b.InvoiceID != nil, b.ProductID != nil, b.AmountMinor != nil)
	switch {
	case len(sources) == 0:
		return nil, checkout.Invalid("amountMinor", "parameter_missing",
			"say what the session charges: invoiceId, productId (with an optional quantity), or amountMinor with currency")
	case len(sources) > 1:
		return nil, checkout.Invalid(sources[1], "parameter_unexpected",
			"give one of invoiceId, productId and amountMinor; got %s and %s", sources[0], sources[1])
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"invoiceId", b.InvoiceID}, {"productId", b.ProductID}} {
		if f.v != nil && *f.v == "" {
			return nil, checkout.Invalid(f.name, "parameter_invalid", "%s must not be empty", f.name)
		}
	}
	switch {
	case b.Currency != nil && b.AmountMinor == nil:
		return nil, checkout.Invalid("currency", "parameter_unexpected",
			"currency goes with amountMinor only: a session for %s charges in its currency", sources[0])
	case b.Currency == nil && b.AmountMinor != nil:
		return nil, checkout.Invalid("currency", "parameter_missing", "currency is required with amountMinor (e.g. USD)")
	case b.Quantity != nil && b.ProductID == nil:
		return nil, checkout.Invalid("quantity", "parameter_unexpected", "quantity goes with productId only")
	case b.AllowedMethods != nil && len(b.AllowedMethods) == 0:
		return nil, checkout.Invalid("allowedMethods", "parameter_invalid", "allowedMethods lists at least one method: card, in_store")
	}
	p := &service.SessionParams{SuccessURL: b.SuccessURL, CancelURL: b.CancelURL, PaymentMethodTypes: b.AllowedMethods,
		CompanionDevice: b.CompanionDeviceID, Metadata: b.Metadata, Amount: b.AmountMinor}
	switch {
	case b.InvoiceID != nil:
		p.Invoice = *b.InvoiceID
	case b.ProductID != nil:
		q := int64(1)
		if b.Quantity != nil {
			q = *b.Quantity
		}
		p.LineItems = []service.LineItemParams{{Product: *b.ProductID, Quantity: &q}}
	default:
		p.Currency = *b.Currency
	}
	return p, nil
}

func (s *Server) getV2Session(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, v2Decoded(err)
	}
	sess, err := s.svc.GetSession(r.Context(), scope, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return s.v2SessionAnswer(r.Context(), sess), nil
}

// v2SessionAnswer is sess in seed 002's shape with its device push.
func (s *Server) v2SessionAnswer(ctx context.Context, sess *checkout.Session) *v2Session {
	out := renderV2Session(sess, s.svc.PublicURL())
	out.DevicePush = v2DevicePushOf(s.svc.DevicePush(ctx, sess))
	return out
}

// expireV2Session expires an open session now; a completed or expired one
// is the canonical state error (400), saying why.
func (s *Server) expireV2Session(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, v2Decoded(err)
	}
	sess, err := s.svc.ExpireSession(r.Context(), scope, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return s.v2SessionAnswer(r.Context(), sess), nil
}

// v2Statuses are the dialect's list filters: its four statuses.
var v2Statuses = map[string]checkout.SessionStatus{
	"open": checkout.SessionOpen, "completed": checkout.SessionComplete, "expired": checkout.SessionExpired,
	"canceled": checkout.SessionCanceled,
}

// v2SessionFilter is the list's filter, with a status the dialect does not
// name kept aside for fetch to refuse (after the cursor's own checks).
type v2SessionFilter struct {
	checkout.SessionFilter
	badStatus *string
}

func (s *Server) listV2Sessions(r *http.Request, scope checkout.Scope) (any, error) {
	return v2ListOf(r, scope, func(v *params.Values, p checkout.ListParams) v2SessionFilter {
		f := v2SessionFilter{SessionFilter: checkout.SessionFilter{ListParams: p}}
		if st, ok := v.String("status"); ok {
			if canonical, ok := v2Statuses[st]; ok {
				f.Status = canonical
			} else {
				f.badStatus = &st
			}
		}
		return f
	}, func(ctx context.Context, scope checkout.Scope, f v2SessionFilter) (checkout.Page[*checkout.Session], error) {
		if f.badStatus != nil {
			return checkout.Page[*checkout.Session]{}, checkout.Invalid("status", "parameter_invalid", "status must be one of open, completed, expired, canceled; got '%s'", *f.badStatus)
		}
		return s.svc.ListSessions(ctx, scope, f.SessionFilter)
	}, func(sess *checkout.Session) *v2Session { return s.v2SessionAnswer(r.Context(), sess) })
}
