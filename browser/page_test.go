package browser_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// expiryDigits is a card expiry three years ahead, as typed: MMYY.
func expiryDigits() string { return fmt.Sprintf("12%02d", (time.Now().Year()+3)%100) }

// payButton is the card form's submit button.
const payButton = chromedp.CSS(`form:has(input[name=method][value=card]) button[type=submit]`)

// fillCard types a card into the form, as a customer would.
func fillCard(t *testing.T, ctx context.Context, number string) {
	t.Helper()
	do(t, ctx,
		chromedp.SendKeys(chromedp.ID("card_number"), number),
		// After a decline the page shows the expiry typed before (it keeps
		// what is safe to keep): typed again here, as a new card.
		chromedp.SetValue(chromedp.ID("card_expiry"), ""),
		chromedp.SendKeys(chromedp.ID("card_expiry"), expiryDigits()),
		chromedp.SendKeys(chromedp.ID("card_cvc"), "123"),
	)
}

// waitMerchant waits for the merchant's success page and checks that it got
// the session's id.
func waitMerchant(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	do(t, ctx, chromedp.WaitVisible(chromedp.ID("merchant-session")))
	if got := text(t, ctx, "merchant-session"); got != id {
		t.Errorf("the success page got session %q, want %q", got, id)
	}
	if loc := get(t, ctx, chromedp.Location()); loc != merchant+"/success?session_id="+id {
		t.Errorf("landed on %s", loc)
	}
}

func TestPayWithCard(t *testing.T) {
	ctx := newTab(t)
	id, u := createSession(t, map[string]any{"description": "Blue mug"})
	do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("card_number")))
	if h1 := get(t, ctx, chromedp.Text(chromedp.CSS("h1"))); h1 != "Pay Default account" {
		t.Errorf("h1 %q", h1)
	}
	mustContain(t, ctx, "Blue mug", "GH₵50.00", "Test mode")
	shot(t, ctx, "card-form")
	do(t, ctx, chromedp.SendKeys(chromedp.ID("email"), "customer@example.com"))
	fillCard(t, ctx, "4242424242424242")
	// The page's script spaces the number and slashes the expiry as typed.
	if v := get(t, ctx, chromedp.Value(chromedp.ID("card_number"))); v != "4242 4242 4242 4242" {
		t.Errorf("card number shown as %q", v)
	}
	if v := get(t, ctx, chromedp.Value(chromedp.ID("card_expiry"))); v != expiryDigits()[:2]+" / "+expiryDigits()[2:] {
		t.Errorf("expiry shown as %q", v)
	}
	shot(t, ctx, "card-form-filled")
	do(t, ctx, chromedp.Click(payButton))
	waitMerchant(t, ctx, id)
	if s := session(t, id); s["status"] != "complete" || s["payment_status"] != "paid" || s["customer_email"] != "customer@example.com" {
		t.Errorf("session %v", s)
	}
	// Back on the page: it says the payment is done.
	do(t, ctx, chromedp.Navigate(server+"/checkout/"+id), chromedp.WaitVisible(chromedp.ID("continue")))
	mustContain(t, ctx, "Payment received")
	shot(t, ctx, "complete")
}

func TestDeclineThenRetry(t *testing.T) {
	ctx := newTab(t)
	id, u := createSession(t, nil)
	do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("card_number")),
		chromedp.SendKeys(chromedp.ID("email"), "customer@example.com"))
	fillCard(t, ctx, "4000000000000002")
	do(t, ctx, chromedp.Click(payButton), chromedp.WaitVisible(chromedp.ID("alert")))
	if got := text(t, ctx, "alert"); got != "Your card was declined. You can try again." {
		t.Errorf("alert %q", got)
	}
	if a := activeID(t, ctx); a != "alert" {
		t.Errorf("focus is on %q, not on the alert", a)
	}
	shot(t, ctx, "declined")
	if s := session(t, id); s["status"] != "open" {
		t.Errorf("session %v", s)
	}
	// The email stays; the card must be typed again.
	if v := get(t, ctx, chromedp.Value(chromedp.ID("email"))); v != "customer@example.com" {
		t.Errorf("email %q", v)
	}
	fillCard(t, ctx, "4242424242424242")
	do(t, ctx, chromedp.Click(payButton))
	waitMerchant(t, ctx, id)
	if s := session(t, id); s["payment_status"] != "paid" {
		t.Errorf("session %v", s)
	}
}

