package service_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/teststore"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/service"
)

// fixtureOn is newFixture over store st.
func fixtureOn(t *testing.T, st checkout.Store) *fixture {
	t.Helper()
	logs := &bytes.Buffer{}
	cfg := service.Config{Store: st, PublicURL: "http://checkout.test",
		Log:       slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Providers: simRegistry(sim.New(checkout.SystemClock{}))}
	svc := service.New(cfg)
	ctx := context.Background()
	a, _, err := svc.CreateAccount(ctx, service.AccountParams{ID: "acct_shop", Name: "Shop", DefaultCurrency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{cfg: cfg, svc: svc, store: st, logs: logs, scope: checkout.Scope{AccountID: a.ID}, ctx: ctx}
}

func (f *fixture) coupon(t *testing.T, p service.CouponParams) *checkout.Coupon {
	t.Helper()
	c, err := f.svc.CreateCoupon(f.ctx, f.scope, &p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) promo(t *testing.T, p service.PromotionCodeParams) *checkout.PromotionCode {
	t.Helper()
	pc, err := f.svc.CreatePromotionCode(f.ctx, f.scope, &p)
	if err != nil {
		t.Fatal(err)
	}
	return pc
}

// itemsSession makes a session of line items of the given unit amounts
// (quantity 1) in currency cur, with discounts d.
func (f *fixture) itemsSession(cur string, units []int64, d ...service.DiscountParams) (*checkout.Session, error) {
	p := &service.SessionParams{Currency: cur, SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no", Discounts: d}
	for _, u := range units {
		p.LineItems = append(p.LineItems, service.LineItemParams{Name: "Item", Currency: cur, UnitAmount: i64(u), Quantity: i64(1)})
	}
	return f.svc.CreateSession(f.ctx, f.scope, p)
}

// checkSpread asserts the line discounts of sess sum to its discount and
// its totals follow.
func checkSpread(t *testing.T, sess *checkout.Session, want int64) {
	t.Helper()
	var sum, totals int64
	for _, li := range sess.LineItems {
		sum += li.AmountDiscount
		totals += li.AmountTotal
		if li.AmountTotal != li.AmountSubtotal-li.AmountDiscount {
			t.Errorf("line %+v: total does not follow", li)
		}
	}
	if sess.AmountDiscount != want || sum != want || sess.AmountTotal != sess.AmountSubtotal-want || totals != sess.AmountTotal {
		t.Fatalf("discount %d (want %d), lines sum %d, total %d of %d, lines' totals %d", sess.AmountDiscount, want, sum, sess.AmountTotal, sess.AmountSubtotal, totals)
	}
}

func TestCouponDiscountsSpreadOverLines(t *testing.T) {
	f := newFixture(t)
	half := f.coupon(t, service.CouponParams{PercentOff: "50"})
	third := f.coupon(t, service.CouponParams{ID: "THIRD", Name: "A third", PercentOff: "33.33"})
	five := f.coupon(t, service.CouponParams{AmountOff: i64(500), Currency: "eur"})
	yen := f.coupon(t, service.CouponParams{AmountOff: i64(100), Currency: "JPY"})
	for _, tc := range []struct {
		name  string
		cur   string
		units []int64
		c     *checkout.Coupon
		want  int64
	}{
		{"half of three ones", "EUR", []int64{1, 1, 1}, half, 2}, // 1.5 rounds half up
		{"half of odd lines", "EUR", []int64{101, 33, 7}, half, 71},
		{"33.33 % of odd amounts", "EUR", []int64{999, 1001, 13}, third, 671},
		{"33.33 % in yen", "JPY", []int64{1, 1, 1, 7}, third, 3},
		{"33.33 % in fils", "BHD", []int64{1234, 5679}, third, 2304},
		{"amount off", "EUR", []int64{333, 333, 334}, five, 500},
		{"amount off past the total", "EUR", []int64{100, 200}, five, 299},
		{"yen off", "JPY", []int64{50, 70, 80}, yen, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sess, err := f.itemsSession(tc.cur, tc.units, service.DiscountParams{Coupon: tc.c.ID})
			if err != nil {
				t.Fatal(err)
			}
			checkSpread(t, sess, tc.want)
			stored, err := f.store.GetSession(f.ctx, f.scope, sess.ID)
			if err != nil {
				t.Fatal(err)
			}
			checkSpread(t, stored, tc.want)
			if len(stored.Discounts) != 1 || stored.Discounts[0].Coupon != tc.c.ID || stored.Discounts[0].Amount != tc.want ||
				stored.Discounts[0].PercentOff != tc.c.PercentOff || stored.Discounts[0].AmountOff != tc.c.AmountOff {
				t.Fatalf("stored discounts %+v", stored.Discounts)
			}
		})
	}
	// An amount-only session takes the discount on its total.
	amount := int64(1000)
	sess, err := f.svc.CreateSession(f.ctx, f.scope, &service.SessionParams{Amount: &amount, SuccessURL: "https://shop.example/ok",
		CancelURL: "https://shop.example/no", Discounts: []service.DiscountParams{{Coupon: third.ID}}})
	if err != nil || sess.AmountDiscount != 333 || sess.AmountTotal != 667 {
		t.Fatalf("amount session: %v %+v", err, sess)
	}
}

func TestCouponBadInputWritesNothing(t *testing.T) {
	f := newFixture(t)
	past := time.Now().Add(-time.Hour)
	f.coupon(t, service.CouponParams{ID: "TAKEN", PercentOff: "10"})
	for _, tc := range []struct {
		name  string
		p     service.CouponParams
		param string
	}{
		{"neither", service.CouponParams{}, "percent_off"},
		{"both", service.CouponParams{PercentOff: "10", AmountOff: i64(5), Currency: "EUR"}, "amount_off"},
		{"zero percent", service.CouponParams{PercentOff: "0"}, "percent_off"},
		{"over 100", service.CouponParams{PercentOff: "100.01"}, "percent_off"},
		{"three decimals", service.CouponParams{PercentOff: "33.333"}, "percent_off"},
		{"not a number", service.CouponParams{PercentOff: "ten"}, "percent_off"},
		{"currency with percent", service.CouponParams{PercentOff: "10", Currency: "EUR"}, "currency"},
		{"amount without currency", service.CouponParams{AmountOff: i64(5)}, "currency"},
		{"bad currency", service.CouponParams{AmountOff: i64(5), Currency: "XXX"}, "currency"},
		{"zero amount", service.CouponParams{AmountOff: i64(0), Currency: "EUR"}, "amount_off"},
		{"max_redemptions 0", service.CouponParams{PercentOff: "10", MaxRedemptions: i64(0)}, "max_redemptions"},
		{"redeem_by past", service.CouponParams{PercentOff: "10", RedeemBy: &past}, "redeem_by"},
		{"bad id", service.CouponParams{ID: "a b", PercentOff: "10"}, "id"},
		{"taken id", service.CouponParams{ID: "TAKEN", PercentOff: "10"}, "id"},
		{"long name", service.CouponParams{PercentOff: "10", Name: string(bytes.Repeat([]byte("n"), 41))}, "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.CreateCoupon(f.ctx, f.scope, &tc.p)
			e, ok := err.(*checkout.Error)
			if !ok || e.Kind != checkout.KindInvalid || e.Param != tc.param {
				t.Fatalf("want invalid %s, got %v", tc.param, err)
			}
		})
	}
	page, err := f.svc.ListCoupons(f.ctx, f.scope, checkout.ListParams{Limit: 10})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("coupons after bad input: %d %v", len(page.Items), err)
	}
	if got := f.events(t); len(got) != 1 {
		t.Fatalf("events %v", got)
	}

	for _, tc := range []struct {
		name  string
		p     service.PromotionCodeParams
		param string
	}{
		{"no coupon", service.PromotionCodeParams{Code: "A"}, "coupon"},
		{"unknown coupon", service.PromotionCodeParams{Code: "A", Coupon: "NOPE"}, "coupon"},
		{"bad code", service.PromotionCodeParams{Code: "A B", Coupon: "TAKEN"}, "code"},
		{"past expiry", service.PromotionCodeParams{Code: "A", Coupon: "TAKEN", ExpiresAt: &past}, "expires_at"},
		{"max_redemptions", service.PromotionCodeParams{Code: "A", Coupon: "TAKEN", MaxRedemptions: i64(-1)}, "max_redemptions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.CreatePromotionCode(f.ctx, f.scope, &tc.p)
			e, ok := err.(*checkout.Error)
			if !ok || e.Kind != checkout.KindInvalid || e.Param != tc.param {
				t.Fatalf("want invalid %s, got %v", tc.param, err)
			}
		})
	}
	codes, err := f.svc.ListPromotionCodes(f.ctx, f.scope, service.PromotionCodeFilter{ListParams: checkout.ListParams{Limit: 10}})
	if err != nil || len(codes.Items) != 0 {
		t.Fatalf("codes after bad input: %d %v", len(codes.Items), err)
	}
}

