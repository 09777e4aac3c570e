package http

import (
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/http/params"
	"github.com/checkoutd/checkoutd/service"
)

// Products, the canonical API's /v1/products: Stripe's product with its
// one price inline (unit_amount, currency), as seed 002's amountMinor.

type productJSON struct {
	ID          string            `json:"id"`
	Object      string            `json:"object"`
	Active      bool              `json:"active"`
	Name        string            `json:"name"`
	Description *string           `json:"description"`
	Images      []string          `json:"images"`
	UnitAmount  int64             `json:"unit_amount"`
	Currency    string            `json:"currency"`
	Metadata    map[string]string `json:"metadata"`
	Livemode    bool              `json:"livemode"`
	Created     int64             `json:"created"`
	CreatedAt   string            `json:"created_at"`
	UpdatedAt   string            `json:"updated_at"`
}

func renderProduct(p *checkout.Product) *productJSON {
	md := p.Metadata
	if md == nil {
		md = map[string]string{}
	}
	images := p.Images
	if images == nil {
		images = []string{}
	}
	return &productJSON{ID: p.ID, Object: "product", Active: p.Active, Name: p.Name, Description: optString(p.Description),
		Images: images, UnitAmount: p.UnitAmount, Currency: string(p.Currency), Metadata: md, Livemode: p.Livemode,
		Created: p.Created.Unix(), CreatedAt: rfc3339(p.Created), UpdatedAt: rfc3339(p.Updated)}
}

// decodeProductParams reads the parameters of create and update, the
// price under amount (unit_amount here, seed 002's amountMinor); every
// other parameter is refused by name.
func decodeProductParams(v *params.Values, amount string) (*service.ProductParams, error) {
	p := &service.ProductParams{}
	if s, ok := v.String("name"); ok {
		p.Name = &s
	}
	if s, ok := v.String("description"); ok {
		p.Description = &s
	}
	if imgs, ok := v.Strings("images"); ok {
		p.Images = imgs
		if p.Images == nil {
			p.Images = []string{}
		}
	}
	if n, ok := v.Int(amount); ok {
		p.UnitAmount = &n
	}
	p.Currency, _ = v.String("currency")
	if b, ok := v.Bool("active"); ok {
		p.Active = &b
	}
	p.Metadata, _ = v.StringMap("metadata")
	if err := v.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Server) createProduct(r *http.Request, scope checkout.Scope) (any, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, err
	}
	p, err := decodeProductParams(v, "unit_amount")
	if err != nil {
		return nil, err
	}
	pr, err := s.svc.CreateProduct(r.Context(), scope, p)
	if err != nil {
		return nil, err
	}
	return renderProduct(pr), nil
}

func (s *Server) updateProduct(r *http.Request, scope checkout.Scope) (any, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, err
	}
	p, err := decodeProductParams(v, "unit_amount")
	if err != nil {
		return nil, err
	}
	pr, err := s.svc.UpdateProduct(r.Context(), scope, r.PathValue("id"), p)
	if err != nil {
		return nil, err
	}
	return renderProduct(pr), nil
}

func (s *Server) getProduct(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	pr, err := s.svc.GetProduct(r.Context(), scope, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return renderProduct(pr), nil
}

func (s *Server) listProducts(r *http.Request, scope checkout.Scope) (any, error) {
	return canonicalList(r, scope, "/v1/products", productFilter, s.svc.ListProducts, renderProduct)
}

func productFilter(v *params.Values, p checkout.ListParams) service.ProductFilter {
	f := service.ProductFilter{ListParams: p}
	if b, ok := v.Bool("active"); ok {
		f.Active = &b
	}
	return f
}
