package stablecoin

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/evm"
)

// Name is the provider's name: payments and account settings carry it.
const Name = "stablecoin"

// TestXpub is the extended public key test mode derives deposit addresses
// from when the account set none, so that the flow runs before a merchant
// has a wallet. It is the master public key of BIP32's published test
// vector 1, whose private key is public: coins sent to its addresses on a
// real chain can be taken by anyone. Test mode only; live mode always
// needs the account's own key.
const TestXpub = evm.PublicTestXpub

// The credentials an account gives the provider (service/providersettings.go
// checks them when they are set).
const (
	CredXpub            = "xpub"
	CredSupportedTokens = "supported_tokens"
)

// Factory builds an account's stablecoin provider for a mode from its
// credentials and the operator's configuration of that mode. Test mode
// without an xpub derives from TestXpub; live mode without one refuses.
func Factory(m Modes) checkout.CredentialedFactory {
	return func(acct *checkout.Account, livemode bool, creds checkout.Credentials) (checkout.Provider, error) {
		return New(m.Mode(livemode), livemode, creds)
	}
}

// Provider is one account's stablecoin payments in one mode.
type Provider struct {
	cfg      Config
	livemode bool
	key      *evm.ExtendedKey
	// accepted are the pairs the account takes; nil: every configured one.
	accepted []checkout.TokenChain
}

var (
	_ checkout.Provider      = (*Provider)(nil)
	_ checkout.RefundChecker = (*Provider)(nil)
)

// New builds the provider from an account's credentials (checked when they
// were set, and again here: an address derived from a wrong key would
// receive coins the merchant cannot reach). Errors never carry the key.
func New(cfg Config, livemode bool, creds checkout.Credentials) (*Provider, error) {
	p := &Provider{cfg: cfg, livemode: livemode}
	xpub := creds[CredXpub]
	if xpub == "" {
		if livemode {
			return nil, checkout.Errorf(checkout.KindState, "provider_unavailable",
				"give the account's extended public key (xpub) to take stablecoins in live mode")
		}
		xpub = TestXpub
	}
	key, err := evm.ParseExtendedKey(xpub)
	if err != nil {
		return nil, checkout.Errorf(checkout.KindState, "provider_misconfigured", "the account's stablecoin xpub cannot be used: %v", err)
	}
	if livemode && key.IsPublicTestKey() {
		// Refused when it is set (service), and here for a key stored
		// before that check.
		return nil, checkout.Errorf(checkout.KindState, "provider_misconfigured",
			"the account's live stablecoin xpub is the built-in test key, whose private key is public: give the account's own xpub")
	}
	p.key = key
	if len(cfg.Chains) == 0 {
		return nil, checkout.Errorf(checkout.KindState, "provider_unavailable",
			"no chain is configured for stablecoins in %s mode (serve --chain NAME=RPC_URL)", modeName(livemode))
	}
	if s := creds[CredSupportedTokens]; s != "" {
		if p.accepted, err = checkout.ParseTokenChains(s); err != nil {
			return nil, checkout.Errorf(checkout.KindState, "provider_misconfigured", "the account's supported_tokens cannot be used: %v", err)
		}
	}
	return p, nil
}

// Name implements checkout.Provider.
func (*Provider) Name() string { return Name }

// Methods implements checkout.Provider.
func (*Provider) Methods() []checkout.Method { return []checkout.Method{checkout.MethodStablecoin} }

// Page implements checkout.Provider: the page shows the session's tokens
// itself and loads nothing.
func (*Provider) Page(checkout.Method) checkout.PageSpec { return checkout.PageSpec{} }

// Accepted returns the pairs the account accepts; nil means every pair the
// mode configures.
func (p *Provider) Accepted() []checkout.TokenChain { return slices.Clone(p.accepted) }

// KeyID names the account's key: the counter of its derivation indexes.
func (p *Provider) KeyID() string { return p.key.ID() }

// Start implements checkout.Provider: it derives a fresh deposit address
// for the customer's selection and states the exact amount due there. The
// payment waits (requires_action, not Async): the session stays open while
// the customer sends the coins, and may be paid by another selection.
func (p *Provider) Start(ctx context.Context, req checkout.StartRequest) (checkout.ProviderResult, error) {
	pay, sess := req.Payment, req.Session
	if pay.Method != checkout.MethodStablecoin {
		return checkout.ProviderResult{}, checkout.Invalid("payment_method_types", "method_unsupported", "the stablecoin provider takes stablecoin, not %s", pay.Method)
	}
	sel, err := p.Check(sess, req.Stablecoin)
	if err != nil {
		return checkout.ProviderResult{}, err
	}
	chain, token, _ := p.cfg.Lookup(sel)
	rate, _ := p.cfg.Rate(sess.Currency) // checked by Check
	units, err := evm.TokenUnits(pay.Amount, sess.Currency.Exponent(), rate, token.Decimals)
	if err != nil {
		return checkout.ProviderResult{}, checkout.Invalid("currency", "exchange_rate_invalid", "the exchange rate for %s cannot be used: %v", sess.Currency, err)
	}
	if req.SharedRefs == nil {
		return checkout.ProviderResult{}, errors.New("stablecoin: deposit addresses need a shared reference allocator, and none was given")
	}
	// Indexes come from a counter checkoutd keeps per key that never wraps
	// in practice (2^31 payments): an address is never given twice, so a
	// transfer always names one payment. The counter is the key's, not the
	// account's: every test-mode account without a key derives from
	// TestXpub, and nothing stops two live accounts (or both modes of
	// one) setting one key, so a counter per account would hand each of
	// them index 0.
	var index uint32
	var addr evm.Address
	for {
		n, err := req.SharedRefs.Next(ctx, "xpub:"+p.key.ID(), 1<<31, func(int) bool { return false })
		if err != nil {
			return checkout.ProviderResult{}, err
		}
		index = uint32(n)
		addr, err = evm.DeriveAddress(p.key, index)
		if errors.Is(err, evm.ErrInvalidChild) {
			continue // BIP32: an index without a key is skipped (odds below 2^-127)
		}
		if err != nil {
			return checkout.ProviderResult{}, err
		}
		break
	}
	d := &checkout.Deposit{
		Chain: chain.Name, ChainID: chain.ChainID, Token: sel.Token, Contract: token.Contract.String(), Decimals: token.Decimals,
		Address: addr.String(), Index: index, Amount: units.String(), ExchangeRate: rate,
		URI:           evm.PaymentURI(token.Contract, chain.ChainID, addr, units),
		Confirmations: chain.Confirmations,
	}
	return checkout.ProviderResult{
		Status:      checkout.PaymentRequiresAction,
		ProviderRef: Ref(chain.Name, addr),
		Action:      &checkout.NextAction{Kind: checkout.NextActionDepositAddress, ExpiresAt: sess.ExpiresAt},
		Deposit:     d,
	}, nil
}

