package http

import (
	"bytes"
	"fmt"
	"io"
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

// noParams refuses any parameter on a route that takes none.
func noParams(r *http.Request) error {
	if (r.Method == http.MethodGet || r.Method == http.MethodDelete) && r.URL.RawQuery == "" {
		return nil // what decoding the empty query would conclude, without its garbage
	}
	v, err := requestParams(r)
	if err != nil {
		return err
	}
	return v.Err()
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

// bodyAgain is a body already read by readBody, for the handler to read again.
type bodyAgain struct {
	*bytes.Reader
	b []byte
}

func (*bodyAgain) Close() error { return nil }

// readBody reads the whole body, at most MaxBodyBytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return readBodyMax(w, r, MaxBodyBytes, "")
}

// readBodyMax reads the whole body, at most max bytes; a larger one is the
// 413 tooLarge, naming param when given (the file of an upload).
func readBodyMax(w http.ResponseWriter, r *http.Request, max int64, param string) ([]byte, error) {
	if r.ContentLength > max {
		discardRest(w, r, r.Body, 0)
		return nil, tooLargeMax(max, param)
	}
	if rb, ok := r.Body.(*bodyAgain); ok { // read already: no second copy
		rest := rb.b[len(rb.b)-rb.Len():]
		rb.Seek(0, io.SeekEnd)
		return rest, nil
	}
	body := http.MaxBytesReader(w, r.Body, max)
	if r.ContentLength > 0 {
		// net/http ends a body at its Content-Length, so exactly that many
		// bytes come: one buffer of that size, where bytes.Buffer would
		// grow again to keep 512 bytes free for a read.
		b := make([]byte, r.ContentLength)
		if _, err := io.ReadFull(body, b); err != nil {
			return nil, unreadable(err)
		}
		return b, nil
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(body); err != nil {
		if _, ok := err.(*http.MaxBytesError); ok {
			discardRest(w, r, r.Body, max)
			return nil, tooLargeMax(max, param)
		}
		return nil, unreadable(err)
	}
	return buf.Bytes(), nil
}

// maxDrainBytes bounds how much of a body too large is read, in all, before
// the 413 is sent.
const maxDrainBytes = 4 << 20

// discardRest reads and throws away the rest of a body too large (read
// bytes of it are gone already), up to maxDrainBytes in all, so that a
// client that sends its whole body before reading the answer (Python's
// urllib, many SDKs) gets the 413. Without it, net/http discards at most
// 256 KiB after the handler, then closes the connection with the body
// unread, and the kernel answers the client's next bytes with a reset that
// can reach it before the 413 does. Beyond maxDrainBytes, and for a client
// that waits for 100 Continue (it has sent nothing, and reading would ask
// it to), nothing is read and the connection is closed after the answer.
func discardRest(w http.ResponseWriter, r *http.Request, body io.Reader, read int64) {
	drained := false
	if !strings.EqualFold(r.Header.Get("Expect"), "100-continue") && r.ContentLength <= maxDrainBytes && read < maxDrainBytes {
		_, err := io.CopyN(io.Discard, body, maxDrainBytes-read+1)
		drained = err == io.EOF
	}
	if !drained && w != nil {
		w.Header().Set("Connection", "close")
	}
}

func unreadable(err error) error {
	if _, ok := err.(*http.MaxBytesError); ok {
		return tooLarge()
	}
	return checkout.Invalid("", "body_unreadable", "the request body could not be read: %v", err)
}

func tooLarge() error {
	return &checkout.Error{Kind: checkout.KindTooLarge, Code: "request_too_large", Message: "the request body is larger than 1 MiB"}
}

// tooLargeMax is tooLarge for a body limit of max bytes, naming param.
func tooLargeMax(max int64, param string) error {
	if max == MaxBodyBytes && param == "" {
		return tooLarge()
	}
	return &checkout.Error{Kind: checkout.KindTooLarge, Code: "request_too_large", Param: param,
		Message: fmt.Sprintf("the request body is larger than the %d bytes it may have", max)}
}
