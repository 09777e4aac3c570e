package http

import (
	"math/big"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/http/params"
	"github.com/checkoutd/checkoutd/internal/evm"
)

// What the canonical API shows of stablecoins: a session's accepted pairs
// and the customer's last selection, and a payment's deposit.

type tokenChainJSON struct {
	Chain string `json:"chain"`
	Token string `json:"token"`
}

// stablecoinJSON is the session's part: supported_tokens is [] for a
// session that takes no stablecoin; chain, selected_token and
// exchange_rate are null until the customer selects.
type stablecoinJSON struct {
	SupportedTokens []tokenChainJSON `json:"supported_tokens"`
	Chain           *string          `json:"chain"`
	SelectedToken   *string          `json:"selected_token"`
	ExchangeRate    *string          `json:"exchange_rate"`
}

func renderStablecoin(sess *checkout.Session) stablecoinJSON {
	out := stablecoinJSON{SupportedTokens: make([]tokenChainJSON, len(sess.SupportedTokens)),
		Chain: optString(sess.Chain), SelectedToken: optString(sess.SelectedToken), ExchangeRate: optString(sess.ExchangeRate)}
	for i, tc := range sess.SupportedTokens {
		out.SupportedTokens[i] = tokenChainJSON{Chain: tc.Chain, Token: tc.Token}
	}
	return out
}

// decodeSupportedTokens reads supported_tokens[i][chain] and [token]; nil
// when the request has none.
func decodeSupportedTokens(v *params.Values) []checkout.TokenChain {
	list, ok := v.List("supported_tokens")
	if !ok {
		return nil
	}
	out := make([]checkout.TokenChain, 0, len(list))
	for _, it := range list {
		var tc checkout.TokenChain
		tc.Chain, _ = it.String("chain")
		tc.Token, _ = it.String("token")
		out = append(out, tc)
	}
	return out
}

type depositJSON struct {
	Chain                 string         `json:"chain"`
	ChainID               int64          `json:"chain_id"`
	Token                 string         `json:"token"`
	Contract              string         `json:"contract"`
	Decimals              int            `json:"decimals"`
	Address               string         `json:"address"`
	Index                 uint32         `json:"index"`
	Amount                string         `json:"amount"`
	AmountDecimal         string         `json:"amount_decimal"`
	ExchangeRate          string         `json:"exchange_rate"`
	URI                   string         `json:"uri"`
	ConfirmationsRequired int            `json:"confirmations_required"`
	Transfers             []transferJSON `json:"transfers"`
	Late                  bool           `json:"late"`
	Excess                string         `json:"excess"`
}

type transferJSON struct {
	TxHash        string `json:"tx_hash"`
	LogIndex      uint64 `json:"log_index"`
	From          string `json:"from"`
	Block         uint64 `json:"block"`
	BlockHash     string `json:"block_hash"`
	Amount        string `json:"amount"`
	Confirmations int    `json:"confirmations"`
}

// renderDeposit is a payment's deposit; nil for other methods.
func renderDeposit(d *checkout.Deposit) *depositJSON {
	if d == nil {
		return nil
	}
	out := &depositJSON{Chain: d.Chain, ChainID: d.ChainID, Token: d.Token, Contract: d.Contract, Decimals: d.Decimals,
		Address: d.Address, Index: d.Index, Amount: d.Amount, AmountDecimal: unitsDecimal(d.Amount, d.Decimals), ExchangeRate: d.ExchangeRate,
		URI: d.URI, ConfirmationsRequired: d.Confirmations, Transfers: make([]transferJSON, len(d.Transfers)), Late: d.Late, Excess: d.Excess}
	if out.Excess == "" {
		out.Excess = "0"
	}
	for i, t := range d.Transfers {
		out.Transfers[i] = transferJSON{TxHash: t.TxHash, LogIndex: t.LogIndex, From: t.From, Block: t.Block,
			BlockHash: t.BlockHash, Amount: t.Amount, Confirmations: t.Confirmations}
	}
	return out
}

// unitsDecimal writes an amount of token units with all the token's
// decimals ("25000000", 6 → "25.000000"); an amount that is not a number
// (never stored so) shows as it is.
func unitsDecimal(units string, decimals int) string {
	n, ok := new(big.Int).SetString(units, 10)
	if !ok || n.Sign() < 0 {
		return units
	}
	return evm.FormatUnits(n, decimals)
}
