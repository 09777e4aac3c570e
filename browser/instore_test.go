package browser_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// v2 calls seed 002's API: the test key in x-api-key (none when key is
// empty, as a device pairing has), answers in {"data": …}. It fails the
// test on anything but a 200 and returns data.
func v2(t *testing.T, method, path, key string, body map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, server+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("x-api-key", key)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out struct {
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || res.StatusCode != http.StatusOK || out.Data == nil {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	return out.Data
}

// pairDevice creates a companion device named name and pairs it as the
// device would, with its one-time code; it returns the device's id and
// token.
func pairDevice(t *testing.T, name string) (id, token string) {
	t.Helper()
	d := v2(t, "POST", "/v2/devices", apiKey, map[string]any{"name": name})
	id, _ = d["id"].(string)
	code, _ := d["pairingCode"].(string)
	if id == "" || code == "" {
		t.Fatalf("created device %v", d)
	}
	p := v2(t, "POST", "/v2/devices/pair", "", map[string]any{"code": code})
	token, _ = p["deviceToken"].(string)
	if !strings.HasPrefix(token, "cdt_") {
		t.Fatalf("paired device %v", p)
	}
	return id, token
}

// TestInStoreApprovedFromDevicePage: a phone at the counter signs in on
// /terminal as a paired device; the customer, on the session's page in
// another tab, chooses to pay in store and is told to finish at the
// counter. The payment shows up on the terminal by itself, with its amount;
// the counter approves it, and the customer's page moves to the paid page
// by itself (server-sent events; the test never reloads it). The session is
// then complete, paid by an in_store payment. The waiting page and the
// terminal pass axe-core.
func TestInStoreApprovedFromDevicePage(t *testing.T) {
	customer := newTabFor(t, 2*time.Minute) // two tabs, four axe runs
	counter := newTabFor(t, 2*time.Minute)
	dev, token := pairDevice(t, "Front counter")

	// The counter's phone signs in. The browser is shared by the package's
	// tests (and by -count runs), so a sign-in left by an earlier run is
	// cleared first.
	if _, err := chromedp.Call(counter, network.DeleteCookies, network.DeleteCookiesParams{Name: "checkoutd_terminal", URL: server + "/terminal"}); err != nil {
		t.Fatal(err)
	}
	do(t, counter, chromedp.Navigate(server+"/terminal"), chromedp.WaitVisible(chromedp.ID("token")))
	checkA11y(t, counter, "the terminal's sign-in")
	do(t, counter, chromedp.SendKeys(chromedp.ID("token"), token), chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("idle")))
	mustContain(t, counter, "Front counter", "No payment waiting")

	// The customer's page counts its loads, so that the test can tell the
	// page's own move from one it made.
	const countLoads = `sessionStorage.loads=String(Number(sessionStorage.loads||0)+1)`
	if _, err := chromedp.Call(customer, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: countLoads}); err != nil {
		t.Fatal(err)
	}
	id, u := createSession(t, map[string]any{"description": "Two bags of coffee",
		"payment_method_types": []string{"card", "in_store"}, "companion_device": dev})
	inStore := chromedp.CSS(`form:has(input[name=method][value=in_store]) button`)
	do(t, customer, chromedp.Navigate(u), chromedp.WaitVisible(inStore))
	mustContain(t, customer, "Pay in store")
	do(t, customer, chromedp.Click(inStore), chromedp.WaitVisible(chromedp.ID("device-progress")))
	if h1 := get(t, customer, chromedp.Text(chromedp.CSS("h1"))); h1 != "Finish at the counter" {
		t.Errorf("after choosing in store the page says %q", h1)
	}
	mustContain(t, customer, "Waiting for the terminal")
	checkA11y(t, customer, "waiting for the counter")
	shot(t, customer, "in-store-waiting")
	waiting := get(t, customer, chromedp.Evaluate[string](`sessionStorage.loads`))
	waitURL := get(t, customer, chromedp.Location())

	// The counter's page shows the payment by itself, with its amount.
	approve := chromedp.ID("approve-" + id)
	do(t, counter, chromedp.WaitVisible(approve))
	if got := text(t, counter, "amount-"+id); got != "GH₵50.00" {
		t.Errorf("the terminal shows %q", got)
	}
	mustContain(t, counter, "Two bags of coffee", "Test mode")
	checkA11y(t, counter, "the terminal with a waiting payment")
	shot(t, counter, "terminal-waiting")
	do(t, counter, chromedp.Click(approve), chromedp.WaitVisible(chromedp.ID("idle")))

	// The customer's tab, untouched since it chose in store, moves to the
	// paid page by itself.
	do(t, customer, chromedp.WaitVisible(chromedp.CSS(".receipt")))
	if h1 := get(t, customer, chromedp.Text(chromedp.CSS("h1"))); h1 != "Payment received" {
		t.Errorf("after the approval the customer's page says %q", h1)
	}
	mustContain(t, customer, "Paid GH₵50.00 with Visa •••• 4242.")
	if loc := get(t, customer, chromedp.Location()); loc != server+"/checkout/"+id || loc == waitURL {
		t.Errorf("after the approval the customer's tab is at %s", loc)
	}
	// One load more than while waiting: the page's own, on the stream's word.
	if loads := get(t, customer, chromedp.Evaluate[string](`sessionStorage.loads`)); loads == "" || waiting == "" || loads == waiting {
		t.Errorf("the customer's page loaded %s times, %s of them while waiting: it did not move by itself", loads, waiting)
	}
	checkA11y(t, customer, "paid at the counter")
	shot(t, customer, "in-store-paid")
	// Its way on is the merchant's success URL.
	do(t, customer, chromedp.Click(chromedp.ID("continue")))
	waitMerchant(t, customer, id)

	s := session(t, id)
	if s["status"] != "complete" || s["payment_status"] != "paid" {
		t.Fatalf("the session after the counter approved: %v", s)
	}
	payment, _ := s["payment"].(string)
	p := api(t, "GET", "/v1/payments/"+payment, nil)
	card, _ := p["card"].(map[string]any)
	if p["status"] != "succeeded" || p["method"] != "in_store" || p["amount"] != float64(5000) || p["checkout_session"] != id ||
		card["brand"] != "visa" || card["last4"] != "4242" {
		t.Errorf("the session's payment: %v", p)
	}
}
