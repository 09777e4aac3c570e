package service_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/seal"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/service"
)

// polled is a test gateway that can be asked about its payments
// (checkout.Poller) and never notifies: card payments start processing,
// multibanco ones get a voucher payable for an hour. Poll answers what the
// test set for the payment (undecided by default), counts the questions
// and fails the test if two are asked about one payment at once.
type polled struct {
	t     *testing.T
	name  string
	clock checkout.Clock

	mu       sync.Mutex
	answers  map[string]checkout.ProviderResult // by payment id
	errs     map[string]error
	polls    map[string]int
	inFlight map[string]int
	overlaps int
}

var _ checkout.Poller = (*polled)(nil)

func newPolled(t *testing.T, name string, clock checkout.Clock) *polled {
	return &polled{t: t, name: name, clock: clock, answers: map[string]checkout.ProviderResult{},
		errs: map[string]error{}, polls: map[string]int{}, inFlight: map[string]int{}}
}

func (g *polled) Name() string { return g.name }
func (g *polled) Methods() []checkout.Method {
	return []checkout.Method{checkout.MethodCard, checkout.MethodMultibanco}
}

func (g *polled) Page(m checkout.Method) checkout.PageSpec {
	if m == checkout.MethodCard {
		return checkout.PageSpec{Fields: []checkout.PageField{checkout.FieldToken}}
	}
	return checkout.PageSpec{}
}

func (g *polled) Start(ctx context.Context, req checkout.StartRequest) (checkout.ProviderResult, error) {
	ref := "pl_" + req.Payment.ID
	if req.Token == "tok_3ds" {
		return checkout.ProviderResult{Status: checkout.PaymentRequiresAction, ProviderRef: ref,
			Action: &checkout.NextAction{Kind: checkout.NextActionClientSecret, ClientSecret: &checkout.ClientSecret{Secret: ref + "_secret"}}}, nil
	}
	if req.Payment.Method == checkout.MethodCard {
		return checkout.ProviderResult{Status: checkout.PaymentProcessing, ProviderRef: ref}, nil
	}
	return checkout.ProviderResult{Status: checkout.PaymentRequiresAction, Async: true, ProviderRef: ref,
		Action: &checkout.NextAction{Kind: checkout.NextActionVoucher, ExpiresAt: g.clock.Now().Add(time.Hour),
			Voucher: &checkout.Voucher{Entity: "21098", Reference: "123456789"}}}, nil
}

// Confirm answers what the test told the gateway (a 3-D Secure step the
// customer finished there), like a retrieval of the payment.
func (g *polled) Confirm(ctx context.Context, p *checkout.Payment, req checkout.ConfirmRequest) (checkout.ProviderResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if res, ok := g.answers[p.ID]; ok {
		return res, nil
	}
	return checkout.ProviderResult{}, errors.New("nothing to confirm")
}

func (g *polled) Refund(ctx context.Context, p *checkout.Payment, amount int64, key string) (checkout.RefundResult, error) {
	return checkout.RefundResult{}, errors.New("no refunds")
}

func (g *polled) Poll(ctx context.Context, p *checkout.Payment) (checkout.ProviderResult, error) {
	g.mu.Lock()
	g.polls[p.ID]++
	g.inFlight[p.ID]++
	if g.inFlight[p.ID] > 1 {
		g.overlaps++
		g.t.Errorf("payment %s polled twice at once", p.ID)
	}
	g.mu.Unlock()
	// Let another replica run while this question is open.
	runtime.Gosched()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inFlight[p.ID]--
	if err := g.errs[p.ID]; err != nil {
		return checkout.ProviderResult{}, err
	}
	if res, ok := g.answers[p.ID]; ok {
		return res, nil
	}
	return checkout.ProviderResult{Status: p.Status}, nil
}

func (g *polled) answer(id string, res checkout.ProviderResult) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.answers[id] = res
}

func (g *polled) fail(id string, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.errs[id] = err
}

func (g *polled) pollsOf(id string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.polls[id]
}

