package service

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// StablecoinProvider is the name stablecoin payments record as their
// provider: the chain watcher's results are for its payments.
const StablecoinProvider = "stablecoin"

// Chain watcher defaults (ChainWatchConfig).
const (
	DefaultChainPoll  = 2 * time.Second
	DefaultChainLease = 30 * time.Second
	// DefaultMaxWatched bounds the stablecoin payments of one mode read
	// each tick (a safety bound on a tick's memory, far above any real
	// set); reaching it is logged as an error and the cursor stays.
	DefaultMaxWatched = 200_000
	// watchedPage is how many payments one read of the watched set
	// takes: on Redis one script, which blocks the server while it runs.
	watchedPage = 1000
	// maxRangesPerTick bounds the log queries of one tick, so that a
	// watcher far behind (after a long stop) stores its progress as it
	// goes, well inside its lease, instead of scanning a day of blocks in
	// one tick.
	maxRangesPerTick = 20
)

// ChainWatchConfig tunes a chain watcher. Zero fields take their defaults.
type ChainWatchConfig struct {
	// Poll is the wait between ticks while the watcher is caught up.
	Poll time.Duration
	// Lease is how long a tick's lease on the chain lasts; a watcher that
	// stops without releasing it is replaced by another replica after it.
	// A tick runs until a tenth of it before the lease ends; the lease is
	// renewed when less than two thirds of it are left, and with every
	// write of the tick.
	Lease time.Duration
	// MaxWatched bounds the pending stablecoin payments of the mode read
	// each tick.
	MaxWatched int
}

func (c *ChainWatchConfig) fill() {
	if c.Poll <= 0 {
		c.Poll = DefaultChainPoll
	}
	if c.Lease <= 0 {
		c.Lease = DefaultChainLease
	}
	if c.MaxWatched <= 0 {
		c.MaxWatched = DefaultMaxWatched
	}
}

// ChainWatcher follows one chain in one mode for transfers to the deposit
// addresses of stablecoin payments, and pushes what it sees through
// ApplyProviderResult. The chain is read through a checkout.ChainReader;
// everything the watcher keeps is in the store: its lease and cursor (a
// checkout.ChainCursor) and the watched payments (with the transfers seen,
// in their Deposit), so any replica can take over from any other, and a
// restart resumes where the last applied block left off.
//
// One tick:
//
//  1. takes or keeps the lease (a compare-and-set on the cursor): a
//     replica without it does nothing more;
//  2. reads the head, then the watched set: pending stablecoin payments of
//     the chain and mode, and, for a while, those failed unpaid (a late
//     transfer to them is recorded). Head first: an address issued after
//     the set is read can only be paid in a block after the head;
//  3. checks that the cursor's block and the block of every transfer not
//     yet final are still canonical: a transfer whose block was replaced
//     is dropped, and the scan rewinds (by the confirmation depth, or to
//     the dropped transfer's block) so the re-organised blocks are read
//     again;
//  4. reads the Transfer logs of the chain's tokens from the cursor to the
//     head in bounded ranges, and matches each recipient against the
//     watched addresses (a map); a transfer is known by its transaction
//     hash and log index, so a block read twice never counts twice;
//  5. pushes, for every payment whose transfers or confirmations changed,
//     its new Deposit: succeeded once transfers with the confirmations
//     required sum to the amount due, requires_action before;
//  6. stores the cursor (and renews the lease) only then: a crash before
//     it reads those blocks again, and counts nothing twice.
//
// Every payment write of step 5 carries the cursor too, compared and set:
// a replica that lost the lease mid-tick writes nothing with its stale
// view.
type ChainWatcher struct {
	s        *Service
	r        checkout.ChainReader
	livemode bool
	owner    string
	cfg      ChainWatchConfig
}

// NewChainWatcher returns a watcher of the chain r reads, for payments of
// the mode livemode. Each watcher is its own lease owner.
func (s *Service) NewChainWatcher(livemode bool, r checkout.ChainReader, cfg ChainWatchConfig) *ChainWatcher {
	cfg.fill()
	return &ChainWatcher{s: s, r: r, livemode: livemode, owner: s.ids.New("watch"), cfg: cfg}
}

