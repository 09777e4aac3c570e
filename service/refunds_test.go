package service_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/teststore"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/service"
)

// refunder is the simulator with refunds answered as a test says: a
// gateway whose refunds fail, wait, or time out. It records the keys it
// was asked with.
type refunder struct {
	*sim.Provider
	mu     sync.Mutex
	answer func(amount int64, key string) (checkout.RefundResult, error)
	keys   []string
	refuse error // CanRefund's answer
}

func (r *refunder) Refund(ctx context.Context, p *checkout.Payment, amount int64, key string) (checkout.RefundResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys = append(r.keys, key)
	if r.answer == nil {
		return r.Provider.Refund(ctx, p, amount, key)
	}
	return r.answer(amount, key)
}

func (r *refunder) CanRefund(p *checkout.Payment) error { return r.refuse }

func (r *refunder) set(answer func(amount int64, key string) (checkout.RefundResult, error)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answer = answer
}

// refundFixture is a service over st whose test mode is served by a
// refunder under the simulator's name.
func refundFixture(t *testing.T, st checkout.Store) (*fixture, *refunder) {
	t.Helper()
	rf := &refunder{Provider: sim.New(checkout.SystemClock{})}
	reg := service.NewRegistry()
	reg.Register("sim", func(*checkout.Account, bool) (checkout.Provider, error) { return rf, nil })
	reg.Route(false, "sim", checkout.MethodCard, checkout.MethodMultibanco)
	logs := &bytes.Buffer{}
	cfg := service.Config{Store: st, PublicURL: "http://checkout.test", Providers: reg,
		Log: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	svc := service.New(cfg)
	ctx := context.Background()
	a, _, err := svc.CreateAccount(ctx, service.AccountParams{ID: "acct_shop", Name: "Shop", DefaultCurrency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{cfg: cfg, svc: svc, store: st, logs: logs, scope: checkout.Scope{AccountID: a.ID}, ctx: ctx}, rf
}

// paid is a succeeded card payment of 99.99.
func (f *fixture) paid(t *testing.T) *checkout.Payment {
	t.Helper()
	_, p, err := f.svc.Pay(f.ctx, f.session(t).ID, service.PayParams{Method: checkout.MethodCard, Card: card("4242424242424242", "123")})
	if err != nil || p.Status != checkout.PaymentSucceeded {
		t.Fatalf("pay: %+v, %v", p, err)
	}
	return p
}

// allEvents are the events of the scope, oldest first.
func (f *fixture) allEvents(t *testing.T) []*checkout.Event {
	t.Helper()
	p, err := f.store.ListEvents(f.ctx, f.scope, checkout.EventFilter{ListParams: checkout.ListParams{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(p.Items)
	return p.Items
}

func amount(n int64) *int64 { return &n }

func paramOf(err error) string {
	var e *checkout.Error
	if errors.As(err, &e) {
		return e.Param
	}
	return ""
}

// TestRefunds: partial and full refunds through the simulator, on every
// store, with their events; more than is left, a payment with nothing
// left, one not succeeded and one unknown are refused naming what is wrong,
// and write nothing.
func TestRefunds(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st checkout.Store) {
		f, _ := refundFixture(t, st)
		p := f.paid(t)

		part, err := f.svc.CreateRefund(f.ctx, f.scope, &service.RefundParams{Payment: p.ID, Amount: amount(1000),
			Reason: "requested_by_customer", Metadata: map[string]string{"ticket": "42"}})
		if err != nil || part.Status != checkout.RefundSucceeded || part.Amount != 1000 || part.ProviderRef == "" ||
			part.Source != checkout.RefundSourceAPI || part.Automatic || part.Metadata["ticket"] != "42" || part.Currency != p.Currency {
			t.Fatalf("partial refund: %+v, %v", part, err)
		}
		if got := f.payment(t, p.ID); got.AmountRefunded != 1000 || got.Status != checkout.PaymentSucceeded {
			t.Fatalf("after a partial refund: %+v", got)
		}

		before := len(f.allEvents(t))
		if _, err := f.svc.CreateRefund(f.ctx, f.scope, &service.RefundParams{Payment: p.ID, Amount: amount(p.Amount)}); checkout.ErrorKind(err) != checkout.KindInvalid || paramOf(err) != "amount" {
			t.Fatalf("more than is left: %v", err)
		}
		for _, bad := range []struct {
			rp    service.RefundParams
			param string
		}{
			{service.RefundParams{}, "payment"},
			{service.RefundParams{Payment: p.ID, Amount: amount(0)}, "amount"},
			{service.RefundParams{Payment: p.ID, Reason: "session_unavailable"}, "reason"},
			{service.RefundParams{Payment: p.ID, Metadata: map[string]string{"": "x"}}, "metadata"},
		} {
			if _, err := f.svc.CreateRefund(f.ctx, f.scope, &bad.rp); checkout.ErrorKind(err) != checkout.KindInvalid || paramOf(err) != bad.param {
				t.Errorf("%+v: %v; want invalid %s", bad.rp, err, bad.param)
			}
		}
		if _, err := f.svc.CreateRefund(f.ctx, f.scope, &service.RefundParams{Payment: "pay_nope"}); checkout.ErrorKind(err) != checkout.KindNotFound || paramOf(err) != "payment" {
			t.Fatalf("unknown payment: %v", err)
		}
		if got := f.payment(t, p.ID); got.AmountRefunded != 1000 || len(f.allEvents(t)) != before {
			t.Fatalf("a refused refund wrote: %+v", got)
		}

		rest, err := f.svc.CreateRefund(f.ctx, f.scope, &service.RefundParams{Payment: p.ID})
		if err != nil || rest.Status != checkout.RefundSucceeded || rest.Amount != p.Amount-1000 {
			t.Fatalf("the rest: %+v, %v", rest, err)
		}
		if got := f.payment(t, p.ID); got.AmountRefunded != p.Amount {
			t.Fatalf("after a full refund: %+v", got)
		}
		if _, err := f.svc.CreateRefund(f.ctx, f.scope, &service.RefundParams{Payment: p.ID, Amount: amount(1)}); checkout.ErrorKind(err) != checkout.KindState {
			t.Fatalf("refunded past the amount: %v", err)
		}

		// Events: created, succeeded, and payment.refunded with the
		// payment's amount_refunded, for each refund, in order.
		var types []string
		var refunded []int64
		for _, ev := range f.allEvents(t)[2:] {
			types = append(types, ev.Type)
			switch ev.Type {
			case checkout.EventPaymentRefunded:
				refunded = append(refunded, ev.Payment.AmountRefunded)
				if r, ok := ev.Object.(*checkout.Refund); !ok || r.Status != checkout.RefundSucceeded || r.Payment != p.ID {
					t.Errorf("payment.refunded carries the refund %+v", ev.Object)
				}
			case checkout.EventRefundSucceeded:
				if r, ok := ev.Object.(*checkout.Refund); !ok || r.Status != checkout.RefundSucceeded || r.Version != 2 || ev.Sequence != 2 {
					t.Errorf("refund.succeeded carries %+v, sequence %d", ev.Object, ev.Sequence)
				}
			}
		}
		want := []string{"refund.created", "refund.succeeded", "payment.refunded", "refund.created", "refund.succeeded", "payment.refunded"}
		if !slices.Equal(types, want) || !slices.Equal(refunded, []int64{1000, p.Amount}) {
			t.Fatalf("events %v, amounts refunded %v", types, refunded)
		}

		// The payment's refunds, newest first, a page at a time.
		page, err := f.svc.ListRefunds(f.ctx, f.scope, service.RefundFilter{Payment: p.ID, ListParams: checkout.ListParams{Limit: 1}})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != rest.ID || !page.HasMore {
			t.Fatalf("first page: %+v, %v", page, err)
		}
		page, err = f.svc.ListRefunds(f.ctx, f.scope, service.RefundFilter{Payment: p.ID, ListParams: checkout.ListParams{Limit: 5, StartingAfter: rest.ID}})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != part.ID || page.HasMore {
			t.Fatalf("second page: %+v, %v", page, err)
		}
		other := f.paid(t)
		f.svc.CreateRefund(f.ctx, f.scope, &service.RefundParams{Payment: other.ID, Amount: amount(5)})
		if page, err := f.svc.ListRefunds(f.ctx, f.scope, service.RefundFilter{Payment: p.ID, ListParams: checkout.ListParams{Limit: 10}}); err != nil || len(page.Items) != 2 {
			t.Fatalf("the payment's refunds: %+v, %v", page, err)
		}
		if page, err := f.svc.ListRefunds(f.ctx, f.scope, service.RefundFilter{ListParams: checkout.ListParams{Limit: 10}}); err != nil || len(page.Items) != 3 {
			t.Fatalf("every refund: %+v, %v", page, err)
		}
		if _, err := f.svc.GetRefund(f.ctx, f.scope, "re_nope"); checkout.ErrorKind(err) != checkout.KindNotFound || paramOf(err) != "id" {
			t.Fatalf("unknown refund: %v", err)
		}
	})
}

// TestConcurrentRefundsNeverPassTheAmount: refunds asked for at once that
// together pass the payment's amount: those that fit succeed, the others
// are refused naming amount, on every store.
func TestConcurrentRefundsNeverPassTheAmount(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st checkout.Store) {
		f, rf := refundFixture(t, st)
		p := f.paid(t) // 9999
		const n, each = 4, 3000
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = f.svc.CreateRefund(f.ctx, f.scope, &service.RefundParams{Payment: p.ID, Amount: amount(each)})
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case checkout.ErrorKind(err) != checkout.KindInvalid || paramOf(err) != "amount":
				t.Errorf("refused with %v; want invalid amount", err)
			}
		}
		if got := f.payment(t, p.ID); ok != 3 || got.AmountRefunded != 3*each || len(rf.keys) != 3 {
			t.Fatalf("%d refunds went through, %d asked of the provider, amount refunded %d; want 3 of %d", ok, len(rf.keys), got.AmountRefunded, each)
		}
	})
}