func TestFieldErrors(t *testing.T) {
	ctx := newTab(t)
	id, u := createSession(t, nil)
	do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("card_number")))
	fillCard(t, ctx, "4242424242424241")
	do(t, ctx, chromedp.Click(payButton), chromedp.WaitVisible(chromedp.ID("card_number-error")))
	if got := text(t, ctx, "card_number-error"); got != "The card number is not valid." {
		t.Errorf("error %q", got)
	}
	if a := activeID(t, ctx); a != "errors" {
		t.Errorf("focus is on %q, not on the error summary", a)
	}
	// The summary's link takes the customer to the field.
	do(t, ctx, chromedp.Click(chromedp.CSS(`#errors a[href="#card_number"]`)))
	if a := activeID(t, ctx); a != "card_number" {
		t.Errorf("after the summary's link, focus is on %q", a)
	}
	shot(t, ctx, "field-errors")
	if s := session(t, id); s["status"] != "open" {
		t.Errorf("session %v", s)
	}
}

func Test3DSecure(t *testing.T) {
	start := func(t *testing.T) (context.Context, string) {
		ctx := newTab(t)
		id, u := createSession(t, nil)
		do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("card_number")))
		fillCard(t, ctx, "4000002760003184")
		do(t, ctx, chromedp.Click(payButton), chromedp.WaitVisible(chromedp.ID("complete")))
		mustContain(t, ctx, "Confirm this payment with your bank", "GH₵50.00")
		return ctx, id
	}
	t.Run("Complete", func(t *testing.T) {
		ctx, id := start(t)
		shot(t, ctx, "3ds-challenge")
		do(t, ctx, chromedp.Click(chromedp.ID("complete")))
		waitMerchant(t, ctx, id)
		if s := session(t, id); s["payment_status"] != "paid" {
			t.Errorf("session %v", s)
		}
	})
	t.Run("Fail", func(t *testing.T) {
		ctx, id := start(t)
		do(t, ctx, chromedp.Click(chromedp.ID("fail")), chromedp.WaitVisible(chromedp.ID("alert")))
		if got := text(t, ctx, "alert"); !strings.Contains(got, "3-D Secure authentication failed") {
			t.Errorf("alert %q", got)
		}
		shot(t, ctx, "3ds-failed")
		if s := session(t, id); s["status"] != "open" || s["payment_status"] != "unpaid" {
			t.Errorf("session %v", s)
		}
	})
}

func TestMultibanco(t *testing.T) {
	voucher := func(t *testing.T, ctx context.Context, fields map[string]any, formShot string) (id, payment string) {
		t.Helper()
		id, u := createSession(t, fields)
		do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("card_number")))
		if formShot != "" {
			shot(t, ctx, formShot)
		}
		do(t, ctx, chromedp.Click(chromedp.CSS(`form:has(input[name=method][value=multibanco]) button`)),
			chromedp.WaitVisible(chromedp.ID("reference")))
		if e := text(t, ctx, "entity"); !regexp.MustCompile(`^\d{5}$`).MatchString(e) {
			t.Errorf("entity %q", e)
		}
		if r := text(t, ctx, "reference"); !regexp.MustCompile(`^\d{3} \d{3} \d{3}$`).MatchString(r) {
			t.Errorf("reference %q", r)
		}
		s := session(t, id)
		if s["status"] != "complete" || s["payment_status"] != "unpaid" {
			t.Errorf("session %v", s)
		}
		payment, _ = s["payment"].(string)
		return id, payment
	}
	mb := map[string]any{"amount": 9999, "currency": "EUR", "payment_method_types": []string{"card", "multibanco"}}

	t.Run("PaidByTestHelper", func(t *testing.T) {
		ctx := newTab(t)
		id, payment := voucher(t, ctx, mb, "card-and-multibanco")
		mustContain(t, ctx, "Pay at a Multibanco ATM", "€99.99")
		shot(t, ctx, "voucher")
		if p := api(t, "POST", "/v1/test_helpers/payments/"+payment+"/succeed", nil); p["status"] != "succeeded" {
			t.Fatalf("succeed: %v", p)
		}
		if s := session(t, id); s["payment_status"] != "paid" {
			t.Errorf("session %v", s)
		}
		do(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".notice")))
		if got := get(t, ctx, chromedp.Text(chromedp.CSS(".notice"))); got != "The payment has been received." {
			t.Errorf("notice %q", got)
		}
		shot(t, ctx, "voucher-paid")
	})
	t.Run("FailedOnTestPage", func(t *testing.T) {
		ctx := newTab(t)
		id, payment := voucher(t, ctx, mb, "")
		do(t, ctx, chromedp.Navigate(server+"/test/payments/"+payment), chromedp.WaitVisible(chromedp.ID("fail")))
		shot(t, ctx, "test-helper")
		do(t, ctx, chromedp.Click(chromedp.ID("fail")), chromedp.WaitNotPresent(chromedp.ID("fail")))
		mustContain(t, ctx, payment+": failed")
		// A failure, not a success box: its message and the way back to the shop.
		do(t, ctx, chromedp.Navigate(server+"/checkout/"+id), chromedp.WaitVisible(chromedp.ID("failed")))
		mustContain(t, ctx, "The payment failed.")
		if loc := get(t, ctx, chromedp.Evaluate[string](`document.getElementById("continue").href`)); loc != merchant+"/cancel" {
			t.Errorf("a failed voucher leads to %s", loc)
		}
		shot(t, ctx, "voucher-failed")
	})
}

