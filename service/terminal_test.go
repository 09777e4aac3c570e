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

// In-store payments through Stripe Terminal, against the real stripe-mock
// behind a recorder. Test keys stand for live ones: the rules are the same
// wherever the payment's provider can be asked (live mode refuses loopback
// over http, where stripe-mock answers). stripe-mock keeps no state, so
// the recorder gives its fixture intent the states a real Stripe would.

const (
	tmReader = "tmr_FDOt2wlRZEdpd7"
	tmWhsec  = "whsec_serviceTerminal0000"
)

// terminalFixture is a tenant whose test mode pays through Stripe (the
// recorder in front of stripe-mock) for cards and in-store payments.
func terminalFixture(t *testing.T) (*fixture, *stripetest.Recorder, *setClock) {
	t.Helper()
	mock := stripetest.Start(t)
	rec := mock.Proxy(t)
	f := newTenantFixture(t)
	clock := &setClock{now: time.Now()}
	reg := simRegistry(sim.New(checkout.SystemClock{}))
	reg.RegisterCredentialed("stripe", stripe.Factory(stripe.Config{APIURL: rec.URL,
		Gateway: gwopts.Options{Policy: netguard.Policy{AllowPrivate: true}}}))
	f.configure(func(c *service.Config) { c.Providers, c.Clock = reg, clock })
	if _, err := f.svc.SetProvider(f.ctx, f.scope, "stripe", service.ProviderParams{Credentials: map[string]string{
		"secret_key": "sk_test_51ServiceTerminalKey00", "publishable_key": "pk_test_51ServiceTerminal00", "webhook_secret": tmWhsec},
		DefaultFor: []string{"card", "in_store"}}); err != nil {
		t.Fatal(err)
	}
	return f, rec, clock
}

// intentAs makes stripe-mock's answers at path the card_present intent
// pi_tm in status; waiting is requires_payment_method with no error.
func intentAs(rec *stripetest.Recorder, path, status string) {
	rec.Rewrite(path, func(pi map[string]any) {
		pi["id"], pi["status"], pi["payment_method_types"], pi["last_payment_error"] = "pi_tm", status, []string{"card_present"}, nil
		if status == "succeeded" {
			pi["latest_charge"] = map[string]any{"id": "ch_tm", "object": "charge", "payment_method_details": map[string]any{
				"type": "card_present", "card_present": map[string]any{"brand": "mastercard", "last4": "4444"}}}
		}
	})
}

// inStoreSession is a session of f paid in store only, on device: pushed
// at its creation. It returns the payment waiting on the device.
func inStoreSession(t *testing.T, f *fixture, device string) (*checkout.Session, *checkout.Payment) {
	t.Helper()
	amount := int64(1500)
	s, err := f.svc.CreateSession(f.ctx, f.scope, &service.SessionParams{Amount: &amount, SuccessURL: "https://shop.example/ok",
		CancelURL: "https://shop.example/no", PaymentMethodTypes: []string{"in_store"}, CompanionDevice: device})
	if err != nil {
		t.Fatal(err)
	}
	page, err := f.store.ListPayments(f.ctx, f.scope, checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 10}, SessionID: s.ID})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("payments of the session: %+v %v", page.Items, err)
	}
	return s, page.Items[0]
}

// stripeWebhook is Stripe's signed event typ about intent pi_tm, made by
// checkoutd for payment.
func stripeWebhook(t *testing.T, f *fixture, id, typ, status, payment string) checkout.Inbound {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"id": id, "object": "event", "api_version": "2026-03-25.dahlia", "type": typ, "livemode": false,
		"created": time.Now().Unix(), "data": map[string]any{"object": map[string]any{"id": "pi_tm", "object": "payment_intent", "status": status,
			"amount": 1500, "currency": "eur", "payment_method_types": []string{"card_present"},
			"metadata": map[string]any{"checkoutd_payment": payment, "checkoutd_account": f.scope.AccountID}}}})
	sp := swebhook.GenerateTestSignedPayload(&swebhook.UnsignedPayload{Payload: body, Secret: tmWhsec})
	return checkout.Inbound{Method: "POST", Header: map[string][]string{"Stripe-Signature": {sp.Header}}, Body: body}
}

