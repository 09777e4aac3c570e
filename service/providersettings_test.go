package service_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/seal"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/service"
)

// keyed is the simulator as "stripe", built with an account's secret key,
// which it writes into each payment's reference: a test then sees which
// credentials a payment went through.
type keyed struct {
	*sim.Provider
	key string
}

func (keyed) Name() string               { return "stripe" }
func (keyed) Methods() []checkout.Method { return []checkout.Method{checkout.MethodCard} }
func (k keyed) Start(ctx context.Context, req checkout.StartRequest) (checkout.ProviderResult, error) {
	r, err := k.Provider.Start(ctx, req)
	r.ProviderRef = "key:" + k.key
	return r, err
}

// tenantRegistry is serve's registry, with stripe built from each
// account's own key (the simulator when it has none).
func tenantRegistry(p *sim.Provider) *service.Registry {
	r := simRegistry(p)
	r.RegisterCredentialed("stripe", func(_ *checkout.Account, livemode bool, c checkout.Credentials) (checkout.Provider, error) {
		if livemode && c["secret_key"] == "" {
			return nil, checkout.Errorf(checkout.KindState, "provider_unavailable", "no live stripe credentials")
		}
		return keyed{p, c["secret_key"]}, nil
	})
	r.RegisterCredentialed("easypay", sim.StandIn(p, "easypay", checkout.MethodMultibanco))
	r.RegisterCredentialed("ifthenpay", sim.StandIn(p, "ifthenpay", checkout.MethodMultibanco))
	return r
}

func newTenantFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	sealer, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	f.configure(func(c *service.Config) {
		c.Sealer = sealer
		c.Providers = tenantRegistry(sim.New(checkout.SystemClock{}))
	})
	return f
}

func (f *fixture) sessionWith(t *testing.T, scope checkout.Scope, provider string, methods ...string) (*checkout.Session, error) {
	t.Helper()
	amount := int64(1500)
	return f.svc.CreateSession(f.ctx, scope, &service.SessionParams{Amount: &amount, SuccessURL: "https://shop.example/ok",
		CancelURL: "https://shop.example/no", PaymentMethodTypes: methods, Provider: provider})
}

const secretA = "sk_test_AAAAsecretAAAA1111"

// TestProviderCredentialsSealed: a secret is stored sealed (no store file
// holds it), answered only as its last four characters, and never logged.
func TestProviderCredentialsSealed(t *testing.T) {
	f := newTenantFixture(t)
	v, err := f.svc.SetProvider(f.ctx, f.scope, "stripe", service.ProviderParams{Credentials: map[string]string{
		"secret_key": secretA, "publishable_key": "pk_test_visiblePK123", "webhook_secret": "whsec_hookhookhook9876"}})
	if err != nil {
		t.Fatal(err)
	}
	if !v.Configured || v.Hints["secret_key"] != "1111" || v.Hints["webhook_secret"] != "9876" || v.Plain["publishable_key"] != "pk_test_visiblePK123" {
		t.Fatalf("view %+v", v)
	}
	if _, ok := v.Plain["secret_key"]; ok {
		t.Fatal("the secret key is shown as a plain value")
	}
	files, _ := filepath.Glob(filepath.Join(f.dir, "*"))
	sawPlain := false
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{secretA, "whsec_hookhookhook9876"} {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s holds the secret %s", filepath.Base(name), secret)
			}
		}
		sawPlain = sawPlain || bytes.Contains(data, []byte("pk_test_visiblePK123"))
	}
	if !sawPlain {
		t.Fatal("the store files do not hold even the publishable key: the test reads the wrong files")
	}
	// A payment through the credentials opens them; nothing logs them.
	s, err := f.sessionWith(t, f.scope, "stripe", "card")
	if err != nil {
		t.Fatal(err)
	}
	if _, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodCard, Card: card("4242424242424242", "123")}); err != nil || p.ProviderRef != "key:"+secretA {
		t.Fatalf("pay: %+v, %v", p, err)
	}
	if strings.Contains(f.logs.String(), secretA) {
		t.Fatal("the logs hold the secret key")
	}
	got, err := f.svc.GetProvider(f.ctx, f.scope, "stripe")
	if err != nil || got.Hints["secret_key"] != "1111" || len(got.Plain) != 1 {
		t.Fatalf("get: %+v, %v", got, err)
	}
}

