package http

import (
	_ "embed"
	"net/http"
)

//go:embed openapi.json
var openapiJSON []byte

// openapi serves the OpenAPI document of the canonical API.
func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	writeBody(w, http.StatusOK, "application/json", openapiJSON)
}
