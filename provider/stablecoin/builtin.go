package stablecoin

import "github.com/checkoutd/checkoutd/internal/evm"

// USDC and USDT use 6 decimals on every chain of the built-in table.
const stableDecimals = 6

// builtinChains are the mainnets checkoutd knows without being told: their
// chain ids, how many confirmations a transfer needs by default, and the
// issuers' own USDC and USDT contracts.
//
// Confirmations are Circle's, from "Blockchain confirmations"
// (https://developers.circle.com/circle-mint/blockchain-confirmations, as
// read in December 2026): Ethereum 12, Polygon PoS 50, Arbitrum 300, and
// Base "12 ETH blocks". Circle counts Base's in Ethereum blocks, after the
// Base block reached L1; the watcher counts blocks of the chain it reads,
// so 12 Base blocks (about 24 s) is a thinner margin than Circle's 3 to 9
// minutes. The default keeps the number the issue and Circle state; an
// operator who wants Circle's margin sets --chain-confirmations base=150.
//
// USDC contracts: Circle's "USDC Contract Addresses"
// (https://developers.circle.com/stablecoins/usdc-contract-addresses), the
// native USDC of each chain (not the bridged USDC.e of Polygon and
// Arbitrum). USDT contracts: Tether's "Supported Protocols"
// (https://tether.to/en/supported-protocols/: "ERC20 Token via Ethereum
// Blockchain, Avalanche Blockchain and Polygon Blockchain") names Ethereum
// and Polygon of these chains;
// USDT on Arbitrum and Base is issued by bridges, not by Tether, so it is
// not built in (--chain-token arbitrum:USDT=0x…:6 adds it, on the
// operator's own judgement).
var builtinChains = []struct {
	name          string
	id            int64
	confirmations int
	usdc, usdt    string
}{
	{"ethereum", 1, 12, "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "0xdAC17F958D2ee523a2206206994597C13D831ec7"},
	{"polygon", 137, 50, "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359", "0xc2132D05D31c914a87C6611C10748AEb04B58e8F"},
	{"base", 8453, 12, "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", ""},
	{"arbitrum", 42161, 300, "0xaf88d065e77c8cC2239327C5EDb3A432268e5831", ""},
}

// Builtin returns the built-in chains, without RPC URLs (a fresh copy each
// call: a Config built from it may be changed freely). The contracts are
// checked with their EIP-55 checksums by the package's tests; one that
// would not parse panics here, at start, rather than take payments to a
// wrong address.
func Builtin() map[string]Chain {
	out := make(map[string]Chain, len(builtinChains))
	for _, b := range builtinChains {
		c := Chain{Name: b.name, ChainID: b.id, Confirmations: b.confirmations, Tokens: map[string]Token{}}
		for sym, addr := range map[string]string{"USDC": b.usdc, "USDT": b.usdt} {
			if addr == "" {
				continue
			}
			a, err := evm.ParseAddress(addr)
			if err != nil {
				panic("stablecoin: built-in " + sym + " contract on " + b.name + ": " + err.Error())
			}
			c.Tokens[sym] = Token{Contract: a, Decimals: stableDecimals}
		}
		out[b.name] = c
	}
	return out
}

// BuiltinChainID returns the chain id of a chain of the built-in table.
func BuiltinChainID(name string) (int64, bool) {
	for _, b := range builtinChains {
		if b.name == name {
			return b.id, true
		}
	}
	return 0, false
}

// SimulatedTest is test mode's configuration when the operator configures
// no test chain: every built-in chain, without an RPC URL, so every
// payment runs on the simulator (the test helpers settle it).
func SimulatedTest() Config { return Config{Chains: Builtin()} }
