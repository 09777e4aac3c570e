package stripe

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	stripeapi "github.com/stripe/stripe-go/v85"
)

// keyRE finds Stripe keys and signing secrets in text, even masked ones
// (Stripe's "Invalid API Key provided: sk_test_****1234" quotes part of it).
var keyRE = regexp.MustCompile(`\b(sk|rk|pk)_(live|test)_[A-Za-z0-9*]+|\bwhsec_[A-Za-z0-9*]+`)

// redact returns err as an error that says what failed and why in Stripe's
// terms (type, code, HTTP status, request id) but holds no credential:
// errors are logged and may be shown, and credentials never are.
func (p *Provider) redact(op string, err error) error {
	var se *stripeapi.Error
	var msg string
	if errors.As(err, &se) {
		msg = fmt.Sprintf("%s (HTTP %d", se.Type, se.HTTPStatusCode)
		if se.Code != "" {
			msg += ", code " + string(se.Code)
		}
		if se.RequestID != "" {
			msg += ", request " + se.RequestID
		}
		msg += "): " + se.Msg
	} else {
		msg = err.Error()
	}
	return &Error{Op: op, Msg: p.scrub(msg), Temporary: se == nil || se.HTTPStatusCode >= 500 || se.HTTPStatusCode == 429}
}

// scrub removes this provider's credentials, and anything shaped like a
// Stripe key, from msg.
func (p *Provider) scrub(msg string) string {
	for _, s := range []string{p.secret, p.webhookSecret} {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	return keyRE.ReplaceAllString(msg, "[redacted]")
}

// refusal returns Stripe's error when err is a definite refusal: Stripe
// answered 4xx, so it did nothing, and the same request cannot succeed.
// Not a refusal: no answer at all (the network, a timeout: Stripe may have
// acted), 5xx, 409 (a concurrent request with the same idempotency key)
// and 429 (rate limited), which a retry with the same key may settle; nor
// an idempotency_error (400), which says an earlier request with the same
// key exists, and that one may have moved money.
func refusal(err error) *stripeapi.Error {
	var se *stripeapi.Error
	if !errors.As(err, &se) {
		return nil
	}
	s := se.HTTPStatusCode
	if s < 400 || s >= 500 || s == 409 || s == 429 || se.Type == stripeapi.ErrorTypeIdempotency {
		return nil
	}
	return se
}

// Error is a call to Stripe that failed, without any credential in it.
type Error struct {
	Op  string
	Msg string
	// Temporary: the network, a timeout, Stripe's 5xx or rate limit; the
	// same call with the same idempotency key may be retried.
	Temporary bool
}

func (e *Error) Error() string { return "stripe: " + e.Op + ": " + e.Msg }
