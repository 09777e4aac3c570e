package service_test

import (
	"bytes"
	"context"
	"log/slog"
	"math/big"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/anviltest"
	"github.com/checkoutd/checkoutd/internal/evm"
	"github.com/checkoutd/checkoutd/internal/teststore"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/provider/stablecoin"
	"github.com/checkoutd/checkoutd/service"
)

// chainConfirmations is the test chain's depth: a transfer counts in its
// third block.
const chainConfirmations = 3

// depositProvider stands in for the stablecoin provider (its own package
// derives addresses from the account's key): registered under its name,
// its Start answers what the real one does — requires_action, a
// deposit_address action with a deadline, and a Deposit of the session's
// amount at 6 decimals (99.99 → 99990000) to an address of its own per
// payment — so that Pay makes real sessions and payments for the watcher.
// It serves multibanco, a method every session takes here, so the tests
// do not depend on how sessions offer the stablecoin method.
type depositProvider struct {
	chain  string
	token  evm.Address
	ttl    time.Duration // the action's deadline, after the payment
	amount string        // when set, what is due instead of the session's amount
	addr   *evm.Address  // when set, the deposit address of every payment
}

func (*depositProvider) Name() string { return service.StablecoinProvider }
func (*depositProvider) Methods() []checkout.Method {
	return []checkout.Method{checkout.MethodMultibanco}
}
func (*depositProvider) Page(checkout.Method) checkout.PageSpec { return checkout.PageSpec{} }

func (d *depositProvider) Start(ctx context.Context, req checkout.StartRequest) (checkout.ProviderResult, error) {
	var addr evm.Address
	copy(addr[:], evm.Keccak256([]byte(req.Payment.ID))[12:])
	if d.addr != nil {
		addr = *d.addr
	}
	due := d.amount
	if due == "" {
		due = new(big.Int).Mul(big.NewInt(req.Payment.Amount), big.NewInt(10_000)).String()
	}
	return checkout.ProviderResult{Status: checkout.PaymentRequiresAction, ProviderRef: d.chain + ":" + addr.Lower(),
		Action: &checkout.NextAction{Kind: checkout.NextActionDepositAddress, ExpiresAt: req.Payment.Created.Add(d.ttl)},
		Deposit: &checkout.Deposit{Chain: d.chain, ChainID: anviltest.ChainID, Token: "USDC", Contract: d.token.String(), Decimals: 6,
			Address: addr.String(), Amount: due, ExchangeRate: "1", Confirmations: chainConfirmations}}, nil
}

func (*depositProvider) Confirm(context.Context, *checkout.Payment, checkout.ConfirmRequest) (checkout.ProviderResult, error) {
	return checkout.ProviderResult{}, checkout.Errorf(checkout.KindState, "no_confirm", "a deposit is not confirmed by the customer")
}

// Refund refuses, as the real provider does (it holds no key).
func (*depositProvider) Refund(context.Context, *checkout.Payment, int64, string) (checkout.RefundResult, error) {
	return checkout.RefundResult{}, checkout.Errorf(checkout.KindState, "refund_unsupported", "checkoutd cannot send coins back")
}

// chainFixture is a service over a store, with anvil, the test token, a
// reader of the chain and the deposit provider.
type chainFixture struct {
	*fixture
	chain  *anviltest.Chain
	token  evm.Address
	reader *stablecoin.Reader
	prov   *depositProvider
	clock  *setClock
	payer  evm.Address // a dev account holding plenty of the token
}

func newChainFixture(t *testing.T, st checkout.Store, opts ...anviltest.Option) *chainFixture {
	t.Helper()
	chain := anviltest.Start(t, opts...)
	tok := chain.Deploy()
	payer := chain.Accounts[1]
	chain.Mint(tok, payer, 1_000_000_000_000)
	chain.Mine(1)
	if st == nil {
		st = teststore.Open(t, "sqlite")
	}
	f := &chainFixture{chain: chain, token: tok, payer: payer, clock: &setClock{now: time.Now().UTC()},
		prov: &depositProvider{chain: "anvil", token: tok, ttl: time.Hour}}
	f.reader = stablecoin.NewReader(stablecoin.Chain{Name: "anvil", RPCURL: chain.URL, ChainID: anviltest.ChainID,
		Confirmations: chainConfirmations, Tokens: map[string]stablecoin.Token{"USDC": {Contract: tok, Decimals: 6}}}, 0, 0)
	f.fixture = newChainService(t, st, f.clock, f.prov)
	return f
}

