package stripe_test

import (
	"context"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/provider/stripe/stripetest"
)

// BenchmarkStart is one create-and-confirm of a PaymentIntent against
// stripe-mock on loopback: stripe-go's encoding, the HTTP round trip and
// the mapping (stripe-mock's own time included).
func BenchmarkStart(b *testing.B) {
	m := stripetest.Need(b, mock)
	p := build(b, m.URL, creds)
	pay, sess := payment(2500, "EUR")
	req := checkout.StartRequest{Payment: pay, Session: sess, Token: "ctoken_1NnQUf2eZvKYlo2CIObdtbnb", IdempotencyKey: "checkoutd_pay_123",
		ReturnURL: "https://pay.example/checkout/cs_test_456/return/pay_123"}
	for b.Loop() {
		if _, err := p.Start(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandleNotification is the verification and reading of one
// signed payment_intent.succeeded webhook (no call to Stripe).
func BenchmarkHandleNotification(b *testing.B) {
	m := stripetest.Need(b, mock)
	p := build(b, m.URL, creds)
	in := signed(event("evt_bench", "payment_intent.succeeded", intent(b, m, "succeeded"), "2026-03-25.dahlia"), webhookSecret, time.Now())
	for b.Loop() {
		if ns, err := p.HandleNotification(context.Background(), in); err != nil || len(ns) != 1 {
			b.Fatal(ns, err)
		}
	}
}
