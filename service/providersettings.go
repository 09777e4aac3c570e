package service

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/evm"
)

// credentialField is one credential a provider takes.
type credentialField struct {
	Name   string
	Secret bool // sealed at rest, shown only as a hint
	// check returns a message when v is not a value of this field in the
	// given mode.
	check func(v string, livemode bool) string
}

// providerSpec is what a provider name takes: its credentials, the
// methods it may be the default for, and what makes its credentials
// complete.
type providerSpec struct {
	Fields  []credentialField
	Methods []checkout.Method
	// complete returns the first missing field of a set of credentials,
	// "" when nothing is missing.
	complete func(has func(string) bool) string
	// testOnly: the provider never serves live mode (the simulator).
	testOnly bool
}

var (
	uuidRE      = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	tokenRE     = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	mbKeyRE     = regexp.MustCompile(`^[A-Z]{3}-[0-9]{6}$`)
	entityRE    = regexp.MustCompile(`^[0-9]{5}$`)
	subEntityRE = regexp.MustCompile(`^[0-9]{1,3}$`)
	antiPhishRE = regexp.MustCompile(`^[A-Za-z0-9]{8,128}$`)
)

// stripeKey checks a Stripe key of one of prefixes, whose mode part must
// be the session's mode (a live key in test mode would move real money).
func stripeKey(what string, prefixes ...string) func(string, bool) string {
	return func(v string, livemode bool) string {
		mode := "test"
		if livemode {
			mode = "live"
		}
		for _, p := range prefixes {
			if rest, ok := strings.CutPrefix(v, p+"_"+mode+"_"); ok && len(rest) >= 8 && tokenRE.MatchString(rest) {
				return ""
			}
		}
		want := make([]string, len(prefixes))
		for i, p := range prefixes {
			want[i] = p + "_" + mode + "_…"
		}
		return fmt.Sprintf("%s must be a Stripe key of this mode, starting with %s", what, strings.Join(want, " or "))
	}
}

// easypayEnvironment checks Easypay's environment: sandbox or production.
// A sandbox reference is "paid" with no money moving, so live mode takes
// production only.
func easypayEnvironment(v string, livemode bool) string {
	switch {
	case v != "sandbox" && v != "production":
		return "the Easypay environment is sandbox or production"
	case v == "sandbox" && livemode:
		return "Easypay's sandbox moves no money: live mode takes the production environment"
	}
	return ""
}

func matches(re *regexp.Regexp, msg string) func(string, bool) string {
	return func(v string, _ bool) string {
		if re.MatchString(v) {
			return ""
		}
		return msg
	}
}

