package redis

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// API keys: the layout is in lua/prelude.lua. The key as made is one JSON
// string that never changes; revocation, expiry and last use live in a
// hash beside it, so that a touch can never undo a revocation and no
// script has to re-encode JSON.

// keyArgs are the script arguments that store k.
func keyArgs(k *checkout.APIKey) ([]any, error) {
	data, err := record.EncodeKey(k)
	if err != nil {
		return nil, err
	}
	return []any{hex.EncodeToString(k.Hash), data, k.ID, mode(k.Livemode)}, nil
}

// decodeKeyRecord reads one key of a reply: data, revoked, expires at,
// last used. ok is false when the key does not exist.
func decodeKeyRecord(v []any) (k *checkout.APIKey, ok bool, err error) {
	if len(v) != 4 || str(v[0]) == "" {
		return nil, false, nil
	}
	k, err = record.DecodeKey([]byte(str(v[0])))
	if err != nil {
		return nil, false, err
	}
	times := make([]time.Time, 3)
	for i := range times {
		if s := str(v[1+i]); s != "" {
			us, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, false, fmt.Errorf("redis: api key %s: bad time %q", k.ID, s)
			}
			times[i] = record.FromOptMicros(us)
		}
	}
	k.Revoked, k.ExpiresAt, k.LastUsed = times[0], times[1], times[2]
	return k, true, nil
}

// oneKey runs a script whose reply is one key record.
func (s *Store) oneKey(ctx context.Context, op string, res []any, err error) (*checkout.APIKey, error) {
	if err != nil {
		return nil, translate(op, err)
	}
	k, ok, err := decodeKeyRecord(res)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, checkout.ErrNotFound
	}
	return k, nil
}

// FindAPIKey returns the key whose hash is hash.
func (s *Store) FindAPIKey(ctx context.Context, hash []byte) (*checkout.APIKey, error) {
	res, err := s.run(ctx, findKeysScript, hex.EncodeToString(hash)).Slice()
	return s.oneKey(ctx, "find api key", res, err)
}

// GetAPIKey returns the key with id in scope.
func (s *Store) GetAPIKey(ctx context.Context, scope checkout.Scope, id string) (*checkout.APIKey, error) {
	res, err := s.run(ctx, getKeyScript, scope.AccountID, mode(scope.Livemode), id).Slice()
	return s.oneKey(ctx, "get api key", res, err)
}

// ListAPIKeys pages the scope's key ids (whose objects are the hashes
// they name) and then reads those keys in one more script.
func (s *Store) ListAPIKeys(ctx context.Context, scope checkout.Scope, p checkout.ListParams) (checkout.Page[*checkout.APIKey], error) {
	idx := s.k.scoped("apikeys", scope)
	hashes, err := list(ctx, s, listing{kind: "apikey-id", what: "api_key", scope: idx, sources: []string{idx}}, p,
		func(it item) (string, bool, error) { return string(it.data), true, nil })
	if err != nil {
		return checkout.Page[*checkout.APIKey]{}, err
	}
	out := checkout.Page[*checkout.APIKey]{Items: []*checkout.APIKey{}, HasMore: hashes.HasMore}
	if len(hashes.Items) == 0 {
		return out, nil
	}
	args := make([]any, len(hashes.Items))
	for i, h := range hashes.Items {
		args[i] = h
	}
	res, err := s.run(ctx, findKeysScript, args...).Slice()
	if err != nil {
		return checkout.Page[*checkout.APIKey]{}, translate("list api keys", err)
	}
	for i := 0; i+4 <= len(res); i += 4 {
		k, ok, err := decodeKeyRecord(res[i : i+4])
		if err != nil {
			return checkout.Page[*checkout.APIKey]{}, err
		}
		if ok && k.Scope() == scope {
			out.Items = append(out.Items, k)
		}
	}
	return out, nil
}

// RevokeAPIKey sets the key's revocation time unless it has one.
func (s *Store) RevokeAPIKey(ctx context.Context, scope checkout.Scope, id string, at time.Time) (*checkout.APIKey, error) {
	res, err := s.run(ctx, revokeKeyScript, scope.AccountID, mode(scope.Livemode), id, at.UnixMicro()).Slice()
	return s.oneKey(ctx, "revoke api key", res, err)
}

// RollAPIKey checks and writes the new key and the old one's expiry in
// one script.
func (s *Store) RollAPIKey(ctx context.Context, scope checkout.Scope, id string, expiresAt time.Time, next *checkout.APIKey) (*checkout.APIKey, error) {
	if next.AccountID != scope.AccountID || next.Livemode != scope.Livemode {
		return nil, checkout.ErrConflict
	}
	ka, err := keyArgs(next)
	if err != nil {
		return nil, err
	}
	res, err := s.run(ctx, rollKeyScript, scope.AccountID, mode(scope.Livemode), id, expiresAt.UnixMicro(), ka[0], ka[1], ka[2]).Slice()
	return s.oneKey(ctx, "roll api key", res, err)
}

// TouchAPIKey moves the key's last use forward.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	return translate("touch api key", s.run(ctx, touchKeyScript, id, at.UnixMicro()).Err())
}

// keysIndexed marks a prefix whose keys all have ids and lists.
func (k keys) keysIndexed() string { return k.p + "apikeys-indexed" }

// indexOldKeys gives the keys stored before keys had ids and lists (by a
// checkoutd older than this one) their id and their place in their
// scope's list, oldest first, once per prefix. Until it has run, such
// keys authenticate but cannot be listed, revoked or rolled. A key that an
// older checkoutd makes after that (during a rolling upgrade) stays so
// until P apikeys-indexed is deleted and a Store opens again: upgrade
// every replica before making keys.
func (s *Store) indexOldKeys(ctx context.Context) error {
	if n, err := s.c.Exists(ctx, s.k.keysIndexed()).Result(); err != nil || n == 1 {
		return err
	}
	type old struct {
		hash    string
		created time.Time
	}
	var found []old
	prefix := s.k.p + "apikey:"
	iter := s.c.Scan(ctx, 0, globEscape(prefix)+"*", 1000).Iterator()
	for iter.Next(ctx) {
		data, err := s.c.Get(ctx, iter.Val()).Bytes()
		if err != nil {
			continue // gone since the scan saw it
		}
		k, err := record.DecodeKey(data)
		if err != nil {
			return err
		}
		found = append(found, old{hash: strings.TrimPrefix(iter.Val(), prefix), created: k.Created})
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("redis: index api keys: %w", err)
	}
	slices.SortStableFunc(found, func(a, b old) int { return a.created.Compare(b.created) })
	for _, o := range found {
		if err := s.run(ctx, indexKeyScript, o.hash).Err(); err != nil {
			return fmt.Errorf("redis: index api keys: %w", err)
		}
	}
	return s.c.Set(ctx, s.k.keysIndexed(), "1", 0).Err()
}

// globEscape escapes the glob characters of a literal for SCAN MATCH.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
