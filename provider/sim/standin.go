package sim

import (
	"slices"

	"github.com/checkoutd/checkoutd/checkout"
)

// Named is the simulator under a gateway's name, taking only that
// gateway's methods: in test mode, an account that gave a gateway no
// credentials pays "through" it on the simulator, so that an integration
// naming stripe, easypay or ifthenpay runs before it has an account there.
// Payments record the name, and later calls find it again by that name.
type Named struct {
	*Provider
	name    string
	methods []checkout.Method
}

var _ checkout.Provider = (*Named)(nil)

// Name implements checkout.Provider.
func (n *Named) Name() string { return n.name }

// Methods implements checkout.Provider.
func (n *Named) Methods() []checkout.Method { return slices.Clone(n.methods) }

// StandIn is the factory of a gateway that checkoutd cannot reach yet: in
// test mode without credentials it builds the simulator under the
// gateway's name (taking methods); live, or with credentials set, it
// refuses with provider_unavailable, since paying for real needs the
// gateway itself. A real gateway's factory replaces it under the same name,
// with no change to the service or the page.
func StandIn(p *Provider, name string, methods ...checkout.Method) checkout.CredentialedFactory {
	named := &Named{Provider: p, name: name, methods: methods}
	return func(_ *checkout.Account, livemode bool, creds checkout.Credentials) (checkout.Provider, error) {
		if livemode || len(creds) > 0 {
			return nil, checkout.Errorf(checkout.KindState, "provider_unavailable",
				"%s payments run on the simulator only in test mode without credentials; with credentials, or live, they need the %s gateway itself", name, name)
		}
		return named, nil
	}
}
