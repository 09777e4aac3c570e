// Package http serves checkoutd over HTTP: the merchant JSON API, operations
// endpoints and (later) the hosted page. Handlers decode, call the service,
// and encode; no business rule lives here.
package http

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// MaxBodyBytes bounds every request body; larger bodies get 413.
const MaxBodyBytes = 1 << 20

// Server is the HTTP face of one Service.
type Server struct {
	svc     *service.Service
	log     *slog.Logger
	mux     *http.ServeMux
	metrics *metrics
	handler http.Handler
	// patterns of the routes, in registration order (see Routes).
	patterns []string
	// payLimit bounds payment attempts per client IP.
	payLimit *rateLimit
	// apiLimit bounds API requests per account and mode; nil: no limit.
	apiLimit *rateLimit
	// authLimit bounds failed authentications per client address.
	authLimit *rateLimit
	// trusted are the proxies believed for X-Forwarded-For and Forwarded.
	trusted []netip.Prefix
}

// SetAPIRateLimit bounds merchant API requests of one account (in one mode)
// to perSecond a second, with bursts of twice that; beyond it requests get
// 429 rate_limit_error with Retry-After. 0 turns the limit off.
func (s *Server) SetAPIRateLimit(perSecond int) {
	s.apiLimit = nil
	if perSecond > 0 {
		s.apiLimit = newRateLimit(perSecond*60, 2*perSecond)
	}
}

// DefaultPayRatePerMinute is the default of SetPayRateLimit.
const DefaultPayRatePerMinute = 20

// SetPayRateLimit bounds payment attempts from one IP address to perMinute a
// minute (with bursts of the same size); 0 turns the limit off.
func (s *Server) SetPayRateLimit(perMinute int) { s.payLimit = newAddressLimit(perMinute, perMinute) }

// New returns a Server for svc. It registers itself to count svc's transitions.
func New(svc *service.Service, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{svc: svc, log: log, mux: http.NewServeMux(), metrics: newMetrics(),
		payLimit:  newAddressLimit(DefaultPayRatePerMinute, DefaultPayRatePerMinute),
		authLimit: newAddressLimit(DefaultAuthFailuresPerMinute, DefaultAuthFailuresPerMinute)}
	svc.OnTransition = s.metrics.transition
	s.routes()
	s.handler = s.observe(s.mux)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

type ctxKey int

const requestIDKey ctxKey = iota

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// statusWriter remembers the status written, for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe gives every request an id (also sent as Request-Id), turns panics
// into 500s, and logs and measures every request.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := "req_" + checkout.RandomString(16)
		w.Header().Set("Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "request_id", id, "panic", v, "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.writeError(sw, r, checkout.Errorf(checkout.KindInternal, "internal_error", "panic"))
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			d := time.Since(start)
			s.metrics.request(route, r.Method, sw.status, d)
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("request_id", id), slog.String("method", r.Method), slog.String("route", route),
				slog.String("path", r.URL.Path), slog.Int("status", sw.status), slog.Int("bytes", sw.bytes),
				slog.Duration("duration", d))
		}()
		next.ServeHTTP(sw, r)
	})
}

// writeJSON encodes v with the headers every API response carries.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.log.Error("encoding a response failed", "err", err)
		status, b = http.StatusInternalServerError, []byte(`{"error":{"type":"api_error","code":"internal_error","param":null,"message":"An internal error occurred."}}`)
	}
	writeBody(w, status, "application/json", b)
}

func writeBody(w http.ResponseWriter, status int, contentType string, b []byte) {
	h := w.Header()
	// What h.Set does three times, with one allocation instead of three.
	v := []string{contentType, "no-store", "nosniff"}
	h["Content-Type"] = v[0:1:1]
	h["Cache-Control"] = v[1:2:2]
	h["X-Content-Type-Options"] = v[2:3:3]
	w.WriteHeader(status)
	w.Write(b)
}

// authedFunc is the handler of an authenticated route; scope is the caller's.
type authedFunc func(w http.ResponseWriter, r *http.Request, scope checkout.Scope)