// providerSpecs are the provider names an account may configure.
var providerSpecs = map[string]providerSpec{
	"sim": {Methods: []checkout.Method{checkout.MethodCard, checkout.MethodMultibanco, checkout.MethodInStore}, testOnly: true,
		complete: func(func(string) bool) string { return "" }},
	// Stripe takes cards on the page, and cards at the counter through
	// Stripe Terminal (in_store: a reader device, or a companion app).
	"stripe": {Methods: []checkout.Method{checkout.MethodCard, checkout.MethodInStore},
		Fields: []credentialField{
			{Name: "secret_key", Secret: true, check: stripeKey("the secret key", "sk", "rk")},
			{Name: "publishable_key", check: stripeKey("the publishable key", "pk")},
			{Name: "webhook_secret", Secret: true, check: func(v string, _ bool) string {
				if rest, ok := strings.CutPrefix(v, "whsec_"); ok && len(rest) >= 8 && tokenRE.MatchString(rest) {
					return ""
				}
				return "the webhook signing secret must start with whsec_"
			}},
		},
		complete: func(has func(string) bool) string {
			if !has("secret_key") {
				return "secret_key"
			}
			return ""
		}},
	"easypay": {Methods: []checkout.Method{checkout.MethodMultibanco},
		Fields: []credentialField{
			{Name: "account_id", check: matches(uuidRE, "the Easypay account id is a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)")},
			{Name: "api_key", Secret: true, check: matches(uuidRE, "the Easypay API key is a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)")},
			// Which of Easypay's APIs the keys are for; unset is production.
			{Name: "environment", check: easypayEnvironment},
		},
		complete: func(has func(string) bool) string {
			for _, f := range []string{"account_id", "api_key"} {
				if !has(f) {
					return f
				}
			}
			return ""
		}},
	"ifthenpay": {Methods: []checkout.Method{checkout.MethodMultibanco},
		Fields: []credentialField{
			{Name: "mb_key", Secret: true, check: matches(mbKeyRE, "the Multibanco key looks like ABC-123456")},
			{Name: "entity", check: matches(entityRE, "the Multibanco entity is 5 digits")},
			{Name: "sub_entity", check: matches(subEntityRE, "the Multibanco sub-entity is 1 to 3 digits")},
			{Name: "anti_phishing_key", Secret: true, check: matches(antiPhishRE, "the anti-phishing key is 8 to 128 letters and digits")},
		},
		complete: func(has func(string) bool) string {
			// (A key with an entity too is refused before: parameter_conflict.)
			switch {
			case !has("mb_key") && !has("entity") && !has("sub_entity"):
				return "mb_key"
			case has("entity") && !has("sub_entity"):
				return "sub_entity"
			case has("sub_entity") && !has("entity"):
				return "entity"
			case !has("anti_phishing_key"):
				return "anti_phishing_key"
			}
			return ""
		}},
	// stablecoin: the account's extended public key, which every deposit
	// address is derived from (sealed: it reveals every payment of the
	// account to whoever reads it), and the pairs it accepts.
	"stablecoin": {Methods: []checkout.Method{checkout.MethodStablecoin},
		Fields: []credentialField{
			{Name: "xpub", Secret: true, check: func(v string, _ bool) string {
				if _, err := evm.ParseExtendedKey(v); err != nil {
					return err.Error()
				}
				return ""
			}},
			{Name: "supported_tokens", check: func(v string, _ bool) string {
				if _, err := checkout.ParseTokenChains(v); err != nil {
					return "supported_tokens: " + err.Error()
				}
				return ""
			}},
		},
		// Test mode derives from a built-in test key without one; live
		// mode's need of an xpub is checked with the mode
		// (checkStablecoinSettings).
		complete: func(func(string) bool) string { return "" }},
}

