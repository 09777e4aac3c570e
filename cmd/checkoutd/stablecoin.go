package main

import (
	"flag"
	"fmt"
	"math/big"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/evm"
	"github.com/checkoutd/checkoutd/provider/stablecoin"
)

// stablecoinFlags are serve's settings for stablecoin payments: the chains
// of each mode, what differs from the built-in table, and the rates of
// currencies other than USD. Validate turns them into one
// stablecoin.Config per mode (live, test), which run hands to the
// provider, the service and the chain watchers.
type stablecoinFlags struct {
	chains, testChains, ids, confirmations, tokens, rates listFlag

	// Filled by validate.
	live, test stablecoin.Config
}

// listFlag is a repeatable flag; its CHECKOUTD_* variable takes the same
// entries separated by commas.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, e := range strings.Split(v, ",") {
		if e = strings.TrimSpace(e); e != "" {
			*l = append(*l, e)
		}
	}
	return nil
}

func (f *stablecoinFlags) register(fs *flag.FlagSet) {
	fs.Var(&f.chains, "chain", "a chain live stablecoin payments are taken on, NAME=RPC_URL (a JSON-RPC node of it); repeatable. ethereum, polygon, base and arbitrum are built in (chain id, confirmations, USDC/USDT contracts); another name needs --chain-id and --chain-token")
	fs.Var(&f.testChains, "test-chain", "a chain test-mode stablecoin payments are watched on, NAME=RPC_URL (anvil, a testnet); repeatable. Without one, test mode simulates every built-in chain")
	fs.Var(&f.ids, "chain-id", "the chain id of a chain not built in, NAME=N; repeatable")
	fs.Var(&f.confirmations, "chain-confirmations", "confirmations a transfer needs on a chain, NAME=N (the transfer's own block counts as one; default: Circle's for a built-in chain, else 12); repeatable")
	fs.Var(&f.tokens, "chain-token", "a token's contract on a chain, NAME:TOKEN=0xCONTRACT[:DECIMALS] (decimals default to 6), replacing or adding to the built-in ones; repeatable")
	fs.Var(&f.rates, "stablecoin-rate", "token per unit of a currency for sessions not in USD, CUR=RATE (EUR=1.0842: one euro costs 1.0842 USDC); repeatable. A currency without a rate cannot be paid in stablecoins")
}

var rateRE = regexp.MustCompile(`^[0-9]{1,12}(\.[0-9]{1,18})?$`)

