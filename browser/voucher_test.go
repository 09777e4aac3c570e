package browser_test

import (
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestVoucherFollowsPayment: a waiting voucher's page, with JavaScript,
// looks at itself now and then and reloads only once the payment is
// settled; it never reloads while nothing changed (a timed reload moves a
// screen reader's place for nothing). The page's timers are sped up, from
// seconds to a fifth of one, so the test need not wait for them.
func TestVoucherFollowsPayment(t *testing.T) {
	ctx := newTab(t)
	const fast = `(function(){var si=window.setInterval;window.setInterval=function(f,ms){return si(f,Math.min(ms,200))};` +
		`sessionStorage.loads=String(Number(sessionStorage.loads||0)+1)})()`
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: fast}); err != nil {
		t.Fatal(err)
	}
	id, u := createSession(t, mb)
	do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("card_number")),
		chromedp.Click(chromedp.CSS(`form:has(input[name=method][value=multibanco]) button`)),
		chromedp.WaitVisible(chromedp.ID("reference")))
	// The count starts at the voucher's page.
	get(t, ctx, chromedp.Evaluate[bool](`sessionStorage.loads="1",true`))
	// Several looks at the page while the voucher waits: no reload.
	do(t, ctx, chromedp.Sleep(time.Second))
	if loads := get(t, ctx, chromedp.Evaluate[string](`sessionStorage.loads`)); loads != "1" {
		t.Errorf("the waiting voucher's page loaded %s times in a second", loads)
	}
	payment, _ := session(t, id)["payment"].(string)
	api(t, "POST", "/v1/test_helpers/payments/"+payment+"/succeed", nil)
	// Paid: the page shows it by itself.
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(".notice")))
	mustContain(t, ctx, "The payment has been received.")
	if loads := get(t, ctx, chromedp.Evaluate[string](`sessionStorage.loads`)); loads != "2" {
		t.Errorf("the page loaded %s times, want 2 (the voucher, then once paid)", loads)
	}
}
