package checkout

// MethodStablecoin is a stablecoin (USDC, USDT) sent to a deposit address
// on an EVM chain; a chain watcher reports what arrives.
const MethodStablecoin Method = "stablecoin"

// Stablecoin payment events, besides payment.succeeded: written when a
// transfer arrives that is not the exact amount, or arrives after the
// session ended (expired, or paid by another payment). The money is in the
// merchant's wallet either way; checkoutd cannot send it back (it holds no
// key), so these tell the merchant to settle with the customer.
const (
	EventPaymentReceivedLate = "payment.received_late"
	EventPaymentOverpaid     = "payment.overpaid"
	EventPaymentUnderpaid    = "payment.underpaid"
)

// TokenChain is a token on a chain: what a session accepts (seed 003's
// supported_tokens) and what a customer selects. Chain is the operator's
// name for the chain (ethereum, polygon, base, arbitrum, …); Token the
// token's symbol in upper case (USDC, USDT).
type TokenChain struct {
	Chain string
	Token string
}

// Deposit is a stablecoin payment: where the customer sends the token and
// what has arrived there. The provider fills it at Start; the watcher's
// results replace Transfers and Confirmations as it sees the chain. It stays
// on the payment once final (the record of what was paid).
type Deposit struct {
	Chain    string
	ChainID  int64
	Token    string
	Contract string // the token's contract, EIP-55
	Decimals int
	// Address is the deposit address, EIP-55, derived from the account's
	// extended public key at Index; no other payment ever gets that index.
	Address string
	Index   uint32
	// Amount is what is due, an exact integer of the token's smallest
	// unit in base 10 (25.00 USD is "25000000" USDC): an int64 would not
	// hold every amount of an 18-decimal token.
	Amount string
	// ExchangeRate is the rate locked when the token was selected, a
	// decimal string of token per unit of the session's currency ("1" for
	// USD).
	ExchangeRate string
	// URI is the EIP-681 payment request (ethereum:…/transfer?…), for
	// wallets and the QR code.
	URI string
	// Confirmations is how many the chain's settings require before a
	// transfer counts.
	Confirmations int
	// Transfers are the transfers to Address the watcher has seen in
	// blocks still canonical, oldest first.
	Transfers []Transfer
	// Late is set when a transfer arrived after the session had ended:
	// the payment is recorded, never the session's.
	Late bool
}

// Transfer is one token transfer to a deposit address seen on chain.
type Transfer struct {
	TxHash    string
	LogIndex  uint64
	From      string // EIP-55
	Block     uint64
	BlockHash string
	Amount    string // token units, base 10
	// Confirmations is the block's depth when the watcher last looked: 1
	// in the head block.
	Confirmations int
}

// Clone returns a deep copy.
func (d *Deposit) Clone() *Deposit {
	if d == nil {
		return nil
	}
	c := *d
	c.Transfers = append([]Transfer(nil), d.Transfers...)
	return &c
}

// Discount is a coupon applied to a session, directly or through a
// promotion code; Amount is what it takes off, in minor units.
type Discount struct {
	Coupon        string
	PromotionCode string
	Amount        int64
	// The coupon's terms when it was applied (PercentOff in hundredths of
	// a percent, or AmountOff in Currency), and the code the customer
	// typed: what the session shows even once the coupon is deleted.
	Name       string
	PercentOff int64
	AmountOff  int64
	Currency   Currency
	Code       string
}

// TokenInfo is a stablecoin on a chain as the operator configured it for a
// mode: what a session's supported_tokens show beyond chain and token.
type TokenInfo struct {
	Chain    string
	ChainID  int64
	Token    string
	Contract string // EIP-55
	Decimals int
}

// TokenDirectory lists the stablecoins the operator configured, per mode
// (provider/stablecoin's configuration implements it), so that the service
// and the dialects can describe and check token/chain pairs without
// importing a provider.
type TokenDirectory interface {
	Tokens(livemode bool) []TokenInfo
}