// TestRefundOutcomes: a provider that fails a refund (the reservation is
// released), one that cannot be asked (the refund stays pending, reserved,
// and a retry with the same key settles it), one that says pending (the
// gateway's report settles it, once), and one that cannot refund the
// payment at all (nothing is written).
func TestRefundOutcomes(t *testing.T) {
	f, rf := refundFixture(t, teststore.Open(t, "sqlite"))

	t.Run("failed", func(t *testing.T) {
		p := f.paid(t)
		rf.set(func(int64, string) (checkout.RefundResult, error) {
			return checkout.RefundResult{Status: checkout.RefundFailed, ProviderRef: "gwre_f", FailureCode: "expired_or_canceled_card", FailureMessage: "The card is closed."}, nil
		})
		r, err := f.svc.CreateRefund(f.ctx, f.scope, &service.RefundParams{Payment: p.ID})
		if err != nil || r.Status != checkout.RefundFailed || r.FailureCode != "expired_or_canceled_card" {
			t.Fatalf("refund: %+v, %v", r, err)
		}
		if got := f.payment(t, p.ID); got.AmountRefunded != 0 {
			t.Fatalf("a failed refund kept its reservation: %d", got.AmountRefunded)
		}
		evs := f.allEvents(t)
		if last := evs[len(evs)-1]; last.Type != checkout.EventRefundFailed || evs[len(evs)-2].Type != checkout.EventRefundCreated {
			t.Fatalf("last events %s, %s", evs[len(evs)-2].Type, last.Type)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		p := f.paid(t)
		rf.set(func(int64, string) (checkout.RefundResult, error) {
			return checkout.RefundResult{}, context.DeadlineExceeded
		})
		r, err := f.svc.CreateRefund(f.ctx, f.scope, &service.RefundParams{Payment: p.ID, Amount: amount(700)})
		if err != nil || r.Status != checkout.RefundPending {
			t.Fatalf("refund: %+v, %v", r, err)
		}
		if got := f.payment(t, p.ID); got.AmountRefunded != 700 {
			t.Fatalf("a refund the provider may have made released its reservation: %d", got.AmountRefunded)
		}
		rf.set(nil) // the simulator answers again
		again, err := f.svc.RetryRefund(f.ctx, f.scope, r.ID)
		if err != nil || again.Status != checkout.RefundSucceeded {
			t.Fatalf("retry: %+v, %v", again, err)
		}
		if k := rf.keys[len(rf.keys)-2:]; k[0] != "checkoutd_"+r.ID || k[1] != k[0] {
			t.Fatalf("asked with keys %v; want checkoutd_%s twice", k, r.ID)
		}
		if got := f.payment(t, p.ID); got.AmountRefunded != 700 {
			t.Fatalf("after the retry: %d", got.AmountRefunded)
		}
	})

	t.Run("timeout then the gateway's report", func(t *testing.T) {
		// The gateway made it and says so, echoing checkoutd's id or not:
		// it is the same refund, its money counted once.
		for _, echo := range []bool{true, false} {
			p := f.paid(t)
			rf.set(func(int64, string) (checkout.RefundResult, error) {
				return checkout.RefundResult{}, errors.New("connection reset")
			})
			r, _ := f.svc.CreateRefund(f.ctx, f.scope, &service.RefundParams{Payment: p.ID, Amount: amount(300)})
			report := checkout.RefundResult{Status: checkout.RefundSucceeded, Amount: 300, ProviderRef: "gwre_t" + r.ID}
			if echo {
				report.RefundID = r.ID
			}
			if _, err := f.svc.ApplyProviderResult(f.ctx, f.scope, "sim", checkout.Notification{PaymentID: p.ID, Refunds: []checkout.RefundResult{report}}); err != nil {
				t.Fatal(err)
			}
			got, _ := f.svc.GetRefund(f.ctx, f.scope, r.ID)
			if got.Status != checkout.RefundSucceeded || got.ProviderRef != report.ProviderRef || f.payment(t, p.ID).AmountRefunded != 300 {
				t.Fatalf("echo %v: after the report: %+v, payment refunded %d", echo, got, f.payment(t, p.ID).AmountRefunded)
			}
		}
		rf.set(nil)
	})

	t.Run("pending settled by the gateway", func(t *testing.T) {
		for _, outcome := range []checkout.RefundStatus{checkout.RefundSucceeded, checkout.RefundFailed} {
			p := f.paid(t)
			rf.set(func(amount int64, key string) (checkout.RefundResult, error) {
				return checkout.RefundResult{Status: checkout.RefundPending, Amount: amount, ProviderRef: "gwre_" + key}, nil
			})
			r, err := f.svc.CreateRefund(f.ctx, f.scope, &service.RefundParams{Payment: p.ID, Amount: amount(2000)})
			if err != nil || r.Status != checkout.RefundPending || r.ProviderRef == "" {
				t.Fatalf("refund: %+v, %v", r, err)
			}
			report := checkout.Notification{ProviderRef: p.ProviderRef, Refunds: []checkout.RefundResult{{Status: outcome, Amount: 2000, ProviderRef: r.ProviderRef}}}
			if _, err := f.svc.ApplyProviderResult(f.ctx, f.scope, "sim", report); err != nil {
				t.Fatalf("%s report: %v", outcome, err)
			}
			n := len(f.allEvents(t))
			if _, err := f.svc.ApplyProviderResult(f.ctx, f.scope, "sim", report); checkout.ErrorKind(err) != checkout.KindState {
				t.Fatalf("the report again: %v; want a state error", err)
			}
			got, _ := f.svc.GetRefund(f.ctx, f.scope, r.ID)
			want := map[checkout.RefundStatus]int64{checkout.RefundSucceeded: 2000, checkout.RefundFailed: 0}[outcome]
			if got.Status != outcome || f.payment(t, p.ID).AmountRefunded != want || len(f.allEvents(t)) != n {
				t.Fatalf("after the %s report: %+v, payment refunded %d", outcome, got, f.payment(t, p.ID).AmountRefunded)
			}
		}
		rf.set(nil)
	})

	t.Run("made at the gateway", func(t *testing.T) {
		p := f.paid(t)
		report := checkout.Notification{PaymentID: p.ID, Refunds: []checkout.RefundResult{{Status: checkout.RefundSucceeded, Amount: 450, ProviderRef: "dash_1"}}}
		for range 2 {
			f.svc.ApplyProviderResult(f.ctx, f.scope, "sim", report)
		}
		page, err := f.svc.ListRefunds(f.ctx, f.scope, service.RefundFilter{Payment: p.ID, ListParams: checkout.ListParams{Limit: 10}})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("refunds: %+v, %v", page, err)
		}
		r := page.Items[0]
		if r.Source != checkout.RefundSourceProvider || r.Status != checkout.RefundSucceeded || r.Amount != 450 || r.ProviderRef != "dash_1" {
			t.Fatalf("recorded %+v", r)
		}
		if got := f.payment(t, p.ID); got.AmountRefunded != 450 || got.Status != checkout.PaymentSucceeded {
			t.Fatalf("payment %+v", got)
		}
		var types []string
		for _, ev := range f.allEvents(t) {
			if ev.ObjectID == r.ID || (ev.ObjectID == p.ID && ev.Type == checkout.EventPaymentRefunded) {
				types = append(types, ev.Type)
			}
		}
		if !slices.Equal(types, []string{"refund.created", "refund.succeeded", "payment.refunded"}) {
			t.Fatalf("events %v", types)
		}
	})

	t.Run("refused by the provider's call", func(t *testing.T) {
		// A refusal before anything was sent moved no money: the refund
		// fails and releases its reservation.
		p := f.paid(t)
		rf.set(func(int64, string) (checkout.RefundResult, error) {
			return checkout.RefundResult{}, checkout.Errorf(checkout.KindState, "refund_unsupported", "not this method")
		})
		defer rf.set(nil)
		r, err := f.svc.CreateRefund(f.ctx, f.scope, &service.RefundParams{Payment: p.ID})
		if err != nil || r.Status != checkout.RefundFailed || r.FailureCode != "refund_unsupported" {
			t.Fatalf("refund: %+v, %v", r, err)
		}
		if got := f.payment(t, p.ID); got.AmountRefunded != 0 {
			t.Fatalf("a refused refund kept its reservation: %d", got.AmountRefunded)
		}
	})

	t.Run("not refundable by the provider", func(t *testing.T) {
		p := f.paid(t)
		rf.refuse = &checkout.Error{Kind: checkout.KindState, Code: "refund_unsupported", Message: "this provider cannot refund multibanco payments"}
		defer func() { rf.refuse = nil }()
		n, keys := len(f.allEvents(t)), len(rf.keys)
		if _, err := f.svc.CreateRefund(f.ctx, f.scope, &service.RefundParams{Payment: p.ID}); checkout.ErrorKind(err) != checkout.KindState {
			t.Fatalf("refund: %v", err)
		}
		page, _ := f.svc.ListRefunds(f.ctx, f.scope, service.RefundFilter{Payment: p.ID, ListParams: checkout.ListParams{Limit: 10}})
		if len(page.Items) != 0 || f.payment(t, p.ID).AmountRefunded != 0 || len(f.allEvents(t)) != n || len(rf.keys) != keys {
			t.Fatal("a refund the provider cannot make wrote something or asked it")
		}
	})
}

