package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/evm"
)

// stablecoinProvider is the provider name of stablecoin payments; its
// credentials are an xpub and the pairs the account accepts.
const stablecoinProvider = "stablecoin"

// rateSource is what the operator's stablecoin configuration adds to a
// checkout.TokenDirectory (provider/stablecoin.Modes): the exchange rate
// of a currency, and whether a chain runs on the simulator.
type rateSource interface {
	Rate(livemode bool, cur checkout.Currency) (string, bool)
	Simulated(livemode bool, chain string) bool
}

// selectionChecker is a stablecoin provider that checks a customer's
// token and chain before a payment is written.
type selectionChecker interface {
	Check(sess *checkout.Session, sel checkout.TokenChain) (checkout.TokenChain, error)
}

// StablecoinRate is the rate a session in currency cur would be paid at in
// a mode; ok is false when the operator configured none.
func (s *Service) StablecoinRate(livemode bool, cur checkout.Currency) (string, bool) {
	rs, ok := s.tokens.(rateSource)
	if !ok {
		return "", false
	}
	return rs.Rate(livemode, cur)
}

// StablecoinSimulated reports whether payments on chain run on the
// simulator in a mode (test mode, no node configured for it): the test
// helpers settle them, and the page offers to.
func (s *Service) StablecoinSimulated(livemode bool, chain string) bool {
	rs, ok := s.tokens.(rateSource)
	return ok && rs.Simulated(livemode, chain)
}

// accountTokens are the pairs an account's stablecoin settings accept in a
// mode; nil when it set none (every configured pair).
func accountTokens(ps *checkout.ProviderSettings) []checkout.TokenChain {
	if ps == nil {
		return nil
	}
	v := ps.Providers[stablecoinProvider].Plain["supported_tokens"]
	if v == "" {
		return nil
	}
	pairs, err := checkout.ParseTokenChains(v)
	if err != nil {
		return nil // checked when set; unreadable now means none
	}
	return pairs
}

// buildStablecoin fills a new session's SupportedTokens when it takes
// stablecoins: those asked for, else the account's, else every pair the
// mode configures. Each must be configured in the mode and accepted by the
// account; the session's currency must have a rate.
func (s *Service) buildStablecoin(ctx context.Context, acct *checkout.Account, sess *checkout.Session, p *SessionParams) error {
	mi := slices.Index(sess.PaymentMethodTypes, string(checkout.MethodStablecoin))
	if mi < 0 {
		if p.SupportedTokens != nil {
			return checkout.Invalid("supported_tokens", "parameter_unexpected", "supported_tokens is for a checkout session whose payment_method_types include stablecoin")
		}
		return nil
	}
	configured := []checkout.TokenInfo(nil)
	if s.tokens != nil {
		configured = s.tokens.Tokens(sess.Livemode)
	}
	if len(configured) == 0 {
		return checkout.Invalid(fmt.Sprintf("payment_method_types[%d]", mi), "payment_method_unavailable", "no stablecoin is configured on this server in %s mode", modeName(sess.Livemode))
	}
	if _, ok := s.StablecoinRate(sess.Livemode, sess.Currency); !ok {
		return checkout.Invalid("currency", "exchange_rate_missing", "no exchange rate configured for %s: stablecoins take USD, or a currency the operator gives a rate for", sess.Currency)
	}
	ps, err := s.providerSettings(ctx, checkout.Scope{AccountID: acct.ID, Livemode: sess.Livemode})
	if err != nil {
		return err
	}
	accepted := accountTokens(ps)
	isConfigured := func(tc checkout.TokenChain) bool {
		return slices.ContainsFunc(configured, func(t checkout.TokenInfo) bool { return t.Chain == tc.Chain && t.Token == tc.Token })
	}
	var out []checkout.TokenChain
	switch {
	case p.SupportedTokens != nil:
		if len(p.SupportedTokens) == 0 {
			return checkout.Invalid("supported_tokens", "parameter_invalid", "supported_tokens cannot be empty: name at least one token and chain, or leave it out")
		}
		for i, tc := range p.SupportedTokens {
			param := fmt.Sprintf("supported_tokens[%d]", i)
			tc = tc.Normalize()
			switch {
			case tc.Token == "":
				return checkout.Invalid(param+"[token]", "parameter_missing", "each supported token needs its token (USDC, USDT)")
			case tc.Chain == "":
				return checkout.Invalid(param+"[chain]", "parameter_missing", "each supported token needs its chain (ethereum, base, …)")
			case slices.Contains(out, tc):
				return checkout.Invalid(param, "parameter_invalid", "%s is listed twice", tc)
			case !isConfigured(tc):
				return checkout.Invalid(param, "token_unavailable", "%s is not configured on this server in %s mode; it has %s", tc, modeName(sess.Livemode), infoList(configured))
			case accepted != nil && !slices.Contains(accepted, tc):
				return checkout.Invalid(param, "token_not_accepted", "this account does not accept %s; its stablecoin settings accept %s", tc, checkout.FormatTokenChains(accepted))
			}
			out = append(out, tc)
		}
	case accepted != nil:
		for _, tc := range accepted {
			if isConfigured(tc) {
				out = append(out, tc)
			}
		}
		if len(out) == 0 {
			return checkout.Invalid(fmt.Sprintf("payment_method_types[%d]", mi), "payment_method_unavailable",
				"none of the tokens this account accepts (%s) is configured on this server in %s mode", checkout.FormatTokenChains(accepted), modeName(sess.Livemode))
		}
	default:
		for _, t := range configured {
			out = append(out, checkout.TokenChain{Chain: t.Chain, Token: t.Token})
		}
	}
	sess.SupportedTokens = out
	return nil
}

