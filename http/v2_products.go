package http

import (
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// Seed 002's /v2/products: the canonical products (/v1/products) with the
// dialect's names, amountMinor for unit_amount. A product made here reads
// at /v1/products/{id} and the other way round.

// decodeV2Product reads the fields of create and update (update changes
// only those given); every other field, read-only ones such as id or
// createdAt included, is refused by name.
func decodeV2Product(r *http.Request) (*service.ProductParams, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, err
	}
	return decodeProductParams(v, "amountMinor")
}

func (s *Server) createV2Product(r *http.Request, scope checkout.Scope) (any, error) {
	p, err := decodeV2Product(r)
	if err != nil {
		return nil, v2Decoded(err)
	}
	return v2ProductAnswer(s.svc.CreateProduct(r.Context(), scope, p))
}

func (s *Server) updateV2Product(r *http.Request, scope checkout.Scope) (any, error) {
	p, err := decodeV2Product(r)
	if err != nil {
		return nil, v2Decoded(err)
	}
	return v2ProductAnswer(s.svc.UpdateProduct(r.Context(), scope, r.PathValue("id"), p))
}

func (s *Server) getV2Product(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, v2Decoded(err)
	}
	return v2ProductAnswer(s.svc.GetProduct(r.Context(), scope, r.PathValue("id")))
}

// archiveV2Product sets the product inactive: it starts no checkout from
// then on. Archiving an archived product changes nothing and writes
// nothing.
func (s *Server) archiveV2Product(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, v2Decoded(err)
	}
	return v2ProductAnswer(s.svc.ArchiveProduct(r.Context(), scope, r.PathValue("id")))
}

func (s *Server) listV2Products(r *http.Request, scope checkout.Scope) (any, error) {
	// active, when given, keeps the products whose active is that: the
	// canonical list's filter, whose name is the same in both.
	return v2ListOf(r, scope, productFilter, s.svc.ListProducts, renderV2Product)
}

func v2ProductAnswer(p *checkout.Product, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return renderV2Product(p), nil
}
