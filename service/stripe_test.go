package service_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/netguard"
	gwopts "github.com/checkoutd/checkoutd/provider/gateway"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/provider/stripe"
	"github.com/checkoutd/checkoutd/provider/stripe/stripetest"
	"github.com/checkoutd/checkoutd/service"
	swebhook "github.com/stripe/stripe-go/v85/webhook"
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
	// The declined intent is then canceled at Stripe (provider/stripe's
	// abandon), so it can never be confirmed later.
	reqs := rec.Requests()
	if len(reqs) != 2 || reqs[1].Path != "/v1/payment_intents/"+p.ProviderRef+"/cancel" ||
		reqs[0].Path != "/v1/payment_intents" || reqs[0].Header.Get("Idempotency-Key") != "checkoutd_"+p.ID ||
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

// TestStripeThreeDSecure: an intent that needs 3-D Secure leaves the
// payment requires_action with the intent's client secret for Stripe.js;
// the customer's return asks Stripe and records the success, and Stripe's
// webhook about the same intent changes nothing more. Another payment is
// settled by the webhook alone. stripe-mock keeps no state, so the
// recorder gives its fixture intent each status a real Stripe would.
func TestStripeThreeDSecure(t *testing.T) {
	mock := stripetest.Start(t)
	rec := mock.Proxy(t)
	f := newTenantFixture(t)
	reg := simRegistry(sim.New(checkout.SystemClock{}))
	reg.RegisterCredentialed("stripe", stripe.Factory(stripe.Config{APIURL: rec.URL,
		Gateway: gwopts.Options{Policy: netguard.Policy{AllowPrivate: true}}}))
	f.configure(func(c *service.Config) { c.Providers = reg })
	const whsec = "whsec_service3DSsigning0000"
	if _, err := f.svc.SetProvider(f.ctx, f.scope, "stripe", service.ProviderParams{Credentials: map[string]string{
		"secret_key": "sk_test_51Service3DSKey0000", "publishable_key": "pk_test_51Service3DS0000", "webhook_secret": whsec}}); err != nil {
		t.Fatal(err)
	}
	status := func(path, st string) {
		rec.Rewrite(path, func(pi map[string]any) {
			pi["id"], pi["status"], pi["last_payment_error"] = "pi_3ds", st, nil
		})
	}
	status("/v1/payment_intents", "requires_action")

	s, err := f.sessionWith(t, f.scope, "stripe", "card")
	if err != nil {
		t.Fatal(err)
	}
	_, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodCard, Token: "ctoken_1NnQUf2eZvKYlo2CIObdtbnb"})
	if err != nil || p.Status != checkout.PaymentRequiresAction || p.ProviderRef != "pi_3ds" || p.Action == nil ||
		p.Action.Kind != checkout.NextActionClientSecret || !strings.HasPrefix(p.Action.ClientSecret.Secret, "pi_") {
		t.Fatalf("pay: %+v %v", p, err)
	}

	// The return: whatever the query says, Stripe is asked.
	status("/v1/payment_intents/pi_3ds", "succeeded")
	sess, p, err := f.svc.ConfirmPayment(f.ctx, s.ID, p.ID, checkout.ConfirmRequest{Completed: true, Params: map[string]string{"redirect_status": "failed"}})
	if err != nil || p.Status != checkout.PaymentSucceeded || sess.Status != checkout.SessionComplete || sess.Payment != p.ID {
		t.Fatalf("confirm: %+v %+v %v", sess, p, err)
	}
	// Stripe's webhook about it is the same payment, recorded once.
	webhook := func(typ, pi, payment string) checkout.Inbound {
		body, _ := json.Marshal(map[string]any{"id": "evt_" + payment, "object": "event", "api_version": "2026-03-25.dahlia", "type": typ, "livemode": false,
			"created": time.Now().Unix(), "data": map[string]any{"object": map[string]any{"id": pi, "object": "payment_intent", "status": "succeeded",
				"amount": 1500, "currency": "eur", "metadata": map[string]any{"checkoutd_payment": payment, "checkoutd_account": f.scope.AccountID}}}})
		sp := swebhook.GenerateTestSignedPayload(&swebhook.UnsignedPayload{Payload: body, Secret: whsec})
		return checkout.Inbound{Method: "POST", Header: map[string][]string{"Stripe-Signature": {sp.Header}}, Body: body}
	}
	if n, err := f.svc.HandleNotification(f.ctx, f.scope.AccountID, false, "stripe", webhook("payment_intent.succeeded", "pi_3ds", p.ID)); err != nil || n != 0 {
		t.Fatalf("the webhook after the return: %d %v", n, err)
	}

	// A payment the webhook settles alone.
	status("/v1/payment_intents", "requires_action")
	s2, err := f.sessionWith(t, f.scope, "stripe", "card")
	if err != nil {
		t.Fatal(err)
	}
	_, p2, err := f.svc.Pay(f.ctx, s2.ID, service.PayParams{Method: checkout.MethodCard, Token: "pm_card_threeDSecure2Required"})
	if err != nil || p2.Status != checkout.PaymentRequiresAction {
		t.Fatalf("pay: %+v %v", p2, err)
	}
	if n, err := f.svc.HandleNotification(f.ctx, f.scope.AccountID, false, "stripe", webhook("payment_intent.succeeded", "pi_3ds", p2.ID)); err != nil || n != 1 {
		t.Fatalf("the webhook: %d %v", n, err)
	}
	if got, _ := f.svc.GetSession(f.ctx, f.scope, s2.ID); got.Status != checkout.SessionComplete || got.Payment != p2.ID {
		t.Fatalf("session after the webhook: %+v", got)
	}
}