// TestStripeReaderInStore: a device that is a Stripe reader is looked up
// at Stripe and active at once; a session paid in store on it creates a
// card_present intent and hands it to the reader; the payment then waits,
// and only Stripe's signed webhook completes the session.
func TestStripeReaderInStore(t *testing.T) {
	f, rec, _ := terminalFixture(t)

	// Refused, naming stripeReaderId, and nothing written.
	rec.Answer("/v1/terminal/readers/tmr_unknown", 404, `{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such reader: 'tmr_unknown'"}}`)
	for _, id := range []string{"tmr_unknown", "reader-1", ""} {
		_, err := f.svc.CreateReaderDevice(f.ctx, f.scope, "Counter", id)
		var ce *checkout.Error
		if !asError(err, &ce) || ce.Kind != checkout.KindInvalid || ce.Param != "stripeReaderId" {
			t.Fatalf("reader %q: %v", id, err)
		}
	}
	if page, _ := f.svc.ListDevices(f.ctx, f.scope, checkout.ListParams{Limit: 10}); len(page.Items) != 0 {
		t.Fatalf("a refused reader was written: %+v", page.Items)
	}

	d, err := f.svc.CreateReaderDevice(f.ctx, f.scope, "Counter", tmReader)
	if err != nil || d.Status != checkout.DeviceActive || d.ReaderID != tmReader || d.TokenHash != "" || d.PairingHash != "" {
		t.Fatalf("reader device %+v %v", d, err)
	}
	reqs := rec.Requests()
	if last := reqs[len(reqs)-1]; last.Method != "GET" || last.Path != "/v1/terminal/readers/"+tmReader {
		t.Fatalf("the reader was not looked up: %+v", last)
	}

	intentAs(rec, "/v1/payment_intents", "requires_payment_method")
	before := len(rec.Requests())
	s, p := inStoreSession(t, f, d.ID)
	if p.Provider != "stripe" || p.Method != checkout.MethodInStore || p.Status != checkout.PaymentRequiresAction || p.ProviderRef != "pi_tm" ||
		p.Action.DeviceID() != d.ID || p.Action.Device.ReaderID != tmReader || p.Action.Device.ClientSecret != "" || p.Action.ExpiresAt.IsZero() {
		t.Fatalf("payment %+v (%+v)", p, p.Action)
	}
	sent := rec.Requests()[before:]
	if len(sent) != 2 || sent[0].Path != "/v1/payment_intents" || sent[0].Header.Get("Idempotency-Key") != "checkoutd_"+p.ID ||
		sent[0].Form.Get("payment_method_types[0]") != "card_present" || sent[0].Form.Get("metadata[checkoutd_payment]") != p.ID ||
		sent[0].Form.Get("amount") != "1500" ||
		sent[1].Path != "/v1/terminal/readers/"+tmReader+"/process_payment_intent" || sent[1].Form.Get("payment_intent") != "pi_tm" ||
		sent[1].Header.Get("Idempotency-Key") != stripe.ReaderKey("checkoutd_"+p.ID) {
		t.Fatalf("requests %+v", sent)
	}
	if got, _ := f.svc.GetSession(f.ctx, f.scope, s.ID); got.Status != checkout.SessionOpen {
		t.Fatalf("the session did not wait: %+v", got)
	}

	// A forged webhook changes nothing; Stripe's signed one completes it.
	forged := stripeWebhook(t, f, "evt_tm_forged", "payment_intent.succeeded", "succeeded", p.ID)
	forged.Header["Stripe-Signature"] = []string{"t=1,v1=00"}
	if _, err := f.svc.HandleNotification(f.ctx, f.scope.AccountID, false, "stripe", forged); checkout.ErrorKind(err) != checkout.KindUnauthorized {
		t.Fatalf("a forged webhook: %v", err)
	}
	if got, _ := f.svc.GetSession(f.ctx, f.scope, s.ID); got.Status != checkout.SessionOpen {
		t.Fatalf("a forged webhook completed the session: %+v", got)
	}
	if n, err := f.svc.HandleNotification(f.ctx, f.scope.AccountID, false, "stripe", stripeWebhook(t, f, "evt_tm_ok", "payment_intent.succeeded", "succeeded", p.ID)); err != nil || n != 1 {
		t.Fatalf("the webhook: %d %v", n, err)
	}
	got, _ := f.svc.GetSession(f.ctx, f.scope, s.ID)
	pay, _ := f.svc.GetPayment(f.ctx, f.scope, p.ID)
	if got.Status != checkout.SessionComplete || got.PaymentStatus != checkout.PaymentPaid || got.Payment != p.ID || pay.Status != checkout.PaymentSucceeded {
		t.Fatalf("after the webhook: %+v %+v", got, pay)
	}
}

