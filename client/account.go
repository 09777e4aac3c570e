package client

import (
	"context"
	"errors"
)

// AccountService is the key's own account (/v1/account). Get it from
// Client.Accounts.
type AccountService struct {
	// Providers sets, reads and removes the payment providers' settings of
	// the key's account, in the key's mode.
	Providers *AccountProviderService
}

// AccountProvider is one payment provider's settings for the key's account
// and mode. Secret credentials are never answered: Secrets holds the last
// four characters of each one that is set.
type AccountProvider struct {
	// Object is always "account_provider".
	Object string `json:"object"`
	// Name is "stripe", "easypay", "ifthenpay" or "sim".
	Name     string `json:"name"`
	Livemode bool   `json:"livemode"`
	// Configured says credentials are set.
	Configured bool `json:"configured"`
	// Simulated: in test mode without credentials, the simulator takes
	// this provider's payments under its name.
	Simulated bool `json:"simulated"`
	// Credentials are the settings that are not secret (a publishable key,
	// an account id, an entity).
	Credentials map[string]string `json:"credentials"`
	// Secrets are the secret settings that are set, by name, each shown by
	// its last four characters.
	Secrets map[string]ProviderSecret `json:"secrets"`
	// DefaultFor are the payment methods this provider takes by default.
	DefaultFor []string `json:"default_for"`
	// Deleted is set on what Remove answers.
	Deleted bool `json:"deleted"`
}

// ProviderSecret is a secret setting as answered: its last four characters.
type ProviderSecret struct {
	Last4 string `json:"last4"`
}

// AccountProviderParams are the settings AccountProviderService.Set sends:
// each field set replaces the stored one, a pointer to "" removes it, nil
// leaves it as it is. Which fields a provider takes: Stripe SecretKey,
// PublishableKey, WebhookSecret; Easypay AccountID, APIKey; Ifthenpay
// MBKey, or Entity and SubEntity, and AntiPhishingKey.
type AccountProviderParams struct {
	SecretKey       *string `json:"secret_key,omitempty"`
	PublishableKey  *string `json:"publishable_key,omitempty"`
	WebhookSecret   *string `json:"webhook_secret,omitempty"`
	AccountID       *string `json:"account_id,omitempty"`
	APIKey          *string `json:"api_key,omitempty"`
	MBKey           *string `json:"mb_key,omitempty"`
	Entity          *string `json:"entity,omitempty"`
	SubEntity       *string `json:"sub_entity,omitempty"`
	AntiPhishingKey *string `json:"anti_phishing_key,omitempty"`
	// Xpub is the stablecoin provider's extended public key (never a
	// private key); SupportedTokens the pairs the account accepts,
	// "USDC@base,USDT@ethereum".
	Xpub            *string `json:"xpub,omitempty"`
	SupportedTokens *string `json:"supported_tokens,omitempty"`
	// DefaultFor makes the provider the default for these methods.
	DefaultFor []string `json:"default_for,omitempty"`
}

// AccountProviderList is every provider's settings.
type AccountProviderList struct {
	Object string             `json:"object"`
	Data   []*AccountProvider `json:"data"`
	URL    string             `json:"url"`
}

// AccountProviderService is /v1/account/providers.
type AccountProviderService struct {
	b *backend
}

const accountProvidersPath = "/v1/account/providers"

var errEmptyProvider = errors.New("checkoutd: provider name is empty")

func (s *AccountProviderService) res() resource[AccountProvider] {
	return resource[AccountProvider]{s.b, accountProvidersPath, errEmptyProvider}
}

// List returns the settings of every provider.
func (s *AccountProviderService) List(ctx context.Context) (*AccountProviderList, error) {
	return list[AccountProviderList](ctx, s.b, accountProvidersPath, nil)
}

// Get returns one provider's settings.
func (s *AccountProviderService) Get(ctx context.Context, name string) (*AccountProvider, error) {
	return s.res().get(ctx, name)
}

// Set changes one provider's settings. A new payment reads them: a change
// reaches the next payment on every server.
func (s *AccountProviderService) Set(ctx context.Context, name string, params *AccountProviderParams) (*AccountProvider, error) {
	if params == nil {
		params = &AccountProviderParams{}
	}
	return s.res().post(ctx, name, "", params, "", nil)
}

// Remove deletes one provider's settings.
func (s *AccountProviderService) Remove(ctx context.Context, name string) (*AccountProvider, error) {
	return s.res().delete(ctx, name)
}
