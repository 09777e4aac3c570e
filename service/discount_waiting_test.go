package service_test

import (
	"context"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/evm/evmtest"
	"github.com/checkoutd/checkoutd/provider/stablecoin"
	"github.com/checkoutd/checkoutd/service"
)

// dropDiscount writes session id without its discount behind the
// service's back, as a discount changed while a payment waited would
// have been stored before changeDiscount refused it.
func dropDiscount(t *testing.T, st checkout.Store, id string) {
	t.Helper()
	sess, err := st.FindSession(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	sess.SetDiscount(nil)
	sess.Version++
	if err := st.Commit(context.Background(), checkout.Change{Session: sess}); err != nil {
		t.Fatal(err)
	}
}

func wantPending(t *testing.T, err error) {
	t.Helper()
	if e, ok := err.(*checkout.Error); !ok || e.Kind != checkout.KindState || e.Code != "payment_pending" {
		t.Fatalf("changing the discount while a payment waits: %v, want payment_pending", err)
	}
}

// A 100.00 session with a 50 % code, a USDC selection asking 50: the code
// stays while the deposit waits, and a deposit at the old total never
// completes a session whose total changed (recorded late).
func TestDiscountHeldWhileDepositWaits(t *testing.T) {
	f := newFixture(t)
	svc, scope := coinService(t, f.store)
	ctx := context.Background()
	if _, err := svc.SetProvider(ctx, scope, stablecoin.Name, service.ProviderParams{Credentials: map[string]string{"xpub": evmtest.AnvilXpub}}); err != nil {
		t.Fatal(err)
	}
	c, err := svc.CreateCoupon(ctx, scope, &service.CouponParams{ID: "HALF", PercentOff: "50"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreatePromotionCode(ctx, scope, &service.PromotionCodeParams{Code: "HALF", Coupon: c.ID}); err != nil {
		t.Fatal(err)
	}
	sess, err := svc.CreateSession(ctx, scope, &service.SessionParams{Amount: i64(10000), Currency: "USD", AllowPromotionCodes: true,
		SuccessURL: "http://shop.example/ok", CancelURL: "http://shop.example/no", PaymentMethodTypes: []string{"stablecoin"}})
	if err != nil {
		t.Fatal(err)
	}
	if sess, err = svc.ApplyPromotionCode(ctx, sess.ID, "half"); err != nil || sess.AmountTotal != 5000 {
		t.Fatalf("apply: %v %+v", err, sess)
	}
	_, p, err := svc.Pay(ctx, sess.ID, service.PayParams{Method: checkout.MethodStablecoin, Stablecoin: usdcBase})
	if err != nil || p.Amount != 5000 || p.Deposit == nil || p.Deposit.Amount != "50000000" {
		t.Fatalf("select: %v %+v", err, p)
	}
	_, err = svc.RemovePromotionCode(ctx, sess.ID)
	wantPending(t, err)
	_, err = svc.ApplyPromotionCode(ctx, sess.ID, "HALF")
	wantPending(t, err)
	if got, _ := svc.GetSession(ctx, scope, sess.ID); got.AmountTotal != 5000 || len(got.Discounts) != 1 {
		t.Fatalf("a refusal wrote: %+v", got)
	}

	dropDiscount(t, f.store, sess.ID)
	done, err := svc.SettlePayment(ctx, scope, p.ID, true)
	if err != nil || done.Status != checkout.PaymentSucceeded || done.Deposit == nil || !done.Deposit.Late {
		t.Fatalf("settle: %v %+v", err, done)
	}
	got, err := svc.GetSession(ctx, scope, sess.ID)
	if err != nil || got.Status != checkout.SessionOpen || got.Payment != "" || got.AmountTotal != 10000 {
		t.Fatalf("session completed at a total never charged: %v %+v", err, got)
	}
	events := f.eventsOf(t, scope)
	if count(events, checkout.EventPaymentReceivedLate) != 1 || count(events, checkout.EventSessionCompleted) != 0 {
		t.Fatalf("events %v", events)
	}
}

// The same for a card waiting on 3-D Secure: the code stays, and a
// confirmation at another total is a late success, refunded in full.
func TestDiscountHeldThroughThreeDSecure(t *testing.T) {
	f := newFixture(t)
	c := f.coupon(t, service.CouponParams{ID: "HALF", PercentOff: "50"})
	f.promo(t, service.PromotionCodeParams{Code: "HALF", Coupon: c.ID})
	sess, err := f.svc.CreateSession(f.ctx, f.scope, &service.SessionParams{Amount: i64(10000), Currency: "EUR", AllowPromotionCodes: true,
		SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ApplyPromotionCode(f.ctx, sess.ID, "HALF"); err != nil {
		t.Fatal(err)
	}
	_, p, err := f.svc.Pay(f.ctx, sess.ID, service.PayParams{Method: "card", Card: card("4000002760003184", "123")})
	if err != nil || p.Status != checkout.PaymentRequiresAction || p.Amount != 5000 {
		t.Fatalf("3-D Secure pay: %v %+v", err, p)
	}
	_, err = f.svc.RemovePromotionCode(f.ctx, sess.ID)
	wantPending(t, err)

	dropDiscount(t, f.store, sess.ID)
	got, paid, err := f.svc.ConfirmPayment(f.ctx, sess.ID, p.ID, checkout.ConfirmRequest{Completed: true})
	if err != nil || paid.Status != checkout.PaymentSucceeded || paid.AmountRefunded != 5000 {
		t.Fatalf("confirm: %v %+v", err, paid)
	}
	if got.Status != checkout.SessionOpen || got.Payment != "" {
		t.Fatalf("session completed at a total never charged: %+v", got)
	}
	if events := f.events(t); count(events, checkout.EventSessionCompleted) != 0 {
		t.Fatalf("events %v", events)
	}
}