// TestLateSuccessIsRefunded: a payment that succeeds (a gateway's webhook)
// after its session expired is recorded succeeded, not as the session's,
// and refunded in full automatically; the session stays expired.
func TestLateSuccessIsRefunded(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st checkout.Store) {
		f, _ := refundFixture(t, st)
		s := f.session(t)
		_, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodCard, Card: card("4000002500003155", "123")})
		if err != nil || p.Status != checkout.PaymentRequiresAction {
			t.Fatalf("pay: %+v, %v", p, err)
		}
		if _, err := f.svc.ExpireSession(f.ctx, f.scope, s.ID); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.ApplyProviderResult(f.ctx, f.scope, "sim", checkout.Notification{PaymentID: p.ID, Result: checkout.ProviderResult{Status: checkout.PaymentSucceeded}})
		if err != nil || got.Status != checkout.PaymentSucceeded {
			t.Fatalf("late success: %+v, %v", got, err)
		}
		if got := f.payment(t, p.ID); got.Status != checkout.PaymentSucceeded || got.AmountRefunded != p.Amount {
			t.Fatalf("payment %+v", got)
		}
		sess, _ := f.svc.GetSession(f.ctx, f.scope, s.ID)
		if sess.Status != checkout.SessionExpired || sess.Payment != "" || sess.PaymentStatus != checkout.PaymentUnpaid {
			t.Fatalf("session %s/%s, payment %q", sess.Status, sess.PaymentStatus, sess.Payment)
		}
		page, _ := f.svc.ListRefunds(f.ctx, f.scope, service.RefundFilter{Payment: p.ID, ListParams: checkout.ListParams{Limit: 10}})
		if len(page.Items) != 1 {
			t.Fatalf("refunds %+v", page.Items)
		}
		r := page.Items[0]
		if !r.Automatic || r.Reason != checkout.RefundSessionUnavailable || r.Status != checkout.RefundSucceeded || r.Amount != p.Amount {
			t.Fatalf("refund %+v", r)
		}
		var types []string
		for _, ev := range f.allEvents(t) {
			types = append(types, ev.Type)
		}
		want := []string{"checkout.session.expired", "payment.succeeded", "refund.created", "refund.succeeded", "payment.refunded"}
		if !slices.Equal(types, want) {
			t.Fatalf("events %v; want %v", types, want)
		}
	})
}