func TestExpired(t *testing.T) {
	ctx := newTab(t)
	id, u := createSession(t, nil)
	api(t, "POST", "/v1/checkout/sessions/"+id+"/expire", nil)
	do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("continue")))
	if h1 := get(t, ctx, chromedp.Text(chromedp.CSS("h1"))); h1 != "This checkout has expired" {
		t.Errorf("h1 %q", h1)
	}
	shot(t, ctx, "expired")
	do(t, ctx, chromedp.Click(chromedp.ID("continue")), chromedp.WaitVisible(chromedp.ID("merchant")))
	if loc := get(t, ctx, chromedp.Location()); loc != merchant+"/cancel" {
		t.Errorf("the expired page led to %s", loc)
	}
}

func TestLanguages(t *testing.T) {
	for _, c := range []struct {
		name, locale, accept, lang string
		want                       []string
	}{
		{"pt", "pt", "", "pt", []string{"Pagar a Default account", "Pagar 99,99 €", "Número do cartão", "Obter referência Multibanco"}},
		{"fr", "fr", "", "fr", []string{"Payer Default account", "Payer 99,99 €", "Numéro de carte", "Obtenir une référence Multibanco"}},
		{"auto-fr", "auto", "fr-FR,fr;q=0.9,en;q=0.5", "fr", []string{"Payer 99,99 €"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := newTab(t)
			if c.accept != "" {
				if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": c.accept}}); err != nil {
					t.Fatal(err)
				}
			}
			_, u := createSession(t, map[string]any{"amount": 9999, "currency": "EUR", "locale": c.locale, "payment_method_types": []string{"card", "multibanco"}})
			do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("card_number")))
			if lang := get(t, ctx, chromedp.Evaluate[string](`document.documentElement.lang`)); lang != c.lang {
				t.Errorf("lang %q", lang)
			}
			mustContain(t, ctx, c.want...)
			if c.locale != "auto" {
				shot(t, ctx, "form-"+c.name)
				// The errors and the decline speak the page's language too.
				fillCard(t, ctx, "4000000000000002")
				do(t, ctx, chromedp.Click(payButton), chromedp.WaitVisible(chromedp.ID("alert")))
				shot(t, ctx, "declined-"+c.name)
			}
		})
	}
}

func TestKeyboardOnly(t *testing.T) {
	ctx := newTab(t)
	id, u := createSession(t, nil)
	do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("card_number")))
	// The visual order: the way back to the shop and the order summary
	// (left, or above on a phone), then the form.
	for _, want := range []string{"cancel", "order"} {
		do(t, ctx, chromedp.KeyEvent(kb.Tab))
		if a := activeID(t, ctx); a != want {
			t.Fatalf("Tab went to %q, want %q", a, want)
		}
	}
	for _, step := range []struct{ field, keys string }{
		{"email", "customer@example.com"},
		{"card_number", "4242424242424242"},
		{"card_expiry", expiryDigits()},
		{"card_cvc", "123"},
	} {
		do(t, ctx, chromedp.KeyEvent(kb.Tab))
		if a := activeID(t, ctx); a != step.field {
			t.Fatalf("Tab went to %q, want %q", a, step.field)
		}
		do(t, ctx, chromedp.KeyEvent(step.keys))
	}
	shot(t, ctx, "keyboard-focus")
	do(t, ctx, chromedp.KeyEvent(kb.Enter))
	waitMerchant(t, ctx, id)
	if s := session(t, id); s["payment_status"] != "paid" {
		t.Errorf("session %v", s)
	}
}