// newChainService is a service over st whose test mode pays multibanco
// through prov, with an account.
func newChainService(t *testing.T, st checkout.Store, clock checkout.Clock, prov checkout.Provider) *fixture {
	t.Helper()
	r := service.NewRegistry()
	r.Register("sim", sim.Factory(sim.New(clock)))
	r.Register(service.StablecoinProvider, func(*checkout.Account, bool) (checkout.Provider, error) { return prov, nil })
	r.Route(false, "sim", checkout.MethodCard)
	r.Route(false, service.StablecoinProvider, checkout.MethodMultibanco)
	logs := &bytes.Buffer{}
	cfg := service.Config{Store: st, Clock: clock, PublicURL: "http://checkout.test", Providers: r,
		Log: slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	svc := service.New(cfg)
	ctx := context.Background()
	a, _, err := svc.CreateAccount(ctx, service.AccountParams{ID: "acct_shop", Name: "Shop", DefaultCurrency: "EUR"})
	if err != nil && !checkout.IsKind(err, checkout.KindConflict) {
		t.Fatal(err)
	}
	id := "acct_shop"
	if a != nil {
		id = a.ID
	}
	return &fixture{cfg: cfg, svc: svc, store: st, logs: logs, scope: checkout.Scope{AccountID: id}, ctx: ctx}
}

// lockedWriter lets watchers in goroutines log into one buffer.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// pay opens a session of 99.99 (taking methods, multibanco when none) and
// starts its deposit payment.
func (f *chainFixture) pay(t *testing.T, methods ...string) (*checkout.Session, *checkout.Payment) {
	t.Helper()
	if methods == nil {
		methods = []string{"multibanco"}
	}
	s := f.session(t, methods...)
	sess, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodMultibanco})
	if err != nil || p.Status != checkout.PaymentRequiresAction || p.Deposit == nil {
		t.Fatalf("pay: %v %+v", err, p)
	}
	if sess.Status != checkout.SessionOpen {
		t.Fatalf("a session waiting for its deposit is %s, want open", sess.Status)
	}
	return sess, p
}

// send transfers units of the token from the payer to p's deposit address
// (mined with the next block).
func (f *chainFixture) send(t *testing.T, p *checkout.Payment, units int64) string {
	t.Helper()
	to, err := evm.ParseAddress(p.Deposit.Address)
	if err != nil {
		t.Fatal(err)
	}
	return f.chain.Transfer(f.token, f.payer, to, units)
}

// watcher is a new watcher of the chain over f's service.
func (f *chainFixture) watcher() *service.ChainWatcher {
	return f.svc.NewChainWatcher(false, f.reader, service.ChainWatchConfig{Poll: 20 * time.Millisecond})
}

func tick(t *testing.T, w *service.ChainWatcher) service.TickStats {
	t.Helper()
	st, err := w.Tick(context.Background())
	if err != nil {
		t.Fatalf("tick: %v", err)
	}
	return st
}

// paymentEvents are the types of the events about payment id or its
// session, oldest first.
func (f *fixture) eventTypes(t *testing.T, sessionID, paymentID string) []string {
	t.Helper()
	var out []string
	for _, ev := range f.allEvents(t) {
		if ev.ObjectID == paymentID || ev.ObjectID == sessionID {
			out = append(out, ev.Type)
		}
	}
	return out
}

