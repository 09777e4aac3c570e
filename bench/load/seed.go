package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// dbFile is where `checkoutd serve --data DIR` keeps its store
// (cmd/checkoutd/serve.go).
const dbFile = "checkoutd.db"

// seed adds n sessions to the store open opens, numbering their order ids
// from first, while no server runs on it. It goes through the service and the
// store's own API, so every row is exactly what a POST would have stored
// (same validation, ids, JSON and index columns); the store has no bulk
// insert, and each CreateSession is its own small transaction (over SQLite;
// one script in Redis, one transaction in PostgreSQL). workers
// goroutines overlap building and encoding sessions with the single writer.
func seed(ctx context.Context, open openFunc, key string, first, n, workers int) (time.Duration, error) {
	if n <= 0 {
		return 0, nil
	}
	store, err := open(ctx)
	if err != nil {
		return 0, err
	}
	defer store.Close()
	svc := service.New(service.Config{Store: store, PublicURL: "http://127.0.0.1"})
	if _, _, _, err := svc.Bootstrap(ctx, "Default account", "GHS", key); err != nil {
		return 0, fmt.Errorf("bootstrap: %w", err)
	}
	scope, err := svc.Authenticate(ctx, key)
	if err != nil {
		return 0, fmt.Errorf("the seeded store does not know the bench key: %w", err)
	}

	start := time.Now()
	var next, done atomic.Int64
	var firstErr error
	var errOnce sync.Once
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()

	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-sctx.Done():
				return
			case <-t.C:
				d := done.Load()
				el := time.Since(start)
				rate := float64(d) / el.Seconds()
				left := time.Duration(float64(int64(n)-d)/rate) * time.Second
				logf("  seeded %d/%d sessions in %s (%.0f/s, about %s left)", d, n, el.Round(time.Second), rate, left.Round(time.Second))
			}
		}
	}()

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) || sctx.Err() != nil {
					return
				}
				if _, err := svc.CreateSession(sctx, scope, seedParams(first+int(i))); err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("seeding session %d: %w", first+int(i), err) })
					cancel()
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	cancel()
	<-progressDone
	if err := ctx.Err(); err != nil {
		return 0, err // interrupted: whatever a worker reported is a consequence
	}
	if firstErr != nil {
		return 0, firstErr
	}
	return time.Since(start), nil
}

// seedParams is session i as the create scenario would send it.
func seedParams(i int) *service.SessionParams {
	amount := int64(500 + i%100000)
	return &service.SessionParams{
		Amount:     &amount,
		Currency:   "GHS",
		SuccessURL: "https://shop.example.com/success?session_id={CHECKOUT_SESSION_ID}",
		CancelURL:  "https://shop.example.com/cart",
		Metadata:   map[string]string{"order_id": "seed-" + strconv.Itoa(i)},
	}
}

// openFunc opens the store being seeded (see backend.open).
type openFunc func(context.Context) (checkout.Store, error)

// countSessions returns how many sessions the store holds in the bench key's
// scope, by paging; used only to check small seeds.
func countSessions(ctx context.Context, open openFunc, key string) (int, error) {
	store, err := open(ctx)
	if err != nil {
		return 0, err
	}
	defer store.Close()
	svc := service.New(service.Config{Store: store, PublicURL: "http://127.0.0.1"})
	scope, err := svc.Authenticate(ctx, key)
	if err != nil {
		return 0, err
	}
	n := 0
	f := checkout.SessionFilter{ListParams: checkout.ListParams{Limit: service.MaxListLimit}}
	for {
		page, err := svc.ListSessions(ctx, scope, f)
		if err != nil {
			return 0, err
		}
		n += len(page.Items)
		if !page.HasMore || len(page.Items) == 0 {
			return n, nil
		}
		f.StartingAfter = page.Items[len(page.Items)-1].ID
	}
}
