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
	c, err := svc.CreateCoupon(ctx, scope, &service.CouponParams{ID: "HALF", PercentOff: "50", MaxRedemptions: i64(5)})
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
	// The place the deposit claimed is freed by its outcome, although the
	// session has no discount any more; nothing was redeemed.
	if got, _ := svc.GetCoupon(ctx, scope, c.ID); got.TimesRedeemed != 0 || len(got.Slots) != 0 {
		t.Fatalf("coupon after the late deposit %+v", got)
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

// A deposit holds its redemption place until it ends, not ClaimTTL: with
// max_redemptions 1, session A's waiting deposit keeps B out past
// ClaimTTL; A's second selection shares A's place, and A's first ending
// does not free it; A paid counts once.
func TestRedemptionHeldByDeposit(t *testing.T) {
	f := newFixture(t)
	clk := &setClock{now: time.Now().UTC().Truncate(time.Second)}
	svc, scope := coinService(t, f.store, func(c *service.Config) { c.Clock = clk })
	ctx := context.Background()
	if _, err := svc.SetProvider(ctx, scope, stablecoin.Name, service.ProviderParams{Credentials: map[string]string{"xpub": evmtest.AnvilXpub}}); err != nil {
		t.Fatal(err)
	}
	c, err := svc.CreateCoupon(ctx, scope, &service.CouponParams{ID: "ONCE", PercentOff: "10", MaxRedemptions: i64(1)})
	if err != nil {
		t.Fatal(err)
	}
	mk := func() *checkout.Session {
		sess, err := svc.CreateSession(ctx, scope, &service.SessionParams{Amount: i64(10000), Currency: "USD",
			Discounts: []service.DiscountParams{{Coupon: c.ID}}, SuccessURL: "http://shop.example/ok", CancelURL: "http://shop.example/no",
			PaymentMethodTypes: []string{"stablecoin"}})
		if err != nil {
			t.Fatal(err)
		}
		return sess
	}
	a, b := mk(), mk()
	_, a1, err := svc.Pay(ctx, a.ID, service.PayParams{Method: checkout.MethodStablecoin, Stablecoin: usdcBase})
	if err != nil || a1.Status != checkout.PaymentRequiresAction || a1.Coupon != c.ID {
		t.Fatalf("A selects: %v %+v", err, a1)
	}
	clk.Add(checkout.ClaimTTL + time.Minute)
	_, a2, err := svc.Pay(ctx, a.ID, service.PayParams{Method: checkout.MethodStablecoin, Stablecoin: usdtEth})
	if err != nil || a2.Status != checkout.PaymentRequiresAction {
		t.Fatalf("A selects again: %v %+v", err, a2)
	}
	wantFull := func(when string) {
		t.Helper()
		_, _, err := svc.Pay(ctx, b.ID, service.PayParams{Method: checkout.MethodStablecoin, Stablecoin: usdcBase})
		if e, ok := err.(*checkout.Error); !ok || e.Code != "coupon_max_redemptions" {
			t.Fatalf("B selects %s: %v, want coupon_max_redemptions", when, err)
		}
	}
	clk.Add(checkout.ClaimTTL + time.Minute)
	wantFull("while A's deposits wait")
	if _, err := svc.SettlePayment(ctx, scope, a1.ID, false); err != nil {
		t.Fatal(err)
	}
	wantFull("once A's first deposit failed")
	if _, err := svc.SettlePayment(ctx, scope, a2.ID, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := svc.GetSession(ctx, scope, a.ID); got.Status != checkout.SessionComplete || got.Payment != a2.ID {
		t.Fatalf("A %+v", got)
	}
	got, _ := svc.GetCoupon(ctx, scope, c.ID)
	if got.TimesRedeemed != 1 || len(got.Slots) != 0 {
		t.Fatalf("coupon %+v", got)
	}
	wantFull("once A is paid")
}
