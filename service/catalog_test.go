package service_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/teststore"
	"github.com/checkoutd/checkoutd/service"
)

func str(s string) *string { return &s }

func (f *fixture) product(t *testing.T, name string, unit int64, cur string) *checkout.Product {
	t.Helper()
	pr, err := f.svc.CreateProduct(f.ctx, f.scope, &service.ProductParams{Name: str(name), UnitAmount: i64(unit), Currency: cur})
	if err != nil {
		t.Fatal(err)
	}
	return pr
}

// openInvoice makes and finalizes an invoice of a free-form line of
// amount and one of product pr (when not nil).
func (f *fixture) openInvoice(t *testing.T, amount int64, pr *checkout.Product) *checkout.Invoice {
	t.Helper()
	lines := []service.LineItemParams{{Name: "Consulting", UnitAmount: i64(amount), Quantity: i64(1)}}
	if pr != nil {
		lines = append(lines, service.LineItemParams{Product: pr.ID, Quantity: i64(2)})
	}
	in, err := f.svc.CreateInvoice(f.ctx, f.scope, &service.InvoiceParams{CustomerEmail: str("ana@example.com"), CustomerName: str("Ana"), LineItems: lines})
	if err != nil {
		t.Fatal(err)
	}
	if in, err = f.svc.FinalizeInvoice(f.ctx, f.scope, in.ID); err != nil {
		t.Fatal(err)
	}
	return in
}

func (f *fixture) invoiceSession(t *testing.T, id string, methods ...string) *checkout.Session {
	t.Helper()
	s, err := f.svc.CreateSession(f.ctx, f.scope, &service.SessionParams{Invoice: id, SuccessURL: "https://shop.example/ok",
		CancelURL: "https://shop.example/no", PaymentMethodTypes: methods})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func wantParam(t *testing.T, err error, param string) {
	t.Helper()
	e, ok := err.(*checkout.Error)
	if !ok || e.Kind != checkout.KindInvalid || e.Param != param {
		t.Fatalf("want invalid %s, got %v", param, err)
	}
}

func wantState(t *testing.T, err error, code string) {
	t.Helper()
	e, ok := err.(*checkout.Error)
	if !ok || e.Kind != checkout.KindState || e.Code != code {
		t.Fatalf("want state error %s, got %v", code, err)
	}
}

func TestProducts(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st checkout.Store) {
		f := fixtureOn(t, st)
		tea := f.product(t, "Tea", 350, "EUR")
		cake := f.product(t, "Cake", 500, "EUR")
		if !tea.Active || tea.UnitAmount != 350 || tea.Currency != "EUR" || !strings.HasPrefix(tea.ID, "prod_") {
			t.Fatalf("product %+v", tea)
		}
		// A session line from a product takes its price now.
		s, err := f.svc.CreateSession(f.ctx, f.scope, &service.SessionParams{SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no",
			LineItems: []service.LineItemParams{{Product: tea.ID, Quantity: i64(2)}, {Name: "Bag", Currency: "EUR", UnitAmount: i64(10), Quantity: i64(1)}}})
		if err != nil || s.AmountTotal != 710 || s.LineItems[0].Product != tea.ID || s.LineItems[0].Name != "Tea" || s.LineItems[1].Product != "" {
			t.Fatalf("product session: %v %+v", err, s)
		}
		// A new price reaches new sessions only.
		if tea, err = f.svc.UpdateProduct(f.ctx, f.scope, tea.ID, &service.ProductParams{UnitAmount: i64(400), Description: str("green")}); err != nil || tea.UnitAmount != 400 || tea.Version != 2 {
			t.Fatalf("update: %v %+v", err, tea)
		}
		if got, _ := f.svc.GetSession(f.ctx, f.scope, s.ID); got.AmountTotal != 710 || got.LineItems[0].Product != tea.ID {
			t.Fatalf("an older session changed: %+v", got)
		}
		// Archived: no new checkout, named by its field.
		if _, err := f.svc.ArchiveProduct(f.ctx, f.scope, cake.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.CreateSession(f.ctx, f.scope, &service.SessionParams{SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no",
			LineItems: []service.LineItemParams{{Product: tea.ID, Quantity: i64(1)}, {Product: cake.ID, Quantity: i64(1)}}})
		wantParam(t, err, "line_items[1][product]")
		// The active filter.
		yes, no := true, false
		for _, tc := range []struct {
			active *bool
			want   []string
		}{{nil, []string{cake.ID, tea.ID}}, {&yes, []string{tea.ID}}, {&no, []string{cake.ID}}} {
			page, err := f.svc.ListProducts(f.ctx, f.scope, service.ProductFilter{ListParams: checkout.ListParams{Limit: 10}, Active: tc.active})
			if err != nil || len(page.Items) != len(tc.want) || page.HasMore {
				t.Fatalf("list active=%v: %v %d", tc.active, err, len(page.Items))
			}
			for i, pr := range page.Items {
				if pr.ID != tc.want[i] {
					t.Fatalf("list active=%v: %s at %d, want %s", tc.active, pr.ID, i, tc.want[i])
				}
			}
		}
		if got := f.events(t); strings.Join(got, " ") != "product.created product.created product.updated product.updated" {
			t.Fatalf("events %v", got)
		}
	})
}

