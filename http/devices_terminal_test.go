package http_test

import (
	"context"
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/seal"
	"github.com/checkoutd/checkoutd/netguard"
	"github.com/checkoutd/checkoutd/provider/gateway"
	"github.com/checkoutd/checkoutd/provider/stripe"
	"github.com/checkoutd/checkoutd/provider/stripe/stripetest"
	"github.com/checkoutd/checkoutd/service"
)

const terminalReader = "tmr_FDOt2wlRZEdpd7"

// terminalEnv is an env whose account A pays cards and in-store payments
// in test mode through the real Stripe provider, at stripe-mock behind a
// recorder; stripe-mock's intents are card_present ones waiting for a card.
func terminalEnv(t *testing.T) (*env, *stripetest.Recorder) {
	t.Helper()
	return terminalEnvOn(t, newEnv(t))
}

// terminalEnvOn makes e a terminalEnv.
func terminalEnvOn(t *testing.T, e *env) (*env, *stripetest.Recorder) {
	t.Helper()
	mock := stripetest.Start(t)
	rec := mock.Proxy(t)
	sealer, err := seal.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	e.configure(func(c *service.Config) {
		c.Sealer = sealer
		r := simProviders(e.clock)
		r.RegisterCredentialed("stripe", stripe.Factory(stripe.Config{APIURL: rec.URL,
			Gateway: gateway.Options{Policy: netguard.Policy{AllowPrivate: true}}}))
		c.Providers = r
	})
	if _, err := e.svc.SetProvider(context.Background(), scopeA, "stripe", service.ProviderParams{Credentials: map[string]string{
		"secret_key": "sk_test_51TerminalSecretKey000", "publishable_key": "pk_test_51TerminalPublishable", "webhook_secret": "whsec_terminalSigning0000"},
		DefaultFor: []string{"card", "in_store"}}); err != nil {
		t.Fatal(err)
	}
	waitingIntent := func(pi map[string]any) {
		pi["id"], pi["status"], pi["payment_method_types"], pi["last_payment_error"] = "pi_tm", "requires_payment_method", []string{"card_present"}, nil
	}
	rec.Rewrite("/v1/payment_intents", waitingIntent)
	rec.Rewrite("/v1/payment_intents/pi_tm", waitingIntent)
	return e, rec
}

// TestReaderDevice: POST /v2/devices with stripeReaderId makes an active
// device that is the account's Stripe reader, looked up at Stripe; bad
// readers are refused naming stripeReaderId, and nothing is written. On
// every store: the reader is part of the stored device.
func TestReaderDevice(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) { readerDevice(t, kind) })
}

