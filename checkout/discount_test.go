package checkout_test

import (
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
)

func TestSpreadDiscount(t *testing.T) {
	for _, tc := range []struct {
		name   string
		amount int64
		subs   []int64
		want   []int64
	}{
		{"half of three ones", 2, []int64{1, 1, 1}, []int64{1, 1, 0}},
		{"even", 50, []int64{100, 100}, []int64{25, 25}},
		{"proportional", 100, []int64{300, 100}, []int64{75, 25}},
		{"largest remainder wins", 10, []int64{333, 333, 334}, []int64{3, 3, 4}},
		{"zero line", 5, []int64{0, 10}, []int64{0, 5}},
		{"all of it", 1200, []int64{700, 500}, []int64{700, 500}},
		{"nothing", 0, []int64{3, 4}, []int64{0, 0}},
		{"no lines", 7, nil, []int64{}},
		{"huge", checkout.MaxAmount - 1, []int64{checkout.MaxAmount / 2, checkout.MaxAmount - checkout.MaxAmount/2}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := checkout.SpreadDiscount(tc.amount, tc.subs)
			var sum int64
			for i, g := range got {
				sum += g
				if g < 0 || g > tc.subs[i] {
					t.Errorf("line %d takes %d of %d", i, g, tc.subs[i])
				}
			}
			if len(tc.subs) > 0 && sum != tc.amount {
				t.Errorf("shares %v sum to %d, want %d", got, sum, tc.amount)
			}
			if tc.want != nil {
				if len(got) != len(tc.want) {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
				for i := range got {
					if got[i] != tc.want[i] {
						t.Fatalf("got %v, want %v", got, tc.want)
					}
				}
			}
		})
	}
}

func TestDiscountOf(t *testing.T) {
	for _, tc := range []struct {
		name     string
		c        checkout.Coupon
		subtotal int64
		want     int64
	}{
		{"50 % of 3", checkout.Coupon{PercentOff: 5000}, 3, 2},            // 1.5 rounds half up
		{"33.33 % of 1001", checkout.Coupon{PercentOff: 3333}, 1001, 334}, // 333.6333
		{"33.33 % of 7 yen", checkout.Coupon{PercentOff: 3333}, 7, 2},     // 2.3331
		{"12.5 % of 4 half up", checkout.Coupon{PercentOff: 1250}, 4, 1},  // 0.5
		{"amount off", checkout.Coupon{AmountOff: 500, Currency: "EUR"}, 2000, 500},
		{"amount off capped", checkout.Coupon{AmountOff: 5000, Currency: "EUR"}, 2000, 2000 - checkout.MinAmount},
		{"100 % capped", checkout.Coupon{PercentOff: 10000}, 2000, 2000 - checkout.MinAmount},
		{"BHD fils", checkout.Coupon{PercentOff: 1000}, 12345, 1235}, // 1234.5
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.DiscountOf(tc.subtotal); got != tc.want {
				t.Errorf("DiscountOf(%d) = %d, want %d", tc.subtotal, got, tc.want)
			}
		})
	}
}

func TestSetDiscount(t *testing.T) {
	sess := &checkout.Session{Currency: "JPY", AmountSubtotal: 1003, AmountTotal: 1003}
	for _, s := range []int64{1, 1, 1, 1000} {
		sess.LineItems = append(sess.LineItems, checkout.LineItem{AmountSubtotal: s, AmountTotal: s})
	}
	c := &checkout.Coupon{ID: "c", PercentOff: 3333}
	d := c.DiscountOf(sess.AmountSubtotal)
	sess.SetDiscount(&checkout.Discount{Coupon: "c", Amount: d})
	var sum, totals int64
	for _, li := range sess.LineItems {
		sum += li.AmountDiscount
		totals += li.AmountTotal
	}
	if sum != d || sess.AmountDiscount != d || sess.AmountTotal != 1003-d || totals != sess.AmountTotal {
		t.Fatalf("discount %d: lines %+v sum %d, session %d/%d", d, sess.LineItems, sum, sess.AmountDiscount, sess.AmountTotal)
	}
	sess.SetDiscount(nil)
	if sess.AmountDiscount != 0 || sess.AmountTotal != 1003 || sess.LineItems[3].AmountDiscount != 0 || sess.Discounts != nil {
		t.Fatalf("removed: %+v", sess)
	}
}

func TestPercent(t *testing.T) {
	for in, want := range map[string]int64{"50": 5000, "33.33": 3333, "12.5": 1250, "0.01": 1, "100": 10000} {
		got, ok := checkout.ParsePercent(in)
		if !ok || got != want {
			t.Errorf("ParsePercent(%q) = %d, %v; want %d", in, got, ok, want)
		}
		if back := checkout.FormatPercent(got); back != in {
			t.Errorf("FormatPercent(%d) = %q, want %q", got, back, in)
		}
	}
	for _, bad := range []string{"", ".5", "5.", "1.234", "-1", "1e2", "abc", "1000", "5 "} {
		if _, ok := checkout.ParsePercent(bad); ok {
			t.Errorf("ParsePercent(%q) accepted", bad)
		}
	}
}
