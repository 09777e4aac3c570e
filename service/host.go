package service

import (
	"context"

	"github.com/checkoutd/checkoutd/checkout"
)

// HostScope is the scope of the sessions seed 000's API makes for a tenant:
// the account, in the mode the account chose for that API (it has one
// server secret and no key to tell test from live). The account comes from
// the same short cache as key lookups, so a change of mode reaches every
// replica within keyCacheTTL. KindNotFound for an unknown account.
func (s *Service) HostScope(ctx context.Context, tenantID string) (checkout.Scope, error) {
	a, err := s.account(ctx, tenantID)
	if err != nil {
		if checkout.IsKind(err, checkout.KindNotFound) {
			return checkout.Scope{}, checkout.NotFound("account", "account", tenantID)
		}
		return checkout.Scope{}, err
	}
	return checkout.Scope{AccountID: a.ID, Livemode: a.HostLivemode}, nil
}