func readerDevice(t *testing.T, kind string) {
	e, rec := terminalEnvOn(t, newEnvOn(t, openStore(t, kind)))
	rec.Answer("/v1/terminal/readers/tmr_unknown", 404, `{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such reader: 'tmr_unknown'"}}`)
	for _, c := range []struct{ name, body string }{
		{"Unknown", `{"name":"Counter","stripeReaderId":"tmr_unknown"}`},
		{"Empty", `{"name":"Counter","stripeReaderId":""}`},
		{"NotAReader", `{"name":"Counter","stripeReaderId":"pi_123"}`},
		{"Spaces", `{"name":"Counter","stripeReaderId":"tmr_ab cd"}`},
		{"NotString", `{"name":"Counter","stripeReaderId":5}`},
		{"Null", `{"name":"Counter","stripeReaderId":null}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.do("POST", "/v2/devices", "", "application/json", []byte(c.body), "x-api-key", e.key)
			if c.name == "Null" {
				// null is no reader: a companion device, pending.
				if r.status != 200 || r.str("data", "status") != "pending" {
					t.Fatalf("%s: %d %s", c.body, r.status, r.body)
				}
				return
			}
			if r.status != 400 || r.str("error", "param") != "stripeReaderId" {
				t.Fatalf("%s: %d %s, want 400 naming stripeReaderId", c.body, r.status, r.body)
			}
		})
	}
	if l := e.v2("GET", "/v2/devices", e.key, nil); len(l.get("data").([]any)) != 1 {
		t.Fatalf("refused readers made devices: %s", l.body)
	}

	r := e.v2("POST", "/v2/devices", e.key, map[string]any{"name": "Counter", "stripeReaderId": terminalReader})
	if r.status != 200 || r.str("data", "status") != "active" || r.str("data", "stripeReaderId") != terminalReader ||
		r.get("data", "pairingCode") != nil || r.get("data", "pairingExpiresAt") != nil || r.get("data", "deviceToken") != nil {
		t.Fatalf("create a reader device: %d %s", r.status, r.body)
	}
	id := r.str("data", "id")
	if g := e.v2("GET", "/v2/devices/"+id, e.key, nil); g.str("data", "stripeReaderId") != terminalReader {
		t.Fatalf("get: %s", g.body)
	}
	if u := e.v2("POST", "/v2/devices/"+id, e.key, map[string]any{"name": "Till", "stripeReaderId": "tmr_other"}); u.status != 400 || u.str("error", "param") != "stripeReaderId" {
		t.Fatalf("a reader changed: %d %s", u.status, u.body)
	}
	if c := e.v2("POST", "/v2/devices", e.key, map[string]any{"name": "Phone"}); c.get("data", "stripeReaderId") != nil || c.str("data", "pairingCode") == "" {
		t.Fatalf("a companion device: %s", c.body)
	}

	// A session paid in store on the reader: handed to it through Stripe.
	sess := e.inStoreSession(e.key, id, nil)
	ps := e.sessionPayments(scopeA, sess.str("id"))
	if len(ps) != 1 || ps[0].Provider != "stripe" || ps[0].ProviderRef != "pi_tm" || ps[0].Status != checkout.PaymentRequiresAction {
		t.Fatalf("payments %+v", ps)
	}
	handed := false
	for _, q := range rec.Requests() {
		handed = handed || (q.Path == "/v1/terminal/readers/"+terminalReader+"/process_payment_intent" && q.Form.Get("payment_intent") == "pi_tm")
	}
	if !handed {
		t.Fatal("the intent was not handed to the reader")
	}
}

// TestReaderDeviceLiveNeedsStripe: a live reader device needs the
// account's live Stripe credentials; test mode without Stripe takes the
// reader as it is (nobody to ask).
func TestReaderDeviceLiveNeedsStripe(t *testing.T) {
	e := newEnv(t)
	r := e.v2("POST", "/v2/devices", e.liveA, map[string]any{"name": "Counter", "stripeReaderId": terminalReader})
	if r.status != 400 || r.str("error", "param") != "stripeReaderId" || r.str("error", "code") != "provider_not_configured" {
		t.Fatalf("a live reader without Stripe: %d %s", r.status, r.body)
	}
	if r := e.v2("POST", "/v2/devices", e.key, map[string]any{"name": "Counter", "stripeReaderId": terminalReader}); r.status != 200 || r.str("data", "status") != "active" {
		t.Fatalf("a test reader without Stripe: %d %s", r.status, r.body)
	}
}

// TestCompanionAppStripePush: a companion app's push of a Stripe payment
// carries the intent and its client secret for Stripe Terminal's SDK; its
// approval needs the intent's id, and Stripe's word.
func TestCompanionAppStripePush(t *testing.T) {
	e, _ := terminalEnv(t)
	dev, tok := e.pairedDevice(e.key, "Phone")
	sess := e.inStoreSession(e.key, dev, nil)
	l := e.device("GET", "/v2/devices/me/checkouts", tok, nil)
	data, _ := l.get("data").([]any)
	if l.status != 200 || len(data) != 1 {
		t.Fatalf("pushes: %d %s", l.status, l.body)
	}
	push := data[0].(map[string]any)
	if push["provider"] != "stripe" || push["providerReference"] != "pi_tm" || !strings.Contains(push["clientSecret"].(string), "_secret_") {
		t.Fatalf("push %v", push)
	}
	path := "/v2/devices/me/checkouts/" + sess.str("id") + "/result"
	for _, c := range []struct {
		body        map[string]any
		param, code string
	}{
		{map[string]any{"outcome": "approved", "brand": "visa", "last4": "4242"}, "reference", "parameter_missing"},
		{map[string]any{"outcome": "approved", "brand": "visa", "last4": "4242", "reference": "pi_other"}, "reference", "reference_mismatch"},
		{map[string]any{"outcome": "approved", "brand": "visa", "last4": "4242", "reference": "pi_tm"}, "", "payment_not_confirmed"},
	} {
		r := e.device("POST", path, tok, c.body)
		if r.status != 400 || r.str("error", "param") != c.param || r.str("error", "code") != c.code {
			t.Fatalf("%v: %d %s", c.body, r.status, r.body)
		}
	}
	if ps := e.sessionPayments(scopeA, sess.str("id")); len(ps) != 1 || ps[0].Status != checkout.PaymentRequiresAction {
		t.Fatalf("the payment after unconfirmed approvals: %+v", ps)
	}
	// The simulator's pushes carry no provider reference.
	e2 := newEnv(t)
	dev2, tok2 := e2.pairedDevice(e2.key, "Till")
	e2.inStoreSession(e2.key, dev2, nil)
	p2 := e2.device("GET", "/v2/devices/me/checkouts", tok2, nil).get("data").([]any)[0].(map[string]any)
	if p2["provider"] != "sim" || p2["providerReference"] != nil || p2["clientSecret"] != nil {
		t.Fatalf("a simulator push %v", p2)
	}
}
