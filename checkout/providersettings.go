package checkout

import "time"

// ProviderSettingsKind is the ObjectKind of ProviderSettings.
const ProviderSettingsKind = "provider_settings"

// ProviderSettings are an account's payment providers in one mode: the
// credentials of each provider it configured and which provider is the
// default for each method. They are one generic object per account and
// mode (not a field of Account) so that a credential change is a
// compare-and-set of its own, never racing a profile update, and so that
// its Version can key the cache of built providers: a change takes effect
// on the next payment on every replica, which reads the object fresh.
type ProviderSettings struct {
	AccountID string
	Livemode  bool
	// Providers maps a provider name (stripe, easypay, ifthenpay, sim) to
	// what the account set for it.
	Providers map[string]ProviderCredentials
	// Defaults maps a method to the name of the provider that takes it
	// when a session does not name one.
	Defaults map[Method]string
	Version  int64
	Created  time.Time
	Updated  time.Time
}

// ProviderCredentials are one provider's credentials. Secret values are
// sealed (encrypted with the server's key) and never shown again: only
// their Hints, the last four characters.
type ProviderCredentials struct {
	// Plain holds values that are not secret (a publishable key, an
	// account id, an entity), shown as they are.
	Plain map[string]string
	// Sealed holds the secret values, each sealed on its own.
	Sealed map[string][]byte
	// Hints holds the last four characters of each sealed value.
	Hints   map[string]string
	Updated time.Time
}

// Configured reports whether any credential is set.
func (c ProviderCredentials) Configured() bool { return len(c.Plain)+len(c.Sealed) > 0 }

// ProviderSettingsID is the id of acct's settings in a mode: one object per
// account and mode, found without an index.
func ProviderSettingsID(accountID string, livemode bool) string {
	if livemode {
		return "provset_live_" + accountID
	}
	return "provset_test_" + accountID
}

// ObjectKind implements Object.
func (p *ProviderSettings) ObjectKind() string { return ProviderSettingsKind }

// ObjectID implements Object.
func (p *ProviderSettings) ObjectID() string { return ProviderSettingsID(p.AccountID, p.Livemode) }

// Scope implements Object.
func (p *ProviderSettings) Scope() Scope { return Scope{AccountID: p.AccountID, Livemode: p.Livemode} }

// ObjectVersion implements Object.
func (p *ProviderSettings) ObjectVersion() int64 { return p.Version }

// ObjectCreated implements Object.
func (p *ProviderSettings) ObjectCreated() time.Time { return p.Created }

// LookupKeys implements Object: none; the settings are read by id only.
func (p *ProviderSettings) LookupKeys() []string { return nil }

// Clone returns a deep copy, for a change to be built on.
func (p *ProviderSettings) Clone() *ProviderSettings {
	c := *p
	c.Providers = make(map[string]ProviderCredentials, len(p.Providers))
	for name, pc := range p.Providers {
		c.Providers[name] = pc.clone()
	}
	c.Defaults = make(map[Method]string, len(p.Defaults))
	for m, name := range p.Defaults {
		c.Defaults[m] = name
	}
	return &c
}

func (c ProviderCredentials) clone() ProviderCredentials {
	out := ProviderCredentials{Plain: map[string]string{}, Sealed: map[string][]byte{}, Hints: map[string]string{}, Updated: c.Updated}
	for k, v := range c.Plain {
		out.Plain[k] = v
	}
	for k, v := range c.Sealed {
		out.Sealed[k] = append([]byte(nil), v...)
	}
	for k, v := range c.Hints {
		out.Hints[k] = v
	}
	return out
}

// Credentials are a provider's credentials as its factory gets them:
// every value, the secret ones unsealed. They live only in memory.
type Credentials map[string]string

// CredentialedFactory builds a provider for an account and mode from the
// account's credentials for it (nil when it set none). It returns a
// KindState error (provider_unavailable) when the provider cannot serve.
// Providers that need no credentials use the shorter ProviderFactory.
type CredentialedFactory func(acct *Account, livemode bool, creds Credentials) (Provider, error)
