package anviltest_test

import (
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/internal/anviltest"
	"github.com/checkoutd/checkoutd/internal/evm"
)

// TestHarness runs the harness's own steps on anvil: a deploy, a mint and
// two transfers in one block, balances that add up, and a reorganisation
// that takes the block back.
func TestHarness(t *testing.T) {
	c := anviltest.Start(t)
	tok := c.Deploy()
	alice, bob := c.Accounts[1], c.Accounts[2]
	mint := c.Mint(tok, alice, 1_000_000)
	t1 := c.Transfer(tok, alice, bob, 250_000)
	t2 := c.Transfer(tok, alice, bob, 50_000)
	before := c.Head()
	c.Mine(1)
	if got := c.Head(); got != before+1 {
		t.Fatalf("head %d after one block from %d", got, before)
	}
	for _, h := range []string{mint, t1, t2} {
		if !c.Succeeded(h) {
			t.Fatalf("transaction %s failed or is not mined", h)
		}
	}
	var block struct {
		Transactions []string `json:"transactions"`
	}
	c.Call(&block, "eth_getBlockByNumber", "latest", false)
	if len(block.Transactions) != 3 {
		t.Fatalf("the block holds %d transactions, want the mint and both transfers", len(block.Transactions))
	}
	if got := balance(t, c, tok, bob); got != "0x493e0" { // 250 000 + 50 000 = 300 000
		t.Fatalf("bob holds %s", got)
	}
	c.Mine(2)
	c.Reorg(3)
	if got := balance(t, c, tok, bob); got != "0x0" {
		t.Fatalf("after a reorganisation of the transfers' block bob still holds %s", got)
	}
}

func balance(t *testing.T, c *anviltest.Chain, tok, who evm.Address) string {
	t.Helper()
	var out string
	data := "0x70a08231" + strings.Repeat("0", 24) + who.Lower()[2:]
	c.Call(&out, "eth_call", map[string]any{"to": tok.Lower(), "data": data}, "latest")
	if v := strings.TrimLeft(strings.TrimPrefix(out, "0x"), "0"); v != "" {
		return "0x" + v
	}
	return "0x0"
}
