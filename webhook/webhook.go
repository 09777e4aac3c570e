package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultTolerance is how far the signed timestamp may be from the receiver's
// clock, in either direction, before a request is rejected with [ErrTooOld].
// Five minutes (Stripe's and Standard Webhooks' default) absorbs clock skew
// and delivery latency while keeping the replay window for a captured request
// short.
const DefaultTolerance = 300 * time.Second

// HeaderCheckoutSignature is the header carrying the Stripe-style signature.
// It has its own name, not Stripe-Signature, so that a merchant's Stripe
// handler is never fed checkoutd's requests by mistake.
const HeaderCheckoutSignature = "Checkout-Signature"

// Standard Webhooks header names. They are lowercase, as the specification
// spells them; [net/http.Header] matches them case-insensitively.
const (
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
)

// SecretPrefix starts every secret made by [NewSecret]. It makes a leaked
// secret recognisable to secret scanners, and Standard Webhooks strips it
// before base64-decoding the key.
const SecretPrefix = "whsec_"

// Sentinel errors. Verification errors wrap exactly one of them, with detail
// added; compare with errors.Is. The split lets a receiver tell a
// misconfiguration (ErrNotSigned, ErrInvalidSecret) from an attack or bug
// (ErrInvalidHeader, ErrNoValidSignature) from a stale or replayed request
// (ErrTooOld).
var (
	// ErrNotSigned means the request carries no signature header at all:
	// typically the endpoint receives traffic that is not from checkoutd,
	// or a proxy strips the header.
	ErrNotSigned = errors.New("webhook: request is not signed")

	// ErrInvalidHeader means a signature header is present but cannot be
	// parsed (no timestamp, a timestamp that is not a number, a missing
	// separator, an incomplete set of webhook-* headers).
	ErrInvalidHeader = errors.New("webhook: invalid signature header")

	// ErrNoValidSignature means the header is well formed but none of its
	// signatures matches the body and secret: the body was altered, the
	// secret is wrong, or the request is forged.
	ErrNoValidSignature = errors.New("webhook: no valid signature")

	// ErrTooOld means a valid signature carries a timestamp further than the
	// tolerance from the receiver's clock, in the past or in the future. It
	// is reported only once a signature matched, so it never hides a
	// forgery.
	ErrTooOld = errors.New("webhook: timestamp outside tolerance")

	// ErrInvalidSecret means the secret given to this package is unusable:
	// empty (an empty HMAC key would let anyone sign), or, for Standard
	// Webhooks, not base64 after the "whsec_" prefix.
	ErrInvalidSecret = errors.New("webhook: invalid secret")
)

// secretBytes is the size of the random key inside a secret: 256 bits, the
// output size of SHA-256, so the key is never the weak part of the MAC.
const secretBytes = 32

// NewSecret returns a fresh signing secret: "whsec_" followed by the standard
// base64 encoding of 32 bytes from crypto/rand. The same string works for
// both schemes: Stripe-style signing uses it whole as the HMAC key, Standard
// Webhooks uses the decoded 32 bytes.
func NewSecret() string {
	b := make([]byte, secretBytes)
	// Since Go 1.24 crypto/rand.Read never returns an error: it crashes the
	// program if the system's randomness source fails, which is the only
	// safe outcome for a key generator.
	rand.Read(b)
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// ComputeSignature returns the raw (not hex-encoded) Stripe-style v1 MAC:
// HMAC-SHA256 keyed with the whole secret string, over
// "<t as unix seconds>.<payload>". It is exported so that senders and tests
// can build headers by hand; receivers should call [ValidatePayload], which
// also parses the header and checks the timestamp.
func ComputeSignature(t time.Time, payload []byte, secret string) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(strconv.AppendInt(nil, t.Unix(), 10))
	mac.Write([]byte{'.'})
	mac.Write(payload)
	return mac.Sum(nil)
}

