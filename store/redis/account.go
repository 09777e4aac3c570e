package redis

import (
	"context"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// CreateAccount stores a and its keys in one script: all of them or none.
func (s *Store) CreateAccount(ctx context.Context, a *checkout.Account, keys []*checkout.APIKey) error {
	data, err := record.EncodeAccount(a)
	if err != nil {
		return err
	}
	args := make([]any, 0, 3+4*len(keys))
	args = append(args, a.ID, data, len(keys))
	for _, k := range keys {
		ka, err := keyArgs(k)
		if err != nil {
			return err
		}
		args = append(args, ka...)
	}
	return translate("create account", s.run(ctx, createAccountScript, args...).Err())
}

// GetAccount returns the account with id.
func (s *Store) GetAccount(ctx context.Context, id string) (*checkout.Account, error) {
	data, err := s.get(ctx, s.k.object("account", id)).Bytes()
	if err != nil {
		return nil, translate("get account", err)
	}
	return record.DecodeAccount(data)
}

// ListAccounts returns every account in the order they were created.
func (s *Store) ListAccounts(ctx context.Context) ([]*checkout.Account, error) {
	var out []*checkout.Account
	err := s.walk(ctx, walk{kind: "account", sources: []string{s.k.accounts()}}, func(it item) (bool, error) {
		a, err := record.DecodeAccount(it.data)
		if err != nil {
			return false, err
		}
		out = append(out, a)
		return true, nil
	})
	return out, err
}

// CreateAPIKey adds k to its account; a missing account is not-found.
func (s *Store) CreateAPIKey(ctx context.Context, k *checkout.APIKey) error {
	ka, err := keyArgs(k)
	if err != nil {
		return err
	}
	err = s.run(ctx, createKeyScript, k.AccountID, ka[0], ka[1], ka[2], ka[3]).Err()
	if isReply(err, "NOTFOUND") {
		return checkout.NotFound("account", "account", k.AccountID)
	}
	return translate("create api key", err)
}

// UpdateAccount compares and sets the account's version in one script.
func (s *Store) UpdateAccount(ctx context.Context, a *checkout.Account) error {
	data, err := record.EncodeAccount(a)
	if err != nil {
		return err
	}
	return translate("update account", s.run(ctx, updateAccountScript, a.ID, a.Version, data).Err())
}
