package client

import (
	"context"
	"errors"
	"iter"
	"net/url"
	"time"
)

// APIKey is a secret key of the caller's account and mode. The server keeps
// only a hash of it: Secret is set only in the answers of Create and Roll.
type APIKey struct {
	// ID is the key's id, "key_..."; it is not the secret.
	ID     string `json:"id"`
	Object string `json:"object"`
	// Livemode is true for a live key (sk_live_...).
	Livemode bool `json:"livemode"`
	// Hint is the last four characters of the secret.
	Hint string `json:"hint"`
	// Revoked is true once the key is revoked; it never works again.
	Revoked bool `json:"revoked"`
	// Secret is the key itself, only in the answers that make one.
	Secret    string    `json:"secret,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// LastUsedAt is zero if the key was never used; servers record it at
	// most once a minute per key, so it may lag by that much.
	LastUsedAt time.Time `json:"last_used_at"`
	RevokedAt  time.Time `json:"revoked_at"`
	// ExpiresAt is when a rolled key stops working; zero if it was not rolled.
	ExpiresAt time.Time `json:"expires_at"`
}

// APIKeyListParams pages APIKeyService.List and All. Zero values are not sent.
type APIKeyListParams struct {
	Limit         int
	StartingAfter string
	EndingBefore  string
}

func (p *APIKeyListParams) query() url.Values {
	q := url.Values{}
	if p != nil {
		encodePage(q, p.Limit, p.StartingAfter, p.EndingBefore)
	}
	return q
}

// APIKeyList is one page of keys, newest first.
type APIKeyList struct {
	Object  string    `json:"object"`
	Data    []*APIKey `json:"data"`
	HasMore bool      `json:"has_more"`
	URL     string    `json:"url"`
}

// APIKeyService is the /v1/api_keys resource: the keys of the client's own
// account and mode. Get it from Client.APIKeys.
type APIKeyService struct {
	b *backend
}

const apiKeysPath = "/v1/api_keys"

var errEmptyKeyID = errors.New("checkoutd: api key id is empty")

func (s *APIKeyService) res() resource[APIKey] {
	return resource[APIKey]{s.b, apiKeysPath, errEmptyKeyID}
}

// Create makes a new key in the client key's account and mode and returns
// it with its Secret, shown only this once.
func (s *APIKeyService) Create(ctx context.Context, opts ...CallOption) (*APIKey, error) {
	return s.res().create(ctx, nil, "", opts)
}

// Get returns the key with the given id (not the secret).
func (s *APIKeyService) Get(ctx context.Context, id string) (*APIKey, error) {
	return s.res().get(ctx, id)
}

// List returns one page of keys, revoked ones included, newest first.
func (s *APIKeyService) List(ctx context.Context, params *APIKeyListParams) (*APIKeyList, error) {
	return list[APIKeyList](ctx, s.b, apiKeysPath, params.query())
}

// All returns every key, fetching pages lazily, as SessionService.All does.
func (s *APIKeyService) All(ctx context.Context, params *APIKeyListParams) iter.Seq2[*APIKey, error] {
	return all(ctx, params, s.List)
}

// Revoke revokes the key for good; it may be the client's own key, whose
// next call then fails with code "api_key_revoked". Revoking a revoked key
// returns it unchanged.
func (s *APIKeyService) Revoke(ctx context.Context, id string, opts ...CallOption) (*APIKey, error) {
	return s.res().post(ctx, id, "revoke", nil, "", opts)
}

// Roll makes a new key in place of key id and returns it with its Secret,
// shown only this once. The old key keeps working for expireOldIn (whole
// seconds; 0 stops it at once, at most 7 days) and then fails with code
// "api_key_expired".
func (s *APIKeyService) Roll(ctx context.Context, id string, expireOldIn time.Duration, opts ...CallOption) (*APIKey, error) {
	body := map[string]int64{"expire_old_in": int64(expireOldIn / time.Second)}
	return s.res().post(ctx, id, "roll", body, "", opts)
}

func (p *APIKeyListParams) cursors() (*string, *string) { return &p.StartingAfter, &p.EndingBefore }
func (l *APIKeyList) page() ([]*APIKey, bool)           { return l.Data, l.HasMore }
func (o *APIKey) objectID() string {
	if o == nil {
		return ""
	}
	return o.ID
}
