package service_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/teststore"
	"github.com/checkoutd/checkoutd/service"
)

// pollingRefunder is a refunder that can also be asked about payments
// (checkout.Poller), so a test sees the reconciler never asks about a final
// payment itself while it retries that payment's refunds.
type pollingRefunder struct {
	*refunder
	polls atomic.Int32
}

func (r *pollingRefunder) Poll(ctx context.Context, p *checkout.Payment) (checkout.ProviderResult, error) {
	r.polls.Add(1)
	return checkout.ProviderResult{Status: p.Status, ProviderRef: p.ProviderRef}, nil
}

// retryFixture is refundFixture over st with a clock the test moves and a
// provider that can be polled.
func retryFixture(t *testing.T, st checkout.Store) (*fixture, *pollingRefunder, *setClock) {
	t.Helper()
	f, rf := refundFixture(t, st)
	pr := &pollingRefunder{refunder: rf}
	reg := service.NewRegistry()
	reg.Register("sim", func(*checkout.Account, bool) (checkout.Provider, error) { return pr, nil })
	reg.Route(false, "sim", checkout.MethodCard, checkout.MethodMultibanco)
	clock := &setClock{now: time.Now().UTC().Truncate(time.Microsecond)}
	f.configure(func(c *service.Config) { c.Providers, c.Clock = reg, clock })
	return f, pr, clock
}

// asks returns how many times the provider was asked for refund id.
func (r *refunder) asks(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, k := range r.keys {
		if k == "checkoutd_"+id {
			n++
		}
	}
	return n
}

func timesOut(int64, string) (checkout.RefundResult, error) {
	return checkout.RefundResult{}, context.DeadlineExceeded
}

// TestPendingRefundIsRetried: a refund whose provider timed out stays
// pending with its amount reserved; once ReconcileAfter has passed, the
// sweep asks the provider again with the same key, and the refund ends
// succeeded, with its events, the payment's check cleared and the payment
// itself never polled.
func TestPendingRefundIsRetried(t *testing.T) {
	f, rf, clock := retryFixture(t, teststore.Open(t, "sqlite"))
	p := f.paid(t)
	rf.set(timesOut)
	r, err := f.svc.CreateRefund(f.ctx, f.scope, &service.RefundParams{Payment: p.ID, Amount: amount(700)})
	if err != nil || r.Status != checkout.RefundPending {
		t.Fatalf("refund: %+v, %v", r, err)
	}
	if got := f.payment(t, p.ID); got.AmountRefunded != 700 || !got.CheckAt.Equal(clock.Now().Add(service.DefaultReconcileAfter)) {
		t.Fatalf("after the timeout: refunded %d, check at %v", got.AmountRefunded, got.CheckAt)
	}
	rf.set(nil) // the gateway answers again

	clock.Add(service.DefaultReconcileAfter - time.Second)
	f.sweep(t)
	if n := rf.asks(r.ID); n != 1 {
		t.Fatalf("asked %d times before ReconcileAfter; want once (the first)", n)
	}

	clock.Add(time.Second)
	f.sweep(t)
	if n := rf.asks(r.ID); n != 2 {
		t.Fatalf("asked %d times after ReconcileAfter; want twice, with key checkoutd_%s", n, r.ID)
	}
	got, err := f.svc.GetRefund(f.ctx, f.scope, r.ID)
	if err != nil || got.Status != checkout.RefundSucceeded || got.ProviderRef == "" {
		t.Fatalf("after the sweep: %+v, %v", got, err)
	}
	pay := f.payment(t, p.ID)
	if pay.AmountRefunded != 700 || !pay.CheckAt.IsZero() || pay.Status != checkout.PaymentSucceeded {
		t.Fatalf("payment after the sweep: refunded %d, check at %v, %s", pay.AmountRefunded, pay.CheckAt, pay.Status)
	}
	var types []string
	for _, ev := range f.allEvents(t) {
		if ev.ObjectID == r.ID || (ev.Type == checkout.EventPaymentRefunded && ev.ObjectID == p.ID) {
			types = append(types, ev.Type)
		}
	}
	if want := []string{"refund.created", "refund.succeeded", "payment.refunded"}; !slices.Equal(types, want) {
		t.Fatalf("events %v; want %v", types, want)
	}

	clock.Add(24 * time.Hour)
	f.sweep(t)
	if n := rf.asks(r.ID); n != 2 {
		t.Fatalf("a settled refund was asked for again: %d asks", n)
	}
	if n := rf.polls.Load(); n != 0 {
		t.Fatalf("the final payment itself was polled %d times", n)
	}
}

