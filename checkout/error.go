package checkout

import (
	"errors"
	"fmt"
	"strings"
)

// Kind is the closed set of error categories. The HTTP layer maps each kind to
// a status and an error type in exactly one table; nothing else decides statuses.
type Kind string

const (
	// KindInvalid: the request's parameters failed validation before anything
	// was executed. Such requests write nothing, idempotency records included.
	KindInvalid Kind = "invalid"
	// KindState: the request was valid but the object's state forbids it
	// (expiring a completed session). It did execute, so it is replayable.
	KindState Kind = "state"
	// KindNotFound: no such object in the caller's account and mode. Objects of
	// other accounts are reported with this kind too, never as forbidden.
	KindNotFound Kind = "not_found"
	// KindUnauthorized: missing or wrong credentials.
	KindUnauthorized Kind = "unauthorized"
	// KindForbidden: credentials are fine but the action is not allowed (CSRF).
	KindForbidden Kind = "forbidden"
	// KindConflict: a concurrent writer won (compare-and-set lost, idempotency
	// key in use). Safe to retry.
	KindConflict Kind = "conflict"
	// KindIdempotency: an idempotency key was reused with other parameters.
	KindIdempotency Kind = "idempotency"
	// KindTooLarge: the request body exceeds the limit.
	KindTooLarge Kind = "too_large"
	// KindRateLimited: too many requests.
	KindRateLimited Kind = "rate_limited"
	// KindCard: a payment attempt was declined.
	KindCard Kind = "card"
	// KindInternal: anything unexpected. Its message is never shown to callers.
	KindInternal Kind = "internal"
)

// Error is the one error type of checkoutd. Code is a stable machine-readable
// string (Stripe-style, e.g. "parameter_missing"), Param names the offending
// request parameter when there is one.
type Error struct {
	Kind    Kind
	Code    string
	Param   string
	Message string
}

func (e *Error) Error() string {
	if e.Param != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Kind, e.Message, e.Param)
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Message)
}

// Errorf returns an *Error of the given kind and code.
func Errorf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a validation error about one parameter.
func Invalid(param, code, format string, args ...any) *Error {
	return &Error{Kind: KindInvalid, Code: code, Param: param, Message: fmt.Sprintf(format, args...)}
}

// ErrConflict is what stores return when a compare-and-set loses or a unique
// object already exists.
var ErrConflict = &Error{Kind: KindConflict, Code: "conflict", Message: "the object was changed by another request; retry"}

// ErrNotFound is what stores return for a missing object.
var ErrNotFound = &Error{Kind: KindNotFound, Code: "resource_missing", Message: "no such object"}

// ErrLimit is what stores return when a create would take a scope past a
// count limit (CreateEndpoint). The store checks the count and writes in one
// atomic step, so concurrent creators cannot pass the limit together; the
// service turns it into its own error naming the parameter.
var ErrLimit = &Error{Kind: KindInvalid, Code: "limit_reached", Message: "the limit of such objects is reached"}

// NotFound returns a not-found error naming the object and the parameter that named it.
func NotFound(param, what, id string) *Error {
	return &Error{Kind: KindNotFound, Code: "resource_missing", Param: param, Message: fmt.Sprintf("no such %s: '%s'", what, id)}
}

// ErrorKind returns the kind of err, KindInternal for errors that are not *Error.
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// IsKind reports whether err is an *Error of kind k.
func IsKind(err error, k Kind) bool { return err != nil && ErrorKind(err) == k }

// Field is the path of the request field e is about, as segments:
// Param "line_items[0][price_data][unit_amount]" is ["line_items", "0",
// "price_data", "unit_amount"]; nil when e names no field. The service names
// fields in one vocabulary, the canonical API's (seed 001), written in its
// bracket notation; an API dialect renders the path in its own names and
// notation (lineItems[0].priceData.unitAmount) from these segments, so no
// rule is written twice. A header (Idempotency-Key) is one segment.
func (e *Error) Field() []string {
	if e.Param == "" {
		return nil
	}
	head, rest, ok := strings.Cut(e.Param, "[")
	if !ok || !strings.HasSuffix(rest, "]") || head == "" {
		return []string{e.Param} // not a path: a name as it is
	}
	segs := []string{head}
	for _, s := range strings.Split(strings.TrimSuffix(rest, "]"), "][") {
		if s == "" || strings.ContainsAny(s, "[]") {
			return []string{e.Param}
		}
		segs = append(segs, s)
	}
	return segs
}