// SignatureHeader returns the Checkout-Signature header value
// "t=<unix seconds>,v1=<hex>[,v1=<hex>…]", with one v1 per secret, in the
// order given. Pass the new and the old secret while a rotation overlaps, so
// that receivers still holding the old one keep verifying. With no secrets the
// header has no v1 and every receiver rejects it.
func SignatureHeader(t time.Time, payload []byte, secrets ...string) string {
	var b strings.Builder
	b.WriteString("t=")
	b.WriteString(strconv.FormatInt(t.Unix(), 10))
	for _, s := range secrets {
		b.WriteString(",v1=")
		b.WriteString(hex.EncodeToString(ComputeSignature(t, payload, s)))
	}
	return b.String()
}

// Event is the JSON body of every checkoutd webhook. Its shape follows
// Stripe's event object so that existing handlers need few changes.
type Event struct {
	// ID identifies the event; it is the same on every retry, so
	// receivers de-duplicate on it.
	ID string `json:"id"`
	// Object is always "event".
	Object string `json:"object"`
	// Type names what happened, such as "checkout.session.completed".
	Type string `json:"type"`
	// Created is when the event happened, in unix seconds (not when this
	// delivery was attempted).
	Created int64 `json:"created"`
	// CreatedAt is the same instant as Created, in RFC 3339 (UTC).
	CreatedAt string `json:"created_at"`
	// Livemode is false for events caused by test-mode keys.
	Livemode bool `json:"livemode"`
	// Sequence numbers the events of one checkout session from 1, so
	// receivers can order that session's events when deliveries arrive out
	// of order (retries make that common).
	Sequence int64 `json:"sequence"`
	// Data holds the object the event is about.
	Data struct {
		// Object is kept raw: its shape depends on Type, and the
		// receiver decodes it into its own type.
		Object json.RawMessage `json:"object"`
	} `json:"data"`
}

// ConstructEvent verifies a Checkout-Signature header against the raw
// request body with [DefaultTolerance] and, only if it is valid, decodes the
// body into an [Event]. Decoding after verifying means unauthenticated input
// never reaches the JSON decoder or the merchant's code.
func ConstructEvent(payload []byte, header string, secret string) (Event, error) {
	return Verifier{}.ConstructEvent(payload, header, secret)
}

// ConstructEventWithTolerance is [ConstructEvent] with a chosen tolerance; a
// tolerance of zero or less means [DefaultTolerance]. There is deliberately no
// way to switch the timestamp check off (it is what stops replays); tests
// that need fixed timestamps use a [Verifier] with a fixed Now.
func ConstructEventWithTolerance(payload []byte, header, secret string, tolerance time.Duration) (Event, error) {
	return Verifier{Tolerance: tolerance}.ConstructEvent(payload, header, secret)
}

// ValidatePayload checks a Checkout-Signature header against the raw request
// body without decoding it: it returns nil if any v1 signature in the header
// matches the secret and the timestamp is within tolerance of now (zero or
// less means [DefaultTolerance]). Use it when the body is not an [Event] or is
// decoded elsewhere.
func ValidatePayload(payload []byte, header, secret string, tolerance time.Duration) error {
	return Verifier{Tolerance: tolerance}.ValidatePayload(payload, header, secret)
}

