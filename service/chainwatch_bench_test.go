//go:build chainbench

package service_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/anviltest"
	"github.com/checkoutd/checkoutd/internal/evm"
	"github.com/checkoutd/checkoutd/service"
)

// The chain watcher's measurements (BENCHMARKS.md, "Issue 15: chain
// watcher") are built only with the chainbench tag, so the test suite
// neither runs nor skips them; each takes under a minute. They are tests,
// not Benchmark functions, because they drive the anvil fixture of the
// watcher's tests and report percentiles of whole ticks:
//
//	go test -tags chainbench ./service/ -run 'TestBenchChainWatch' -count=1 -v

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestBenchChainWatchPerBlock: 10 000 open deposit payments on one chain
// (SQLite), blocks of 200 token transfers each, 5 of them to watched
// addresses: the cost of one tick per block (wall and this process's CPU)
// and the Transfer logs scanned per second of tick.
func TestBenchChainWatchPerBlock(t *testing.T) {
	const open, blocks, perBlock, paid = 10_000, 20, 200, 5
	f := newChainFixture(t, nil)
	f.prov.amount = "1000000000" // 1000 tokens: the small transfers below leave every payment open
	_, tmpl := f.pay(t)
	start := time.Now()
	var addrs []evm.Address
	for i := range open {
		p := tmpl.Clone()
		p.ID = fmt.Sprintf("%s_%05d", tmpl.ID, i)
		var a evm.Address
		copy(a[:], evm.Keccak256([]byte(p.ID))[12:])
		p.Deposit.Address, p.ProviderRef = a.String(), "anvil:"+a.Lower()
		p.Version = 1
		if err := f.store.Commit(f.ctx, checkout.Change{Payment: p}); err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, a)
	}
	t.Logf("seeded %d open deposit payments in %v", open, time.Since(start).Round(time.Millisecond))
	w := f.watcher()
	tick(t, w)
	var ticks, cpus []time.Duration
	logs := 0
	var stranger evm.Address
	stranger[0] = 0xee
	for b := range blocks {
		for i := range perBlock {
			to := stranger
			if i < paid {
				to = addrs[(b*paid+i)%open]
			}
			f.chain.Transfer(f.token, f.payer, to, 1)
		}
		f.chain.Mine(1)
		c0, t0 := cpuTime(), time.Now()
		st := tick(t, w)
		ticks, cpus = append(ticks, time.Since(t0)), append(cpus, cpuTime()-c0)
		logs += st.Logs
		if st.Logs != perBlock || st.Matched != paid || st.Watched != open+1 {
			t.Fatalf("block %d: tick %+v", b, st)
		}
	}
	var total time.Duration
	for _, d := range ticks {
		total += d
	}
	t.Logf("per block, %d open payments, %d logs a block: tick p50 %v p99 %v, CPU p50 %v; %.0f logs scanned per second of tick",
		open, perBlock, pct(ticks, 50), pct(ticks, 99), pct(cpus, 50), float64(logs)/total.Seconds())

	// The scan alone, without the watched set: the reader's logs per second
	// over every block above at once.
	c0, t0 := cpuTime(), time.Now()
	got, err := f.reader.Transfers(context.Background(), 0, f.chain.Head())
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(t0)
	t.Logf("one eth_getLogs of %d blocks: %d logs in %v (%.0f logs/s), CPU %v", f.chain.Head()+1, len(got), el.Round(time.Millisecond),
		float64(len(got))/el.Seconds(), (cpuTime() - c0).Round(time.Millisecond))

	// The watched set alone: what every tick reads from the store, in
	// pages of 1000 as the watcher reads it.
	benchWatchedSet(t, f, "the watched set")

	// Beside a flood of other payments, due like deposits (vouchers of
	// another provider): the watched set costs the same, where the read of
	// the whole due index the watcher made before took them all.
	const others = 20_000
	for i := range others {
		p := tmpl.Clone()
		p.ID, p.Provider, p.Deposit, p.ProviderRef, p.Version = fmt.Sprintf("pay_voucher_%05d", i), "sim", nil, "", 1
		if err := f.store.Commit(f.ctx, checkout.Change{Payment: p}); err != nil {
			t.Fatal(err)
		}
	}
	benchWatchedSet(t, f, fmt.Sprintf("the watched set beside %d other due payments", others))
	c0, t0 = cpuTime(), time.Now()
	due, err := f.store.DuePayments(f.ctx, time.Now().AddDate(100, 0, 0), service.DefaultMaxWatched)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the whole due index instead (the watcher's read before PendingPayments): %d payments read in %v, CPU %v",
		len(due), time.Since(t0).Round(time.Millisecond), (cpuTime() - c0).Round(time.Millisecond))
}

