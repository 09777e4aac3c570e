package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/anviltest"
	"github.com/checkoutd/checkoutd/internal/teststore"
	"github.com/checkoutd/checkoutd/provider/stablecoin"
	"github.com/checkoutd/checkoutd/service"
)

// TestStartChainWatchers: a watcher starts for a chain with an RPC URL
// (here test mode's anvil) and none for one without (the simulator's);
// when the context ends they stop and release their leases.
func TestStartChainWatchers(t *testing.T) {
	chain := anviltest.Start(t)
	tok := chain.Deploy()
	st := teststore.Open(t, "sqlite")
	svc := service.New(service.Config{Store: st})
	test := stablecoin.Config{Chains: map[string]stablecoin.Chain{
		"anvil": {Name: "anvil", RPCURL: chain.URL, ChainID: anviltest.ChainID, Confirmations: 2,
			Tokens: map[string]stablecoin.Token{"USDC": {Contract: tok, Decimals: 6}}},
		"base": {Name: "base", ChainID: 8453, Confirmations: 12, Tokens: map[string]stablecoin.Token{"USDC": {Contract: tok, Decimals: 6}}},
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := startChainWatchers(ctx, svc, slog.New(slog.DiscardHandler), stablecoin.Config{}, test, 0)
	cursor := func(name string) *checkout.ChainCursor {
		o, err := st.GetObject(context.Background(), checkout.ChainScope(false), checkout.ChainCursorKind, checkout.ChainCursorID(false, name))
		if checkout.IsKind(err, checkout.KindNotFound) {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		return o.(*checkout.ChainCursor)
	}
	deadline := time.Now().Add(30 * time.Second)
	for c := cursor("anvil"); c == nil || c.BlockHash == ""; c = cursor("anvil") {
		if time.Now().After(deadline) {
			t.Fatal("the anvil chain was not watched")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	if c := cursor("anvil"); !c.LeaseUntil.IsZero() {
		t.Fatalf("the lease was not released: %+v", c)
	}
	if cursor("base") != nil {
		t.Fatal("a chain without an RPC URL was watched")
	}
}
