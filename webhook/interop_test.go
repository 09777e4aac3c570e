package webhook_test

// Interoperability with two verifiers nobody here wrote: stripe-go's webhook
// package (for Checkout-Signature) and the Standard Webhooks reference Go
// library (for webhook-*). Both are test-only dependencies; the package
// itself imports the standard library only.

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	stripewebhook "github.com/stripe/stripe-go/v85/webhook"

	"github.com/checkoutd/checkoutd/webhook"
)

// stripe-go accepts our payloads only with IgnoreAPIVersionMismatch: our
// events carry no api_version.
var stripeOpts = stripewebhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true}

func TestStripeGoVerifiesCheckoutSignature(t *testing.T) {
	s := webhook.NewSecret()
	now := time.Now()

	header := webhook.SignatureHeader(now, body, s)
	e, err := stripewebhook.ConstructEventWithOptions(body, header, s, stripeOpts)
	if err != nil {
		t.Fatalf("stripe-go rejected %q: %v", header, err)
	}
	if e.ID != "evt_1" || string(e.Type) != "checkout.session.completed" {
		t.Fatalf("stripe-go decoded %+v", e)
	}

	// The helper's header is the same format.
	sp, err := webhook.GenerateTestSignedPayload(body, s, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stripewebhook.ConstructEventWithOptions(sp.Payload, sp.Header, s, stripeOpts); err != nil {
		t.Fatalf("stripe-go rejected GenerateTestSignedPayload: %v", err)
	}

	// Rotation: stripe-go accepts either secret of a two-signature header.
	old := webhook.NewSecret()
	both := webhook.SignatureHeader(now, body, s, old)
	for _, k := range []string{s, old} {
		if _, err := stripewebhook.ConstructEventWithOptions(body, both, k, stripeOpts); err != nil {
			t.Fatalf("stripe-go rejected rotation header: %v", err)
		}
	}

	// And it rejects what we reject.
	if _, err := stripewebhook.ConstructEventWithOptions(append(body, ' '), header, s, stripeOpts); !errors.Is(err, stripewebhook.ErrNoValidSignature) {
		t.Fatalf("tampered body: %v", err)
	}
	if _, err := stripewebhook.ConstructEventWithOptions(body, header, webhook.NewSecret(), stripeOpts); !errors.Is(err, stripewebhook.ErrNoValidSignature) {
		t.Fatalf("wrong secret: %v", err)
	}
	stale := webhook.SignatureHeader(now.Add(-10*time.Minute), body, s)
	if _, err := stripewebhook.ConstructEventWithOptions(body, stale, s, stripeOpts); !errors.Is(err, stripewebhook.ErrTooOld) {
		t.Fatalf("stale: %v", err)
	}
}

func TestStripeGoAgreesOnSignatures(t *testing.T) {
	s := webhook.NewSecret()
	for _, ts := range []time.Time{t0, time.Unix(0, 0), time.Unix(1614265330, 0)} {
		ours := webhook.ComputeSignature(ts, body, s)
		theirs := stripewebhook.ComputeSignature(ts, body, s)
		if !bytes.Equal(ours, theirs) {
			t.Fatalf("ComputeSignature(%d): ours %x, stripe-go %x", ts.Unix(), ours, theirs)
		}
	}

	// We verify what stripe-go's test helper signs.
	sp := stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{Payload: body, Secret: s, Timestamp: t0})
	if err := at(t0).ValidatePayload(body, sp.Header, s); err != nil {
		t.Fatalf("ValidatePayload(stripe-go header %q) = %v", sp.Header, err)
	}
	if sp.Header != webhook.SignatureHeader(t0, body, s) {
		t.Fatalf("stripe-go %q, ours %q", sp.Header, webhook.SignatureHeader(t0, body, s))
	}
	if got := hex.EncodeToString(sp.Signature); got != hex.EncodeToString(webhook.ComputeSignature(t0, body, s)) {
		t.Fatal(got)
	}
}

func TestStandardWebhooksLibraryVerifies(t *testing.T) {
	s := webhook.NewSecret()
	wh, err := standardwebhooks.NewWebhook(s)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()

	h, err := webhook.Sign("evt_1", now, body, s)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(body, h); err != nil {
		t.Fatalf("standard-webhooks rejected %v: %v", h, err)
	}

	sp, err := webhook.GenerateTestSignedPayload(body, s, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(sp.Payload, sp.Headers); err != nil {
		t.Fatalf("standard-webhooks rejected GenerateTestSignedPayload: %v", err)
	}

	// Rotation: two space-separated signatures, either secret verifies.
	old := webhook.NewSecret()
	both, err := webhook.Sign("evt_1", now, body, s, old)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{s, old} {
		w, _ := standardwebhooks.NewWebhook(k)
		if err := w.Verify(body, both); err != nil {
			t.Fatalf("standard-webhooks rejected rotation headers: %v", err)
		}
	}

	// And it rejects what we reject.
	if err := wh.Verify(append(body, ' '), h); !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
		t.Fatalf("tampered body: %v", err)
	}
	other, _ := standardwebhooks.NewWebhook(webhook.NewSecret())
	if err := other.Verify(body, h); !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
		t.Fatalf("wrong secret: %v", err)
	}
	stale, _ := webhook.Sign("evt_1", now.Add(-10*time.Minute), body, s)
	if err := wh.Verify(body, stale); !errors.Is(err, standardwebhooks.ErrMessageTooOld) {
		t.Fatalf("stale: %v", err)
	}
	future, _ := webhook.Sign("evt_1", now.Add(10*time.Minute), body, s)
	if err := wh.Verify(body, future); !errors.Is(err, standardwebhooks.ErrMessageTooNew) {
		t.Fatalf("future: %v", err)
	}
}

func TestWeVerifyStandardWebhooksLibrary(t *testing.T) {
	s := webhook.NewSecret()
	wh, err := standardwebhooks.NewWebhook(s)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := wh.Sign("msg_1", t0, body)
	if err != nil {
		t.Fatal(err)
	}
	ours, err := webhook.StandardSignature("msg_1", t0, body, s)
	if err != nil {
		t.Fatal(err)
	}
	if sig != ours {
		t.Fatalf("library %q, ours %q", sig, ours)
	}
	h := http.Header{}
	h.Set(standardwebhooks.HeaderWebhookID, "msg_1")
	h.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(t0.Unix(), 10))
	h.Set(standardwebhooks.HeaderWebhookSignature, sig)
	if err := at(t0).VerifyStandard(body, h, s); err != nil {
		t.Fatalf("VerifyStandard(library signature) = %v", err)
	}
}