// WatchChains runs a watcher for each reader, in mode livemode, until ctx
// ends; then each releases its lease, so another replica takes over at
// once. cmd/checkoutd starts it for every chain with an RPC URL.
func (s *Service) WatchChains(ctx context.Context, livemode bool, readers []checkout.ChainReader, cfg ChainWatchConfig) {
	done := make(chan struct{})
	for _, r := range readers {
		w := s.NewChainWatcher(livemode, r, cfg)
		go func() {
			defer func() { done <- struct{}{} }()
			w.Run(ctx)
		}()
	}
	for range readers {
		<-done
	}
}

// Run ticks until ctx ends, then releases the lease.
func (w *ChainWatcher) Run(ctx context.Context) {
	for {
		st, err := w.Tick(ctx)
		if err != nil && ctx.Err() == nil {
			// The reader's errors name the chain and the call, never the
			// RPC URL (it may hold a key).
			w.s.log.Warn("chain watcher: tick failed; trying again", "chain", w.r.Chain(), "livemode", w.livemode, "err", err)
		}
		wait := w.cfg.Poll
		if err == nil && st.Behind {
			wait = 0
		}
		select {
		case <-ctx.Done():
			w.Release(context.WithoutCancel(ctx))
			return
		case <-time.After(wait):
		}
	}
}

// TickStats says what one tick did.
type TickStats struct {
	// Leased is false when another watcher holds the chain: nothing was read.
	Leased bool
	// Head is the head read; From and To the blocks scanned (To < From
	// when none).
	Head, From, To uint64
	// Logs is how many Transfer logs of the chain's tokens were read;
	// Watched how many payments were watched; Matched how many logs paid
	// one of them; Dropped how many transfers left the canonical chain;
	// Applied how many payments were updated.
	Logs, Watched, Matched, Dropped, Applied int
	// Behind says the scan stopped short of the head (see
	// maxRangesPerTick): the next tick should not wait.
	Behind bool
	// Truncated says the watched set reached MaxWatched: the cursor was
	// not moved (see Tick).
	Truncated bool
}

// watchedPayment is a payment the tick watches, with its transfers as the
// tick finds them.
type watchedPayment struct {
	p         *checkout.Payment
	need      int // confirmations its transfers need (its Deposit's)
	transfers []checkout.Transfer
	changed   bool
}