// ProviderNames are the provider names an account may configure, sorted.
func ProviderNames() []string {
	names := make([]string, 0, len(providerSpecs))
	for n := range providerSpecs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ProviderFields are the credential names provider takes, in order.
func ProviderFields(provider string) []string {
	var out []string
	for _, f := range providerSpecs[provider].Fields {
		out = append(out, f.Name)
	}
	return out
}

// ProviderParams is a change to one provider's settings. A credential
// given replaces the stored one ("" removes it); one not given stays.
type ProviderParams struct {
	Credentials map[string]string
	// DefaultFor makes the provider the account's default for these
	// methods in the mode (nil: defaults unchanged).
	DefaultFor []string
}

// ProviderView is what anyone may see of a provider's settings: the plain
// values and the last four characters of the secret ones.
type ProviderView struct {
	Name     string
	Livemode bool
	// Configured says credentials are set.
	Configured bool
	// Simulated: in test mode without credentials, the simulator takes
	// this provider's payments under its name (sim.StandIn).
	Simulated  bool
	Plain      map[string]string
	Hints      map[string]string
	DefaultFor []checkout.Method
	Updated    int64 // unix seconds, 0 when never set
}

// providerSettings returns scope's provider settings as stored now, or
// nil when the account set none in that mode.
func (s *Service) providerSettings(ctx context.Context, scope checkout.Scope) (*checkout.ProviderSettings, error) {
	o, err := s.store.GetObject(ctx, scope, checkout.ProviderSettingsKind, checkout.ProviderSettingsID(scope.AccountID, scope.Livemode))
	if checkout.IsKind(err, checkout.KindNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ps, ok := o.(*checkout.ProviderSettings)
	if !ok {
		return nil, fmt.Errorf("service: provider settings of type %T", o)
	}
	return ps, nil
}

func knownProvider(name string) (providerSpec, error) {
	spec, ok := providerSpecs[name]
	if !ok {
		return spec, checkout.Invalid("provider", "provider_unknown", "no provider '%s': use one of %s", name, strings.Join(ProviderNames(), ", "))
	}
	return spec, nil
}

// checkProviderParams checks p for provider name in a mode against what
// is stored, so that the result is complete; it writes nothing.
func checkProviderParams(name string, spec providerSpec, livemode bool, p *ProviderParams, old checkout.ProviderCredentials) error {
	if spec.testOnly && livemode {
		return checkout.Invalid("provider", "provider_test_only", "the payment simulator serves test mode only; it cannot be configured for live mode")
	}
	names := make([]string, 0, len(p.Credentials))
	for f := range p.Credentials {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		v := p.Credentials[f]
		i := slices.IndexFunc(spec.Fields, func(cf credentialField) bool { return cf.Name == f })
		if i < 0 {
			if len(spec.Fields) == 0 {
				return checkout.Invalid(f, "parameter_unknown", "provider '%s' takes no credentials", name)
			}
			return checkout.Invalid(f, "parameter_unknown", "provider '%s' takes no '%s': it takes %s", name, f, strings.Join(ProviderFields(name), ", "))
		}
		if v == "" {
			continue
		}
		if len(v) > 255 || strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return checkout.Invalid(f, "invalid_credential", "%s must be at most 255 characters, without spaces or control characters", f)
		}
		if msg := spec.Fields[i].check(v, livemode); msg != "" {
			return checkout.Invalid(f, "invalid_credential", "%s", msg)
		}
	}
	has := func(f string) bool {
		if v, given := p.Credentials[f]; given {
			return v != ""
		}
		_, plain := old.Plain[f]
		_, sealed := old.Sealed[f]
		return plain || sealed
	}
	anything := slices.ContainsFunc(spec.Fields, func(cf credentialField) bool { return has(cf.Name) })
	if anything {
		if name == "ifthenpay" && has("mb_key") && (has("entity") || has("sub_entity")) {
			return checkout.Invalid("mb_key", "parameter_conflict", "give the Multibanco key or the entity and sub-entity, not both")
		}
		if missing := spec.complete(has); missing != "" {
			return checkout.Invalid(missing, "parameter_missing", "provider '%s' needs %s", name, missing)
		}
	} else if len(p.DefaultFor) == 0 && len(spec.Fields) > 0 {
		return checkout.Invalid(spec.Fields[0].Name, "parameter_missing", "give provider '%s' its credentials (%s)", name, strings.Join(ProviderFields(name), ", "))
	}
	for i, m := range p.DefaultFor {
		if !slices.Contains(spec.Methods, checkout.Method(m)) {
			return checkout.Invalid(fmt.Sprintf("default_for[%d]", i), "invalid_method", "provider '%s' takes %s, not '%s'", name, methodList(spec.Methods), m)
		}
	}
	return nil
}

func methodList(ms []checkout.Method) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = string(m)
	}
	return strings.Join(s, ", ")
}

// hint is the last four characters of a secret, as API keys show theirs.
func hint(v string) string {
	if len(v) <= 4 {
		return ""
	}
	return v[len(v)-4:]
}

// SetProvider sets provider name's credentials (and defaults) for scope's
// account and mode. Secret values are sealed before they are stored and
// never returned: the answer holds hints. Everything is checked before
// anything is written; the write is a compare-and-set on the settings'
// version, and the next payment on any replica builds the provider anew.
func (s *Service) SetProvider(ctx context.Context, scope checkout.Scope, name string, p ProviderParams) (*ProviderView, error) {
	spec, err := knownProvider(name)
	if err != nil {
		return nil, err
	}
	if _, err := s.account(ctx, scope.AccountID); err != nil {
		if checkout.IsKind(err, checkout.KindNotFound) {
			return nil, checkout.NotFound("account", "account", scope.AccountID)
		}
		return nil, err
	}
	var out *checkout.ProviderSettings
	err = retryCAS(func() error {
		ps, err := s.providerSettings(ctx, scope)
		if err != nil {
			return err
		}
		now := s.now()
		if ps == nil {
			ps = &checkout.ProviderSettings{AccountID: scope.AccountID, Livemode: scope.Livemode, Created: now,
				Providers: map[string]checkout.ProviderCredentials{}, Defaults: map[checkout.Method]string{}}
		} else {
			ps = ps.Clone()
		}
		old := ps.Providers[name]
		if err := checkProviderParams(name, spec, scope.Livemode, &p, old); err != nil {
			return err
		}
		if name == stablecoinProvider {
			if err := s.checkStablecoinSettings(ctx, scope, &p, old); err != nil {
				return err
			}
		}
		secret := slices.ContainsFunc(spec.Fields, func(cf credentialField) bool { return cf.Secret && p.Credentials[cf.Name] != "" })
		if secret && s.sealer == nil {
			return checkout.Errorf(checkout.KindInternal, "no_sealer", "provider credentials need an encryption key")
		}
		pc := checkout.ProviderCredentials{Plain: map[string]string{}, Sealed: map[string][]byte{}, Hints: map[string]string{}, Updated: now}
		for _, f := range spec.Fields {
			v, given := p.Credentials[f.Name]
			switch {
			case given && v == "":
			case given && f.Secret:
				pc.Sealed[f.Name], pc.Hints[f.Name] = s.sealer.Seal(v), hint(v)
			case given:
				pc.Plain[f.Name] = v
			default:
				if v, ok := old.Plain[f.Name]; ok {
					pc.Plain[f.Name] = v
				}
				if v, ok := old.Sealed[f.Name]; ok {
					pc.Sealed[f.Name], pc.Hints[f.Name] = v, old.Hints[f.Name]
				}
			}
		}
		ps.Providers[name] = pc
		for _, m := range p.DefaultFor {
			ps.Defaults[checkout.Method(m)] = name
		}
		ps.Version++
		ps.Updated = now
		out = ps
		return s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{ps}})
	})
	if err != nil {
		return nil, err
	}
	return providerView(out, name), nil
}

