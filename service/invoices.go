package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// Invoices: a bill drafted, finalized (draft → open), then paid through a
// checkout session made for it (SessionParams.Invoice), or voided. The
// session's completion marks the invoice paid, with invoice.paid, in the
// completion's own Commit (settleInvoice, from record); a payment of one
// of its sessions holds it from its claim Commit on (claimInvoice, from
// Pay), so two sessions of one invoice are never both paid.

// InvoiceParams creates a draft invoice or changes one while it is a draft
// (nil and "" fields are left alone; LineItems, when not nil, replaces the
// lines). Errors name the canonical parameters: customer_email,
// customer_name, description, currency, line_items[i][…], due_date,
// metadata.
type InvoiceParams struct {
	CustomerEmail *string
	CustomerName  *string
	Description   *string
	Currency      string
	LineItems     []LineItemParams
	DueDate       *time.Time
	Metadata      map[string]string
}

// InvoiceFilter narrows ListInvoices: Status, when set, keeps the
// invoices with that status.
type InvoiceFilter struct {
	checkout.ListParams
	Status checkout.InvoiceStatus
}

// applyInvoice checks p and applies it to in (built, or a draft read to
// change). Lines from products take their current price; every line must
// be in the invoice's currency.
func (s *Service) applyInvoice(ctx context.Context, in *checkout.Invoice, p *InvoiceParams, now time.Time) error {
	if p.CustomerEmail != nil {
		if *p.CustomerEmail == "" {
			return checkout.Invalid("customer_email", "parameter_invalid_empty", "customer_email cannot be empty")
		}
		if err := checkEmail(*p.CustomerEmail); err != nil {
			return err
		}
		in.CustomerEmail = *p.CustomerEmail
	}
	if p.CustomerName != nil {
		if err := checkText("customer_name", *p.CustomerName, MaxCustomerNameLen); err != nil {
			return err
		}
		in.CustomerName = strings.TrimSpace(*p.CustomerName)
	}
	if p.Description != nil {
		if err := checkText("description", *p.Description, MaxDescriptionLen); err != nil {
			return err
		}
		in.Description = *p.Description
	}
	if p.Currency != "" {
		c, ok := checkout.ParseCurrency(p.Currency)
		if !ok {
			return checkout.Invalid("currency", "currency_invalid", "'%s' is not a supported ISO 4217 currency code", p.Currency)
		}
		if c != in.Currency && p.LineItems == nil && len(in.Lines) > 0 {
			return checkout.Invalid("currency", "currency_mismatch", "the invoice's lines are in %s; give line_items with a new currency", in.Currency)
		}
		in.Currency = c
	}
	if p.DueDate != nil {
		if !p.DueDate.After(now) {
			return checkout.Invalid("due_date", "parameter_invalid", "due_date must be in the future")
		}
		in.DueDate = p.DueDate.UTC().Truncate(time.Second)
	}
	if p.Metadata != nil {
		md, err := checkMetadata(p.Metadata)
		if err != nil {
			return err
		}
		in.Metadata = md
	}
	if p.LineItems != nil {
		lines, due, err := s.invoiceLines(ctx, in.Scope(), in.Currency, p.LineItems)
		if err != nil {
			return err
		}
		in.Lines, in.AmountDue = lines, due
	}
	return nil
}

