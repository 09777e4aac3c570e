package http

import (
	"fmt"
	"net/http"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/http/params"
	"github.com/checkoutd/checkoutd/service"
)

// Seed 002's /v2/invoices: the canonical invoices (/v1/invoices) with the
// dialect's names. An invoice is made a draft, as the canonical one is;
// finalize opens it for checkout, void ends it. amountDue is always the
// service's sum of the lines, never sent.

// decodeV2Invoice reads the fields of create. Lines are {productId,
// quantity} (the product's current price) or {name, description,
// unitAmountMinor, quantity}.
func decodeV2Invoice(r *http.Request) (*service.InvoiceParams, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, err
	}
	// Read-only: said so by name rather than as an unknown field.
	for _, ro := range []string{"amountDue", "amountPaid", "status"} {
		if v.Has(ro) {
			return nil, checkout.Invalid(ro, "parameter_unknown", "%s is read-only: it is the service's to set (amountDue is the sum of lineItems, status moves with finalize, void and payment)", ro)
		}
	}
	p := &service.InvoiceParams{}
	if s, ok := v.String("customerEmail"); ok {
		p.CustomerEmail = &s
	}
	if s, ok := v.String("customerName"); ok {
		p.CustomerName = &s
	}
	if s, ok := v.String("description"); ok {
		p.Description = &s
	}
	p.Currency, _ = v.String("currency")
	if s, ok := v.String("dueDate"); ok {
		t, err := v2DueDate(s)
		if err != nil {
			return nil, err
		}
		p.DueDate = &t
	}
	p.Metadata, _ = v.StringMap("metadata")
	if v.Has("lineItems") {
		items, _ := v.List("lineItems")
		p.LineItems = []service.LineItemParams{}
		for i, it := range items {
			li, err := decodeV2InvoiceLine(it, i)
			if err != nil {
				return nil, err
			}
			p.LineItems = append(p.LineItems, li)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// decodeV2InvoiceLine reads line i: a product's, or a free-form one. A line
// that names a product takes its name and price from it, so giving them
// too is refused naming the first such field.
func decodeV2InvoiceLine(it *params.Values, i int) (service.LineItemParams, error) {
	var li service.LineItemParams
	if n, ok := it.Int("quantity"); ok {
		li.Quantity = &n
	}
	li.Product, _ = it.String("productId")
	if n, ok := it.Int("unitAmountMinor"); ok {
		li.UnitAmount = &n
	}
	li.Name, _ = it.String("name")
	li.Description, _ = it.String("description")
	if li.Product == "" {
		return li, nil
	}
	for _, f := range []string{"name", "description", "unitAmountMinor"} {
		if it.Has(f) {
			return li, checkout.Invalid(fmt.Sprintf("lineItems[%d][%s]", i, f), "parameter_unexpected",
				"lineItems[%d] names a product (productId), which gives its %s; send productId or %s, not both", i, f, f)
		}
	}
	return li, nil
}

// v2DueDate reads dueDate: an RFC 3339 time, or a calendar date
// (YYYY-MM-DD), due by the end of that day in UTC.
func v2DueDate(s string) (time.Time, error) {
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d.Add(24*time.Hour - time.Second), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, checkout.Invalid("dueDate", "parameter_invalid_timestamp", "dueDate must be an RFC 3339 time (2026-05-01T17:00:00Z) or a date (2026-05-01); got '%s'", s)
}

func (s *Server) createV2Invoice(r *http.Request, scope checkout.Scope) (any, error) {
	p, err := decodeV2Invoice(r)
	if err != nil {
		return nil, v2Decoded(err)
	}
	return v2InvoiceAnswer(s.svc.CreateInvoice(r.Context(), scope, p))
}

func (s *Server) getV2Invoice(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, v2Decoded(err)
	}
	return v2InvoiceAnswer(s.svc.GetInvoice(r.Context(), scope, r.PathValue("id")))
}

// finalizeV2Invoice opens a draft: from then on a checkout session can be
// made for it.
func (s *Server) finalizeV2Invoice(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, v2Decoded(err)
	}
	return v2InvoiceAnswer(s.svc.FinalizeInvoice(r.Context(), scope, r.PathValue("id")))
}

// voidV2Invoice ends an open invoice unpaid: none of its sessions can be
// paid from then on.
func (s *Server) voidV2Invoice(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, v2Decoded(err)
	}
	return v2InvoiceAnswer(s.svc.VoidInvoice(r.Context(), scope, r.PathValue("id")))
}

func (s *Server) listV2Invoices(r *http.Request, scope checkout.Scope) (any, error) {
	// status (draft, open, paid, void) is the canonical filter's name too.
	return v2ListOf(r, scope, invoiceFilter, s.svc.ListInvoices, renderV2Invoice)
}

func v2InvoiceAnswer(in *checkout.Invoice, err error) (any, error) {
	if err != nil {
		return nil, v2LineNames{err, v2InvoiceLines}
	}
	return renderV2Invoice(in), nil
}
