package service

import (
	"context"

	"github.com/checkoutd/checkoutd/checkout"
)

// PaymentPage is how payment p's own provider describes p's method for the
// hosted page (its script, the data the script reads, its CSP sources). The
// page of a next action the provider's script finishes in the browser
// (Stripe.js confirming a client secret) needs the provider that holds the
// payment, which need not be the one the account would choose today.
func (s *Service) PaymentPage(ctx context.Context, p *checkout.Payment) (checkout.PageSpec, error) {
	prov, err := s.providerOf(ctx, p)
	if err != nil {
		return checkout.PageSpec{}, err
	}
	return prov.Page(p.Method), nil
}