// TestStripeCompanionAppApproval: a paired companion app gets the intent's
// client secret; its approval alone never pays: without the intent's id,
// or with another, it is refused; with it, Stripe is asked, and a payment
// Stripe has not taken stays waiting while one it has is recorded with the
// card Stripe saw, not the device's words.
func TestStripeCompanionAppApproval(t *testing.T) {
	f, rec, _ := terminalFixture(t)
	nd, err := f.svc.CreateDevice(f.ctx, f.scope, "Phone")
	if err != nil {
		t.Fatal(err)
	}
	pd, err := f.svc.PairDevice(f.ctx, nd.PairingCode)
	if err != nil {
		t.Fatal(err)
	}
	dev := pd.Device
	intentAs(rec, "/v1/payment_intents", "requires_payment_method")
	s, p := inStoreSession(t, f, dev.ID)
	if p.ProviderRef != "pi_tm" || p.Action.Device.ReaderID != "" || !strings.Contains(p.Action.Device.ClientSecret, "_secret_") {
		t.Fatalf("payment %+v (%+v)", p, p.Action.Device)
	}
	for _, push := range mustPushes(t, f, dev.ID) {
		if push.Payment.ID == p.ID && push.Payment.Action.Device.ClientSecret == "" {
			t.Fatal("the push has no client secret for the app")
		}
	}

	approve := service.DeviceOutcome{Outcome: service.OutcomeApproved, Brand: "visa", Last4: "4242"}
	unpaid := func(what string) {
		t.Helper()
		got, _ := f.svc.GetSession(f.ctx, f.scope, s.ID)
		pay, _ := f.svc.GetPayment(f.ctx, f.scope, p.ID)
		if got.Status != checkout.SessionOpen || pay.Status != checkout.PaymentRequiresAction {
			t.Fatalf("%s changed the payment: %+v %+v", what, got, pay)
		}
	}
	for _, ref := range []string{"", "pi_other", "pi_tm_"} {
		o := approve
		o.Reference = ref
		_, err := f.svc.ReportDeviceResult(f.ctx, dev, s.ID, o)
		var ce *checkout.Error
		if !asError(err, &ce) || ce.Kind != checkout.KindInvalid || ce.Param != "reference" {
			t.Fatalf("reference %q: %v", ref, err)
		}
		unpaid("an approval with reference " + ref)
	}

	// The right reference, while Stripe still waits for a card: asked, and
	// not recorded.
	approve.Reference = "pi_tm"
	intentAs(rec, "/v1/payment_intents/pi_tm", "requires_payment_method")
	before := len(rec.Requests())
	if _, err := f.svc.ReportDeviceResult(f.ctx, dev, s.ID, approve); checkout.ErrorKind(err) != checkout.KindState || !strings.Contains(err.Error(), "not") {
		t.Fatalf("an approval Stripe does not confirm: %v", err)
	}
	if sent := rec.Requests()[before:]; len(sent) != 1 || sent[0].Method != "GET" || sent[0].Path != "/v1/payment_intents/pi_tm" {
		t.Fatalf("Stripe was not asked: %+v", sent)
	}
	unpaid("an approval Stripe does not confirm")

	// Once Stripe has taken it: recorded, with Stripe's card.
	intentAs(rec, "/v1/payment_intents/pi_tm", "succeeded")
	pay, err := f.svc.ReportDeviceResult(f.ctx, dev, s.ID, approve)
	if err != nil || pay.Status != checkout.PaymentSucceeded || pay.CardBrand != "mastercard" || pay.CardLast4 != "4444" {
		t.Fatalf("a confirmed approval: %+v %v", pay, err)
	}
	if got, _ := f.svc.GetSession(f.ctx, f.scope, s.ID); got.Status != checkout.SessionComplete || got.Payment != p.ID {
		t.Fatalf("session %+v", got)
	}
}