func TestProductListFilterPages(t *testing.T) {
	f := newFixture(t)
	var active []string
	for i := range 7 {
		pr := f.product(t, "P", 100, "EUR")
		if i%2 == 0 {
			active = append([]string{pr.ID}, active...) // newest first
		} else if _, err := f.svc.ArchiveProduct(f.ctx, f.scope, pr.ID); err != nil {
			t.Fatal(err)
		}
	}
	yes := true
	page, err := f.svc.ListProducts(f.ctx, f.scope, service.ProductFilter{ListParams: checkout.ListParams{Limit: 3}, Active: &yes})
	if err != nil || len(page.Items) != 3 || !page.HasMore || page.Items[0].ID != active[0] || page.Items[2].ID != active[2] {
		t.Fatalf("first page: %v %+v", err, page)
	}
	next, err := f.svc.ListProducts(f.ctx, f.scope, service.ProductFilter{ListParams: checkout.ListParams{Limit: 3, StartingAfter: page.Items[2].ID}, Active: &yes})
	if err != nil || len(next.Items) != 1 || next.HasMore || next.Items[0].ID != active[3] {
		t.Fatalf("second page: %v %+v", err, next)
	}
	back, err := f.svc.ListProducts(f.ctx, f.scope, service.ProductFilter{ListParams: checkout.ListParams{Limit: 2, EndingBefore: active[3]}, Active: &yes})
	if err != nil || len(back.Items) != 2 || !back.HasMore || back.Items[0].ID != active[1] || back.Items[1].ID != active[2] {
		t.Fatalf("page back: %v %+v", err, back)
	}
}

