package stablecoin

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
)

// Tokens lists every token of every chain of c, by chain then token, as
// the service and the dialects describe them.
func (c Config) Tokens() []checkout.TokenInfo {
	var out []checkout.TokenInfo
	for _, ch := range c.Chains {
		for sym, t := range ch.Tokens {
			out = append(out, checkout.TokenInfo{Chain: ch.Name, ChainID: ch.ChainID, Token: sym, Contract: t.Contract.String(), Decimals: t.Decimals})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Chain != out[j].Chain {
			return out[i].Chain < out[j].Chain
		}
		return out[i].Token < out[j].Token
	})
	return out
}

// Lookup returns the chain and token of pair tc, ok false when c has not
// got both.
func (c Config) Lookup(tc checkout.TokenChain) (Chain, Token, bool) {
	ch, ok := c.Chains[tc.Chain]
	if !ok {
		return Chain{}, Token{}, false
	}
	t, ok := ch.Tokens[tc.Token]
	return ch, t, ok
}

// Rate is the rate of currency cur: "1" for USD (USDC and USDT are dollar
// tokens), else the operator's, ok false when there is none.
func (c Config) Rate(cur checkout.Currency) (string, bool) {
	if strings.EqualFold(string(cur), "USD") {
		return "1", true
	}
	r, ok := c.Rates[strings.ToUpper(string(cur))]
	return r, ok
}

// Modes is the operator's configuration of both modes: it implements
// checkout.TokenDirectory for the service and the dialects.
type Modes struct {
	Live, Test Config
}

var _ checkout.TokenDirectory = Modes{}

// Tokens implements checkout.TokenDirectory.
func (m Modes) Tokens(livemode bool) []checkout.TokenInfo { return m.Mode(livemode).Tokens() }

// Mode returns the configuration of one mode.
func (m Modes) Mode(livemode bool) Config {
	if livemode {
		return m.Live
	}
	return m.Test
}

var (
	chainNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
	tokenSymRE  = regexp.MustCompile(`^[A-Z][A-Z0-9]{1,9}$`)
)

// ValidChainName reports whether name can name a chain: lower-case letters,
// digits and hyphens, starting with a letter, at most 32.
func ValidChainName(name string) bool { return chainNameRE.MatchString(name) }

// ValidTokenSymbol reports whether sym can name a token: upper-case letters
// and digits, 2 to 10, starting with a letter.
func ValidTokenSymbol(sym string) bool { return tokenSymRE.MatchString(sym) }

// ParsePairs reads the supported_tokens setting: comma-separated
// TOKEN@chain pairs, "USDC@base,USDT@ethereum" (the token as a wallet shows
// it, then where). Symbols are taken in any case and kept in upper case,
// chain names in lower case; a pair given twice is an error, so that a
// typo does not hide behind a duplicate.
func ParsePairs(s string) ([]checkout.TokenChain, error) {
	var out []checkout.TokenChain
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		tok, chain, ok := strings.Cut(part, "@")
		tc := checkout.TokenChain{Chain: strings.ToLower(strings.TrimSpace(chain)), Token: strings.ToUpper(strings.TrimSpace(tok))}
		if !ok || !ValidTokenSymbol(tc.Token) || !ValidChainName(tc.Chain) {
			return nil, fmt.Errorf("%q is not a pair: write TOKEN@chain pairs separated by commas, such as USDC@base,USDT@ethereum", part)
		}
		for _, o := range out {
			if o == tc {
				return nil, fmt.Errorf("%s@%s is listed twice", tc.Token, tc.Chain)
			}
		}
		out = append(out, tc)
	}
	return out, nil
}

// FormatPairs writes pairs as ParsePairs reads them.
func FormatPairs(pairs []checkout.TokenChain) string {
	s := make([]string, len(pairs))
	for i, p := range pairs {
		s[i] = p.Token + "@" + p.Chain
	}
	return strings.Join(s, ",")
}