// TestProviderChoice: a session pays through the provider it asked for,
// else the account's default for the method, else the simulator; each
// tenant through its own; a provider not configured in the mode is
// refused naming provider.
func TestProviderChoice(t *testing.T) {
	f := newTenantFixture(t)
	b, _, err := f.svc.CreateAccount(f.ctx, service.AccountParams{ID: "acct_other", Name: "Other", DefaultCurrency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	scopeB := checkout.Scope{AccountID: b.ID}
	if _, err := f.svc.SetProvider(f.ctx, f.scope, "stripe", service.ProviderParams{Credentials: map[string]string{"secret_key": secretA}, DefaultFor: []string{"card"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetProvider(f.ctx, scopeB, "ifthenpay", service.ProviderParams{DefaultFor: []string{"multibanco"}}); err != nil {
		t.Fatal(err)
	}

	pay := func(scope checkout.Scope, provider string, m checkout.Method) (*checkout.Session, *checkout.Payment) {
		t.Helper()
		s, err := f.sessionWith(t, scope, provider, string(m))
		if err != nil {
			t.Fatal(err)
		}
		pp := service.PayParams{Method: m}
		if m == checkout.MethodCard {
			pp.Card = card("4242424242424242", "123")
		}
		_, p, err := f.svc.Pay(f.ctx, s.ID, pp)
		if err != nil {
			t.Fatal(err)
		}
		return s, p
	}
	for _, c := range []struct {
		scope          checkout.Scope
		asked          string
		method         checkout.Method
		session, payer string
		ref            string
	}{
		{f.scope, "", checkout.MethodCard, "stripe", "stripe", "key:" + secretA}, // A's default
		{scopeB, "", checkout.MethodCard, "sim", "sim", ""},                      // B has none: the simulator
		{scopeB, "stripe", checkout.MethodCard, "stripe", "stripe", "key:"},      // B's stripe has no key
		{scopeB, "", checkout.MethodMultibanco, "ifthenpay", "ifthenpay", ""},    // B's default
		{f.scope, "easypay", checkout.MethodMultibanco, "easypay", "easypay", ""},
		{f.scope, "", checkout.MethodMultibanco, "sim", "sim", ""},
	} {
		s, p := pay(c.scope, c.asked, c.method)
		if s.Provider != c.session || p.Provider != c.payer || (c.ref != "" && p.ProviderRef != c.ref) {
			t.Errorf("%s asking %q for %s: session %q, payment %q (%s); want %q, %q (%s)", c.scope.AccountID, c.asked, c.method,
				s.Provider, p.Provider, p.ProviderRef, c.session, c.payer, c.ref)
		}
	}

	// Both tenants on stripe, each with its own key: each payment goes
	// through its own tenant's credentials.
	const secretB = "sk_test_BBBBsecretBBBB2222"
	if _, err := f.svc.SetProvider(f.ctx, scopeB, "stripe", service.ProviderParams{Credentials: map[string]string{"secret_key": secretB}}); err != nil {
		t.Fatal(err)
	}
	for scope, want := range map[checkout.Scope]string{f.scope: secretA, scopeB: secretB} {
		if _, p := pay(scope, "stripe", checkout.MethodCard); p.ProviderRef != "key:"+want {
			t.Errorf("%s paid through %s; want its own key", scope.AccountID, p.ProviderRef)
		}
	}

	// A session asking for easypay with card and multibanco pays cards
	// through the default and vouchers through easypay.
	s, err := f.sessionWith(t, f.scope, "easypay", "card", "multibanco")
	if err != nil || s.Provider != "easypay" {
		t.Fatalf("session %+v, %v", s, err)
	}
	if _, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodCard, Card: card("4242424242424242", "123")}); err != nil || p.Provider != "stripe" {
		t.Fatalf("card of an easypay session: %+v, %v", p, err)
	}

	// Refusals name provider and write nothing.
	if _, err := f.svc.SetProvider(f.ctx, scopeB, "easypay", service.ProviderParams{Credentials: map[string]string{
		"account_id": "2b0f63e2-9fb5-4e52-aca0-b4bf0339bbe6", "api_key": "eae4aa59-8e5b-4ec2-887d-b02768c4f3b9"}}); err != nil {
		t.Fatal(err)
	}
	before := f.sessionCount(t, scopeB)
	for name, c := range map[string]struct {
		scope    checkout.Scope
		provider string
		methods  []string
	}{
		"unknown":                      {scopeB, "paypal", []string{"card"}},
		"wrong method":                 {scopeB, "easypay", []string{"card"}},
		"credentials without gateway":  {scopeB, "easypay", []string{"multibanco"}},
		"simulator in live mode":       {checkout.Scope{AccountID: b.ID, Livemode: true}, "sim", []string{"card"}},
		"stripe live, no credentials":  {checkout.Scope{AccountID: b.ID, Livemode: true}, "stripe", []string{"card"}},
		"easypay live, no credentials": {checkout.Scope{AccountID: b.ID, Livemode: true}, "easypay", []string{"multibanco"}},
	} {
		_, err := f.sessionWith(t, c.scope, c.provider, c.methods...)
		if e, ok := err.(*checkout.Error); !ok || e.Kind != checkout.KindInvalid || e.Param != "provider" {
			t.Errorf("%s: %v; want an invalid provider", name, err)
		}
	}
	if after := f.sessionCount(t, scopeB); after != before {
		t.Fatalf("refused sessions were stored: %d, then %d", before, after)
	}
}

func (f *fixture) sessionCount(t *testing.T, scope checkout.Scope) int {
	t.Helper()
	p, err := f.store.ListSessions(f.ctx, scope, checkout.SessionFilter{ListParams: checkout.ListParams{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	return len(p.Items)
}

// TestProviderCredentialChange: a changed key is used by the next payment,
// through this service and through another one over the same store (a
// replica, with a registry and cache of its own).
func TestProviderCredentialChange(t *testing.T) {
	f := newTenantFixture(t)
	replica := service.New(func() service.Config {
		c := f.cfg
		c.Providers = tenantRegistry(sim.New(checkout.SystemClock{}))
		return c
	}())
	set := func(key string) {
		t.Helper()
		if _, err := f.svc.SetProvider(f.ctx, f.scope, "stripe", service.ProviderParams{Credentials: map[string]string{"secret_key": key}}); err != nil {
			t.Fatal(err)
		}
	}
	payVia := func(svc *service.Service) string {
		t.Helper()
		s, err := f.sessionWith(t, f.scope, "stripe", "card")
		if err != nil {
			t.Fatal(err)
		}
		_, p, err := svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodCard, Card: card("4242424242424242", "123")})
		if err != nil {
			t.Fatal(err)
		}
		return p.ProviderRef
	}
	set("sk_test_first000000")
	for _, svc := range []*service.Service{f.svc, replica} {
		if ref := payVia(svc); ref != "key:sk_test_first000000" {
			t.Fatalf("first key: %s", ref)
		}
	}
	set("rk_test_second00000")
	for _, svc := range []*service.Service{f.svc, replica} {
		if ref := payVia(svc); ref != "key:rk_test_second00000" {
			t.Fatalf("after the change: %s", ref)
		}
	}
	if err := f.svc.RemoveProvider(f.ctx, f.scope, "stripe"); err != nil {
		t.Fatal(err)
	}
	if ref := payVia(replica); ref != "key:" {
		t.Fatalf("after the removal: %s", ref)
	}
	if err := f.svc.RemoveProvider(f.ctx, f.scope, "stripe"); checkout.ErrorKind(err) != checkout.KindNotFound {
		t.Fatalf("removed twice: %v", err)
	}
}

// TestProviderSettingsBadInput: each bad change is refused naming its
// field, and nothing is written.
func TestProviderSettingsBadInput(t *testing.T) {
	f := newTenantFixture(t)
	live := checkout.Scope{AccountID: f.scope.AccountID, Livemode: true}
	uuid := "2b0f63e2-9fb5-4e52-aca0-b4bf0339bbe6"
	for _, c := range []struct {
		name, provider string
		scope          checkout.Scope
		creds          map[string]string
		defaults       []string
		param          string
	}{
		{"unknown provider", "paypal", f.scope, map[string]string{"secret_key": secretA}, nil, "provider"},
		{"live key in test mode", "stripe", f.scope, map[string]string{"secret_key": "sk_live_AAAAAAAAAAAA"}, nil, "secret_key"},
		{"test key in live mode", "stripe", live, map[string]string{"secret_key": secretA}, nil, "secret_key"},
		{"not a stripe key", "stripe", f.scope, map[string]string{"secret_key": "hunter2hunter2"}, nil, "secret_key"},
		{"short key", "stripe", f.scope, map[string]string{"secret_key": "sk_test_1"}, nil, "secret_key"},
		{"publishable as secret", "stripe", f.scope, map[string]string{"secret_key": "pk_test_AAAAAAAAAAAA"}, nil, "secret_key"},
		{"bad publishable", "stripe", f.scope, map[string]string{"secret_key": secretA, "publishable_key": "sk_test_AAAAAAAAAAAA"}, nil, "publishable_key"},
		{"bad webhook secret", "stripe", f.scope, map[string]string{"secret_key": secretA, "webhook_secret": "secret"}, nil, "webhook_secret"},
		{"missing secret key", "stripe", f.scope, map[string]string{"publishable_key": "pk_test_AAAAAAAAAAAA"}, nil, "secret_key"},
		{"field of another provider", "stripe", f.scope, map[string]string{"secret_key": secretA, "api_key": uuid}, nil, "api_key"},
		{"space in a key", "stripe", f.scope, map[string]string{"secret_key": "sk_test_AAAA AAAAAAAA"}, nil, "secret_key"},
		{"easypay account not a uuid", "easypay", f.scope, map[string]string{"account_id": "123", "api_key": uuid}, nil, "account_id"},
		{"easypay without api key", "easypay", f.scope, map[string]string{"account_id": uuid}, nil, "api_key"},
		{"easypay unknown environment", "easypay", f.scope, map[string]string{"account_id": uuid, "api_key": uuid, "environment": "staging"}, nil, "environment"},
		{"easypay environment in capitals", "easypay", f.scope, map[string]string{"account_id": uuid, "api_key": uuid, "environment": "Sandbox"}, nil, "environment"},
		{"easypay sandbox live", "easypay", live, map[string]string{"account_id": uuid, "api_key": uuid, "environment": "sandbox"}, nil, "environment"},
		{"ifthenpay bad mb key", "ifthenpay", f.scope, map[string]string{"mb_key": "abc", "anti_phishing_key": "abcdefgh1"}, nil, "mb_key"},
		{"ifthenpay both key and entity", "ifthenpay", f.scope, map[string]string{"mb_key": "ABC-123456", "entity": "12345", "sub_entity": "123", "anti_phishing_key": "abcdefgh1"}, nil, "mb_key"},
		{"ifthenpay entity alone", "ifthenpay", f.scope, map[string]string{"entity": "12345", "anti_phishing_key": "abcdefgh1"}, nil, "sub_entity"},
		{"ifthenpay bad entity", "ifthenpay", f.scope, map[string]string{"entity": "1234", "sub_entity": "1", "anti_phishing_key": "abcdefgh1"}, nil, "entity"},
		{"ifthenpay no anti-phishing key", "ifthenpay", f.scope, map[string]string{"mb_key": "ABC-123456"}, nil, "anti_phishing_key"},
		{"nothing given", "easypay", f.scope, nil, nil, "account_id"},
		{"default for a method it lacks", "easypay", f.scope, nil, []string{"card"}, "default_for[0]"},
		{"default for an unknown method", "sim", f.scope, nil, []string{"bitcoin"}, "default_for[0]"},
		{"simulator live", "sim", live, nil, []string{"card"}, "provider"},
		{"simulator credentials", "sim", f.scope, map[string]string{"secret_key": secretA}, nil, "secret_key"},
	} {
		_, err := f.svc.SetProvider(f.ctx, c.scope, c.provider, service.ProviderParams{Credentials: c.creds, DefaultFor: c.defaults})
		if e, ok := err.(*checkout.Error); !ok || e.Kind != checkout.KindInvalid || e.Param != c.param {
			t.Errorf("%s: %v; want invalid %s", c.name, err, c.param)
		}
	}
	for _, scope := range []checkout.Scope{f.scope, live} {
		views, err := f.svc.ListProviders(f.ctx, scope)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range views {
			if v.Configured || len(v.DefaultFor) > 0 {
				t.Errorf("refused changes wrote %+v", v)
			}
		}
		if names := viewNames(views); !slices.Equal(names, []string{"easypay", "ifthenpay", "sim", "stablecoin", "stripe"}) {
			t.Errorf("list: %v", names)
		}
	}
}

func viewNames(vs []*service.ProviderView) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Name)
	}
	return out
}

// Easypay's environment is a plain setting: sandbox in test mode,
// production in either mode, and shown as set.
func TestEasypayEnvironment(t *testing.T) {
	f := newTenantFixture(t)
	live := checkout.Scope{AccountID: f.scope.AccountID, Livemode: true}
	uuid := "2b0f63e2-9fb5-4e52-aca0-b4bf0339bbe6"
	for _, c := range []struct {
		scope checkout.Scope
		env   string
	}{{f.scope, "sandbox"}, {f.scope, "production"}, {live, "production"}} {
		v, err := f.svc.SetProvider(f.ctx, c.scope, "easypay", service.ProviderParams{Credentials: map[string]string{
			"account_id": uuid, "api_key": uuid, "environment": c.env}})
		if err != nil || v.Plain["environment"] != c.env || v.Hints["api_key"] != "bbe6" {
			t.Fatalf("%v %s: %+v, %v", c.scope.Livemode, c.env, v, err)
		}
	}
	// Removed, it is production again (the default), and not shown.
	v, err := f.svc.SetProvider(f.ctx, f.scope, "easypay", service.ProviderParams{Credentials: map[string]string{"environment": ""}})
	if _, set := v.Plain["environment"]; err != nil || set || !v.Configured {
		t.Fatalf("removed: %+v, %v", v, err)
	}
}
