package browser_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// withoutJavaScript switches the page's scripts off in the tab (on again
// with off=false): what a customer with JavaScript disabled gets.
func withoutJavaScript(t *testing.T, ctx context.Context, off bool) {
	t.Helper()
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: off}); err != nil {
		t.Fatal(err)
	}
}

// checkA11yNoJS is checkA11y for a page loaded without JavaScript: axe-core
// needs scripts (its promise never settles without them), so they are on
// while it runs; the page's own script, skipped at load, does not run
// then, and the page stays as it was loaded.
func checkA11yNoJS(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	withoutJavaScript(t, ctx, false)
	checkA11y(t, ctx, name)
	withoutJavaScript(t, ctx, true)
}

// TestPromotionCode: a session that allows promotion codes, paid by a
// customer without JavaScript. A wrong code is refused under its field and
// writes nothing; the right one shows the subtotal, the discount and the
// new total, on the pay button too; the code can be removed and applied
// again; the card pays the discounted total. Every view passes axe-core.
func TestPromotionCode(t *testing.T) {
	ctx := newTabFor(t, time.Minute) // three axe runs and a payment
	// Codes are unique among an account's active codes: one per run.
	code := fmt.Sprintf("TENOFF%d", time.Now().UnixNano()%1_000_000_000)
	coupon := api(t, "POST", "/v1/coupons", map[string]any{"percent_off": 10, "name": "Ten off"})
	promo := api(t, "POST", "/v1/promotion_codes", map[string]any{"coupon": coupon["id"], "code": code})
	item := func(name string, qty, unit int) map[string]any {
		return map[string]any{"quantity": qty, "price_data": map[string]any{"currency": "GHS", "unit_amount": unit, "product_data": map[string]any{"name": name}}}
	}
	id, u := createSession(t, map[string]any{"allow_promotion_codes": true, "amount": nil,
		"line_items": []any{item("Mug", 2, 1500), item("Tee", 1, 2000)}})

	withoutJavaScript(t, ctx, true)
	do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("promotion_code")))
	if got := text(t, ctx, "total"); got != "GH₵50.00" {
		t.Errorf("total before a code: %q", got)
	}
	checkA11yNoJS(t, ctx, "promotion code field")

	do(t, ctx, chromedp.SendKeys(chromedp.ID("promotion_code"), "NOPE-NOT-A-CODE"), chromedp.Click(chromedp.ID("promotion_apply")),
		chromedp.WaitVisible(chromedp.ID("promotion_code-error")))
	if got := text(t, ctx, "promotion_code-error"); got != "This code is not valid for this order." {
		t.Errorf("a wrong code: %q", got)
	}
	if v := get(t, ctx, chromedp.AttributeValue(chromedp.ID("promotion_code"), "aria-invalid")).Value; v != "true" {
		t.Errorf("the field after a wrong code: aria-invalid=%q", v)
	}
	if got := text(t, ctx, "total"); got != "GH₵50.00" {
		t.Errorf("total after a wrong code: %q", got)
	}
	if s := session(t, id); s["amount_total"] != float64(5000) || s["discounts"] != nil && len(s["discounts"].([]any)) != 0 {
		t.Errorf("a wrong code changed the session: total %v discounts %v", s["amount_total"], s["discounts"])
	}
	checkA11yNoJS(t, ctx, "promotion code refused")
	shot(t, ctx, "promotion-code-refused")

	// Typed in lower case: codes match in any case.
	apply := func() {
		t.Helper()
		do(t, ctx, chromedp.Clear(chromedp.ID("promotion_code")), chromedp.SendKeys(chromedp.ID("promotion_code"), strings.ToLower(code)),
			chromedp.Click(chromedp.ID("promotion_apply")), chromedp.WaitVisible(chromedp.ID("promotion_applied")))
	}
	apply()
	if got := text(t, ctx, "promotion_applied"); got != "Code "+code+" applied" {
		t.Errorf("applied: %q", got)
	}
	for id, want := range map[string]string{"subtotal": "GH₵50.00", "discount": "−GH₵5.00", "total": "GH₵45.00"} {
		if got := text(t, ctx, id); got != want {
			t.Errorf("#%s = %q, want %q", id, got, want)
		}
	}
	if got := get(t, ctx, chromedp.Text(payButton)); got != "Pay GH₵45.00" {
		t.Errorf("the pay button says %q", got)
	}
	mustContain(t, ctx, "Discount ("+code+")")
	if s := session(t, id); s["amount_total"] != float64(4500) || s["amount_subtotal"] != float64(5000) {
		t.Errorf("session after the code: total %v subtotal %v", s["amount_total"], s["amount_subtotal"])
	}
	checkA11yNoJS(t, ctx, "promotion code applied")
	noHorizontalScroll(t, ctx)
	shot(t, ctx, "promotion-code-applied")

	do(t, ctx, chromedp.Click(chromedp.ID("promotion_remove")), chromedp.WaitVisible(chromedp.ID("promotion_apply")))
	if got := text(t, ctx, "total"); got != "GH₵50.00" {
		t.Errorf("total after removing the code: %q", got)
	}
	apply()

	// The card, still without JavaScript: the number stays as typed (the
	// script that spaces it does not run), and the discounted total is paid.
	// (fillCard's SetValue needs scripts; the fields are empty anyway.)
	do(t, ctx, chromedp.SendKeys(chromedp.ID("email"), "customer@example.com"), chromedp.SendKeys(chromedp.ID("card_number"), "4242424242424242"),
		chromedp.SendKeys(chromedp.ID("card_expiry"), expiryDigits()), chromedp.SendKeys(chromedp.ID("card_cvc"), "123"))
	if v := get(t, ctx, chromedp.Value(chromedp.ID("card_number"))); v != "4242424242424242" {
		t.Errorf("the card number became %q: the page's script ran", v)
	}
	do(t, ctx, chromedp.Click(payButton))
	waitMerchant(t, ctx, id)
	s := session(t, id)
	ds, _ := s["discounts"].([]any)
	if s["status"] != "complete" || s["payment_status"] != "paid" || s["amount_total"] != float64(4500) || len(ds) != 1 {
		t.Fatalf("paid session: %v", s)
	}
	if d := ds[0].(map[string]any); d["coupon"].(map[string]any)["id"] != coupon["id"] || d["amount"] != float64(500) || d["promotion_code"] != promo["id"] {
		t.Errorf("discount: %v", d)
	}
	pays := api(t, "GET", "/v1/payments?checkout_session="+id, nil)["data"].([]any)
	if len(pays) != 1 || pays[0].(map[string]any)["amount"] != float64(4500) {
		t.Errorf("payments: %v", pays)
	}
}