// Tick runs one pass (see ChainWatcher).
func (w *ChainWatcher) Tick(ctx context.Context) (TickStats, error) {
	var st TickStats
	cur, held, err := w.lease(ctx)
	if err != nil || !held {
		return st, err
	}
	st.Leased = true
	// The tick ends a margin before its lease does. That alone cannot
	// keep a watcher that stalled (a paused process, a slow store) from
	// writing after another took the chain: every write of the tick also
	// carries the cursor, compared and set (see push), so a watcher whose
	// lease was taken writes nothing.
	left := cur.LeaseUntil.Sub(w.s.now()) - w.cfg.Lease/10
	if left <= 0 {
		return st, errLeaseLost
	}
	ctx, cancel := context.WithTimeout(ctx, left)
	defer cancel()

	head, err := w.r.Head(ctx)
	if err != nil {
		return st, err
	}
	st.Head = head
	if cur.BlockHash != "" && head == cur.Block {
		// No new block: unless the head itself was replaced, nothing can
		// have changed (confirmations move with the head only), and the
		// watched set is not read. A watcher polling faster than the
		// chain makes blocks pays for a header, not for its payments.
		b, err := w.r.Block(ctx, head)
		if err != nil && !checkout.IsKind(err, checkout.KindNotFound) {
			return st, err
		}
		if err == nil && b.Hash == cur.BlockHash {
			st.From, st.To = head+1, head
			return st, nil
		}
	}
	watched, truncated, err := w.watched(ctx)
	if err != nil {
		return st, err
	}
	st.Watched, st.Truncated = len(watched), truncated
	blocks := map[uint64]checkout.ChainBlock{} // headers read in this tick
	block := func(n uint64) (checkout.ChainBlock, error) {
		if b, ok := blocks[n]; ok {
			return b, nil
		}
		b, err := w.r.Block(ctx, n)
		if err == nil {
			blocks[n] = b
		}
		return b, err
	}
	need := w.r.Confirmations()

	// Where to scan from: after the cursor, or, the first time, the last
	// confirmation depth of blocks (a new watcher sees what is confirming).
	var from uint64
	switch {
	case cur.BlockHash == "":
		from = sub1(head+1, uint64(need))
	default:
		from = cur.Block + 1
		b, err := block(cur.Block)
		if err != nil && !checkout.IsKind(err, checkout.KindNotFound) {
			return st, err
		}
		if err != nil || b.Hash != cur.BlockHash {
			// The block the last tick stopped at was replaced: the blocks
			// before it, as deep as a reorganisation may reach without
			// undoing a final transfer, are read again (before the head,
			// should the new chain be shorter).
			from = sub1(min(cur.Block, head)+1, uint64(need))
			w.s.log.Warn("chain watcher: a reorganisation replaced the last block scanned; scanning again",
				"chain", w.r.Chain(), "block", cur.Block, "from", from)
		}
	}

	// Transfers already seen that are not final yet: still canonical?
	byAddr := addressMap(watched, func(addr string, a, b *checkout.Payment) {
		// Never meant to happen (indexes come from one counter per key),
		// but an address shared by two payments cannot tell whose coins
		// arrived: neither is credited, and an operator must look.
		w.s.log.Error("chain watcher: two payments wait at one deposit address; neither is credited",
			"chain", w.r.Chain(), "address", addr, "payment", a.ID, "other", b.ID)
	})
	for _, wp := range watched {
		for _, t := range slices.Clone(wp.transfers) { // drop changes wp.transfers
			if t.Confirmations >= wp.need {
				continue
			}
			b, err := block(t.Block)
			if err != nil && !checkout.IsKind(err, checkout.KindNotFound) {
				return st, err
			}
			if err != nil || b.Hash != t.BlockHash {
				wp.drop(t)
				st.Dropped++
				from = min(from, t.Block)
			}
		}
	}

	// The scan, in bounded ranges.
	to := head
	if span := w.r.MaxRange() * maxRangesPerTick; head >= from && head-from+1 > span {
		to, st.Behind = from+span-1, true
	}
	st.From, st.To = from, to
	// The hash the cursor will store is read before the logs: a
	// reorganisation during the scan then shows at the next tick as a
	// cursor whose block was replaced, and what was read is read again.
	hb, err := block(to)
	if err != nil {
		return st, err
	}
	for lo := from; lo <= to && to >= from; {
		hi := min(to, lo+w.r.MaxRange()-1)
		logs, err := w.r.Transfers(ctx, lo, hi)
		if err != nil {
			return st, err
		}
		st.Logs += len(logs)
		for _, ct := range logs {
			wp := byAddr[strings.ToLower(ct.To)]
			if wp == nil {
				continue
			}
			if !strings.EqualFold(ct.Contract, wp.p.Deposit.Contract) {
				// Another of the chain's tokens (USDT to a USDC deposit):
				// it does not pay this payment, but it is in the
				// merchant's wallet, and someone must settle it.
				w.s.log.Warn("chain watcher: a transfer of another token reached a deposit address; not counted",
					"payment", wp.p.ID, "chain", w.r.Chain(), "token", ct.Token, "contract", ct.Contract,
					"tx", ct.TxHash, "amount", ct.Amount, "deposit_token", wp.p.Deposit.Token)
				continue
			}
			// A transfer in a block made before the payment is not its:
			// the address was not yet given to anyone. (A minute of
			// leeway for the node's clock.)
			b, err := block(ct.Block)
			if err != nil && !checkout.IsKind(err, checkout.KindNotFound) {
				return st, err
			}
			if err != nil || b.Hash != ct.BlockHash || b.Time.Before(wp.p.Created.Add(-time.Minute)) {
				continue
			}
			if wp.add(ct.Transfer) {
				st.Matched++
			}
		}
		if hi == to {
			break
		}
		lo = hi + 1
	}

	// Confirmations, then the results, payment by payment.
	for _, wp := range watched {
		wp.confirm(head)
		if !wp.changed {
			continue
		}
		if err := w.push(ctx, cur, wp); err != nil {
			return st, err
		}
		st.Applied++
	}

	// A watched set cut short at its bound may lack a payment a transfer
	// in these blocks paid: the cursor stays, so they are read again (and
	// what was found counts once) rather than passed over for good. The
	// bound reached is logged as an error at every tick until it is
	// raised or the set shrinks.
	if truncated {
		return st, nil
	}
	// Only now, with every result up to `to` applied, is the cursor moved.
	return st, w.advance(ctx, cur, to, hb.Hash)
}

