package service_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/service"
)

// gateway is a second test-mode provider, shaped like a real gateway: its
// card form is tokenised by its own script (it never sees a card number),
// card payments meet a challenge, multibanco payments get a deposit
// address (due at once), and it is told outcomes by notifications whose
// body is "<ref> paid" or "<ref> failed". It counts the calls it gets.
type gateway struct {
	mu                        sync.Mutex
	starts, confirms, refunds int
	tokens                    []string
	cardsSeen                 int
}

var _ checkout.Notified = (*gateway)(nil)

func (*gateway) Name() string { return "gw" }
func (*gateway) Methods() []checkout.Method {
	return []checkout.Method{checkout.MethodCard, checkout.MethodMultibanco}
}

func (*gateway) Page(m checkout.Method) checkout.PageSpec {
	if m == checkout.MethodCard {
		return checkout.PageSpec{Fields: []checkout.PageField{checkout.FieldToken}, Scripts: []string{"https://js.gw.example/v1.js"},
			ScriptSrc: []string{"https://js.gw.example"}, FrameSrc: []string{"https://frames.gw.example"}, ConnectSrc: []string{"https://api.gw.example"}}
	}
	return checkout.PageSpec{}
}

func (g *gateway) Start(ctx context.Context, req checkout.StartRequest) (checkout.ProviderResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.starts++
	if req.Card != nil {
		g.cardsSeen++
	}
	ref := "gw_" + req.Payment.ID
	if req.Payment.Method == checkout.MethodCard {
		g.tokens = append(g.tokens, req.Token)
		return checkout.ProviderResult{Status: checkout.PaymentRequiresAction, ProviderRef: ref,
			Action: &checkout.NextAction{Kind: checkout.NextActionRedirect, Redirect: &checkout.Redirect{ThreeDSecure: true}}}, nil
	}
	return checkout.ProviderResult{Status: checkout.PaymentRequiresAction, Async: true, ProviderRef: ref,
		Action:  &checkout.NextAction{Kind: checkout.NextActionDepositAddress, ExpiresAt: req.Payment.Created},
		Deposit: &checkout.Deposit{Chain: "test", Token: "EUR", Address: "addr_" + req.Payment.ID, Amount: "1"}}, nil
}

func (g *gateway) Confirm(ctx context.Context, p *checkout.Payment, req checkout.ConfirmRequest) (checkout.ProviderResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.confirms++
	return checkout.ProviderResult{Status: checkout.PaymentSucceeded, CardBrand: "visa", CardLast4: "4242"}, nil
}

func (g *gateway) Refund(ctx context.Context, p *checkout.Payment, amount int64, key string) (checkout.RefundResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.refunds++
	return checkout.RefundResult{Status: checkout.RefundPending, Amount: amount, ProviderRef: "gwre_" + key}, nil
}

func (g *gateway) HandleNotification(ctx context.Context, in checkout.Inbound) ([]checkout.Notification, error) {
	header, body := in.Header, in.Body
	if len(header["X-Gw-Signature"]) != 1 || header["X-Gw-Signature"][0] != "good" {
		return nil, checkout.Errorf(checkout.KindUnauthorized, "bad_signature", "not signed by the gateway")
	}
	ref, outcome, _ := strings.Cut(string(body), " ")
	res := checkout.ProviderResult{Status: checkout.PaymentSucceeded}
	if outcome != "paid" {
		res = checkout.ProviderResult{Status: checkout.PaymentFailed, FailureCode: "deposit_failed", FailureMessage: "The deposit failed."}
	}
	return []checkout.Notification{{ProviderRef: ref, PaymentID: strings.TrimPrefix(ref, "gw_"), Result: res}}, nil
}

func (g *gateway) counts() (starts, confirms, refunds int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.starts, g.confirms, g.refunds
}