func infoList(ts []checkout.TokenInfo) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.Token + "@" + t.Chain
	}
	return strings.Join(s, ", ")
}

// checkStablecoinSettings checks stablecoin credentials p against what
// the server configures and what the account's other mode holds: each
// accepted pair must be configured in the mode, live mode needs an xpub,
// and one xpub may not serve both modes (each mode counts its own
// derivation indexes, so a key in both would give two payments one
// address).
func (s *Service) checkStablecoinSettings(ctx context.Context, scope checkout.Scope, p *ProviderParams, old checkout.ProviderCredentials) error {
	xpub, given := p.Credentials["xpub"]
	_, hadXpub := old.Sealed["xpub"]
	if scope.Livemode && ((given && xpub == "") || (!given && !hadXpub)) {
		return checkout.Invalid("xpub", "parameter_missing", "live mode needs the account's extended public key (xpub): deposit addresses are derived from it")
	}
	if v, given := p.Credentials["supported_tokens"]; given && v != "" {
		pairs, _ := checkout.ParseTokenChains(v) // its form was checked before
		var configured []checkout.TokenInfo
		if s.tokens != nil {
			configured = s.tokens.Tokens(scope.Livemode)
		}
		for _, tc := range pairs {
			if !slices.ContainsFunc(configured, func(t checkout.TokenInfo) bool { return t.Chain == tc.Chain && t.Token == tc.Token }) {
				have := "none"
				if len(configured) > 0 {
					have = infoList(configured)
				}
				return checkout.Invalid("supported_tokens", "invalid_credential", "%s is not configured on this server in %s mode; it has %s", tc, modeName(scope.Livemode), have)
			}
		}
	}
	if !given || xpub == "" {
		return nil
	}
	key, err := evm.ParseExtendedKey(xpub)
	if err != nil {
		return checkout.Invalid("xpub", "invalid_credential", "%v", err)
	}
	if scope.Livemode && key.IsPublicTestKey() {
		return checkout.Invalid("xpub", "invalid_credential", "this xpub is the built-in test key (BIP32's published test vector), whose private key is public: anyone could take coins sent to its addresses; live mode needs the account's own xpub")
	}
	other, err := s.providerSettings(ctx, checkout.Scope{AccountID: scope.AccountID, Livemode: !scope.Livemode})
	if err != nil || other == nil {
		return err
	}
	sealed, ok := other.Providers[stablecoinProvider].Sealed["xpub"]
	if !ok || s.sealer == nil {
		return nil
	}
	v, err := s.sealer.Open(sealed)
	if err != nil {
		return checkout.Errorf(checkout.KindInternal, "credentials_unreadable", "the xpub of the account's %s mode cannot be decrypted with this server's encryption key", modeName(!scope.Livemode))
	}
	if otherKey, err := evm.ParseExtendedKey(v); err == nil && otherKey.ID() == key.ID() {
		return checkout.Invalid("xpub", "xpub_in_other_mode", "this xpub is already the account's %s mode key: each mode numbers its own deposit addresses, so one key in both would give two payments the same address; use another account (or another derivation path) of the wallet", modeName(!scope.Livemode))
	}
	return nil
}

// checkStablecoinPay checks a customer's token and chain with the
// provider that would take them, before anything is written.
func checkStablecoinPay(prov checkout.Provider, sess *checkout.Session, pp *PayParams) error {
	sc, ok := prov.(selectionChecker)
	if !ok {
		return nil
	}
	sel, err := sc.Check(sess, pp.Stablecoin)
	if err != nil {
		return err
	}
	pp.Stablecoin = sel
	return nil
}
