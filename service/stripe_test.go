package service_test

import (
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/netguard"
	gwopts "github.com/checkoutd/checkoutd/provider/gateway"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/provider/stripe"
	"github.com/checkoutd/checkoutd/provider/stripe/stripetest"
	"github.com/checkoutd/checkoutd/service"
)

// TestStripeTestKeysReachStripe: an account that gave Stripe test keys pays
// in test mode through Stripe (here the real stripe-mock), not the
// simulator, with the payment's idempotency key; an account without keys
// stays on the simulator under the same name.
func TestStripeTestKeysReachStripe(t *testing.T) {
	mock := stripetest.Start(t)
	rec := mock.Proxy(t)
	f := newTenantFixture(t)
	simulator := sim.New(checkout.SystemClock{})
	reg := simRegistry(simulator)
	reg.RegisterCredentialed("stripe", stripe.Factory(stripe.Config{APIURL: rec.URL,
		Gateway: gwopts.Options{Policy: netguard.Policy{AllowPrivate: true}},
		StandIn: sim.StandIn(simulator, "stripe", checkout.MethodCard)}))
	f.configure(func(c *service.Config) { c.Providers = reg })

	// Without keys: the simulator, under the name stripe.
	s, err := f.sessionWith(t, f.scope, "stripe", "card")
	if err != nil {
		t.Fatal(err)
	}
	_, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodCard, Token: "pm_card_visa"})
	if err != nil || p.Provider != "stripe" || p.Status != checkout.PaymentSucceeded {
		t.Fatalf("pay on the stand-in: %+v %v", p, err)
	}
	if n := len(rec.Requests()); n != 0 {
		t.Fatalf("the stand-in called Stripe %d times", n)
	}

	const sk = "sk_test_51ServiceSecretKey9999"
	if _, err := f.svc.SetProvider(f.ctx, f.scope, "stripe", service.ProviderParams{Credentials: map[string]string{
		"secret_key": sk, "publishable_key": "pk_test_51ServicePublishable", "webhook_secret": "whsec_serviceSigning9999"}, DefaultFor: []string{"card"}}); err != nil {
		t.Fatal(err)
	}
	s, err = f.sessionWith(t, f.scope, "", "card")
	if err != nil {
		t.Fatal(err)
	}
	_, p, err = f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodCard, Token: "pm_card_visa"})
	if err != nil {
		t.Fatal(err)
	}
	// stripe-mock's fixture intent is a decline; what matters is where it came from.
	if p.Provider != "stripe" || !strings.HasPrefix(p.ProviderRef, "pi_") || p.Status != checkout.PaymentFailed || p.CardLast4 != "4242" {
		t.Fatalf("payment %+v", p)
	}
	reqs := rec.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/v1/payment_intents" || reqs[0].Header.Get("Idempotency-Key") != "checkoutd_"+p.ID ||
		reqs[0].Form.Get("metadata[checkoutd_payment]") != p.ID || reqs[0].Form.Get("metadata[checkoutd_session]") != s.ID ||
		reqs[0].Form.Get("amount") != "1500" || reqs[0].Form.Get("currency") != "eur" || reqs[0].Form.Get("payment_method") != "pm_card_visa" {
		t.Fatalf("requests %+v", reqs)
	}

	// A token Stripe cannot take is refused before anything is written.
	s, _ = f.sessionWith(t, f.scope, "", "card")
	if _, _, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodCard, Token: "tok_visa"}); checkout.ErrorKind(err) != checkout.KindInvalid {
		t.Fatalf("a bad token: %v", err)
	}
	if got, _ := f.svc.GetSession(f.ctx, f.scope, s.ID); got.Payment != "" {
		t.Fatalf("a refused token claimed the session: %+v", got)
	}

	// Stripe's webhooks are verified with the tenant's signing secret.
	if _, err := f.svc.HandleNotification(f.ctx, f.scope.AccountID, false, "stripe", checkout.Inbound{Method: "POST",
		Header: map[string][]string{"Stripe-Signature": {"t=1,v1=00"}}, Body: []byte(`{"object":"event"}`)}); checkout.ErrorKind(err) != checkout.KindUnauthorized {
		t.Fatalf("a forged webhook: %v", err)
	}
	if strings.Contains(f.logs.String(), sk) {
		t.Fatal("the secret key was logged")
	}
}