// twoProviders serves test mode with the simulator and gw, routing method
// to gw and every other to the simulator.
func twoProviders(f *fixture, gw *gateway, method checkout.Method) *service.Registry {
	r := service.NewRegistry()
	r.Register("sim", sim.Factory(sim.New(checkout.SystemClock{})))
	r.Register("gw", func(*checkout.Account, bool) (checkout.Provider, error) { return gw, nil })
	r.Route(false, "sim", checkout.MethodCard, checkout.MethodMultibanco)
	r.Route(false, "gw", method)
	return r
}

// TestPaymentStaysWithItsProvider: with two providers serving multibanco,
// a payment started on one is settled, notified and refunded through that
// one, even after the method's route moves to the other.
func TestPaymentStaysWithItsProvider(t *testing.T) {
	f := newFixture(t)
	gw := &gateway{}
	reg := twoProviders(f, gw, checkout.MethodMultibanco)
	f.configure(func(c *service.Config) { c.Providers = reg })
	s := f.session(t, "multibanco")
	sess, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodMultibanco})
	if err != nil || p.Provider != "gw" || p.Status != checkout.PaymentRequiresAction || p.Action.Kind != checkout.NextActionDepositAddress {
		t.Fatalf("pay: %v %+v", err, p)
	}
	// The session waits because the result is asynchronous, whatever the kind of action.
	if sess.Status != checkout.SessionComplete || sess.PaymentStatus != checkout.PaymentUnpaid {
		t.Fatalf("session %s/%s", sess.Status, sess.PaymentStatus)
	}

	// Multibanco moves to the simulator for new payments.
	reg.Route(false, "sim", checkout.MethodMultibanco)

	// The simulator cannot settle gw's payment, nor can a forged message.
	if _, err := f.svc.ApplyProviderResult(f.ctx, f.scope, "sim", checkout.Notification{PaymentID: p.ID, Result: checkout.ProviderResult{Status: checkout.PaymentSucceeded}}); checkout.ErrorKind(err) != checkout.KindNotFound {
		t.Fatalf("the simulator settled gw's payment: %v", err)
	}
	if _, err := f.svc.HandleNotification(f.ctx, f.scope.AccountID, false, "gw", checkout.Inbound{Method: "POST", Header: map[string][]string{"X-Gw-Signature": {"forged"}}, Body: []byte("gw_" + p.ID + " paid")}); err == nil {
		t.Fatal("an unverified notification was taken")
	}
	if _, err := f.svc.HandleNotification(f.ctx, f.scope.AccountID, false, "sim", checkout.Inbound{Method: "POST", Header: nil, Body: []byte("gw_" + p.ID + " paid")}); checkout.ErrorKind(err) != checkout.KindNotFound {
		t.Fatalf("the simulator took a notification: %v", err)
	}
	if got, _ := f.svc.GetPayment(f.ctx, f.scope, p.ID); got.Status != checkout.PaymentRequiresAction {
		t.Fatalf("payment %s after refused results", got.Status)
	}

	// gw's notification settles it; a repeat changes nothing.
	signed := map[string][]string{"X-Gw-Signature": {"good"}}
	if n, err := f.svc.HandleNotification(f.ctx, f.scope.AccountID, false, "gw", checkout.Inbound{Method: "POST", Header: signed, Body: []byte("gw_" + p.ID + " paid")}); err != nil || n != 1 {
		t.Fatalf("notification: %d, %v", n, err)
	}
	if n, err := f.svc.HandleNotification(f.ctx, f.scope.AccountID, false, "gw", checkout.Inbound{Method: "POST", Header: signed, Body: []byte("gw_" + p.ID + " paid")}); err != nil || n != 0 {
		t.Fatalf("repeated notification: %d, %v", n, err)
	}
	after, _ := f.svc.GetSession(f.ctx, f.scope, s.ID)
	paid, _ := f.svc.GetPayment(f.ctx, f.scope, p.ID)
	if paid.Status != checkout.PaymentSucceeded || after.PaymentStatus != checkout.PaymentPaid || paid.ProviderRef != "gw_"+p.ID {
		t.Fatalf("after the notification: payment %+v, session %s", paid, after.PaymentStatus)
	}

	// The refund goes to gw too.
	res, err := f.svc.CreateRefund(f.ctx, f.scope, &service.RefundParams{Payment: p.ID})
	if err != nil || res.Status != checkout.RefundPending || res.Amount != p.Amount || res.ProviderRef != "gwre_checkoutd_"+res.ID {
		t.Fatalf("refund: %+v, %v", res, err)
	}
	if starts, _, refunds := gw.counts(); starts != 1 || refunds != 1 {
		t.Fatalf("gw saw %d starts, %d refunds", starts, refunds)
	}

	// A new payment goes where the route now points.
	s2 := f.session(t, "multibanco")
	if _, p2, err := f.svc.Pay(f.ctx, s2.ID, service.PayParams{Method: checkout.MethodMultibanco}); err != nil || p2.Provider != "sim" || p2.Action.Kind != checkout.NextActionVoucher {
		t.Fatalf("second payment: %v %+v", err, p2)
	}
}

