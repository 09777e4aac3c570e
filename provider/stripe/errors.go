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
	for _, s := range []string{p.secret, p.webhookSecret} {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	msg = keyRE.ReplaceAllString(msg, "[redacted]")
	return &Error{Op: op, Msg: msg, Temporary: se == nil || se.HTTPStatusCode >= 500 || se.HTTPStatusCode == 429}
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