// pollRegistry serves test mode with the simulator, and with g for the
// methods given.
func pollRegistry(g *polled, clock checkout.Clock, methods ...checkout.Method) *service.Registry {
	r := simRegistry(sim.New(clock))
	r.Register(g.name, func(*checkout.Account, bool) (checkout.Provider, error) { return g, nil })
	r.Route(false, g.name, methods...)
	return r
}

// reconcileFixture is a service with a settable clock and g serving both
// methods.
func reconcileFixture(t *testing.T, change func(*service.Config)) (*fixture, *setClock, *polled) {
	t.Helper()
	f := newFixture(t)
	clock := &setClock{now: time.Now().UTC().Truncate(time.Second)}
	g := newPolled(t, "gw", clock)
	f.configure(func(c *service.Config) {
		c.Clock = clock
		c.Providers = pollRegistry(g, clock, checkout.MethodCard, checkout.MethodMultibanco)
		if change != nil {
			change(c)
		}
	})
	return f, clock, g
}

func (c *setClock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func (f *fixture) payment(t *testing.T, id string) *checkout.Payment {
	t.Helper()
	p, err := f.svc.GetPayment(f.ctx, f.scope, id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) sweep(t *testing.T) int {
	t.Helper()
	n, err := f.svc.SweepDuePayments(f.ctx)
	if err != nil {
		t.Fatalf("SweepDuePayments: %v", err)
	}
	return n
}

// TestReconcileSettlesLostNotification: a card payment left processing,
// whose notification never comes, is asked about ReconcileAfter later, not
// before, and the provider's answer completes the session.
func TestReconcileSettlesLostNotification(t *testing.T) {
	f, clock, g := reconcileFixture(t, nil)
	s := f.session(t)
	_, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodCard, Token: "tok_1"})
	if err != nil || p.Status != checkout.PaymentProcessing {
		t.Fatalf("pay: %+v, %v", p, err)
	}
	start := clock.Now()
	if want := start.Add(service.DefaultReconcileAfter); !p.CheckAt.Equal(want) {
		t.Fatalf("CheckAt = %v, want %v", p.CheckAt, want)
	}
	clock.Add(service.DefaultReconcileAfter - time.Second)
	if n := f.sweep(t); n != 0 || g.pollsOf(p.ID) != 0 {
		t.Fatalf("before its check: %d settled, %d polls", n, g.pollsOf(p.ID))
	}
	clock.Add(time.Second)
	g.answer(p.ID, checkout.ProviderResult{Status: checkout.PaymentSucceeded, CardBrand: "visa", CardLast4: "4242"})
	if n := f.sweep(t); n != 1 || g.pollsOf(p.ID) != 1 {
		t.Fatalf("at its check: %d settled, %d polls", n, g.pollsOf(p.ID))
	}
	p = f.payment(t, p.ID)
	if p.Status != checkout.PaymentSucceeded || p.CardLast4 != "4242" || !p.CheckAt.IsZero() {
		t.Fatalf("payment %+v", p)
	}
	sess, err := f.svc.GetSession(f.ctx, f.scope, s.ID)
	if err != nil || sess.Status != checkout.SessionComplete || sess.PaymentStatus != checkout.PaymentPaid {
		t.Fatalf("session %+v, %v", sess, err)
	}
	if ev := f.events(t); !slices.Contains(ev, checkout.EventPaymentSucceeded) || !slices.Contains(ev, checkout.EventSessionCompleted) {
		t.Fatalf("events %v", ev)
	}
	clock.Add(24 * time.Hour)
	if n := f.sweep(t); n != 0 || g.pollsOf(p.ID) != 1 {
		t.Fatalf("after it succeeded: %d settled, %d polls", n, g.pollsOf(p.ID))
	}
}

