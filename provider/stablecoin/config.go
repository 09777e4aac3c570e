// Package stablecoin takes USDC and USDT on EVM chains, non-custodially:
// each payment gets a deposit address derived from the account's extended
// public key, and a watcher follows the chain over JSON-RPC for transfers
// to it. checkoutd never holds a private key.
package stablecoin

import "github.com/checkoutd/checkoutd/internal/evm"

// Chain is one EVM chain an operator configured: where to read it and how
// deep a transfer must be before it counts.
type Chain struct {
	// Name is the operator's name for it (ethereum, polygon, base,
	// arbitrum, or any other): what sessions and the API call it.
	Name string
	// RPCURL is the JSON-RPC endpoint of a node of the chain. Empty in
	// test mode means no chain: the simulator stands in.
	RPCURL  string
	ChainID int64
	// Confirmations is how many blocks (the transfer's own counts as one)
	// make a transfer final enough to complete a session.
	Confirmations int
	// Tokens are the stablecoins on the chain, by symbol (USDC, USDT).
	Tokens map[string]Token
}

// Token is a stablecoin's contract on one chain.
type Token struct {
	Contract evm.Address
	Decimals int
}

// Config is every chain of one mode (live or test) and the rates for
// sessions in currencies other than USD.
type Config struct {
	Chains map[string]Chain
	// Rates are token per unit of a currency, as decimal strings
	// ("1.0842" for EUR: one euro is 1.0842 USDC). USD is always "1".
	// A session in a currency without a rate cannot be paid in a
	// stablecoin.
	Rates map[string]string
}