func TestProductBadInputWritesNothing(t *testing.T) {
	f := newFixture(t)
	long := strings.Repeat("n", 251)
	for _, tc := range []struct {
		name  string
		p     service.ProductParams
		param string
	}{
		{"no name", service.ProductParams{UnitAmount: i64(1), Currency: "EUR"}, "name"},
		{"blank name", service.ProductParams{Name: str(" "), UnitAmount: i64(1), Currency: "EUR"}, "name"},
		{"long name", service.ProductParams{Name: &long, UnitAmount: i64(1), Currency: "EUR"}, "name"},
		{"no amount", service.ProductParams{Name: str("A"), Currency: "EUR"}, "unit_amount"},
		{"negative amount", service.ProductParams{Name: str("A"), UnitAmount: i64(-1), Currency: "EUR"}, "unit_amount"},
		{"huge amount", service.ProductParams{Name: str("A"), UnitAmount: i64(checkout.MaxAmount + 1), Currency: "EUR"}, "unit_amount"},
		{"no currency", service.ProductParams{Name: str("A"), UnitAmount: i64(1)}, "currency"},
		{"bad currency", service.ProductParams{Name: str("A"), UnitAmount: i64(1), Currency: "XXX"}, "currency"},
		{"bad image", service.ProductParams{Name: str("A"), UnitAmount: i64(1), Currency: "EUR", Images: []string{"javascript:alert(1)"}}, "images[0]"},
		{"long description", service.ProductParams{Name: str("A"), UnitAmount: i64(1), Currency: "EUR", Description: str(strings.Repeat("d", 501))}, "description"},
		{"bad metadata", service.ProductParams{Name: str("A"), UnitAmount: i64(1), Currency: "EUR", Metadata: map[string]string{"": "v"}}, "metadata"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.CreateProduct(f.ctx, f.scope, &tc.p)
			if e, ok := err.(*checkout.Error); !ok || e.Kind != checkout.KindInvalid || !strings.HasPrefix(e.Param, tc.param) {
				t.Fatalf("want invalid %s, got %v", tc.param, err)
			}
		})
	}
	pr := f.product(t, "Tea", 350, "EUR")
	_, err := f.svc.UpdateProduct(f.ctx, f.scope, pr.ID, &service.ProductParams{UnitAmount: i64(-5)})
	wantParam(t, err, "unit_amount")
	if _, err := f.svc.UpdateProduct(f.ctx, f.scope, "prod_nope", &service.ProductParams{Active: new(bool)}); checkout.ErrorKind(err) != checkout.KindNotFound {
		t.Fatalf("update of an unknown product: %v", err)
	}
	// A session line naming a product gives no price of its own.
	_, err = f.svc.CreateSession(f.ctx, f.scope, &service.SessionParams{SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no",
		LineItems: []service.LineItemParams{{Product: pr.ID, Quantity: i64(1), UnitAmount: i64(1)}}})
	wantParam(t, err, "line_items[0][price_data]")
	_, err = f.svc.CreateSession(f.ctx, f.scope, &service.SessionParams{SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no",
		LineItems: []service.LineItemParams{{Product: "prod_nope", Quantity: i64(1)}}})
	wantParam(t, err, "line_items[0][product]")
	_, err = f.svc.CreateSession(f.ctx, f.scope, &service.SessionParams{Currency: "USD", SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no",
		LineItems: []service.LineItemParams{{Product: pr.ID, Quantity: i64(1)}}})
	wantParam(t, err, "line_items[0][product]")
	page, err := f.svc.ListProducts(f.ctx, f.scope, service.ProductFilter{ListParams: checkout.ListParams{Limit: 10}})
	if err != nil || len(page.Items) != 1 || page.Items[0].Version != 1 {
		t.Fatalf("products after bad input: %v %+v", err, page.Items)
	}
	if got := f.events(t); len(got) != 1 {
		t.Fatalf("events %v", got)
	}
	if n := f.sessionCount(t, f.scope); n != 0 {
		t.Fatalf("%d sessions made by bad input", n)
	}
}

