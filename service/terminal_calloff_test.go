package service_test

import (
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/provider/stripe/stripetest"
	"github.com/checkoutd/checkoutd/service"
)

// TestInStoreCalledOffWhenSessionEnds: a session that ends (expired by the
// merchant, canceled, expired by the sweep) while its reader holds the
// card_present intent has the intent canceled at Stripe and the payment
// canceled; a success Stripe reports afterwards (the card tapped as the
// cancel went out) is recorded and refunded in full, never dropped.
func TestInStoreCalledOffWhenSessionEnds(t *testing.T) {
	for _, c := range []struct {
		name string
		end  func(f *fixture, clock *setClock, id string) error
	}{
		{"Expire", func(f *fixture, _ *setClock, id string) error {
			_, err := f.svc.ExpireSession(f.ctx, f.scope, id)
			return err
		}},
		{"Cancel", func(f *fixture, _ *setClock, id string) error {
			_, err := f.svc.CancelSession(f.ctx, f.scope, id)
			return err
		}},
		{"Sweep", func(f *fixture, clock *setClock, id string) error {
			clock.Add(checkout.MaxSessionTTL + time.Hour)
			n, err := f.svc.SweepExpired(f.ctx)
			if err == nil && n != 1 {
				t.Errorf("swept %d sessions", n)
			}
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, rec, clock := terminalFixture(t)
			intentAs(rec, "/v1/payment_intents", "requires_payment_method")
			intentAs(rec, "/v1/payment_intents/pi_tm/cancel", "canceled")
			d, err := f.svc.CreateReaderDevice(f.ctx, f.scope, "Counter", tmReader)
			if err != nil {
				t.Fatal(err)
			}
			s, p := inStoreSession(t, f, d.ID)
			before := len(rec.Requests())
			if err := c.end(f, clock, s.ID); err != nil {
				t.Fatal(err)
			}
			canceled := false
			for _, r := range rec.Requests()[before:] {
				canceled = canceled || (r.Method == "POST" && r.Path == "/v1/payment_intents/pi_tm/cancel")
			}
			if !canceled {
				t.Fatalf("the reader's intent was not canceled at Stripe: %v", paths(rec.Requests()[before:]))
			}
			pay, _ := f.svc.GetPayment(f.ctx, f.scope, p.ID)
			if pay.Status != checkout.PaymentCanceled || pay.FailureCode != "session_unavailable" {
				t.Fatalf("payment after the session ended: %s %s", pay.Status, pay.FailureCode)
			}
			if ps := mustPushes(t, f, d.ID); len(ps) != 0 {
				t.Fatalf("the device still sees %d pushes", len(ps))
			}
			// The card was taken all the same: recorded, and refunded.
			if _, err := f.svc.HandleNotification(f.ctx, f.scope.AccountID, false, "stripe", stripeWebhook(t, f, "evt_late_"+c.name, "payment_intent.succeeded", "succeeded", p.ID)); err != nil {
				t.Fatal(err)
			}
			pay, _ = f.svc.GetPayment(f.ctx, f.scope, p.ID)
			if pay.Status != checkout.PaymentSucceeded || pay.AmountRefunded != pay.Amount {
				t.Fatalf("a success after the call-off: %s refunded %d of %d", pay.Status, pay.AmountRefunded, pay.Amount)
			}
			if got, _ := f.svc.GetSession(f.ctx, f.scope, s.ID); got.Payment == p.ID || got.Status == checkout.SessionComplete {
				t.Fatalf("the ended session took the late payment: %+v", got)
			}
		})
	}
}

