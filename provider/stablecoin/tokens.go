package stablecoin

import (
	"sort"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
)

// Tokens lists every token of every chain of c, by chain then token, as
// the service and the dialects describe them.
func (c Config) Tokens() []checkout.TokenInfo {
	var out []checkout.TokenInfo
	for name, ch := range c.Chains { // the key is the name Lookup finds
		for sym, t := range ch.Tokens {
			out = append(out, checkout.TokenInfo{Chain: name, ChainID: ch.ChainID, Token: sym, Contract: t.Contract.String(), Decimals: t.Decimals})
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

// Rate implements the service's rate lookup: Config.Rate of a mode.
func (m Modes) Rate(livemode bool, cur checkout.Currency) (string, bool) {
	return m.Mode(livemode).Rate(cur)
}

// Simulated reports whether chain runs on the simulator in a mode (no RPC
// URL: test mode without a node).
func (m Modes) Simulated(livemode bool, chain string) bool {
	return !livemode && m.Mode(livemode).Simulated(chain)
}
