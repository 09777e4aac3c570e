// Package http serves checkoutd over HTTP: the merchant JSON API, the hosted
// payment page and the operations endpoints. Handlers decode, call the
// service, and encode; no business rule lives here.
//
// The files are grouped by room. A room is one face of the service: it
// decodes its requests into the service's parameters, calls the same service
// methods and renders its own shapes.
//
//   - kit_*: what every room shares: the Server and its request pipeline
//     (kit_server), authentication (kit_auth), rate limits (kit_limits),
//     idempotency keys (kit_idempotency), errors (kit_errors), lists
//     (kit_list), request bodies and parameters (kit_decode), request ids,
//     logs and metrics of every request (kit_observe).
//   - api_*: the canonical merchant JSON API under /v1/.
//   - host_*, chk_*: seed dialects: seed 000's /api/sessions, seed 003's
//     /v1/checkout_sessions (and its webhook format).
//   - page*: the hosted payment page and its test helper page.
//   - ops_*: health and readiness, metrics, the OpenAPI document, the home page.
//
// routes.go lists the routes of every room in one place.
package http

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// MaxBodyBytes bounds every request body; larger bodies get 413.
const MaxBodyBytes = 1 << 20

// Server is the HTTP face of one Service.
type Server struct {
	hooked  atomic.Bool // the shutdown hook is registered (ServeHTTP)
	svc     *service.Service
	log     *slog.Logger
	mux     *http.ServeMux
	metrics *Metrics
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
	// poweredBy is the pages' footer text (SetPoweredBy).
	poweredBy string
	// host configures seed 000's /api routes (SetHost).
	host HostConfig
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

// New returns a Server for svc that reports to m, which should be the
// observer svc was built with, so that its transitions are counted; nil m
// gives the server collectors of its own.
func New(svc *service.Service, log *slog.Logger, m *Metrics) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if m == nil {
		m = NewMetrics()
	}
	s := &Server{svc: svc, log: log, mux: http.NewServeMux(), metrics: m,
		payLimit:  newAddressLimit(DefaultPayRatePerMinute, DefaultPayRatePerMinute),
		authLimit: newAddressLimit(DefaultAuthFailuresPerMinute, DefaultAuthFailuresPerMinute),
		poweredBy: DefaultPoweredBy, host: HostConfig{SessionTTL: DefaultHostSessionTTL}}
	s.routes()
	s.handler = s.observe(s.mux)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.hooked.Load() {
		// The server's shutdown hook, before any stream may need it
		// (see shutdowns).
		if hs, ok := r.Context().Value(http.ServerContextKey).(*http.Server); ok {
			shutdownSignal(hs)
			s.hooked.Store(true)
		}
	}
	s.handler.ServeHTTP(w, r)
}

// writeJSON encodes v with the headers every API response carries.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	buf, err := encodePooled(v)
	if err != nil {
		s.log.Error("encoding a response failed", "err", err)
		writeBody(w, http.StatusInternalServerError, "application/json", []byte(`{"error":{"type":"api_error","code":"internal_error","param":null,"message":"An internal error occurred."}}`))
		return
	}
	writeBody(w, status, "application/json", buf.Bytes())
	putPooled(buf)
}

// jsonBufs are the buffers of responses written as soon as they are
// encoded. json.Marshal would allocate each response's bytes anew, about
// a kilobyte a session, and under load the collector's share of a
// retrieve grew by more than the encoding itself cost.
var jsonBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// encodePooled encodes v into a pooled buffer, byte for byte as
// json.Marshal would; putPooled gives the buffer back once it is written.
func encodePooled(v any) (*bytes.Buffer, error) {
	buf := jsonBufs.Get().(*bytes.Buffer)
	buf.Reset()
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		putPooled(buf)
		return nil, err
	}
	buf.Truncate(buf.Len() - 1) // Encode ends with a newline; Marshal does not
	return buf, nil
}

// putPooled gives buf back, unless it grew too large to be worth keeping.
func putPooled(buf *bytes.Buffer) {
	if buf.Cap() <= 64<<10 {
		jsonBufs.Put(buf)
	}
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

// apiFunc is a merchant API handler: it returns the value to encode or an error.
type apiFunc func(r *http.Request, scope checkout.Scope) (any, error)

// api authenticates the caller (see authed), reads and bounds the body,
// applies idempotency to POSTs, runs h and writes its result.
func (s *Server) api(h apiFunc) http.Handler { return s.apiMax(h, MaxBodyBytes, "") }

// apiMax is api for a route whose body may have max bytes (an upload); a
// larger one is a 413 naming param.
func (s *Server) apiMax(h apiFunc, max int64, param string) http.Handler {
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
		body, err := readBodyMax(w, r, max, param)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		r.Body = &bodyAgain{Reader: bytes.NewReader(body), b: body}
		if key := r.Header.Get("Idempotency-Key"); key != "" {
			s.idempotent(w, r, scope, key, body, h)
			return
		}
		status, v, _ := s.outcome(r, scope, h)
		s.writeJSON(w, status, v)
	})
}

// outcome runs h and returns the status and value of its answer, and
// whether it executed (see run).
func (s *Server) outcome(r *http.Request, scope checkout.Scope, h apiFunc) (status int, v any, executed bool) {
	v, err := h(r, scope)
	status, executed = http.StatusOK, true
	if err != nil {
		executed = checkout.ErrorKind(err) != checkout.KindInvalid
		status, v = s.errorResponse(r, err)
	}
	return status, v, executed
}

// run executes h and encodes its outcome. executed is false when h refused
// the request's parameters before doing anything.
func (s *Server) run(r *http.Request, scope checkout.Scope, h apiFunc) (status int, body []byte, executed bool) {
	status, v, executed := s.outcome(r, scope, h)
	b, err := json.Marshal(v)
	if err != nil {
		s.log.Error("encoding a response failed", "err", err, "request_id", requestID(r.Context()))
		var eb ErrorBody
		status, eb = s.errorResponse(r, checkout.Errorf(checkout.KindInternal, "internal_error", "encoding failed"))
		b, _ = json.Marshal(eb) // strings and a pointer: cannot fail
	}
	return status, b, executed
}
