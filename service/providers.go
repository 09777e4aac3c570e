package service

import (
	"slices"

	"github.com/checkoutd/checkoutd/checkout"
)

// Registry finds the provider of an account, a mode and a provider name.
// Each provider name has a factory that builds the provider from the
// account (from its sealed credentials, once accounts have them), and
// routes say which provider serves which method. A payment records the
// name of the provider that started it, and every later call about it goes
// to Get with that name: two providers may serve the same method, and a
// payment's outcome must reach the one that holds it.
//
// A Registry is set up (Register, Route) before the service uses it and
// only read after.
type Registry struct {
	factories map[string]checkout.ProviderFactory
	// routes[livemode][method] is the provider name serving method in that
	// mode for every account. Accounts have no provider settings yet; when
	// they do, an account's own routes come first (see For).
	routes map[bool]map[checkout.Method]string
}

// NewRegistry returns an empty registry: no provider serves anything.
func NewRegistry() *Registry {
	return &Registry{factories: map[string]checkout.ProviderFactory{}, routes: map[bool]map[checkout.Method]string{}}
}

// Register makes provider name buildable with f.
func (r *Registry) Register(name string, f checkout.ProviderFactory) {
	r.factories[name] = f
}

// Route makes provider name serve methods in the given mode, for every
// account.
func (r *Registry) Route(livemode bool, name string, methods ...checkout.Method) {
	if r.routes[livemode] == nil {
		r.routes[livemode] = map[checkout.Method]string{}
	}
	for _, m := range methods {
		r.routes[livemode][m] = name
	}
}

// unavailable is the error of a method or provider an account cannot use.
func unavailable(what string) error {
	return checkout.Errorf(checkout.KindState, "provider_unavailable", "no payment provider handles %s in this mode", what)
}

// Get returns provider name for acct in the given mode: the provider a
// payment recorded. Errors are KindState (provider_unavailable).
func (r *Registry) Get(acct *checkout.Account, livemode bool, name string) (checkout.Provider, error) {
	if r == nil {
		return nil, unavailable(name)
	}
	f, ok := r.factories[name]
	if !ok {
		return nil, unavailable(name)
	}
	p, err := f(acct, livemode)
	if err != nil {
		return nil, err
	}
	if p.Name() != name {
		// A factory registered under another name would make payments
		// record a name that Get cannot find again.
		return nil, checkout.Errorf(checkout.KindInternal, "provider_misconfigured", "provider %q was registered as %q", p.Name(), name)
	}
	return p, nil
}

// For returns the provider that serves method for acct in the given mode,
// to start a payment with. Errors are KindState (provider_unavailable).
func (r *Registry) For(acct *checkout.Account, livemode bool, method checkout.Method) (checkout.Provider, error) {
	if r == nil {
		return nil, unavailable(string(method))
	}
	name, ok := r.routes[livemode][method]
	if !ok {
		return nil, unavailable(string(method))
	}
	p, err := r.Get(acct, livemode, name)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(p.Methods(), method) {
		return nil, unavailable(string(method))
	}
	return p, nil
}
