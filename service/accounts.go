package service

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// AccountParams is a request to create an account.
type AccountParams struct {
	ID              string // optional; generated when empty
	Name            string
	DefaultCurrency string // optional; GHS when empty, as seed 001 documents
	SecretKey       string // optional test key to install instead of a random one
	SessionTTL      time.Duration
}

// DefaultCurrency is the account currency when none is given.
const DefaultCurrency = checkout.Currency("GHS")

var accountIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// CreateAccount stores a new account with one test key and returns the key's
// secret, which is not kept anywhere and cannot be shown again.
func (s *Service) CreateAccount(ctx context.Context, p AccountParams) (*checkout.Account, string, error) {
	a := &checkout.Account{ID: p.ID, Name: strings.TrimSpace(p.Name), DefaultCurrency: DefaultCurrency, SessionTTL: p.SessionTTL, Created: s.now(), Version: 1}
	if a.ID == "" {
		a.ID = s.ids.New("acct")
	} else if !accountIDPattern.MatchString(a.ID) {
		return nil, "", checkout.Invalid("id", "parameter_invalid", "account id must be 1 to 64 letters, digits, '_' or '-'")
	}
	if a.Name == "" {
		return nil, "", checkout.Invalid("name", "parameter_missing", "name is required")
	}
	if err := checkText("name", a.Name, 100); err != nil {
		return nil, "", err
	}
	if p.DefaultCurrency != "" {
		c, ok := checkout.ParseCurrency(p.DefaultCurrency)
		if !ok {
			return nil, "", checkout.Invalid("default_currency", "currency_invalid", "'%s' is not a supported ISO 4217 currency code", p.DefaultCurrency)
		}
		a.DefaultCurrency = c
	}
	if a.SessionTTL == 0 {
		a.SessionTTL = checkout.DefaultSessionTTL
	}
	if a.SessionTTL < checkout.MinSessionTTL || a.SessionTTL > checkout.MaxSessionTTL {
		return nil, "", checkout.Invalid("session_ttl", "parameter_invalid", "the session lifetime must be between 1 minute and 30 days")
	}
	secret := p.SecretKey
	if secret == "" {
		secret = newSecret(false)
	} else if err := CheckChosenKey(secret); err != nil {
		return nil, "", err
	}
	key := s.newKey(a.ID, false, secret)
	if err := s.store.CreateAccount(ctx, a, []*checkout.APIKey{key}); err != nil {
		if checkout.IsKind(err, checkout.KindConflict) {
			return nil, "", checkout.Errorf(checkout.KindConflict, "account_exists", "an account with id '%s' or that key already exists", a.ID)
		}
		return nil, "", err
	}
	return a, secret, nil
}

// CreateKey adds a new random key to an account and returns its secret, once.
func (s *Service) CreateKey(ctx context.Context, accountID string, livemode bool) (string, error) {
	_, secret, err := s.NewKey(ctx, checkout.Scope{AccountID: accountID, Livemode: livemode})
	return secret, err
}

// DefaultAccountID is the id of the account made on a store's first start.
const DefaultAccountID = "acct_default"

// Bootstrap makes the default account when the store has no account at all,
// with secretKey as its test key when given. It returns the account and the
// secret when it made them; created is false when accounts already existed.
// Replicas starting together race on the fixed id, and only one wins.
func (s *Service) Bootstrap(ctx context.Context, name, currency, secretKey string) (a *checkout.Account, secret string, created bool, err error) {
	accts, err := s.store.ListAccounts(ctx)
	if err != nil || len(accts) > 0 {
		return nil, "", false, err
	}
	a, secret, err = s.CreateAccount(ctx, AccountParams{ID: DefaultAccountID, Name: name, DefaultCurrency: currency, SecretKey: secretKey})
	if checkout.IsKind(err, checkout.KindConflict) {
		return nil, "", false, nil
	}
	return a, secret, err == nil, err
}

// MinChosenKeyChars is how many characters an operator-chosen key needs
// after its prefix: 24 of the 64 allowed characters are 144 bits, more than
// the 128 a random key carries, if the operator picks them at random; a
// short one could be guessed.
const MinChosenKeyChars = 24

