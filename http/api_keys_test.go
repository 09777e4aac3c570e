package http_test

import (
	"testing"
)

// TestBearerCaseInsensitive: the auth scheme is case-insensitive (RFC 7235
// §2.1), so "bearer" and "BEARER" carry the key as "Bearer" does.
func TestBearerCaseInsensitive(t *testing.T) {
	e := newEnv(t)
	for _, scheme := range []string{"Bearer", "bearer", "BEARER", "bEaReR"} {
		r := e.do("GET", "/v1/checkout/sessions", "", "", nil, "Authorization", scheme+" "+e.key)
		if r.status != 200 {
			t.Errorf("Authorization: %s sk_…: %d %s; want 200", scheme, r.status, r.body)
		}
	}
	r := e.do("GET", "/v1/checkout/sessions", "", "", nil, "Authorization", "Bearerx "+e.key)
	if r.status != 401 {
		t.Errorf("Authorization: Bearerx sk_…: %d; want 401", r.status)
	}
}