// Verifier verifies requests against a chosen clock and tolerance. Its zero
// value uses time.Now and [DefaultTolerance], which is what the package-level
// functions do. It exists so that tests (the merchant's and this package's)
// can verify fixtures signed at a fixed time; a Verifier holds no state and is
// safe for concurrent use.
type Verifier struct {
	// Tolerance is how far the signed timestamp may be from Now, in either
	// direction. Zero or less means DefaultTolerance.
	Tolerance time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

func (v Verifier) now() time.Time {
	if v.Now == nil {
		return time.Now()
	}
	return v.Now()
}

// checkTime rejects timestamps further than the tolerance from now, in the
// past (replays of captured requests) or the future (a sender's clock gone
// wrong, or a header crafted to stay valid for long).
func (v Verifier) checkTime(t time.Time) error {
	tol := v.Tolerance
	if tol <= 0 {
		tol = DefaultTolerance
	}
	// Sub saturates instead of overflowing, so absurd timestamps land on
	// the right side of the comparison.
	d := v.now().Sub(t)
	switch {
	case d > tol:
		return fmt.Errorf("%w: signed %s ago (at %s), tolerance %s", ErrTooOld, d.Round(time.Second), t.UTC().Format(time.RFC3339), tol)
	case d < -tol:
		return fmt.Errorf("%w: signed %s in the future (at %s), tolerance %s", ErrTooOld, (-d).Round(time.Second), t.UTC().Format(time.RFC3339), tol)
	}
	return nil
}

// ConstructEvent is the package-level [ConstructEvent] with v's clock and
// tolerance.
func (v Verifier) ConstructEvent(payload []byte, header, secret string) (Event, error) {
	var e Event
	if err := v.ValidatePayload(payload, header, secret); err != nil {
		return e, err
	}
	if err := json.Unmarshal(payload, &e); err != nil {
		return Event{}, fmt.Errorf("webhook: signed payload is not an event: %w", err)
	}
	return e, nil
}

// ValidatePayload is the package-level [ValidatePayload] with v's clock and
// tolerance. Signatures are checked before the timestamp, so a forged request
// reports [ErrNoValidSignature] whatever its timestamp.
func (v Verifier) ValidatePayload(payload []byte, header, secret string) error {
	if secret == "" {
		return fmt.Errorf("%w: empty secret", ErrInvalidSecret)
	}
	t, sigs, err := parseSignatureHeader(header)
	if err != nil {
		return err
	}
	if len(sigs) == 0 {
		return fmt.Errorf("%w: header has no v1 signature", ErrNoValidSignature)
	}
	want := ComputeSignature(t, payload, secret)
	ok := false
	for _, s := range sigs {
		// hmac.Equal takes time independent of where the inputs differ,
		// so response timing does not reveal how much of a guess was
		// right. Keep looping after a match for the same reason.
		if hmac.Equal(want, s) {
			ok = true
		}
	}
	if !ok {
		return ErrNoValidSignature
	}
	return v.checkTime(t)
}

// parseSignatureHeader splits "t=…,v1=…,v1=…" into the timestamp and the
// decoded v1 signatures. Items of other schemes (v0, a future v2) are skipped
// so that checkoutd can add schemes without breaking receivers; v1 values
// that are not hex cannot match and are skipped too, so that one garbled
// value does not stop another from verifying.
func parseSignatureHeader(header string) (time.Time, [][]byte, error) {
	if strings.TrimSpace(header) == "" {
		return time.Time{}, nil, ErrNotSigned
	}
	var (
		t     time.Time
		haveT bool
		sigs  [][]byte
	)
	for item := range strings.SplitSeq(header, ",") {
		key, value, found := strings.Cut(strings.TrimSpace(item), "=")
		if !found {
			return time.Time{}, nil, fmt.Errorf("%w: item %q is not key=value", ErrInvalidHeader, item)
		}
		switch key {
		case "t":
			if haveT {
				return time.Time{}, nil, fmt.Errorf("%w: more than one t", ErrInvalidHeader)
			}
			var err error
			if t, err = parseUnix(value); err != nil {
				return time.Time{}, nil, err
			}
			haveT = true
		case "v1":
			if sig, err := hex.DecodeString(value); err == nil && len(sig) == sha256.Size {
				sigs = append(sigs, sig)
			}
		}
	}
	if !haveT {
		return time.Time{}, nil, fmt.Errorf("%w: no timestamp (t=)", ErrInvalidHeader)
	}
	return t, sigs, nil
}

// parseUnix parses a timestamp of unix seconds. Only plain decimal digits are
// accepted (no sign, no fraction, no leading zero, at most 18 digits so it
// cannot overflow): senders never produce anything else, and strictness
// leaves no second spelling of the same signed timestamp.
func parseUnix(s string) (time.Time, error) {
	if s == "" || len(s) > 18 || (len(s) > 1 && s[0] == '0') {
		return time.Time{}, fmt.Errorf("%w: bad timestamp %q", ErrInvalidHeader, s)
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return time.Time{}, fmt.Errorf("%w: bad timestamp %q", ErrInvalidHeader, s)
		}
		n = n*10 + int64(c-'0')
	}
	return time.Unix(n, 0), nil
}
