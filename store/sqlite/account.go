package sqlite

import (
	"context"
	"database/sql"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// CreateAccount stores a and its keys in one transaction: either all of them
// exist afterwards or none does.
func (s *Store) CreateAccount(ctx context.Context, a *checkout.Account, keys []*checkout.APIKey) error {
	data, err := record.EncodeAccount(a)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.StmtContext(ctx, s.ws.insertAccount).ExecContext(ctx, a.ID, data); err != nil {
			return translate("create account", err)
		}
		ins := tx.StmtContext(ctx, s.ws.insertKey)
		for _, k := range keys {
			if err := insertKey(ctx, ins, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// CreateAPIKey adds k; the foreign key on api_keys.account_id tells a missing
// account apart from a duplicate key.
func (s *Store) CreateAPIKey(ctx context.Context, k *checkout.APIKey) error {
	return insertKey(ctx, s.ws.insertKey, k)
}

func insertKey(ctx context.Context, st *sql.Stmt, k *checkout.APIKey) error {
	_, err := st.ExecContext(ctx, k.ID, k.AccountID, k.Livemode, k.Hash, k.Hint, micros(k.Created))
	if isForeignKey(err) {
		return checkout.NotFound("account", "account", k.AccountID)
	}
	return translate("create api key", err)
}

// GetAccount returns the account with id.
func (s *Store) GetAccount(ctx context.Context, id string) (*checkout.Account, error) {
	var data []byte
	if err := s.rs.getAccount.QueryRowContext(ctx, id).Scan(&data); err != nil {
		return nil, translate("get account", err)
	}
	return record.DecodeAccount(data)
}

// ListAccounts returns every account in the order they were created.
func (s *Store) ListAccounts(ctx context.Context) ([]*checkout.Account, error) {
	rows, err := s.rs.listAccounts.QueryContext(ctx)
	if err != nil {
		return nil, translate("list accounts", err)
	}
	defer rows.Close()
	var out []*checkout.Account
	for rows.Next() {
		var data sql.RawBytes
		if err := rows.Scan(&data); err != nil {
			return nil, translate("list accounts", err)
		}
		a, err := record.DecodeAccount(data)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, translate("list accounts", err)
	}
	return out, nil
}

// FindAPIKey returns the key whose hash is hash.
func (s *Store) FindAPIKey(ctx context.Context, hash []byte) (*checkout.APIKey, error) {
	k, err := scanKey(s.rs.findKey.QueryRowContext(ctx, hash))
	return k, translate("find api key", err)
}

// UpdateAccount compares and sets the account's version inside the write
// transaction: SQLite has one writer, so nothing changes the row between
// the read and the write. The version lives in the JSON, which SQL does
// not look into, so the check is made here on the decoded record.
func (s *Store) UpdateAccount(ctx context.Context, a *checkout.Account) error {
	data, err := record.EncodeAccount(a)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		var old []byte
		if err := tx.QueryRowContext(ctx, `SELECT data FROM accounts WHERE id = ?`, a.ID).Scan(&old); err != nil {
			return translate("update account", err)
		}
		cur, err := record.DecodeAccount(old)
		if err != nil {
			return err
		}
		if cur.Version != a.Version-1 {
			return checkout.ErrConflict
		}
		_, err = tx.ExecContext(ctx, `UPDATE accounts SET data = ? WHERE id = ?`, data, a.ID)
		return translate("update account", err)
	})
}
