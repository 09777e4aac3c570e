package http

import (
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// The providers room: the payment providers of the key's own account, in
// the key's mode (GET, POST, DELETE /v1/account/providers[/{name}]).
// Secret credentials go in and never come out: answers carry their last
// four characters.

type providerJSON struct {
	Object     string `json:"object"`
	Name       string `json:"name"`
	Livemode   bool   `json:"livemode"`
	Configured bool   `json:"configured"`
	// Simulated: in test mode without credentials, the simulator takes
	// this provider's payments under its name.
	Simulated   bool                  `json:"simulated"`
	Credentials map[string]string     `json:"credentials"`
	Secrets     map[string]secretJSON `json:"secrets"`
	DefaultFor  []string              `json:"default_for"`
	Updated     *int64                `json:"updated"`
}

type secretJSON struct {
	Last4 string `json:"last4"`
}

func renderProvider(v *service.ProviderView) *providerJSON {
	out := &providerJSON{Object: "account_provider", Name: v.Name, Livemode: v.Livemode, Configured: v.Configured,
		Simulated: v.Simulated, Credentials: v.Plain, Secrets: map[string]secretJSON{}, DefaultFor: []string{}}
	for k, h := range v.Hints {
		out.Secrets[k] = secretJSON{Last4: h}
	}
	for _, m := range v.DefaultFor {
		out.DefaultFor = append(out.DefaultFor, string(m))
	}
	if v.Updated != 0 {
		out.Updated = &v.Updated
	}
	return out
}

func (s *Server) listProviders(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	views, err := s.svc.ListProviders(r.Context(), scope)
	if err != nil {
		return nil, err
	}
	data := make([]*providerJSON, len(views))
	for i, v := range views {
		data[i] = renderProvider(v)
	}
	return listJSON{Object: "list", Data: data, URL: "/v1/account/providers"}, nil
}

func (s *Server) getProvider(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	v, err := s.svc.GetProvider(r.Context(), scope, r.PathValue("name"))
	if err != nil {
		return nil, err
	}
	return renderProvider(v), nil
}

// setProvider reads every provider's credential names, so that one of
// another provider is refused by the service naming it, and default_for.
func (s *Server) setProvider(r *http.Request, scope checkout.Scope) (any, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, err
	}
	p := service.ProviderParams{Credentials: map[string]string{}}
	seen := map[string]bool{}
	for _, name := range service.ProviderNames() {
		for _, f := range service.ProviderFields(name) {
			if seen[f] {
				continue
			}
			seen[f] = true
			if x, ok := v.String(f); ok {
				p.Credentials[f] = x
			}
		}
	}
	p.DefaultFor, _ = v.Strings("default_for")
	if err := v.Err(); err != nil {
		return nil, err
	}
	view, err := s.svc.SetProvider(r.Context(), scope, r.PathValue("name"), p)
	if err != nil {
		return nil, err
	}
	return renderProvider(view), nil
}

func (s *Server) deleteProvider(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	name := r.PathValue("name")
	if err := s.svc.RemoveProvider(r.Context(), scope, name); err != nil {
		return nil, err
	}
	return map[string]any{"object": "account_provider", "name": name, "livemode": scope.Livemode, "deleted": true}, nil
}
