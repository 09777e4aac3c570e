package http_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/client"
	"github.com/checkoutd/checkoutd/service"
)

// TestOpenAPIProductsAndInvoices drives /v1/products and /v1/invoices,
// validating every exchange against the document: JSON and forms,
// refusals naming their field, filters, the invoice's steps, a session
// for a product and one for an invoice, paid, and the events.
func TestOpenAPIProductsAndInvoices(t *testing.T) {
	o := newOAEnv(t)
	const js, form = "application/json", "application/x-www-form-urlencoded"
	post := func(path, ct, body string, status int) *response {
		t.Helper()
		verdict := oaValid
		if status != 200 {
			verdict = oaSkip // the document cannot say every rule
		}
		return o.exchange(oaRequest{method: "POST", path: path, auth: oaBearer(o.key), contentType: ct, body: []byte(body), status: status, request: verdict})
	}
	get := func(path string, status int) *response {
		t.Helper()
		return o.exchange(oaRequest{method: "GET", path: path, auth: oaBearer(o.key), status: status})
	}
	ids := func(r *response) (out []string) {
		for _, d := range r.get("data").([]any) {
			out = append(out, d.(map[string]any)["id"].(string))
		}
		return out
	}

	tea := post("/v1/products", js, `{"name":"Tea","description":"Green","images":["https://shop.example/tea.png"],"unit_amount":350,"currency":"ghs","metadata":{"sku":"T1"}}`, 200)
	if !strings.HasPrefix(tea.str("id"), "prod_") || tea.get("active") != true || tea.get("unit_amount") != 350.0 || tea.str("currency") != "GHS" {
		t.Fatalf("product %s", tea.body)
	}
	cake := post("/v1/products", form, "name=Cake&unit_amount=500&currency=GHS", 200)
	for _, bad := range []struct{ body, param string }{
		{`{"unit_amount":1,"currency":"GHS"}`, "name"},
		{`{"name":"A","currency":"GHS"}`, "unit_amount"},
		{`{"name":"A","unit_amount":-1,"currency":"GHS"}`, "unit_amount"},
		{`{"name":"A","unit_amount":1}`, "currency"},
		{`{"name":"A","unit_amount":1,"currency":"GHS","images":["ftp://x"]}`, "images[0]"},
		{`{"name":"A","unit_amount":1,"currency":"GHS","price":5}`, "price"},
	} {
		if r := post("/v1/products", js, bad.body, 400); r.str("error", "param") != bad.param {
			t.Errorf("%s: %s", bad.body, r.body)
		}
	}
	if r := post("/v1/products/"+cake.str("id"), form, "active=false", 200); r.get("active") != false {
		t.Fatalf("archive: %s", r.body)
	}
	post("/v1/products/"+tea.str("id"), js, `{"unit_amount":400}`, 200)
	get("/v1/products/"+tea.str("id"), 200)
	get("/v1/products/prod_nope", 404)
	if got := ids(get("/v1/products?active=true", 200)); len(got) != 1 || got[0] != tea.str("id") {
		t.Errorf("active products %v", got)
	}
	if got := ids(get("/v1/products?limit=1", 200)); len(got) != 1 || got[0] != cake.str("id") {
		t.Errorf("first product %v", got)
	}

	// A session line from a product; an archived one refused by its field.
	sess := validSession()
	delete(sess, "amount")
	sess["line_items"] = []any{map[string]any{"product": tea.str("id"), "quantity": 2}}
	s := o.exchange(oaRequest{method: "POST", path: "/v1/checkout/sessions", auth: oaBearer(o.key), contentType: js, body: oaJSON(t, sess), status: 200})
	if s.get("amount_total") != 800.0 || s.get("line_items", "data").([]any)[0].(map[string]any)["product"] != tea.str("id") {
		t.Fatalf("product session %s", s.body)
	}
	sess["line_items"] = []any{map[string]any{"product": cake.str("id"), "quantity": 1}}
	if r := o.exchange(oaRequest{method: "POST", path: "/v1/checkout/sessions", auth: oaBearer(o.key), contentType: js, body: oaJSON(t, sess), status: 400, request: oaSkip}); r.str("error", "param") != "line_items[0][product]" {
		t.Errorf("archived product: %s", r.body)
	}

	// Invoices: a draft from a form (a product line and a free one).
	due := o.clock.Now().Add(72 * time.Hour).Format(time.RFC3339)
	in := post("/v1/invoices", form, "customer_email=ama@example.com&customer_name=Ama&currency=GHS&due_date="+due+
		"&line_items[0][product]="+tea.str("id")+"&line_items[0][quantity]=1"+
		"&line_items[1][quantity]=2&line_items[1][price_data][unit_amount]=1000&line_items[1][price_data][product_data][name]=Delivery", 200)
	id := in.str("id")
	if in.str("status") != "draft" || in.get("amount_due") != 2400.0 || len(in.get("lines", "data").([]any)) != 2 {
		t.Fatalf("invoice %s", in.body)
	}
	for _, bad := range []struct{ body, param string }{
		{`{"currency":"GHS"}`, "customer_email"},
		{`{"customer_email":"x"}`, "customer_email"},
		{`{"customer_email":"a@example.com","line_items":[{"product":"` + cake.str("id") + `","quantity":1}]}`, "line_items[0][product]"},
		{`{"customer_email":"a@example.com","line_items":[{"quantity":1}]}`, "line_items[0][price_data][unit_amount]"},
		{`{"customer_email":"a@example.com","status":"paid"}`, "status"},
	} {
		if r := post("/v1/invoices", js, bad.body, 400); r.str("error", "param") != bad.param {
			t.Errorf("%s: %s", bad.body, r.body)
		}
	}
	post("/v1/invoices/"+id, js, `{"description":"March"}`, 200)
	// Finalize and get take no parameter: one is refused by its name, and
	// the draft stays a draft.
	if r := post("/v1/invoices/"+id+"/finalize", js, `{"due_date":"2030-01-01T00:00:00Z"}`, 400); r.str("error", "param") != "due_date" {
		t.Errorf("finalize with a parameter: %s", r.body)
	}
	if r := o.exchange(oaRequest{method: "GET", path: "/v1/invoices/" + id + "?expand=lines", auth: oaBearer(o.key), status: 400, request: oaSkip}); r.str("error", "param") != "expand" {
		t.Errorf("get with a parameter: %s", r.body)
	}
	if r := get("/v1/invoices/"+id, 200); r.str("status") != "draft" || r.str("description") != "March" {
		t.Fatalf("invoice after refused calls %s", r.body)
	}
	invSession := validSession()
	delete(invSession, "amount")
	invSession["invoice"] = id
	if r := o.exchange(oaRequest{method: "POST", path: "/v1/checkout/sessions", auth: oaBearer(o.key), contentType: js, body: oaJSON(t, invSession), status: 400, request: oaSkip}); r.str("error", "param") != "invoice" {
		t.Errorf("session for a draft: %s", r.body)
	}
	if r := post("/v1/invoices/"+id+"/finalize", js, ``, 200); r.str("status") != "open" || r.get("status_transitions", "finalized_at") == nil {
		t.Fatalf("finalize %s", r.body)
	}
	post("/v1/invoices/"+id+"/finalize", js, ``, 400)
	post("/v1/invoices/"+id, js, `{"description":"April"}`, 400)

	// A session for it, paid (as the page pays): the invoice is paid with it.
	cs := o.exchange(oaRequest{method: "POST", path: "/v1/checkout/sessions", auth: oaBearer(o.key), contentType: js, body: oaJSON(t, invSession), status: 200})
	if cs.str("invoice") != id || cs.get("amount_total") != 2400.0 || cs.str("customer_email") != "ama@example.com" {
		t.Fatalf("invoice session %s", cs.body)
	}
	other := o.exchange(oaRequest{method: "POST", path: "/v1/checkout/sessions", auth: oaBearer(o.key), contentType: js, body: oaJSON(t, invSession), status: 200})
	if p := o.pay(cs.str("id"), "card", "4242424242424242"); p.Status != checkout.PaymentSucceeded {
		t.Fatalf("pay %+v", p)
	}
	paid := get("/v1/invoices/"+id, 200)
	if paid.str("status") != "paid" || paid.str("checkout_session") != cs.str("id") || paid.get("amount_paid") != 2400.0 || paid.get("amount_remaining") != 0.0 {
		t.Fatalf("paid invoice %s", paid.body)
	}
	card := &checkout.Card{Number: "4242424242424242", ExpMonth: 12, ExpYear: o.clock.Now().Year() + 5, CVC: "123"}
	if _, p, err := o.svc.Pay(t.Context(), other.str("id"), service.PayParams{Method: checkout.MethodCard, Card: card}); checkout.ErrorKind(err) != checkout.KindState {
		t.Fatalf("a second session of a paid invoice: %v %+v", err, p)
	}
	post("/v1/invoices/"+id+"/void", js, ``, 400)

	// Another, voided.
	second := post("/v1/invoices", js, `{"customer_email":"kofi@example.com","line_items":[{"quantity":1,"price_data":{"unit_amount":700,"product_data":{"name":"Fee"}}}]}`, 200)
	post("/v1/invoices/"+second.str("id")+"/finalize", form, ``, 200)
	if r := post("/v1/invoices/"+second.str("id")+"/void", form, ``, 200); r.str("status") != "void" || r.get("amount_remaining") != 0.0 {
		t.Fatalf("void %s", r.body)
	}
	if got := ids(get("/v1/invoices?status=paid", 200)); len(got) != 1 || got[0] != id {
		t.Errorf("paid invoices %v", got)
	}
	if got := ids(get("/v1/invoices", 200)); len(got) != 2 {
		t.Errorf("invoices %v", got)
	}
	o.exchange(oaRequest{method: "GET", path: "/v1/invoices?status=late", auth: oaBearer(o.key), status: 400, request: oaInvalid})
	get("/v1/invoices/in_nope", 404)
	for _, typ := range []string{"product.created", "product.updated", "invoice.created", "invoice.updated", "invoice.finalized", "invoice.paid", "invoice.voided"} {
		if l := get("/v1/events?type="+typ, 200); len(l.get("data").([]any)) == 0 {
			t.Errorf("no %s event", typ)
		}
	}
}