// TestInStoreCallOffFailsLeavesPush: a call-off Stripe refuses records
// nothing (the intent may still take money): the payment keeps waiting,
// and the reconciler calls it off at its deadline.
func TestInStoreCallOffFailsLeavesPush(t *testing.T) {
	f, rec, clock := terminalFixture(t)
	intentAs(rec, "/v1/payment_intents", "requires_payment_method")
	d, err := f.svc.CreateReaderDevice(f.ctx, f.scope, "Counter", tmReader)
	if err != nil {
		t.Fatal(err)
	}
	s, p := inStoreSession(t, f, d.ID)
	rec.Answer("/v1/payment_intents/pi_tm/cancel", 500, `{"error":{"type":"api_error","message":"boom"}}`)
	if _, err := f.svc.ExpireSession(f.ctx, f.scope, s.ID); err != nil {
		t.Fatal(err)
	}
	if pay, _ := f.svc.GetPayment(f.ctx, f.scope, p.ID); pay.Status != checkout.PaymentRequiresAction {
		t.Fatalf("a payment whose call-off failed was recorded %s", pay.Status)
	}
	intentAs(rec, "/v1/payment_intents/pi_tm", "requires_payment_method")
	rec.Forget("/v1/payment_intents/pi_tm/cancel")
	intentAs(rec, "/v1/payment_intents/pi_tm/cancel", "canceled")
	clock.Add(service.DefaultDevicePushTimeout + time.Second)
	if _, err := f.svc.SweepDuePayments(f.ctx); err != nil {
		t.Fatal(err)
	}
	if pay, _ := f.svc.GetPayment(f.ctx, f.scope, p.ID); !pay.Status.Final() || pay.Status == checkout.PaymentSucceeded {
		t.Fatalf("the reconciler did not call it off: %s", pay.Status)
	}
}

// TestInStorePushRefusesOtherPayments: while a payment waits on the
// session's device, a card payment of the session is refused naming
// method, and a second push is refused, also past the push's deadline
// while its Stripe intent is not called off yet.
func TestInStorePushRefusesOtherPayments(t *testing.T) {
	f, rec, clock := terminalFixture(t)
	intentAs(rec, "/v1/payment_intents", "requires_payment_method")
	d, err := f.svc.CreateReaderDevice(f.ctx, f.scope, "Counter", tmReader)
	if err != nil {
		t.Fatal(err)
	}
	amount := int64(1500)
	s, err := f.svc.CreateSession(f.ctx, f.scope, &service.SessionParams{Amount: &amount, SuccessURL: "https://shop.example/ok",
		CancelURL: "https://shop.example/no", PaymentMethodTypes: []string{"card", "in_store"}, CompanionDevice: d.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodInStore}); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		page, _ := f.store.ListPayments(f.ctx, f.scope, checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 10}, SessionID: s.ID})
		return len(page.Items)
	}
	_, _, err = f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodCard, Token: "pm_card_visa"})
	var ce *checkout.Error
	if !asError(err, &ce) || ce.Param != "method" || ce.Code != "payment_in_progress" || !strings.Contains(ce.Message, "in-store device") {
		t.Fatalf("a card payment beside the push: %v", err)
	}
	clock.Add(service.DefaultDevicePushTimeout + time.Second)
	if _, _, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodInStore}); checkout.ErrorKind(err) != checkout.KindState {
		t.Fatalf("a second push while the first's intent is live: %v", err)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d payments written", n)
	}
}

// TestInStoreUndecidedRefusesOtherPayments: an in-store payment left
// undecided at Stripe (its intent's hand-off and cancel got no answer) may
// still take a card at the counter: a card on the page is refused beside
// it, as beside a push that waits.
func TestInStoreUndecidedRefusesOtherPayments(t *testing.T) {
	f, rec, _ := terminalFixture(t)
	intentAs(rec, "/v1/payment_intents", "requires_payment_method")
	rec.Answer("/v1/terminal/readers/"+tmReader+"/process_payment_intent", 400,
		`{"error":{"type":"invalid_request_error","code":"terminal_reader_offline","message":"Reader is currently offline."}}`)
	rec.Answer("/v1/payment_intents/pi_tm/cancel", 500, `{"error":{"type":"api_error","message":"down"}}`)
	d, err := f.svc.CreateReaderDevice(f.ctx, f.scope, "Counter", tmReader)
	if err != nil {
		t.Fatal(err)
	}
	amount := int64(1500)
	s, err := f.svc.CreateSession(f.ctx, f.scope, &service.SessionParams{Amount: &amount, SuccessURL: "https://shop.example/ok",
		CancelURL: "https://shop.example/no", PaymentMethodTypes: []string{"card", "in_store"}, CompanionDevice: d.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodInStore}); err != nil || p.Status != checkout.PaymentProcessing || p.ProviderRef != "pi_tm" {
		t.Fatalf("a hand-off refused whose cancel failed: %+v %v", p, err)
	}
	_, _, err = f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodCard, Token: "pm_card_visa"})
	var ce *checkout.Error
	if !asError(err, &ce) || ce.Param != "method" || ce.Code != "payment_in_progress" {
		t.Fatalf("a card payment beside an undecided in-store one: %v", err)
	}
}

