package stripe_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/netguard"
	"github.com/checkoutd/checkoutd/provider/gateway"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/provider/stripe"
	"github.com/checkoutd/checkoutd/provider/stripe/stripetest"
	stripeapi "github.com/stripe/stripe-go/v85"
)

var mock *stripetest.Mock

func TestMain(m *testing.M) { stripetest.Main(m, &mock) }

const (
	secretKey     = "sk_test_51TestSecretKeyValue0000"
	publishable   = "pk_test_51TestPublishable0000"
	webhookSecret = "whsec_testSigningSecret0000"
)

var (
	acct  = &checkout.Account{ID: "acct_shop"}
	creds = checkout.Credentials{"secret_key": secretKey, "publishable_key": publishable, "webhook_secret": webhookSecret}
)

// build returns the provider for test mode against base (stripe-mock, or a
// recorder in front of it): loopback needs the SSRF guard's AllowPrivate,
// as --webhook-allow-private gives serve.
func build(t testing.TB, base string, c checkout.Credentials) *stripe.Provider {
	t.Helper()
	f := stripe.Factory(stripe.Config{APIURL: base, Gateway: gateway.Options{Policy: netguard.Policy{AllowPrivate: true}}})
	p, err := f(acct, false, c)
	if err != nil {
		t.Fatal(err)
	}
	return p.(*stripe.Provider)
}

// noSecret fails the test when err holds a credential.
func noSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	// Also the keys' distinctive parts and Stripe's masked form of a key.
	for _, s := range []string{secretKey, webhookSecret, "TestSecretKeyValue", "testSigningSecret", "sk_test_*", "0000"} {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("the error holds a credential (%s): %v", s, err)
		}
	}
}

func TestFactory(t *testing.T) {
	standIn := sim.StandIn(sim.New(checkout.SystemClock{}), "stripe", checkout.MethodCard)
	f := stripe.Factory(stripe.Config{StandIn: standIn})
	t.Run("StandInWithoutCredentials", func(t *testing.T) {
		p, err := f(acct, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, real := p.(*stripe.Provider); real || p.Name() != "stripe" {
			t.Fatalf("test mode without credentials got %T", p)
		}
	})
	t.Run("RealWithTestKeys", func(t *testing.T) {
		p, err := f(acct, false, creds)
		if err != nil {
			t.Fatal(err)
		}
		if _, real := p.(*stripe.Provider); !real {
			t.Fatalf("test keys got %T, want Stripe's sandbox", p)
		}
	})
	live := checkout.Credentials{"secret_key": "rk_live_51RestrictedLive0000", "publishable_key": "pk_live_51LivePublishable0000"}
	if _, err := f(acct, true, live); err != nil {
		t.Fatalf("live keys in live mode: %v", err)
	}
	for name, c := range map[string]struct {
		live  bool
		creds checkout.Credentials
		want  string
	}{
		"LiveWithoutCredentials": {true, nil, "secret_key"},
		"NoSecretKey":            {false, checkout.Credentials{"publishable_key": publishable}, "secret_key"},
		"TestKeyLive":            {true, checkout.Credentials{"secret_key": secretKey, "publishable_key": "pk_live_51LivePublishable0000"}, "secret_key"},
		"LiveKeyInTest":          {false, live, "secret_key"},
		"TestPublishableLive":    {true, checkout.Credentials{"secret_key": "sk_live_51LiveSecret0000", "publishable_key": publishable}, "publishable_key"},
		"NoPublishableKey":       {false, checkout.Credentials{"secret_key": secretKey}, "publishable_key"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := f(acct, c.live, c.creds)
			var ce *checkout.Error
			if !asError(err, &ce) || ce.Kind != checkout.KindState || ce.Code != "provider_unavailable" || !strings.Contains(ce.Message, c.want) {
				t.Fatalf("got %v, want provider_unavailable naming %s", err, c.want)
			}
			noSecret(t, err)
		})
	}
	t.Run("LiveOnlyOverHTTPS", func(t *testing.T) {
		f := stripe.Factory(stripe.Config{APIURL: "http://127.0.0.1:12111", Gateway: gateway.Options{Policy: netguard.Policy{AllowPrivate: true}}})
		if _, err := f(acct, true, live); checkout.ErrorKind(err) != checkout.KindState {
			t.Fatalf("live keys over http: %v", err)
		}
		if _, err := f(acct, false, creds); err != nil {
			t.Fatalf("test keys to stripe-mock: %v", err)
		}
	})
	t.Run("GuardedURL", func(t *testing.T) {
		// Loopback is not Stripe: refused unless the operator allows it.
		_, err := stripe.Factory(stripe.Config{APIURL: "http://127.0.0.1:1"})(acct, false, creds)
		if checkout.ErrorKind(err) != checkout.KindState {
			t.Fatalf("loopback without AllowPrivate: %v", err)
		}
	})
}