// TestFailingRefundBacksOff: a provider that keeps failing is asked again
// at the reconciler's growing waits, not at every sweep, and the refund
// stays pending, reserved; when the provider at last answers failed, the
// reservation is released.
func TestFailingRefundBacksOff(t *testing.T) {
	f, rf, clock := retryFixture(t, teststore.Open(t, "sqlite"))
	p := f.paid(t)
	rf.set(func(int64, string) (checkout.RefundResult, error) {
		return checkout.RefundResult{}, errors.New("connection refused")
	})
	created := clock.Now()
	r, err := f.svc.CreateRefund(f.ctx, f.scope, &service.RefundParams{Payment: p.ID})
	if err != nil || r.Status != checkout.RefundPending {
		t.Fatalf("refund: %+v, %v", r, err)
	}
	after := service.DefaultReconcileAfter
	// Asked at created+after; then waits as long as the refund has been
	// pending: next at +2·after, then at +4·after.
	for _, step := range []struct {
		at   time.Duration
		asks int
	}{
		{after, 2},
		{after + time.Minute, 2},
		{2*after - time.Second, 2},
		{2 * after, 3},
		{3 * after, 3},
		{4*after - time.Second, 3},
		{4 * after, 4},
	} {
		clock.Add(created.Add(step.at).Sub(clock.Now()))
		f.sweep(t)
		if n := rf.asks(r.ID); n != step.asks {
			t.Fatalf("at +%v: asked %d times; want %d", step.at, n, step.asks)
		}
	}
	if pay := f.payment(t, p.ID); pay.AmountRefunded != p.Amount || !pay.CheckAt.Equal(created.Add(8*after)) {
		t.Fatalf("payment: refunded %d, check at %v; want %d, %v", pay.AmountRefunded, pay.CheckAt, p.Amount, created.Add(8*after))
	}
	if got, _ := f.svc.GetRefund(f.ctx, f.scope, r.ID); got.Status != checkout.RefundPending {
		t.Fatalf("refund %s", got.Status)
	}

	rf.set(func(int64, string) (checkout.RefundResult, error) {
		return checkout.RefundResult{Status: checkout.RefundFailed, FailureCode: "charge_disputed", FailureMessage: "The charge is disputed."}, nil
	})
	clock.Add(created.Add(8 * after).Sub(clock.Now()))
	f.sweep(t)
	got, _ := f.svc.GetRefund(f.ctx, f.scope, r.ID)
	if got.Status != checkout.RefundFailed || got.FailureCode != "charge_disputed" {
		t.Fatalf("refund after the failed answer: %+v", got)
	}
	if pay := f.payment(t, p.ID); pay.AmountRefunded != 0 || !pay.CheckAt.IsZero() {
		t.Fatalf("payment: refunded %d, check at %v; want the reservation released, no check", pay.AmountRefunded, pay.CheckAt)
	}
	if n := rf.polls.Load(); n != 0 {
		t.Fatalf("the final payment itself was polled %d times", n)
	}
}

// TestLateRefundIsRetried: the automatic refund of a success that came
// after its session expired, whose provider timed out, is asked for again
// by the sweep and succeeds.
func TestLateRefundIsRetried(t *testing.T) {
	f, rf, clock := retryFixture(t, teststore.Open(t, "sqlite"))
	s := f.session(t)
	_, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodCard, Card: card("4000002500003155", "123")})
	if err != nil || p.Status != checkout.PaymentRequiresAction {
		t.Fatalf("pay: %+v, %v", p, err)
	}
	if _, err := f.svc.ExpireSession(f.ctx, f.scope, s.ID); err != nil {
		t.Fatal(err)
	}
	rf.set(timesOut)
	if _, err := f.svc.ApplyProviderResult(f.ctx, f.scope, "sim", checkout.Notification{PaymentID: p.ID, Result: checkout.ProviderResult{Status: checkout.PaymentSucceeded}}); err != nil {
		t.Fatalf("late success: %v", err)
	}
	page, _ := f.svc.ListRefunds(f.ctx, f.scope, service.RefundFilter{Payment: p.ID, ListParams: checkout.ListParams{Limit: 10}})
	if len(page.Items) != 1 || page.Items[0].Status != checkout.RefundPending || !page.Items[0].Automatic {
		t.Fatalf("refunds %+v", page.Items)
	}
	r := page.Items[0]
	rf.set(nil)
	clock.Add(service.DefaultReconcileAfter)
	f.sweep(t)
	got, _ := f.svc.GetRefund(f.ctx, f.scope, r.ID)
	if got.Status != checkout.RefundSucceeded || rf.asks(r.ID) != 2 {
		t.Fatalf("after the sweep: %s, asked %d times", got.Status, rf.asks(r.ID))
	}
	if pay := f.payment(t, p.ID); pay.AmountRefunded != p.Amount || !pay.CheckAt.IsZero() {
		t.Fatalf("payment: refunded %d, check at %v", pay.AmountRefunded, pay.CheckAt)
	}
}

