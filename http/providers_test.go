package http_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/client"
	"github.com/checkoutd/checkoutd/internal/seal"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/service"
)

// newProvidersEnv is newEnvOn with serve's providers: the simulator, and
// stripe, easypay and ifthenpay standing in on it; and an encryption key.
func newProvidersEnv(t *testing.T, kind string) *env {
	t.Helper()
	e := newEnvOn(t, openStore(t, kind))
	sealer, err := seal.New(bytes.Repeat([]byte{3}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	e.configure(func(c *service.Config) {
		p := sim.New(e.clock)
		r := service.NewRegistry()
		r.Register("sim", sim.Factory(p))
		r.RegisterCredentialed("stripe", sim.StandIn(p, "stripe", checkout.MethodCard))
		r.RegisterCredentialed("easypay", sim.StandIn(p, "easypay", checkout.MethodMultibanco))
		r.RegisterCredentialed("ifthenpay", sim.StandIn(p, "ifthenpay", checkout.MethodMultibanco))
		r.Route(false, "sim", checkout.MethodCard, checkout.MethodMultibanco)
		c.Providers, c.Sealer = r, sealer
	})
	return e
}

const stripeSecret = "sk_test_51SecretSecretSecret7777"

func TestAccountProviders(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) { testAccountProviders(t, newProvidersEnv(t, kind)) })
}

