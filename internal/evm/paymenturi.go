package evm

import (
	"math/big"
	"strconv"
)

// PaymentURI is the EIP-681 request for a wallet to call transfer(to,
// amount) on the ERC-20 contract token:
//
//	ethereum:<token>@<chainID>/transfer?address=<to>&uint256=<amount>
//
// Addresses are in their EIP-55 form, so a wallet can check them, and the
// amount is the plain integer of the token's smallest units: EIP-681 also
// allows scientific notation, which some wallets misread. The chain ID
// keeps a wallet on another network from sending there; a non-positive
// one is left out, and a wallet then uses the network it is on.
func PaymentURI(token Address, chainID int64, to Address, amount *big.Int) string {
	if amount == nil {
		amount = new(big.Int)
	}
	uri := "ethereum:" + token.String()
	if chainID > 0 {
		uri += "@" + strconv.FormatInt(chainID, 10)
	}
	return uri + "/transfer?address=" + to.String() + "&uint256=" + amount.String()
}