// addressMap maps the deposit addresses of watched (lower case) to their
// payment. An address two payments wait at maps to neither: dup is told of
// each such pair.
func addressMap(watched []*watchedPayment, dup func(addr string, a, b *checkout.Payment)) map[string]*watchedPayment {
	byAddr := make(map[string]*watchedPayment, len(watched))
	shared := map[string]bool{}
	for _, wp := range watched {
		addr := strings.ToLower(wp.p.Deposit.Address)
		if other, ok := byAddr[addr]; ok {
			dup(addr, other.p, wp.p)
			shared[addr] = true
			continue
		}
		byAddr[addr] = wp
	}
	for addr := range shared {
		delete(byAddr, addr)
	}
	return byAddr
}

// sub1 is a-b, at least 0.
func sub1(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

// watched reads the payments the tick watches: stablecoin payments of the
// mode on the chain that await their deposit, and those whose deposit
// lapsed unpaid a short while ago (kept due for DepositLateWatch, so a
// late transfer is still recorded). Both are in the store's pending set of
// the provider and mode (Store.PendingPayments), which holds no other
// provider's or mode's payments, read in pages of watchedPage.
//
// truncated says the read reached MaxWatched, a safety bound on what one
// tick holds in memory, with stablecoin payments of the mode (of any
// chain) beyond it left unread.
func (w *ChainWatcher) watched(ctx context.Context) (out []*watchedPayment, truncated bool, err error) {
	after, read := "", 0
	for {
		// Past the bound, one more payment is asked for: only if there is
		// one was the set cut short.
		limit := min(watchedPage, w.cfg.MaxWatched-read)
		if limit == 0 {
			limit = 1
		}
		page, err := w.s.store.PendingPayments(ctx, StablecoinProvider, w.livemode, after, limit)
		if err != nil {
			return nil, false, err
		}
		if read >= w.cfg.MaxWatched {
			truncated = len(page) > 0
			break
		}
		read += len(page)
		for _, p := range page {
			if p.Deposit == nil || p.Deposit.Chain != w.r.Chain() {
				continue
			}
			if p.Status != checkout.PaymentRequiresAction && !lateWatched(p) {
				continue
			}
			out = append(out, &watchedPayment{p: p, need: confirmationsNeeded(p.Deposit), transfers: slices.Clone(p.Deposit.Transfers)})
		}
		if len(page) < limit {
			break
		}
		after = page[len(page)-1].ID
	}
	if truncated {
		w.s.log.Error("chain watcher: the watched set reached its bound; the cursor stays until fewer payments are pending or the bound is raised",
			"chain", w.r.Chain(), "bound", w.cfg.MaxWatched)
	}
	return out, truncated, nil
}

// drop removes transfer t, whose block is no longer canonical.
func (wp *watchedPayment) drop(t checkout.Transfer) {
	wp.transfers = slices.DeleteFunc(wp.transfers, func(x checkout.Transfer) bool { return sameTransfer(x, t) })
	wp.changed = true
}

// add records transfer t unless it is known (a block read again): reports
// whether it is new. One seen before in another block (included again
// after a reorganisation) takes its new block.
func (wp *watchedPayment) add(t checkout.Transfer) bool {
	for i, x := range wp.transfers {
		if sameTransfer(x, t) {
			if x.Block != t.Block || x.BlockHash != t.BlockHash {
				t.Confirmations = x.Confirmations
				wp.transfers[i], wp.changed = t, true
			}
			return false
		}
	}
	wp.transfers = append(wp.transfers, t)
	slices.SortFunc(wp.transfers, func(a, b checkout.Transfer) int {
		if a.Block != b.Block {
			return cmpU(a.Block, b.Block)
		}
		return cmpU(a.LogIndex, b.LogIndex)
	})
	wp.changed = true
	return true
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sameTransfer reports whether a and b are the same log: a transaction's
// hash and the log's index in its block name it across re-scans.
func sameTransfer(a, b checkout.Transfer) bool {
	return a.TxHash == b.TxHash && a.LogIndex == b.LogIndex
}

// confirm sets each transfer's confirmations at head, up to those needed
// (past them nothing changes for the customer, and the payment is not
// written again).
func (wp *watchedPayment) confirm(head uint64) {
	for i := range wp.transfers {
		t := &wp.transfers[i]
		n := 0
		if t.Block <= head {
			n = int(min(head-t.Block+1, uint64(wp.need)))
		}
		if n != t.Confirmations {
			t.Confirmations, wp.changed = n, true
		}
	}
}

// push applies wp's transfers to its payment, in one write with the
// cursor cur (its lease renewed): if another watcher took the chain since
// cur was read, the write is refused (errLeaseLost) and the payment keeps
// what the other wrote. The result replaces the payment's transfers with
// this tick's view, so a view older than another watcher's must never be
// written. On success cur is the cursor written.
func (w *ChainWatcher) push(ctx context.Context, cur *checkout.ChainCursor, wp *watchedPayment) error {
	d := wp.p.Deposit.Clone()
	d.Transfers = wp.transfers
	res := checkout.ProviderResult{Status: checkout.PaymentRequiresAction, Deposit: d}
	due, ok := new(big.Int).SetString(d.Amount, 10)
	if !ok {
		w.s.log.Error("chain watcher: a payment's amount due is not a number", "payment", wp.p.ID)
		return nil
	}
	if confirmedSum(d, wp.need).Cmp(due) >= 0 {
		res.Status = checkout.PaymentSucceeded
	}
	var next checkout.ChainCursor
	fence := func(ctx context.Context) (checkout.Object, error) {
		c, err := w.cursor(ctx)
		if err != nil {
			return nil, err
		}
		if c.Owner != w.owner || c.Version != cur.Version {
			return nil, errLeaseLost
		}
		now := w.s.now()
		next = *c
		next.LeaseUntil = now.Add(w.cfg.Lease)
		next.Version++
		next.Updated = now
		return &next, nil
	}
	_, _, err := w.s.recordFenced(ctx, wp.p.ID, res, nil, fence)
	switch {
	case err == nil:
		*cur = next
		return nil
	case errors.Is(err, errLeaseLost):
		return err
	case checkout.IsKind(err, checkout.KindState), checkout.IsKind(err, checkout.KindNotFound):
		// Decided meanwhile (canceled, or succeeded through another
		// path): nothing more to record, and the chain goes on.
		w.s.log.Info("chain watcher: a payment did not take the chain's result", "payment", wp.p.ID, "err", err)
		return nil
	}
	return fmt.Errorf("payment %s: %w", wp.p.ID, err)
}

// confirmedSum is what d's transfers with at least need confirmations
// brought. Amounts that are not numbers count as nothing.
func confirmedSum(d *checkout.Deposit, need int) *big.Int {
	sum := new(big.Int)
	for _, t := range d.Transfers {
		if v, ok := new(big.Int).SetString(t.Amount, 10); ok && t.Confirmations >= need {
			sum.Add(sum, v)
		}
	}
	return sum
}

// lease takes the chain's lease for this watcher, or keeps it, and returns
// the cursor; held is false when another watcher holds a lease still
// running. A lease with at least a tick's budget (two thirds of it) left is
// not renewed here: push and advance renew it with their writes.
func (w *ChainWatcher) lease(ctx context.Context) (cur *checkout.ChainCursor, held bool, err error) {
	scope, id := checkout.ChainScope(w.livemode), checkout.ChainCursorID(w.livemode, w.r.Chain())
	err = retryCAS(func() error {
		now := w.s.now()
		o, err := w.s.store.GetObject(ctx, scope, checkout.ChainCursorKind, id)
		if checkout.IsKind(err, checkout.KindNotFound) {
			cur = &checkout.ChainCursor{Livemode: w.livemode, Chain: w.r.Chain(), Owner: w.owner, LeaseUntil: now.Add(w.cfg.Lease),
				Version: 1, Created: now, Updated: now}
			held = true
			return w.s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{cur}})
		}
		if err != nil {
			return err
		}
		c, ok := o.(*checkout.ChainCursor)
		if !ok {
			return fmt.Errorf("chain watcher: object %s is a %T", id, o)
		}
		cur = c
		switch {
		case c.Owner == w.owner && c.LeaseUntil.Sub(now) >= w.cfg.Lease*2/3:
			// More than a tick's budget (see Tick) is left: kept as it is.
			held = true
			return nil
		case c.Owner != w.owner && now.Before(c.LeaseUntil):
			held = false
			return nil
		}
		c.Owner, c.LeaseUntil = w.owner, now.Add(w.cfg.Lease)
		c.Version++
		c.Updated = now
		held = true
		return w.s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{c}})
	})
	if checkout.IsKind(err, checkout.KindConflict) {
		// Another watcher won every race: it holds the chain.
		return nil, false, nil
	}
	return cur, held && err == nil, err
}

