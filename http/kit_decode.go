package http

import (
	"bytes"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/http/params"
)

// requestParams decodes a request's parameters: the query string of a GET, the
// body of a POST (JSON, or a form in Stripe's bracket notation). A POST body
// that starts with '{' is JSON whatever its Content-Type says, since curl -d
// labels everything as a form.
func requestParams(r *http.Request) (*params.Values, error) {
	if r.Method == http.MethodGet || r.Method == http.MethodDelete {
		return params.FromQuery(r.URL.Query())
	}
	if r.URL.RawQuery != "" {
		return nil, checkout.Invalid("", "parameter_unknown", "parameters of a %s go in its body, not in the query string", r.Method)
	}
	body, err := readBody(nil, r)
	if err != nil {
		return nil, err
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	switch {
	case len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '['), ct == "application/json":
		return params.FromJSON(body)
	case ct == "application/x-www-form-urlencoded", ct == "", len(trimmed) == 0:
		return params.FromForm(body)
	}
	return nil, checkout.Invalid("", "content_type_invalid",
		"send parameters as application/json or application/x-www-form-urlencoded, not %s", ct)
}

// storedHeaders are the request headers whose values the service keeps or
// looks up in a store, an idempotency key and an event id to resume after:
// the name errors give, and its canonical form, read without allocating.
var storedHeaders = []struct{ name, key string }{
	{"Idempotency-Key", "Idempotency-Key"},
	{"Last-Event-ID", "Last-Event-Id"},
}

// checkHeaders wraps every route (see handle): it refuses a request whose
// stored headers hold what no store can keep, invalid UTF-8 or a NUL, with
// a 400 naming the header, the rule FromForm and FromJSON apply to
// parameters. Such bytes would otherwise reach PostgreSQL, which refuses
// the whole statement.
func (s *Server) checkHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, h := range storedHeaders {
			for _, v := range r.Header[h.key] {
				if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
					s.writeError(w, r, checkout.Invalid(h.name, "parameter_invalid",
						"the %s header is not valid UTF-8 text or contains a NUL character", h.name))
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}