// benchWatchedSet times a read of the watched set's payments as the
// watcher makes it: Store.PendingPayments in pages of 1000.
func benchWatchedSet(t *testing.T, f *chainFixture, what string) {
	t.Helper()
	c0, t0 := cpuTime(), time.Now()
	n, after := 0, ""
	for {
		page, err := f.store.PendingPayments(f.ctx, service.StablecoinProvider, false, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page)
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].ID
	}
	t.Logf("%s: %d payments read in %v, CPU %v", what, n, time.Since(t0).Round(time.Millisecond), (cpuTime() - c0).Round(time.Millisecond))
}

// TestBenchChainWatchLatency: anvil mining a block a second, the watcher
// running as the server runs it (default poll): the time from the block
// that gives a transfer its last confirmation (seen by polling the head
// every 5 ms) to its session's checkout.session.completed event (its
// Created, by the same clock).
func TestBenchChainWatchLatency(t *testing.T) {
	poll := service.DefaultChainPoll
	if v := os.Getenv("CHECKOUTD_BENCH_CHAINWATCH_POLL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		poll = d
	}
	const samples = 20
	f := newChainFixture(t, nil, anviltest.BlockTime(time.Second))
	// The system clock: the events' times are compared with the head's.
	f.fixture = newChainService(t, f.store, checkout.SystemClock{}, f.prov)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		f.svc.NewChainWatcher(false, f.reader, service.ChainWatchConfig{Poll: poll}).Run(ctx)
		close(done)
	}()
	defer func() { cancel(); <-done }()

	// When each block was first seen, from a 5 ms poll of the head that
	// runs from the start.
	var mu sync.Mutex
	seen := map[uint64]time.Time{}
	hctx, stopHeads := context.WithCancel(context.Background())
	headsDone := make(chan struct{})
	go func() {
		defer close(headsDone)
		for hctx.Err() == nil {
			var h string
			if err := f.chain.TryCall(&h, "eth_blockNumber"); err == nil {
				n, _ := strconv.ParseUint(h[2:], 16, 64)
				mu.Lock()
				if _, ok := seen[n]; !ok {
					seen[n] = time.Now()
				}
				mu.Unlock()
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	type sample struct {
		sess    string
		tx      string
		lastNum uint64 // the block of the last confirmation
	}
	var ss []*sample
	for range samples {
		s, p := f.pay(t)
		ss = append(ss, &sample{sess: s.ID, tx: f.send(t, p, 99_990_000)})
		// Spread over blocks: one transfer a block, about.
		time.Sleep(700 * time.Millisecond)
	}
	deadline := time.Now().Add(40 * time.Second)
	for _, s := range ss {
		for s.lastNum == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%s was not mined", s.tx)
			}
			var r *struct {
				BlockNumber string `json:"blockNumber"`
			}
			f.chain.Call(&r, "eth_getTransactionReceipt", s.tx)
			if r != nil {
				n, _ := strconv.ParseUint(r.BlockNumber[2:], 16, 64)
				s.lastNum = n + chainConfirmations - 1
			} else {
				time.Sleep(50 * time.Millisecond)
			}
		}
	}
	var lat []time.Duration
	for _, s := range ss {
		completed := time.Time{}
		for time.Now().Before(deadline.Add(10 * time.Second)) {
			for _, ev := range f.allEvents(t) {
				if ev.Type == checkout.EventSessionCompleted && ev.ObjectID == s.sess {
					completed = ev.Created
				}
			}
			if !completed.IsZero() {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if completed.IsZero() {
			t.Fatalf("session %s never completed", s.sess)
		}
		mu.Lock()
		lastAt, ok := seen[s.lastNum]
		mu.Unlock()
		if !ok {
			t.Fatalf("block %d was never seen", s.lastNum)
		}
		lat = append(lat, completed.Sub(lastAt))
	}
	stopHeads()
	<-headsDone
	t.Logf("poll %v, 1 s blocks, %d confirmations: last confirmation → checkout.session.completed p50 %v p99 %v (min %v, n=%d)",
		poll, chainConfirmations, pct(lat, 50), pct(lat, 99), slices.Min(lat).Round(time.Millisecond), len(lat))
}

// pct is the p-th percentile of ds (nearest rank).
func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(0, min(len(s)-1, i-1))].Round(time.Millisecond)
}
