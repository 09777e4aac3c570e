package service

import (
	"slices"
	"sync"

	"github.com/checkoutd/checkoutd/checkout"
)

// Registry finds the provider of an account, a mode and a provider name.
// Each provider name has a factory that builds the provider from the
// account's credentials for it (unsealed by the service from the account's
// provider settings), and routes say which provider serves a method when
// neither the session nor the account's defaults choose one. A payment
// records the name of the provider that started it, and every later call
// about it goes to Get with that name: two providers may serve the same
// method, and a payment's outcome must reach the one that holds it.
//
// A Registry is set up (Register, Route) before the service uses it and
// only read after, but for its cache of built providers.
type Registry struct {
	factories map[string]checkout.CredentialedFactory
	// routes[livemode][method] is the provider name serving method in that
	// mode when the session and the account's defaults name none.
	routes map[bool]map[checkout.Method]string

	// built caches providers built from credentials, by account, mode and
	// name, with the settings version they were built from: a new version
	// (a credential change) builds again, so the cache never serves stale
	// credentials to a service that read the version fresh.
	mu    sync.Mutex
	built map[builtKey]builtProvider
}

type builtKey struct {
	account  string
	livemode bool
	name     string
}

type builtProvider struct {
	version int64
	p       checkout.Provider
}

// NewRegistry returns an empty registry: no provider serves anything.
func NewRegistry() *Registry {
	return &Registry{factories: map[string]checkout.CredentialedFactory{}, routes: map[bool]map[checkout.Method]string{},
		built: map[builtKey]builtProvider{}}
}

// Register makes provider name buildable with f, a provider that needs no
// credentials (the simulator). It is never cached: f decides.
func (r *Registry) Register(name string, f checkout.ProviderFactory) {
	r.factories[name] = func(acct *checkout.Account, livemode bool, _ checkout.Credentials) (checkout.Provider, error) {
		return f(acct, livemode)
	}
}

// RegisterCredentialed makes provider name buildable with f from each
// account's own credentials for name (a gateway).
func (r *Registry) RegisterCredentialed(name string, f checkout.CredentialedFactory) {
	r.factories[name] = f
}

// Has reports whether provider name is registered.
func (r *Registry) Has(name string) bool {
	if r == nil {
		return false
	}
	_, ok := r.factories[name]
	return ok
}

// Route makes provider name serve methods in the given mode, for every
// account whose settings choose no default for them.
func (r *Registry) Route(livemode bool, name string, methods ...checkout.Method) {
	if r.routes[livemode] == nil {
		r.routes[livemode] = map[checkout.Method]string{}
	}
	for _, m := range methods {
		r.routes[livemode][m] = name
	}
}

// routed is the provider name the registry's routes give method.
func (r *Registry) routed(livemode bool, method checkout.Method) (string, bool) {
	if r == nil {
		return "", false
	}
	name, ok := r.routes[livemode][method]
	return name, ok
}

// unavailable is the error of a method or provider an account cannot use.
func unavailable(what string) error {
	return checkout.Errorf(checkout.KindState, "provider_unavailable", "no payment provider handles %s in this mode", what)
}

// Credentials are what Get builds a provider from: the settings version
// (0 when the account has none) and a function that unseals the
// credentials, called only when the version is not built yet.
type Credentials struct {
	Version int64
	Open    func() (checkout.Credentials, error)
}

// Get returns provider name for acct in the given mode, built from creds.
// Errors are KindState (provider_unavailable).
func (r *Registry) Get(acct *checkout.Account, livemode bool, name string, creds Credentials) (checkout.Provider, error) {
	if r == nil {
		return nil, unavailable(name)
	}
	f, ok := r.factories[name]
	if !ok {
		return nil, unavailable(name)
	}
	key := builtKey{account: acct.ID, livemode: livemode, name: name}
	if creds.Version > 0 {
		r.mu.Lock()
		b, ok := r.built[key]
		r.mu.Unlock()
		if ok && b.version == creds.Version {
			return b.p, nil
		}
	}
	var c checkout.Credentials
	if creds.Open != nil {
		var err error
		if c, err = creds.Open(); err != nil {
			return nil, err
		}
	}
	p, err := f(acct, livemode, c)
	if err != nil {
		return nil, err
	}
	if p.Name() != name {
		// A factory registered under another name would make payments
		// record a name that Get cannot find again.
		return nil, checkout.Errorf(checkout.KindInternal, "provider_misconfigured", "provider %q was registered as %q", p.Name(), name)
	}
	if creds.Version > 0 {
		// One entry per account, mode and name: an older version is
		// replaced, so the cache grows with accounts, not with changes.
		r.mu.Lock()
		r.built[key] = builtProvider{version: creds.Version, p: p}
		r.mu.Unlock()
	}
	return p, nil
}

// serves reports whether p takes method.
func serves(p checkout.Provider, method checkout.Method) bool {
	return slices.Contains(p.Methods(), method)
}

// For returns the provider the registry's routes give method for acct in
// a mode, built without credentials: what serves an account whose
// settings choose nothing. (The service chooses through the account's
// settings first: see Service.providerFor.) Errors are KindState
// (provider_unavailable).
func (r *Registry) For(acct *checkout.Account, livemode bool, method checkout.Method) (checkout.Provider, error) {
	name, ok := r.routed(livemode, method)
	if !ok {
		return nil, unavailable(string(method))
	}
	p, err := r.Get(acct, livemode, name, Credentials{})
	if err != nil {
		return nil, err
	}
	if !serves(p, method) {
		return nil, unavailable(string(method))
	}
	return p, nil
}