func TestInvoiceStateMachine(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st checkout.Store) {
		f := fixtureOn(t, st)
		tea := f.product(t, "Tea", 350, "EUR")
		in, err := f.svc.CreateInvoice(f.ctx, f.scope, &service.InvoiceParams{CustomerEmail: str("ana@example.com"),
			LineItems: []service.LineItemParams{{Product: tea.ID, Quantity: i64(2)}}})
		if err != nil || in.Status != checkout.InvoiceDraft || in.AmountDue != 700 || in.Currency != "EUR" || in.Lines[0].Product != tea.ID {
			t.Fatalf("create: %v %+v", err, in)
		}
		// A line's price is the product's when the line was added.
		if _, err := f.svc.UpdateProduct(f.ctx, f.scope, tea.ID, &service.ProductParams{UnitAmount: i64(1000)}); err != nil {
			t.Fatal(err)
		}
		if in, err = f.svc.UpdateInvoice(f.ctx, f.scope, in.ID, &service.InvoiceParams{CustomerName: str("Ana Sousa")}); err != nil || in.AmountDue != 700 || in.CustomerName != "Ana Sousa" {
			t.Fatalf("update: %v %+v", err, in)
		}
		if in, err = f.svc.UpdateInvoice(f.ctx, f.scope, in.ID, &service.InvoiceParams{LineItems: []service.LineItemParams{
			{Product: tea.ID, Quantity: i64(1)}, {Name: "Delivery", UnitAmount: i64(250), Quantity: i64(1)}}}); err != nil || in.AmountDue != 1250 || len(in.Lines) != 2 {
			t.Fatalf("update lines: %v %+v", err, in)
		}
		// A draft cannot be paid or voided.
		_, err = f.svc.CreateSession(f.ctx, f.scope, &service.SessionParams{Invoice: in.ID, SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no"})
		wantParam(t, err, "invoice")
		_, err = f.svc.VoidInvoice(f.ctx, f.scope, in.ID)
		wantState(t, err, "invoice_not_open")
		if in, err = f.svc.FinalizeInvoice(f.ctx, f.scope, in.ID); err != nil || in.Status != checkout.InvoiceOpen || in.FinalizedAt.IsZero() {
			t.Fatalf("finalize: %v %+v", err, in)
		}
		_, err = f.svc.FinalizeInvoice(f.ctx, f.scope, in.ID)
		wantState(t, err, "invoice_not_draft")
		_, err = f.svc.UpdateInvoice(f.ctx, f.scope, in.ID, &service.InvoiceParams{CustomerName: str("B")})
		wantState(t, err, "invoice_not_draft")
		if in, err = f.svc.VoidInvoice(f.ctx, f.scope, in.ID); err != nil || in.Status != checkout.InvoiceVoid {
			t.Fatalf("void: %v %+v", err, in)
		}
		_, err = f.svc.VoidInvoice(f.ctx, f.scope, in.ID)
		wantState(t, err, "invoice_not_open")
		_, err = f.svc.CreateSession(f.ctx, f.scope, &service.SessionParams{Invoice: in.ID, SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no"})
		wantParam(t, err, "invoice")

		// An empty draft cannot be finalized.
		empty, err := f.svc.CreateInvoice(f.ctx, f.scope, &service.InvoiceParams{CustomerEmail: str("bo@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.FinalizeInvoice(f.ctx, f.scope, empty.ID)
		wantParam(t, err, "line_items")

		for _, tc := range []struct {
			status checkout.InvoiceStatus
			want   []string
		}{{"", []string{empty.ID, in.ID}}, {checkout.InvoiceVoid, []string{in.ID}}, {checkout.InvoiceDraft, []string{empty.ID}}, {checkout.InvoiceOpen, nil}} {
			page, err := f.svc.ListInvoices(f.ctx, f.scope, service.InvoiceFilter{ListParams: checkout.ListParams{Limit: 10}, Status: tc.status})
			if err != nil || len(page.Items) != len(tc.want) {
				t.Fatalf("list %q: %v %d", tc.status, err, len(page.Items))
			}
			for i, got := range page.Items {
				if got.ID != tc.want[i] {
					t.Fatalf("list %q: %s at %d", tc.status, got.ID, i)
				}
			}
		}
		_, err = f.svc.ListInvoices(f.ctx, f.scope, service.InvoiceFilter{ListParams: checkout.ListParams{Limit: 10}, Status: "late"})
		wantParam(t, err, "status")
		want := "product.created invoice.created product.updated invoice.updated invoice.updated invoice.finalized invoice.voided invoice.created"
		if got := f.events(t); strings.Join(got, " ") != want {
			t.Fatalf("events %v", got)
		}
	})
}

func TestInvoiceBadInputWritesNothing(t *testing.T) {
	f := newFixture(t)
	usd := f.product(t, "Dollar tea", 100, "USD")
	archived := f.product(t, "Old", 100, "EUR")
	if _, err := f.svc.ArchiveProduct(f.ctx, f.scope, archived.ID); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Hour)
	ok := []service.LineItemParams{{Name: "A", UnitAmount: i64(100), Quantity: i64(1)}}
	email := str("ana@example.com")
	for _, tc := range []struct {
		name  string
		p     service.InvoiceParams
		param string
	}{
		{"no email", service.InvoiceParams{LineItems: ok}, "customer_email"},
		{"bad email", service.InvoiceParams{CustomerEmail: str("ana"), LineItems: ok}, "customer_email"},
		{"long name", service.InvoiceParams{CustomerEmail: email, CustomerName: str(strings.Repeat("n", 151))}, "customer_name"},
		{"bad currency", service.InvoiceParams{CustomerEmail: email, Currency: "XXX"}, "currency"},
		{"past due date", service.InvoiceParams{CustomerEmail: email, DueDate: &past}, "due_date"},
		{"no quantity", service.InvoiceParams{CustomerEmail: email, LineItems: []service.LineItemParams{{Name: "A", UnitAmount: i64(1)}}}, "line_items[0][quantity]"},
		{"zero quantity", service.InvoiceParams{CustomerEmail: email, LineItems: []service.LineItemParams{{Name: "A", UnitAmount: i64(1), Quantity: i64(0)}}}, "line_items[0][quantity]"},
		{"no price", service.InvoiceParams{CustomerEmail: email, LineItems: []service.LineItemParams{{Name: "A", Quantity: i64(1)}}}, "line_items[0][price_data][unit_amount]"},
		{"no line name", service.InvoiceParams{CustomerEmail: email, LineItems: []service.LineItemParams{{UnitAmount: i64(1), Quantity: i64(1)}}}, "line_items[0][price_data][product_data][name]"},
		{"line currency", service.InvoiceParams{CustomerEmail: email, LineItems: []service.LineItemParams{{Name: "A", Currency: "USD", UnitAmount: i64(1), Quantity: i64(1)}}}, "line_items[0][price_data][currency]"},
		{"unknown product", service.InvoiceParams{CustomerEmail: email, LineItems: []service.LineItemParams{{Product: "prod_nope", Quantity: i64(1)}}}, "line_items[0][product]"},
		{"archived product", service.InvoiceParams{CustomerEmail: email, LineItems: []service.LineItemParams{{Product: archived.ID, Quantity: i64(1)}}}, "line_items[0][product]"},
		{"product currency", service.InvoiceParams{CustomerEmail: email, Currency: "EUR", LineItems: []service.LineItemParams{{Product: usd.ID, Quantity: i64(1)}}}, "line_items[0][product]"},
		{"product and price", service.InvoiceParams{CustomerEmail: email, LineItems: []service.LineItemParams{{Product: usd.ID, UnitAmount: i64(1), Quantity: i64(1)}}}, "line_items[0][price_data]"},
		{"images", service.InvoiceParams{CustomerEmail: email, LineItems: []service.LineItemParams{{Name: "A", UnitAmount: i64(1), Quantity: i64(1), Images: []string{"https://img.example/a.png"}}}}, "line_items[0][price_data][product_data][images]"},
		{"bad metadata", service.InvoiceParams{CustomerEmail: email, Metadata: map[string]string{"": "v"}}, "metadata"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.CreateInvoice(f.ctx, f.scope, &tc.p)
			if e, ok := err.(*checkout.Error); !ok || e.Kind != checkout.KindInvalid || !strings.HasPrefix(e.Param, tc.param) {
				t.Fatalf("want invalid %s, got %v", tc.param, err)
			}
		})
	}
	page, err := f.svc.ListInvoices(f.ctx, f.scope, service.InvoiceFilter{ListParams: checkout.ListParams{Limit: 10}})
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("invoices after bad input: %v %d", err, len(page.Items))
	}
	// Sessions for an invoice take nothing that would change its amount.
	in := f.openInvoice(t, 1000, nil)
	for _, tc := range []struct {
		name  string
		p     service.SessionParams
		param string
	}{
		{"amount", service.SessionParams{Amount: i64(5)}, "amount"},
		{"line items", service.SessionParams{LineItems: ok}, "line_items"},
		{"discount", service.SessionParams{Discounts: []service.DiscountParams{{Coupon: "X"}}}, "discounts"},
		{"promotion codes", service.SessionParams{AllowPromotionCodes: true}, "allow_promotion_codes"},
		{"currency", service.SessionParams{Currency: "USD"}, "currency"},
		{"unknown invoice", service.SessionParams{Invoice: "in_nope"}, "invoice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			if p.Invoice == "" {
				p.Invoice = in.ID
			}
			p.SuccessURL, p.CancelURL = "https://shop.example/ok", "https://shop.example/no"
			_, err := f.svc.CreateSession(f.ctx, f.scope, &p)
			wantParam(t, err, tc.param)
		})
	}
	if n := f.sessionCount(t, f.scope); n != 0 {
		t.Fatalf("%d sessions made by bad input", n)
	}
}

