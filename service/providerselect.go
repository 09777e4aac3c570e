package service

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/checkoutd/checkoutd/checkout"
)

// credentials are what the registry builds provider name from, out of the
// settings ps (nil: none): their version, and the unsealing of the
// provider's secrets, done only when the registry has not built that
// version yet.
func (s *Service) credentials(ps *checkout.ProviderSettings, name string) Credentials {
	if ps == nil {
		return Credentials{}
	}
	pc, ok := ps.Providers[name]
	if !ok || !pc.Configured() {
		// Without credentials the factory decides alone (the simulator
		// stands in in test mode); the version still keys the cache.
		return Credentials{Version: ps.Version}
	}
	return Credentials{Version: ps.Version, Open: func() (checkout.Credentials, error) {
		c := make(checkout.Credentials, len(pc.Plain)+len(pc.Sealed))
		for k, v := range pc.Plain {
			c[k] = v
		}
		for k, sealed := range pc.Sealed {
			if s.sealer == nil {
				return nil, checkout.Errorf(checkout.KindInternal, "no_sealer", "provider credentials need an encryption key")
			}
			v, err := s.sealer.Open(sealed)
			if err != nil {
				// Never the value: only which field could not be opened.
				return nil, checkout.Errorf(checkout.KindInternal, "credentials_unreadable", "the %s of provider %s cannot be decrypted with this server's encryption key", k, name)
			}
			c[k] = v
		}
		return c, nil
	}}
}

// providerNamed returns provider name built for acct in a mode, from the
// account's settings as stored now: a credential change reaches the next
// call on every replica.
func (s *Service) providerNamed(ctx context.Context, acct *checkout.Account, livemode bool, name string) (checkout.Provider, error) {
	ps, err := s.providerSettings(ctx, checkout.Scope{AccountID: acct.ID, Livemode: livemode})
	if err != nil {
		return nil, err
	}
	return s.providers.Get(acct, livemode, name, s.credentials(ps, name))
}

// providerFor returns the provider that takes method for a session of
// acct in a mode, reading the account's settings now: see providerIn.
func (s *Service) providerFor(ctx context.Context, acct *checkout.Account, livemode bool, chosen string, method checkout.Method) (checkout.Provider, error) {
	ps, err := s.providerSettings(ctx, checkout.Scope{AccountID: acct.ID, Livemode: livemode})
	if err != nil {
		return nil, err
	}
	return s.providerIn(ps, acct, livemode, chosen, method)
}

// providerIn returns the provider that takes method for a session of acct
// in a mode, given the account's settings ps (nil: none): the session's
// own provider (chosen, when set) if it serves the method; else the
// account's default for the method; else the registry's route. Errors are
// KindState (provider_unavailable), or the chosen provider's own error: a
// session's provider is never swapped for another behind its back.
func (s *Service) providerIn(ps *checkout.ProviderSettings, acct *checkout.Account, livemode bool, chosen string, method checkout.Method) (checkout.Provider, error) {
	if chosen != "" {
		p, err := s.providers.Get(acct, livemode, chosen, s.credentials(ps, chosen))
		if err != nil {
			return nil, err
		}
		if serves(p, method) {
			return p, nil
		}
	}
	name := ""
	if ps != nil {
		name = ps.Defaults[method]
	}
	if name == "" {
		var ok bool
		if name, ok = s.providers.routed(livemode, method); !ok {
			return nil, unavailable(string(method))
		}
	}
	p, err := s.providers.Get(acct, livemode, name, s.credentials(ps, name))
	if err != nil {
		return nil, err
	}
	if !serves(p, method) {
		return nil, unavailable(string(method))
	}
	return p, nil
}

// liveProviderMissing refuses method m, the i-th of a live session's or
// link's, that no live provider of the account takes.
func liveProviderMissing(i int, m string) error {
	return checkout.Invalid(fmt.Sprintf("payment_method_types[%d]", i), "live_provider_missing",
		"this account has no live payment provider for '%s', so a live checkout session could not be paid: configure a live provider for it first (until then, use a test key, sk_test_…)", m)
}

// providerMethods is what a session that names provider and no payment
// method is paid with: the methods the provider takes that currency allows
// (Stripe: card; Easypay and Ifthenpay: Multibanco, in EUR). None for an
// unknown provider, which chooseProvider then refuses by name.
func providerMethods(provider string, c checkout.Currency) []string {
	var out []string
	for _, m := range providerSpecs[provider].Methods {
		if m == checkout.MethodInStore {
			// Never implied: it needs the device a session names.
			continue
		}
		if currencies, ok := PaymentMethods[string(m)]; ok && (currencies == nil || slices.Contains(currencies, c)) {
			out = append(out, string(m))
		}
	}
	return out
}

// chooseProvider sets sess.Provider: the one requested, which must be
// configured in the session's mode (built without error) and serve one of
// the session's methods; else, for a session of one method, the provider
// of that method; else "", each method's default at payment.
// A live session no provider can take would be a page nobody can pay: it
// is refused, naming what to configure (test mode has the simulator).
func (s *Service) chooseProvider(ctx context.Context, acct *checkout.Account, sess *checkout.Session, requested string) error {
	ps, err := s.providerSettings(ctx, checkout.Scope{AccountID: acct.ID, Livemode: sess.Livemode})
	if err != nil {
		return err
	}
	if requested != "" {
		if _, err := knownProvider(requested); err != nil {
			return err
		}
		if !s.providers.Has(requested) {
			return checkout.Invalid("provider", "provider_unknown", "provider '%s' is not served by this server", requested)
		}
		p, err := s.providers.Get(acct, sess.Livemode, requested, s.credentials(ps, requested))
		if err != nil {
			msg := "it is not configured in this mode"
			var ce *checkout.Error
			if errors.As(err, &ce) && ce.Kind == checkout.KindState {
				msg = ce.Message
			} else if !checkout.IsKind(err, checkout.KindState) {
				return err
			}
			return checkout.Invalid("provider", "provider_not_configured", "provider '%s' cannot take payments for this account in %s mode: %s", requested, modeName(sess.Livemode), msg)
		}
		if !slices.ContainsFunc(sess.PaymentMethodTypes, func(m string) bool { return serves(p, checkout.Method(m)) }) {
			return checkout.Invalid("provider", "provider_method_mismatch", "provider '%s' takes %s, none of this session's payment_method_types", requested, methodList(p.Methods()))
		}
		sess.Provider = requested
	}
	for i, m := range sess.PaymentMethodTypes {
		p, err := s.providerIn(ps, acct, sess.Livemode, sess.Provider, checkout.Method(m))
		if err != nil {
			if !checkout.IsKind(err, checkout.KindState) {
				return err
			}
			if sess.Livemode {
				return liveProviderMissing(i, m)
			}
			continue
		}
		if requested == "" && len(sess.PaymentMethodTypes) == 1 {
			// One method: its provider is the session's, unambiguously. With
			// several, each goes to the account's default for it when paid
			// (a provider recorded for the first would take the others too).
			sess.Provider = p.Name()
		}
	}
	return nil
}

func modeName(livemode bool) string {
	if livemode {
		return "live"
	}
	return "test"
}
