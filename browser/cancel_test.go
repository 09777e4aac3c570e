package browser_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// chkSession creates a session through seed 003's API
// (/v1/checkout_sessions), paying back to the merchant stand-in, and
// returns its id and page URL.
func chkSession(t *testing.T) (id, pageURL string) {
	t.Helper()
	s := chkAPI(t, "POST", "/v1/checkout_sessions", map[string]any{"currency": "USD", "amount": "25.00",
		"success_url": merchant + "/success?session_id={CHECKOUT_SESSION_ID}", "cancel_url": merchant + "/cancel",
		"supported_tokens": []map[string]string{{"chain": "base", "token": "USDC"}}})
	id, _ = s["id"].(string)
	pageURL, _ = s["url"].(string)
	if !strings.HasPrefix(id, "chk_test_") || !strings.HasPrefix(pageURL, server+"/") {
		t.Fatalf("created %v", s)
	}
	return id, pageURL
}

// chkAPI is api for seed 003's routes, whose answers are not the
// canonical API's: it fails the test on anything but a 200.
func chkAPI(t *testing.T, method, path string, body map[string]any) map[string]any {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, server+path, rd)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	return out
}

// canceledEvents counts the checkout.session.canceled events of session id.
func canceledEvents(t *testing.T, id string) int {
	t.Helper()
	n := 0
	for _, e := range api(t, "GET", "/v1/events?type=checkout.session.canceled&limit=100", nil)["data"].([]any) {
		if obj, _ := e.(map[string]any)["data"].(map[string]any)["object"].(map[string]any); obj["id"] == id {
			n++
		}
	}
	return n
}

// TestChkCancelLink: on the page of a seed 003 session, "Cancel and return
// to …" is a button (a form with the session's CSRF token) that cancels the
// session and brings the customer to cancel_url; the page then says it was
// canceled. Pages pass axe-core.
func TestChkCancelLink(t *testing.T) {
	ctx := newTab(t)
	id, u := chkSession(t)
	do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("cancel")))
	if tag := get(t, ctx, chromedp.Evaluate[string](`document.getElementById("cancel").tagName`)); tag != "BUTTON" {
		t.Errorf("the cancel link of a seed 003 session is a %s, want a form's button", tag)
	}
	if got := text(t, ctx, "cancel"); !strings.HasPrefix(got, "← Cancel and return to 127.0.0.1") {
		t.Errorf("the cancel link says %q", got)
	}
	checkA11y(t, ctx, "seed 003 session with its cancel link")
	shot(t, ctx, "chk-cancel-link")

	do(t, ctx, chromedp.Click(chromedp.ID("cancel")), chromedp.WaitVisible(chromedp.ID("merchant")))
	if got := text(t, ctx, "merchant"); got != "cancel" {
		t.Errorf("after cancel the customer is on the merchant's %q page", got)
	}
	s := chkAPI(t, "GET", "/v1/checkout_sessions/"+id, nil)
	if s["status"] != "canceled" || s["used_at"] == nil {
		t.Errorf("after the cancel link: status %v used_at %v", s["status"], s["used_at"])
	}
	if n := canceledEvents(t, id); n != 1 {
		t.Errorf("%d checkout.session.canceled events, want 1", n)
	}

	// Back on the page: it says so, and offers no payment.
	do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS("h1")))
	mustContain(t, ctx, "This checkout was canceled", "Nothing was charged.")
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("form input[name=method], #cancel").length`)); n != 0 {
		t.Errorf("the canceled session's page still has %d payment or cancel controls", n)
	}
	checkA11y(t, ctx, "canceled session")
	shot(t, ctx, "chk-canceled")
}

// TestChkCancelAfterItEnded: a tab still showing the form when the session
// was canceled by the merchant meanwhile: the cancel link changes nothing
// more (one event) and the customer sees the session's page, not the shop.
// A session made through the canonical API keeps a plain link, which ends
// nothing.
func TestChkCancelAfterItEnded(t *testing.T) {
	ctx := newTab(t)
	id, u := chkSession(t)
	do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("cancel")))
	chkAPI(t, "POST", "/v1/checkout_sessions/"+id+"/cancel", nil)
	// The form has an h1 too: wait for the canceled page's own way out,
	// so the check reads the page the click led to.
	do(t, ctx, chromedp.Click(chromedp.ID("cancel")), chromedp.WaitVisible(chromedp.ID("continue")))
	mustContain(t, ctx, "This checkout was canceled")
	if loc := get(t, ctx, chromedp.Location()); !strings.HasPrefix(loc, server+"/") {
		t.Errorf("the customer was sent to %s", loc)
	}
	if n := canceledEvents(t, id); n != 1 {
		t.Errorf("%d checkout.session.canceled events, want 1", n)
	}

	cs, cu := createSession(t, nil)
	do(t, ctx, chromedp.Navigate(cu), chromedp.WaitVisible(chromedp.ID("cancel")))
	if href := get(t, ctx, chromedp.AttributeValue(chromedp.ID("cancel"), "href")).Value; href != merchant+"/cancel" {
		t.Errorf("a canonical session's cancel link goes to %q", href)
	}
	do(t, ctx, chromedp.Click(chromedp.ID("cancel")), chromedp.WaitVisible(chromedp.ID("merchant")))
	if s := session(t, cs); s["status"] != "open" {
		t.Errorf("a canonical session after its cancel link: %v", s["status"])
	}
}
