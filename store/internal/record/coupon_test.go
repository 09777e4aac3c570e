package record

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// goldenCoupon and goldenPromotionCode pin the stored names of a coupon
// and a promotion code: databases will hold them.
const (
	goldenCoupon        = `{"id":"SUMMER","account_id":"acct_golden","livemode":true,"name":"Summer 33.33 %","percent_off_hundredths":3333,"max_redemptions":5,"redeem_by":"2026-03-15T15:09:26.535897Z","metadata":{"k":"v"},"times_redeemed":2,"slots":[{"session_id":"cs_one","since":"2026-03-14T15:10:26.535897Z","payment_id":"pay_one","until":"2026-03-14T16:10:26.535897Z"}],"version":3,"created":"2026-03-14T15:09:26.535897Z","updated":"2026-03-14T15:10:26.535897Z"}`
	goldenPromotionCode = `{"id":"promo_golden","account_id":"acct_golden","livemode":true,"code":"Summer10","coupon":"SUMMER","active":true,"max_redemptions":1,"expires_at":"2026-03-16T15:09:26.535897Z","metadata":{},"times_redeemed":0,"slots":[{"session_id":"cs_one","since":"2026-03-14T15:10:26.535897Z"}],"version":2,"created":"2026-03-14T15:09:26.535897Z","updated":"2026-03-14T15:10:26.535897Z"}`
)

func goldenCouponObjects() (*checkout.Coupon, *checkout.PromotionCode) {
	t0 := time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)
	// The coupon's slot is a payment's; the promotion code's one stored
	// before payments held slots (a session's, lapsing after ClaimTTL).
	slots := []checkout.RedemptionSlot{{SessionID: "cs_one", Since: t0.Add(time.Minute), PaymentID: "pay_one", Until: t0.Add(time.Hour + time.Minute)}}
	oldSlots := []checkout.RedemptionSlot{{SessionID: "cs_one", Since: t0.Add(time.Minute)}}
	c := &checkout.Coupon{ID: "SUMMER", AccountID: "acct_golden", Livemode: true, Name: "Summer 33.33 %", PercentOff: 3333,
		MaxRedemptions: 5, RedeemBy: t0.Add(24 * time.Hour), Metadata: map[string]string{"k": "v"},
		Redemptions: checkout.Redemptions{TimesRedeemed: 2, Slots: slots}, Version: 3, Created: t0, Updated: t0.Add(time.Minute)}
	p := &checkout.PromotionCode{ID: "promo_golden", AccountID: "acct_golden", Livemode: true, Code: "Summer10", Coupon: "SUMMER",
		Active: true, MaxRedemptions: 1, ExpiresAt: t0.Add(48 * time.Hour), Metadata: map[string]string{},
		Redemptions: checkout.Redemptions{Slots: oldSlots}, Version: 2, Created: t0, Updated: t0.Add(time.Minute)}
	return c, p
}

func TestGoldenCoupon(t *testing.T) {
	c, p := goldenCouponObjects()
	amountOff := &checkout.Coupon{ID: "coupon_x", AccountID: "acct_golden", Name: "Five off", AmountOff: 500, Currency: "EUR",
		Deleted: true, Version: 2, Created: c.Created, Updated: c.Updated}
	for _, tc := range []struct {
		o    checkout.Object
		want string
	}{{c, goldenCoupon}, {p, goldenPromotionCode},
		{amountOff, `{"id":"coupon_x","account_id":"acct_golden","livemode":false,"name":"Five off","amount_off":500,"currency":"EUR","redeem_by":"0001-01-01T00:00:00Z","deleted":true,"metadata":null,"times_redeemed":0,"slots":null,"version":2,"created":"2026-03-14T15:09:26.535897Z","updated":"2026-03-14T15:10:26.535897Z"}`}} {
		data, err := EncodeObject(tc.o)
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != tc.want {
			t.Errorf("a %s's stored form changed:\n got %s\nwant %s", tc.o.ObjectKind(), data, tc.want)
		}
		got, err := DecodeObject(tc.o.ObjectKind(), []byte(tc.want))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tc.o) {
			t.Errorf("the golden %s reads back as %+v, want %+v", tc.o.ObjectKind(), got, tc.o)
		}
	}
}

func TestGoldenSessionDiscount(t *testing.T) {
	s := &checkout.Session{ID: "cs_d", Discounts: []checkout.Discount{{Coupon: "SUMMER", PromotionCode: "promo_golden", Amount: 334,
		Name: "Summer", PercentOff: 3333, Code: "SUMMER10"}}, AllowPromotionCodes: true}
	data, err := EncodeSession(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `"Discounts":[{"Coupon":"SUMMER","PromotionCode":"promo_golden","Amount":334,"Name":"Summer","PercentOff":3333,"Code":"SUMMER10"}],"AllowPromotionCodes":true`
	if !strings.Contains(string(data), want) {
		t.Errorf("a session's discounts are stored as\n%s\nwant them as %s", data, want)
	}
	back, err := DecodeSession(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Discounts, s.Discounts) {
		t.Errorf("discounts read back as %+v", back.Discounts)
	}
}