// commitLog is a store that keeps every Change it committed.
type commitLog struct {
	checkout.Store
	mu      sync.Mutex
	changes []checkout.Change
}

func (c *commitLog) Commit(ctx context.Context, ch checkout.Change) error {
	err := c.Store.Commit(ctx, ch)
	if err == nil {
		c.mu.Lock()
		c.changes = append(c.changes, ch)
		c.mu.Unlock()
	}
	return err
}

func TestInvoicePaidWithItsSession(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st checkout.Store) {
		log := &commitLog{Store: st}
		f := fixtureOn(t, log)
		tea := f.product(t, "Tea", 350, "EUR")
		in := f.openInvoice(t, 1000, tea)
		s := f.invoiceSession(t, in.ID)
		if s.Invoice != in.ID || s.AmountTotal != 1700 || len(s.LineItems) != 2 || s.LineItems[1].Product != tea.ID ||
			s.CustomerEmail != "ana@example.com" || !s.CustomerEmailLocked {
			t.Fatalf("invoice session %+v", s)
		}
		sess, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")})
		if err != nil || p.Status != checkout.PaymentSucceeded || sess.PaymentStatus != checkout.PaymentPaid {
			t.Fatalf("pay: %v %+v", err, p)
		}
		// Read back together: the session complete, its invoice paid by it.
		got, err := f.svc.GetInvoice(f.ctx, f.scope, in.ID)
		if err != nil || got.Status != checkout.InvoicePaid || got.Session != s.ID || got.Holder.SessionID != "" || got.PaidAt.IsZero() {
			t.Fatalf("invoice after pay: %v %+v", err, got)
		}
		// One Commit wrote the completion, the paid invoice and both events.
		found := false
		for _, c := range log.changes {
			if c.Session == nil || c.Session.ID != s.ID || c.Session.Status != checkout.SessionComplete {
				continue
			}
			var types []string
			for _, ev := range c.Events {
				types = append(types, ev.Type)
			}
			for _, o := range c.Objects {
				if inv, ok := o.(*checkout.Invoice); ok && inv.ID == in.ID && inv.Status == checkout.InvoicePaid &&
					strings.Contains(strings.Join(types, " "), checkout.EventSessionCompleted) &&
					strings.Contains(strings.Join(types, " "), checkout.EventInvoicePaid) {
					found = true
				}
			}
		}
		if !found {
			t.Fatal("no one Commit holds the session's completion with the invoice paid and invoice.paid")
		}
		// A paid invoice starts no checkout, and its other open sessions
		// cannot be paid.
		_, err = f.svc.CreateSession(f.ctx, f.scope, &service.SessionParams{Invoice: in.ID, SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no"})
		wantParam(t, err, "invoice")
		_, err = f.svc.VoidInvoice(f.ctx, f.scope, in.ID)
		wantState(t, err, "invoice_not_open")
	})
}