// paths are requests rs as "METHOD /path".
func paths(rs []stripetest.Request) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Method + " " + r.Path
	}
	return out
}

// TestInStoreLapseWaitsForCancel: a timed-out reader payment whose intent
// Stripe will not cancel is never failed, however long that lasts (a
// failure would let its later success be dropped); each cancel goes under
// a key of its own, so that Stripe tries it again rather than replay the
// first refusal; and the success Stripe reports at last is recorded and
// refunded in full.
func TestInStoreLapseWaitsForCancel(t *testing.T) {
	f, rec, clock := terminalFixture(t)
	intentAs(rec, "/v1/payment_intents", "requires_payment_method")
	d, err := f.svc.CreateReaderDevice(f.ctx, f.scope, "Counter", tmReader)
	if err != nil {
		t.Fatal(err)
	}
	_, p := inStoreSession(t, f, d.ID)
	intentAs(rec, "/v1/payment_intents/pi_tm", "requires_payment_method")
	rec.Answer("/v1/payment_intents/pi_tm/cancel", 500, `{"error":{"type":"api_error","message":"boom"}}`)
	before := len(rec.Requests())
	clock.Add(service.DefaultDevicePushTimeout + time.Second)
	for _, wait := range []time.Duration{0, 25 * time.Hour, 7 * time.Hour} {
		clock.Add(wait)
		if _, err := f.svc.SweepDuePayments(f.ctx); err != nil {
			t.Fatal(err)
		}
		if pay, _ := f.svc.GetPayment(f.ctx, f.scope, p.ID); pay.Status.Final() {
			t.Fatalf("after %v more: a payment whose intent is live was recorded %s %s", wait, pay.Status, pay.FailureCode)
		}
	}
	keys := map[string]bool{}
	for _, r := range rec.Requests()[before:] {
		if r.Path == "/v1/payment_intents/pi_tm/cancel" {
			k := r.Header.Get("Idempotency-Key")
			if k == "" || keys[k] {
				t.Fatalf("a cancel under key %q, used before", k)
			}
			keys[k] = true
		}
	}
	if len(keys) < 3 {
		t.Fatalf("%d cancels tried, want one per sweep", len(keys))
	}
	if _, err := f.svc.HandleNotification(f.ctx, f.scope.AccountID, false, "stripe", stripeWebhook(t, f, "evt_lapse_ok", "payment_intent.succeeded", "succeeded", p.ID)); err != nil {
		t.Fatal(err)
	}
	pay, _ := f.svc.GetPayment(f.ctx, f.scope, p.ID)
	if pay.Status != checkout.PaymentSucceeded || pay.AmountRefunded != pay.Amount {
		t.Fatalf("the success at last: %s refunded %d of %d", pay.Status, pay.AmountRefunded, pay.Amount)
	}
}

// TestInStoreSuccessAfterDecline: a success Stripe reports for an in-store
// payment checkoutd failed on a device's word (the card tapped again as
// the cancel went out) is recorded and refunded in full, and does not
// complete the session, which the customer may be paying another way.
func TestInStoreSuccessAfterDecline(t *testing.T) {
	f, rec, _ := terminalFixture(t)
	intentAs(rec, "/v1/payment_intents", "requires_payment_method")
	intentAs(rec, "/v1/payment_intents/pi_tm/cancel", "canceled")
	nd, _ := f.svc.CreateDevice(f.ctx, f.scope, "Phone")
	pd, err := f.svc.PairDevice(f.ctx, nd.PairingCode)
	if err != nil {
		t.Fatal(err)
	}
	s, p := inStoreSession(t, f, pd.Device.ID)
	if pay, err := f.svc.ReportDeviceResult(f.ctx, pd.Device, s.ID, service.DeviceOutcome{Outcome: service.OutcomeDeclined}); err != nil || pay.Status != checkout.PaymentFailed {
		t.Fatalf("decline: %+v %v", pay, err)
	}
	if _, err := f.svc.HandleNotification(f.ctx, f.scope.AccountID, false, "stripe", stripeWebhook(t, f, "evt_after_decline", "payment_intent.succeeded", "succeeded", p.ID)); err != nil {
		t.Fatal(err)
	}
	pay, _ := f.svc.GetPayment(f.ctx, f.scope, p.ID)
	if pay.Status != checkout.PaymentSucceeded || pay.AmountRefunded != pay.Amount {
		t.Fatalf("a success after the decline: %s refunded %d of %d", pay.Status, pay.AmountRefunded, pay.Amount)
	}
	if got, _ := f.svc.GetSession(f.ctx, f.scope, s.ID); got.Status != checkout.SessionOpen || got.Payment != "" {
		t.Fatalf("session %+v", got)
	}
}