// invoiceLines checks and prices the lines of an invoice in currency cur.
func (s *Service) invoiceLines(ctx context.Context, scope checkout.Scope, cur checkout.Currency, items []LineItemParams) ([]checkout.InvoiceLine, int64, error) {
	if len(items) > checkout.MaxLineItems {
		return nil, 0, checkout.Invalid("line_items", "parameter_invalid", "at most %d line items; got %d", checkout.MaxLineItems, len(items))
	}
	for i, li := range items {
		if li.Images != nil {
			return nil, 0, checkout.Invalid(fmt.Sprintf("line_items[%d][price_data][product_data][images]", i), "parameter_unknown", "an invoice's lines carry no images")
		}
	}
	items, err := s.resolveProducts(ctx, scope, items)
	if err != nil {
		return nil, 0, err
	}
	lines := make([]checkout.InvoiceLine, 0, len(items))
	var due int64
	for i, li := range items {
		name := func(field string) string { return fmt.Sprintf("line_items[%d]%s", i, field) }
		if li.Quantity == nil {
			return nil, 0, checkout.Invalid(name("[quantity]"), "parameter_missing", "%s is required", name("[quantity]"))
		}
		if *li.Quantity < 1 || *li.Quantity > checkout.MaxQuantity {
			return nil, 0, checkout.Invalid(name("[quantity]"), "parameter_invalid_integer", "quantity must be between 1 and %d; got %d", checkout.MaxQuantity, *li.Quantity)
		}
		if li.Currency != "" {
			c, ok := checkout.ParseCurrency(li.Currency)
			switch {
			case !ok:
				return nil, 0, checkout.Invalid(name("[price_data][currency]"), "currency_invalid", "'%s' is not a supported ISO 4217 currency code", li.Currency)
			case c != cur && li.fromProduct:
				return nil, 0, checkout.Invalid(name("[product]"), "currency_mismatch", "product %s is priced in %s, not the invoice's currency %s", li.Product, c, cur)
			case c != cur:
				return nil, 0, checkout.Invalid(name("[price_data][currency]"), "currency_mismatch", "line item currency %s differs from the invoice's currency %s", c, cur)
			}
		}
		if li.UnitAmount == nil {
			return nil, 0, checkout.Invalid(name("[price_data][unit_amount]"), "parameter_missing", "give %s or %s", name("[product]"), name("[price_data][unit_amount]"))
		}
		if *li.UnitAmount < 0 || *li.UnitAmount > checkout.MaxAmount {
			return nil, 0, checkout.Invalid(name("[price_data][unit_amount]"), "parameter_invalid_integer", "unit_amount must be between 0 and %d; got %d", checkout.MaxAmount, *li.UnitAmount)
		}
		if strings.TrimSpace(li.Name) == "" {
			return nil, 0, checkout.Invalid(name("[price_data][product_data][name]"), "parameter_missing", "%s is required", name("[price_data][product_data][name]"))
		}
		if err := checkText(name("[price_data][product_data][name]"), li.Name, MaxNameLen); err != nil {
			return nil, 0, err
		}
		if err := checkText(name("[price_data][product_data][description]"), li.Description, MaxDescriptionLen); err != nil {
			return nil, 0, err
		}
		amount, ok := checkout.MulAmount(*li.UnitAmount, *li.Quantity)
		if ok {
			due, ok = checkout.AddAmount(due, amount)
		}
		if !ok {
			return nil, 0, checkout.Invalid("line_items", "amount_too_large", "the line items add up to more than %d", checkout.MaxAmount)
		}
		lines = append(lines, checkout.InvoiceLine{ID: s.ids.New("il"), Product: li.Product, Name: li.Name,
			Description: li.Description, Quantity: *li.Quantity, UnitAmount: *li.UnitAmount, Amount: amount})
	}
	return lines, due, nil
}

// CreateInvoice validates p and stores a new draft invoice of scope with
// its invoice.created event. customer_email is required; the currency is
// p's, else the first product line's, else the account's. A rejected
// request writes nothing.
func (s *Service) CreateInvoice(ctx context.Context, scope checkout.Scope, p *InvoiceParams) (*checkout.Invoice, error) {
	if p.CustomerEmail == nil {
		return nil, checkout.Invalid("customer_email", "parameter_missing", "customer_email is required")
	}
	acct, err := s.account(ctx, scope.AccountID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	in := &checkout.Invoice{ID: s.ids.New("in"), AccountID: scope.AccountID, Livemode: scope.Livemode, Status: checkout.InvoiceDraft,
		Currency: acct.DefaultCurrency, Lines: []checkout.InvoiceLine{}, Version: 1, Created: now, Updated: now}
	if p.Currency == "" {
		for _, li := range p.LineItems {
			if li.Product != "" {
				if pr, err := s.GetProduct(ctx, scope, li.Product); err == nil {
					in.Currency = pr.Currency
				}
				break
			}
		}
	}
	if err := s.applyInvoice(ctx, in, p, now); err != nil {
		return nil, err
	}
	ev := s.objectEvent(in.Clone(), in.AccountID, in.Livemode, in.ID, in.Version, checkout.EventInvoiceCreated, now)
	if err := s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{in}, Events: []*checkout.Event{ev}}); err != nil {
		return nil, err
	}
	s.wakeDeliveries()
	return in, nil
}

