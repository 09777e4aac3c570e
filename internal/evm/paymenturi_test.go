package evm

import (
	"math/big"
	"strings"
	"testing"
)

func mustAddress(t *testing.T, s string) Address {
	t.Helper()
	a, err := ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestPaymentURI: 25 USDC on Ethereum to anvil's first account, written
// out by hand from EIP-681's grammar; the EIP's own ERC-20 example
// (without a chain id, its addresses in lower case); and an amount past
// int64 written in full, not in scientific notation.
func TestPaymentURI(t *testing.T) {
	usdc := mustAddress(t, "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48")
	to := mustAddress(t, "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266")
	got := PaymentURI(usdc, 1, to, big.NewInt(25000000))
	want := "ethereum:0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48@1/transfer?address=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266&uint256=25000000"
	if got != want {
		t.Errorf("PaymentURI = %s\nwant         %s", got, want)
	}

	unicorn := mustAddress(t, "0x89205a3a3b2a69de6dbf7f01ed13b2108b2c43e7")
	payee := mustAddress(t, "0x8e23ee67d1332ad560396262c48ffbb01f93d052")
	got = PaymentURI(unicorn, 0, payee, big.NewInt(1))
	if want := "ethereum:0x89205a3a3b2a69de6dbf7f01ed13b2108b2c43e7/transfer?address=0x8e23ee67d1332ad560396262c48ffbb01f93d052&uint256=1"; strings.ToLower(got) != want {
		t.Errorf("EIP-681's example: %s", got)
	}
	if !strings.Contains(got, unicorn.String()) || !strings.Contains(got, payee.String()) {
		t.Errorf("addresses not in their EIP-55 form: %s", got)
	}

	huge, _ := new(big.Int).SetString("1000000000000000000000000", 10)
	got = PaymentURI(usdc, 137, to, huge)
	if !strings.HasSuffix(got, "@137/transfer?address=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266&uint256=1000000000000000000000000") {
		t.Errorf("PaymentURI with 10^24 = %s", got)
	}
}