// TestChargedAfterCancelIsRefunded: a payment canceled by checkoutd when
// its customer came back from 3-D Secure to an expired session, that the
// gateway then reports succeeded (it took the money at the challenge), is
// recorded succeeded and refunded automatically; a second report changes
// nothing.
func TestChargedAfterCancelIsRefunded(t *testing.T) {
	f, _ := refundFixture(t, teststore.Open(t, "sqlite"))
	s := f.session(t)
	_, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodCard, Card: card("4000002500003155", "123")})
	if err != nil || p.Status != checkout.PaymentRequiresAction {
		t.Fatalf("pay: %+v, %v", p, err)
	}
	if _, err := f.svc.ExpireSession(f.ctx, f.scope, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, canceled, err := f.svc.ConfirmPayment(f.ctx, s.ID, p.ID, checkout.ConfirmRequest{Completed: true}); err != nil || canceled.Status != checkout.PaymentCanceled {
		t.Fatalf("confirm on an expired session: %+v, %v", canceled, err)
	}
	success := checkout.Notification{PaymentID: p.ID, Result: checkout.ProviderResult{Status: checkout.PaymentSucceeded}}
	if got, err := f.svc.ApplyProviderResult(f.ctx, f.scope, "sim", success); err != nil || got.Status != checkout.PaymentSucceeded {
		t.Fatalf("the gateway's success: %+v, %v", got, err)
	}
	if _, err := f.svc.ApplyProviderResult(f.ctx, f.scope, "sim", success); checkout.ErrorKind(err) != checkout.KindState {
		t.Fatalf("the success again: %v", err)
	}
	page, _ := f.svc.ListRefunds(f.ctx, f.scope, service.RefundFilter{Payment: p.ID, ListParams: checkout.ListParams{Limit: 10}})
	if len(page.Items) != 1 || !page.Items[0].Automatic || page.Items[0].Status != checkout.RefundSucceeded || f.payment(t, p.ID).AmountRefunded != p.Amount {
		t.Fatalf("refunds %+v", page.Items)
	}
	if sess, _ := f.svc.GetSession(f.ctx, f.scope, s.ID); sess.Status != checkout.SessionExpired {
		t.Fatalf("session %s", sess.Status)
	}
}
