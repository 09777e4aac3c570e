package browser_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// apiStatus calls the canonical API with the test key like api, but
// answers any status with its decoded body, for the calls that are meant
// to be refused.
func apiStatus(t *testing.T, method, path string, body map[string]any) (int, map[string]any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, server+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	return res.StatusCode, out
}

// eventsFor is the events of type typ whose object is id, newest first.
func eventsFor(t *testing.T, typ, id string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, e := range api(t, "GET", "/v1/events?type="+typ+"&limit=100", nil)["data"].([]any) {
		ev := e.(map[string]any)
		if obj, _ := ev["data"].(map[string]any)["object"].(map[string]any); obj["id"] == id {
			out = append(out, ev)
		}
	}
	return out
}

// TestInvoicePaidByCard: a merchant bills a customer (an invoice with a
// product line and a free-form one), finalizes it and opens a checkout for
// it; the customer pays the amount due by card on the hosted page and lands
// on the success URL. The invoice is then paid by that session, with its
// invoice.paid event, and a second checkout for it is refused by name.
func TestInvoicePaidByCard(t *testing.T) {
	ctx := newTabFor(t, time.Minute) // an axe run and a payment
	// The customer's email is the run's own, so that her sessions can be
	// counted whatever other runs left in the server.
	email := fmt.Sprintf("ama+%d@example.com", time.Now().UnixNano())
	prod := api(t, "POST", "/v1/products", map[string]any{"name": "Kente scarf", "unit_amount": 12000, "currency": "GHS"})
	in := api(t, "POST", "/v1/invoices", map[string]any{
		"customer_email": email, "customer_name": "Ama Mensah", "currency": "GHS",
		"line_items": []any{
			map[string]any{"product": prod["id"], "quantity": 1},
			map[string]any{"quantity": 2, "price_data": map[string]any{"currency": "GHS", "unit_amount": 1000, "product_data": map[string]any{"name": "Delivery"}}},
		},
	})
	invoice, _ := in["id"].(string)
	if in["status"] != "draft" || in["amount_due"] != float64(14000) {
		t.Fatalf("created invoice %v", in)
	}
	if fin := api(t, "POST", "/v1/invoices/"+invoice+"/finalize", nil); fin["status"] != "open" {
		t.Fatalf("finalized invoice %v", fin)
	}

	id, u := createSession(t, map[string]any{"amount": nil, "currency": nil, "invoice": invoice})
	if s := session(t, id); s["invoice"] != invoice || s["amount_total"] != float64(14000) || s["customer_email"] != email {
		t.Fatalf("the invoice's session %v", s)
	}

	do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("card_number")))
	// The page bills what the invoice says: its lines and its amount due.
	mustContain(t, ctx, "Kente scarf", "Delivery", "GH₵140.00")
	checkA11y(t, ctx, "an invoice's checkout")
	shot(t, ctx, "invoice-form")
	fillCard(t, ctx, "4242424242424242")
	do(t, ctx, chromedp.Click(payButton))
	waitMerchant(t, ctx, id)

	s := session(t, id)
	if s["status"] != "complete" || s["payment_status"] != "paid" {
		t.Fatalf("the invoice's session after the card: %v", s)
	}
	paid := api(t, "GET", "/v1/invoices/"+invoice, nil)
	if paid["status"] != "paid" || paid["paid"] != true || paid["checkout_session"] != id ||
		paid["amount_paid"] != float64(14000) || paid["amount_remaining"] != float64(0) {
		t.Errorf("the invoice after its session was paid: %v", paid)
	}
	evs := eventsFor(t, "invoice.paid", invoice)
	if len(evs) != 1 {
		t.Fatalf("%d invoice.paid events for %s, want 1", len(evs), invoice)
	}
	if obj := evs[0]["data"].(map[string]any)["object"].(map[string]any); obj["status"] != "paid" || obj["checkout_session"] != id {
		t.Errorf("the invoice.paid event's invoice: %v", obj)
	}

	// A paid invoice starts no other checkout: refused naming the invoice.
	status, refused := apiStatus(t, "POST", "/v1/checkout/sessions", map[string]any{"invoice": invoice,
		"success_url": merchant + "/success?session_id={CHECKOUT_SESSION_ID}", "cancel_url": merchant + "/cancel"})
	e, _ := refused["error"].(map[string]any)
	if status != http.StatusBadRequest || e["param"] != "invoice" || e["code"] != "invoice_not_open" {
		t.Errorf("a second session for the paid invoice: %d %v", status, refused)
	}
	if all := api(t, "GET", "/v1/checkout/sessions?customer_email="+url.QueryEscape(email), nil)["data"].([]any); len(all) != 1 {
		t.Errorf("the customer has %d sessions after the refusal, want the paid one alone", len(all))
	}
}