func asError(err error, target **checkout.Error) bool {
	e, ok := err.(*checkout.Error)
	*target = e
	return ok
}

func TestPage(t *testing.T) {
	p := build(t, "https://api.stripe.com", creds)
	spec := p.Page(checkout.MethodCard)
	if !slices.Equal(spec.Fields, []checkout.PageField{checkout.FieldToken}) || !spec.APITokens || spec.Data["publishable-key"] != publishable {
		t.Fatalf("spec %+v", spec)
	}
	if !slices.Equal(spec.Scripts, []string{"https://js.stripe.com/" + stripeapi.APIMajorVersion + "/stripe.js"}) {
		t.Fatalf("scripts %v", spec.Scripts)
	}
	// Only Stripe's origins, and never the secret anywhere on the page.
	for _, src := range slices.Concat(spec.ScriptSrc, spec.FrameSrc, spec.ConnectSrc) {
		if !strings.HasSuffix(src, ".stripe.com") && src != "https://maps.googleapis.com" || !strings.HasPrefix(src, "https://") {
			t.Errorf("CSP source %s", src)
		}
	}
	if !slices.Contains(spec.FrameSrc, "https://hooks.stripe.com") || !slices.Contains(spec.ConnectSrc, "https://api.stripe.com") || !slices.Contains(spec.ScriptSrc, "https://js.stripe.com") {
		t.Errorf("spec %+v", spec)
	}
	b, _ := json.Marshal(spec)
	if strings.Contains(string(b), secretKey) || strings.Contains(string(b), webhookSecret) {
		t.Fatal("the page spec holds a secret")
	}
	if spec := p.Page(checkout.MethodMultibanco); len(spec.Fields) != 0 || len(spec.Scripts) != 0 {
		t.Fatalf("multibanco %+v", spec)
	}
}

func TestPrintedWithoutKeys(t *testing.T) {
	p := build(t, "https://api.stripe.com", creds)
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(format, p)
		if strings.Contains(out, secretKey) || strings.Contains(out, webhookSecret) || !strings.Contains(out, "acct_shop") {
			t.Errorf("%s: %s", format, out)
		}
	}
}

func TestCheckToken(t *testing.T) {
	p := build(t, "https://api.stripe.com", creds)
	for _, tok := range []string{"ctoken_1NnQUf2eZvKYlo2CIObdtbnb", "pm_card_visa", "pm_1MqLiJLkdIwHu7ixUEgbFdYF"} {
		if err := p.CheckToken(tok); err != nil {
			t.Errorf("%s: %v", tok, err)
		}
	}
	for _, tok := range []string{"", "tok_visa", "4242424242424242", "ctoken_", "pm_x y", "seti_123", "pi_123_secret_abc", "ctoken_" + strings.Repeat("a", 300)} {
		err := p.CheckToken(tok)
		if ce, ok := err.(*checkout.Error); !ok || ce.Kind != checkout.KindInvalid || ce.Param != "payment_token" {
			t.Errorf("%q: %v", tok, err)
		}
	}
}

// payment is a payment as the service hands it to Start.
func payment(amount int64, cur checkout.Currency) (*checkout.Payment, *checkout.Session) {
	return &checkout.Payment{ID: "pay_123", AccountID: "acct_shop", SessionID: "cs_test_456", Method: checkout.MethodCard,
			Provider: "stripe", Status: checkout.PaymentProcessing, Amount: amount, Currency: cur},
		&checkout.Session{ID: "cs_test_456", AccountID: "acct_shop", Description: "Two mugs", Currency: cur, AmountTotal: amount}
}