// TestReconcileBacksOff: while the provider says it has not decided, each
// check is recorded and the next one waits twice as long, up to six hours,
// until the payment is older than any session; a voucher's checks never
// pass its deadline.
func TestReconcileBacksOff(t *testing.T) {
	f, clock, g := reconcileFixture(t, nil)
	s := f.session(t)
	_, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodCard, Token: "tok_1"})
	if err != nil {
		t.Fatal(err)
	}
	start := clock.Now()
	for i, want := range []time.Duration{20 * time.Minute, 40 * time.Minute, 80 * time.Minute} {
		clock.set(start.Add(want / 2))
		if n := f.sweep(t); n != 0 {
			t.Fatalf("check %d settled %d", i, n)
		}
		got := f.payment(t, p.ID)
		if got.Status != checkout.PaymentProcessing || !got.CheckAt.Equal(start.Add(want)) || g.pollsOf(p.ID) != i+1 {
			t.Fatalf("after check %d: %s, next check at +%v, %d polls; want +%v", i, got.Status, got.CheckAt.Sub(start), g.pollsOf(p.ID), want)
		}
	}
	clock.set(start.Add(10 * time.Hour))
	f.sweep(t)
	if got := f.payment(t, p.ID); !got.CheckAt.Equal(clock.Now().Add(6 * time.Hour)) {
		t.Fatalf("a late check: next at %v, want six hours later", got.CheckAt.Sub(clock.Now()))
	}
	// Past the longest a session lives and a day more, it is given up.
	clock.set(start.Add(checkout.MaxSessionTTL + 24*time.Hour))
	f.sweep(t)
	if got := f.payment(t, p.ID); got.Status != checkout.PaymentProcessing || !got.CheckAt.IsZero() || !got.Due().IsZero() || g.pollsOf(p.ID) != 5 {
		t.Fatalf("a month on: %s, next check %v, %d polls", got.Status, got.CheckAt, g.pollsOf(p.ID))
	}

	// A voucher payable for an hour: checks at +10m, +20m, +40m, then
	// its deadline rather than +80m.
	s = f.session(t, "multibanco")
	_, v, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodMultibanco})
	if err != nil || v.Status != checkout.PaymentRequiresAction {
		t.Fatalf("pay: %+v, %v", v, err)
	}
	start = clock.Now()
	for _, at := range []time.Duration{10 * time.Minute, 20 * time.Minute, 40 * time.Minute} {
		clock.set(start.Add(at))
		f.sweep(t)
	}
	got := f.payment(t, v.ID)
	if got.Status != checkout.PaymentRequiresAction || got.Action == nil || got.Action.Voucher == nil ||
		!got.CheckAt.Equal(got.Action.ExpiresAt) || g.pollsOf(v.ID) != 3 {
		t.Fatalf("voucher after three checks: %+v (action %+v), %d polls", got, got.Action, g.pollsOf(v.ID))
	}
}

