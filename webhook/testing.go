package webhook

import (
	"crypto/rand"
	"encoding/json"
	"net/http"
	"time"
)

// SignedPayload is a request body signed the way checkoutd signs deliveries,
// for testing a merchant's webhook handler without running checkoutd.
type SignedPayload struct {
	// Payload is the body, unchanged.
	Payload []byte
	// Timestamp is the signing time, whole seconds.
	Timestamp time.Time
	// MessageID is the webhook-id: the payload's "id" if it has one (as
	// checkoutd does), otherwise a random "msg_…".
	MessageID string
	// Header is the Checkout-Signature value, for code that takes the
	// header as a string ([ConstructEvent], [ValidatePayload]).
	Header string
	// Headers holds everything a delivery carries: Content-Type,
	// Checkout-Signature and the three webhook-* headers. Copy it onto a
	// test request (req.Header = sp.Headers.Clone()).
	Headers http.Header
}

// GenerateTestSignedPayload signs payload with secret at time t (zero means
// now) in both header styles, exactly as checkoutd does, so a merchant's tests
// can feed their own handler realistic requests. Pass an old t to exercise the
// handler's rejection of stale requests. It returns a struct rather than only
// the Checkout-Signature string because handlers may verify either style.
// The error wraps [ErrInvalidSecret] if secret is not "whsec_" + base64, as
// made by [NewSecret].
func GenerateTestSignedPayload(payload []byte, secret string, t time.Time) (SignedPayload, error) {
	if t.IsZero() {
		t = time.Now()
	}
	t = t.Truncate(time.Second)

	var withID struct {
		ID string `json:"id"`
	}
	id := ""
	if json.Unmarshal(payload, &withID) == nil {
		id = withID.ID
	}
	if id == "" {
		id = "msg_" + rand.Text()
	}

	h, err := Sign(id, t, payload, secret)
	if err != nil {
		return SignedPayload{}, err
	}
	h.Set("Content-Type", "application/json")
	return SignedPayload{
		Payload:   payload,
		Timestamp: t,
		MessageID: id,
		Header:    h.Get(HeaderCheckoutSignature),
		Headers:   h,
	}, nil
}