// TestConfirmGoesToThePaymentsProvider: a challenge is confirmed by the
// provider that started the payment, not by the one the route names now.
// The gateway takes a token, never card details.
func TestConfirmGoesToThePaymentsProvider(t *testing.T) {
	f := newFixture(t)
	gw := &gateway{}
	reg := twoProviders(f, gw, checkout.MethodCard)
	f.configure(func(c *service.Config) { c.Providers = reg })
	s := f.session(t)
	if _, _, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodCard, Card: card("4242424242424242", "123")}); checkout.ErrorKind(err) != checkout.KindInvalid {
		t.Fatalf("card details went to a provider that tokenises: %v", err)
	}
	if _, _, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodCard}); checkout.ErrorKind(err) != checkout.KindInvalid {
		t.Fatalf("paid without a token: %v", err)
	}
	_, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodCard, Token: "tok_1"})
	if err != nil || p.Provider != "gw" || !p.Action.IsChallenge() {
		t.Fatalf("pay: %v %+v", err, p)
	}
	reg.Route(false, "sim", checkout.MethodCard)
	sess, p, err := f.svc.ConfirmPayment(f.ctx, s.ID, p.ID, checkout.ConfirmRequest{Completed: true})
	if err != nil || p.Status != checkout.PaymentSucceeded || sess.PaymentStatus != checkout.PaymentPaid || p.CardBrand != "visa" || p.CardLast4 != "4242" {
		t.Fatalf("confirm: %v %+v", err, p)
	}
	starts, confirms, _ := gw.counts()
	if starts != 1 || confirms != 1 || gw.cardsSeen != 0 || len(gw.tokens) != 1 || gw.tokens[0] != "tok_1" {
		t.Fatalf("gw: %d starts, %d confirms, %d cards, tokens %v", starts, confirms, gw.cardsSeen, gw.tokens)
	}

	// The simulator, on the other hand, takes card details, and of tokens
	// only the test PaymentMethods it knows: another is bad input.
	s2 := f.session(t)
	if _, _, err := f.svc.Pay(f.ctx, s2.ID, service.PayParams{Method: checkout.MethodCard, Token: "tok_2"}); checkout.ErrorKind(err) != checkout.KindInvalid {
		t.Fatalf("a token went to the simulator: %v", err)
	}
}

// TestAsyncDepositExpires: an asynchronous action of another kind than a
// voucher lapses at its deadline through the same entry point.
func TestAsyncDepositExpires(t *testing.T) {
	f := newFixture(t)
	f.configure(func(c *service.Config) { c.Providers = twoProviders(f, &gateway{}, checkout.MethodMultibanco) })
	s := f.session(t, "multibanco")
	_, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodMultibanco})
	if err != nil {
		t.Fatal(err)
	}
	// gw's deposit addresses are due at once.
	if n, err := f.svc.SweepDuePayments(f.ctx); err != nil || n != 1 {
		t.Fatalf("SweepDuePayments = %d, %v", n, err)
	}
	p, _ = f.svc.GetPayment(f.ctx, f.scope, p.ID)
	if p.Status != checkout.PaymentFailed || p.FailureCode != "deposit_expired" {
		t.Fatalf("payment %+v", p)
	}
}

