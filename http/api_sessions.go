package http

import (
	"context"
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/http/params"
	"github.com/checkoutd/checkoutd/service"
)

func (s *Server) createSession(r *http.Request, scope checkout.Scope) (any, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, err
	}
	p, err := decodeSessionParams(v)
	if err != nil {
		return nil, err
	}
	sess, err := s.svc.CreateSession(r.Context(), scope, p)
	if err != nil {
		return nil, err
	}
	return s.renderSession(r.Context(), sess), nil
}

// decodeSessionParams reads seed 001's create parameters, plus Stripe's
// line_items and friends. Every parameter not read here is refused by name.
func decodeSessionParams(v *params.Values) (*service.SessionParams, error) {
	p := &service.SessionParams{}
	if n, ok := v.Int("amount"); ok {
		p.Amount = &n
	}
	p.Currency, _ = v.String("currency")
	p.SuccessURL, _ = v.String("success_url")
	p.CancelURL, _ = v.String("cancel_url")
	p.Customer, _ = v.String("customer")
	p.CustomerEmail, _ = v.String("customer_email")
	p.CustomerPhone, _ = v.String("customer_phone")
	p.PaymentMethodTypes, _ = v.Strings("payment_method_types")
	p.Metadata, _ = v.StringMap("metadata")
	if t, ok := v.Time("expires_at"); ok {
		p.ExpiresAt = &t
	}
	p.ClientReferenceID, _ = v.String("client_reference_id")
	p.Locale, _ = v.String("locale")
	p.Description, _ = v.String("description")
	p.Mode, _ = v.String("mode")
	p.Provider, _ = v.String("provider")
	p.Collect = decodeCollect(v)
	p.LineItems = decodeLineItems(v)
	p.Discounts = decodeDiscounts(v, "discounts", "promotion_code")
	p.AllowPromotionCodes, _ = v.Bool("allow_promotion_codes")
	p.SupportedTokens = decodeSupportedTokens(v)
	p.Invoice, _ = v.String("invoice")
	p.CompanionDevice, _ = v.String("companion_device")
	if err := v.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Server) getSession(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	sess, err := s.svc.GetSession(r.Context(), scope, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return s.renderSession(r.Context(), sess), nil
}

func (s *Server) listSessions(r *http.Request, scope checkout.Scope) (any, error) {
	return canonicalList(r, scope, "/v1/checkout/sessions", sessionFilter, s.svc.ListSessions,
		func(sess *checkout.Session) *sessionJSON { return s.renderSession(r.Context(), sess) })
}

func sessionFilter(v *params.Values, p checkout.ListParams) checkout.SessionFilter {
	f := checkout.SessionFilter{ListParams: p}
	status, _ := v.String("status")
	f.Status = checkout.SessionStatus(status)
	f.Customer, _ = v.String("customer")
	f.Payment, _ = v.String("payment")
	f.CustomerEmail, _ = v.String("customer_email")
	f.PaymentLink, _ = v.String("payment_link")
	if created, ok := v.Object("created"); ok {
		f.CreatedGTE, _ = created.Time("gte")
		f.CreatedLTE, _ = created.Time("lte")
	}
	return f
}

func (s *Server) expireSession(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	sess, err := s.svc.ExpireSession(r.Context(), scope, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return s.renderSession(r.Context(), sess), nil
}

// listLineItems pages through a session's line items, Stripe's
// /line_items sub-list.
func (s *Server) listLineItems(r *http.Request, scope checkout.Scope) (any, error) {
	id := r.PathValue("id")
	var discounts []checkout.Discount // the session's, for each item's share
	render := func(li checkout.LineItem) lineItemJSON { return renderSessionLineItem(li, discounts) }
	return canonicalList(r, scope, "/v1/checkout/sessions/"+id+"/line_items", onlyCursor, s.lineItemPage(id, &discounts), render)
}

// lineItemPage returns the fetch of session id's line items: they come with
// the session, so paging is here, and forward only. It sets *discounts to
// the session's.
func (s *Server) lineItemPage(id string, discounts *[]checkout.Discount) func(context.Context, checkout.Scope, checkout.ListParams) (checkout.Page[checkout.LineItem], error) {
	return func(ctx context.Context, scope checkout.Scope, p checkout.ListParams) (checkout.Page[checkout.LineItem], error) {
		var page checkout.Page[checkout.LineItem]
		if p.Limit < 1 || p.Limit > service.MaxListLimit {
			return page, checkout.Invalid("limit", "parameter_invalid_integer", "limit must be between 1 and %d; got %d", service.MaxListLimit, p.Limit)
		}
		if p.EndingBefore != "" {
			return page, checkout.Invalid("ending_before", "parameter_unknown", "line items page forward only; use starting_after")
		}
		sess, err := s.svc.GetSession(ctx, scope, id)
		if err != nil {
			return page, err
		}
		*discounts = sess.Discounts
		all := sess.LineItems
		start := 0
		if p.StartingAfter != "" {
			start = -1
			for i, li := range all {
				if li.ID == p.StartingAfter {
					start = i + 1
				}
			}
			if start < 0 {
				return page, checkout.NotFound("starting_after", "line item", p.StartingAfter)
			}
		}
		page.Items = all[start:]
		if page.HasMore = len(page.Items) > p.Limit; page.HasMore {
			page.Items = page.Items[:p.Limit]
		}
		return page, nil
	}
}

// decodeLineItems reads line_items in Stripe's price_data shape, as sessions
// and payment links take them.
func decodeLineItems(v *params.Values) []service.LineItemParams {
	var out []service.LineItemParams
	items, _ := v.List("line_items")
	for _, it := range items {
		var li service.LineItemParams
		if n, ok := it.Int("quantity"); ok {
			li.Quantity = &n
		}
		li.Product, _ = it.String("product")
		if pd, ok := it.Object("price_data"); ok {
			li.Currency, _ = pd.String("currency")
			if n, ok := pd.Int("unit_amount"); ok {
				li.UnitAmount = &n
			}
			if prod, ok := pd.Object("product_data"); ok {
				li.Name, _ = prod.String("name")
				li.Description, _ = prod.String("description")
				li.Images, _ = prod.Strings("images")
			}
		}
		out = append(out, li)
	}
	return out
}
