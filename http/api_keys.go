package http

import (
	"net/http"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// apiKeyJSON is a secret key as the API shows it: never its hash, and its
// secret only in the answers that make one (create, roll).
type apiKeyJSON struct {
	ID         string  `json:"id"`
	Object     string  `json:"object"`
	Livemode   bool    `json:"livemode"`
	Hint       string  `json:"hint"`
	Revoked    bool    `json:"revoked"`
	Secret     string  `json:"secret,omitempty"`
	CreatedAt  string  `json:"created_at"`
	LastUsedAt *string `json:"last_used_at"`
	RevokedAt  *string `json:"revoked_at"`
	ExpiresAt  *string `json:"expires_at"`
}

func renderAPIKey(k *checkout.APIKey, secret string) *apiKeyJSON {
	return &apiKeyJSON{ID: k.ID, Object: "api_key", Livemode: k.Livemode, Hint: k.Hint, Revoked: !k.Revoked.IsZero(),
		Secret: secret, CreatedAt: rfc3339(k.Created), LastUsedAt: optTime(k.LastUsed), RevokedAt: optTime(k.Revoked),
		ExpiresAt: optTime(k.ExpiresAt)}
}

func (s *Server) listAPIKeys(r *http.Request, scope checkout.Scope) (any, error) {
	return canonicalList(r, scope, "/v1/api_keys", onlyCursor, s.svc.ListKeys, renderListedAPIKey)
}

// renderListedAPIKey renders a key of a list: never with its secret.
func renderListedAPIKey(k *checkout.APIKey) *apiKeyJSON { return renderAPIKey(k, "") }

func (s *Server) getAPIKey(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	k, err := s.svc.GetKey(r.Context(), scope, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return renderAPIKey(k, ""), nil
}

func (s *Server) createAPIKey(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	k, secret, err := s.svc.NewKey(r.Context(), scope)
	if err != nil {
		return nil, err
	}
	return renderAPIKey(k, secret), nil
}

// revokeAPIKey may revoke the very key of the request: it is answered,
// and the key's next request is refused.
func (s *Server) revokeAPIKey(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	k, err := s.svc.RevokeKey(r.Context(), scope, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return renderAPIKey(k, ""), nil
}

func (s *Server) rollAPIKey(r *http.Request, scope checkout.Scope) (any, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, err
	}
	secs, _ := v.Int("expire_old_in")
	if err := v.Err(); err != nil {
		return nil, err
	}
	limit := int64(service.MaxRollOverlap / time.Second)
	if secs < 0 || secs > limit {
		return nil, checkout.Invalid("expire_old_in", "parameter_invalid", "expire_old_in must be between 0 and %d seconds (7 days)", limit)
	}
	_, next, secret, err := s.svc.RollKey(r.Context(), scope, r.PathValue("id"), time.Duration(secs)*time.Second)
	if err != nil {
		return nil, err
	}
	return renderAPIKey(next, secret), nil
}