// TestSDKProductsAndInvoices drives products and invoices through the Go
// SDK against the real server, and pays an invoice's session on the
// hosted page: the SDK then reads the invoice paid by that session.
func TestSDKProductsAndInvoices(t *testing.T) {
	e := newPageEnv(t)
	ctx := context.Background()
	c := client.New(e.key, client.WithBaseURL(e.srv.URL))
	tea, err := c.Products.Create(ctx, &client.ProductParams{Name: "Tea", UnitAmount: 350, Currency: "ghs", Images: []string{"https://shop.example/tea.png"}})
	if err != nil || !strings.HasPrefix(tea.ID, "prod_") || !tea.Active || tea.UnitAmount != 350 || tea.Currency != "GHS" || len(tea.Images) != 1 {
		t.Fatalf("create: %+v %v", tea, err)
	}
	old, err := c.Products.Create(ctx, &client.ProductParams{Name: "Old", UnitAmount: 100, Currency: "GHS"})
	if err != nil {
		t.Fatal(err)
	}
	if old, err = c.Products.Archive(ctx, old.ID); err != nil || old.Active {
		t.Fatalf("archive: %+v %v", old, err)
	}
	price := int64(400)
	if tea, err = c.Products.Update(ctx, tea.ID, &client.ProductUpdateParams{UnitAmount: &price}); err != nil || tea.UnitAmount != 400 {
		t.Fatalf("update: %+v %v", tea, err)
	}
	yes := true
	var active []string
	for p, err := range c.Products.All(ctx, &client.ProductListParams{Limit: 1, Active: &yes}) {
		if err != nil {
			t.Fatal(err)
		}
		active = append(active, p.ID)
	}
	if len(active) != 1 || active[0] != tea.ID {
		t.Fatalf("active products %v", active)
	}
	_, err = c.Sessions.Create(ctx, &client.SessionParams{SuccessURL: "https://shop.example/success", CancelURL: "https://shop.example/cancel",
		LineItems: []client.LineItemParams{{Quantity: 1, Product: old.ID}}})
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.Param != "line_items[0][product]" {
		t.Fatalf("an archived product's session: %v", err)
	}

	in, err := c.Invoices.Create(ctx, &client.InvoiceParams{CustomerEmail: "customer@example.com", CustomerName: "Ama",
		LineItems: []client.LineItemParams{{Quantity: 2, Product: tea.ID}, {Quantity: 1, PriceData: &client.PriceDataParams{UnitAmount: 1000,
			ProductData: &client.ProductDataParams{Name: "Delivery"}}}}})
	if err != nil || in.Status != client.InvoiceDraft || in.AmountDue != 1800 || in.Currency != "GHS" || len(in.Lines.Data) != 2 || in.Lines.Data[0].Product != tea.ID {
		t.Fatalf("invoice: %+v %v", in, err)
	}
	if in, err = c.Invoices.Finalize(ctx, in.ID); err != nil || in.Status != client.InvoiceOpen || in.StatusTransitions.FinalizedAt == nil {
		t.Fatalf("finalize: %+v %v", in, err)
	}
	sess, err := c.Sessions.Create(ctx, &client.SessionParams{Invoice: in.ID, SuccessURL: "https://shop.example/success", CancelURL: "https://shop.example/cancel"})
	if err != nil || sess.Invoice != in.ID || sess.AmountTotal != 1800 || sess.LineItems == nil || sess.LineItems.Data[0].Product != tea.ID ||
		sess.LineItems.Data[0].Price.Product != tea.ID {
		t.Fatalf("invoice session: %+v %v", sess, err)
	}
	res := e.openOK(t, "/checkout/"+sess.ID).pay("4242 4242 4242 4242")
	if loc := res.location(); !strings.HasPrefix(loc, "https://shop.example/success") {
		t.Fatalf("pay went to %s", loc)
	}
	if in, err = c.Invoices.Get(ctx, in.ID); err != nil || in.Status != client.InvoicePaid || in.CheckoutSession != sess.ID || !in.Paid || in.AmountPaid != 1800 {
		t.Fatalf("paid invoice: %+v %v", in, err)
	}
	page, err := c.Invoices.List(ctx, &client.InvoiceListParams{Status: client.InvoicePaid})
	if err != nil || len(page.Data) != 1 || page.Data[0].ID != in.ID {
		t.Fatalf("paid invoices: %+v %v", page, err)
	}
	if _, err := c.Invoices.Void(ctx, in.ID); !errors.As(err, &apiErr) || apiErr.Code != "invoice_not_open" {
		t.Fatalf("void of a paid invoice: %v", err)
	}
}