// TestReconcileVoucherPaidAtDeadline: a voucher reaching its deadline is
// asked about first: paid at the last minute (its callback lost), it ends
// paid, not failed; unpaid, it fails as expired; a provider that cannot
// answer keeps it for a lease, then is asked again.
func TestReconcileVoucherPaidAtDeadline(t *testing.T) {
	// Checks later than the deadline: the deadline is the first time it is swept.
	f, clock, g := reconcileFixture(t, func(c *service.Config) { c.ReconcileAfter = 2 * time.Hour })
	pay := func() (*checkout.Session, *checkout.Payment) {
		s := f.session(t, "multibanco")
		_, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodMultibanco})
		if err != nil || !p.CheckAt.Equal(p.Action.ExpiresAt) {
			t.Fatalf("pay: %+v, %v", p, err)
		}
		return s, p
	}
	paidSess, paid := pay()
	unpaidSess, unpaid := pay()
	_, flaky := pay()
	g.answer(paid.ID, checkout.ProviderResult{Status: checkout.PaymentSucceeded})
	g.fail(flaky.ID, errors.New("gateway timeout"))

	clock.Add(time.Hour)
	if n := f.sweep(t); n != 2 {
		t.Fatalf("at the deadline: %d settled, want 2", n)
	}
	if p := f.payment(t, paid.ID); p.Status != checkout.PaymentSucceeded {
		t.Fatalf("the voucher paid at the last minute: %+v", p)
	}
	if sess, _ := f.svc.GetSession(f.ctx, f.scope, paidSess.ID); sess.PaymentStatus != checkout.PaymentPaid {
		t.Fatalf("its session: %s/%s", sess.Status, sess.PaymentStatus)
	}
	if p := f.payment(t, unpaid.ID); p.Status != checkout.PaymentFailed || p.FailureCode != "voucher_expired" {
		t.Fatalf("the unpaid voucher: %+v", p)
	}
	if sess, _ := f.svc.GetSession(f.ctx, f.scope, unpaidSess.ID); sess.PaymentStatus != checkout.PaymentUnpaid {
		t.Fatalf("its session: %s/%s", sess.Status, sess.PaymentStatus)
	}
	// Its provider failed: asked again later with the reconciler's
	// backoff, not failed unasked, and not at every lease's end.
	p := f.payment(t, flaky.ID)
	wait := p.CheckAt.Sub(clock.Now())
	if p.Status != checkout.PaymentRequiresAction || wait < service.DefaultReconcileAfter {
		t.Fatalf("the voucher whose provider failed: %s, next check in %v", p.Status, wait)
	}
	if !strings.Contains(f.logs.String(), `"level":"WARN"`) || !strings.Contains(f.logs.String(), "gateway timeout") {
		t.Fatalf("no warning logged: %s", f.logs)
	}
	clock.Add(wait - time.Second)
	if f.sweep(t); g.pollsOf(flaky.ID) != 1 {
		t.Fatalf("asked again before its next check: %d polls", g.pollsOf(flaky.ID))
	}
	clock.Add(time.Second)
	g.fail(flaky.ID, nil)
	g.answer(flaky.ID, checkout.ProviderResult{Status: checkout.PaymentSucceeded})
	if n := f.sweep(t); n != 1 || f.payment(t, flaky.ID).Status != checkout.PaymentSucceeded {
		t.Fatalf("at its next check: %d settled, %+v", n, f.payment(t, flaky.ID))
	}
}

// TestReconcileUnreachablePastDeadline: a voucher past its deadline whose
// provider keeps failing is asked with backoff, then, a day past its
// deadline, failed as unpaid rather than asked about for ever.
func TestReconcileUnreachablePastDeadline(t *testing.T) {
	f, clock, g := reconcileFixture(t, nil)
	s := f.session(t, "multibanco")
	_, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodMultibanco})
	if err != nil || p.Status != checkout.PaymentRequiresAction {
		t.Fatalf("pay: %+v, %v", p, err)
	}
	g.fail(p.ID, errors.New("gateway down"))
	deadline := p.Action.ExpiresAt
	polls := 0
	for clock.Now().Before(deadline.Add(72 * time.Hour)) {
		clock.Add(10 * time.Minute)
		f.sweep(t)
		if got := f.payment(t, p.ID); got.Status.Final() {
			break
		}
	}
	polls = g.pollsOf(p.ID)
	got := f.payment(t, p.ID)
	if got.Status != checkout.PaymentFailed || got.FailureCode != "voucher_expired" {
		t.Fatalf("a day past the deadline: %+v", got)
	}
	// Every ten minutes for a day and more would be over 150 polls; the backoff asks
	// far fewer times.
	if polls > 20 {
		t.Fatalf("asked %d times", polls)
	}
}