// Ref is the provider reference of the payment whose deposit address is
// addr on chain: what the watcher finds a transfer's payment by.
func Ref(chain string, addr evm.Address) string { return chain + ":" + addr.Lower() }

// Check returns the customer's selection sel, normalised, if session sess
// can be paid with it through this provider: a pair the session accepts,
// configured in this mode (in live mode, on a chain checkoutd reads), and
// a rate for the session's currency. Errors are KindInvalid naming
// selected_token, chain or currency.
func (p *Provider) Check(sess *checkout.Session, sel checkout.TokenChain) (checkout.TokenChain, error) {
	sel = sel.Normalize()
	return sel, CheckSelection(p.cfg, p.livemode, sess, sel)
}

// CheckSelection is Check for a mode's configuration cfg: the service asks
// it before a payment is written, so that a bad selection writes nothing.
func CheckSelection(cfg Config, livemode bool, sess *checkout.Session, sel checkout.TokenChain) error {
	switch {
	case sel.Token == "":
		return checkout.Invalid("selected_token", "parameter_missing", "choose a token (%s)", tokenChoices(sess))
	case sel.Chain == "":
		return checkout.Invalid("chain", "parameter_missing", "choose the chain to pay %s on", sel.Token)
	case !slices.Contains(sess.SupportedTokens, sel):
		if slices.ContainsFunc(sess.SupportedTokens, func(tc checkout.TokenChain) bool { return tc.Token == sel.Token }) {
			return checkout.Invalid("chain", "chain_unsupported", "this checkout session does not take %s on %s; it takes %s", sel.Token, sel.Chain, tokenChoices(sess))
		}
		return checkout.Invalid("selected_token", "token_unsupported", "this checkout session does not take %s; it takes %s", sel.Token, tokenChoices(sess))
	}
	ch, _, ok := cfg.Lookup(sel)
	if !ok {
		return checkout.Invalid("chain", "chain_unavailable", "%s on %s is not configured on this server in %s mode", sel.Token, sel.Chain, modeName(livemode))
	}
	if livemode && ch.RPCURL == "" {
		return checkout.Invalid("chain", "chain_unavailable", "%s is not watched by this server in live mode, so a payment on it could not be seen", sel.Chain)
	}
	if _, ok := cfg.Rate(sess.Currency); !ok {
		return checkout.Invalid("currency", "exchange_rate_missing", "no exchange rate configured for %s: stablecoins take USD, or a currency the operator gives a rate for", strings.ToUpper(string(sess.Currency)))
	}
	return nil
}

func tokenChoices(sess *checkout.Session) string {
	if len(sess.SupportedTokens) == 0 {
		return "none"
	}
	return checkout.FormatTokenChains(sess.SupportedTokens)
}

// Simulated reports whether chain has no RPC URL in this mode: test mode
// then runs the payment on the simulator (the test helpers settle it).
func (c Config) Simulated(chain string) bool {
	ch, ok := c.Chains[chain]
	return ok && ch.RPCURL == ""
}

// Confirm implements checkout.Provider: a deposit has no customer step to
// confirm; the chain says what arrived.
func (*Provider) Confirm(context.Context, *checkout.Payment, checkout.ConfirmRequest) (checkout.ProviderResult, error) {
	return checkout.ProviderResult{}, checkout.Errorf(checkout.KindState, "payment_not_confirmable", "a stablecoin payment completes when its transfer is confirmed on chain")
}

var errNoRefund = checkout.Errorf(checkout.KindState, "refund_unsupported",
	"stablecoin payments are refunded from the merchant's own wallet: checkoutd holds no key that could send coins")

// CanRefund implements checkout.RefundChecker: never.
func (*Provider) CanRefund(*checkout.Payment) error { return errNoRefund }

// Refund implements checkout.Provider: refused, see CanRefund.
func (*Provider) Refund(context.Context, *checkout.Payment, int64, string) (checkout.RefundResult, error) {
	return checkout.RefundResult{}, errNoRefund
}

func modeName(livemode bool) string {
	if livemode {
		return "live"
	}
	return "test"
}