// TestPageInvoiceCannotBePaid: the page of a session whose invoice was
// voided, or paid through another session, says so when the customer
// pays, and charges nothing.
func TestPageInvoiceCannotBePaid(t *testing.T) {
	e := newPageEnv(t)
	ctx := context.Background()
	c := client.New(e.key, client.WithBaseURL(e.srv.URL))
	invoice := func() *client.Invoice {
		in, err := c.Invoices.Create(ctx, &client.InvoiceParams{CustomerEmail: "customer@example.com", Currency: "GHS",
			LineItems: []client.LineItemParams{{Quantity: 1, PriceData: &client.PriceDataParams{UnitAmount: 1000, ProductData: &client.ProductDataParams{Name: "Fee"}}}}})
		if err == nil {
			in, err = c.Invoices.Finalize(ctx, in.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	session := func(in string) string {
		s, err := c.Sessions.Create(ctx, &client.SessionParams{Invoice: in, SuccessURL: "https://shop.example/success", CancelURL: "https://shop.example/cancel"})
		if err != nil {
			t.Fatal(err)
		}
		return s.ID
	}
	voided := invoice()
	vs := session(voided.ID)
	if _, err := c.Invoices.Void(ctx, voided.ID); err != nil {
		t.Fatal(err)
	}
	e.openOK(t, "/checkout/"+vs).pay("4242 4242 4242 4242").back().mustContain("This invoice has been cancelled by the merchant")
	if pays := e.payments(t, vs); len(pays) != 0 {
		t.Fatalf("payments of a voided invoice's session: %v", pays)
	}

	paid := invoice()
	first, second := session(paid.ID), session(paid.ID)
	e.openOK(t, "/checkout/"+first).pay("4242 4242 4242 4242")
	e.openOK(t, "/checkout/"+second).pay("4242 4242 4242 4242").back().mustContain("This invoice has already been paid")
	if pays := e.payments(t, second); len(pays) != 0 {
		t.Fatalf("payments of a paid invoice's other session: %v", pays)
	}
}