// TestInStoreDeclineWebhookWaitsForCancel: Stripe's payment_failed of a
// card refused at the reader fails the payment only once the intent is
// canceled; while the cancel fails it stays undecided (and off the
// device), and the reconciler fails it once the cancel takes.
func TestInStoreDeclineWebhookWaitsForCancel(t *testing.T) {
	f, rec, clock := terminalFixture(t)
	intentAs(rec, "/v1/payment_intents", "requires_payment_method")
	d, err := f.svc.CreateReaderDevice(f.ctx, f.scope, "Counter", tmReader)
	if err != nil {
		t.Fatal(err)
	}
	_, p := inStoreSession(t, f, d.ID)
	rec.Answer("/v1/payment_intents/pi_tm/cancel", 500, `{"error":{"type":"api_error","message":"boom"}}`)
	if _, err := f.svc.HandleNotification(f.ctx, f.scope.AccountID, false, "stripe", stripeWebhook(t, f, "evt_declined", "payment_intent.payment_failed", "requires_payment_method", p.ID)); err != nil {
		t.Fatal(err)
	}
	if pay, _ := f.svc.GetPayment(f.ctx, f.scope, p.ID); pay.Status.Final() {
		t.Fatalf("failed before its intent was canceled: %s %s", pay.Status, pay.FailureCode)
	}
	rec.Forget("/v1/payment_intents/pi_tm/cancel")
	intentAs(rec, "/v1/payment_intents/pi_tm/cancel", "canceled")
	rec.Rewrite("/v1/payment_intents/pi_tm", func(pi map[string]any) {
		pi["id"], pi["status"], pi["payment_method_types"] = "pi_tm", "requires_payment_method", []string{"card_present"}
		pi["last_payment_error"] = map[string]any{"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds", "message": "Your card has insufficient funds."}
	})
	clock.Add(time.Hour)
	if _, err := f.svc.SweepDuePayments(f.ctx); err != nil {
		t.Fatal(err)
	}
	if pay, _ := f.svc.GetPayment(f.ctx, f.scope, p.ID); pay.Status != checkout.PaymentFailed || pay.FailureCode != "insufficient_funds" {
		t.Fatalf("once the cancel took: %s %s", pay.Status, pay.FailureCode)
	}
}

// TestInStoreWebhookCard: a reader payment completed by Stripe's webhook
// records the card presented (brand and last4 of the latest charge's
// card_present details), for which the intent is retrieved with its
// latest charge expanded.
func TestInStoreWebhookCard(t *testing.T) {
	f, rec, _ := terminalFixture(t)
	intentAs(rec, "/v1/payment_intents", "requires_payment_method")
	d, err := f.svc.CreateReaderDevice(f.ctx, f.scope, "Counter", tmReader)
	if err != nil {
		t.Fatal(err)
	}
	_, p := inStoreSession(t, f, d.ID)
	intentAs(rec, "/v1/payment_intents/pi_tm", "succeeded")
	before := len(rec.Requests())
	if _, err := f.svc.HandleNotification(f.ctx, f.scope.AccountID, false, "stripe", stripeWebhook(t, f, "evt_card", "payment_intent.succeeded", "succeeded", p.ID)); err != nil {
		t.Fatal(err)
	}
	pay, _ := f.svc.GetPayment(f.ctx, f.scope, p.ID)
	if pay.Status != checkout.PaymentSucceeded || pay.CardBrand != "mastercard" || pay.CardLast4 != "4444" {
		t.Fatalf("payment %s card %q %q", pay.Status, pay.CardBrand, pay.CardLast4)
	}
	expanded := false
	for _, r := range rec.Requests()[before:] {
		expanded = expanded || (r.Method == "GET" && r.Path == "/v1/payment_intents/pi_tm" && r.Form.Get("expand[0]") == "latest_charge")
	}
	if !expanded {
		t.Fatalf("the intent was not retrieved with its latest charge: %v", paths(rec.Requests()[before:]))
	}
}

