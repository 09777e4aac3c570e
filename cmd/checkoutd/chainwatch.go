package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/checkoutd/checkoutd/provider/stablecoin"
	"github.com/checkoutd/checkoutd/service"
)

// startChainWatchers runs a chain watcher for every chain of live and test
// that has an RPC URL (a test chain without one runs on the simulator, and
// nothing watches it), until ctx ends; the channel closes once every
// watcher has stopped and released its lease. timeout bounds each JSON-RPC
// call. run starts it with the stablecoin configuration of both modes.
func startChainWatchers(ctx context.Context, svc *service.Service, log *slog.Logger, live, test stablecoin.Config, timeout time.Duration) <-chan struct{} {
	done := make(chan struct{})
	modes := []struct {
		livemode bool
		cfg      stablecoin.Config
	}{{true, live}, {false, test}}
	n := 0
	for _, m := range modes {
		readers := stablecoin.Readers(m.cfg, timeout)
		for _, r := range readers {
			log.Info("watching a chain", "chain", r.Chain(), "livemode", m.livemode, "confirmations", r.Confirmations())
		}
		if len(readers) == 0 {
			continue
		}
		n++
		go func() {
			svc.WatchChains(ctx, m.livemode, readers, service.ChainWatchConfig{})
			done <- struct{}{}
		}()
	}
	all := make(chan struct{})
	go func() {
		for range n {
			<-done
		}
		close(all)
	}()
	return all
}
