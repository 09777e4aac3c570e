package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/service"
)

// slowStart is the simulator with a hook run once inside the first Start,
// while the gateway is being asked: what happens elsewhere meanwhile.
type slowStart struct {
	checkout.Provider
	during func()
}

func (p *slowStart) Start(ctx context.Context, req checkout.StartRequest) (checkout.ProviderResult, error) {
	if f := p.during; f != nil {
		p.during = nil
		f()
	}
	return p.Provider.Start(ctx, req)
}

// TestInvoiceAsyncAfterAnotherSessionPaid is the reviewer's scenario: A's
// voucher is asked for, and while the gateway answers A's hold lapses and
// B pays the invoice. A's voucher is recorded canceled, its session left
// open (not completed waiting for money the invoice cannot take), and the
// voucher paid anyway is a late success, refunded in full.
func TestInvoiceAsyncAfterAnotherSessionPaid(t *testing.T) {
	f := newFixture(t)
	clk := &setClock{now: time.Now().UTC().Truncate(time.Second)}
	slow := &slowStart{Provider: sim.New(checkout.SystemClock{})}
	reg := service.NewRegistry()
	reg.Register("sim", func(*checkout.Account, bool) (checkout.Provider, error) { return slow, nil })
	reg.Route(false, "sim", checkout.MethodCard, checkout.MethodMultibanco, checkout.MethodInStore)
	f.configure(func(c *service.Config) { c.Clock, c.Providers = clk, reg })
	in := f.openInvoice(t, 1000, nil)
	a, b := f.invoiceSession(t, in.ID, "multibanco"), f.invoiceSession(t, in.ID)
	slow.during = func() {
		clk.Add(checkout.ClaimTTL)
		if _, pb, err := f.svc.Pay(f.ctx, b.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")}); err != nil || pb.Status != checkout.PaymentSucceeded {
			t.Errorf("B's payment: %v %+v", err, pb)
		}
	}
	sa, pa, err := f.svc.Pay(f.ctx, a.ID, service.PayParams{Method: "multibanco"})
	if err != nil {
		t.Fatal(err)
	}
	if pa.Status != checkout.PaymentCanceled || sa.Status != checkout.SessionOpen || sa.Payment != "" {
		t.Fatalf("A's voucher recorded after B paid: payment %s, session %s/%s naming %q", pa.Status, sa.Status, sa.PaymentStatus, sa.Payment)
	}
	if got, _ := f.svc.GetInvoice(f.ctx, f.scope, in.ID); got.Status != checkout.InvoicePaid || got.Session != b.ID {
		t.Fatalf("invoice %+v", got)
	}
	// The customer pays the voucher anyway: refunded, A still open.
	p, err := f.svc.ApplyProviderResult(f.ctx, f.scope, "sim", checkout.Notification{PaymentID: pa.ID,
		Result: checkout.ProviderResult{Status: checkout.PaymentSucceeded}})
	if err != nil || p.Status != checkout.PaymentSucceeded || p.AmountRefunded != p.Amount {
		t.Fatalf("voucher paid late: %v %+v", err, p)
	}
	if sess, _ := f.svc.GetSession(f.ctx, f.scope, a.ID); sess.Status != checkout.SessionOpen || sess.Payment != "" {
		t.Fatalf("session of the late voucher %+v", sess)
	}
}
