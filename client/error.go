package client

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Error types the server reports in Error.Type. Branch on the type for the
// broad category and on Error.Code for the precise cause.
const (
	// ErrorTypeInvalidRequest: the request was wrong (bad or missing
	// parameter, unknown object, forbidden state change). Fix the request.
	ErrorTypeInvalidRequest = "invalid_request_error"
	// ErrorTypeAuthentication: the secret key is missing or wrong.
	ErrorTypeAuthentication = "authentication_error"
	// ErrorTypeIdempotency: an Idempotency-Key was reused with different
	// parameters. Use a new key for a new request.
	ErrorTypeIdempotency = "idempotency_error"
	// ErrorTypeRateLimit: too many requests; already retried by the client.
	ErrorTypeRateLimit = "rate_limit_error"
	// ErrorTypeAPI: the server failed; already retried by the client.
	ErrorTypeAPI = "api_error"
	// ErrorTypeCard: a payment was declined.
	ErrorTypeCard = "card_error"
)

// CodeIdempotencyKeyInUse is the Error.Code of a 409 response saying the
// first request with the same Idempotency-Key is still running. The client
// retries such responses with the same key; callers see it only when the
// retries ran out.
const CodeIdempotencyKeyInUse = "idempotency_key_in_use"

// Error is returned for every non-2xx response, so callers can tell API
// failures from network failures with errors.As:
//
//	var e *client.Error
//	if errors.As(err, &e) && e.Code == "parameter_missing" { ... }
//
// Errors from the transport (connection refused, timeouts) and from the
// context are returned as they are, not as *Error.
type Error struct {
	// HTTPStatusCode is the response status, e.g. 400 or 404.
	HTTPStatusCode int `json:"-"`
	// Type is the broad category, one of the ErrorType constants. It is empty
	// when the response was not a checkoutd error body (e.g. an HTML 502 page
	// from a proxy).
	Type string `json:"type"`
	// Code is a stable machine-readable cause such as "parameter_missing" or
	// "resource_missing"; empty when the server gave none.
	Code string `json:"code"`
	// Param names the request parameter at fault (e.g. "success_url" or
	// "line_items[0].quantity"), when one is.
	Param string `json:"param"`
	// Message is a human-readable explanation. Log it; do not parse it.
	Message string `json:"message"`
	// RequestID is the response's Request-Id header. Quote it when reporting
	// a problem to the server's operator: it finds the request in their logs.
	RequestID string `json:"-"`
}

// Error formats the error with everything needed to debug it from a log line.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("checkoutd: ")
	if e.Message != "" {
		b.WriteString(e.Message)
	} else {
		b.WriteString(http.StatusText(e.HTTPStatusCode))
	}
	fmt.Fprintf(&b, " (status %d", e.HTTPStatusCode)
	for _, kv := range [...][2]string{{"type", e.Type}, {"code", e.Code}, {"param", e.Param}, {"request_id", e.RequestID}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, ", %s=%s", kv[0], kv[1])
		}
	}
	b.WriteString(")")
	return b.String()
}

// newError decodes a non-2xx response. Bodies that are not checkoutd errors
// (proxies, load balancers) still yield an *Error carrying the status and a
// short excerpt of the body, so callers handle one error type.
func newError(status int, header http.Header, body []byte) *Error {
	var env struct {
		Error *Error `json:"error"`
	}
	e := &Error{}
	if json.Unmarshal(body, &env) == nil && env.Error != nil && (env.Error.Type != "" || env.Error.Message != "") {
		e = env.Error
	} else {
		e.Message = fmt.Sprintf("unexpected HTTP %d %s response", status, http.StatusText(status))
		if excerpt := bodyExcerpt(body); excerpt != "" {
			e.Message += ": " + excerpt
		}
	}
	e.HTTPStatusCode = status
	e.RequestID = header.Get("Request-Id")
	return e
}

// bodyExcerpt returns the start of body as one line of valid UTF-8.
func bodyExcerpt(body []byte) string {
	const limit = 200
	s := strings.ToValidUTF8(strings.Join(strings.Fields(string(body)), " "), "\uFFFD")
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
