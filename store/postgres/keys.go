package postgres

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
	"github.com/jackc/pgx/v5"
)

// keyColumns are the columns scanKey reads, in its order.
const keyColumns = `id, account_id, livemode, hash, hint, created, last_used, revoked, expires_at`

// scanKey reads one row of keyColumns.
func scanKey(row pgx.Row) (*checkout.APIKey, error) {
	var k checkout.APIKey
	var created, used, revoked, expires int64
	if err := row.Scan(&k.ID, &k.AccountID, &k.Livemode, &k.Hash, &k.Hint, &created, &used, &revoked, &expires); err != nil {
		return nil, err
	}
	k.Created = record.FromMicros(created)
	k.LastUsed, k.Revoked, k.ExpiresAt = record.FromOptMicros(used), record.FromOptMicros(revoked), record.FromOptMicros(expires)
	return &k, nil
}

const getKeySQL = `SELECT ` + keyColumns + ` FROM api_keys WHERE id = $1 AND account_id = $2 AND livemode = $3`

// GetAPIKey returns the key with id in scope.
func (s *Store) GetAPIKey(ctx context.Context, scope checkout.Scope, id string) (*checkout.APIKey, error) {
	if !held(id) {
		return nil, checkout.ErrNotFound
	}
	k, err := scanKey(s.pool.QueryRow(ctx, getKeySQL, id, scope.AccountID, scope.Livemode))
	return k, translate("get api key", err)
}

// ListAPIKeys pages the scope's keys on seq, newest first, as list does
// for the tables that keep their objects as JSON.
func (s *Store) ListAPIKeys(ctx context.Context, scope checkout.Scope, p checkout.ListParams) (checkout.Page[*checkout.APIKey], error) {
	param, id, op := "starting_after", p.StartingAfter, "<"
	if id == "" {
		param, id, op = "ending_before", p.EndingBefore, ">"
	}
	if id != "" && !held(id) {
		return checkout.Page[*checkout.APIKey]{}, checkout.NotFound(param, "api_key", id)
	}
	q := `SELECT ` + keyColumns + ` FROM api_keys WHERE account_id = $1 AND livemode = $2`
	args := []any{scope.AccountID, scope.Livemode}
	if id != "" {
		args = append(args, id)
		q += ` AND seq ` + op + ` (SELECT seq FROM api_keys WHERE id = $3 AND account_id = $1 AND livemode = $2)`
	}
	upward := id != "" && op == ">"
	if upward {
		q += ` ORDER BY seq ASC`
	} else {
		q += ` ORDER BY seq DESC`
	}
	n := page(p.Limit)
	args = append(args, n+1)
	q += ` LIMIT $` + strconv.Itoa(len(args))
	rows, _ := s.pool.Query(ctx, q, args...)
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*checkout.APIKey, error) { return scanKey(r) })
	if err != nil {
		return checkout.Page[*checkout.APIKey]{}, translate("list api keys", err)
	}
	if len(items) == 0 && id != "" {
		if _, err := s.GetAPIKey(ctx, scope, id); errors.Is(err, checkout.ErrNotFound) {
			return checkout.Page[*checkout.APIKey]{}, checkout.NotFound(param, "api_key", id)
		} else if err != nil {
			return checkout.Page[*checkout.APIKey]{}, err
		}
	}
	out := checkout.Page[*checkout.APIKey]{Items: items, HasMore: len(items) > n}
	if out.Items == nil {
		out.Items = []*checkout.APIKey{}
	}
	if out.HasMore {
		out.Items = items[:n]
	}
	if upward {
		slices.Reverse(out.Items)
	}
	return out, nil
}

// RevokeAPIKey sets revoked once, in one statement that returns the row.
func (s *Store) RevokeAPIKey(ctx context.Context, scope checkout.Scope, id string, at time.Time) (*checkout.APIKey, error) {
	if !held(id) {
		return nil, checkout.ErrNotFound
	}
	k, err := scanKey(s.pool.QueryRow(ctx, `UPDATE api_keys SET revoked = CASE WHEN revoked = 0 THEN $4 ELSE revoked END
		WHERE id = $1 AND account_id = $2 AND livemode = $3 RETURNING `+keyColumns,
		id, scope.AccountID, scope.Livemode, micros(at)))
	return k, translate("revoke api key", err)
}

// RollAPIKey sets the old key's expiry and inserts next in one
// transaction. The UPDATE's condition is rechecked on the row a concurrent
// roller committed, so of two rollers the second changes no row and
// writes nothing.
func (s *Store) RollAPIKey(ctx context.Context, scope checkout.Scope, id string, expiresAt time.Time, next *checkout.APIKey) (*checkout.APIKey, error) {
	if next.AccountID != scope.AccountID || next.Livemode != scope.Livemode {
		return nil, checkout.ErrConflict
	}
	if !held(id) {
		return nil, checkout.ErrNotFound
	}
	var k *checkout.APIKey
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		k, err = scanKey(tx.QueryRow(ctx, `UPDATE api_keys SET expires_at = $4
			WHERE id = $1 AND account_id = $2 AND livemode = $3 AND revoked = 0 AND expires_at = 0
			RETURNING `+keyColumns, id, scope.AccountID, scope.Livemode, micros(expiresAt)))
		if errors.Is(err, pgx.ErrNoRows) {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM api_keys WHERE id = $1 AND account_id = $2 AND livemode = $3)`,
				id, scope.AccountID, scope.Livemode).Scan(&exists); err != nil {
				return translate("roll api key", err)
			}
			if !exists {
				return checkout.ErrNotFound
			}
			return checkout.ErrConflict
		} else if err != nil {
			return translate("roll api key", err)
		}
		_, err = tx.Exec(ctx, insertKey, next.ID, next.AccountID, next.Livemode, next.Hash, next.Hint, micros(next.Created))
		return translate("roll api key", err)
	})
	if err != nil {
		return nil, translate("roll api key", err)
	}
	return k, nil
}

// TouchAPIKey moves last_used forward; no other column is written.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE api_keys SET last_used = $2 WHERE id = $1 AND last_used < $2`, id, micros(at))
	return translate("touch api key", err)
}
