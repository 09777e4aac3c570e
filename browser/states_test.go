package browser_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/service"
	"github.com/checkoutd/checkoutd/store/sqlite"
)

// The page-state matrix: every state the hosted page has, in every language
// and at a desktop and a phone width, checked by axe-core, held to no
// horizontal scroll on the phone and saved as
// test-artifacts/page-states/<state>-<lang>-<width>.png.
//
// The merchant is a branded shop (brandedAccount): logo, colours, item
// images, terms and privacy links; open-unbranded is the default account's
// page as checkoutd first serves it.
//
// A new state is one line in pageStates: its name and a func that brings the
// tab to it.

// stateLangs are the page's languages; each state is shown in each through
// the session's locale (the not-found page, which has no session, through
// Accept-Language).
var stateLangs = []string{"en", "pt", "fr"}

// stateWidths are the viewport widths each state is seen at: a desktop and a
// phone.
var stateWidths = []int64{1280, 375}

// pageState is a state of the page: show brings the tab to it, for a page in
// language lang, and waits until it is on screen. The page is loaded again
// at each width, as a phone or a desktop loads it (its script folds the
// order summary on a phone), except the states in seenOnce.
type pageState struct {
	name string
	show func(t *testing.T, ctx context.Context, lang string)
}

// seenOnce are the states that are a post's outcome (errors, a decline):
// they show on the one view the post redirects to, so they are seen at the
// next width by resizing that view rather than loading it again.
var seenOnce = map[string]bool{"field-errors": true, "all-options-errors": true, "declined": true, "forbidden": true}

// mb is a session Multibanco can pay: euros, card or voucher.
var mb = map[string]any{"amount": 9999, "currency": "EUR", "payment_method_types": []string{"card", "multibanco"}}

// threeItems are line items with descriptions, as a shop sends them, the
// first two with an image on the merchant's site.
func threeItems() []any {
	return []any{
		map[string]any{"quantity": 2, "price_data": map[string]any{"currency": "eur", "unit_amount": 1450,
			"product_data": map[string]any{"name": "Ethiopia Yirgacheffe, 250 g", "description": "Whole bean, light roast", "images": []string{merchant + "/img/beans.png"}}}},
		map[string]any{"quantity": 1, "price_data": map[string]any{"currency": "eur", "unit_amount": 3900,
			"product_data": map[string]any{"name": "Hand grinder", "description": "Ceramic burrs, stainless steel body", "images": []string{merchant + "/img/grinder.png"}}}},
		map[string]any{"quantity": 1, "price_data": map[string]any{"currency": "eur", "unit_amount": 499,
			"product_data": map[string]any{"name": "Shipping"}}},
	}
}

// shop is a session with three items that card and Multibanco can pay.
func shop() map[string]any {
	return map[string]any{"amount": nil, "currency": "EUR", "line_items": threeItems(), "payment_method_types": []string{"card", "multibanco"}}
}

var pageStates = []pageState{
	{"open", openForm(shop)},
	{"open-unbranded", openUnbranded},
	{"open-shipping", openForm(shop, "shipping_address_collection", map[string]any{"allowed_countries": []string{"PT", "FR", "GB", "US", "GH"}})},
	{"open-billing", openForm(shop, "billing_address_collection", "required")},
	{"open-phone", openForm(shop, "phone_number_collection", map[string]any{"enabled": true})},
	{"open-custom-fields", openForm(shop, "custom_fields", customFields)},
	{"open-consent", openForm(shop, "consent_collection", map[string]any{"terms_of_service": "required"})},
	{"open-custom-text", openForm(shop, "custom_text", customText)},
	{"open-book", openForm(shop, "submit_type", "book")},
	{"open-donate", openForm(func() map[string]any { return nil }, "submit_type", "donate", "description", "Donation to the reading room")},
	{"open-all-options", openForm(shop, allOptions...)},
	{"open-long-words", openForm(longWords)},
	{"field-errors", fieldErrors},
	{"all-options-errors", allOptionsErrors},
	{"declined", declined},
	{"locked", locked},
	{"3ds", threeDS},
	{"voucher-pending", voucherState("")},
	{"voucher-paid", voucherState("succeed")},
	{"voucher-failed", voucherState("fail")},
	{"test-helper", testHelper},
	{"forbidden", forbidden},
	{"complete", complete},
	{"expired", expired},
	{"not-found", notFound},
	{"live-no-provider", liveNoProvider},
}

