package stripe_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/provider/stripe"
	"github.com/checkoutd/checkoutd/provider/stripe/stripetest"
	"github.com/stripe/stripe-go/v85/webhook"
)

// fixture fetches stripe-mock's own object at path (Stripe's fixture of it)
// as a JSON map, for an event to carry.
func fixture(t testing.TB, m *stripetest.Mock, path string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", m.URL+path, nil)
	req.SetBasicAuth(secretKey, "")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var obj map[string]any
	if err := json.Unmarshal(b, &obj); err != nil || res.StatusCode != 200 {
		t.Fatalf("%s: %d %s", path, res.StatusCode, b)
	}
	return obj
}

// event wraps obj in Stripe's event envelope, as Stripe's webhooks send it.
func event(id, typ string, obj map[string]any, apiVersion string) []byte {
	b, _ := json.Marshal(map[string]any{
		"id": id, "object": "event", "api_version": apiVersion, "created": time.Now().Unix(),
		"data": map[string]any{"object": obj}, "livemode": false, "pending_webhooks": 1,
		"request": map[string]any{"id": "req_abc", "idempotency_key": "checkoutd_pay_123"}, "type": typ,
	})
	return b
}

// signed is body as Stripe sends it: signed with secret at ts.
func signed(body []byte, secret string, ts time.Time) checkout.Inbound {
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: ts})
	return checkout.Inbound{Method: "POST", Header: map[string][]string{"Stripe-Signature": {sp.Header}, "Content-Type": {"application/json"}}, Body: body}
}

// intent is stripe-mock's PaymentIntent fixture in status, made by
// checkoutd for payment pay_123 of acct_shop.
func intent(t testing.TB, m *stripetest.Mock, status string) map[string]any {
	pi := fixture(t, m, "/v1/payment_intents/pi_3MtwBwLkdIwHu7ix28a3tqPa")
	pi["status"] = status
	pi["metadata"] = map[string]any{"checkoutd_payment": "pay_123", "checkoutd_session": "cs_test_456", "checkoutd_account": "acct_shop"}
	if status != "requires_payment_method" {
		pi["last_payment_error"] = nil
	}
	return pi
}

