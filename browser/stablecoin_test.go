package browser_test

import (
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

func coinSession(t *testing.T) (id, pageURL string) {
	t.Helper()
	return createSession(t, map[string]any{"amount": 2500, "currency": "USD", "payment_method_types": []string{"stablecoin"},
		"supported_tokens": []map[string]string{{"chain": "base", "token": "USDC"}, {"chain": "ethereum", "token": "USDT"}}})
}

// TestStablecoin: the customer picks a token and chain, sees where and
// what to send (address, QR code, amount), simulates the transfer (test
// mode, no chain) and lands on success; every page passes axe-core.
func TestStablecoin(t *testing.T) {
	ctx := newTab(t)
	id, u := coinSession(t)
	do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("coin-0")))
	mustContain(t, ctx, "USDC on Base", "USDT on Ethereum", "Test mode")
	checkA11y(t, ctx, "stablecoin choice")
	shot(t, ctx, "stablecoin-choice")
	do(t, ctx, chromedp.Click(chromedp.CSS(`label[for=coin-1]`)),
		chromedp.Click(chromedp.CSS(`form:has(input[name=method][value=stablecoin]) button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("coin-address")))
	mustContain(t, ctx, "Send exactly 25.000000 USDT on Ethereum", "Waiting for your transfer")
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("svg.qr path").length`)); n != 1 {
		t.Errorf("%d QR code paths, want 1", n)
	}
	// With JavaScript the copy buttons show.
	if !get(t, ctx, chromedp.Evaluate[bool](`[].every.call(document.querySelectorAll("button.copy"),function(b){return !b.hidden})`)) {
		t.Error("the copy buttons stay hidden")
	}
	checkA11y(t, ctx, "stablecoin deposit")
	noHorizontalScroll(t, ctx)
	shot(t, ctx, "stablecoin-deposit")
	do(t, ctx, chromedp.Click(chromedp.ID("simulate")), chromedp.WaitVisible(chromedp.CSS(".receipt")))
	mustContain(t, ctx, "Paid $25.00 with 25.000000 USDT on Ethereum.")
	checkA11y(t, ctx, "stablecoin paid")
	do(t, ctx, chromedp.Click(chromedp.ID("continue")))
	waitMerchant(t, ctx, id)
	if s := session(t, id); s["status"] != "complete" || s["payment_status"] != "paid" || s["selected_token"] != "USDT" {
		t.Errorf("session %v", s)
	}
}

// TestStablecoinFollowsPayment: the deposit page, with JavaScript, sees
// the payment settle by itself (its timers sped up, as the voucher's test
// does).
func TestStablecoinFollowsPayment(t *testing.T) {
	ctx := newTab(t)
	const fast = `(function(){var si=window.setInterval;window.setInterval=function(f,ms){return si(f,Math.min(ms,200))}})()`
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: fast}); err != nil {
		t.Fatal(err)
	}
	id, u := coinSession(t)
	do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("coin-0")),
		chromedp.Click(chromedp.CSS(`form:has(input[name=method][value=stablecoin]) button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("coin-address")), chromedp.Sleep(500*time.Millisecond))
	mustContain(t, ctx, "USDC on Base")
	pays := api(t, "GET", "/v1/payments?checkout_session="+id, nil)["data"].([]any)
	payment := pays[0].(map[string]any)["id"].(string)
	api(t, "POST", "/v1/test_helpers/payments/"+payment+"/succeed", nil)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(".receipt")))
	mustContain(t, ctx, "Paid $25.00 with 25.000000 USDC on Base.")
}