// longWords is a session whose merchant text has words longer than a phone
// is wide, as product codes and URLs are: the page must wrap them, not
// scroll sideways.
func longWords() map[string]any {
	return map[string]any{"amount": nil, "currency": "EUR", "payment_method_types": []string{"card", "multibanco"},
		"description": "Order https://shop.example/orders/2026/000123?ref=newsletter-december-campaign",
		"line_items": []any{map[string]any{"quantity": 1, "price_data": map[string]any{"currency": "eur", "unit_amount": 123456,
			"product_data": map[string]any{"name": "Espresso-machine-PRO-X9000-dual-boiler-stainless", "description": "SKU:ESP-X9000-DB-SS-230V-EU-PLUG-2026-EDITION"}}}},
		"custom_text": map[string]any{"submit": map[string]any{"message": "Terms: https://shop.example/legal/terms-and-conditions-of-sale-2026-edition.pdf"}},
	}
}

// allOptions turns on every collection option at once: the longest form.
var allOptions = []any{
	"shipping_address_collection", map[string]any{"allowed_countries": []string{"PT", "FR", "GB", "US", "GH"}},
	"billing_address_collection", "required",
	"phone_number_collection", map[string]any{"enabled": true},
	"custom_fields", customFields,
	"consent_collection", map[string]any{"terms_of_service": "required"},
	"custom_text", customText,
	"submit_type", "book",
}

var customFields = []any{
	map[string]any{"key": "engraving", "label": map[string]any{"type": "custom", "custom": "Engraving"}, "type": "text", "optional": true},
	map[string]any{"key": "grind", "label": map[string]any{"type": "custom", "custom": "Grind"}, "type": "dropdown",
		"dropdown": map[string]any{"options": []any{map[string]any{"label": "Whole bean", "value": "whole"}, map[string]any{"label": "Espresso", "value": "espresso"}}}},
	map[string]any{"key": "floor", "label": map[string]any{"type": "custom", "custom": "Floor"}, "type": "numeric", "optional": true},
}

var customText = map[string]any{
	"submit":       map[string]any{"message": "We roast on Mondays and ship on Tuesdays; orders placed after Monday noon leave the week after."},
	"after_submit": map[string]any{"message": "You will get an email with the tracking number once the parcel leaves the roastery."},
}

func TestPageStates(t *testing.T) {
	needBrowser(t)
	axeScript(t)
	brandedAccount(t)
	if err := os.MkdirAll(filepath.Join(artifacts, "page-states"), 0o755); err != nil {
		t.Fatal(err)
	}
	// One tab for the whole matrix: opening one per state costs more than
	// every check in it.
	tab := newTabFor(t, 10*time.Minute)
	for _, st := range pageStates {
		t.Run(st.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(tab, 3*time.Minute)
			defer cancel()
			showOnFailure(t, tab)
			for _, lang := range stateLangs {
				do(t, ctx, chromedp.EmulateViewport(stateWidths[0], 800))
				st.show(t, ctx, lang)
				if got := get(t, ctx, chromedp.Evaluate[string](`document.documentElement.lang`)); got != lang {
					t.Errorf("%s: the page is in %q, want %q", lang, got, lang)
				}
				// Every state says what it is: a message missing in a
				// language would leave its heading empty.
				if h1 := get(t, ctx, chromedp.Evaluate[string](`(document.querySelector("h1")||{}).textContent||""`)); strings.TrimSpace(h1) == "" {
					t.Errorf("%s: the page has no heading", lang)
				}
				// Nothing is loaded from anywhere but checkoutd.
				for _, r := range get(t, ctx, chromedp.Evaluate[[]string](`performance.getEntriesByType("resource").map(function(e){return e.name})`)) {
					if !strings.HasPrefix(r, server+"/") {
						t.Errorf("%s: the page loaded %s", lang, r)
					}
				}
				for i, w := range stateWidths {
					name := fmt.Sprintf("%s-%s-%d", st.name, lang, w)
					if i > 0 {
						do(t, ctx, chromedp.EmulateViewport(w, 800))
						if !seenOnce[st.name] {
							do(t, ctx, chromedp.Reload())
						}
					}
					checkA11y(t, ctx, name)
					if w < 600 {
						noHorizontalScroll(t, ctx)
					}
					shot(t, ctx, "page-states/"+name)
					// A phone folds the order summary: unfolded, it must
					// fit too.
					if w < 600 && get(t, ctx, chromedp.Evaluate[bool](`(function(){var d=document.querySelector("details.order:not([open])");if(d){d.open=true}return !!d})()`)) {
						noHorizontalScroll(t, ctx)
						shot(t, ctx, "page-states/"+name+"-unfolded")
					}
				}
			}
		})
	}
}

