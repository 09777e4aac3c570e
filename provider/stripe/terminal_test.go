package stripe_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/provider/stripe"
	"github.com/checkoutd/checkoutd/provider/stripe/stripetest"
	stripeapi "github.com/stripe/stripe-go/v85"
)

const reader = "tmr_FDOt2wlRZEdpd7"

// inStore is an in_store payment as the service hands it to Start, for a
// session whose companion device is dev_counter.
func inStore() (*checkout.Payment, *checkout.Session) {
	pay, sess := payment(2500, "EUR")
	pay.Method = checkout.MethodInStore
	sess.CompanionDevice = "dev_counter"
	return pay, sess
}

// waiting is pay as recorded after its start: waiting on its device.
func waiting(pay *checkout.Payment, ref, readerID string) *checkout.Payment {
	w := *pay
	w.Status, w.ProviderRef = checkout.PaymentRequiresAction, ref
	w.Action = &checkout.NextAction{Kind: checkout.NextActionDevice, ExpiresAt: time.Now().Add(5 * time.Minute),
		Device: &checkout.DeviceHandoff{DeviceID: "dev_counter", ReaderID: readerID}}
	return &w
}

// TestStartInStoreOnReader: an in_store payment whose device is a Stripe
// reader creates a card_present intent, captured automatically, under the
// payment's key, and asks Stripe to process it on the reader under a key
// derived from it. stripe-mock validates both against Stripe's OpenAPI
// document (a wrong shape is a 4xx, which fails the start).
func TestStartInStoreOnReader(t *testing.T) {
	m := stripetest.Need(t, mock)
	rec := m.Proxy(t)
	p := build(t, rec.URL, creds)
	pay, sess := inStore()
	res, err := p.Start(context.Background(), checkout.StartRequest{Payment: pay, Session: sess, Reader: reader,
		IdempotencyKey: "checkoutd_pay_123", ReturnURL: "https://pay.example/checkout/cs_test_456/return/pay_123"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != checkout.PaymentRequiresAction || res.Async || len(res.ProviderRef) < 4 || res.ProviderRef[:3] != "pi_" || res.Action == nil ||
		res.Action.Kind != checkout.NextActionDevice || *res.Action.Device != (checkout.DeviceHandoff{DeviceID: "dev_counter", ReaderID: reader}) {
		t.Fatalf("result %+v (%+v)", res, res.Action)
	}
	reqs := rec.Requests()
	if len(reqs) != 2 {
		t.Fatalf("requests %+v", reqs)
	}
	create, process := reqs[0], reqs[1]
	if create.Method != "POST" || create.Path != "/v1/payment_intents" || create.Header.Get("Idempotency-Key") != "checkoutd_pay_123" ||
		create.Header.Get("Stripe-Version") != stripeapi.APIVersion {
		t.Fatalf("create %+v", create)
	}
	want := map[string]string{"amount": "2500", "currency": "eur", "payment_method_types[0]": "card_present", "capture_method": "automatic",
		"metadata[checkoutd_payment]": "pay_123", "metadata[checkoutd_session]": "cs_test_456", "metadata[checkoutd_account]": "acct_shop",
		"description": "Two mugs"}
	for k, v := range want {
		if got := create.Form.Get(k); got != v {
			t.Errorf("create %s = %q, want %q", k, got, v)
		}
	}
	// Nothing of a card on the page: not confirmed, no return, no token.
	for _, k := range []string{"confirm", "return_url", "payment_method", "confirmation_token"} {
		if create.Form.Has(k) {
			t.Errorf("create sent %s", k)
		}
	}
	if process.Method != "POST" || process.Path != "/v1/terminal/readers/"+reader+"/process_payment_intent" ||
		process.Form.Get("payment_intent") != res.ProviderRef || process.Header.Get("Idempotency-Key") != stripe.ReaderKey("checkoutd_pay_123") ||
		stripe.ReaderKey("checkoutd_pay_123") == "checkoutd_pay_123" {
		t.Fatalf("process %+v", process)
	}
}

// TestStartInStoreCompanionApp: a device that is not a reader gets the
// intent's client secret, for Stripe Terminal's SDK; no reader is asked.
func TestStartInStoreCompanionApp(t *testing.T) {
	m := stripetest.Need(t, mock)
	rec := m.Proxy(t)
	p := build(t, rec.URL, creds)
	pay, sess := inStore()
	res, err := p.Start(context.Background(), checkout.StartRequest{Payment: pay, Session: sess, IdempotencyKey: "checkoutd_pay_123"})
	if err != nil {
		t.Fatal(err)
	}
	// (stripe-mock's client secret is its fixture's, of another id.)
	if res.Status != checkout.PaymentRequiresAction || res.Action.DeviceID() != "dev_counter" || res.Action.Device.ReaderID != "" ||
		!strings.Contains(res.Action.Device.ClientSecret, "_secret_") {
		t.Fatalf("result %+v (%+v)", res, res.Action.Device)
	}
	if reqs := rec.Requests(); len(reqs) != 1 || reqs[0].Path != "/v1/payment_intents" {
		t.Fatalf("requests %+v", reqs)
	}
}

// TestStartInStoreRefused: what an in_store start cannot take is refused
// before anything is sent; a reader Stripe will not hand the intent to
// (offline) fails the attempt and cancels the intent.
func TestStartInStoreRefused(t *testing.T) {
	m := stripetest.Need(t, mock)
	rec := m.Proxy(t)
	p := build(t, rec.URL, creds)
	pay, sess := inStore()
	for name, req := range map[string]checkout.StartRequest{
		"Token":      {Payment: pay, Session: sess, Token: "pm_card_visa", IdempotencyKey: "k"},
		"NoKey":      {Payment: pay, Session: sess},
		"NoDevice":   {Payment: pay, Session: &checkout.Session{ID: "cs_test_456"}, IdempotencyKey: "k"},
		"BadReader":  {Payment: pay, Session: sess, Reader: "reader-1", IdempotencyKey: "k"},
		"NoCardData": {Payment: pay, Session: sess, Card: &checkout.Card{Number: "4242424242424242"}, IdempotencyKey: "k"},
	} {
		if _, err := p.Start(context.Background(), req); err == nil {
			t.Errorf("%s: started", name)
		}
	}
	if n := len(rec.Requests()); n != 0 {
		t.Fatalf("%d requests sent for refused starts", n)
	}
	rec.Answer("/v1/terminal/readers/"+reader+"/process_payment_intent", 400,
		`{"error":{"type":"invalid_request_error","code":"terminal_reader_offline","message":"Reader is currently offline."}}`)
	res, err := p.Start(context.Background(), checkout.StartRequest{Payment: pay, Session: sess, Reader: reader, IdempotencyKey: "checkoutd_pay_123"})
	if err != nil || res.Status != checkout.PaymentFailed || res.FailureCode != "terminal_reader_offline" || res.Action != nil {
		t.Fatalf("offline reader: %+v %v", res, err)
	}
	reqs := rec.Requests()
	if len(reqs) != 3 {
		t.Fatalf("requests %+v", reqs)
	}
	canceled(t, reqs[2], res.ProviderRef)

	// The cancel fails too: the payment is undecided, with the intent's id
	// for the reconciler to ask about (and cancel), never a failure that
	// leaves a live intent behind.
	rec = m.Proxy(t)
	p = build(t, rec.URL, creds)
	rec.Answer("/v1/terminal/readers/"+reader+"/process_payment_intent", 400,
		`{"error":{"type":"invalid_request_error","code":"terminal_reader_offline","message":"Reader is currently offline."}}`)
	rec.Rewrite("/v1/payment_intents", func(pi map[string]any) { pi["id"] = "pi_tm" })
	rec.Answer("/v1/payment_intents/pi_tm/cancel", 500, `{"error":{"type":"api_error","message":"down"}}`)
	again, err := p.Start(context.Background(), checkout.StartRequest{Payment: pay, Session: sess, Reader: reader, IdempotencyKey: "checkoutd_pay_123"})
	if err != nil || again.Status != checkout.PaymentProcessing || again.ProviderRef != "pi_tm" || again.Action != nil {
		t.Fatalf("offline reader, cancel failing: %+v %v", again, err)
	}
}

// cardPresent makes stripe-mock's intents at path card_present ones in
// status (a decline when status is requires_payment_method and declined).
func cardPresent(rec *stripetest.Recorder, path, status string, declined bool) {
	rec.Rewrite(path, func(pi map[string]any) {
		pi["id"], pi["status"], pi["payment_method_types"] = "pi_tm", status, []string{"card_present"}
		if !declined {
			pi["last_payment_error"] = nil
		}
		if status == "succeeded" {
			pi["latest_charge"] = map[string]any{"id": "ch_tm", "object": "charge", "payment_method_details": map[string]any{
				"type": "card_present", "card_present": map[string]any{"brand": "mastercard", "last4": "4444"}}}
		}
	})
}

// TestPollInStore: a card_present intent that waits for a card keeps the
// payment waiting on its device (not a decline, and not canceled); one
// that succeeded is a success with the presented card; a presented card
// refused is a decline, and the intent is canceled.
func TestPollInStore(t *testing.T) {
	m := stripetest.Need(t, mock)
	pay, _ := inStore()
	w := waiting(pay, "pi_tm", reader)

	t.Run("Waiting", func(t *testing.T) {
		rec := m.Proxy(t)
		cardPresent(rec, "/v1/payment_intents/pi_tm", "requires_payment_method", false)
		res, err := build(t, rec.URL, creds).Poll(context.Background(), w)
		if err != nil || res.Status != checkout.PaymentRequiresAction || res.Action == nil || *res.Action.Device != *w.Action.Device ||
			!res.Action.ExpiresAt.Equal(w.Action.ExpiresAt) {
			t.Fatalf("%+v %v", res, err)
		}
		if reqs := rec.Requests(); len(reqs) != 1 {
			t.Fatalf("a waiting intent was touched: %+v", reqs)
		}
	})
	t.Run("Succeeded", func(t *testing.T) {
		rec := m.Proxy(t)
		cardPresent(rec, "/v1/payment_intents/pi_tm", "succeeded", false)
		res, err := build(t, rec.URL, creds).Poll(context.Background(), w)
		if err != nil || res.Status != checkout.PaymentSucceeded || res.CardBrand != "mastercard" || res.CardLast4 != "4444" {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("Declined", func(t *testing.T) {
		rec := m.Proxy(t)
		cardPresent(rec, "/v1/payment_intents/pi_tm", "requires_payment_method", true)
		res, err := build(t, rec.URL, creds).Poll(context.Background(), w)
		if err != nil || res.Status != checkout.PaymentFailed || res.FailureCode == "" {
			t.Fatalf("%+v %v", res, err)
		}
		reqs := rec.Requests()
		if len(reqs) != 2 {
			t.Fatalf("requests %+v", reqs)
		}
		canceled(t, reqs[1], "pi_tm")
	})
	t.Run("NeverHandedOff", func(t *testing.T) {
		// A start that got no answer left the payment processing: an
		// intent still waiting then reached no device checkoutd knows of.
		rec := m.Proxy(t)
		cardPresent(rec, "/v1/payment_intents/pi_tm", "requires_payment_method", false)
		p := *pay
		p.ProviderRef = "pi_tm"
		res, err := build(t, rec.URL, creds).Poll(context.Background(), &p)
		if err != nil || res.Status != checkout.PaymentFailed {
			t.Fatalf("%+v %v", res, err)
		}
		if reqs := rec.Requests(); len(reqs) != 2 {
			t.Fatalf("requests %+v", reqs)
		}
	})
}

// TestCancelInStore: calling a reader's payment off cancels the reader's
// action and the intent; an intent Stripe will not cancel because it
// succeeded meanwhile is answered as the success it is.
func TestCancelInStore(t *testing.T) {
	m := stripetest.Need(t, mock)
	pay, _ := inStore()
	w := waiting(pay, "pi_tm", reader)
	t.Run("Canceled", func(t *testing.T) {
		rec := m.Proxy(t)
		cardPresent(rec, "/v1/payment_intents/pi_tm/cancel", "canceled", false)
		res, err := build(t, rec.URL, creds).Cancel(context.Background(), w)
		if err != nil || res.Status.Final() == false || res.Status == checkout.PaymentSucceeded {
			t.Fatalf("%+v %v", res, err)
		}
		reqs := rec.Requests()
		if len(reqs) != 2 || reqs[0].Method != "POST" || reqs[0].Path != "/v1/terminal/readers/"+reader+"/cancel_action" ||
			reqs[0].Header.Get("Idempotency-Key") == "" {
			t.Fatalf("requests %+v", reqs)
		}
		canceled(t, reqs[1], "pi_tm")
	})
	t.Run("AlreadySucceeded", func(t *testing.T) {
		rec := m.Proxy(t)
		rec.Answer("/v1/payment_intents/pi_tm/cancel", 400, `{"error":{"type":"invalid_request_error","code":"payment_intent_unexpected_state","message":"You cannot cancel this PaymentIntent because it has a status of succeeded."}}`)
		cardPresent(rec, "/v1/payment_intents/pi_tm", "succeeded", false)
		res, err := build(t, rec.URL, creds).Cancel(context.Background(), w)
		if err != nil || res.Status != checkout.PaymentSucceeded || res.CardLast4 != "4444" {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("Unreachable", func(t *testing.T) {
		rec := m.Proxy(t)
		rec.Answer("/v1/payment_intents/pi_tm/cancel", 503, `{"error":{"type":"api_error","message":"down"}}`)
		if res, err := build(t, rec.URL, creds).Cancel(context.Background(), w); err == nil {
			t.Fatalf("a cancel Stripe did not take answered %+v", res)
		}
	})
}

// TestCheckReader: a reader is retrieved from the tenant's Stripe; one
// Stripe does not know, or not shaped as a reader id, is refused naming
// the reader.
func TestCheckReader(t *testing.T) {
	m := stripetest.Need(t, mock)
	rec := m.Proxy(t)
	p := build(t, rec.URL, creds)
	if err := p.CheckReader(context.Background(), reader); err != nil {
		t.Fatal(err)
	}
	if reqs := rec.Requests(); len(reqs) != 1 || reqs[0].Method != "GET" || reqs[0].Path != "/v1/terminal/readers/"+reader {
		t.Fatalf("requests %+v", reqs)
	}
	rec.Answer("/v1/terminal/readers/tmr_unknown", 404, `{"error":{"type":"invalid_request_error","code":"resource_missing","param":"reader","message":"No such reader: 'tmr_unknown'"}}`)
	for _, id := range []string{"tmr_unknown", "reader-1", "tmr_", ""} {
		err := p.CheckReader(context.Background(), id)
		if ce, ok := err.(*checkout.Error); !ok || ce.Kind != checkout.KindInvalid || ce.Param != "reader" {
			t.Errorf("%q: %v", id, err)
		}
	}
}

// TestWebhookReaderActionFailed: a reader's failed action is verified,
// its intent asked for, called off and reported as a failure with the
// reader's code; a reader action that is not a payment is ignored.
func TestWebhookReaderActionFailed(t *testing.T) {
	m := stripetest.Need(t, mock)
	rec := m.Proxy(t)
	cardPresent(rec, "/v1/payment_intents/pi_tm", "requires_payment_method", false)
	rec.Rewrite("/v1/payment_intents/pi_tm", func(pi map[string]any) {
		pi["id"], pi["status"], pi["payment_method_types"], pi["last_payment_error"] = "pi_tm", "requires_payment_method", []string{"card_present"}, nil
		pi["metadata"] = map[string]any{"checkoutd_payment": "pay_123", "checkoutd_session": "cs_test_456", "checkoutd_account": "acct_shop"}
	})
	p := build(t, rec.URL, creds)
	r := fixture(t, m, "/v1/terminal/readers/"+reader)
	r["action"] = map[string]any{"type": "process_payment_intent", "status": "failed", "failure_code": "customer_canceled",
		"failure_message": "The customer canceled.", "process_payment_intent": map[string]any{"payment_intent": "pi_tm"}}
	ns, err := p.HandleNotification(context.Background(), signed(event("evt_rd", "terminal.reader.action_failed", r, stripeapi.APIVersion), webhookSecret, time.Now()))
	if err != nil || len(ns) != 1 {
		t.Fatalf("%+v %v", ns, err)
	}
	n := ns[0]
	if n.ProviderRef != "pi_tm" || n.PaymentID != "pay_123" || n.EventID != "evt_rd" || n.Result.Status != checkout.PaymentFailed || n.Result.FailureCode != "customer_canceled" {
		t.Fatalf("notification %+v", n)
	}
	reqs := rec.Requests()
	if len(reqs) != 2 || reqs[0].Path != "/v1/payment_intents/pi_tm" {
		t.Fatalf("requests %+v", reqs)
	}
	canceled(t, reqs[1], "pi_tm")

	r["action"] = map[string]any{"type": "set_reader_display", "status": "failed"}
	if ns, err := p.HandleNotification(context.Background(), signed(event("evt_rd2", "terminal.reader.action_failed", r, stripeapi.APIVersion), webhookSecret, time.Now())); err != nil || len(ns) != 0 {
		t.Fatalf("a display action: %+v %v", ns, err)
	}
}
