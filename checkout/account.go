package checkout

import (
	"crypto/sha256"
	"crypto/subtle"
	"strings"
	"time"
)

// Account is a tenant. Every other object belongs to exactly one account.
type Account struct {
	ID              string
	Name            string
	DefaultCurrency Currency
	// SessionTTL is how long a new session stays open when the request does
	// not say; within [MinSessionTTL, MaxSessionTTL].
	SessionTTL time.Duration
	Created    time.Time

	// Profile is how the account presents itself to its customers: the
	// hosted page's name, logo and colours, and the links it shows.
	Profile Profile

	// HostLivemode is the mode of the sessions seed 000's /api/sessions
	// makes for this account: that API has one server secret and no key
	// to tell test from live, so the tenant's setting does.
	HostLivemode bool

	// Version is 1 when created and one more each UpdateAccount, which
	// writes only over the version it read (records from before accounts
	// could change read as 0).
	Version int64
}

// Profile is an account's public face (Stripe's business_profile and
// branding settings). Every field is optional; the page falls back to
// Account.Name and its own colours.
type Profile struct {
	DisplayName  string // shown to customers instead of Account.Name
	SupportEmail string
	URL          string // the merchant's website
	TermsURL     string // terms of service, linked by consent collection
	PrivacyURL   string

	Branding Branding
}

// Branding is the look of the account's hosted pages.
type Branding struct {
	Logo        string // id of a stored image, served from checkoutd's own origin
	BrandColor  string // "#rrggbb": the pay button and header
	AccentColor string // "#rrggbb": links and focus, on white
	ButtonShape string // "", "rounded", "pill" or "rectangular"
	FontFamily  string // "", or one of the page's system font stacks
}

// PublicName is the name customers see.
func (a *Account) PublicName() string {
	if a.Profile.DisplayName != "" {
		return a.Profile.DisplayName
	}
	return a.Name
}

// Secret key prefixes. The prefix decides the mode of everything the key touches.
const (
	TestKeyPrefix = "sk_test_"
	LiveKeyPrefix = "sk_live_"
)

// APIKey is a secret key of an account. Only a hash of the secret is stored;
// the secret itself is shown once, when the key is made.
type APIKey struct {
	ID        string
	AccountID string
	Livemode  bool
	Hash      []byte
	// Hint is the last four characters of the secret, to tell keys apart.
	Hint    string
	Created time.Time
	// LastUsed is when the key last authenticated a request, recorded at
	// most about once a minute per process (zero: never, as far as known).
	LastUsed time.Time
	// Revoked is when the key was revoked; zero while it is not. A revoked
	// key never works again.
	Revoked time.Time
	// ExpiresAt is when a rolled key stops working; zero when it does not
	// expire.
	ExpiresAt time.Time
}

// Usable reports whether the key may authenticate a request at now, and if
// not, the error that says why (code api_key_revoked or api_key_expired).
func (k *APIKey) Usable(now time.Time) error {
	switch {
	case !k.Revoked.IsZero():
		return Errorf(KindUnauthorized, "api_key_revoked", "This API key (%s, ending in %s) has been revoked.", k.ID, k.Hint)
	case !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt):
		return Errorf(KindUnauthorized, "api_key_expired", "This API key (%s, ending in %s) expired when it was rolled.", k.ID, k.Hint)
	}
	return nil
}

// Scope returns what the key gives access to.
func (k *APIKey) Scope() Scope { return Scope{AccountID: k.AccountID, Livemode: k.Livemode} }

// HashKey returns the stored form of a secret key. Keys carry at least 128
// random bits (or are chosen by an operator, with at least 24 characters of
// 64 after the prefix), so a fast unsalted hash is
// enough: there is nothing to brute-force, and lookups stay O(1).
func HashKey(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// Matches compares secret with the stored hash in constant time.
func (k *APIKey) Matches(secret string) bool {
	return subtle.ConstantTimeCompare(HashKey(secret), k.Hash) == 1
}

// KeyMode tells the mode of a secret key from its prefix.
func KeyMode(secret string) (livemode bool, ok bool) {
	switch {
	case strings.HasPrefix(secret, TestKeyPrefix) && len(secret) > len(TestKeyPrefix):
		return false, true
	case strings.HasPrefix(secret, LiveKeyPrefix) && len(secret) > len(LiveKeyPrefix):
		return true, true
	}
	return false, false
}
