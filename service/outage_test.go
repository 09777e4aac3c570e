package service_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// downGateway is a gateway that times out on its first Start, with the
// error an HTTP client gives (naming a URL that carries its key), and
// issues vouchers after; it keeps the idempotency keys it was sent.
type downGateway struct {
	mu   sync.Mutex
	keys []string
}

func (*downGateway) Name() string                           { return "down" }
func (*downGateway) Methods() []checkout.Method             { return []checkout.Method{checkout.MethodMultibanco} }
func (*downGateway) Page(checkout.Method) checkout.PageSpec { return checkout.PageSpec{} }

func (g *downGateway) Start(_ context.Context, req checkout.StartRequest) (checkout.ProviderResult, error) {
	g.mu.Lock()
	g.keys = append(g.keys, req.IdempotencyKey)
	first := len(g.keys) == 1
	g.mu.Unlock()
	if first {
		return checkout.ProviderResult{}, &url.Error{Op: "Post", URL: "https://api.down.test/pay?api_key=DOWN_SECRET_KEY", Err: context.DeadlineExceeded}
	}
	return checkout.ProviderResult{Status: checkout.PaymentRequiresAction, Async: true, ProviderRef: "down_" + req.Payment.ID,
		Action: &checkout.NextAction{Kind: checkout.NextActionVoucher, Voucher: &checkout.Voucher{Entity: "12345", Reference: "999888777"}}}, nil
}

func (*downGateway) Confirm(context.Context, *checkout.Payment, checkout.ConfirmRequest) (checkout.ProviderResult, error) {
	return checkout.ProviderResult{}, nil
}

func (*downGateway) Refund(context.Context, *checkout.Payment, int64, string) (checkout.RefundResult, error) {
	return checkout.RefundResult{}, nil
}

// TestProviderTimeout: a gateway that times out leaves one payment,
// failed with processing_error and a message telling the customer to try
// again, one payment.failed event, and the session open; the log names the
// gateway's host, not its key. The customer's retry is a new payment with
// its own idempotency key, so the gateway can never take the second
// attempt for a replay of the first, nor the reverse.
func TestProviderTimeout(t *testing.T) {
	f := newFixture(t)
	gw := &downGateway{}
	r := service.NewRegistry()
	r.Register("down", func(*checkout.Account, bool) (checkout.Provider, error) { return gw, nil })
	r.Route(false, "down", checkout.MethodMultibanco)
	f.configure(func(c *service.Config) { c.Providers = r })
	s := f.session(t, "multibanco")

	sess, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodMultibanco})
	if err != nil {
		t.Fatalf("a provider's timeout is not the customer's error: %v", err)
	}
	if p.Status != checkout.PaymentFailed || p.FailureCode != "processing_error" || !strings.Contains(p.FailureMessage, "Try again") {
		t.Fatalf("payment after a timeout: %+v", p)
	}
	if sess.Status != checkout.SessionOpen {
		t.Fatalf("session %s after a timeout", sess.Status)
	}
	pays, err := f.store.ListPayments(f.ctx, f.scope, checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 10}})
	if err != nil || len(pays.Items) != 1 {
		t.Fatalf("payments after a timeout: %v %d", err, len(pays.Items))
	}
	if evs := f.events(t); !slices.Equal(evs, []string{checkout.EventPaymentFailed}) {
		t.Fatalf("events after a timeout: %v", evs)
	}
	if log := f.logs.String(); strings.Contains(log, "DOWN_SECRET_KEY") || !strings.Contains(log, "https://api.down.test") {
		t.Fatalf("the log of the timeout:\n%s", log)
	}

	_, again, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodMultibanco})
	if err != nil || again.ID == p.ID || again.Status != checkout.PaymentRequiresAction {
		t.Fatalf("the retry: %v %+v", err, again)
	}
	if len(gw.keys) != 2 || gw.keys[0] != "checkoutd_"+p.ID || gw.keys[1] != "checkoutd_"+again.ID {
		t.Fatalf("idempotency keys sent: %v", gw.keys)
	}
}
