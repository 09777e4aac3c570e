package http_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestPageInStoreMovesOnWhenDeviceReports: the customer chooses in_store,
// is told to finish at the counter, and the page moves on by itself once
// the device approves: its event stream says so (the script reloads), and
// the reload lands on the complete page.
func TestPageInStoreMovesOnWhenDeviceReports(t *testing.T) {
	e := newPageEnv(t)
	dev, tok := e.pairedDevice(e.key, "Till")
	id := e.newSession(t, "payment_method_types", []string{"card", "in_store"}, "companion_device", dev)
	page := e.openOK(t, "/checkout/"+id)
	page.mustContain("Pay in store", "Pay at the counter")
	wait := page.submit("in_store", nil).follow()
	wait.mustContain("Finish at the counter", "Waiting for the terminal")
	if !strings.Contains(wait.body, `<noscript><meta http-equiv="refresh" content="5"></noscript>`) ||
		!strings.Contains(wait.header.Get("Content-Security-Policy"), "connect-src 'self'") {
		t.Errorf("the waiting page does not follow the payment: CSP %q", wait.header.Get("Content-Security-Policy"))
	}
	events := attr(wait.byID("device-progress"), "data-events")
	if !strings.HasSuffix(events, "/events") {
		t.Fatalf("data-events %q", events)
	}
	// Opening the session's page again goes back to the waiting page.
	if loc := e.open(t, "/checkout/"+id).location(); loc != strings.TrimPrefix(wait.url, e.srv.URL) {
		t.Errorf("the session's page redirects to %q, want the waiting page %q", loc, wait.url)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+events, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	got := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "event: ") {
				got <- strings.TrimPrefix(sc.Text(), "event: ")
				return
			}
		}
		got <- "(stream ended: " + errString(sc.Err()) + ")"
	}()
	// The device approves while the customer's page waits.
	r := e.device("POST", "/v2/devices/me/checkouts/"+id+"/result", tok, map[string]any{"outcome": "approved", "brand": "mastercard", "last4": "4444", "reference": "r1"})
	if r.status != 200 {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	select {
	case ev := <-got:
		if ev != "done" {
			t.Fatalf("the customer's stream sent %q", ev)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the customer's stream said nothing after the device approved")
	}
	// What the script's reload (or the meta refresh) finds.
	done := e.open(t, strings.TrimPrefix(wait.url, e.srv.URL)).follow()
	if loc := done.url; !strings.HasSuffix(loc, "/checkout/"+id) {
		t.Fatalf("after the approval the waiting page leads to %s", loc)
	}
	if s := e.session(t, id); s.str("status") != "complete" || s.str("payment_status") != "paid" {
		t.Fatalf("session after the device approved: %s", s.body)
	}
}

// TestPageInStoreDeclineReturnsToForm: after a decline at the counter the
// form says so and the customer can choose again.
func TestPageInStoreDeclineReturnsToForm(t *testing.T) {
	e := newPageEnv(t)
	id := e.newSession(t, "payment_method_types", []string{"card", "in_store"}, "companion_device", "dev_test_decline")
	wait := e.openOK(t, "/checkout/"+id).submit("in_store", nil)
	if !strings.Contains(wait.location(), "/device/") {
		t.Fatalf("in_store leads to %s", wait.location())
	}
	e.waitPayment(scopeA, id)
	form := e.open(t, strings.TrimPrefix(wait.location(), e.srv.URL)).follow()
	form.mustContain("did not go through", "Pay at the counter", "Card")
}

func errString(err error) string {
	if err == nil {
		return "EOF"
	}
	return err.Error()
}