// cursor reads the chain's cursor.
func (w *ChainWatcher) cursor(ctx context.Context) (*checkout.ChainCursor, error) {
	id := checkout.ChainCursorID(w.livemode, w.r.Chain())
	o, err := w.s.store.GetObject(ctx, checkout.ChainScope(w.livemode), checkout.ChainCursorKind, id)
	if err != nil {
		return nil, err
	}
	c, ok := o.(*checkout.ChainCursor)
	if !ok {
		return nil, fmt.Errorf("chain watcher: object %s is a %T", id, o)
	}
	return c, nil
}

// errLeaseLost is a tick's end when another watcher took the chain.
var errLeaseLost = errors.New("chain watcher: the lease was taken by another watcher")

// advance stores the cursor at block n with hash, and renews the lease,
// over cur as the lease step read or wrote it: a compare-and-set that
// fails only if another watcher took the lease meanwhile.
func (w *ChainWatcher) advance(ctx context.Context, cur *checkout.ChainCursor, n uint64, hash string) error {
	now := w.s.now()
	c := *cur
	c.Block, c.BlockHash = n, hash
	c.LeaseUntil = now.Add(w.cfg.Lease)
	c.Version++
	c.Updated = now
	err := w.s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{&c}})
	if checkout.IsKind(err, checkout.KindConflict) {
		return errLeaseLost
	}
	if err == nil {
		*cur = c
	}
	return err
}

// Release ends this watcher's lease, if it holds it, so that another
// replica takes the chain at its next tick rather than after the lease.
func (w *ChainWatcher) Release(ctx context.Context) {
	scope, id := checkout.ChainScope(w.livemode), checkout.ChainCursorID(w.livemode, w.r.Chain())
	_ = retryCAS(func() error {
		o, err := w.s.store.GetObject(ctx, scope, checkout.ChainCursorKind, id)
		if err != nil {
			return nil
		}
		c, ok := o.(*checkout.ChainCursor)
		if !ok || c.Owner != w.owner {
			return nil
		}
		c.LeaseUntil = time.Time{}
		c.Version++
		c.Updated = w.s.now()
		return w.s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{c}})
	})
}