// RemoveProvider forgets provider name's credentials and defaults in
// scope's mode. KindNotFound (param provider) when it has none.
func (s *Service) RemoveProvider(ctx context.Context, scope checkout.Scope, name string) error {
	if _, err := knownProvider(name); err != nil {
		return err
	}
	return retryCAS(func() error {
		ps, err := s.providerSettings(ctx, scope)
		if err != nil {
			return err
		}
		if ps == nil {
			return checkout.NotFound("provider", "provider settings", name)
		}
		_, set := ps.Providers[name]
		isDefault := false
		for _, n := range ps.Defaults {
			isDefault = isDefault || n == name
		}
		if !set && !isDefault {
			return checkout.NotFound("provider", "provider settings", name)
		}
		ps = ps.Clone()
		delete(ps.Providers, name)
		for m, n := range ps.Defaults {
			if n == name {
				delete(ps.Defaults, m)
			}
		}
		ps.Version++
		ps.Updated = s.now()
		return s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{ps}})
	})
}

// GetProvider returns what may be shown of provider name's settings in
// scope's mode; a provider the account never configured shows as not
// configured (in test mode the simulator stands in for it).
func (s *Service) GetProvider(ctx context.Context, scope checkout.Scope, name string) (*ProviderView, error) {
	if _, err := knownProvider(name); err != nil {
		return nil, err
	}
	ps, err := s.providerSettings(ctx, scope)
	if err != nil {
		return nil, err
	}
	if ps == nil {
		ps = &checkout.ProviderSettings{AccountID: scope.AccountID, Livemode: scope.Livemode}
	}
	return providerView(ps, name), nil
}

// ListProviders returns every provider name's view in scope's mode, by name.
func (s *Service) ListProviders(ctx context.Context, scope checkout.Scope) ([]*ProviderView, error) {
	ps, err := s.providerSettings(ctx, scope)
	if err != nil {
		return nil, err
	}
	if ps == nil {
		ps = &checkout.ProviderSettings{AccountID: scope.AccountID, Livemode: scope.Livemode}
	}
	out := make([]*ProviderView, 0, len(providerSpecs))
	for _, name := range ProviderNames() {
		out = append(out, providerView(ps, name))
	}
	return out, nil
}

func providerView(ps *checkout.ProviderSettings, name string) *ProviderView {
	pc := ps.Providers[name]
	v := &ProviderView{Name: name, Livemode: ps.Livemode, Configured: pc.Configured(), Simulated: !ps.Livemode && !pc.Configured(),
		Plain: map[string]string{}, Hints: map[string]string{}}
	for k, x := range pc.Plain {
		v.Plain[k] = x
	}
	for k, x := range pc.Hints {
		v.Hints[k] = x
	}
	for m, n := range ps.Defaults {
		if n == name {
			v.DefaultFor = append(v.DefaultFor, m)
		}
	}
	slices.Sort(v.DefaultFor)
	if !pc.Updated.IsZero() {
		v.Updated = pc.Updated.Unix()
	}
	return v
}