func TestSessionDiscountRefusals(t *testing.T) {
	f := newFixture(t)
	ok := f.coupon(t, service.CouponParams{ID: "OK", PercentOff: "10"})
	usd := f.coupon(t, service.CouponParams{ID: "USD", AmountOff: i64(100), Currency: "USD"})
	gone := f.coupon(t, service.CouponParams{ID: "GONE", PercentOff: "10"})
	inactive := f.promo(t, service.PromotionCodeParams{Code: "OFF", Coupon: ok.ID, Active: new(bool)})
	goneCode := f.promo(t, service.PromotionCodeParams{Code: "GONECODE", Coupon: gone.ID})
	if _, err := f.svc.DeleteCoupon(f.ctx, f.scope, "GONE"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		d     []service.DiscountParams
		allow bool
		param string
	}{
		{"two", []service.DiscountParams{{Coupon: "OK"}, {Coupon: "OK"}}, false, "discounts"},
		{"both names", []service.DiscountParams{{Coupon: "OK", PromotionCode: inactive.ID}}, false, "discounts"},
		{"empty", []service.DiscountParams{{}}, false, "discounts"},
		{"with allow", []service.DiscountParams{{Coupon: "OK"}}, true, "discounts"},
		{"unknown coupon", []service.DiscountParams{{Coupon: "NOPE"}}, false, "discounts[0][coupon]"},
		{"deleted coupon", []service.DiscountParams{{Coupon: "GONE"}}, false, "discounts"},
		{"other currency", []service.DiscountParams{{Coupon: usd.ID}}, false, "discounts"},
		{"inactive code", []service.DiscountParams{{PromotionCode: inactive.ID}}, false, "discounts"},
		{"code of a deleted coupon", []service.DiscountParams{{PromotionCode: goneCode.ID}}, false, "discounts"},
		{"unknown code", []service.DiscountParams{{PromotionCode: "promo_nope"}}, false, "discounts[0][promotion_code]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &service.SessionParams{Amount: i64(1000), SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no",
				Discounts: tc.d, AllowPromotionCodes: tc.allow}
			_, err := f.svc.CreateSession(f.ctx, f.scope, p)
			e, ok := err.(*checkout.Error)
			if !ok || e.Kind != checkout.KindInvalid || e.Param != tc.param {
				t.Fatalf("want invalid %s, got %v", tc.param, err)
			}
		})
	}
	page, err := f.store.ListSessions(f.ctx, f.scope, checkout.SessionFilter{ListParams: checkout.ListParams{Limit: 10}})
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("sessions after refusals: %d %v", len(page.Items), err)
	}
}