// TestRefundRetryClaimedOnce: two replicas sweeping one store at once ask
// for a pending refund once between them: the payment's claim goes to one.
func TestRefundRetryClaimedOnce(t *testing.T) {
	for _, name := range []string{"sqlite", "redis", "postgres"} {
		t.Run(name, func(t *testing.T) {
			storeA, storeB := sharedStores[name](t)
			f, rf, clock := retryFixture(t, storeA)
			cfgB := f.cfg
			cfgB.Store = storeB
			other := service.New(cfgB)
			p := f.paid(t)
			rf.set(timesOut)
			r, err := f.svc.CreateRefund(f.ctx, f.scope, &service.RefundParams{Payment: p.ID})
			if err != nil || r.Status != checkout.RefundPending {
				t.Fatalf("refund: %+v, %v", r, err)
			}
			rf.set(nil)
			// Nanoseconds too, which no store keeps: the claim's lease is
			// still recognised when the check is cleared.
			clock.Add(service.DefaultReconcileAfter + 123*time.Nanosecond)
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, svc := range []*service.Service{f.svc, other} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = svc.SweepDuePayments(f.ctx)
				}()
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatalf("sweeps: %v", err)
			}
			if n := rf.asks(r.ID); n != 2 {
				t.Fatalf("asked %d times; want twice (the first, then one replica's retry)", n)
			}
			if got, _ := f.svc.GetRefund(f.ctx, f.scope, r.ID); got.Status != checkout.RefundSucceeded {
				t.Fatalf("refund %s", got.Status)
			}
			if pay := f.payment(t, p.ID); !pay.CheckAt.IsZero() {
				t.Fatalf("the payment's check was left at %v", pay.CheckAt)
			}
		})
	}
}

// TestPendingRefundWithReferenceIsLeftToTheGateway: a refund the provider
// answered pending, with its reference, is the gateway's to settle by its
// report: the sweep does not ask for it again and clears the payment's
// check.
func TestPendingRefundWithReferenceIsLeftToTheGateway(t *testing.T) {
	f, rf, clock := retryFixture(t, teststore.Open(t, "sqlite"))
	p := f.paid(t)
	rf.set(func(amount int64, key string) (checkout.RefundResult, error) {
		return checkout.RefundResult{Status: checkout.RefundPending, Amount: amount, ProviderRef: "gwre_" + key}, nil
	})
	r, err := f.svc.CreateRefund(f.ctx, f.scope, &service.RefundParams{Payment: p.ID})
	if err != nil || r.Status != checkout.RefundPending || r.ProviderRef == "" {
		t.Fatalf("refund: %+v, %v", r, err)
	}
	clock.Add(service.DefaultReconcileAfter)
	f.sweep(t)
	if n := rf.asks(r.ID); n != 1 {
		t.Fatalf("a refund with the provider's reference was asked for %d times; want once", n)
	}
	if pay := f.payment(t, p.ID); !pay.CheckAt.IsZero() || pay.AmountRefunded != p.Amount {
		t.Fatalf("payment: check at %v, refunded %d", pay.CheckAt, pay.AmountRefunded)
	}
	if got, _ := f.svc.GetRefund(f.ctx, f.scope, r.ID); got.Status != checkout.RefundPending {
		t.Fatalf("refund %s", got.Status)
	}
}
