package http

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
)

// idempotent runs a POST under an Idempotency-Key with Stripe's semantics:
// the first response of a key is kept for 24 hours and replayed byte for byte;
// the key reused with other parameters is an idempotency_error; the key used
// while its first request still runs is a 409. Responses to requests that
// failed validation are not kept: they never executed, so a corrected retry
// with the same key must run.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, scope checkout.Scope, key string, body []byte, h apiFunc) {
	if len(key) > checkout.MaxIdempotencyKey {
		s.writeError(w, r, checkout.Invalid("Idempotency-Key", "idempotency_key_too_long",
			"the Idempotency-Key header is %d characters long; at most %d are allowed", len(key), checkout.MaxIdempotencyKey))
		return
	}
	rec := &checkout.IdempotencyRecord{Scope: scope, Key: key, Fingerprint: fingerprint(r, body)}
	prev, err := s.svc.ClaimIdempotencyKey(r.Context(), rec)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if prev != nil {
		switch {
		case prev.Fingerprint != rec.Fingerprint:
			s.writeError(w, r, &checkout.Error{Kind: checkout.KindIdempotency, Code: "idempotency_key_reused",
				Message: "Keys for idempotent requests can only be used with the same parameters they were first used with. Use a new key for a new request."})
		case !prev.Done:
			w.Header().Set("Retry-After", "1")
			s.writeError(w, r, &checkout.Error{Kind: checkout.KindConflict, Code: "idempotency_key_in_use",
				Message: "Another request with the same Idempotency-Key is still being processed. Retry after it finishes."})
		default:
			w.Header().Set("Idempotent-Replayed", "true")
			writeBody(w, prev.Status, prev.ContentType, prev.Body)
		}
		return
	}

	finished := false
	defer func() {
		if !finished { // a panic: free the key so a retry can run
			s.svc.ReleaseIdempotencyKey(context.WithoutCancel(r.Context()), rec)
		}
	}()
	status, b, executed := s.run(r, scope, h)
	ctx := context.WithoutCancel(r.Context())
	if !executed {
		err = s.svc.ReleaseIdempotencyKey(ctx, rec)
	} else {
		rec.Status, rec.ContentType, rec.Body = status, "application/json", b
		err = s.svc.FinishIdempotencyKey(ctx, rec) // sealed at rest there
	}
	finished = true
	if err != nil {
		// The outcome stands (it is written) but its replay could not be
		// kept; the key stays in flight and frees itself after the lock TTL.
		s.log.Error("saving an idempotent response failed", "request_id", requestID(r.Context()), "err", err)
	}
	writeBody(w, status, "application/json", b)
}

// fingerprint identifies a request's method, path and parameters.
func fingerprint(r *http.Request, body []byte) string {
	h := sha256.New()
	h.Write([]byte(r.Method + " " + r.URL.Path + "?" + r.URL.RawQuery + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}