// TestStart creates and confirms a PaymentIntent on stripe-mock, which
// refuses any request Stripe's OpenAPI document does not allow, and checks
// what was sent: the idempotency key, the pinned version and every field.
func TestStart(t *testing.T) {
	m := stripetest.Need(t, mock)
	for _, c := range []struct{ token, field string }{{"ctoken_1NnQUf2eZvKYlo2CIObdtbnb", "confirmation_token"}, {"pm_card_visa", "payment_method"}} {
		t.Run(c.field, func(t *testing.T) {
			rec := m.Proxy(t)
			p := build(t, rec.URL, creds)
			pay, sess := payment(2500, "EUR")
			res, err := p.Start(context.Background(), checkout.StartRequest{Payment: pay, Session: sess, Token: c.token,
				IdempotencyKey: "checkoutd_pay_123", ReturnURL: "https://pay.example/checkout/cs_test_456/return/pay_123"})
			if err != nil {
				t.Fatal(err)
			}
			// stripe-mock's fixture intent is requires_payment_method with
			// a last_payment_error: a decline, with its card from the
			// expanded latest charge.
			if !strings.HasPrefix(res.ProviderRef, "pi_") || res.Status != checkout.PaymentFailed || res.CardLast4 != "4242" || res.CardBrand != "visa" {
				t.Fatalf("result %+v", res)
			}
			// The declined intent is canceled, so its client secret can
			// never confirm it later.
			reqs := rec.Requests()
			if len(reqs) != 2 || reqs[0].Method != "POST" || reqs[0].Path != "/v1/payment_intents" {
				t.Fatalf("requests %+v", reqs)
			}
			canceled(t, reqs[1], res.ProviderRef)
			r := reqs[0]
			if r.Header.Get("Idempotency-Key") != "checkoutd_pay_123" || r.Header.Get("Stripe-Version") != stripeapi.APIVersion ||
				r.Header.Get("Authorization") != "Bearer "+secretKey {
				t.Fatalf("headers %v", r.Header)
			}
			want := map[string]string{
				"amount": "2500", "currency": "eur", "confirm": "true", c.field: c.token,
				"return_url":                  "https://pay.example/checkout/cs_test_456/return/pay_123",
				"metadata[checkoutd_session]": "cs_test_456",
				"metadata[checkoutd_payment]": "pay_123",
				"metadata[checkoutd_account]": "acct_shop",
				"description":                 "Two mugs",
				"payment_method_types[0]":     "card",
				"expand[0]":                   "latest_charge",
				"expand[1]":                   "payment_method",
			}
			for k, v := range want {
				if got := r.Form.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if len(r.Form) != len(want) {
				t.Errorf("form %v", r.Form)
			}
		})
	}
}

func TestStartRefusesWithoutKeyOrToken(t *testing.T) {
	p := build(t, "http://127.0.0.1:1", creds)
	pay, sess := payment(2500, "EUR")
	if _, err := p.Start(context.Background(), checkout.StartRequest{Payment: pay, Session: sess, Token: "pm_card_visa"}); err == nil {
		t.Fatal("a charge without an idempotency key was sent")
	}
	if _, err := p.Start(context.Background(), checkout.StartRequest{Payment: pay, Session: sess, Token: "tok_visa", IdempotencyKey: "k"}); checkout.ErrorKind(err) != checkout.KindInvalid {
		t.Fatalf("a bad token: %v", err)
	}
	if _, err := p.Start(context.Background(), checkout.StartRequest{Payment: pay, Session: sess, Card: &checkout.Card{Number: "4242424242424242"}, IdempotencyKey: "k"}); checkout.ErrorKind(err) != checkout.KindInvalid {
		t.Fatalf("a card number: %v", err)
	}
}

// ISK goes to Stripe as if it had two decimals.
func TestStartConvertsAmount(t *testing.T) {
	m := stripetest.Need(t, mock)
	rec := m.Proxy(t)
	p := build(t, rec.URL, creds)
	pay, sess := payment(500, "ISK")
	if _, err := p.Start(context.Background(), checkout.StartRequest{Payment: pay, Session: sess, Token: "pm_card_visa", IdempotencyKey: "k"}); err != nil {
		t.Fatal(err)
	}
	if r := rec.Requests(); len(r) != 2 || r[0].Form.Get("amount") != "50000" || r[0].Form.Get("currency") != "isk" {
		t.Fatalf("%+v", r)
	}
}

// TestConfirmAsksStripe: what the customer comes back with is never
// believed; the intent is retrieved.
func TestConfirmAsksStripe(t *testing.T) {
	m := stripetest.Need(t, mock)
	rec := m.Proxy(t)
	p := build(t, rec.URL, creds)
	pay, _ := payment(2500, "EUR")
	pay.ProviderRef = "pi_3MtwBwLkdIwHu7ix28a3tqPa"
	res, err := p.Confirm(context.Background(), pay, checkout.ConfirmRequest{Completed: true, Params: map[string]string{"redirect_status": "succeeded", "payment_intent": "pi_other"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != checkout.PaymentFailed || res.CardLast4 != "4242" {
		t.Fatalf("result %+v", res) // stripe-mock's fixture, not the query
	}
	poll, err := p.Poll(context.Background(), pay)
	if err != nil || poll.Status != res.Status {
		t.Fatalf("poll %+v %v", poll, err)
	}
	// Each answer of requires_payment_method (a failed 3-D Secure) cancels
	// the intent.
	reqs := rec.Requests()
	if len(reqs) != 4 || reqs[0].Method != "GET" || reqs[0].Path != "/v1/payment_intents/pi_3MtwBwLkdIwHu7ix28a3tqPa" || reqs[0].Form.Get("expand[0]") != "latest_charge" {
		t.Fatalf("requests %+v", reqs)
	}
	canceled(t, reqs[1], pay.ProviderRef)
	canceled(t, reqs[3], pay.ProviderRef)
}

// canceled fails the test unless r cancels intent id as abandoned.
func canceled(t *testing.T, r stripetest.Request, id string) {
	t.Helper()
	if r.Method != "POST" || r.Path != "/v1/payment_intents/"+id+"/cancel" || r.Form.Get("cancellation_reason") != "abandoned" ||
		r.Header.Get("Idempotency-Key") == "" {
		t.Fatalf("not a cancel of %s: %+v", id, r)
	}
}

// TestOnlyFailedIntentsAreCanceled: an intent that succeeded, or awaits
// 3-D Secure, is left alone.
func TestOnlyFailedIntentsAreCanceled(t *testing.T) {
	m := stripetest.Need(t, mock)
	for _, status := range []string{"succeeded", "requires_action", "processing"} {
		t.Run(status, func(t *testing.T) {
			rec := m.Proxy(t)
			rec.Rewrite("/v1/payment_intents", func(pi map[string]any) {
				pi["status"] = status
				pi["last_payment_error"] = nil
			})
			p := build(t, rec.URL, creds)
			pay, sess := payment(2500, "EUR")
			res, err := p.Start(context.Background(), checkout.StartRequest{Payment: pay, Session: sess, Token: "pm_card_visa", IdempotencyKey: "k"})
			if err != nil || res.Status == checkout.PaymentFailed {
				t.Fatalf("%+v %v", res, err)
			}
			if reqs := rec.Requests(); len(reqs) != 1 {
				t.Fatalf("requests %+v", reqs)
			}
		})
	}
}

// TestDeclineCancelsTheIntent: Stripe's 402 for a declined card names the
// intent, left requires_payment_method; it is canceled.
func TestDeclineCancelsTheIntent(t *testing.T) {
	m := stripetest.Need(t, mock)
	rec := m.Proxy(t)
	rec.Answer("/v1/payment_intents", 402, `{"error":{"type":"card_error","code":"card_declined","decline_code":"generic_decline",
		"message":"Your card was declined.","payment_intent":{"id":"pi_3MtwBwLkdIwHu7ix28a3tqPa","object":"payment_intent","status":"requires_payment_method"}}}`)
	p := build(t, rec.URL, creds)
	pay, sess := payment(2500, "EUR")
	res, err := p.Start(context.Background(), checkout.StartRequest{Payment: pay, Session: sess, Token: "pm_card_visa", IdempotencyKey: "k"})
	if err != nil || res.Status != checkout.PaymentFailed || res.FailureCode != "generic_decline" {
		t.Fatalf("%+v %v", res, err)
	}
	reqs := rec.Requests()
	if len(reqs) != 2 {
		t.Fatalf("requests %+v", reqs)
	}
	canceled(t, reqs[1], "pi_3MtwBwLkdIwHu7ix28a3tqPa")
}

// TestCancelFailureIgnored: the cancel is best effort; its failure leaves
// the decline as it was.
func TestCancelFailureIgnored(t *testing.T) {
	m := stripetest.Need(t, mock)
	rec := m.Proxy(t)
	pay, _ := payment(2500, "EUR")
	pay.ProviderRef = "pi_3MtwBwLkdIwHu7ix28a3tqPa"
	rec.Answer("/v1/payment_intents/"+pay.ProviderRef+"/cancel", 500, `{"error":{"type":"api_error","message":"Something went wrong."}}`)
	res, err := build(t, rec.URL, creds).Poll(context.Background(), pay)
	if err != nil || res.Status != checkout.PaymentFailed || res.FailureCode == "" {
		t.Fatalf("%+v %v", res, err)
	}
}

// TestPollSearches: a payment whose Start got no answer has no intent id;
// Poll looks for it by the metadata Start sent, and finding none (stripe-mock's
// fixture is another payment's) is an error to retry, never a failure.
func TestPollSearches(t *testing.T) {
	m := stripetest.Need(t, mock)
	rec := m.Proxy(t)
	p := build(t, rec.URL, creds)
	pay, _ := payment(2500, "EUR")
	res, err := p.Poll(context.Background(), pay)
	if err == nil || !strings.Contains(err.Error(), "no payment intent of pay_123 found") {
		t.Fatalf("found %+v %v", res, err)
	}
	reqs := rec.Requests()
	if len(reqs) != 1 || reqs[0].Method != "GET" || reqs[0].Path != "/v1/payment_intents/search" ||
		reqs[0].Form.Get("query") != "metadata['checkoutd_payment']:'pay_123'" || reqs[0].Form.Get("expand[0]") != "data.latest_charge" {
		t.Fatalf("requests %+v", reqs)
	}
	// Within the time search may lag, still an error to retry.
	pay.Created = time.Now().Add(-9 * time.Minute)
	if res, err := p.Poll(context.Background(), pay); err == nil {
		t.Fatalf("found %+v", res)
	}
	// Past it, no intent was ever made: the payment failed, so the
	// reconciler stops asking.
	pay.Created = time.Now().Add(-11 * time.Minute)
	res, err = p.Poll(context.Background(), pay)
	if err != nil || res.Status != checkout.PaymentFailed || res.FailureCode != "processing_error" || res.ProviderRef != "" {
		t.Fatalf("%+v %v", res, err)
	}
	if n := len(rec.Requests()); n != 3 {
		t.Fatalf("%d requests", n)
	}
	pay.ID = "pay_1' OR 'x"
	if _, err := p.Poll(context.Background(), pay); err == nil || len(rec.Requests()) != 3 {
		t.Fatal("searched for a quoted id")
	}
}

// TestPollFinds: the intent search finds is the payment's, with its card.
func TestPollFinds(t *testing.T) {
	m := stripetest.Need(t, mock)
	rec := m.Proxy(t)
	rec.Rewrite("/v1/payment_intents/search", func(list map[string]any) {
		pi := list["data"].([]any)[0].(map[string]any)
		pi["id"], pi["status"] = "pi_found", "succeeded"
		pi["metadata"] = map[string]any{"checkoutd_payment": "pay_123", "checkoutd_account": "acct_shop"}
	})
	pay, _ := payment(2500, "EUR")
	pay.Created = time.Now().Add(-time.Hour)
	res, err := build(t, rec.URL, creds).Poll(context.Background(), pay)
	if err != nil || res.Status != checkout.PaymentSucceeded || res.ProviderRef != "pi_found" {
		t.Fatalf("%+v %v", res, err)
	}
}

// TestPollNotAnIntent: a payment the simulator's stand-in made under the
// name stripe (test mode, before the tenant set keys) cannot be asked of
// Stripe; any error would have the reconciler ask forever, so it fails.
func TestPollNotAnIntent(t *testing.T) {
	m := stripetest.Need(t, mock)
	rec := m.Proxy(t)
	pay, _ := payment(2500, "EUR")
	pay.ProviderRef = "sim_pay_123"
	res, err := build(t, rec.URL, creds).Poll(context.Background(), pay)
	if err != nil || res.Status != checkout.PaymentFailed || res.FailureCode != "processing_error" {
		t.Fatalf("%+v %v", res, err)
	}
	if reqs := rec.Requests(); len(reqs) != 0 {
		t.Fatalf("asked Stripe: %+v", reqs)
	}
}

func TestRefund(t *testing.T) {
	m := stripetest.Need(t, mock)
	rec := m.Proxy(t)
	p := build(t, rec.URL, creds)
	pay, _ := payment(2500, "EUR")
	pay.ProviderRef = "pi_3MtwBwLkdIwHu7ix28a3tqPa"
	r, err := p.Refund(context.Background(), pay, 700, "checkoutd_refund_1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != checkout.RefundSucceeded || !strings.HasPrefix(r.ProviderRef, "re_") || r.Amount != 700 {
		t.Fatalf("refund %+v", r)
	}
	reqs := rec.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/v1/refunds" || reqs[0].Header.Get("Idempotency-Key") != "checkoutd_refund_1" ||
		reqs[0].Form.Get("payment_intent") != pay.ProviderRef || reqs[0].Form.Get("amount") != "700" ||
		reqs[0].Form.Get("metadata[checkoutd_refund]") != "checkoutd_refund_1" {
		t.Fatalf("requests %+v", reqs)
	}
	if _, err := p.Refund(context.Background(), pay, 700, ""); err == nil {
		t.Fatal("a refund without a key was sent")
	}
	// A payment with no intent (the simulator's stand-in made it) is
	// refused, so the refund fails rather than stay pending.
	pay.ProviderRef = "sim_pay_123"
	if _, err := p.Refund(context.Background(), pay, 700, "checkoutd_refund_2"); !checkout.IsKind(err, checkout.KindState) || len(rec.Requests()) != 1 {
		t.Fatalf("%v", err)
	}
}

// TestRefundRefused: Stripe's definite refusal (4xx but 409 and 429) is a
// KindState error, which has the service fail the refund; what may have
// moved money (5xx, 409, 429, an idempotency_error, no answer) is a plain
// error, so the refund stays pending for a retry with the same key.
func TestRefundRefused(t *testing.T) {
	m := stripetest.Need(t, mock)
	pay, _ := payment(2500, "EUR")
	pay.ProviderRef = "pi_3MtwBwLkdIwHu7ix28a3tqPa"
	for _, c := range []struct {
		name   string
		status int
		body   string
		code   string // the KindState code; "" for a plain error
	}{
		{"Disputed", 400, `{"error":{"type":"invalid_request_error","code":"charge_disputed","message":"Charge ch_1 has been charged back; cannot issue a refund."}}`, "charge_disputed"},
		{"TooMuch", 400, `{"error":{"type":"invalid_request_error","code":"amount_too_large","param":"amount","message":"Refund amount (€30.00) is greater than unrefunded amount on charge (€25.00)"}}`, "amount_too_large"},
		{"RevokedKey", 401, `{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_********0000"}}`, "refund_refused"},
		{"RestrictedKey", 403, `{"error":{"type":"invalid_request_error","message":"The provided key 'rk_test_***0000' does not have the required permissions"}}`, "refund_refused"},
		{"Outage", 500, `{"error":{"type":"api_error","message":"Something went wrong."}}`, ""},
		{"Conflict", 409, `{"error":{"type":"idempotency_error","message":"Another request with the same key is in progress."}}`, ""},
		{"RateLimited", 429, `{"error":{"type":"invalid_request_error","code":"rate_limit","message":"Too many requests."}}`, ""},
		{"KeyReused", 400, `{"error":{"type":"idempotency_error","message":"Keys for idempotent requests can only be used with the same parameters they were first used with."}}`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := m.Proxy(t)
			rec.Answer("/v1/refunds", c.status, c.body)
			_, err := build(t, rec.URL, creds).Refund(context.Background(), pay, 700, "checkoutd_refund_1")
			if err == nil {
				t.Fatal("no error")
			}
			noSecret(t, err)
			var ce *checkout.Error
			isState := asError(err, &ce) && ce.Kind == checkout.KindState
			switch {
			case c.code != "" && (!isState || ce.Code != c.code || ce.Message == ""):
				t.Fatalf("got %#v, want KindState %s", err, c.code)
			case c.code == "" && checkout.ErrorKind(err) != checkout.KindInternal:
				t.Fatalf("got %#v, want a plain error (the refund stays pending)", err)
			}
		})
	}
}

// stripeAnswer is a stand-in for the answers stripe-mock cannot give (a
// decline, an outage, a refused key), in the shape Stripe's API reference
// documents for errors: {"error": {type, code, decline_code, message, …}}.
func stripeAnswer(t *testing.T, status int, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Request-Id", "req_test123")
		w.Header().Set("Stripe-Should-Retry", "false")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestStripeErrors(t *testing.T) {
	pay, sess := payment(2500, "EUR")
	req := checkout.StartRequest{Payment: pay, Session: sess, Token: "pm_card_visa", IdempotencyKey: "k"}
	t.Run("CardErrorIsADecline", func(t *testing.T) {
		p := build(t, stripeAnswer(t, 402, `{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds",
			"message":"Your card has insufficient funds.","payment_intent":{"id":"pi_declined","object":"payment_intent","status":"requires_payment_method"}}}`), creds)
		res, err := p.Start(context.Background(), req)
		if err != nil || res.Status != checkout.PaymentFailed || res.FailureCode != "insufficient_funds" ||
			res.FailureMessage != "Your card has insufficient funds." || res.ProviderRef != "pi_declined" {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("UnknownTokenIsAFailure", func(t *testing.T) {
		p := build(t, stripeAnswer(t, 400, `{"error":{"type":"invalid_request_error","code":"resource_missing","param":"payment_method",
			"message":"No such PaymentMethod: 'pm_card_visa'"}}`), creds)
		res, err := p.Start(context.Background(), req)
		if err != nil || res.Status != checkout.PaymentFailed || res.FailureCode != "resource_missing" || strings.Contains(res.FailureMessage, "pm_") {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("AmountTooSmallIsAFailure", func(t *testing.T) {
		p := build(t, stripeAnswer(t, 400, `{"error":{"type":"invalid_request_error","code":"amount_too_small","param":"amount",
			"message":"Amount must be at least €0.50 eur"}}`), creds)
		if res, err := p.Start(context.Background(), req); err != nil || res.Status != checkout.PaymentFailed || res.FailureCode != "amount_too_small" {
			t.Fatalf("%+v %v", res, err)
		}
	})
	// A definite refusal charged nothing: a failed payment, in words for
	// the customer, never Stripe's (which may quote a key).
	for name, c := range map[string]struct {
		status int
		body   string
	}{
		"OtherInvalidRequestIsAFailure": {400, `{"error":{"type":"invalid_request_error","code":"parameter_unknown","param":"foo","message":"Received unknown parameter: foo"}}`},
		"RevokedKeyIsAFailure":          {401, `{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_********0000"}}`},
		"RestrictedKeyIsAFailure":       {403, `{"error":{"type":"invalid_request_error","message":"The provided key 'rk_test_***0000' does not have the required permissions"}}`},
	} {
		t.Run(name, func(t *testing.T) {
			p := build(t, stripeAnswer(t, c.status, c.body), creds)
			res, err := p.Start(context.Background(), req)
			if err != nil || res.Status != checkout.PaymentFailed || res.FailureCode != "processing_error" ||
				res.FailureMessage != "The payment could not be processed. Try again in a little while." {
				t.Fatalf("%+v %v", res, err)
			}
			// The operator's log learns why (Stripe's status), never a key.
			if !strings.Contains(res.Detail, fmt.Sprintf("HTTP %d", c.status)) || strings.Contains(res.Detail, creds["secret_key"]) {
				t.Fatalf("detail %q", res.Detail)
			}
		})
	}
	// What may have charged is an error, for the reconciler to find out.
	for name, c := range map[string]struct {
		status int
		body   string
	}{
		"ConflictIsAnError":  {409, `{"error":{"type":"idempotency_error","message":"Another request with the same key is in progress."}}`},
		"RateLimitIsAnError": {429, `{"error":{"type":"invalid_request_error","code":"rate_limit","message":"Too many requests."}}`},
		"KeyReusedIsAnError": {400, `{"error":{"type":"idempotency_error","message":"Keys for idempotent requests can only be used with the same parameters they were first used with."}}`},
	} {
		t.Run(name, func(t *testing.T) {
			p := build(t, stripeAnswer(t, c.status, c.body), creds)
			res, err := p.Start(context.Background(), req)
			if _, ok := err.(*stripe.Error); !ok {
				t.Fatalf("%+v %T %v", res, err, err)
			}
			if !strings.Contains(err.Error(), strconv.Itoa(c.status)) || !strings.Contains(err.Error(), "req_test123") {
				t.Fatalf("error says too little: %v", err)
			}
			noSecret(t, err)
		})
	}
	t.Run("OutageIsATemporaryError", func(t *testing.T) {
		p := build(t, stripeAnswer(t, 500, `{"error":{"type":"api_error","message":"Something went wrong."}}`), creds)
		_, err := p.Start(context.Background(), req)
		se, ok := err.(*stripe.Error)
		if !ok || !se.Temporary {
			t.Fatalf("%T %v", err, err)
		}
		noSecret(t, err)
	})
	t.Run("Unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		base := srv.URL
		srv.Close()
		p := build(t, base, creds)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := p.Start(ctx, req)
		if err == nil {
			t.Fatal("no error")
		}
		noSecret(t, err)
	})
}

// TestTimeoutBoundsRetries: --provider-timeout bounds a whole call, so
// stripe-go's retries of a request Stripe never answers share it: one try
// reaches Stripe, not three.
func TestTimeoutBoundsRetries(t *testing.T) {
	m := stripetest.Need(t, mock)
	pay, sess := payment(2500, "EUR")
	paid := *pay
	paid.ProviderRef = "pi_3MtwBwLkdIwHu7ix28a3tqPa"
	for _, c := range []struct {
		name, path string
		call       func(p *stripe.Provider) error
	}{
		{"Start", "/v1/payment_intents", func(p *stripe.Provider) error {
			_, err := p.Start(context.Background(), checkout.StartRequest{Payment: pay, Session: sess, Token: "pm_card_visa", IdempotencyKey: "k"})
			return err
		}},
		{"Poll", "/v1/payment_intents/" + paid.ProviderRef, func(p *stripe.Provider) error {
			_, err := p.Poll(context.Background(), &paid)
			return err
		}},
		{"Refund", "/v1/refunds", func(p *stripe.Provider) error {
			_, err := p.Refund(context.Background(), &paid, 700, "checkoutd_refund_1")
			return err
		}},
		{"Webhook", "/v1/payment_intents/" + paid.ProviderRef, func(p *stripe.Provider) error {
			ch := fixture(t, m, "/v1/charges/ch_3MtwBwLkdIwHu7ix28a3tqPa")
			ch["payment_intent"] = paid.ProviderRef
			_, err := p.HandleNotification(context.Background(), signed(event("evt_r", "charge.refunded", ch, "2026-03-25.dahlia"), webhookSecret, time.Now()))
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := m.Proxy(t)
			rec.Stall(c.path)
			f := stripe.Factory(stripe.Config{APIURL: rec.URL, Gateway: gateway.Options{Timeout: 300 * time.Millisecond, Policy: netguard.Policy{AllowPrivate: true}}})
			p, err := f(acct, false, creds)
			if err != nil {
				t.Fatal(err)
			}
			err = c.call(p.(*stripe.Provider))
			if se, ok := err.(*stripe.Error); !ok || !se.Temporary {
				t.Fatalf("%T %v", err, err)
			}
			if reqs := rec.Requests(); len(reqs) != 1 {
				t.Fatalf("%d tries reached Stripe, want 1", len(reqs))
			}
		})
	}
}