// GetInvoice returns invoice id of scope.
func (s *Service) GetInvoice(ctx context.Context, scope checkout.Scope, id string) (*checkout.Invoice, error) {
	o, err := s.store.GetObject(ctx, scope, checkout.InvoiceKind, id)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return nil, checkout.NotFound("id", "invoice", id)
	}
	if err != nil {
		return nil, err
	}
	in, ok := o.(*checkout.Invoice)
	if !ok {
		return nil, checkout.NotFound("id", "invoice", id)
	}
	return in, nil
}

// ListInvoices returns one page of scope's invoices, newest first.
func (s *Service) ListInvoices(ctx context.Context, scope checkout.Scope, f InvoiceFilter) (checkout.Page[*checkout.Invoice], error) {
	if f.Status != "" && !validInvoiceStatus(f.Status) {
		return checkout.Page[*checkout.Invoice]{}, checkout.Invalid("status", "parameter_invalid", "status must be draft, open, paid or void; got '%s'", f.Status)
	}
	return filteredList(ctx, s.store, scope, checkout.InvoiceKind, f.ListParams, func(o checkout.Object) (*checkout.Invoice, bool) {
		in, ok := o.(*checkout.Invoice)
		return in, ok && (f.Status == "" || in.Status == f.Status)
	})
}

func validInvoiceStatus(st checkout.InvoiceStatus) bool {
	for _, v := range checkout.InvoiceStatuses {
		if v == st {
			return true
		}
	}
	return false
}

// UpdateInvoice changes draft invoice id as p says, with an
// invoice.updated event; an invoice past its draft is refused
// (invoice_not_draft). A rejected request writes nothing.
func (s *Service) UpdateInvoice(ctx context.Context, scope checkout.Scope, id string, p *InvoiceParams) (*checkout.Invoice, error) {
	return s.invoiceStep(ctx, scope, id, checkout.EventInvoiceUpdated, func(in *checkout.Invoice, now time.Time) error {
		if in.Status != checkout.InvoiceDraft {
			return &checkout.Error{Kind: checkout.KindState, Code: "invoice_not_draft", Message: "invoice " + in.ID + " is " + string(in.Status) + "; only a draft can be changed"}
		}
		if err := s.applyInvoice(ctx, in, p, now); err != nil {
			return err
		}
		in.Version++
		in.Updated = now
		return nil
	})
}

// FinalizeInvoice opens draft invoice id (invoice.finalized): from then
// on checkout sessions can be made for it. Its amount due must be at
// least the smallest payment.
func (s *Service) FinalizeInvoice(ctx context.Context, scope checkout.Scope, id string) (*checkout.Invoice, error) {
	return s.invoiceStep(ctx, scope, id, checkout.EventInvoiceFinalized, func(in *checkout.Invoice, now time.Time) error {
		if in.Status == checkout.InvoiceDraft && in.AmountDue < checkout.MinAmount {
			return checkout.Invalid("line_items", "amount_too_small", "invoice %s's amount due must be at least %d to be finalized; got %d", in.ID, checkout.MinAmount, in.AmountDue)
		}
		return in.Finalize(now)
	})
}

// VoidInvoice ends open invoice id unpaid (invoice.voided): none of its
// sessions can be paid from then on. One a payment holds now is refused
// (invoice_payment_in_progress).
func (s *Service) VoidInvoice(ctx context.Context, scope checkout.Scope, id string) (*checkout.Invoice, error) {
	return s.invoiceStep(ctx, scope, id, checkout.EventInvoiceVoided, func(in *checkout.Invoice, now time.Time) error {
		return in.Void(now)
	})
}

// invoiceStep reads invoice id, changes it with step and writes it with
// an event of type typ, under compare-and-set.
func (s *Service) invoiceStep(ctx context.Context, scope checkout.Scope, id, typ string, step func(*checkout.Invoice, time.Time) error) (*checkout.Invoice, error) {
	var in *checkout.Invoice
	err := retryCAS(func() error {
		var err error
		if in, err = s.GetInvoice(ctx, scope, id); err != nil {
			return err
		}
		now := s.now()
		if err := step(in, now); err != nil {
			return err
		}
		ev := s.objectEvent(in.Clone(), in.AccountID, in.Livemode, in.ID, in.Version, typ, now)
		return s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{in}, Events: []*checkout.Event{ev}})
	})
	if err != nil {
		return nil, err
	}
	s.wakeDeliveries()
	return in, nil
}