// inLang is a session's fields for a page in lang.
func inLang(base map[string]any, lang string, kv ...any) map[string]any {
	f := map[string]any{"locale": lang}
	for k, v := range base {
		f[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		f[kv[i].(string)] = kv[i+1]
	}
	return f
}

// openForm is the form of a session made of base and the fields kv.
func openForm(base func() map[string]any, kv ...any) func(*testing.T, context.Context, string) {
	return func(t *testing.T, ctx context.Context, lang string) {
		t.Helper()
		fields := inLang(base(), lang, kv...)
		_, u := stateSession(t, fields)
		do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS(`form.pay button[type=submit]`)))
		if n := imagesIn(fields); n > 0 {
			waitImages(t, ctx, n)
		}
	}
}

// imagesIn counts the line items of a session's fields that have an image.
func imagesIn(fields map[string]any) int {
	items, _ := fields["line_items"].([]any)
	n := 0
	for _, it := range items {
		pd, _ := it.(map[string]any)["price_data"].(map[string]any)["product_data"].(map[string]any)
		if _, ok := pd["images"]; ok {
			n++
		}
	}
	return n
}

// waitImages reloads the page until it shows n item images from
// checkoutd's origin: they are fetched in the background after the session
// is made, and the page shows a placeholder until then.
func waitImages(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	// A generous bound: a fetch from loopback takes milliseconds, but a
	// loaded machine may starve the server's fetcher for a while.
	for deadline := time.Now().Add(time.Minute); ; {
		got := get(t, ctx, chromedp.Evaluate[int](`[].filter.call(document.querySelectorAll(".it img"),function(i){return i.complete&&i.naturalWidth>0&&i.getAttribute("src").indexOf("/files/")===0}).length`))
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page shows %d of %d item images after a minute of reloads", got, n)
		}
		do(t, ctx, chromedp.Sleep(100*time.Millisecond), chromedp.Reload())
	}
}

// openUnbranded is the form of the default account, which has set nothing.
func openUnbranded(t *testing.T, ctx context.Context, lang string) {
	_, u := createSession(t, map[string]any{"locale": lang, "description": "Blue mug"})
	do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("card_number")))
}

// openCard opens a new card-and-Multibanco session's form in lang.
func openCard(t *testing.T, ctx context.Context, lang string) (id, u string) {
	t.Helper()
	id, u = stateSession(t, inLang(mb, lang))
	do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("card_number")))
	return id, u
}

// submitCard types a card and presses Pay, after removing what says the
// last attempt's outcome, so that the wait that follows is for the next
// page's.
func submitCard(t *testing.T, ctx context.Context, number, waitFor string) {
	t.Helper()
	fillCard(t, ctx, number)
	get(t, ctx, chromedp.Evaluate[bool](`["alert","errors"].forEach(function(id){var a=document.getElementById(id);if(a){a.remove()}}),true`))
	do(t, ctx, chromedp.Click(payButton), chromedp.WaitVisible(chromedp.ID(waitFor)))
}

func fieldErrors(t *testing.T, ctx context.Context, lang string) {
	openCard(t, ctx, lang)
	submitCard(t, ctx, "4242424242424241", "errors")
}

