package record

import "github.com/checkoutd/checkoutd/checkout"

// storedDeposit is the stored form of a checkout.Deposit.
type storedDeposit struct {
	Chain         string           `json:"Chain"`
	ChainID       int64            `json:"ChainID"`
	Token         string           `json:"Token"`
	Contract      string           `json:"Contract"`
	Decimals      int              `json:"Decimals"`
	Address       string           `json:"Address"`
	Index         uint32           `json:"Index"`
	Amount        string           `json:"Amount"`
	ExchangeRate  string           `json:"ExchangeRate"`
	URI           string           `json:"URI"`
	Confirmations int              `json:"Confirmations"`
	Transfers     []storedTransfer `json:"Transfers,omitzero"`
	Late          bool             `json:"Late,omitempty"`
}

// storedTransfer is the stored form of a checkout.Transfer.
type storedTransfer struct {
	TxHash        string `json:"TxHash"`
	LogIndex      uint64 `json:"LogIndex"`
	From          string `json:"From"`
	Block         uint64 `json:"Block"`
	BlockHash     string `json:"BlockHash"`
	Amount        string `json:"Amount"`
	Confirmations int    `json:"Confirmations"`
}

func depositToStored(d *checkout.Deposit) *storedDeposit {
	if d == nil {
		return nil
	}
	r := &storedDeposit{Chain: d.Chain, ChainID: d.ChainID, Token: d.Token, Contract: d.Contract, Decimals: d.Decimals,
		Address: d.Address, Index: d.Index, Amount: d.Amount, ExchangeRate: d.ExchangeRate, URI: d.URI,
		Confirmations: d.Confirmations, Late: d.Late,
		Transfers: convertSlice(d.Transfers, func(t checkout.Transfer) storedTransfer { return storedTransfer(t) })}
	return r
}

func depositFromStored(r *storedDeposit) *checkout.Deposit {
	if r == nil {
		return nil
	}
	d := &checkout.Deposit{Chain: r.Chain, ChainID: r.ChainID, Token: r.Token, Contract: r.Contract, Decimals: r.Decimals,
		Address: r.Address, Index: r.Index, Amount: r.Amount, ExchangeRate: r.ExchangeRate, URI: r.URI,
		Confirmations: r.Confirmations, Late: r.Late,
		Transfers: convertSlice(r.Transfers, func(t storedTransfer) checkout.Transfer { return checkout.Transfer(t) })}
	return d
}

// storedTokenChain is the stored form of a checkout.TokenChain.
type storedTokenChain struct {
	Chain string `json:"Chain"`
	Token string `json:"Token"`
}

// storedDiscount is the stored form of a checkout.Discount.
type storedDiscount struct {
	Coupon        string `json:"Coupon"`
	PromotionCode string `json:"PromotionCode,omitempty"`
	Amount        int64  `json:"Amount"`
	Name          string `json:"Name,omitempty"`
	PercentOff    int64  `json:"PercentOff,omitempty"`
	AmountOff     int64  `json:"AmountOff,omitempty"`
	Currency      string `json:"Currency,omitempty"`
	Code          string `json:"Code,omitempty"`
}

// convertSlice maps in through f, keeping nil nil and empty empty: the
// stored JSON tells them apart (left out, []).
func convertSlice[In, Out any](in []In, f func(In) Out) []Out {
	if in == nil {
		return nil
	}
	out := make([]Out, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}