func testAccountProviders(t *testing.T, e *env) {
	r := e.get("/v1/account/providers", e.key)
	if r.status != 200 || r.str("object") != "list" {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	data := r.get("data").([]any)
	if len(data) != 5 || data[2].(map[string]any)["name"] != "sim" || data[4].(map[string]any)["simulated"] != true {
		t.Fatalf("list: %s", r.body)
	}

	r = e.postJSON("/v1/account/providers/stripe", e.key, map[string]any{"secret_key": stripeSecret,
		"publishable_key": "pk_test_51Publishable1234", "webhook_secret": "whsec_signsignsign5555"})
	if r.status != 200 || r.str("name") != "stripe" || r.get("configured") != true || r.get("simulated") != false ||
		r.get("secrets", "secret_key", "last4") != "7777" || r.get("secrets", "webhook_secret", "last4") != "5555" ||
		r.get("credentials", "publishable_key") != "pk_test_51Publishable1234" {
		t.Fatalf("set stripe: %d %s", r.status, r.body)
	}
	for _, secret := range []string{stripeSecret, "whsec_signsignsign5555"} {
		if bytes.Contains(r.body, []byte(secret)) {
			t.Fatalf("the answer holds a secret: %s", r.body)
		}
	}
	// Form-encoded, with a default: easypay takes multibanco vouchers.
	r = e.do("POST", "/v1/account/providers/easypay", e.key, "application/x-www-form-urlencoded",
		[]byte("account_id=2b0f63e2-9fb5-4e52-aca0-b4bf0339bbe6&api_key=eae4aa59-8e5b-4ec2-887d-b02768c4f3b9&default_for[0]=multibanco"))
	if r.status != 200 || r.get("credentials", "account_id") != "2b0f63e2-9fb5-4e52-aca0-b4bf0339bbe6" ||
		r.get("secrets", "api_key", "last4") != "f3b9" || len(r.get("default_for").([]any)) != 1 {
		t.Fatalf("set easypay: %d %s", r.status, r.body)
	}
	if r := e.get("/v1/account/providers/stripe", e.key); r.status != 200 || r.get("secrets", "secret_key", "last4") != "7777" || bytes.Contains(r.body, []byte(stripeSecret)) {
		t.Fatalf("get stripe: %d %s", r.status, r.body)
	}

	// Tenant isolation: B sees none of A's settings and cannot change or
	// remove them; the live key sees the other mode.
	for _, key := range []string{e.keyB, e.liveA} {
		if r := e.get("/v1/account/providers/stripe", key); r.status != 200 || r.get("configured") != false || len(r.get("secrets").(map[string]any)) != 0 {
			t.Fatalf("another scope reads A's stripe: %d %s", r.status, r.body)
		}
		if r := e.do("DELETE", "/v1/account/providers/stripe", key, "", nil); r.status != 404 || r.str("error", "param") != "provider" {
			t.Fatalf("another scope deletes A's stripe: %d %s", r.status, r.body)
		}
	}
	if r := e.postJSON("/v1/account/providers/stripe", e.keyB, map[string]any{"secret_key": "sk_test_BBBBBBBBBBBB0000"}); r.status != 200 {
		t.Fatalf("B sets its own: %d %s", r.status, r.body)
	}
	if r := e.get("/v1/account/providers/stripe", e.key); r.get("secrets", "secret_key", "last4") != "7777" {
		t.Fatalf("B's change reached A: %s", r.body)
	}

	// Sessions: A's easypay (credentials set) waits for its gateway; B's
	// easypay has none, so the simulator takes its vouchers as easypay.
	mb := validSession()
	mb["currency"], mb["payment_method_types"], mb["provider"] = "eur", []string{"multibanco"}, "easypay"
	if r := e.postJSON("/v1/checkout/sessions", e.key, mb); r.status != 400 || r.str("error", "param") != "provider" {
		t.Fatalf("A's easypay with credentials: %d %s", r.status, r.body)
	}
	if r := e.create(e.keyB, mb); r.str("provider") != "easypay" {
		t.Fatalf("B's easypay session: %s", r.body)
	}
	plain := validSession()
	if r := e.create(e.key, plain); r.str("provider") != "sim" {
		t.Fatalf("a session without provider: %s", r.body)
	}

	// Removal forgets the credentials and the default.
	if r := e.do("DELETE", "/v1/account/providers/easypay", e.key, "", nil); r.status != 200 || r.get("deleted") != true {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if r := e.get("/v1/account/providers/easypay", e.key); r.get("configured") != false || len(r.get("default_for").([]any)) != 0 {
		t.Fatalf("after delete: %s", r.body)
	}
	if r := e.create(e.key, mb); r.str("provider") != "easypay" {
		t.Fatalf("A's easypay after removal (simulated again): %s", r.body)
	}
}

// TestAccountProvidersBadInput: each bad request is a 400 (404 for what
// is not there) naming its field, and writes nothing.
func TestAccountProvidersBadInput(t *testing.T) {
	e := newProvidersEnv(t, "sqlite")
	uuid := "2b0f63e2-9fb5-4e52-aca0-b4bf0339bbe6"
	for _, c := range []struct {
		name, path, key string
		body            any
		status          int
		param           string
	}{
		{"unknown provider", "/v1/account/providers/paypal", e.key, map[string]any{"secret_key": stripeSecret}, 400, "provider"},
		{"unknown parameter", "/v1/account/providers/stripe", e.key, map[string]any{"secret_key": stripeSecret, "colour": "red"}, 400, "colour"},
		{"live key in test mode", "/v1/account/providers/stripe", e.key, map[string]any{"secret_key": "sk_live_51AAAAAAAAAAAA"}, 400, "secret_key"},
		{"test key in live mode", "/v1/account/providers/stripe", e.liveA, map[string]any{"secret_key": stripeSecret}, 400, "secret_key"},
		{"secret key not a string", "/v1/account/providers/stripe", e.key, map[string]any{"secret_key": 42}, 400, "secret_key"},
		{"missing secret key", "/v1/account/providers/stripe", e.key, map[string]any{"publishable_key": "pk_test_51AAAAAAAAAA"}, 400, "secret_key"},
		{"bad publishable key", "/v1/account/providers/stripe", e.key, map[string]any{"secret_key": stripeSecret, "publishable_key": "pk_live_51AAAAAAAAAA"}, 400, "publishable_key"},
		{"bad webhook secret", "/v1/account/providers/stripe", e.key, map[string]any{"secret_key": stripeSecret, "webhook_secret": "nope"}, 400, "webhook_secret"},
		{"another provider's field", "/v1/account/providers/stripe", e.key, map[string]any{"secret_key": stripeSecret, "api_key": uuid}, 400, "api_key"},
		{"easypay account id", "/v1/account/providers/easypay", e.key, map[string]any{"account_id": "42", "api_key": uuid}, 400, "account_id"},
		{"ifthenpay entity alone", "/v1/account/providers/ifthenpay", e.key, map[string]any{"entity": "12345", "anti_phishing_key": "abcdefgh12"}, 400, "sub_entity"},
		{"ifthenpay anti-phishing key", "/v1/account/providers/ifthenpay", e.key, map[string]any{"mb_key": "ABC-123456", "anti_phishing_key": "short"}, 400, "anti_phishing_key"},
		{"default for a method it lacks", "/v1/account/providers/easypay", e.key, map[string]any{"default_for": []string{"card"}}, 400, "default_for[0]"},
		{"simulator in live mode", "/v1/account/providers/sim", e.liveA, map[string]any{"default_for": []string{"card"}}, 400, "provider"},
		{"nothing to set", "/v1/account/providers/easypay", e.key, map[string]any{}, 400, "account_id"},
	} {
		r := e.postJSON(c.path, c.key, c.body)
		if r.status != c.status || r.str("error", "param") != c.param {
			t.Errorf("%s: %d %s; want %d naming %s", c.name, r.status, r.body, c.status, c.param)
		}
	}
	if r := e.do("DELETE", "/v1/account/providers/stripe", e.key, "", nil); r.status != 404 || r.str("error", "param") != "provider" {
		t.Errorf("delete what is not set: %d %s", r.status, r.body)
	}
	if r := e.get("/v1/account/providers/stripe?expand=x", e.key); r.status != 400 || r.str("error", "param") != "expand" {
		t.Errorf("a query parameter: %d %s", r.status, r.body)
	}
	for _, key := range []string{e.key, e.liveA} {
		r := e.get("/v1/account/providers", key)
		for _, p := range r.get("data").([]any) {
			if p.(map[string]any)["configured"] != false || len(p.(map[string]any)["default_for"].([]any)) != 0 {
				t.Errorf("a refused request wrote %v", p)
			}
		}
	}
	// Sessions naming a provider that cannot take them write nothing.
	before, _ := e.counts()
	for name, c := range map[string]struct {
		key      string
		provider any
		methods  []string
	}{
		"unknown":            {e.key, "paypal", []string{"card"}},
		"not a string":       {e.key, 7, []string{"card"}},
		"wrong method":       {e.key, "ifthenpay", []string{"card"}},
		"live without setup": {e.liveA, "stripe", []string{"card"}},
	} {
		s := validSession()
		s["currency"], s["provider"], s["payment_method_types"] = "eur", c.provider, c.methods
		if r := e.postJSON("/v1/checkout/sessions", c.key, s); r.status != 400 || r.str("error", "param") != "provider" {
			t.Errorf("session %s: %d %s", name, r.status, r.body)
		}
	}
	if after, _ := e.counts(); after != before {
		t.Errorf("refused sessions were stored: %d, then %d", before, after)
	}
	if logged := strings.Join(e.errs.take(), "\n"); strings.Contains(logged, "sk_") {
		t.Errorf("the server logged a key: %s", logged)
	}
}

// TestPageThroughTenantProviders: two tenants pay on the hosted page, each
// through the provider its session names: A's card with 3-D Secure through
// stripe (the confirmation goes back to it), B's voucher through
// ifthenpay, each recorded on its payment.
func TestPageThroughTenantProviders(t *testing.T) {
	e := newProvidersEnv(t, "sqlite")
	a := validSession()
	a["provider"] = "stripe"
	idA := e.create(e.key, a).str("id")
	res := e.openOK(t, "/checkout/"+idA).pay("4000 0027 6000 3184")
	if !strings.Contains(res.location(), "/3ds/") {
		t.Fatalf("3-D Secure card redirected to %q", res.location())
	}
	if loc := res.follow().submit("complete", nil).location(); !strings.HasPrefix(loc, "https://shop.example/success") {
		t.Fatalf("completed challenge went to %q", loc)
	}
	if pays := e.payments(t, idA); len(pays) != 1 || pays[0]["provider"] != "stripe" || pays[0]["status"] != "succeeded" {
		t.Fatalf("A's payments %v", pays)
	}

	b := validSession()
	b["currency"], b["payment_method_types"] = "eur", []string{"card", "multibanco"}
	if r := e.postJSON("/v1/account/providers/ifthenpay", e.keyB, map[string]any{"default_for": []string{"multibanco"}}); r.status != 200 {
		t.Fatalf("B's default: %d %s", r.status, r.body)
	}
	r := e.create(e.keyB, b)
	idB := r.str("id")
	if r.get("provider") != nil {
		t.Fatalf("B's session of two methods names %v; want null, each method's default", r.get("provider"))
	}
	page := e.openOK(t, "/checkout/"+idB)
	page.submit("multibanco", nil).follow().mustContain("21098")
	pr := e.get("/v1/payments?checkout_session="+idB, e.keyB)
	pays := pr.get("data").([]any)
	if len(pays) != 1 || pays[0].(map[string]any)["provider"] != "ifthenpay" || pays[0].(map[string]any)["method"] != "multibanco" {
		t.Fatalf("B's payments %s", pr.body)
	}
	if r := e.get("/v1/payments?checkout_session="+idB, e.key); len(r.get("data").([]any)) != 0 {
		t.Fatalf("A lists B's payments: %s", r.body)
	}
}

// TestSDKAccountProviders: the Go SDK's Accounts.Providers against the real
// server: set, read (secrets as their last four only), list, remove; bad
// input names its field.
func TestSDKAccountProviders(t *testing.T) {
	e := newProvidersEnv(t, "sqlite")
	ctx := context.Background()
	c := client.New(e.key, client.WithBaseURL(e.srv.URL), client.WithMaxRetries(0))
	sk, pk := "sk_test_"+strings.Repeat("a", 20)+"WXYZ", "pk_test_"+strings.Repeat("b", 24)
	set, err := c.Accounts.Providers.Set(ctx, "stripe", &client.AccountProviderParams{SecretKey: &sk, PublishableKey: &pk, DefaultFor: []string{"card"}})
	if err != nil {
		t.Fatal(err)
	}
	if !set.Configured || set.Simulated || set.Secrets["secret_key"].Last4 != "WXYZ" || set.Credentials["publishable_key"] != pk || len(set.DefaultFor) != 1 {
		t.Errorf("set: %+v", set)
	}
	got, err := c.Accounts.Providers.Get(ctx, "stripe")
	if err != nil || got.Name != "stripe" || got.Secrets["secret_key"].Last4 != "WXYZ" {
		t.Errorf("get: %+v %v", got, err)
	}
	list, err := c.Accounts.Providers.List(ctx)
	if err != nil || len(list.Data) < 3 {
		t.Fatalf("list: %+v %v", list, err)
	}
	for _, p := range list.Data {
		for _, v := range p.Credentials {
			if strings.Contains(v, sk) {
				t.Errorf("a secret answered in %s", p.Name)
			}
		}
	}
	bad := "not-a-key"
	var ce *client.Error
	if _, err := c.Accounts.Providers.Set(ctx, "stripe", &client.AccountProviderParams{SecretKey: &bad}); !errors.As(err, &ce) || ce.Param != "secret_key" {
		t.Errorf("a bad secret key: %v", err)
	}
	if _, err := c.Accounts.Providers.Set(ctx, "paypal", nil); !errors.As(err, &ce) || ce.Param != "provider" {
		t.Errorf("an unknown provider: %v", err)
	}
	if r, err := c.Accounts.Providers.Remove(ctx, "stripe"); err != nil || !r.Deleted {
		t.Errorf("remove: %+v %v", r, err)
	}
	if got, err := c.Accounts.Providers.Get(ctx, "stripe"); err != nil || got.Configured || !got.Simulated {
		t.Errorf("after remove: %+v %v", got, err)
	}
}

// TestProviderNamesItsMethods: a session that names a provider and no
// payment method is paid with what that provider takes, for every dialect
// (seed 000's provider field relies on it).
func TestProviderNamesItsMethods(t *testing.T) {
	e := newProvidersEnv(t, "sqlite")
	for provider, want := range map[string]string{"stripe": "card", "easypay": "multibanco", "ifthenpay": "multibanco"} {
		r := e.postJSON("/v1/checkout/sessions", e.key, map[string]any{"amount": 1000, "currency": "EUR", "provider": provider,
			"success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/cancel"})
		if methods, _ := r.get("payment_method_types").([]any); r.status != 200 || len(methods) != 1 || methods[0] != want || r.str("provider") != provider {
			t.Errorf("%s: %d %s", provider, r.status, r.body)
		}
	}
	// Multibanco is euros only: easypay in GHS has nothing to take.
	r := e.postJSON("/v1/checkout/sessions", e.key, map[string]any{"amount": 1000, "currency": "GHS", "provider": "easypay",
		"success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/cancel"})
	if r.status != 400 || r.str("error", "param") != "provider" {
		t.Errorf("easypay in GHS: %d %s", r.status, r.body)
	}
}