// allOptionsErrors is the form with every collection option, sent with
// nothing filled in: every field it asks for in error at once.
func allOptionsErrors(t *testing.T, ctx context.Context, lang string) {
	openForm(shop, allOptions...)(t, ctx, lang)
	do(t, ctx, chromedp.Click(payButton), chromedp.WaitVisible(chromedp.ID("errors")))
}

func declined(t *testing.T, ctx context.Context, lang string) {
	openCard(t, ctx, lang)
	do(t, ctx, chromedp.SendKeys(chromedp.ID("email"), "customer@example.com"))
	submitCard(t, ctx, "4000000000000002", "alert")
}

// locked is a card-only session after the most declines it takes: nothing
// is left to pay with.
func locked(t *testing.T, ctx context.Context, lang string) {
	_, u := stateSession(t, map[string]any{"locale": lang})
	do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("card_number")))
	for i := 0; get(t, ctx, chromedp.Evaluate[bool](`!!document.getElementById("card_number")`)); i++ {
		if i == 10 {
			t.Fatal("the card form is still there after 10 declines")
		}
		submitCard(t, ctx, "4000000000000002", "alert")
	}
	do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("continue")))
}

func threeDS(t *testing.T, ctx context.Context, lang string) {
	openCard(t, ctx, lang)
	submitCard(t, ctx, "4000002760003184", "complete")
}

// voucherState is a Multibanco voucher waiting to be paid, or, with settle
// "succeed" or "fail", after the test helper API settled it so.
func voucherState(settle string) func(*testing.T, context.Context, string) {
	return func(t *testing.T, ctx context.Context, lang string) {
		t.Helper()
		id, _ := openCard(t, ctx, lang)
		do(t, ctx, chromedp.Click(chromedp.CSS(`form:has(input[name=method][value=multibanco]) button`)),
			chromedp.WaitVisible(chromedp.ID("reference")))
		if settle == "" {
			return
		}
		_, sess := call(t, brandedKey, "GET", "/v1/checkout/sessions/"+id, nil)
		payment, _ := sess["payment"].(string)
		if status, p := call(t, brandedKey, "POST", "/v1/test_helpers/payments/"+payment+"/"+settle, nil); status != http.StatusOK {
			t.Fatalf("%s: %d %v", settle, status, p)
		}
		do(t, ctx, chromedp.Reload(), chromedp.WaitNotPresent(chromedp.ID("reference")), chromedp.WaitVisible(chromedp.ID("continue")))
	}
}

// testHelper is the test-mode page that settles a waiting voucher by hand.
func testHelper(t *testing.T, ctx context.Context, lang string) {
	voucherState("")(t, ctx, lang)
	payment := get(t, ctx, chromedp.Evaluate[string](`location.pathname`))
	id := strings.TrimPrefix(payment, "/checkout/")
	_, sess := call(t, brandedKey, "GET", "/v1/checkout/sessions/"+id, nil)
	p, _ := sess["payment"].(string)
	do(t, ctx, chromedp.Navigate(server+"/test/payments/"+p), chromedp.WaitVisible(chromedp.ID("succeed")))
}

// forbidden is the answer to a form post whose CSRF token is wrong (a
// forged post, or a page left open across a server's key change).
func forbidden(t *testing.T, ctx context.Context, lang string) {
	openCard(t, ctx, lang)
	fillCard(t, ctx, "4242424242424242")
	get(t, ctx, chromedp.Evaluate[bool](`document.querySelectorAll("input[name=csrf_token]").forEach(function(i){i.value="forged"}),true`))
	do(t, ctx, chromedp.Click(payButton), chromedp.WaitVisible(chromedp.ID("continue")))
}

func complete(t *testing.T, ctx context.Context, lang string) {
	id, _ := openCard(t, ctx, lang)
	fillCard(t, ctx, "4242424242424242")
	do(t, ctx, chromedp.Click(payButton))
	waitMerchant(t, ctx, id)
	do(t, ctx, chromedp.Navigate(server+"/checkout/"+id), chromedp.WaitVisible(chromedp.ID("continue")))
}

