// Package webhook signs and verifies the webhook requests that checkoutd
// sends to merchants.
//
// It depends on the Go standard library only, so a merchant can import it
// into their own service without pulling in checkoutd (or anything else).
//
// # Two signature schemes, on every delivery
//
// checkoutd signs every delivery twice, so that a merchant can verify it with
// whichever tooling they already have:
//
//   - Stripe style, in one header. Checkout-Signature carries
//     "t=<unix seconds>,v1=<hex>[,v1=<hex>…]", where v1 is the hex-encoded
//     HMAC-SHA256 of "<t>.<raw body>" keyed with the whole secret string
//     ("whsec_…"). Stripe's own verifiers accept it (stripe-go needs
//     IgnoreAPIVersionMismatch, as the events carry no api_version). Use
//     [ConstructEvent] or [ValidatePayload].
//
//   - Standard Webhooks 1.0 (https://www.standardwebhooks.com), in three
//     headers: webhook-id, webhook-timestamp, and webhook-signature carrying
//     "v1,<base64>" (several space-separated), the base64-encoded
//     HMAC-SHA256 of "<id>.<timestamp>.<raw body>" keyed with the
//     base64-decoded part of the secret after "whsec_". Use [VerifyStandard],
//     or any Standard Webhooks library.
//
// Secrets ([NewSecret]) have the form "whsec_" + base64(32 random bytes), so
// one secret serves both schemes.
//
// # Verifying
//
// Always verify the raw request body, byte for byte as received: re-encoding
// parsed JSON changes the bytes and therefore the MAC. Signatures are compared
// in constant time, and a request is accepted if any of its signatures
// matches: while a merchant rotates their secret, checkoutd signs with both
// the old and the new one, so receivers holding either keep working.
//
// The signed timestamp must lie within a tolerance ([DefaultTolerance], five
// minutes) of the receiver's clock, in either direction. That bounds how long
// a captured request can be replayed; within that window, de-duplicate on the
// event ID (or webhook-id), which stays the same across retries of a
// delivery.
//
// Errors wrap the sentinel errors [ErrNotSigned], [ErrInvalidHeader],
// [ErrNoValidSignature], [ErrTooOld] and [ErrInvalidSecret]; test them with
// errors.Is.
package webhook