func TestCouponRedeemByAndLimitRefuseNewSessions(t *testing.T) {
	f := newFixture(t)
	soon := time.Now().Add(2 * time.Second)
	c := f.coupon(t, service.CouponParams{ID: "ONCE", PercentOff: "10", MaxRedemptions: i64(1)})
	s, err := f.itemsSession("EUR", []int64{1000}, service.DiscountParams{Coupon: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")}); err != nil || p.Amount != 900 {
		t.Fatalf("pay: %v %+v", err, p)
	}
	if got, _ := f.svc.GetCoupon(f.ctx, f.scope, c.ID); got.TimesRedeemed != 1 || len(got.Slots) != 0 || got.Valid(time.Now()) {
		t.Fatalf("coupon after its redemption %+v", got)
	}
	if _, err := f.itemsSession("EUR", []int64{1000}, service.DiscountParams{Coupon: c.ID}); checkout.ErrorKind(err) != checkout.KindInvalid {
		t.Fatalf("a session with an exhausted coupon: %v", err)
	}
	// A code past its expiry, and a coupon past redeem_by.
	r := f.coupon(t, service.CouponParams{ID: "SOON", PercentOff: "10", RedeemBy: &soon})
	pc := f.promo(t, service.PromotionCodeParams{Code: "SOONCODE", Coupon: r.ID, ExpiresAt: &soon})
	time.Sleep(time.Until(soon.Truncate(time.Second).Add(time.Second)))
	for _, d := range []service.DiscountParams{{Coupon: r.ID}, {PromotionCode: pc.ID}} {
		if _, err := f.itemsSession("EUR", []int64{1000}, d); checkout.ErrorKind(err) != checkout.KindInvalid {
			t.Fatalf("%+v past its date: %v", d, err)
		}
	}
}

// TestCouponLastRedemptionRace: sessions with a coupon of max_redemptions
// 1 are paid at once; exactly one payment is made and succeeds, the others
// are refused before any provider is asked; a declined payment frees its
// place. On every store.
func TestCouponLastRedemptionRace(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st checkout.Store) {
		f := fixtureOn(t, st)
		c := f.coupon(t, service.CouponParams{ID: "LAST", AmountOff: i64(100), Currency: "EUR", MaxRedemptions: i64(1)})
		pc := f.promo(t, service.PromotionCodeParams{Code: "LASTCODE", Coupon: c.ID})

		// A decline frees the place it held.
		s0, err := f.itemsSession("EUR", []int64{1000}, service.DiscountParams{PromotionCode: pc.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, p, err := f.svc.Pay(f.ctx, s0.ID, service.PayParams{Method: "card", Card: card("4000000000000002", "123")}); err != nil || p.Status != checkout.PaymentFailed {
			t.Fatalf("declined pay: %v %+v", err, p)
		}
		if got, _ := f.svc.GetCoupon(f.ctx, f.scope, c.ID); got.TimesRedeemed != 0 || len(got.Slots) != 0 {
			t.Fatalf("coupon after a decline %+v", got)
		}

		const n = 5
		sessions := make([]*checkout.Session, n)
		for i := range sessions {
			if sessions[i], err = f.itemsSession("EUR", []int64{1000}, service.DiscountParams{Coupon: c.ID}); err != nil {
				t.Fatal(err)
			}
		}
		if paid, refused := f.payAll(t, sessions, "coupon_max_redemptions"); paid != 1 || refused != n-1 {
			t.Fatalf("%d paid, %d refused", paid, refused)
		}
		pays, err := f.store.ListPayments(f.ctx, f.scope, checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 20}})
		if err != nil || len(pays.Items) != 2 { // the decline and the one success
			t.Fatalf("payments made: %d %v", len(pays.Items), err)
		}
		got, _ := f.svc.GetCoupon(f.ctx, f.scope, c.ID)
		if got.TimesRedeemed != 1 || len(got.Slots) != 0 {
			t.Fatalf("coupon after the race %+v", got)
		}
		// The unlimited promotion code of s0 counted nothing: s0 never completed.
		if gotPC, _ := f.svc.GetPromotionCode(f.ctx, f.scope, pc.ID); gotPC.TimesRedeemed != 0 {
			t.Fatalf("promotion code %+v", gotPC)
		}
	})
}