func expired(t *testing.T, ctx context.Context, lang string) {
	id, u := stateSession(t, map[string]any{"locale": lang})
	if status, s := call(t, brandedKey, "POST", "/v1/checkout/sessions/"+id+"/expire", nil); status != http.StatusOK {
		t.Fatalf("expire: %d %v", status, s)
	}
	do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("continue")))
}

// notFound has no session to carry a locale: the browser asks for the
// language, and the tab goes back to asking for none after.
func notFound(t *testing.T, ctx context.Context, lang string) {
	setLanguage(t, ctx, lang)
	defer setLanguage(t, ctx, "")
	do(t, ctx, chromedp.Navigate(server+"/checkout/cs_test_no_such_session"), chromedp.WaitVisible(chromedp.CSS("h1")))
}

// setLanguage makes the tab send Accept-Language: lang, or, with "", the
// browser's own.
func setLanguage(t *testing.T, ctx context.Context, lang string) {
	t.Helper()
	h := network.Headers{}
	if lang != "" {
		h["Accept-Language"] = lang
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: h}); err != nil {
		t.Fatal(err)
	}
}

// liveNoProvider is a live session whose provider has gone: its page must
// say that the shop cannot take payments yet.
func liveNoProvider(t *testing.T, ctx context.Context, lang string) {
	id := liveSession(t, lang)
	do(t, ctx, chromedp.Navigate(server+"/checkout/"+id), chromedp.WaitVisible(chromedp.ID("continue")))
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("form.pay").length`)); n != 0 {
		t.Errorf("%s: a live session nobody can take shows %d payment forms", lang, n)
	}
}

// liveSession writes a live session of the branded account into the
// server's store, as a deployment that had a live provider when the session
// was made and lost it since would hold one; the API refuses to make a live
// session without a live provider (live_provider_missing), and checkoutd
// serve has none yet. A service of the test's own, over the same SQLite file
// (which the server shares), makes it with a stand-in provider the server
// does not have.
func liveSession(t *testing.T, lang string) string {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(dataPath, "checkoutd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	reg := service.NewRegistry()
	reg.Register("gone", func(*checkout.Account, bool) (checkout.Provider, error) { return goneProvider{sim.New(nil)}, nil })
	reg.Route(true, "gone", checkout.MethodCard)
	svc := service.New(service.Config{Store: st, Providers: reg, PublicURL: server})
	amount := int64(5000)
	sess, err := svc.CreateSession(ctx, checkout.Scope{AccountID: brandedAccount(t), Livemode: true}, &service.SessionParams{
		Amount: &amount, Currency: "EUR", Locale: lang,
		// Live mode takes https URLs only; the page links to them, and
		// no test follows the links.
		SuccessURL: "https://shop.example/success", CancelURL: "https://shop.example/cancel",
	})
	if err != nil {
		t.Fatal(err)
	}
	return sess.ID
}

// goneProvider is the simulator under the name of a live provider that the
// server does not have.
type goneProvider struct{ *sim.Provider }

func (goneProvider) Name() string { return "gone" }

// stateSession creates a session of the branded account, 50.00 EUR unless
// fields say otherwise, and returns its id and page URL.
func stateSession(t *testing.T, fields map[string]any) (id, pageURL string) {
	t.Helper()
	body := map[string]any{
		"amount": 5000, "currency": "EUR",
		"success_url": merchant + "/success?session_id={CHECKOUT_SESSION_ID}",
		"cancel_url":  merchant + "/cancel",
	}
	for k, v := range fields {
		if v == nil {
			delete(body, k)
		} else {
			body[k] = v
		}
	}
	status, s := call(t, brandedKey, "POST", "/v1/checkout/sessions", body)
	if status != http.StatusOK {
		t.Fatalf("creating a session: %d %v", status, s)
	}
	id, _ = s["id"].(string)
	pageURL, _ = s["url"].(string)
	return id, pageURL
}

// call calls checkoutd's API with key and answers the status and the decoded
// JSON, whatever the status.
func call(t *testing.T, key, method, path string, body map[string]any) (int, map[string]any) {
	t.Helper()
	return callAt(t, server, key, method, path, body)
}

// callAt is call to the checkoutd at base (a test's own server).
func callAt(t *testing.T, base, key, method, path string, body map[string]any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	return res.StatusCode, out
}
