package stablecoin

import (
	"testing"

	"github.com/checkoutd/checkoutd/internal/evm"
)

// Every built-in contract is written in its EIP-55 form and parses as
// one: a typo in the table would send customers' coins to nobody.
func TestBuiltinContractsAreChecksummed(t *testing.T) {
	n := 0
	for _, b := range builtinChains {
		for sym, addr := range map[string]string{"USDC": b.usdc, "USDT": b.usdt} {
			if addr == "" {
				continue
			}
			a, err := evm.ParseAddress(addr)
			if err != nil {
				t.Errorf("%s on %s: %s: %v", sym, b.name, addr, err)
				continue
			}
			if a.String() != addr {
				t.Errorf("%s on %s: written %s, EIP-55 is %s", sym, b.name, addr, a.String())
			}
			n++
		}
	}
	if n != 6 {
		t.Errorf("%d built-in contracts, want 6 (USDC on 4 chains, USDT on 2)", n)
	}
	want := map[string]struct {
		id    int64
		confs int
	}{"ethereum": {1, 12}, "polygon": {137, 50}, "base": {8453, 12}, "arbitrum": {42161, 300}}
	got := Builtin()
	for name, w := range want {
		c := got[name]
		if c.ChainID != w.id || c.Confirmations != w.confs || c.Tokens["USDC"].Decimals != 6 || c.RPCURL != "" {
			t.Errorf("%s: %+v, want chain %d, %d confirmations, USDC with 6 decimals, no RPC URL", name, c, w.id, w.confs)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d built-in chains, want %d", len(got), len(want))
	}
}

func TestTestXpubParses(t *testing.T) {
	if _, err := evm.ParseExtendedKey(TestXpub); err != nil {
		t.Fatal(err)
	}
}