// TestPromotionCodeLimit: a code's own limit holds like its coupon's, and
// an unlimited coupon counts its redemptions after the outcome.
func TestPromotionCodeLimit(t *testing.T) {
	f := newFixture(t)
	c := f.coupon(t, service.CouponParams{PercentOff: "25"})
	pc := f.promo(t, service.PromotionCodeParams{Code: "once", Coupon: c.ID, MaxRedemptions: i64(1)})
	a, err := f.itemsSession("EUR", []int64{400}, service.DiscountParams{PromotionCode: pc.ID})
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.itemsSession("EUR", []int64{400}, service.DiscountParams{PromotionCode: pc.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, p, err := f.svc.Pay(f.ctx, a.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")}); err != nil || p.Amount != 300 {
		t.Fatalf("pay: %v %+v", err, p)
	}
	_, _, err = f.svc.Pay(f.ctx, b.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")})
	if e, ok := err.(*checkout.Error); !ok || e.Code != "promotion_code_max_redemptions" {
		t.Fatalf("second redemption: %v", err)
	}
	gotPC, _ := f.svc.GetPromotionCode(f.ctx, f.scope, pc.ID)
	gotC, _ := f.svc.GetCoupon(f.ctx, f.scope, c.ID)
	if gotPC.TimesRedeemed != 1 || gotC.TimesRedeemed != 1 {
		t.Fatalf("code %+v coupon %+v", gotPC, gotC)
	}
}

func TestApplyPromotionCode(t *testing.T) {
	f := newFixture(t)
	c := f.coupon(t, service.CouponParams{ID: "TEN", PercentOff: "10"})
	pc := f.promo(t, service.PromotionCodeParams{Code: "Summer10", Coupon: c.ID})
	f.promo(t, service.PromotionCodeParams{Code: "OFF", Coupon: c.ID, Active: new(bool)})
	p := &service.SessionParams{Currency: "EUR", SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no", AllowPromotionCodes: true,
		LineItems: []service.LineItemParams{{Name: "A", Currency: "EUR", UnitAmount: i64(333), Quantity: i64(3)}, {Name: "B", Currency: "EUR", UnitAmount: i64(1), Quantity: i64(1)}}}
	sess, err := f.svc.CreateSession(f.ctx, f.scope, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "NOPE", "OFF", "summer 10"} {
		_, err := f.svc.ApplyPromotionCode(f.ctx, sess.ID, bad)
		if e, ok := err.(*checkout.Error); !ok || e.Param != "promotion_code" {
			t.Fatalf("code %q: %v", bad, err)
		}
	}
	if got, _ := f.store.GetSession(f.ctx, f.scope, sess.ID); got.Version != sess.Version {
		t.Fatalf("a bad code wrote the session: %+v", got)
	}
	got, err := f.svc.ApplyPromotionCode(f.ctx, sess.ID, "SUMMER10")
	if err != nil {
		t.Fatal(err)
	}
	checkSpread(t, got, 100)
	if got.Discounts[0].PromotionCode != pc.ID || got.Discounts[0].Code != "Summer10" {
		t.Fatalf("discounts %+v", got.Discounts)
	}
	if got, err = f.svc.RemovePromotionCode(f.ctx, sess.ID); err != nil || got.AmountDiscount != 0 || got.AmountTotal != 1000 || got.Discounts != nil {
		t.Fatalf("removed: %v %+v", err, got)
	}
	// A session that does not allow codes refuses them.
	other, err := f.itemsSession("EUR", []int64{1000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ApplyPromotionCode(f.ctx, other.ID, "SUMMER10"); checkout.ErrorKind(err) != checkout.KindInvalid {
		t.Fatalf("code on a session without allow_promotion_codes: %v", err)
	}
	// Once paid, the discount cannot change.
	if _, err := f.svc.ApplyPromotionCode(f.ctx, sess.ID, "summer10"); err != nil {
		t.Fatal(err)
	}
	if _, p, err := f.svc.Pay(f.ctx, sess.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")}); err != nil || p.Amount != 900 {
		t.Fatalf("pay: %v %+v", err, p)
	}
	if _, err := f.svc.RemovePromotionCode(f.ctx, sess.ID); checkout.ErrorKind(err) != checkout.KindState {
		t.Fatalf("removing from a paid session: %v", err)
	}
	if gotPC, _ := f.svc.GetPromotionCode(f.ctx, f.scope, pc.ID); gotPC.TimesRedeemed != 1 {
		t.Fatalf("code after payment %+v", gotPC)
	}
}

func TestPromotionCodesUniqueAndListed(t *testing.T) {
	f := newFixture(t)
	a := f.coupon(t, service.CouponParams{ID: "A", PercentOff: "5"})
	b := f.coupon(t, service.CouponParams{ID: "B", PercentOff: "6"})
	first := f.promo(t, service.PromotionCodeParams{Code: "WELCOME", Coupon: a.ID})
	if _, err := f.svc.CreatePromotionCode(f.ctx, f.scope, &service.PromotionCodeParams{Code: "welcome", Coupon: b.ID}); err == nil || err.(*checkout.Error).Param != "code" {
		t.Fatalf("a second active WELCOME: %v", err)
	}
	off := false
	if _, err := f.svc.UpdatePromotionCode(f.ctx, f.scope, first.ID, &service.PromotionCodeParams{Active: &off}); err != nil {
		t.Fatal(err)
	}
	second := f.promo(t, service.PromotionCodeParams{Code: "welcome", Coupon: b.ID})
	on := true
	if _, err := f.svc.UpdatePromotionCode(f.ctx, f.scope, first.ID, &service.PromotionCodeParams{Active: &on}); err == nil || err.(*checkout.Error).Param != "active" {
		t.Fatalf("reactivating a taken code: %v", err)
	}
	for i := range 5 {
		f.promo(t, service.PromotionCodeParams{Code: "X" + string(rune('A'+i)), Coupon: a.ID})
	}
	list := func(fl service.PromotionCodeFilter) []string {
		t.Helper()
		if fl.Limit == 0 {
			fl.Limit = 100
		}
		page, err := f.svc.ListPromotionCodes(f.ctx, f.scope, fl)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, pc := range page.Items {
			ids = append(ids, pc.Code)
		}
		return ids
	}
	if got := list(service.PromotionCodeFilter{Code: "WELCOME"}); len(got) != 2 {
		t.Fatalf("code filter: %v", got)
	}
	if got := list(service.PromotionCodeFilter{Coupon: "B"}); len(got) != 1 || got[0] != second.Code {
		t.Fatalf("coupon filter: %v", got)
	}
	if got := list(service.PromotionCodeFilter{Active: &off}); len(got) != 1 || got[0] != "WELCOME" {
		t.Fatalf("active filter: %v", got)
	}
	page, err := f.svc.ListPromotionCodes(f.ctx, f.scope, service.PromotionCodeFilter{ListParams: checkout.ListParams{Limit: 2}, Coupon: "A"})
	if err != nil || len(page.Items) != 2 || !page.HasMore || page.Items[0].Code != "XE" {
		t.Fatalf("first page %+v %v", page, err)
	}
	next, err := f.svc.ListPromotionCodes(f.ctx, f.scope, service.PromotionCodeFilter{ListParams: checkout.ListParams{Limit: 10, StartingAfter: page.Items[1].ID}, Coupon: "A"})
	if err != nil || len(next.Items) != 4 || next.HasMore || next.Items[3].Code != "WELCOME" {
		t.Fatalf("next page %+v %v", next, err)
	}
	back, err := f.svc.ListPromotionCodes(f.ctx, f.scope, service.PromotionCodeFilter{ListParams: checkout.ListParams{Limit: 1, EndingBefore: next.Items[0].ID}, Coupon: "A"})
	if err != nil || len(back.Items) != 1 || !back.HasMore || back.Items[0].ID != page.Items[1].ID {
		t.Fatalf("page before %+v %v", back, err)
	}
}

func TestCouponIDsPerScopeAndDelete(t *testing.T) {
	f := newFixture(t)
	f.coupon(t, service.CouponParams{ID: "SHARED", PercentOff: "5"})
	other, _, err := f.svc.CreateAccount(f.ctx, service.AccountParams{ID: "acct_other", Name: "Other", DefaultCurrency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range []checkout.Scope{{AccountID: other.ID}, {AccountID: f.scope.AccountID, Livemode: true}} {
		if _, err := f.svc.CreateCoupon(f.ctx, sc, &service.CouponParams{ID: "SHARED", PercentOff: "7"}); err != nil {
			t.Fatalf("SHARED in %+v: %v", sc, err)
		}
	}
	c, err := f.svc.GetCoupon(f.ctx, f.scope, "SHARED")
	if err != nil || c.PercentOff != 500 {
		t.Fatalf("get %+v %v", c, err)
	}
	s, err := f.itemsSession("EUR", []int64{1000}, service.DiscountParams{Coupon: "SHARED"})
	if err != nil {
		t.Fatal(err)
	}
	if c, err = f.svc.DeleteCoupon(f.ctx, f.scope, "SHARED"); err != nil || !c.Deleted {
		t.Fatalf("delete %+v %v", c, err)
	}
	if _, err := f.svc.DeleteCoupon(f.ctx, f.scope, "SHARED"); err != nil {
		t.Fatalf("delete again: %v", err)
	}
	// The session keeps its discount, and its payment redeems it.
	if _, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")}); err != nil || p.Amount != 950 {
		t.Fatalf("pay: %v %+v", err, p)
	}
	if c, _ = f.svc.GetCoupon(f.ctx, f.scope, "SHARED"); c.TimesRedeemed != 1 {
		t.Fatalf("after pay %+v", c)
	}
	page, err := f.svc.ListCoupons(f.ctx, f.scope, checkout.ListParams{Limit: 10, StartingAfter: "SHARED"})
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("list after SHARED: %+v %v", page, err)
	}
	if _, err := f.svc.ListCoupons(f.ctx, f.scope, checkout.ListParams{Limit: 10, StartingAfter: "NOPE"}); checkout.ErrorKind(err) != checkout.KindNotFound {
		t.Fatalf("unknown cursor: %v", err)
	}
	want := []string{checkout.EventCouponCreated, checkout.EventCouponDeleted}
	got := f.events(t)
	if len(got) < 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("events %v", got)
	}
}

// TestCouponPlaceHeldThroughThreeDSecure: a payment waiting on 3-D Secure
// keeps its redemption place until it lapses; once another payer took
// it, the late confirmation is canceled rather than charged.
func TestCouponPlaceHeldThroughThreeDSecure(t *testing.T) {
	f := newFixture(t)
	clk := &setClock{now: time.Now().UTC().Truncate(time.Second)}
	f.configure(func(c *service.Config) { c.Clock = clk })
	c := f.coupon(t, service.CouponParams{ID: "ONE", PercentOff: "10", MaxRedemptions: i64(1)})
	a, err := f.itemsSession("EUR", []int64{1000}, service.DiscountParams{Coupon: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.itemsSession("EUR", []int64{1000}, service.DiscountParams{Coupon: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	_, pa, err := f.svc.Pay(f.ctx, a.ID, service.PayParams{Method: "card", Card: card("4000002760003184", "123")})
	if err != nil || pa.Status != checkout.PaymentRequiresAction {
		t.Fatalf("3-D Secure pay: %v %+v", err, pa)
	}
	if _, _, err := f.svc.Pay(f.ctx, b.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")}); checkout.ErrorKind(err) != checkout.KindState {
		t.Fatalf("the held place was taken: %v", err)
	}
	clk.Add(checkout.ClaimTTL)
	if _, pb, err := f.svc.Pay(f.ctx, b.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")}); err != nil || pb.Status != checkout.PaymentSucceeded {
		t.Fatalf("pay after the place lapsed: %v %+v", err, pb)
	}
	sess, p, err := f.svc.ConfirmPayment(f.ctx, a.ID, pa.ID, checkout.ConfirmRequest{Completed: true})
	if err != nil || p.Status != checkout.PaymentCanceled || sess.Status != checkout.SessionOpen {
		t.Fatalf("late confirmation: %v %+v %+v", err, p, sess)
	}
	got, _ := f.svc.GetCoupon(f.ctx, f.scope, c.ID)
	if got.TimesRedeemed != 1 || len(got.Slots) != 0 {
		t.Fatalf("coupon %+v", got)
	}
}

// TestCouponRedeemedByVoucher: a session completed unpaid by a Multibanco
// voucher redeems its coupon then, as Stripe counts a completed session.
func TestCouponRedeemedByVoucher(t *testing.T) {
	f := newFixture(t)
	c := f.coupon(t, service.CouponParams{ID: "MB", AmountOff: i64(250), Currency: "EUR", MaxRedemptions: i64(2)})
	p := &service.SessionParams{Amount: i64(1000), Currency: "EUR", SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no",
		PaymentMethodTypes: []string{"multibanco"}, Discounts: []service.DiscountParams{{Coupon: c.ID}}}
	s, err := f.svc.CreateSession(f.ctx, f.scope, p)
	if err != nil {
		t.Fatal(err)
	}
	sess, pay, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "multibanco"})
	if err != nil || pay.Amount != 750 || sess.Status != checkout.SessionComplete || sess.PaymentStatus != checkout.PaymentUnpaid {
		t.Fatalf("voucher: %v %+v %+v", err, pay, sess)
	}
	got, _ := f.svc.GetCoupon(f.ctx, f.scope, c.ID)
	if got.TimesRedeemed != 1 || len(got.Slots) != 0 {
		t.Fatalf("coupon %+v", got)
	}
}
