package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/evm/evmtest"
	"github.com/checkoutd/checkoutd/provider/stablecoin"
	"github.com/checkoutd/checkoutd/service"
)

// TestInvoiceHeldByDeposit: a deposit address waiting to be paid holds
// its session's invoice past ClaimTTL (coins sent to it could not be
// refunded if another session paid meanwhile): another session is
// refused and the invoice cannot be voided until the deposit's deadline.
func TestInvoiceHeldByDeposit(t *testing.T) {
	f := newFixture(t)
	clk := &setClock{now: time.Now().UTC().Truncate(time.Second)}
	svc, scope := coinService(t, f.store, func(c *service.Config) { c.Clock = clk })
	ctx := context.Background()
	if _, err := svc.SetProvider(ctx, scope, stablecoin.Name, service.ProviderParams{Credentials: map[string]string{"xpub": evmtest.AnvilXpub}}); err != nil {
		t.Fatal(err)
	}
	in, err := svc.CreateInvoice(ctx, scope, &service.InvoiceParams{CustomerEmail: str("ana@example.com"),
		LineItems: []service.LineItemParams{{Name: "Consulting", UnitAmount: i64(1000), Quantity: i64(1)}}})
	if err != nil {
		t.Fatal(err)
	}
	if in, err = svc.FinalizeInvoice(ctx, scope, in.ID); err != nil {
		t.Fatal(err)
	}
	mk := func() *checkout.Session {
		s, err := svc.CreateSession(ctx, scope, &service.SessionParams{Invoice: in.ID, SuccessURL: "https://shop.example/ok",
			CancelURL: "https://shop.example/no", PaymentMethodTypes: []string{"stablecoin", "card"}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := mk(), mk()
	_, pa, err := svc.Pay(ctx, a.ID, service.PayParams{Method: checkout.MethodStablecoin, Stablecoin: usdcBase})
	if err != nil || pa.Status != checkout.PaymentRequiresAction || pa.Action == nil || pa.Action.Kind != checkout.NextActionDepositAddress {
		t.Fatalf("deposit: %v %+v", err, pa)
	}
	clk.Add(checkout.ClaimTTL + time.Minute)
	if !clk.Now().Before(pa.Action.ExpiresAt) {
		t.Fatalf("the deposit's deadline %v is within ClaimTTL", pa.Action.ExpiresAt)
	}
	_, _, err = svc.Pay(ctx, b.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")})
	wantState(t, err, "invoice_payment_in_progress")
	_, err = svc.VoidInvoice(ctx, scope, in.ID)
	wantState(t, err, "invoice_payment_in_progress")
	if got, _ := svc.GetInvoice(ctx, scope, in.ID); got.Holder.SessionID != a.ID || got.Holder.Until.Before(pa.Action.ExpiresAt) {
		t.Fatalf("holder %+v, deadline %v", got.Holder, pa.Action.ExpiresAt)
	}
	// The customer picks another token (a second deposit address) and
	// that one fails: the first can still be paid, so the invoice stays
	// held for it.
	_, pa2, err := svc.Pay(ctx, a.ID, service.PayParams{Method: checkout.MethodStablecoin, Stablecoin: usdtEth})
	if err != nil || pa2.Status != checkout.PaymentRequiresAction {
		t.Fatalf("second deposit: %v %+v", err, pa2)
	}
	if _, err := svc.SettlePayment(ctx, scope, pa2.ID, false); err != nil {
		t.Fatal(err)
	}
	clk.Add(checkout.ClaimTTL + time.Minute)
	_, _, err = svc.Pay(ctx, b.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")})
	wantState(t, err, "invoice_payment_in_progress")
	// The deposit paid at last completes its session and pays the invoice.
	if _, err := svc.SettlePayment(ctx, scope, pa.ID, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := svc.GetInvoice(ctx, scope, in.ID); got.Status != checkout.InvoicePaid || got.Session != a.ID {
		t.Fatalf("invoice %+v", got)
	}
}

// TestInvoiceHeldByDevicePush: a push waiting on its device holds the
// invoice past ClaimTTL, to the push's deadline.
func TestInvoiceHeldByDevicePush(t *testing.T) {
	f := newFixture(t)
	clk := &setClock{now: time.Now().UTC().Truncate(time.Second)}
	f.configure(func(c *service.Config) { c.Clock = clk })
	in := f.openInvoice(t, 1000, nil)
	a, err := f.svc.CreateSession(f.ctx, f.scope, &service.SessionParams{Invoice: in.ID, SuccessURL: "https://shop.example/ok",
		CancelURL: "https://shop.example/no", PaymentMethodTypes: []string{"in_store", "card"}, CompanionDevice: checkout.TestDeviceTimeout})
	if err != nil {
		t.Fatal(err)
	}
	b := f.invoiceSession(t, in.ID)
	_, pa, err := f.svc.Pay(f.ctx, a.ID, service.PayParams{Method: checkout.MethodInStore})
	if err != nil || pa.Status != checkout.PaymentRequiresAction || pa.Action == nil || pa.Action.Kind != checkout.NextActionDevice {
		t.Fatalf("push: %v %+v", err, pa)
	}
	clk.Add(checkout.ClaimTTL + time.Minute)
	if !clk.Now().Before(pa.Action.ExpiresAt) {
		t.Fatalf("the push's deadline %v is within ClaimTTL", pa.Action.ExpiresAt)
	}
	_, _, err = f.svc.Pay(f.ctx, b.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")})
	wantState(t, err, "invoice_payment_in_progress")
	_, err = f.svc.VoidInvoice(f.ctx, f.scope, in.ID)
	wantState(t, err, "invoice_payment_in_progress")
}

// TestInvoiceSessionBadCurrency: a session for an invoice with a currency
// that is no currency is refused naming currency, not given the
// invoice's silently; nothing is written.
func TestInvoiceSessionBadCurrency(t *testing.T) {
	f := newFixture(t)
	in := f.openInvoice(t, 1000, nil)
	for _, cur := range []string{"XXX", "euros"} {
		_, err := f.svc.CreateSession(f.ctx, f.scope, &service.SessionParams{Invoice: in.ID, Currency: cur,
			SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no"})
		wantParam(t, err, "currency")
	}
	page, err := f.svc.ListSessions(f.ctx, f.scope, checkout.SessionFilter{ListParams: checkout.ListParams{Limit: 10}})
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("sessions written: %v %d", err, len(page.Items))
	}
}
