package http

import (
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// Seed 002's /v2/checkout-links: reusable URLs that mint a checkout
// session on each visit, over the canonical payment links
// (/v1/payment_links). A link sells one product (productId, quantity: at
// the product's price at each visit) or a fixed amount (amountMinor and
// currency); its url is /l/{id}, with the canonical links' limits and
// pages.

// decodeV2Link reads the fields of create. Exactly one source: none is
// refused naming amountMinor, both naming amountMinor (the second), a
// currency beside productId naming currency (the product's is used).
func decodeV2Link(r *http.Request) (*service.LinkParams, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, err
	}
	yes := true
	p := &service.LinkParams{Reusable: &yes}
	product, hasProduct := v.String("productId")
	quantity, hasQuantity := v.Int("quantity")
	if n, ok := v.Int("amountMinor"); ok {
		p.Amount = &n
	}
	p.Currency, _ = v.String("currency")
	p.SuccessURL, _ = v.String("successUrl")
	p.PaymentMethodTypes, _ = v.Strings("allowedMethods")
	if n, ok := v.Int("maxCompletedSessions"); ok {
		p.Limit = &n
	}
	if t, ok := v.Time("expiresAt"); ok {
		p.ExpiresAt = &t
	}
	if s, ok := v.String("description"); ok {
		p.Description = &s
	}
	p.Metadata, _ = v.StringMap("metadata")
	if err := v.Err(); err != nil {
		return nil, err
	}
	sources := v2Sources(false, hasProduct, p.Amount != nil)
	switch {
	case hasProduct && product == "":
		return nil, checkout.Invalid("productId", "parameter_invalid_empty", "productId cannot be empty")
	case len(sources) > 1:
		return nil, checkout.Invalid(sources[1], "parameter_unexpected", "give productId, or amountMinor and currency, not both")
	case hasProduct && p.Currency != "":
		return nil, checkout.Invalid("currency", "parameter_unexpected", "a link for a product sells in the product's currency; leave currency out")
	case len(sources) == 0:
		return nil, checkout.Invalid("amountMinor", "parameter_missing", "give productId, or amountMinor and currency")
	case !hasProduct && hasQuantity:
		return nil, checkout.Invalid("quantity", "parameter_unexpected", "quantity is the number of the product (productId) a visit buys; an amountMinor link has none")
	case !hasProduct && p.Currency == "":
		return nil, checkout.Invalid("currency", "parameter_missing", "currency is required with amountMinor")
	}
	if hasProduct {
		if !hasQuantity {
			quantity = 1
		}
		p.LineItems = []service.LineItemParams{{Product: product, Quantity: &quantity}}
	}
	return p, nil
}

func (s *Server) createV2Link(r *http.Request, scope checkout.Scope) (any, error) {
	p, err := decodeV2Link(r)
	if err != nil {
		return nil, v2Decoded(err)
	}
	return s.v2LinkAnswer(s.svc.CreatePaymentLink(r.Context(), scope, p))
}

// updateV2Link sets a link's active (and its description and metadata,
// as the canonical update does); every other field is refused by name:
// a link's price and limits are made once.
func (s *Server) updateV2Link(r *http.Request, scope checkout.Scope) (any, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, v2Decoded(err)
	}
	for _, f := range []string{"productId", "quantity", "amountMinor", "currency", "successUrl", "allowedMethods", "maxCompletedSessions", "expiresAt"} {
		if v.Has(f) {
			return nil, v2Decoded(checkout.Invalid(f, "parameter_unknown", "a checkout link's %s cannot be changed; create a new link (active, description and metadata can change)", f))
		}
	}
	p := &service.LinkParams{}
	if b, ok := v.Bool("active"); ok {
		p.Active = &b
	}
	if s, ok := v.String("description"); ok {
		p.Description = &s
	}
	p.Metadata, _ = v.StringMap("metadata")
	if err := v.Err(); err != nil {
		return nil, v2Decoded(err)
	}
	return s.v2LinkAnswer(s.svc.UpdatePaymentLink(r.Context(), scope, r.PathValue("id"), p))
}

func (s *Server) getV2Link(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, v2Decoded(err)
	}
	return s.v2LinkAnswer(s.svc.GetPaymentLink(r.Context(), scope, r.PathValue("id")))
}

func (s *Server) listV2Links(r *http.Request, scope checkout.Scope) (any, error) {
	return v2ListOf(r, scope, onlyCursor, s.svc.ListPaymentLinks, s.renderV2Link)
}

func (s *Server) renderV2Link(l *checkout.PaymentLink) *v2Link {
	return renderV2Link(l, s.svc.PublicURL())
}

func (s *Server) v2LinkAnswer(l *checkout.PaymentLink, err error) (any, error) {
	if err != nil {
		return nil, v2LineNames{err, v2ProductLine}
	}
	return s.renderV2Link(l), nil
}
