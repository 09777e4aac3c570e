package service_test

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/anviltest"
	"github.com/checkoutd/checkoutd/internal/evm"
	"github.com/checkoutd/checkoutd/internal/seal"
	"github.com/checkoutd/checkoutd/internal/teststore"
	"github.com/checkoutd/checkoutd/provider/stablecoin"
	"github.com/checkoutd/checkoutd/service"
)

// TestChainWatchSharedAddressCreditsNeither: two pending payments waiting
// at one address (data from before the key's counter was shared) — a
// transfer there credits neither, and the watcher logs an error naming
// both.
func TestChainWatchSharedAddressCreditsNeither(t *testing.T) {
	f := newChainFixture(t, nil)
	addr, err := evm.ParseAddress("0x00000000000000000000000000000000000a11ce")
	if err != nil {
		t.Fatal(err)
	}
	f.prov.addr = &addr
	w := f.watcher()
	tick(t, w)
	_, p1 := f.pay(t)
	_, p2 := f.pay(t)
	f.send(t, p1, 99_990_000)
	f.chain.Mine(chainConfirmations)
	if st := tick(t, w); st.Matched != 0 || st.Applied != 0 {
		t.Fatalf("tick %+v, want nothing credited", st)
	}
	for _, id := range []string{p1.ID, p2.ID} {
		if got := f.payment(t, id); got.Status != checkout.PaymentRequiresAction || len(got.Deposit.Transfers) != 0 {
			t.Errorf("payment %s: %s %+v, want waiting with no transfer", id, got.Status, got.Deposit.Transfers)
		}
	}
	logs := f.logs.String()
	if !strings.Contains(logs, "two payments wait at one deposit address") || !strings.Contains(logs, p1.ID) || !strings.Contains(logs, p2.ID) {
		t.Errorf("no error naming both payments in the log:\n%s", logs)
	}
}

// coinChainFixture is a service whose test mode takes USDC on anvil
// through the real stablecoin provider (addresses from TestXpub, through
// the service's allocator; the deposit's deadline is the session's
// expiry), with a watcher of the chain.
type coinChainFixture struct {
	*fixture
	chain *anviltest.Chain
	token evm.Address // USDC, what sessions take
	usdt  evm.Address // another token the chain's configuration has
	payer evm.Address
	clock *setClock
	w     *service.ChainWatcher
	sel   checkout.TokenChain
}