// authed is the one way into every authenticated route, whatever it
// answers (JSON, a stream): it checks the key and the limits on who may use
// the API (see authenticate), and runs h only for a caller who may go on.
func (s *Server) authed(h authedFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scope, ok := s.authenticate(w, r)
		if !ok {
			// The answer is decided before the body is read; read it (as
			// far as discardRest does), or a client that sends its whole
			// body before reading gets a reset instead of the answer.
			if r.ContentLength != 0 {
				discardRest(nil, r, r.Body, 0)
			}
			return
		}
		h(w, r, scope)
	})
}

// apiFunc is a merchant API handler: it returns the value to encode or an error.
type apiFunc func(r *http.Request, scope checkout.Scope) (any, error)

// api authenticates the caller (see authed), reads and bounds the body,
// applies idempotency to POSTs, runs h and writes its result.
func (s *Server) api(h apiFunc) http.Handler {
	return s.authed(func(w http.ResponseWriter, r *http.Request, scope checkout.Scope) {
		// API calls run detached from the client's connection. A POST must
		// not be cut in half, or leave an idempotency key without its
		// response, because a client hung up; and every store operation is
		// short and bounded (indexed reads, busy timeouts), so a read gains
		// nothing from cancellation either, while a cancelable context costs
		// the SQLite driver a watcher per statement.
		r = r.WithContext(context.WithoutCancel(r.Context()))
		if r.Method != http.MethodPost {
			v, err := h(r, scope)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			s.writeJSON(w, http.StatusOK, v)
			return
		}
		body, err := readBody(w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		r.Body = &bodyAgain{Reader: bytes.NewReader(body), b: body}
		if key := r.Header.Get("Idempotency-Key"); key != "" {
			s.idempotent(w, r, scope, key, body, h)
			return
		}
		status, b, _ := s.run(r, scope, h)
		writeBody(w, status, "application/json", b)
	})
}

// run executes h and encodes its outcome. executed is false when h refused
// the request's parameters before doing anything.
func (s *Server) run(r *http.Request, scope checkout.Scope, h apiFunc) (status int, body []byte, executed bool) {
	v, err := h(r, scope)
	status, executed = http.StatusOK, true
	if err != nil {
		executed = checkout.ErrorKind(err) != checkout.KindInvalid
		status, v = s.errorResponse(r, err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		s.log.Error("encoding a response failed", "err", err, "request_id", requestID(r.Context()))
		var eb ErrorBody
		status, eb = s.errorResponse(r, checkout.Errorf(checkout.KindInternal, "internal_error", "encoding failed"))
		b, _ = json.Marshal(eb) // strings and a pointer: cannot fail
	}
	return status, b, executed
}

// bodyAgain is a body already read by readBody, for the handler to read again.
type bodyAgain struct {
	*bytes.Reader
	b []byte
}

func (*bodyAgain) Close() error { return nil }

// readBody reads the whole body, at most MaxBodyBytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxBodyBytes {
		discardRest(w, r, r.Body, 0)
		return nil, tooLarge()
	}
	if rb, ok := r.Body.(*bodyAgain); ok { // read already: no second copy
		rest := rb.b[len(rb.b)-rb.Len():]
		rb.Seek(0, io.SeekEnd)
		return rest, nil
	}
	body := http.MaxBytesReader(w, r.Body, MaxBodyBytes)
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
			discardRest(w, r, r.Body, MaxBodyBytes)
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

// apiKey takes the secret key from Authorization: Bearer, HTTP Basic (key as
// user name, as Stripe's curl examples do) or x-api-key (seed 002).
func apiKey(r *http.Request) string {
	if auth := r.Header.Get("Authorization"); auth != "" {
		// The scheme is case-insensitive (RFC 7235 §2.1): "bearer sk_…"
		// and "BEARER sk_…" are what some clients send.
		if len(auth) > 7 && strings.EqualFold(auth[:7], "Bearer ") {
			return strings.TrimSpace(auth[7:])
		}
		if user, _, ok := r.BasicAuth(); ok {
			return user
		}
		return ""
	}
	return r.Header.Get("X-Api-Key")
}