func TestNarrowScreen(t *testing.T) {
	ctx := newTab(t)
	do(t, ctx, chromedp.EmulateViewport(320, 640))
	items := []any{
		map[string]any{"quantity": 2, "price_data": map[string]any{"currency": "eur", "unit_amount": 61725,
			"product_data": map[string]any{"name": "Cadeira de escritório ergonómica com apoio lombar", "description": "Cor: cinzento-antracite; entrega em 3 a 5 dias úteis"}}},
		map[string]any{"quantity": 1, "price_data": map[string]any{"currency": "eur", "unit_amount": 999, "product_data": map[string]any{"name": "Portes"}}},
	}
	_, u := createSession(t, map[string]any{"amount": nil, "currency": "EUR", "locale": "pt", "line_items": items, "payment_method_types": []string{"card", "multibanco"}})
	do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("card_number")))
	noHorizontalScroll(t, ctx)
	shot(t, ctx, "narrow-320-form")
	do(t, ctx, chromedp.SendKeys(chromedp.ID("card_number"), "1234"), chromedp.Click(payButton), chromedp.WaitVisible(chromedp.ID("errors")))
	noHorizontalScroll(t, ctx)
	shot(t, ctx, "narrow-320-errors")
	do(t, ctx, chromedp.Click(chromedp.CSS(`form:has(input[name=method][value=multibanco]) button`)), chromedp.WaitVisible(chromedp.ID("reference")))
	noHorizontalScroll(t, ctx)
	shot(t, ctx, "narrow-320-voucher")
}

// TestSkewedClock opens the page in a browser whose clock is two days fast:
// the countdown must not take the session for expired and reload for ever.
func TestSkewedClock(t *testing.T) {
	ctx := newTab(t)
	const skew = `(function(){var now=Date.now,ahead=48*3600*1000;Date.now=function(){return now()+ahead};` +
		`sessionStorage.loads=String(Number(sessionStorage.loads||0)+1)})()`
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: skew}); err != nil {
		t.Fatal(err)
	}
	_, u := createSession(t, nil)
	do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("card_number")), chromedp.Sleep(time.Second))
	if loads := get(t, ctx, chromedp.Evaluate[string](`sessionStorage.loads`)); loads != "1" {
		t.Errorf("the page loaded %s times in a second", loads)
	}
	mustContain(t, ctx, "This page expires in 23 h 59 min.")
}

// TestLockedAfterDeclines: after the most declines a session takes, the page
// is a final state with the way back to the shop, on reload too, and no card
// form to try again in.
func TestLockedAfterDeclines(t *testing.T) {
	ctx := newTab(t)
	_, u := createSession(t, nil)
	do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("card_number")))
	for i := 0; i < 5; i++ {
		fillCard(t, ctx, "4000000000000002")
		// The alert is removed first, so that the wait is for the next
		// page's alert and not the last one's.
		get(t, ctx, chromedp.Evaluate[bool](`(function(){var a=document.getElementById("alert");if(a){a.remove()}return true})()`))
		do(t, ctx, chromedp.Click(payButton), chromedp.WaitVisible(chromedp.ID("alert")))
	}
	for _, reload := range []bool{false, true} {
		if reload {
			do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("alert")))
		}
		if got := text(t, ctx, "alert"); got != "Too many declined attempts. This checkout no longer accepts cards." {
			t.Errorf("alert %q", got)
		}
		if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#card_number").length`)); n != 0 {
			t.Error("the card form is still shown")
		}
		if loc := get(t, ctx, chromedp.Evaluate[string](`document.getElementById("continue").href`)); loc != merchant+"/cancel" {
			t.Errorf("the way back leads to %s", loc)
		}
	}
	shot(t, ctx, "locked")
}