// validate builds both modes' configurations, naming the flag of the
// first entry that is wrong.
func (f *stablecoinFlags) validate() error {
	f.live = stablecoin.Config{Chains: map[string]stablecoin.Chain{}, Rates: map[string]string{}}
	f.test = stablecoin.SimulatedTest()
	f.test.Rates = map[string]string{}
	// The chains each mode's flag names: an override applies to those.
	liveNamed, testNamed := map[string]bool{}, map[string]bool{}
	for _, m := range []struct {
		flag    string
		entries []string
		cfg     *stablecoin.Config
		named   map[string]bool
	}{{"--chain", f.chains, &f.live, liveNamed}, {"--test-chain", f.testChains, &f.test, testNamed}} {
		for i, e := range m.entries {
			// An entry is never echoed: its URL may carry a node
			// provider's API key, and errors reach logs.
			name, raw, ok := strings.Cut(e, "=")
			if !ok || !checkout.ValidChainName(name) {
				return fmt.Errorf("%s: entry %d is not NAME=RPC_URL with a lower-case chain name such as base=https://…", m.flag, i+1)
			}
			if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" {
				return fmt.Errorf("%s: the RPC URL of %s must be an absolute http(s) URL without a #fragment", m.flag, name)
			}
			m.named[name] = true
			if _, dup := m.cfg.Chains[name]; dup && m.cfg.Chains[name].RPCURL != "" {
				return fmt.Errorf("%s: %s is given twice", m.flag, name)
			}
			ch, ok := stablecoin.Builtin()[name]
			if !ok {
				ch = stablecoin.Chain{Name: name, Confirmations: 12, Tokens: map[string]stablecoin.Token{}}
			}
			ch.RPCURL = raw
			m.cfg.Chains[name] = ch
		}
	}
	// each applies fn to chain name in the mode whose --chain or
	// --test-chain names it: a test override (one confirmation, an anvil
	// contract) must never reach live mode's chain of the same name, so a
	// name both flags give is refused. A name neither gives is test mode's
	// simulated built-in chain, which live mode does not have.
	each := func(flagName, name string, fn func(*stablecoin.Chain)) error {
		cfg := &f.test
		switch {
		case liveNamed[name] && testNamed[name]:
			return fmt.Errorf("%s: %s is given by both --chain and --test-chain, so which mode it is meant for is ambiguous: give the test chain another name (such as %s-test)", flagName, name, name)
		case liveNamed[name]:
			cfg = &f.live
		}
		ch, ok := cfg.Chains[name]
		if !ok {
			return fmt.Errorf("%s: no chain %s: give it with --chain or --test-chain first", flagName, name)
		}
		fn(&ch)
		cfg.Chains[name] = ch
		return nil
	}
	for _, e := range f.ids {
		name, v, ok := strings.Cut(e, "=")
		id, err := strconv.ParseInt(v, 10, 64)
		if !ok || err != nil || id <= 0 {
			return fmt.Errorf("--chain-id: %q is not NAME=N with a positive chain id", e)
		}
		if bid, builtin := stablecoin.BuiltinChainID(name); builtin {
			return fmt.Errorf("--chain-id: %s is built in as chain %d; its id cannot be changed (name another chain for a fork or testnet)", name, bid)
		}
		if err := each("--chain-id", name, func(c *stablecoin.Chain) { c.ChainID = id }); err != nil {
			return err
		}
	}
	for _, e := range f.confirmations {
		name, v, ok := strings.Cut(e, "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 1 || n > 10000 {
			return fmt.Errorf("--chain-confirmations: %q is not NAME=N with N from 1 to 10000", e)
		}
		if err := each("--chain-confirmations", name, func(c *stablecoin.Chain) { c.Confirmations = n }); err != nil {
			return err
		}
	}
	for _, e := range f.tokens {
		where, spec, ok := strings.Cut(e, "=")
		name, sym, ok2 := strings.Cut(where, ":")
		sym = strings.ToUpper(sym)
		if !ok || !ok2 || !checkout.ValidTokenSymbol(sym) {
			return fmt.Errorf("--chain-token: %q is not NAME:TOKEN=0xCONTRACT[:DECIMALS]", e)
		}
		addr, dec, hasDec := strings.Cut(spec, ":")
		contract, err := evm.ParseAddress(addr)
		if err != nil {
			return fmt.Errorf("--chain-token: the contract of %s on %s: %v", sym, name, err)
		}
		decimals := 6
		if hasDec {
			if decimals, err = strconv.Atoi(dec); err != nil || decimals < 0 || decimals > 36 {
				return fmt.Errorf("--chain-token: the decimals of %s on %s must be a number from 0 to 36, got %q", sym, name, dec)
			}
		}
		if err := each("--chain-token", name, func(c *stablecoin.Chain) {
			toks := make(map[string]stablecoin.Token, len(c.Tokens)+1)
			for k, v := range c.Tokens {
				toks[k] = v
			}
			toks[sym] = stablecoin.Token{Contract: contract, Decimals: decimals}
			c.Tokens = toks
		}); err != nil {
			return err
		}
	}
	for _, e := range f.rates {
		cur, rate, ok := strings.Cut(e, "=")
		c, known := checkout.ParseCurrency(cur)
		switch {
		case !ok || !known:
			return fmt.Errorf("--stablecoin-rate: %q is not CUR=RATE with an ISO 4217 currency such as EUR=1.0842", e)
		case c == "USD":
			return fmt.Errorf("--stablecoin-rate: USD is always 1 (USDC and USDT are dollar tokens)")
		case !rateRE.MatchString(rate):
			return fmt.Errorf("--stablecoin-rate: the rate of %s must be a plain positive decimal such as 1.0842, got %q", c, rate)
		}
		if r, _ := new(big.Rat).SetString(rate); r.Sign() <= 0 {
			return fmt.Errorf("--stablecoin-rate: the rate of %s must be positive", c)
		}
		f.live.Rates[string(c)], f.test.Rates[string(c)] = rate, rate
	}
	for _, m := range []struct {
		flag string
		cfg  stablecoin.Config
	}{{"--chain", f.live}, {"--test-chain", f.test}} {
		names := make([]string, 0, len(m.cfg.Chains))
		for n := range m.cfg.Chains {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			switch ch := m.cfg.Chains[n]; {
			case ch.ChainID == 0:
				return fmt.Errorf("%s: %s is not built in: give its chain id with --chain-id %s=N", m.flag, n, n)
			case len(ch.Tokens) == 0:
				return fmt.Errorf("%s: %s has no token: give one with --chain-token %s:USDC=0x…", m.flag, n, n)
			}
		}
	}
	return nil
}

// modes is both modes' configuration, as the provider and the service take it.
func (f *stablecoinFlags) modes() stablecoin.Modes {
	return stablecoin.Modes{Live: f.live, Test: f.test}
}
