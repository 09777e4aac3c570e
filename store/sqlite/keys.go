package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// keyColumns are the columns scanKey reads, in its order.
const keyColumns = `id, account_id, livemode, hash, hint, created, last_used, revoked, expires_at`

type scanner interface{ Scan(dest ...any) error }

// scanKey reads one row of keyColumns.
func scanKey(row scanner) (*checkout.APIKey, error) {
	var k checkout.APIKey
	var created, used, revoked, expires int64
	if err := row.Scan(&k.ID, &k.AccountID, &k.Livemode, &k.Hash, &k.Hint, &created, &used, &revoked, &expires); err != nil {
		return nil, err
	}
	k.Created = record.FromMicros(created)
	k.LastUsed, k.Revoked, k.ExpiresAt = record.FromOptMicros(used), record.FromOptMicros(revoked), record.FromOptMicros(expires)
	return &k, nil
}

const getKeySQL = `SELECT ` + keyColumns + ` FROM api_keys WHERE id = ? AND account_id = ? AND livemode = ?`

// GetAPIKey returns the key with id in scope.
func (s *Store) GetAPIKey(ctx context.Context, scope checkout.Scope, id string) (*checkout.APIKey, error) {
	st, err := s.listStmt(ctx, getKeySQL)
	if err != nil {
		return nil, err
	}
	k, err := scanKey(st.QueryRowContext(ctx, id, scope.AccountID, scope.Livemode))
	return k, translate("get api key", err)
}

// ListAPIKeys pages the scope's keys on seq, newest first, like the other
// lists (see list.go); keys are few, so the page is read in one query.
func (s *Store) ListAPIKeys(ctx context.Context, scope checkout.Scope, p checkout.ListParams) (checkout.Page[*checkout.APIKey], error) {
	seqStmt, err := s.listStmt(ctx, `SELECT seq FROM api_keys WHERE id = ? AND account_id = ? AND livemode = ?`)
	if err != nil {
		return checkout.Page[*checkout.APIKey]{}, err
	}
	c, err := s.cursor(ctx, seqStmt, scope, p, "api_key")
	if err != nil {
		return checkout.Page[*checkout.APIKey]{}, err
	}
	query, order := `SELECT `+keyColumns+` FROM api_keys WHERE account_id = ? AND livemode = ?`, ` ORDER BY seq DESC LIMIT ?`
	args := []any{scope.AccountID, scope.Livemode}
	where, more := c.where()
	query += where
	args = append(args, more...)
	if c.dir > 0 {
		order = ` ORDER BY seq ASC LIMIT ?`
	}
	n := page(p.Limit)
	st, err := s.listStmt(ctx, query+order)
	if err != nil {
		return checkout.Page[*checkout.APIKey]{}, err
	}
	rows, err := st.QueryContext(ctx, append(args, n+1)...)
	if err != nil {
		return checkout.Page[*checkout.APIKey]{}, translate("list api keys", err)
	}
	defer rows.Close()
	items := []*checkout.APIKey{}
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return checkout.Page[*checkout.APIKey]{}, translate("list api keys", err)
		}
		items = append(items, k)
	}
	if err := rows.Err(); err != nil {
		return checkout.Page[*checkout.APIKey]{}, translate("list api keys", err)
	}
	out := checkout.Page[*checkout.APIKey]{Items: items, HasMore: len(items) > n}
	if out.HasMore {
		out.Items = items[:n]
	}
	if c.dir > 0 {
		slices.Reverse(out.Items)
	}
	return out, nil
}

// RevokeAPIKey sets revoked once, in the transaction that reads the key back.
func (s *Store) RevokeAPIKey(ctx context.Context, scope checkout.Scope, id string, at time.Time) (*checkout.APIKey, error) {
	var k *checkout.APIKey
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked = ? WHERE id = ? AND account_id = ? AND livemode = ? AND revoked = 0`,
			micros(at), id, scope.AccountID, scope.Livemode); err != nil {
			return translate("revoke api key", err)
		}
		var err error
		k, err = scanKey(tx.QueryRowContext(ctx, getKeySQL, id, scope.AccountID, scope.Livemode))
		return translate("revoke api key", err)
	})
	return k, err
}

// RollAPIKey sets the old key's expiry, under the condition that it has
// none and is not revoked, and inserts next, in one transaction: a second
// roller finds the condition false and writes nothing.
func (s *Store) RollAPIKey(ctx context.Context, scope checkout.Scope, id string, expiresAt time.Time, next *checkout.APIKey) (*checkout.APIKey, error) {
	if next.AccountID != scope.AccountID || next.Livemode != scope.Livemode {
		return nil, checkout.ErrConflict
	}
	var k *checkout.APIKey
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_keys SET expires_at = ?
			WHERE id = ? AND account_id = ? AND livemode = ? AND revoked = 0 AND expires_at = 0`,
			micros(expiresAt), id, scope.AccountID, scope.Livemode)
		if err := oneRow("roll api key", res, err); err != nil {
			if errors.Is(err, checkout.ErrConflict) {
				if _, err := scanKey(tx.QueryRowContext(ctx, getKeySQL, id, scope.AccountID, scope.Livemode)); errors.Is(err, sql.ErrNoRows) {
					return checkout.ErrNotFound
				}
			}
			return err
		}
		if err := insertKey(ctx, tx.StmtContext(ctx, s.ws.insertKey), next); err != nil {
			return err
		}
		k, err = scanKey(tx.QueryRowContext(ctx, getKeySQL, id, scope.AccountID, scope.Livemode))
		return translate("roll api key", err)
	})
	return k, err
}

// TouchAPIKey moves last_used forward, one statement that writes no other
// column.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	return s.submit(&writeReq{ctx: ctx, oneStatement: true, fn: func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE api_keys SET last_used = ? WHERE id = ? AND last_used < ?`, micros(at), id, micros(at))
		return translate("touch api key", err)
	}})
}