// TestTestDevicesOnStripeAccount: the fixed test devices are the
// simulator's, also for an account whose in_store payments go to Stripe:
// their payments go to the simulator (Stripe is sent nothing), and
// dev_test_approve approves and dev_test_decline declines.
func TestTestDevicesOnStripeAccount(t *testing.T) {
	f, rec, _ := terminalFixture(t)
	intentAs(rec, "/v1/payment_intents", "requires_payment_method")
	for _, c := range []struct {
		device string
		want   checkout.PaymentState
	}{{checkout.TestDeviceApprove, checkout.PaymentSucceeded}, {checkout.TestDeviceDecline, checkout.PaymentFailed}} {
		before := len(rec.Requests())
		s, p := inStoreSession(t, f, c.device)
		if p.Provider != "sim" || p.Status != checkout.PaymentRequiresAction {
			t.Fatalf("%s: payment %s %s", c.device, p.Provider, p.Status)
		}
		if sent := rec.Requests()[before:]; len(sent) != 0 {
			t.Fatalf("%s: Stripe was sent %v", c.device, paths(sent))
		}
		f.waitFor(t, p.ID, c.want)
		got, _ := f.svc.GetSession(f.ctx, f.scope, s.ID)
		if paid := got.Status == checkout.SessionComplete; paid != (c.want == checkout.PaymentSucceeded) {
			t.Fatalf("%s: session %s", c.device, got.Status)
		}
	}
}

// TestReaderDeviceNeedsReaderProvider: a session cannot name a reader
// device when its in_store payments go to a provider that cannot reach a
// reader (the simulator): refused naming companion_device, and nothing is
// written.
func TestReaderDeviceNeedsReaderProvider(t *testing.T) {
	f := newTenantFixture(t)
	d, err := f.svc.CreateReaderDevice(f.ctx, f.scope, "Counter", tmReader)
	if err != nil {
		t.Fatal(err)
	}
	amount := int64(1500)
	for _, methods := range [][]string{{"in_store"}, {"card", "in_store"}} {
		_, err = f.svc.CreateSession(f.ctx, f.scope, &service.SessionParams{Amount: &amount, SuccessURL: "https://shop.example/ok",
			CancelURL: "https://shop.example/no", PaymentMethodTypes: methods, CompanionDevice: d.ID})
		var ce *checkout.Error
		if !asError(err, &ce) || ce.Kind != checkout.KindInvalid || ce.Param != "companion_device" || ce.Code != "device_unsupported" {
			t.Fatalf("%v: %v", methods, err)
		}
	}
	if page, _ := f.svc.ListSessions(f.ctx, f.scope, checkout.SessionFilter{ListParams: checkout.ListParams{Limit: 10}}); len(page.Items) != 0 {
		t.Fatalf("%d sessions written", len(page.Items))
	}
}

// TestRevokeCallsOffEndedSessionsPushes: revoking a reader calls off the
// intents still waiting on it, also one whose session ended (and whose
// call-off then failed), which the device is no longer shown.
func TestRevokeCallsOffEndedSessionsPushes(t *testing.T) {
	f, rec, _ := terminalFixture(t)
	intentAs(rec, "/v1/payment_intents", "requires_payment_method")
	d, err := f.svc.CreateReaderDevice(f.ctx, f.scope, "Counter", tmReader)
	if err != nil {
		t.Fatal(err)
	}
	s, p := inStoreSession(t, f, d.ID)
	rec.Answer("/v1/payment_intents/pi_tm/cancel", 500, `{"error":{"type":"api_error","message":"boom"}}`)
	if _, err := f.svc.ExpireSession(f.ctx, f.scope, s.ID); err != nil {
		t.Fatal(err)
	}
	rec.Forget("/v1/payment_intents/pi_tm/cancel")
	intentAs(rec, "/v1/payment_intents/pi_tm/cancel", "canceled")
	before := len(rec.Requests())
	if _, err := f.svc.RevokeDevice(f.ctx, f.scope, d.ID); err != nil {
		t.Fatal(err)
	}
	pay, _ := f.svc.GetPayment(f.ctx, f.scope, p.ID)
	if pay.Status != checkout.PaymentCanceled || pay.FailureCode != "device_revoked" {
		t.Fatalf("payment after the revocation: %s %s (sent %v)", pay.Status, pay.FailureCode, paths(rec.Requests()[before:]))
	}
}