func (f *fixture) sessionOf(t *testing.T, id string) *checkout.Session {
	t.Helper()
	s, err := f.svc.GetSession(f.ctx, f.scope, id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func confirmations(p *checkout.Payment) []int {
	var out []int
	for _, tr := range p.Deposit.Transfers {
		out = append(out, tr.Confirmations)
	}
	return out
}

// TestChainWatchExact: the exact amount in one transfer is seen in its
// block (1/3), confirms block by block, and completes the session at its
// third confirmation, with one completion and one payment.succeeded; more
// blocks change nothing.
func TestChainWatchExact(t *testing.T) {
	f := newChainFixture(t, nil)
	w := f.watcher()
	tick(t, w) // the cursor starts at the head
	sess, p := f.pay(t)
	tx := f.send(t, p, 99_990_000)
	f.chain.Mine(1)
	st := tick(t, w)
	if st.Matched != 1 || st.Applied != 1 {
		t.Fatalf("tick %+v, want the transfer matched and applied", st)
	}
	got := f.payment(t, p.ID)
	if got.Status != checkout.PaymentRequiresAction || len(got.Deposit.Transfers) != 1 || got.Deposit.Transfers[0].TxHash != tx ||
		got.Deposit.Transfers[0].Confirmations != 1 || got.Deposit.Transfers[0].Amount != "99990000" ||
		got.Deposit.Transfers[0].From != f.payer.String() || got.Action == nil || got.Action.Kind != checkout.NextActionDepositAddress {
		t.Fatalf("after the transfer's block: %+v %+v", got, got.Deposit)
	}
	if s := f.sessionOf(t, sess.ID); s.Status != checkout.SessionOpen {
		t.Fatalf("a confirming deposit's session is %s", s.Status)
	}
	f.chain.Mine(1)
	tick(t, w)
	if got := f.payment(t, p.ID); !slices.Equal(confirmations(got), []int{2}) || got.Status != checkout.PaymentRequiresAction {
		t.Fatalf("after one block more: %s %v", got.Status, confirmations(got))
	}
	f.chain.Mine(1)
	tick(t, w)
	got = f.payment(t, p.ID)
	s := f.sessionOf(t, sess.ID)
	if got.Status != checkout.PaymentSucceeded || s.Status != checkout.SessionComplete || s.PaymentStatus != checkout.PaymentPaid ||
		s.Payment != p.ID || got.Deposit.Late || got.Deposit.Excess != "" {
		t.Fatalf("after the third confirmation: payment %s %+v, session %s/%s", got.Status, got.Deposit, s.Status, s.PaymentStatus)
	}
	f.chain.Mine(2)
	tick(t, w)
	want := []string{checkout.EventSessionCompleted, checkout.EventPaymentSucceeded}
	if ev := f.eventTypes(t, sess.ID, p.ID); !slices.Equal(ev, want) {
		t.Fatalf("events %v, want %v", ev, want)
	}
}

// TestChainWatchUnderThenTopUp: a transfer short of the amount confirms
// and leaves the session open and the payment waiting, with
// payment.underpaid; a second transfer that makes up the rest completes it.
func TestChainWatchUnderThenTopUp(t *testing.T) {
	f := newChainFixture(t, nil)
	w := f.watcher()
	tick(t, w)
	sess, p := f.pay(t)
	f.send(t, p, 60_000_000)
	f.chain.Mine(chainConfirmations)
	tick(t, w)
	got := f.payment(t, p.ID)
	if got.Status != checkout.PaymentRequiresAction || f.sessionOf(t, sess.ID).Status != checkout.SessionOpen {
		t.Fatalf("underpaid: payment %s, session %s", got.Status, f.sessionOf(t, sess.ID).Status)
	}
	f.chain.Mine(1)
	tick(t, w) // nothing new: no second underpaid event
	f.send(t, p, 39_990_000)
	f.chain.Mine(1)
	tick(t, w)
	if got := f.payment(t, p.ID); got.Status != checkout.PaymentRequiresAction || !slices.Equal(confirmations(got), []int{3, 1}) {
		t.Fatalf("topping up: %s %v", got.Status, confirmations(got))
	}
	f.chain.Mine(chainConfirmations - 1)
	tick(t, w)
	got = f.payment(t, p.ID)
	if s := f.sessionOf(t, sess.ID); got.Status != checkout.PaymentSucceeded || s.Status != checkout.SessionComplete || got.Deposit.Excess != "" {
		t.Fatalf("topped up: payment %s %+v, session %s", got.Status, got.Deposit, s.Status)
	}
	want := []string{checkout.EventPaymentUnderpaid, checkout.EventSessionCompleted, checkout.EventPaymentSucceeded}
	if ev := f.eventTypes(t, sess.ID, p.ID); !slices.Equal(ev, want) {
		t.Fatalf("events %v, want %v", ev, want)
	}
}

// TestChainWatchOverpaid: more than is due completes the session, records
// the excess on the deposit and says so with payment.overpaid.
func TestChainWatchOverpaid(t *testing.T) {
	f := newChainFixture(t, nil)
	w := f.watcher()
	tick(t, w)
	sess, p := f.pay(t)
	f.send(t, p, 100_000_000)
	f.chain.Mine(chainConfirmations)
	tick(t, w)
	got := f.payment(t, p.ID)
	if got.Status != checkout.PaymentSucceeded || got.Deposit.Excess != "10000" || f.sessionOf(t, sess.ID).Status != checkout.SessionComplete {
		t.Fatalf("overpaid: %s %+v", got.Status, got.Deposit)
	}
	want := []string{checkout.EventSessionCompleted, checkout.EventPaymentSucceeded, checkout.EventPaymentOverpaid}
	if ev := f.eventTypes(t, sess.ID, p.ID); !slices.Equal(ev, want) {
		t.Fatalf("events %v, want %v", ev, want)
	}
}

// TestChainWatchLate: a transfer to a deposit that lapsed unpaid (its
// session expired too) is still recorded: the payment succeeds late, with
// payment.received_late, the session is not completed, and nothing is
// refunded (checkoutd holds no key to send coins back).
func TestChainWatchLate(t *testing.T) {
	f := newChainFixture(t, nil)
	w := f.watcher()
	tick(t, w)
	sess, p := f.pay(t)
	f.clock.set(f.clock.Now().Add(25 * time.Hour)) // past the action and the session
	f.sweep(t)
	if got := f.payment(t, p.ID); got.Status != checkout.PaymentFailed || got.FailureCode != "deposit_expired" {
		t.Fatalf("lapsed: %s %s", got.Status, got.FailureCode)
	}
	if _, err := f.svc.SweepExpired(f.ctx); err != nil {
		t.Fatal(err)
	}
	f.send(t, p, 99_990_000)
	f.chain.Mine(1)
	tick(t, w)
	if got := f.payment(t, p.ID); got.Status != checkout.PaymentFailed || !slices.Equal(confirmations(got), []int{1}) {
		t.Fatalf("a late transfer confirming: %s %v", got.Status, got.Deposit)
	}
	f.chain.Mine(chainConfirmations - 1)
	tick(t, w)
	got := f.payment(t, p.ID)
	s := f.sessionOf(t, sess.ID)
	if got.Status != checkout.PaymentSucceeded || !got.Deposit.Late || s.Status != checkout.SessionExpired || s.Payment == p.ID || got.AmountRefunded != 0 {
		t.Fatalf("late: payment %s %+v refunded %d, session %s (%s)", got.Status, got.Deposit, got.AmountRefunded, s.Status, s.Payment)
	}
	ev := f.eventTypes(t, sess.ID, p.ID)
	if !slices.Contains(ev, checkout.EventPaymentReceivedLate) || slices.Contains(ev, checkout.EventSessionCompleted) ||
		slices.Contains(ev, checkout.EventRefundCreated) {
		t.Fatalf("events %v: want payment.received_late, no completion, no refund", ev)
	}
}

// TestChainWatchConfirmingPastDeadline: a deposit whose transfer is
// confirming when its deadline passes is not failed by the sweep: it waits
// for its confirmations and completes the session (still open).
func TestChainWatchConfirmingPastDeadline(t *testing.T) {
	f := newChainFixture(t, nil)
	w := f.watcher()
	tick(t, w)
	sess, p := f.pay(t)
	f.send(t, p, 99_990_000)
	f.chain.Mine(1)
	tick(t, w)
	f.clock.set(f.clock.Now().Add(2 * time.Hour)) // past the action's hour, inside the session's day
	f.sweep(t)
	got := f.payment(t, p.ID)
	if got.Status != checkout.PaymentRequiresAction {
		t.Fatalf("a confirming deposit at its deadline: %s %s", got.Status, got.FailureCode)
	}
	if !got.CheckAt.After(f.clock.Now()) {
		t.Fatalf("the deferred deposit is due again at once (%v): every sweep would take it", got.CheckAt)
	}
	f.clock.set(got.CheckAt)
	f.sweep(t) // and again, when it is due: still not failed
	f.chain.Mine(chainConfirmations - 1)
	tick(t, w)
	got = f.payment(t, p.ID)
	if s := f.sessionOf(t, sess.ID); got.Status != checkout.PaymentSucceeded || s.Status != checkout.SessionComplete || got.Deposit.Late {
		t.Fatalf("confirmed past the deadline: payment %s late=%v, session %s", got.Status, got.Deposit.Late, s.Status)
	}
}

// TestChainWatchLapsesUnpaid: without a transfer, the sweep fails the
// deposit at its deadline (deposit_expired) and the session stays open.
func TestChainWatchLapsesUnpaid(t *testing.T) {
	f := newChainFixture(t, nil)
	sess, p := f.pay(t)
	f.clock.set(f.clock.Now().Add(2 * time.Hour))
	f.sweep(t)
	if got := f.payment(t, p.ID); got.Status != checkout.PaymentFailed || got.FailureCode != "deposit_expired" {
		t.Fatalf("unpaid at the deadline: %s %s", got.Status, got.FailureCode)
	}
	if s := f.sessionOf(t, sess.ID); s.Status != checkout.SessionOpen {
		t.Fatalf("session %s", s.Status)
	}
}

// TestChainWatchPaidByAnother: a deposit confirmed after another payment
// completed its session is recorded late, never a second completion.
func TestChainWatchPaidByAnother(t *testing.T) {
	f := newChainFixture(t, nil)
	w := f.watcher()
	tick(t, w)
	sess, p := f.pay(t, "multibanco", "card")
	if _, card, err := f.svc.Pay(f.ctx, sess.ID, service.PayParams{Method: checkout.MethodCard, Card: card("4242424242424242", "123")}); err != nil || card.Status != checkout.PaymentSucceeded {
		t.Fatalf("card: %v", err)
	}
	f.send(t, p, 99_990_000)
	f.chain.Mine(chainConfirmations)
	tick(t, w)
	got := f.payment(t, p.ID)
	if got.Status != checkout.PaymentSucceeded || !got.Deposit.Late || got.AmountRefunded != 0 {
		t.Fatalf("paid after another payment: %s %+v", got.Status, got.Deposit)
	}
	n := 0
	for _, ev := range f.allEvents(t) {
		if ev.Type == checkout.EventSessionCompleted {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d completions", n)
	}
}

// TestChainWatchTwoInOneBlock: two sessions paid in one block both complete
// in one tick.
func TestChainWatchTwoInOneBlock(t *testing.T) {
	f := newChainFixture(t, nil)
	w := f.watcher()
	tick(t, w)
	s1, p1 := f.pay(t)
	s2, p2 := f.pay(t)
	f.send(t, p1, 99_990_000)
	f.send(t, p2, 99_990_000)
	f.chain.Mine(chainConfirmations)
	st := tick(t, w)
	if st.Matched != 2 {
		t.Fatalf("tick %+v", st)
	}
	for _, id := range []string{s1.ID, s2.ID} {
		if s := f.sessionOf(t, id); s.Status != checkout.SessionComplete {
			t.Fatalf("session %s is %s", id, s.Status)
		}
	}
	b1, b2 := f.payment(t, p1.ID).Deposit.Transfers[0], f.payment(t, p2.ID).Deposit.Transfers[0]
	if b1.Block != b2.Block || b1.TxHash == b2.TxHash {
		t.Fatalf("the transfers are in blocks %d and %d", b1.Block, b2.Block)
	}
}

// TestChainWatchReorg: a transfer with two of its three confirmations is
// taken off the chain by a reorganisation: the watcher drops it, the
// payment waits again with no transfer, the session stays open; the
// customer's transfer sent again then completes it, counted once.
func TestChainWatchReorg(t *testing.T) {
	f := newChainFixture(t, nil)
	w := f.watcher()
	tick(t, w)
	sess, p := f.pay(t)
	f.send(t, p, 99_990_000)
	f.chain.Mine(2)
	tick(t, w)
	if got := f.payment(t, p.ID); !slices.Equal(confirmations(got), []int{2}) {
		t.Fatalf("before the reorg: %v", confirmations(got))
	}
	f.chain.Reorg(2)
	st := tick(t, w)
	got := f.payment(t, p.ID)
	if st.Dropped != 1 || got.Status != checkout.PaymentRequiresAction || len(got.Deposit.Transfers) != 0 || got.Action == nil {
		t.Fatalf("after the reorg: tick %+v, payment %s %+v", st, got.Status, got.Deposit)
	}
	if s := f.sessionOf(t, sess.ID); s.Status != checkout.SessionOpen {
		t.Fatalf("session %s", s.Status)
	}
	f.chain.Mine(chainConfirmations)
	tick(t, w)
	if got := f.payment(t, p.ID); len(got.Deposit.Transfers) != 0 || got.Status != checkout.PaymentRequiresAction {
		t.Fatalf("the reorganised transfer came back: %+v", got.Deposit)
	}
	f.send(t, p, 99_990_000)
	f.chain.Mine(chainConfirmations)
	tick(t, w)
	got = f.payment(t, p.ID)
	if got.Status != checkout.PaymentSucceeded || len(got.Deposit.Transfers) != 1 || f.sessionOf(t, sess.ID).Status != checkout.SessionComplete {
		t.Fatalf("paid again: %s %+v", got.Status, got.Deposit)
	}
}

// failingCursorStore, once armed, loses the next write of a chain cursor
// that moves it on its own (the tick's end; its payment writes carry the
// cursor too, as a fence): the tick's results are written, its cursor is
// not, as when the process dies between the two.
type failingCursorStore struct {
	checkout.Store
	mu    sync.Mutex
	armed bool
}

func (s *failingCursorStore) arm() { s.mu.Lock(); s.armed = true; s.mu.Unlock() }

func (s *failingCursorStore) Commit(ctx context.Context, c checkout.Change) error {
	for _, o := range c.Objects {
		if cur, ok := o.(*checkout.ChainCursor); ok && cur.Block > 0 && c.Payment == nil {
			s.mu.Lock()
			fail := s.armed
			s.armed = false
			s.mu.Unlock()
			if fail {
				return context.DeadlineExceeded
			}
		}
	}
	return s.Store.Commit(ctx, c)
}

// TestChainWatchRestart: a watcher that dies after applying a tick's
// results but before storing its cursor, and another that takes over
// after its lease, count every transfer once: the blocks read again are
// known by transaction and log index. Then watchers run as the server
// runs them, stopped and started again mid-stream: no transfer missed,
// none counted twice, each session completed once.
func TestChainWatchRestart(t *testing.T) {
	f := newChainFixture(t, nil)
	crashing := &failingCursorStore{Store: f.store}
	dying := newChainService(t, crashing, f.clock, f.prov)
	w1 := dying.svc.NewChainWatcher(false, f.reader, service.ChainWatchConfig{})
	tick(t, w1)
	s1, p1 := f.pay(t)
	s2, p2 := f.pay(t)
	f.send(t, p1, 99_990_000)
	f.chain.Mine(1)
	crashing.arm()
	if _, err := w1.Tick(f.ctx); err == nil {
		t.Fatal("the tick whose cursor was lost did not fail")
	}
	if got := f.payment(t, p1.ID); len(got.Deposit.Transfers) != 1 {
		t.Fatalf("the dying tick's result: %+v", got.Deposit)
	}
	f.send(t, p2, 99_990_000)
	f.chain.Mine(1)
	// Another replica, after the dead one's lease.
	f.clock.set(f.clock.Now().Add(service.DefaultChainLease + time.Second))
	w2 := f.svc.NewChainWatcher(false, f.reader, service.ChainWatchConfig{})
	st := tick(t, w2)
	if !st.Leased || st.From > f.payment(t, p1.ID).Deposit.Transfers[0].Block {
		t.Fatalf("the new watcher did not read the dead one's blocks again: %+v", st)
	}
	f.chain.Mine(chainConfirmations)
	tick(t, w2)
	for _, p := range []*checkout.Payment{p1, p2} {
		got := f.payment(t, p.ID)
		if got.Status != checkout.PaymentSucceeded || len(got.Deposit.Transfers) != 1 || got.Deposit.Excess != "" {
			t.Fatalf("payment %s: %s %+v", p.ID, got.Status, got.Deposit)
		}
	}

	w2.Release(f.ctx)

	// The server's loop, stopped and started mid-stream.
	run := func(svc *service.Service) (stop func()) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			svc.NewChainWatcher(false, f.reader, service.ChainWatchConfig{Poll: 10 * time.Millisecond}).Run(ctx)
			close(done)
		}()
		return func() { cancel(); <-done }
	}
	var sessions []*checkout.Session
	var payments []*checkout.Payment
	for range 4 {
		s, p := f.pay(t)
		sessions, payments = append(sessions, s), append(payments, p)
	}
	stop := run(f.svc)
	f.send(t, payments[0], 99_990_000)
	f.chain.Mine(1)
	f.send(t, payments[1], 99_990_000)
	f.chain.Mine(chainConfirmations)
	f.waitFor(t, payments[0].ID, checkout.PaymentSucceeded)
	f.waitFor(t, payments[1].ID, checkout.PaymentSucceeded)
	f.send(t, payments[2], 50_000_000)
	f.chain.Mine(1)
	stop() // releases the lease
	f.send(t, payments[2], 49_990_000)
	f.send(t, payments[3], 99_990_000)
	f.chain.Mine(chainConfirmations)
	other := newChainService(t, f.store, f.clock, f.prov)
	stop = run(other.svc)
	defer stop()
	f.waitFor(t, payments[2].ID, checkout.PaymentSucceeded)
	f.waitFor(t, payments[3].ID, checkout.PaymentSucceeded)
	for i, p := range payments {
		got := f.payment(t, p.ID)
		want := 1
		if i == 2 {
			want = 2 // half before the stop, half after
		}
		if n := len(got.Deposit.Transfers); n != want {
			t.Fatalf("payment %d has %d transfers, want %d: %+v", i, n, want, got.Deposit)
		}
		if got.Deposit.Excess != "" {
			t.Fatalf("payment %d counted a transfer twice: excess %s", i, got.Deposit.Excess)
		}
	}
	completions := map[string]int{}
	for _, ev := range f.allEvents(t) {
		if ev.Type == checkout.EventSessionCompleted {
			completions[ev.ObjectID]++
		}
	}
	for _, s := range append([]*checkout.Session{s1, s2}, sessions...) {
		if completions[s.ID] != 1 {
			t.Fatalf("session %s completed %d times", s.ID, completions[s.ID])
		}
	}
}

// waitFor waits (up to a generous bound, on a busy machine) until payment
// id is in state want.
func (f *fixture) waitFor(t *testing.T, id string, want checkout.PaymentState) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		p := f.payment(t, id)
		if p.Status == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("payment %s is still %s, want %s", id, p.Status, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestChainWatchReplicas: two replicas (two services over one store), each
// running its watcher of the same chain: one holds the lease and scans,
// the other never does; every payment completes once, with its events
// once.
func TestChainWatchReplicas(t *testing.T) {
	f := newChainFixture(t, nil)
	replicas := []*fixture{f.fixture, newChainService(t, f.store, f.clock, f.prov)}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	leased := make([]int, len(replicas))
	var mu sync.Mutex
	for i, r := range replicas {
		w := r.svc.NewChainWatcher(false, f.reader, service.ChainWatchConfig{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				st, err := w.Tick(ctx)
				if err != nil && ctx.Err() == nil {
					t.Errorf("replica %d: %v", i, err)
				}
				mu.Lock()
				if st.Leased {
					leased[i]++
				}
				mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	var sessions []*checkout.Session
	var payments []*checkout.Payment
	for i := range 6 {
		s, p := f.pay(t)
		sessions, payments = append(sessions, s), append(payments, p)
		f.send(t, p, 99_990_000)
		if i%2 == 1 {
			f.chain.Mine(1)
		}
	}
	f.chain.Mine(chainConfirmations)
	for _, p := range payments {
		f.waitFor(t, p.ID, checkout.PaymentSucceeded)
	}
	cancel()
	wg.Wait()
	if (leased[0] == 0) == (leased[1] == 0) {
		t.Fatalf("ticks holding the lease per replica: %v, want one replica only", leased)
	}
	count := map[string]int{}
	for _, ev := range f.allEvents(t) {
		count[ev.Type+" "+ev.ObjectID]++
	}
	for i := range payments {
		if count[checkout.EventSessionCompleted+" "+sessions[i].ID] != 1 || count[checkout.EventPaymentSucceeded+" "+payments[i].ID] != 1 {
			t.Fatalf("payment %d: events %v", i, count)
		}
	}
}

// TestChainLease: on every store, of two watchers of one chain one holds
// the lease; the other takes it when it runs out, or at once when the
// holder releases it, and the one that lost it stops scanning; the cursor
// is stored with the lease.
func TestChainLease(t *testing.T) {
	chain := anviltest.Start(t)
	tok := chain.Deploy()
	reader := stablecoin.NewReader(stablecoin.Chain{Name: "anvil", RPCURL: chain.URL, ChainID: anviltest.ChainID,
		Confirmations: chainConfirmations, Tokens: map[string]stablecoin.Token{"USDC": {Contract: tok, Decimals: 6}}}, 0, 0)
	teststore.Each(t, func(t *testing.T, st checkout.Store) {
		clock := &setClock{now: time.Now().UTC()}
		prov := &depositProvider{chain: "anvil", token: tok, ttl: time.Hour}
		a := newChainService(t, st, clock, prov).svc.NewChainWatcher(false, reader, service.ChainWatchConfig{})
		b := newChainService(t, st, clock, prov).svc.NewChainWatcher(false, reader, service.ChainWatchConfig{})
		if !tick(t, a).Leased || tick(t, b).Leased {
			t.Fatal("not exactly the first watcher holds the lease")
		}
		chain.Mine(2)
		head := chain.Head()
		if got := tick(t, a); !got.Leased || got.To != head {
			t.Fatalf("the holder's tick: %+v (head %d)", got, head)
		}
		o, err := st.GetObject(context.Background(), checkout.ChainScope(false), checkout.ChainCursorKind, checkout.ChainCursorID(false, "anvil"))
		if err != nil {
			t.Fatal(err)
		}
		if cur := o.(*checkout.ChainCursor); cur.Block != head || cur.BlockHash == "" {
			t.Fatalf("cursor %+v, want block %d", cur, head)
		}
		clock.set(clock.Now().Add(service.DefaultChainLease / 2))
		if tick(t, b).Leased {
			t.Fatal("the lease was taken before it ran out")
		}
		clock.set(clock.Now().Add(service.DefaultChainLease))
		if !tick(t, b).Leased {
			t.Fatal("the lease was not taken after it ran out")
		}
		if tick(t, a).Leased {
			t.Fatal("the watcher that lost the lease still scans")
		}
		b.Release(context.Background())
		if !tick(t, a).Leased || tick(t, b).Leased {
			t.Fatal("a released lease was not taken at once")
		}
	})
}

// TestChainWatchTransferBeforePayment: a transfer in a block made before
// the payment existed is not the payment's, though it went to the same
// address (it was not yet given to anyone); one after it is.
func TestChainWatchTransferBeforePayment(t *testing.T) {
	f := newChainFixture(t, nil)
	var addr evm.Address
	addr[19] = 0x42
	f.prov.addr = &addr
	f.chain.Transfer(f.token, f.payer, addr, 99_990_000)
	f.chain.Mine(1)
	f.clock.set(f.clock.Now().Add(time.Hour)) // the payment is made an hour after that block
	_, p := f.pay(t)
	w := f.watcher()
	if st := tick(t, w); st.From > st.Head || st.Logs == 0 || st.Matched != 0 {
		t.Fatalf("tick %+v: want the earlier block read and its transfer not matched", st)
	}
	f.send(t, p, 99_990_000)
	f.chain.Mine(chainConfirmations)
	// The block's time is the node's, an hour before the service's clock
	// here: the new transfer is still before the payment, so it is not
	// taken either.
	if st := tick(t, w); st.Matched != 0 {
		t.Fatalf("tick %+v", st)
	}
	f.clock.set(time.Now().UTC())
	f.prov.addr = nil // an address of its own
	_, p2 := f.pay(t)
	f.send(t, p2, 99_990_000)
	f.chain.Mine(chainConfirmations)
	if st := tick(t, w); st.Matched != 1 || f.payment(t, p2.ID).Status != checkout.PaymentSucceeded {
		t.Fatalf("tick %+v", st)
	}
}

// TestChainWatchReorgMoves: a reorganisation that puts the customer's
// transfer in another block (as real ones mostly do) moves it there: it is
// counted once, its confirmations start again from its new block.
func TestChainWatchReorgMoves(t *testing.T) {
	f := newChainFixture(t, nil)
	w := f.watcher()
	tick(t, w)
	sess, p := f.pay(t)
	f.send(t, p, 99_990_000)
	f.chain.Mine(2)
	tick(t, w)
	before := f.payment(t, p.ID).Deposit.Transfers[0]
	to, _ := evm.ParseAddress(p.Deposit.Address)
	f.chain.ReorgTransfer(2, f.token, f.payer, to, 99_990_000, 1) // now in the head block
	tick(t, w)
	got := f.payment(t, p.ID)
	if len(got.Deposit.Transfers) != 1 || got.Status != checkout.PaymentRequiresAction {
		t.Fatalf("after the reorg: %s %+v", got.Status, got.Deposit)
	}
	moved := got.Deposit.Transfers[0]
	if moved.Block != before.Block+1 || moved.BlockHash == before.BlockHash || moved.Confirmations != 1 {
		t.Fatalf("the transfer was in %d (%s), now %+v", before.Block, before.BlockHash, moved)
	}
	f.chain.Mine(chainConfirmations - 1)
	tick(t, w)
	got = f.payment(t, p.ID)
	if got.Status != checkout.PaymentSucceeded || len(got.Deposit.Transfers) != 1 || got.Deposit.Excess != "" || f.sessionOf(t, sess.ID).Status != checkout.SessionComplete {
		t.Fatalf("confirmed in its new block: %s %+v", got.Status, got.Deposit)
	}
}

// TestChainWatchCatchesUp: a watcher far behind the head (after a long
// stop) scans a bounded number of ranges per tick, stores its progress
// each time, and says it is behind until it reaches the head; the transfer
// at the end is found.
func TestChainWatchCatchesUp(t *testing.T) {
	f := newChainFixture(t, nil)
	narrow := stablecoin.NewReader(stablecoin.Chain{Name: "anvil", RPCURL: f.chain.URL, ChainID: anviltest.ChainID,
		Confirmations: chainConfirmations, Tokens: map[string]stablecoin.Token{"USDC": {Contract: f.token, Decimals: 6}}}, 0, 2)
	w := f.svc.NewChainWatcher(false, narrow, service.ChainWatchConfig{})
	tick(t, w)
	_, p := f.pay(t)
	f.chain.Mine(100)
	f.send(t, p, 99_990_000)
	f.chain.Mine(chainConfirmations)
	ticks := 0
	for {
		st := tick(t, w)
		ticks++
		if st.To-st.From+1 > 2*20 {
			t.Fatalf("one tick scanned %d..%d", st.From, st.To)
		}
		if !st.Behind {
			break
		}
		if ticks > 10 {
			t.Fatal("never caught up")
		}
	}
	if ticks < 3 || f.payment(t, p.ID).Status != checkout.PaymentSucceeded {
		t.Fatalf("%d ticks; payment %s", ticks, f.payment(t, p.ID).Status)
	}
}

// TestChainWatchShorterChain: a reorganisation to a chain shorter than the
// block the watcher stopped at (anvil reverted to a snapshot) is read
// again up to the new head: the transfer that was in the lost blocks and
// is sent again in the new ones is found there, counted once.
func TestChainWatchShorterChain(t *testing.T) {
	f := newChainFixture(t, nil)
	w := f.watcher()
	tick(t, w)
	_, p := f.pay(t)
	var snap string
	f.chain.Call(&snap, "evm_snapshot")
	f.send(t, p, 99_990_000)
	f.chain.Mine(2)
	tick(t, w)
	old := f.payment(t, p.ID).Deposit.Transfers
	if len(old) != 1 {
		t.Fatalf("before: %+v", old)
	}
	var ok bool
	f.chain.Call(&ok, "evm_revert", snap)
	f.chain.Call(nil, "evm_setAutomine", false)
	f.send(t, p, 99_990_000)
	f.chain.Mine(1)
	if f.chain.Head() >= old[0].Block+1 {
		t.Fatalf("the chain is not shorter: head %d", f.chain.Head())
	}
	st := tick(t, w)
	got := f.payment(t, p.ID)
	if len(got.Deposit.Transfers) != 1 || got.Deposit.Transfers[0].BlockHash == old[0].BlockHash || st.To != f.chain.Head() {
		t.Fatalf("after the revert: tick %+v, transfers %+v", st, got.Deposit.Transfers)
	}
	f.chain.Mine(chainConfirmations - 1)
	tick(t, w)
	if got := f.payment(t, p.ID); got.Status != checkout.PaymentSucceeded || got.Deposit.Excess != "" {
		t.Fatalf("%s %+v", got.Status, got.Deposit)
	}
}