func newCoinChainFixture(t *testing.T, st checkout.Store) *coinChainFixture {
	t.Helper()
	chain := anviltest.Start(t)
	tok, usdt := chain.Deploy(), chain.Deploy()
	payer := chain.Accounts[1]
	chain.Mint(tok, payer, 1_000_000_000_000)
	chain.Mint(usdt, payer, 1_000_000_000_000)
	chain.Mine(1)
	if st == nil {
		st = teststore.Open(t, "sqlite")
	}
	clock := &setClock{now: time.Now().UTC()}
	cc := stablecoin.Chain{Name: "anvil", RPCURL: chain.URL, ChainID: anviltest.ChainID, Confirmations: chainConfirmations,
		Tokens: map[string]stablecoin.Token{"USDC": {Contract: tok, Decimals: 6}, "USDT": {Contract: usdt, Decimals: 6}}}
	modes := stablecoin.Modes{Test: stablecoin.Config{Chains: map[string]stablecoin.Chain{"anvil": cc}}}
	sealer, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	reg := service.NewRegistry()
	reg.RegisterCredentialed(stablecoin.Name, stablecoin.Factory(modes))
	reg.Route(false, stablecoin.Name, checkout.MethodStablecoin)
	logs := &bytes.Buffer{}
	cfg := service.Config{Store: st, Clock: clock, PublicURL: "http://checkout.test", Providers: reg, Sealer: sealer, Tokens: modes,
		Log: slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	svc := service.New(cfg)
	ctx := context.Background()
	a, _, err := svc.CreateAccount(ctx, service.AccountParams{ID: "acct_coin", Name: "Coin shop", DefaultCurrency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	f := &coinChainFixture{fixture: &fixture{cfg: cfg, svc: svc, store: st, logs: logs, scope: checkout.Scope{AccountID: a.ID}, ctx: ctx},
		chain: chain, token: tok, usdt: usdt, payer: payer, clock: clock, sel: checkout.TokenChain{Chain: "anvil", Token: "USDC"}}
	f.w = svc.NewChainWatcher(false, stablecoin.NewReader(cc, 0, 0), service.ChainWatchConfig{Poll: 20 * time.Millisecond})
	tick(t, f.w) // the cursor starts at the head
	return f
}

// pay opens a session of 10.00 USD taking USDC on anvil and selects it:
// 10 000 000 units are due at a fresh address.
func (f *coinChainFixture) pay(t *testing.T) (*checkout.Session, *checkout.Payment) {
	t.Helper()
	amount := int64(1000)
	s, err := f.svc.CreateSession(f.ctx, f.scope, &service.SessionParams{Amount: &amount, Currency: "usd",
		SuccessURL: "http://shop.example/ok", CancelURL: "http://shop.example/no",
		PaymentMethodTypes: []string{"stablecoin"}, SupportedTokens: []checkout.TokenChain{f.sel}})
	if err != nil {
		t.Fatal(err)
	}
	sess, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodStablecoin, Stablecoin: f.sel})
	if err != nil || p.Status != checkout.PaymentRequiresAction || p.Deposit == nil || p.Deposit.Amount != "10000000" {
		t.Fatalf("pay: %v %+v", err, p)
	}
	return sess, p
}

func (f *coinChainFixture) send(t *testing.T, p *checkout.Payment, units int64) string {
	t.Helper()
	to, err := evm.ParseAddress(p.Deposit.Address)
	if err != nil {
		t.Fatal(err)
	}
	return f.chain.Transfer(f.token, f.payer, to, units)
}

// sweepAll runs the service's sweeps of payments and of sessions, as serve
// does.
func (f *coinChainFixture) sweepAll(t *testing.T) {
	t.Helper()
	f.sweep(t)
	if _, err := f.svc.SweepExpired(f.ctx); err != nil {
		t.Fatal(err)
	}
}

// storedSession is session id as stored, not as a reader at now sees it.
func (f *coinChainFixture) storedSession(t *testing.T, id string) *checkout.Session {
	t.Helper()
	s, err := f.store.GetSession(f.ctx, f.scope, id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestChainWatchConfirmingAtExpiry: through the real provider (whose
// deposit deadline is the session's expiry), a transfer seen a moment
// before the session expires holds it while it confirms: the sweeps past
// expires_at neither fail the payment nor expire the session, and the
// confirmation completes the session, not late.
func TestChainWatchConfirmingAtExpiry(t *testing.T) {
	f := newCoinChainFixture(t, nil)
	sess, p := f.pay(t)
	f.clock.set(sess.ExpiresAt.Add(-time.Minute))
	f.send(t, p, 10_000_000)
	f.chain.Mine(1)
	tick(t, f.w)
	if s := f.sessionOf(t, sess.ID); s.Status != checkout.SessionOpen || s.PaymentInFlight != p.ID {
		t.Fatalf("a confirming transfer's session: %s, held by %q", s.Status, s.PaymentInFlight)
	}
	f.clock.set(sess.ExpiresAt.Add(30 * time.Second))
	f.sweepAll(t)
	// The stored session: a reader past expires_at is shown it expired
	// (Session.Observed) while any claim holds it, as during a card
	// payment's claim.
	if s := f.storedSession(t, sess.ID); s.Status != checkout.SessionOpen || s.PaymentInFlight != p.ID {
		t.Fatalf("the session was expired while its transfer confirmed: %s, held by %q", s.Status, s.PaymentInFlight)
	}
	f.chain.Mine(1)
	tick(t, f.w) // a confirmation more refreshes the hold
	f.clock.set(sess.ExpiresAt.Add(90 * time.Second))
	f.sweepAll(t)
	f.chain.Mine(1)
	tick(t, f.w)
	got := f.payment(t, p.ID)
	s := f.sessionOf(t, sess.ID)
	if got.Status != checkout.PaymentSucceeded || got.Deposit.Late || s.Status != checkout.SessionComplete || s.Payment != p.ID || s.PaymentInFlight != "" {
		t.Fatalf("confirmed after expiry: payment %s late=%v, session %s paid by %q held by %q", got.Status, got.Deposit.Late, s.Status, s.Payment, s.PaymentInFlight)
	}
	if ev := f.eventTypes(t, sess.ID, p.ID); slices.Contains(ev, checkout.EventPaymentReceivedLate) || slices.Contains(ev, checkout.EventSessionExpired) {
		t.Fatalf("events %v", ev)
	}
}

// TestChainWatchFirstSeenAfterExpiry: a transfer first seen after the
// session's expiry does not hold it: confirmed, it is late, and the
// session is not completed.
func TestChainWatchFirstSeenAfterExpiry(t *testing.T) {
	f := newCoinChainFixture(t, nil)
	sess, p := f.pay(t)
	f.clock.set(sess.ExpiresAt.Add(time.Second))
	f.send(t, p, 10_000_000)
	f.chain.Mine(1)
	tick(t, f.w)
	if s := f.sessionOf(t, sess.ID); s.PaymentInFlight != "" {
		t.Fatalf("an expired session was held by %q", s.PaymentInFlight)
	}
	f.chain.Mine(chainConfirmations - 1)
	tick(t, f.w)
	got := f.payment(t, p.ID)
	s := f.sessionOf(t, sess.ID)
	if got.Status != checkout.PaymentSucceeded || !got.Deposit.Late || s.Status == checkout.SessionComplete || s.Payment == p.ID {
		t.Fatalf("after expiry: payment %s late=%v, session %s paid by %q", got.Status, got.Deposit.Late, s.Status, s.Payment)
	}
	if ev := f.eventTypes(t, sess.ID, p.ID); !slices.Contains(ev, checkout.EventPaymentReceivedLate) {
		t.Fatalf("events %v, want payment.received_late", ev)
	}
}

// TestChainWatchHoldReleasedOnReorg: the hold of a confirming transfer is
// released when a reorganisation takes the transfer away.
func TestChainWatchHoldReleasedOnReorg(t *testing.T) {
	f := newCoinChainFixture(t, nil)
	sess, p := f.pay(t)
	f.send(t, p, 10_000_000)
	f.chain.Mine(2)
	tick(t, f.w)
	if s := f.sessionOf(t, sess.ID); s.PaymentInFlight != p.ID {
		t.Fatalf("not held: %q", s.PaymentInFlight)
	}
	f.chain.Reorg(2)
	tick(t, f.w)
	if got, s := f.payment(t, p.ID), f.sessionOf(t, sess.ID); len(got.Deposit.Transfers) != 0 || s.PaymentInFlight != "" || s.Status != checkout.SessionOpen {
		t.Fatalf("after the reorganisation: transfers %+v, session %s held by %q", got.Deposit.Transfers, s.Status, s.PaymentInFlight)
	}
}

// pausingReader is a chain reader that runs pause once, at its first read
// of Transfer logs after it is armed: mid-tick, after the watched set and
// the head were read.
type pausingReader struct {
	checkout.ChainReader
	pause func()
}

func (r *pausingReader) Transfers(ctx context.Context, from, to uint64) ([]checkout.ChainTransfer, error) {
	if p := r.pause; p != nil {
		r.pause = nil
		p()
	}
	return r.ChainReader.Transfers(ctx, from, to)
}

// TestChainWatchStaleReplicaRefused: replica A reads a payment (one
// transfer confirming) and stalls mid-tick past its lease; replica B takes
// the chain and records a second transfer; A's push of its stale view is
// refused (its lease is lost), and the second transfer stays recorded,
// after B's next tick too.
func TestChainWatchStaleReplicaRefused(t *testing.T) {
	f := newChainFixture(t, nil)
	ra := &pausingReader{ChainReader: f.reader}
	a := f.svc.NewChainWatcher(false, ra, service.ChainWatchConfig{Poll: 20 * time.Millisecond})
	b := f.watcher()
	tick(t, a)
	_, p := f.pay(t)
	f.send(t, p, 50_000_000)
	f.chain.Mine(1)
	tick(t, a)
	f.chain.Mine(1)
	var second string
	ra.pause = func() {
		second = f.send(t, p, 10_000_000)
		f.chain.Mine(1)
		f.clock.Add(service.DefaultChainLease + time.Second) // A's lease ran out
		if st := tick(t, b); !st.Leased || st.Matched != 1 {
			t.Errorf("replica B's tick %+v, want the chain taken and the second transfer matched", st)
		}
	}
	if _, err := a.Tick(context.Background()); err == nil {
		t.Fatal("replica A's stale tick succeeded")
	}
	hasSecond := func(when string) {
		t.Helper()
		got := f.payment(t, p.ID)
		if len(got.Deposit.Transfers) != 2 || got.Deposit.Transfers[1].TxHash != second {
			t.Fatalf("%s: transfers %+v, want the second one kept", when, got.Deposit.Transfers)
		}
	}
	hasSecond("after A's stale tick")
	f.chain.Mine(1)
	tick(t, b)
	hasSecond("after B's next tick")
}

// TestChainWatchLatePartial: a deposit that lapsed unpaid with its session
// receives transfers short of the amount due: each one confirmed writes
// payment.received_late (none while it confirms), the payment stays
// failed, its deposit late with the transfers recorded.
func TestChainWatchLatePartial(t *testing.T) {
	f := newCoinChainFixture(t, nil)
	sess, p := f.pay(t)
	f.clock.set(sess.ExpiresAt.Add(time.Second))
	f.sweepAll(t)
	if got := f.payment(t, p.ID); got.Status != checkout.PaymentFailed || got.FailureCode != "deposit_expired" {
		t.Fatalf("lapsed: %s %s", got.Status, got.FailureCode)
	}
	late := func() int {
		n := 0
		for _, ev := range f.eventTypes(t, sess.ID, p.ID) {
			if ev == checkout.EventPaymentReceivedLate {
				n++
			}
		}
		return n
	}
	f.send(t, p, 4_000_000)
	f.chain.Mine(1)
	tick(t, f.w)
	if n := late(); n != 0 {
		t.Fatalf("%d payment.received_late for a transfer still confirming", n)
	}
	f.chain.Mine(chainConfirmations - 1)
	tick(t, f.w)
	got := f.payment(t, p.ID)
	if n := late(); n != 1 || got.Status != checkout.PaymentFailed || !got.Deposit.Late || !slices.Equal(confirmations(got), []int{chainConfirmations}) {
		t.Fatalf("a late partial transfer confirmed: %d events, payment %s %+v", n, got.Status, got.Deposit)
	}
	f.send(t, p, 1_000_000)
	f.chain.Mine(chainConfirmations)
	tick(t, f.w)
	if n := late(); n != 2 {
		t.Fatalf("a second late partial transfer: %d payment.received_late, want 2", n)
	}
	if s := f.storedSession(t, sess.ID); s.Status != checkout.SessionExpired {
		t.Fatalf("session %s", s.Status)
	}
}

// TestChainWatchOtherTokenWarns: USDT sent to a USDC deposit address is
// not counted, and the watcher logs a warning naming the payment, chain,
// token and transaction.
func TestChainWatchOtherTokenWarns(t *testing.T) {
	f := newCoinChainFixture(t, nil)
	_, p := f.pay(t)
	to, err := evm.ParseAddress(p.Deposit.Address)
	if err != nil {
		t.Fatal(err)
	}
	tx := f.chain.Transfer(f.usdt, f.payer, to, 10_000_000)
	f.chain.Mine(chainConfirmations)
	if st := tick(t, f.w); st.Matched != 0 {
		t.Fatalf("tick %+v: the other token was counted", st)
	}
	if got := f.payment(t, p.ID); got.Status != checkout.PaymentRequiresAction || len(got.Deposit.Transfers) != 0 {
		t.Fatalf("payment %s %+v", got.Status, got.Deposit.Transfers)
	}
	var warned bool
	for _, line := range strings.Split(f.logs.String(), "\n") {
		if strings.Contains(line, `"level":"WARN"`) && strings.Contains(line, "another token") && strings.Contains(line, p.ID) &&
			strings.Contains(line, `"chain":"anvil"`) && strings.Contains(line, `"token":"USDT"`) && strings.Contains(line, tx) {
			warned = true
		}
	}
	if !warned {
		t.Fatalf("no warning naming payment, chain, token and tx:\n%s", f.logs.String())
	}
}

// TestChainWatchTruncatedKeepsCursor: a watched set cut at its bound
// leaves the cursor where it was, so a transfer to a payment beyond the
// bound is found once the bound allows (here by a watcher with a larger
// one), never passed over.
func TestChainWatchTruncatedKeepsCursor(t *testing.T) {
	f := newChainFixture(t, nil)
	small := f.svc.NewChainWatcher(false, f.reader, service.ChainWatchConfig{MaxWatched: 1})
	tick(t, small)
	_, p1 := f.pay(t)
	_, p2 := f.pay(t)
	f.send(t, p1, 99_990_000)
	f.send(t, p2, 99_990_000)
	f.chain.Mine(chainConfirmations)
	st := tick(t, small)
	if !st.Truncated || st.Watched != 1 {
		t.Fatalf("tick %+v, want the set cut at one payment", st)
	}
	if again := tick(t, small); again.From != st.From {
		t.Fatalf("the cursor moved past a truncated scan: from %d, then %d", st.From, again.From)
	}
	small.Release(f.ctx)
	tick(t, f.watcher())
	for _, p := range []*checkout.Payment{p1, p2} {
		if got := f.payment(t, p.ID); got.Status != checkout.PaymentSucceeded || len(got.Deposit.Transfers) != 1 {
			t.Errorf("payment %s: %s %+v", p.ID, got.Status, got.Deposit.Transfers)
		}
	}
}