// CheckChosenKey validates an operator-chosen test key (--bootstrap-key,
// --secret-key): scripts need a known key, but it must still look like one
// and be as hard to guess.
func CheckChosenKey(secret string) error {
	if !strings.HasPrefix(secret, checkout.TestKeyPrefix) {
		return checkout.Invalid("secret_key", "parameter_invalid", "a chosen secret key must start with %s", checkout.TestKeyPrefix)
	}
	rest := secret[len(checkout.TestKeyPrefix):]
	if len(rest) < MinChosenKeyChars || len(rest) > 200 {
		return checkout.Invalid("secret_key", "parameter_invalid", "a chosen secret key needs %d to 200 characters after %s", MinChosenKeyChars, checkout.TestKeyPrefix)
	}
	for _, r := range rest {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return checkout.Invalid("secret_key", "parameter_invalid", "a secret key may contain only letters, digits, '_' and '-'")
		}
	}
	return nil
}

func newSecret(livemode bool) string {
	if livemode {
		return checkout.LiveKeyPrefix + checkout.RandomString(32)
	}
	return checkout.TestKeyPrefix + checkout.RandomString(32)
}

func (s *Service) newKey(accountID string, livemode bool, secret string) *checkout.APIKey {
	return &checkout.APIKey{
		ID: s.ids.New("key"), AccountID: accountID, Livemode: livemode,
		Hash: checkout.HashKey(secret), Hint: secret[len(secret)-4:], Created: s.now(),
	}
}

// account returns an account, from a short-lived cache: every create reads
// the account's defaults, and accounts change rarely (and, today, only by
// being made). Changes take effect within keyCacheTTL.
func (s *Service) account(ctx context.Context, id string) (*checkout.Account, error) {
	now := time.Now()
	if c, ok := s.accounts.Load(id); ok && now.Before(c.(cachedAccount).expires) {
		return c.(cachedAccount).acct, nil
	}
	a, err := s.store.GetAccount(ctx, id)
	if err != nil {
		return nil, err
	}
	s.accounts.Store(id, cachedAccount{acct: a, expires: now.Add(keyCacheTTL)})
	return a, nil
}

type cachedAccount struct {
	acct    *checkout.Account
	expires time.Time
}

// keyCacheTTL bounds how long a key lookup is reused, and so how long a
// revocation (or a rolled key's expiry) made through another process takes
// to reach this one: every process re-reads each key it uses this often.
// A revocation through this process takes effect at once (see RevokeKey).
// A few seconds cost one indexed read per key per process per period.
const keyCacheTTL = 2 * time.Second

type cachedKey struct {
	key     *checkout.APIKey
	expires time.Time
}

var errBadKey = checkout.Errorf(checkout.KindUnauthorized, "api_key_invalid", "Invalid API key provided.")

// Authenticate returns the scope a secret key gives access to. Known keys are
// cached briefly so that the hot path does not read the store; unknown ones
// are not, so random guesses cannot grow the cache. A revoked key, or a
// rolled one past its expiry, is refused with api_key_revoked or
// api_key_expired.
func (s *Service) Authenticate(ctx context.Context, secret string) (checkout.Scope, error) {
	if secret == "" {
		return checkout.Scope{}, checkout.Errorf(checkout.KindUnauthorized, "api_key_missing",
			"No API key provided. Send your secret key as 'Authorization: Bearer sk_test_…', HTTP Basic user name, or x-api-key.")
	}
	livemode, ok := checkout.KeyMode(secret)
	if !ok || len(secret) > 256 {
		return checkout.Scope{}, errBadKey
	}
	hash := checkout.HashKey(secret)
	now := time.Now()
	if c, ok := s.keys.Load(string(hash)); ok && now.Before(c.(cachedKey).expires) {
		k := c.(cachedKey).key
		if k.Matches(secret) {
			return s.use(k)
		}
	}
	k, err := s.store.FindAPIKey(ctx, hash)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return checkout.Scope{}, errBadKey
	}
	if err != nil {
		return checkout.Scope{}, err
	}
	// The lookup went by hash; the constant-time compare is the check that
	// decides, so no timing of ours depends on how much of a secret matched.
	if !k.Matches(secret) || k.Livemode != livemode {
		return checkout.Scope{}, errBadKey
	}
	s.keys.Store(string(hash), cachedKey{key: k, expires: now.Add(keyCacheTTL)})
	return s.use(k)
}

// use checks that k may be used now and notes its use.
func (s *Service) use(k *checkout.APIKey) (checkout.Scope, error) {
	now := s.now()
	if err := k.Usable(now); err != nil {
		return checkout.Scope{}, err
	}
	s.noteUse(k.ID, now)
	return k.Scope(), nil
}
