package service

import (
	"context"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// Keys: listed, read, made, revoked and rolled within one scope (the
// caller's account and mode), so a key never sees or touches another
// account's keys, nor its own account's keys of the other mode.

// MaxRollOverlap bounds how long a rolled key keeps working beside its
// successor.
const MaxRollOverlap = 7 * 24 * time.Hour

// touchInterval is how often a process records that a key was used: at
// most once per key per interval, off the request path, so LastUsed lags by
// up to this much and the hot path never waits for a write.
const touchInterval = time.Minute

// NewKey makes a random key in scope and returns it with its secret, which
// is not kept and cannot be shown again.
func (s *Service) NewKey(ctx context.Context, scope checkout.Scope) (*checkout.APIKey, string, error) {
	secret := newSecret(scope.Livemode)
	k := s.newKey(scope.AccountID, scope.Livemode, secret)
	if err := s.store.CreateAPIKey(ctx, k); err != nil {
		if checkout.IsKind(err, checkout.KindNotFound) {
			return nil, "", checkout.NotFound("account", "account", scope.AccountID)
		}
		return nil, "", err
	}
	return k, secret, nil
}

// ListKeys returns one page of scope's keys, revoked ones included, newest first.
func (s *Service) ListKeys(ctx context.Context, scope checkout.Scope, p checkout.ListParams) (checkout.Page[*checkout.APIKey], error) {
	if err := checkList(&p); err != nil {
		return checkout.Page[*checkout.APIKey]{}, err
	}
	return s.store.ListAPIKeys(ctx, scope, p)
}

// GetKey returns a key of scope.
func (s *Service) GetKey(ctx context.Context, scope checkout.Scope, id string) (*checkout.APIKey, error) {
	k, err := s.store.GetAPIKey(ctx, scope, id)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return nil, keyNotFound(id)
	}
	return k, err
}

// RevokeKey revokes a key of scope for good; it may be the key making the
// request, which then stops working too. Revoking a revoked key changes
// nothing and answers it as it is: a retried revocation is not an error.
// This process stops accepting the key at once, others within keyCacheTTL.
func (s *Service) RevokeKey(ctx context.Context, scope checkout.Scope, id string) (*checkout.APIKey, error) {
	k, err := s.store.RevokeAPIKey(ctx, scope, id, s.now())
	if checkout.IsKind(err, checkout.KindNotFound) {
		return nil, keyNotFound(id)
	}
	if err != nil {
		return nil, err
	}
	s.keys.Delete(string(k.Hash))
	return k, nil
}

// RollKey makes a new key in the scope of key id, which keeps working for
// expireOldIn (0: it stops at once) and then stops. The new key and the old
// one's expiry are written together, so of two concurrent rolls one wins
// and the other is a state error. It returns the old key as it now is, the
// new one and the new secret, shown only this once.
func (s *Service) RollKey(ctx context.Context, scope checkout.Scope, id string, expireOldIn time.Duration) (old, next *checkout.APIKey, secret string, err error) {
	if expireOldIn < 0 || expireOldIn > MaxRollOverlap {
		return nil, nil, "", checkout.Invalid("expire_old_in", "parameter_invalid", "expire_old_in must be between 0 and %d seconds (7 days)", int(MaxRollOverlap.Seconds()))
	}
	secret = newSecret(scope.Livemode)
	next = s.newKey(scope.AccountID, scope.Livemode, secret)
	now := s.now()
	old, err = s.store.RollAPIKey(ctx, scope, id, now.Add(expireOldIn), next)
	switch {
	case checkout.IsKind(err, checkout.KindNotFound):
		return nil, nil, "", keyNotFound(id)
	case checkout.IsKind(err, checkout.KindConflict):
		k, gerr := s.GetKey(ctx, scope, id)
		if gerr != nil {
			return nil, nil, "", gerr
		}
		if !k.Revoked.IsZero() {
			return nil, nil, "", checkout.Errorf(checkout.KindState, "api_key_revoked", "API key %s is revoked and cannot be rolled", id)
		}
		if !k.ExpiresAt.IsZero() {
			return nil, nil, "", checkout.Errorf(checkout.KindState, "api_key_rolled", "API key %s was rolled already; it expires at %s", id, k.ExpiresAt.UTC().Format(time.RFC3339))
		}
		return nil, nil, "", err
	case err != nil:
		return nil, nil, "", err
	}
	s.keys.Delete(string(old.Hash))
	return old, next, secret, nil
}

// KeyScope finds the scope of key id among every account, for the CLI,
// which names a key by its id alone. Accounts are few, made by operators.
func (s *Service) KeyScope(ctx context.Context, id string) (checkout.Scope, error) {
	accts, err := s.store.ListAccounts(ctx)
	if err != nil {
		return checkout.Scope{}, err
	}
	for _, a := range accts {
		for _, live := range []bool{false, true} {
			sc := checkout.Scope{AccountID: a.ID, Livemode: live}
			_, err := s.store.GetAPIKey(ctx, sc, id)
			if err == nil {
				return sc, nil
			}
			if !checkout.IsKind(err, checkout.KindNotFound) {
				return checkout.Scope{}, err
			}
		}
	}
	return checkout.Scope{}, keyNotFound(id)
}

// noteUse records, at most once per touchInterval per key in this process,
// that key id was used at now. The write runs in its own goroutine: the
// request does not wait for it, and a failed one is only logged.
func (s *Service) noteUse(id string, now time.Time) {
	if v, ok := s.used.Load(id); ok && now.Sub(v.(time.Time)) < touchInterval {
		return
	}
	// Of concurrent requests with the same key, the one that swaps the
	// time in writes; the others see it and return.
	prev, loaded := s.used.LoadOrStore(id, now)
	if loaded {
		if now.Sub(prev.(time.Time)) < touchInterval || !s.used.CompareAndSwap(id, prev, now) {
			return
		}
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.store.TouchAPIKey(ctx, id, now); err != nil {
			s.log.Warn("recording a key's last use failed", "key", id, "err", err)
		}
	}()
}

func keyNotFound(id string) error { return checkout.NotFound("id", "api_key", id) }