// TestReconcileWithoutPoller: a provider that cannot be asked (the
// simulator) has its payment's check dropped, not asked about again; its
// voucher still fails at its deadline.
func TestReconcileWithoutPoller(t *testing.T) {
	f := newFixture(t)
	clock := &setClock{now: time.Now().UTC().Truncate(time.Second)}
	f.configure(func(c *service.Config) { c.Clock = clock; c.Providers = simRegistry(sim.New(clock)) })
	s := f.session(t, "multibanco")
	_, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodMultibanco})
	if err != nil || !p.CheckAt.Equal(clock.Now().Add(service.DefaultReconcileAfter)) {
		t.Fatalf("pay: %+v, %v", p, err)
	}
	clock.Add(service.DefaultReconcileAfter)
	if n := f.sweep(t); n != 0 {
		t.Fatalf("settled %d", n)
	}
	got := f.payment(t, p.ID)
	if got.Status != checkout.PaymentRequiresAction || !got.CheckAt.IsZero() || !got.Due().Equal(got.Action.ExpiresAt) {
		t.Fatalf("after its check: %+v", got)
	}
	clock.set(got.Action.ExpiresAt)
	if n := f.sweep(t); n != 1 || f.payment(t, p.ID).FailureCode != "voucher_expired" {
		t.Fatalf("at its deadline: %d settled, %+v", n, f.payment(t, p.ID))
	}
}

// TestReconcileLogsNoCredentials: a provider's failure is logged at WARN
// without the tenant's credentials, whether the gateway echoed its key or
// the URL it called held it.
func TestReconcileLogsNoCredentials(t *testing.T) {
	const apiKey = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	f := newFixture(t)
	clock := &setClock{now: time.Now().UTC().Truncate(time.Second)}
	g := newPolled(t, "easypay", clock)
	sealer, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	f.configure(func(c *service.Config) {
		c.Clock, c.Sealer = clock, sealer
		c.Providers = simRegistry(sim.New(clock))
		c.Providers.RegisterCredentialed("easypay", func(_ *checkout.Account, _ bool, creds checkout.Credentials) (checkout.Provider, error) {
			if creds["api_key"] != apiKey {
				return nil, checkout.Errorf(checkout.KindState, "provider_unavailable", "no easypay credentials")
			}
			return g, nil
		})
	})
	if _, err := f.svc.SetProvider(f.ctx, f.scope, "easypay", service.ProviderParams{Credentials: map[string]string{
		"account_id": "11111111-2222-3333-4444-555555555555", "api_key": apiKey}}); err != nil {
		t.Fatal(err)
	}
	s, err := f.sessionWith(t, f.scope, "easypay", "multibanco")
	if err != nil {
		t.Fatal(err)
	}
	_, echoed, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodMultibanco})
	if err != nil || echoed.Provider != "easypay" {
		t.Fatalf("pay: %+v, %v", echoed, err)
	}
	s, _ = f.sessionWith(t, f.scope, "easypay", "multibanco")
	_, inURL, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodMultibanco})
	if err != nil {
		t.Fatal(err)
	}
	g.fail(echoed.ID, fmt.Errorf("easypay: 401: ApiKey %s is not valid", apiKey))
	g.fail(inURL.ID, fmt.Errorf("easypay: %w", &url.Error{Op: "Get", URL: "https://api.example/single/x?key=" + url.QueryEscape(apiKey), Err: errors.New("connection refused")}))

	clock.Add(service.DefaultReconcileAfter)
	f.sweep(t)
	logs := f.logs.String()
	if g.pollsOf(echoed.ID) != 1 || g.pollsOf(inURL.ID) != 1 || strings.Count(logs, `"level":"WARN"`) != 2 {
		t.Fatalf("polls %d, %d; logs:\n%s", g.pollsOf(echoed.ID), g.pollsOf(inURL.ID), logs)
	}
	if strings.Contains(logs, apiKey) || strings.Contains(logs, url.QueryEscape(apiKey)) {
		t.Fatalf("the logs hold the API key:\n%s", logs)
	}
	if !strings.Contains(logs, "is not valid") || !strings.Contains(logs, "connection refused") {
		t.Fatalf("the logs lost what went wrong:\n%s", logs)
	}

	// The tenant removes its credentials: nobody can be asked any more, so
	// at their next check the checks are dropped, the vouchers left to
	// their deadline.
	if err := f.svc.RemoveProvider(f.ctx, f.scope, "easypay"); err != nil {
		t.Fatal(err)
	}
	clock.set(f.payment(t, echoed.ID).CheckAt)
	f.sweep(t)
	for _, p := range []*checkout.Payment{echoed, inURL} {
		if got := f.payment(t, p.ID); got.Status != checkout.PaymentRequiresAction || !got.CheckAt.IsZero() || g.pollsOf(p.ID) != 1 {
			t.Fatalf("without credentials: %+v, %d polls", got, g.pollsOf(p.ID))
		}
	}
}