// TestRegistry: a method nobody serves, a provider in a mode it refuses,
// and a factory registered under the wrong name are errors, not panics.
func TestRegistry(t *testing.T) {
	acct := &checkout.Account{ID: "acct_1"}
	r := service.NewRegistry()
	r.Register("sim", sim.Factory(sim.New(checkout.SystemClock{})))
	r.Register("liar", sim.Factory(sim.New(checkout.SystemClock{})))
	r.Route(false, "sim", checkout.MethodCard)
	r.Route(true, "sim", checkout.MethodCard)
	r.Route(false, "liar", checkout.MethodMultibanco)
	if p, err := r.For(acct, false, checkout.MethodCard); err != nil || p.Name() != "sim" {
		t.Fatalf("For card: %v, %v", p, err)
	}
	for name, err := range map[string]error{
		"unrouted method": second(r.For(acct, false, "mobile_money")),
		"live simulator":  second(r.For(acct, true, checkout.MethodCard)),
		"unknown name":    second(r.Get(acct, false, "stripe", service.Credentials{})),
	} {
		if e, ok := err.(*checkout.Error); !ok || e.Kind != checkout.KindState || e.Code != "provider_unavailable" {
			t.Errorf("%s: %v, want provider_unavailable", name, err)
		}
	}
	if _, err := r.For(acct, false, checkout.MethodMultibanco); checkout.ErrorKind(err) != checkout.KindInternal {
		t.Errorf("a provider registered under another name: %v", err)
	}
	var none *service.Registry
	if _, err := none.For(acct, false, checkout.MethodCard); checkout.ErrorKind(err) != checkout.KindState {
		t.Errorf("no registry: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

// TestSimulatorRefund: the simulator refunds a succeeded payment at once,
// each refund its own at the simulator; the service checks the amount and
// the payment's state first.
func TestSimulatorRefund(t *testing.T) {
	f := newFixture(t)
	s := f.session(t, "card", "multibanco")
	_, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodCard, Card: card("4242424242424242", "123")})
	if err != nil || p.Status != checkout.PaymentSucceeded {
		t.Fatal(err)
	}
	five := int64(500)
	first, err := f.svc.CreateRefund(f.ctx, f.scope, &service.RefundParams{Payment: p.ID, Amount: &five})
	if err != nil || first.Status != checkout.RefundSucceeded || first.Amount != 500 || first.ProviderRef == "" {
		t.Fatalf("refund: %+v, %v", first, err)
	}
	if other, err := f.svc.CreateRefund(f.ctx, f.scope, &service.RefundParams{Payment: p.ID, Amount: &five}); err != nil || other.ProviderRef == first.ProviderRef {
		t.Fatalf("two refunds made one at the simulator: %+v, %v", other, err)
	}
	more := p.Amount
	if _, err := f.svc.CreateRefund(f.ctx, f.scope, &service.RefundParams{Payment: p.ID, Amount: &more}); checkout.ErrorKind(err) != checkout.KindInvalid {
		t.Fatalf("refunded more than was paid: %v", err)
	}
	s2 := f.session(t, "multibanco")
	_, pending, _ := f.svc.Pay(f.ctx, s2.ID, service.PayParams{Method: checkout.MethodMultibanco})
	if _, err := f.svc.CreateRefund(f.ctx, f.scope, &service.RefundParams{Payment: pending.ID}); checkout.ErrorKind(err) != checkout.KindState {
		t.Fatalf("refunded an unpaid voucher: %v", err)
	}
}

// TestNotifiedChargeAfterCancelIsRefunded: the customer came back from the
// gateway's 3-D Secure page after the session expired, so checkoutd called
// the payment off; the gateway then reports that it charged. Through the
// gateway's own notification path (recorded, verified), the payment is
// kept succeeded and refunded in full automatically, never left as money
// taken for a canceled payment.
func TestNotifiedChargeAfterCancelIsRefunded(t *testing.T) {
	f := newFixture(t)
	gw := &gateway{}
	f.configure(func(c *service.Config) { c.Providers = twoProviders(f, gw, checkout.MethodCard) })
	s := f.session(t, "card")
	_, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodCard, Token: "gw_tok"})
	if err != nil || p.Status != checkout.PaymentRequiresAction {
		t.Fatalf("pay: %+v %v", p, err)
	}
	if _, err := f.svc.ExpireSession(f.ctx, f.scope, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, got, err := f.svc.ConfirmPayment(f.ctx, s.ID, p.ID, checkout.ConfirmRequest{Completed: true}); err != nil || got.Status != checkout.PaymentCanceled {
		t.Fatalf("confirm on the expired session: %+v %v", got, err)
	}
	signed := checkout.Inbound{Method: "POST", Header: map[string][]string{"X-Gw-Signature": {"good"}}, Body: []byte("gw_" + p.ID + " paid")}
	if n, err := f.svc.HandleNotification(f.ctx, f.scope.AccountID, false, "gw", signed); err != nil || n != 1 {
		t.Fatalf("the gateway's success: %d %v", n, err)
	}
	got, err := f.svc.GetPayment(f.ctx, f.scope, p.ID)
	if err != nil || got.Status != checkout.PaymentSucceeded || got.AmountRefunded != got.Amount {
		t.Fatalf("payment after the late charge: %+v %v", got, err)
	}
	page, err := f.svc.ListRefunds(f.ctx, f.scope, service.RefundFilter{Payment: p.ID, ListParams: checkout.ListParams{Limit: 10}})
	if err != nil || len(page.Items) != 1 || !page.Items[0].Automatic || page.Items[0].Reason != "session_unavailable" {
		t.Fatalf("refunds: %+v %v", page.Items, err)
	}
	if sess, _ := f.svc.GetSession(f.ctx, f.scope, s.ID); sess.Status != checkout.SessionExpired {
		t.Fatalf("session %s", sess.Status)
	}
	// Delivered again: nothing more.
	if n, err := f.svc.HandleNotification(f.ctx, f.scope.AccountID, false, "gw", signed); err != nil || n != 0 {
		t.Fatalf("the success again: %d %v", n, err)
	}
}