func TestWebhookEvents(t *testing.T) {
	m := stripetest.Need(t, mock)
	rec := m.Proxy(t)
	p := build(t, rec.URL, creds)
	ctx := context.Background()
	now := time.Now()

	for _, c := range []struct {
		typ, status string
		want        checkout.PaymentState
	}{
		{"payment_intent.succeeded", "succeeded", checkout.PaymentSucceeded},
		{"payment_intent.payment_failed", "requires_payment_method", checkout.PaymentFailed},
		{"payment_intent.canceled", "canceled", checkout.PaymentFailed},
	} {
		t.Run(c.typ, func(t *testing.T) {
			pi := intent(t, m, c.status)
			ns, err := p.HandleNotification(ctx, signed(event("evt_"+c.status, c.typ, pi, "2026-03-25.dahlia"), webhookSecret, now))
			if err != nil {
				t.Fatal(err)
			}
			if len(ns) != 1 || ns[0].ProviderRef != pi["id"] || ns[0].PaymentID != "pay_123" || ns[0].EventID != "evt_"+c.status || ns[0].Result.Status != c.want {
				t.Fatalf("notifications %+v", ns)
			}
		})
	}

	t.Run("charge.refunded", func(t *testing.T) {
		ch := fixture(t, m, "/v1/charges/ch_3MtwBwLkdIwHu7ix28a3tqPa")
		ch["payment_intent"] = "pi_3MtwBwLkdIwHu7ix28a3tqPa"
		ch["refunded"] = true
		delete(ch, "refunds") // not sent by recent API versions
		body := event("evt_refunded", "charge.refunded", ch, "2026-03-25.dahlia")
		// stripe-mock's intent has no metadata: the tenant's own sale,
		// whose refund is none of checkoutd's business.
		if ns, err := p.HandleNotification(ctx, signed(body, webhookSecret, now)); err != nil || len(ns) != 0 {
			t.Fatalf("a refund of another sale: %+v %v", ns, err)
		}
		// Given the metadata checkoutd sends, the intent is checkoutd's.
		rec.Rewrite("/v1/payment_intents/pi_3MtwBwLkdIwHu7ix28a3tqPa", func(pi map[string]any) {
			pi["id"] = "pi_3MtwBwLkdIwHu7ix28a3tqPa"
			pi["metadata"] = map[string]any{"checkoutd_payment": "pay_123", "checkoutd_account": "acct_shop"}
		})
		before := len(rec.Requests())
		ns, err := p.HandleNotification(ctx, signed(body, webhookSecret, now))
		if err != nil {
			t.Fatal(err)
		}
		if len(ns) != 1 || ns[0].ProviderRef != "pi_3MtwBwLkdIwHu7ix28a3tqPa" || ns[0].PaymentID != "pay_123" || ns[0].EventID != "evt_refunded" || ns[0].Result.Status != "" || len(ns[0].Refunds) == 0 {
			t.Fatalf("notifications %+v", ns)
		}
		for _, r := range ns[0].Refunds {
			if !strings.HasPrefix(r.ProviderRef, "re_") || r.Amount <= 0 || r.Status == "" {
				t.Fatalf("refund %+v", r)
			}
		}
		// The intent and its refunds were asked of Stripe.
		reqs := rec.Requests()[before:]
		if len(reqs) != 2 || reqs[0].Path != "/v1/payment_intents/pi_3MtwBwLkdIwHu7ix28a3tqPa" ||
			reqs[1].Method != "GET" || reqs[1].Path != "/v1/refunds" || reqs[1].Form.Get("payment_intent") != "pi_3MtwBwLkdIwHu7ix28a3tqPa" {
			t.Fatalf("requests %+v", reqs)
		}
	})

	// A refund Stripe left pending settles from its later events, through
	// the intent's refunds as charge.refunded does.
	for _, typ := range []string{"charge.refund.updated", "refund.updated", "refund.failed"} {
		t.Run(typ, func(t *testing.T) {
			if !slices.Contains(stripe.Events, typ) {
				t.Fatalf("%s is not among the events to enable: %v", typ, stripe.Events)
			}
			rec.Rewrite("/v1/payment_intents/pi_3MtwBwLkdIwHu7ix28a3tqPa", func(pi map[string]any) {
				pi["id"] = "pi_3MtwBwLkdIwHu7ix28a3tqPa"
				pi["metadata"] = map[string]any{"checkoutd_payment": "pay_123", "checkoutd_account": "acct_shop"}
			})
			r := fixture(t, m, "/v1/refunds/re_123")
			r["payment_intent"] = "pi_3MtwBwLkdIwHu7ix28a3tqPa"
			r["status"] = "failed"
			before := len(rec.Requests())
			ns, err := p.HandleNotification(ctx, signed(event("evt_"+typ, typ, r, "2026-03-25.dahlia"), webhookSecret, now))
			if err != nil {
				t.Fatal(err)
			}
			if len(ns) != 1 || ns[0].ProviderRef != "pi_3MtwBwLkdIwHu7ix28a3tqPa" || ns[0].PaymentID != "pay_123" || ns[0].EventID != "evt_"+typ || len(ns[0].Refunds) == 0 {
				t.Fatalf("notifications %+v", ns)
			}
			reqs := rec.Requests()[before:]
			if len(reqs) != 2 || reqs[1].Path != "/v1/refunds" || reqs[1].Form.Get("payment_intent") != "pi_3MtwBwLkdIwHu7ix28a3tqPa" {
				t.Fatalf("requests %+v", reqs)
			}
			// A refund of a charge made without an intent is not ours.
			r["payment_intent"] = nil
			if ns, err := p.HandleNotification(ctx, signed(event("evt_x", typ, r, "2026-03-25.dahlia"), webhookSecret, now)); err != nil || len(ns) != 0 {
				t.Fatalf("%+v %v", ns, err)
			}
		})
	}

	t.Run("Ignored", func(t *testing.T) {
		other := intent(t, m, "succeeded")
		other["metadata"] = map[string]any{"order": "42"} // the tenant's own, not checkoutd's
		elsewhere := intent(t, m, "succeeded")
		elsewhere["metadata"].(map[string]any)["checkoutd_account"] = "acct_other"
		for name, body := range map[string][]byte{
			"customer.created":       event("evt_c", "customer.created", fixture(t, m, "/v1/customers/cus_1"), "2026-03-25.dahlia"),
			"payment_intent.created": event("evt_pc", "payment_intent.created", intent(t, m, "requires_payment_method"), "2026-03-25.dahlia"),
			"not checkoutd's":        event("evt_o", "payment_intent.succeeded", other, "2026-03-25.dahlia"),
			"another account's":      event("evt_a", "payment_intent.succeeded", elsewhere, "2026-03-25.dahlia"),
		} {
			ns, err := p.HandleNotification(ctx, signed(body, webhookSecret, now))
			if err != nil || len(ns) != 0 {
				t.Errorf("%s: %+v %v", name, ns, err)
			}
		}
	})

	t.Run("OtherAPIVersion", func(t *testing.T) {
		// A tenant's endpoint may be on another release train.
		ns, err := p.HandleNotification(ctx, signed(event("evt_old", "payment_intent.succeeded", intent(t, m, "succeeded"), "2024-06-20"), webhookSecret, now))
		if err != nil || len(ns) != 1 || ns[0].Result.Status != checkout.PaymentSucceeded {
			t.Fatalf("%+v %v", ns, err)
		}
	})
}

func TestWebhookRefused(t *testing.T) {
	m := stripetest.Need(t, mock)
	p := build(t, m.URL, creds)
	ctx := context.Background()
	body := event("evt_1", "payment_intent.succeeded", intent(t, m, "succeeded"), "2026-03-25.dahlia")
	now := time.Now()
	unsigned := checkout.Inbound{Method: "POST", Header: map[string][]string{}, Body: body}
	tampered := signed(body, webhookSecret, now)
	tampered.Body = []byte(strings.Replace(string(body), `"pay_123"`, `"pay_999"`, 1))
	for name, in := range map[string]checkout.Inbound{
		"Forged":    signed(body, "whsec_notTheTenantsSecret", now),
		"Expired":   signed(body, webhookSecret, now.Add(-301*time.Second)),
		"Unsigned":  unsigned,
		"Tampered":  tampered,
		"Malformed": {Method: "POST", Header: map[string][]string{"Stripe-Signature": {"t=abc,v1"}}, Body: body},
	} {
		t.Run(name, func(t *testing.T) {
			ns, err := p.HandleNotification(ctx, in)
			if checkout.ErrorKind(err) != checkout.KindUnauthorized || ns != nil {
				t.Fatalf("%+v %v", ns, err)
			}
			noSecret(t, err)
		})
	}
	t.Run("WithinTolerance", func(t *testing.T) {
		if _, err := p.HandleNotification(ctx, signed(body, webhookSecret, now.Add(-290*time.Second))); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("NoSigningSecret", func(t *testing.T) {
		c := checkout.Credentials{"secret_key": secretKey, "publishable_key": publishable}
		_, err := build(t, m.URL, c).HandleNotification(ctx, signed(body, webhookSecret, now))
		if checkout.ErrorKind(err) != checkout.KindUnauthorized || !strings.Contains(err.Error(), "webhook_secret") {
			t.Fatalf("%v", err)
		}
	})
}
