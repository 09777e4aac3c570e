package http

import (
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/http/params"
	"github.com/checkoutd/checkoutd/service"
)

// Payment links, the canonical API's /v1/payment_links.

type paymentLinkJSON struct {
	ID                 string              `json:"id"`
	Object             string              `json:"object"`
	Active             bool                `json:"active"`
	URL                string              `json:"url"`
	Amount             int64               `json:"amount"`
	Currency           string              `json:"currency"`
	LineItems          listJSON            `json:"line_items"`
	Description        *string             `json:"description"`
	PaymentMethodTypes []string            `json:"payment_method_types"`
	Reusable           bool                `json:"reusable"`
	ExpiresAt          *string             `json:"expires_at"`
	Restrictions       *restrictionsJSON   `json:"restrictions"`
	AfterCompletion    afterCompletionJSON `json:"after_completion"`
	Metadata           map[string]string   `json:"metadata"`
	Livemode           bool                `json:"livemode"`
	CompletedSessions  int64               `json:"completed_sessions"`
	// Created is unix seconds, as Stripe's; CreatedAt the same instant in
	// RFC 3339, as the canonical API's other objects.
	Created   int64  `json:"created"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

type restrictionsJSON struct {
	CompletedSessions completedSessionsJSON `json:"completed_sessions"`
}

type completedSessionsJSON struct {
	Limit int64 `json:"limit"`
	Count int64 `json:"count"`
}

// afterCompletionJSON is Stripe's shape: type "redirect" with its url, or
// "hosted_confirmation" (the session's own page, with the receipt).
type afterCompletionJSON struct {
	Type     string        `json:"type"`
	Redirect *redirectJSON `json:"redirect"`
}

type redirectJSON struct {
	URL string `json:"url"`
}

func (s *Server) renderLink(l *checkout.PaymentLink) *paymentLinkJSON {
	return renderLinkAt(l, s.svc.PublicURL())
}

// renderLinkAt is the API's JSON of l, whose URL is under publicURL.
func renderLinkAt(l *checkout.PaymentLink, publicURL string) *paymentLinkJSON {
	items := make([]lineItemJSON, len(l.LineItems))
	for i, li := range l.LineItems {
		items[i] = renderLineItem(li)
	}
	md := l.Metadata
	if md == nil {
		md = map[string]string{}
	}
	methods := l.PaymentMethodTypes
	if methods == nil {
		methods = []string{}
	}
	out := &paymentLinkJSON{ID: l.ID, Object: "payment_link", Active: l.Active, URL: service.LinkURL(publicURL, l.ID),
		Amount: l.Amount, Currency: string(l.Currency), LineItems: listJSON{Object: "list", Data: items, URL: "/v1/payment_links/" + l.ID},
		Description: optString(l.Description), PaymentMethodTypes: methods, Reusable: l.Reusable,
		ExpiresAt: optTime(l.ExpiresAt), AfterCompletion: afterCompletionJSON{Type: "hosted_confirmation"}, Metadata: md,
		Livemode: l.Livemode, CompletedSessions: l.CompletedSessions,
		Created: l.Created.Unix(), CreatedAt: rfc3339(l.Created), UpdatedAt: rfc3339(l.Updated)}
	if l.Limit > 0 {
		out.Restrictions = &restrictionsJSON{CompletedSessions: completedSessionsJSON{Limit: l.Limit, Count: l.CompletedSessions}}
	}
	if l.SuccessURL != "" {
		out.AfterCompletion = afterCompletionJSON{Type: "redirect", Redirect: &redirectJSON{URL: l.SuccessURL}}
	}
	return out
}

// decodeLinkParams reads the parameters of create and update; the service
// refuses on update the ones that cannot change. Every parameter not read
// here is refused by name.
func decodeLinkParams(v *params.Values) (*service.LinkParams, error) {
	p := &service.LinkParams{}
	if n, ok := v.Int("amount"); ok {
		p.Amount = &n
	}
	p.Currency, _ = v.String("currency")
	if d, ok := v.String("description"); ok {
		p.Description = &d
	}
	p.PaymentMethodTypes, _ = v.Strings("payment_method_types")
	p.Metadata, _ = v.StringMap("metadata")
	if b, ok := v.Bool("reusable"); ok {
		p.Reusable = &b
	}
	if b, ok := v.Bool("active"); ok {
		p.Active = &b
	}
	if t, ok := v.Time("expires_at"); ok {
		p.ExpiresAt = &t
	}
	if r, ok := v.Object("restrictions"); ok {
		if cs, ok := r.Object("completed_sessions"); ok {
			if n, ok := cs.Int("limit"); ok {
				p.Limit = &n
			}
		}
	}
	if ac, ok := v.Object("after_completion"); ok {
		typ, hasType := ac.String("type")
		if rd, ok := ac.Object("redirect"); ok {
			p.SuccessURL, _ = rd.String("url")
		}
		switch {
		case v.Err() != nil:
		case hasType && typ != "redirect" && typ != "hosted_confirmation":
			return nil, checkout.Invalid("after_completion[type]", "parameter_invalid", "after_completion[type] must be redirect or hosted_confirmation; got '%s'", typ)
		case typ == "hosted_confirmation" && p.SuccessURL != "":
			return nil, checkout.Invalid("after_completion[redirect][url]", "parameter_unexpected", "a hosted_confirmation has no redirect url")
		case (typ == "redirect" || !hasType) && p.SuccessURL == "":
			return nil, checkout.Invalid("after_completion[redirect][url]", "parameter_missing", "after_completion[redirect][url] is required for a redirect")
		}
	}
	p.LineItems = decodeLineItems(v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Server) createLink(r *http.Request, scope checkout.Scope) (any, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, err
	}
	p, err := decodeLinkParams(v)
	if err != nil {
		return nil, err
	}
	l, err := s.svc.CreatePaymentLink(r.Context(), scope, p)
	if err != nil {
		return nil, err
	}
	return s.renderLink(l), nil
}

func (s *Server) updateLink(r *http.Request, scope checkout.Scope) (any, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, err
	}
	p, err := decodeLinkParams(v)
	if err != nil {
		return nil, err
	}
	l, err := s.svc.UpdatePaymentLink(r.Context(), scope, r.PathValue("id"), p)
	if err != nil {
		return nil, err
	}
	return s.renderLink(l), nil
}

func (s *Server) getLink(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	l, err := s.svc.GetPaymentLink(r.Context(), scope, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return s.renderLink(l), nil
}

func (s *Server) listLinks(r *http.Request, scope checkout.Scope) (any, error) {
	return canonicalList(r, scope, "/v1/payment_links", onlyCursor, s.svc.ListPaymentLinks, s.renderLink)
}