// racer is a gateway whose webhook arrives while its Start call is still
// waiting for the answer: Start runs notify first.
type racer struct {
	gateway
	notify func(p *checkout.Payment)
}

func (r *racer) Start(ctx context.Context, req checkout.StartRequest) (checkout.ProviderResult, error) {
	r.notify(req.Payment)
	return checkout.ProviderResult{Status: checkout.PaymentSucceeded, ProviderRef: "gw_" + req.Payment.ID}, nil
}

// TestPayAfterTheWebhookWon: the gateway's webhook recorded the payment's
// success before its Start call answered: Pay answers that payment, not
// an error, so the customer (and seed 000's /pay) sees the card charged.
func TestPayAfterTheWebhookWon(t *testing.T) {
	f := newFixture(t)
	r := &racer{}
	r.notify = func(p *checkout.Payment) {
		if _, err := f.svc.ApplyProviderResult(f.ctx, f.scope, "gw", checkout.Notification{PaymentID: p.ID,
			Result: checkout.ProviderResult{Status: checkout.PaymentSucceeded}}); err != nil {
			t.Errorf("the webhook: %v", err)
		}
	}
	reg := service.NewRegistry()
	reg.Register("gw", func(*checkout.Account, bool) (checkout.Provider, error) { return r, nil })
	reg.Route(false, "gw", checkout.MethodCard)
	f.configure(func(c *service.Config) { c.Providers = reg })
	s := f.session(t, "card")
	sess, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodCard, Token: "gw_tok"})
	if err != nil || p.Status != checkout.PaymentSucceeded || sess.Status != checkout.SessionComplete {
		t.Fatalf("pay: %+v %+v %v", sess, p, err)
	}
}
