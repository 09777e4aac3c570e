package http

import (
	"context"
	"net/http"
	"time"
)

// healthz says the process is up; it touches nothing.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeBody(w, http.StatusOK, "application/json", []byte(`{"status":"ok"}`))
}

// readyz says whether the store answers, so a load balancer stops sending
// traffic to a replica that lost its store.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.svc.Ready(ctx); err != nil {
		s.log.Warn("readiness check failed", "err", err)
		writeBody(w, http.StatusServiceUnavailable, "application/json", []byte(`{"status":"unavailable"}`))
		return
	}
	writeBody(w, http.StatusOK, "application/json", []byte(`{"status":"ready"}`))
}
