package http

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

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

// authenticate checks the request's key and the limits on who may use the
// API: failed authentications per client address, then requests per
// account. It writes the error itself when the request may not go on.
//
// Each check is reserved against the failure budget before it is made and
// counted only if the key was wrong (see reserve). While an address is
// throttled no key is checked at all, since a 200 among 429s would tell a
// guesser which key was right.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (checkout.Scope, bool) {
	client := limitKey(s.clientIP(r))
	if ok, wait := s.authLimit.reserve(r.Context(), client, s.svc.Now); !ok {
		w.Header().Set("Retry-After", fmt.Sprint(max(1, int(math.Ceil(wait.Seconds())))))
		s.writeError(w, r, &checkout.Error{Kind: checkout.KindRateLimited, Code: "rate_limit",
			Message: "Too many failed authentications from this address. Retry after the Retry-After delay with a valid secret key."})
		return checkout.Scope{}, false
	}
	scope, err := s.checkKey(r, client)
	if err != nil {
		if checkout.IsKind(err, checkout.KindUnauthorized) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="checkoutd"`)
		}
		s.writeError(w, r, err)
		return checkout.Scope{}, false
	}
	if s.apiLimit != nil && !s.apiLimit.allow(scope.AccountID+"/"+strconv.FormatBool(scope.Livemode), time.Now()) {
		w.Header().Set("Retry-After", "1")
		s.writeError(w, r, &checkout.Error{Kind: checkout.KindRateLimited, Code: "rate_limit",
			Message: "Too many requests for this account. Slow down and retry after the Retry-After delay."})
		return checkout.Scope{}, false
	}
	return scope, true
}

// checkKey authenticates r's key within the reservation authenticate made,
// and settles it even if the check panics, so that no reservation is held
// forever.
func (s *Server) checkKey(r *http.Request, client string) (scope checkout.Scope, err error) {
	failed := false
	defer func() { s.authLimit.settle(client, failed, s.svc.Now()) }()
	scope, err = s.svc.Authenticate(r.Context(), apiKey(r))
	// A missing key is not a guess; an internal error says nothing of the key.
	failed = checkout.IsKind(err, checkout.KindUnauthorized) && apiKey(r) != ""
	return scope, err
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