func TestInvoiceTwoSessionsOnePaid(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st checkout.Store) {
		f := fixtureOn(t, st)
		in := f.openInvoice(t, 1000, nil)
		// A decline frees the hold it took.
		s0 := f.invoiceSession(t, in.ID)
		if _, p, err := f.svc.Pay(f.ctx, s0.ID, service.PayParams{Method: "card", Card: card("4000000000000002", "123")}); err != nil || p.Status != checkout.PaymentFailed {
			t.Fatalf("declined pay: %v %+v", err, p)
		}
		if got, _ := f.svc.GetInvoice(f.ctx, f.scope, in.ID); got.Status != checkout.InvoiceOpen || got.Holder.SessionID != "" {
			t.Fatalf("invoice after a decline %+v", got)
		}
		const n = 4
		sessions := make([]*checkout.Session, n)
		for i := range sessions {
			sessions[i] = f.invoiceSession(t, in.ID)
		}
		if paid, refused := f.payAll(t, sessions, "invoice_payment_in_progress", "invoice_paid"); paid != 1 || refused != n-1 {
			t.Fatalf("%d paid, %d refused", paid, refused)
		}
		pays, err := f.store.ListPayments(f.ctx, f.scope, checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 20}})
		if err != nil || len(pays.Items) != 2 { // the decline and the one charge
			t.Fatalf("payments made: %d %v", len(pays.Items), err)
		}
		got, _ := f.svc.GetInvoice(f.ctx, f.scope, in.ID)
		if got.Status != checkout.InvoicePaid {
			t.Fatalf("invoice after the race %+v", got)
		}
		completed := 0
		for _, s := range sessions {
			if sess, _ := f.svc.GetSession(f.ctx, f.scope, s.ID); sess.Status == checkout.SessionComplete {
				completed++
				if sess.ID != got.Session {
					t.Fatalf("session %s completed, the invoice names %s", sess.ID, got.Session)
				}
			}
		}
		if completed != 1 {
			t.Fatalf("%d sessions completed", completed)
		}
	})
}

func TestInvoiceVoidBlocksPaying(t *testing.T) {
	f := newFixture(t)
	in := f.openInvoice(t, 1000, nil)
	s := f.invoiceSession(t, in.ID)
	if _, err := f.svc.VoidInvoice(f.ctx, f.scope, in.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")})
	wantState(t, err, "invoice_void")
	pays, err := f.store.ListPayments(f.ctx, f.scope, checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 20}})
	if err != nil || len(pays.Items) != 0 {
		t.Fatalf("payments made: %d %v", len(pays.Items), err)
	}
	if sess, _ := f.svc.GetSession(f.ctx, f.scope, s.ID); sess.Status != checkout.SessionOpen || sess.PaymentInFlight != "" {
		t.Fatalf("session after the refusal %+v", sess)
	}
}

