package stablecoin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/anviltest"
	"github.com/checkoutd/checkoutd/internal/evm"
	"github.com/checkoutd/checkoutd/provider/stablecoin"
)

func anvilChain(c *anviltest.Chain, id int64, tokens map[string]stablecoin.Token) stablecoin.Chain {
	return stablecoin.Chain{Name: "anvil", RPCURL: c.URL, ChainID: id, Confirmations: 2, Tokens: tokens}
}

// TestReaderTransfers: the reader returns the transfers of the configured
// token in a range of blocks, in chain order, with their block's hash,
// sender, recipient and amount, and not those of another token.
func TestReaderTransfers(t *testing.T) {
	c := anviltest.Start(t)
	usdc, other := c.Deploy(), c.Deploy()
	alice, bob, carol := c.Accounts[1], c.Accounts[2], c.Accounts[3]
	c.Mint(usdc, alice, 5_000_000)
	c.Mint(other, alice, 5_000_000)
	c.Mine(1)
	start := c.Head() + 1
	t1 := c.Transfer(usdc, alice, bob, 1_250_000)
	c.Transfer(other, alice, bob, 7)
	t2 := c.Transfer(usdc, alice, carol, 2)
	c.Mine(1)
	r := stablecoin.NewReader(anvilChain(c, anviltest.ChainID, map[string]stablecoin.Token{"USDC": {Contract: usdc, Decimals: 6}}), 0, 0)
	ctx := context.Background()
	head, err := r.Head(ctx)
	if err != nil || head != start {
		t.Fatalf("head %d, %v; want %d", head, err, start)
	}
	got, err := r.Transfers(ctx, start, head)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Block(ctx, head)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d transfers: %+v", len(got), got)
	}
	want := []struct {
		tx     string
		to     evm.Address
		amount string
	}{{t1, bob, "1250000"}, {t2, carol, "2"}}
	for i, w := range want {
		g := got[i]
		if g.TxHash != w.tx || g.To != w.to.String() || g.Amount != w.amount || g.From != alice.String() ||
			g.Contract != usdc.String() || g.Block != head || g.BlockHash != b.Hash {
			t.Fatalf("transfer %d: %+v, want %s to %s of %s in %s", i, g, w.tx, w.to, w.amount, b.Hash)
		}
	}
	if got[0].LogIndex >= got[1].LogIndex {
		t.Fatalf("log indexes %d, %d out of order", got[0].LogIndex, got[1].LogIndex)
	}
	if _, err := r.Block(ctx, head+100); !checkout.IsKind(err, checkout.KindNotFound) {
		t.Fatalf("a block not yet made: %v, want not found", err)
	}
}

// TestReaderChainID: a node that is another chain than the configured one
// is refused before anything is read from it.
func TestReaderChainID(t *testing.T) {
	c := anviltest.Start(t)
	r := stablecoin.NewReader(anvilChain(c, 1, map[string]stablecoin.Token{"USDC": {}}), 0, 0)
	_, err := r.Head(context.Background())
	if err == nil || !strings.Contains(err.Error(), "chain id 31337, not the configured 1") {
		t.Fatalf("err = %v", err)
	}
}

// TestRPCErrorsHideURL: whatever goes wrong (no node listening, a node
// that answers an error, one too slow), the error names the chain and the
// call but never the RPC URL, whose path and query may hold an API key.
func TestRPCErrorsHideURL(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"limit exceeded"}}`))
	}))
	defer failing.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(time.Second):
		}
	}))
	defer slow.Close()
	for name, base := range map[string]string{"closed": closed, "error": failing.URL, "slow": slow.URL} {
		t.Run(name, func(t *testing.T) {
			rpc := stablecoin.NewRPC("base", base+"/v2/SEKRIT-KEY?apikey=SEKRIT2", 200*time.Millisecond)
			_, err := rpc.BlockNumber(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if strings.Contains(msg, "SEKRIT") || strings.Contains(msg, "/v2/") || !strings.Contains(msg, "chain base: eth_blockNumber") {
				t.Fatalf("error %q", msg)
			}
		})
	}
}

// TestReaderNarrowsRefusedRanges: a node that refuses log queries wider
// than two blocks (as hosted nodes refuse wide ones) is asked again in
// halves, and every transfer is still found, once.
func TestReaderNarrowsRefusedRanges(t *testing.T) {
	c := anviltest.Start(t)
	tok := c.Deploy()
	alice, bob := c.Accounts[1], c.Accounts[2]
	c.Mint(tok, alice, 1_000)
	c.Mine(1)
	start := c.Head() + 1
	for range 9 {
		c.Transfer(tok, alice, bob, 1)
		c.Mine(1)
	}
	var refused atomic.Int32
	node := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req struct {
			Method string `json:"method"`
			Params []struct {
				From string `json:"fromBlock"`
				To   string `json:"toBlock"`
			} `json:"params"`
		}
		json.Unmarshal(body, &req)
		if req.Method == "eth_getLogs" {
			from, _ := strconv.ParseUint(req.Params[0].From[2:], 16, 64)
			to, _ := strconv.ParseUint(req.Params[0].To[2:], 16, 64)
			if to-from+1 > 2 {
				refused.Add(1)
				w.Write([]byte(`{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"query exceeds max block range 2"}}`))
				return
			}
		}
		resp, err := http.Post(c.URL, "application/json", bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		io.Copy(w, resp.Body)
	}))
	defer node.Close()
	chain := anvilChain(c, anviltest.ChainID, map[string]stablecoin.Token{"USDC": {Contract: tok, Decimals: 6}})
	chain.RPCURL = node.URL
	r := stablecoin.NewReader(chain, 0, 100)
	got, err := r.Transfers(context.Background(), start, c.Head())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 9 || refused.Load() == 0 {
		t.Fatalf("%d transfers after %d refusals", len(got), refused.Load())
	}
	for i := 1; i < len(got); i++ {
		if got[i].Block <= got[i-1].Block {
			t.Fatalf("transfers out of order: %d after %d", got[i].Block, got[i-1].Block)
		}
	}
}
