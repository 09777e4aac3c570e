package postgres

import (
	"context"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
	"github.com/jackc/pgx/v5"
)

const (
	insertAccount = `INSERT INTO accounts (id, data) VALUES ($1, $2)`
	insertKey     = `INSERT INTO api_keys (id, account_id, livemode, hash, hint, created) VALUES ($1, $2, $3, $4, $5, $6)`
)

// CreateAccount stores a and its keys in one batch, one implicit
// transaction: either all of them exist afterwards or none does.
func (s *Store) CreateAccount(ctx context.Context, a *checkout.Account, keys []*checkout.APIKey) error {
	data, err := record.EncodeAccount(a)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	b.Queue(insertAccount, a.ID, data)
	for _, k := range keys {
		b.Queue(insertKey, k.ID, k.AccountID, k.Livemode, k.Hash, k.Hint, micros(k.Created))
	}
	return s.batch(ctx, "create account", b)
}

// CreateAPIKey adds k; the foreign key on api_keys.account_id tells a missing
// account apart from a duplicate key.
func (s *Store) CreateAPIKey(ctx context.Context, k *checkout.APIKey) error {
	_, err := s.pool.Exec(ctx, insertKey, k.ID, k.AccountID, k.Livemode, k.Hash, k.Hint, micros(k.Created))
	if pgCode(err) == "23503" { // foreign_key_violation
		return checkout.NotFound("account", "account", k.AccountID)
	}
	return translate("create api key", err)
}

// GetAccount returns the account with id.
func (s *Store) GetAccount(ctx context.Context, id string) (*checkout.Account, error) {
	if !held(id) {
		return nil, checkout.ErrNotFound
	}
	var data []byte
	if err := s.pool.QueryRow(ctx, `SELECT data FROM accounts WHERE id = $1`, id).Scan(&data); err != nil {
		return nil, translate("get account", err)
	}
	return record.DecodeAccount(data)
}

// ListAccounts returns every account in the order they were created.
func (s *Store) ListAccounts(ctx context.Context) ([]*checkout.Account, error) {
	rows, _ := s.pool.Query(ctx, `SELECT data FROM accounts ORDER BY seq`)
	out, err := collect(rows, "list accounts", record.DecodeAccount)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FindAPIKey returns the key whose hash is hash.
func (s *Store) FindAPIKey(ctx context.Context, hash []byte) (*checkout.APIKey, error) {
	k, err := scanKey(s.pool.QueryRow(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE hash = $1`, hash))
	return k, translate("find api key", err)
}

// collect decodes every row of a one-column (data) query. pgx reports a
// failed query through rows, so callers need not check Query's error.
func collect[T any](rows pgx.Rows, op string, decode func([]byte) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	var data []byte
	for rows.Next() {
		if err := rows.Scan(&data); err != nil {
			return nil, translate(op, err)
		}
		v, err := decode(data)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(op, err)
	}
	return out, nil
}

// UpdateAccount compares and sets the account's version: the row is read
// FOR UPDATE, so a concurrent updater waits for this transaction and then
// finds the new version.
func (s *Store) UpdateAccount(ctx context.Context, a *checkout.Account) error {
	if !held(a.ID) {
		return checkout.ErrNotFound
	}
	data, err := record.EncodeAccount(a)
	if err != nil {
		return err
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var old []byte
		if err := tx.QueryRow(ctx, `SELECT data FROM accounts WHERE id = $1 FOR UPDATE`, a.ID).Scan(&old); err != nil {
			return translate("update account", err)
		}
		cur, err := record.DecodeAccount(old)
		if err != nil {
			return err
		}
		if cur.Version != a.Version-1 {
			return checkout.ErrConflict
		}
		_, err = tx.Exec(ctx, `UPDATE accounts SET data = $2 WHERE id = $1`, a.ID, data)
		return translate("update account", err)
	})
	return translate("update account", err)
}