// TestInvoiceHeldByVoucher: a voucher waiting to be paid holds the
// invoice (no lapse): another session cannot pay it, nor can it be
// voided, until the voucher's outcome.
func TestInvoiceHeldByVoucher(t *testing.T) {
	f := newFixture(t)
	in := f.openInvoice(t, 1000, nil)
	a, b := f.invoiceSession(t, in.ID, "multibanco"), f.invoiceSession(t, in.ID)
	sess, p, err := f.svc.Pay(f.ctx, a.ID, service.PayParams{Method: "multibanco"})
	if err != nil || sess.Status != checkout.SessionComplete || sess.PaymentStatus != checkout.PaymentUnpaid {
		t.Fatalf("voucher: %v %+v", err, sess)
	}
	if got, _ := f.svc.GetInvoice(f.ctx, f.scope, in.ID); got.Status != checkout.InvoiceOpen || got.Holder.SessionID != a.ID || !got.Holder.Awaiting {
		t.Fatalf("invoice with a voucher waiting %+v", got)
	}
	_, _, err = f.svc.Pay(f.ctx, b.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")})
	wantState(t, err, "invoice_payment_in_progress")
	_, err = f.svc.VoidInvoice(f.ctx, f.scope, in.ID)
	wantState(t, err, "invoice_payment_in_progress")
	if _, err := f.svc.SettlePayment(f.ctx, f.scope, p.ID, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.GetInvoice(f.ctx, f.scope, in.ID); got.Status != checkout.InvoicePaid || got.Session != a.ID {
		t.Fatalf("invoice after the voucher was paid %+v", got)
	}
	if got := f.events(t); got[len(got)-1] != checkout.EventInvoicePaid {
		t.Fatalf("events %v", got)
	}

	// A voucher that fails frees the invoice for another session.
	in2 := f.openInvoice(t, 500, nil)
	c, d := f.invoiceSession(t, in2.ID, "multibanco"), f.invoiceSession(t, in2.ID)
	_, p2, err := f.svc.Pay(f.ctx, c.ID, service.PayParams{Method: "multibanco"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SettlePayment(f.ctx, f.scope, p2.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, p3, err := f.svc.Pay(f.ctx, d.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")}); err != nil || p3.Status != checkout.PaymentSucceeded {
		t.Fatalf("pay after a failed voucher: %v", err)
	}
	if got, _ := f.svc.GetInvoice(f.ctx, f.scope, in2.ID); got.Status != checkout.InvoicePaid || got.Session != d.ID {
		t.Fatalf("invoice %+v", got)
	}
}

// TestInvoiceHeldThroughThreeDSecure: a payment waiting on 3-D Secure
// holds the invoice for ClaimTTL; once the hold lapsed and another
// session paid, its confirmation is canceled, nothing charged twice.
func TestInvoiceHeldThroughThreeDSecure(t *testing.T) {
	f := newFixture(t)
	clk := &setClock{now: time.Now().UTC().Truncate(time.Second)}
	f.configure(func(c *service.Config) { c.Clock = clk })
	in := f.openInvoice(t, 1000, nil)
	a, b := f.invoiceSession(t, in.ID), f.invoiceSession(t, in.ID)
	_, pa, err := f.svc.Pay(f.ctx, a.ID, service.PayParams{Method: "card", Card: card("4000002760003184", "123")})
	if err != nil || pa.Status != checkout.PaymentRequiresAction {
		t.Fatalf("3-D Secure pay: %v %+v", err, pa)
	}
	_, _, err = f.svc.Pay(f.ctx, b.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")})
	wantState(t, err, "invoice_payment_in_progress")
	_, err = f.svc.VoidInvoice(f.ctx, f.scope, in.ID)
	wantState(t, err, "invoice_payment_in_progress")
	clk.Add(checkout.ClaimTTL)
	if _, pb, err := f.svc.Pay(f.ctx, b.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")}); err != nil || pb.Status != checkout.PaymentSucceeded {
		t.Fatalf("pay after the hold lapsed: %v %+v", err, pb)
	}
	sess, p, err := f.svc.ConfirmPayment(f.ctx, a.ID, pa.ID, checkout.ConfirmRequest{Completed: true})
	if err != nil || p.Status != checkout.PaymentCanceled || sess.Status != checkout.SessionOpen {
		t.Fatalf("late confirmation: %v %+v %+v", err, p, sess)
	}
	if got, _ := f.svc.GetInvoice(f.ctx, f.scope, in.ID); got.Status != checkout.InvoicePaid || got.Session != b.ID {
		t.Fatalf("invoice %+v", got)
	}
}

// TestInvoiceLateSuccessRefunded: a provider reports a success for a
// payment whose hold lapsed while another session paid the invoice: the
// success is recorded, its session not completed, and it is refunded in
// full — the invoice stays paid once, by the other session.
func TestInvoiceLateSuccessRefunded(t *testing.T) {
	f := newFixture(t)
	clk := &setClock{now: time.Now().UTC().Truncate(time.Second)}
	f.configure(func(c *service.Config) { c.Clock = clk })
	in := f.openInvoice(t, 1000, nil)
	a, b := f.invoiceSession(t, in.ID), f.invoiceSession(t, in.ID)
	_, pa, err := f.svc.Pay(f.ctx, a.ID, service.PayParams{Method: "card", Card: card("4000002760003184", "123")})
	if err != nil || pa.Status != checkout.PaymentRequiresAction {
		t.Fatalf("3-D Secure pay: %v %+v", err, pa)
	}
	clk.Add(checkout.ClaimTTL)
	if _, pb, err := f.svc.Pay(f.ctx, b.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")}); err != nil || pb.Status != checkout.PaymentSucceeded {
		t.Fatalf("pay after the hold lapsed: %v %+v", err, pb)
	}
	p, err := f.svc.ApplyProviderResult(f.ctx, f.scope, pa.Provider, checkout.Notification{PaymentID: pa.ID,
		Result: checkout.ProviderResult{Status: checkout.PaymentSucceeded}})
	if err != nil || p.Status != checkout.PaymentSucceeded || p.AmountRefunded != p.Amount {
		t.Fatalf("late success: %v %+v", err, p)
	}
	if sess, _ := f.svc.GetSession(f.ctx, f.scope, a.ID); sess.Status != checkout.SessionOpen || sess.Payment != "" {
		t.Fatalf("session of the late success %+v", sess)
	}
	refunds, err := f.svc.ListRefunds(f.ctx, f.scope, service.RefundFilter{ListParams: checkout.ListParams{Limit: 10}, Payment: pa.ID})
	if err != nil || len(refunds.Items) != 1 || refunds.Items[0].Amount != pa.Amount {
		t.Fatalf("refunds %v %+v", err, refunds.Items)
	}
	if got, _ := f.svc.GetInvoice(f.ctx, f.scope, in.ID); got.Status != checkout.InvoicePaid || got.Session != b.ID {
		t.Fatalf("invoice %+v", got)
	}
}

// TestLinkSellsProductsAtTheirPriceNow: a payment link's product line is
// priced when each session is minted, as any session's is: a new price
// reaches the next visit, and an archived product makes the link
// unavailable rather than sell it.
func TestLinkSellsProductsAtTheirPriceNow(t *testing.T) {
	f := newFixture(t)
	tea := f.product(t, "Tea", 350, "EUR")
	reusable := true
	l, err := f.svc.CreatePaymentLink(f.ctx, f.scope, &service.LinkParams{Reusable: &reusable,
		LineItems: []service.LineItemParams{{Product: tea.ID, Quantity: i64(2)}, {Name: "Bag", Currency: "EUR", UnitAmount: i64(10), Quantity: i64(1)}}})
	if err != nil {
		t.Fatal(err)
	}
	visit := func() (*checkout.Session, error) {
		s, _, err := f.svc.VisitPaymentLink(f.ctx, l.ID)
		return s, err
	}
	if s, err := visit(); err != nil || s.AmountTotal != 710 || s.LineItems[0].Product != tea.ID || s.LineItems[0].UnitAmount != 350 {
		t.Fatalf("first visit: %v %+v", err, s)
	}
	if _, err := f.svc.UpdateProduct(f.ctx, f.scope, tea.ID, &service.ProductParams{UnitAmount: i64(400)}); err != nil {
		t.Fatal(err)
	}
	if s, err := visit(); err != nil || s.AmountTotal != 810 || s.LineItems[0].UnitAmount != 400 || s.LineItems[1].UnitAmount != 10 {
		t.Fatalf("after the price changed: %v %+v", err, s)
	}
	if _, err := f.svc.ArchiveProduct(f.ctx, f.scope, tea.ID); err != nil {
		t.Fatal(err)
	}
	var un *service.LinkUnavailable
	if _, err := visit(); !errors.As(err, &un) || un.Reason != service.LinkCannotPay {
		t.Fatalf("a link of an archived product: %v", err)
	}
}