// TestReconcileLateSuccessAfterExpiry: a session that expires while its
// payment is processing does not stop the reconciler: the provider's late
// success is recorded through ApplyProviderResult like any result (which
// decides what a success on an expired session becomes), and the payment
// is never asked about again.
func TestReconcileLateSuccessAfterExpiry(t *testing.T) {
	f, clock, g := reconcileFixture(t, nil)
	s := f.session(t)
	_, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodCard, Token: "tok_1"})
	if err != nil || p.Status != checkout.PaymentProcessing {
		t.Fatalf("pay: %+v, %v", p, err)
	}
	if _, err := f.svc.ExpireSession(f.ctx, f.scope, s.ID); err != nil {
		t.Fatal(err)
	}
	g.answer(p.ID, checkout.ProviderResult{Status: checkout.PaymentSucceeded})
	clock.Add(service.DefaultReconcileAfter)
	f.sweep(t)
	// Final, it stays due only for its automatic refund, which this
	// gateway cannot make (it answers an error): the refund is asked for
	// again, later each time, and the payment itself never.
	got := f.payment(t, p.ID)
	if g.pollsOf(p.ID) != 1 || !got.Status.Final() || !got.Due().Equal(clock.Now().Add(service.DefaultReconcileAfter)) {
		t.Fatalf("after the late success: %d polls, %+v", g.pollsOf(p.ID), got)
	}
	clock.Add(24 * time.Hour)
	if f.sweep(t); g.pollsOf(p.ID) != 1 {
		t.Fatalf("asked again: %d polls", g.pollsOf(p.ID))
	}
	if got := f.payment(t, p.ID); !got.Due().After(clock.Now()) {
		t.Fatalf("due at %v after the refund was asked for again at %v", got.Due(), clock.Now())
	}
}

// TestConfirmAfterExpiryAsksTheGateway: a customer comes back from the
// gateway's 3-D Secure step after the session expired. The gateway took the
// money meanwhile: the payment is recorded succeeded and refunded in full,
// the session stays expired. Had the gateway not charged, the payment is
// canceled.
func TestConfirmAfterExpiryAsksTheGateway(t *testing.T) {
	f, _, g := reconcileFixture(t, nil)
	for _, charged := range []bool{true, false} {
		s := f.session(t)
		_, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodCard, Token: "tok_3ds"})
		if err != nil || p.Status != checkout.PaymentRequiresAction {
			t.Fatalf("pay: %+v, %v", p, err)
		}
		if _, err := f.svc.ExpireSession(f.ctx, f.scope, s.ID); err != nil {
			t.Fatal(err)
		}
		if charged {
			g.answer(p.ID, checkout.ProviderResult{Status: checkout.PaymentSucceeded})
		}
		sess, got, err := f.svc.ConfirmPayment(f.ctx, s.ID, p.ID, checkout.ConfirmRequest{Completed: true})
		if err != nil {
			t.Fatalf("confirm: %v", err)
		}
		if sess.Status != checkout.SessionExpired {
			t.Fatalf("session %s", sess.Status)
		}
		if !charged {
			if got.Status != checkout.PaymentCanceled {
				t.Fatalf("uncharged payment: %+v", got)
			}
			continue
		}
		if got.Status != checkout.PaymentSucceeded {
			t.Fatalf("charged payment: %+v", got)
		}
		page, err := f.svc.ListRefunds(f.ctx, f.scope, service.RefundFilter{Payment: p.ID, ListParams: checkout.ListParams{Limit: 10}})
		if err != nil || len(page.Items) != 1 || !page.Items[0].Automatic || page.Items[0].Amount != p.Amount {
			t.Fatalf("refunds: %+v, %v", page.Items, err)
		}
	}
}