func mustPushes(t *testing.T, f *fixture, device string) []service.DevicePush {
	t.Helper()
	ps, err := f.svc.DevicePushes(f.ctx, f.scope, device)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// TestStripeInStoreCalledOff: a companion app's decline, and a reader's
// push that timed out, are called off at Stripe (the reader's action and
// the intent canceled) before the payment fails, and the session stays
// open; an intent that succeeded meanwhile is recorded as the success it is.
func TestStripeInStoreCalledOff(t *testing.T) {
	f, rec, clock := terminalFixture(t)
	intentAs(rec, "/v1/payment_intents", "requires_payment_method")
	intentAs(rec, "/v1/payment_intents/pi_tm/cancel", "canceled")

	t.Run("Decline", func(t *testing.T) {
		nd, _ := f.svc.CreateDevice(f.ctx, f.scope, "Phone")
		pd, err := f.svc.PairDevice(f.ctx, nd.PairingCode)
		if err != nil {
			t.Fatal(err)
		}
		s, p := inStoreSession(t, f, pd.Device.ID)
		before := len(rec.Requests())
		pay, err := f.svc.ReportDeviceResult(f.ctx, pd.Device, s.ID, service.DeviceOutcome{Outcome: service.OutcomeDeclined, Reason: "insufficient_funds"})
		if err != nil || pay.Status != checkout.PaymentFailed || pay.FailureCode != "insufficient_funds" {
			t.Fatalf("decline: %+v %v", pay, err)
		}
		sent := rec.Requests()[before:]
		if len(sent) != 1 || sent[0].Path != "/v1/payment_intents/pi_tm/cancel" || sent[0].Header.Get("Idempotency-Key") == "" {
			t.Fatalf("requests %+v", sent)
		}
		if got, _ := f.svc.GetSession(f.ctx, f.scope, s.ID); got.Status != checkout.SessionOpen || p.ID == "" {
			t.Fatalf("session %+v", got)
		}
	})

	t.Run("Timeout", func(t *testing.T) {
		d, err := f.svc.CreateReaderDevice(f.ctx, f.scope, "Counter", tmReader)
		if err != nil {
			t.Fatal(err)
		}
		s, p := inStoreSession(t, f, d.ID)
		intentAs(rec, "/v1/payment_intents/pi_tm", "requires_payment_method")
		clock.Add(service.DefaultDevicePushTimeout + time.Second)
		before := len(rec.Requests())
		if _, err := f.svc.SweepDuePayments(f.ctx); err != nil {
			t.Fatal(err)
		}
		pay, _ := f.svc.GetPayment(f.ctx, f.scope, p.ID)
		if pay.Status != checkout.PaymentFailed || pay.FailureCode != "device_timeout" {
			t.Fatalf("payment after its deadline: %+v", pay)
		}
		sent := rec.Requests()[before:]
		paths := make([]string, len(sent))
		for i, r := range sent {
			paths[i] = r.Method + " " + r.Path
		}
		want := []string{"GET /v1/payment_intents/pi_tm", "POST /v1/terminal/readers/" + tmReader + "/cancel_action", "POST /v1/payment_intents/pi_tm/cancel"}
		if strings.Join(paths, ",") != strings.Join(want, ",") {
			t.Fatalf("requests %v, want %v", paths, want)
		}
		if got, _ := f.svc.GetSession(f.ctx, f.scope, s.ID); got.StatusAt(clock.Now()) != checkout.SessionOpen {
			t.Fatalf("session %+v", got)
		}
	})

	t.Run("SucceededMeanwhile", func(t *testing.T) {
		d, err := f.svc.CreateReaderDevice(f.ctx, f.scope, "Counter 2", tmReader)
		if err != nil {
			t.Fatal(err)
		}
		s, p := inStoreSession(t, f, d.ID)
		// Revoked while the customer's card was being taken: Stripe
		// refuses the cancel of a succeeded intent, and says so.
		rec.Answer("/v1/payment_intents/pi_tm/cancel", 400, `{"error":{"type":"invalid_request_error","code":"payment_intent_unexpected_state","message":"You cannot cancel this PaymentIntent because it has a status of succeeded."}}`)
		intentAs(rec, "/v1/payment_intents/pi_tm", "succeeded")
		if _, err := f.svc.RevokeDevice(f.ctx, f.scope, d.ID); err != nil {
			t.Fatal(err)
		}
		pay, _ := f.svc.GetPayment(f.ctx, f.scope, p.ID)
		got, _ := f.svc.GetSession(f.ctx, f.scope, s.ID)
		if pay.Status != checkout.PaymentSucceeded || got.Status != checkout.SessionComplete || got.Payment != p.ID {
			t.Fatalf("a success the revocation came too late for: %+v %+v", pay, got)
		}
	})
}
