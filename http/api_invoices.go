package http

import (
	"context"
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/http/params"
	"github.com/checkoutd/checkoutd/service"
)

// Invoices, the canonical API's /v1/invoices, in Stripe's shape as far as
// checkout needs it: lines, amount_due, status draft | open | paid |
// void, and the checkout session that paid it.

type invoiceJSON struct {
	ID                string                `json:"id"`
	Object            string                `json:"object"`
	Status            string                `json:"status"`
	CustomerEmail     string                `json:"customer_email"`
	CustomerName      *string               `json:"customer_name"`
	Description       *string               `json:"description"`
	Currency          string                `json:"currency"`
	AmountDue         int64                 `json:"amount_due"`
	AmountPaid        int64                 `json:"amount_paid"`
	AmountRemaining   int64                 `json:"amount_remaining"`
	Lines             listJSON              `json:"lines"`
	DueDate           *string               `json:"due_date"`
	Paid              bool                  `json:"paid"`
	CheckoutSession   *string               `json:"checkout_session"`
	StatusTransitions statusTransitionsJSON `json:"status_transitions"`
	Metadata          map[string]string     `json:"metadata"`
	Livemode          bool                  `json:"livemode"`
	Created           int64                 `json:"created"`
	CreatedAt         string                `json:"created_at"`
	UpdatedAt         string                `json:"updated_at"`
}

type statusTransitionsJSON struct {
	FinalizedAt *string `json:"finalized_at"`
	PaidAt      *string `json:"paid_at"`
	VoidedAt    *string `json:"voided_at"`
}

type invoiceLineJSON struct {
	ID          string  `json:"id"`
	Object      string  `json:"object"`
	Description string  `json:"description"`
	Product     *string `json:"product"`
	Quantity    int64   `json:"quantity"`
	UnitAmount  int64   `json:"unit_amount"`
	Amount      int64   `json:"amount"`
	Currency    string  `json:"currency"`
}

func renderInvoice(in *checkout.Invoice) *invoiceJSON {
	md := in.Metadata
	if md == nil {
		md = map[string]string{}
	}
	lines := make([]invoiceLineJSON, len(in.Lines))
	for i, l := range in.Lines {
		desc := l.Name
		if l.Description != "" {
			desc += " — " + l.Description
		}
		lines[i] = invoiceLineJSON{ID: l.ID, Object: "line_item", Description: desc, Product: optString(l.Product),
			Quantity: l.Quantity, UnitAmount: l.UnitAmount, Amount: l.Amount, Currency: string(in.Currency)}
	}
	out := &invoiceJSON{ID: in.ID, Object: "invoice", Status: string(in.Status), CustomerEmail: in.CustomerEmail,
		CustomerName: optString(in.CustomerName), Description: optString(in.Description), Currency: string(in.Currency),
		AmountDue: in.AmountDue, AmountRemaining: in.AmountDue,
		Lines:   listJSON{Object: "list", Data: lines, URL: "/v1/invoices/" + in.ID + "/lines"},
		DueDate: optTime(in.DueDate), Paid: in.Status == checkout.InvoicePaid, CheckoutSession: optString(in.Session),
		StatusTransitions: statusTransitionsJSON{FinalizedAt: optTime(in.FinalizedAt), PaidAt: optTime(in.PaidAt), VoidedAt: optTime(in.VoidedAt)},
		Metadata:          md, Livemode: in.Livemode, Created: in.Created.Unix(), CreatedAt: rfc3339(in.Created), UpdatedAt: rfc3339(in.Updated)}
	if in.Status == checkout.InvoicePaid {
		out.AmountPaid, out.AmountRemaining = in.AmountDue, 0
	}
	if in.Status == checkout.InvoiceVoid {
		out.AmountRemaining = 0
	}
	return out
}

// decodeInvoiceParams reads the parameters of create and update; lines
// are line_items in the sessions' shape (product + quantity, or
// price_data). Every other parameter is refused by name.
func decodeInvoiceParams(r *http.Request) (*service.InvoiceParams, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, err
	}
	p := &service.InvoiceParams{}
	if s, ok := v.String("customer_email"); ok {
		p.CustomerEmail = &s
	}
	if s, ok := v.String("customer_name"); ok {
		p.CustomerName = &s
	}
	if s, ok := v.String("description"); ok {
		p.Description = &s
	}
	p.Currency, _ = v.String("currency")
	if t, ok := v.Time("due_date"); ok {
		p.DueDate = &t
	}
	p.Metadata, _ = v.StringMap("metadata")
	if v.Has("line_items") {
		p.LineItems = decodeLineItems(v)
		if p.LineItems == nil {
			p.LineItems = []service.LineItemParams{}
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Server) createInvoice(r *http.Request, scope checkout.Scope) (any, error) {
	p, err := decodeInvoiceParams(r)
	if err != nil {
		return nil, err
	}
	return invoiceAnswer(s.svc.CreateInvoice(r.Context(), scope, p))
}

func (s *Server) updateInvoice(r *http.Request, scope checkout.Scope) (any, error) {
	p, err := decodeInvoiceParams(r)
	if err != nil {
		return nil, err
	}
	return invoiceAnswer(s.svc.UpdateInvoice(r.Context(), scope, r.PathValue("id"), p))
}

func (s *Server) getInvoice(r *http.Request, scope checkout.Scope) (any, error) {
	return s.invoiceByID(r, scope, s.svc.GetInvoice)
}

func (s *Server) finalizeInvoice(r *http.Request, scope checkout.Scope) (any, error) {
	return s.invoiceByID(r, scope, s.svc.FinalizeInvoice)
}

func (s *Server) voidInvoice(r *http.Request, scope checkout.Scope) (any, error) {
	return s.invoiceByID(r, scope, s.svc.VoidInvoice)
}

// invoiceByID answers act on the invoice the path names: get, finalize
// and void take nothing else, so any parameter is refused.
func (s *Server) invoiceByID(r *http.Request, scope checkout.Scope, act func(context.Context, checkout.Scope, string) (*checkout.Invoice, error)) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	return invoiceAnswer(act(r.Context(), scope, r.PathValue("id")))
}

// invoiceAnswer renders the invoice a service call returned, or passes
// its error on (with no invoice, so nothing half-made is rendered).
func invoiceAnswer(in *checkout.Invoice, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return renderInvoice(in), nil
}

func (s *Server) listInvoices(r *http.Request, scope checkout.Scope) (any, error) {
	return canonicalList(r, scope, "/v1/invoices", invoiceFilter, s.svc.ListInvoices, renderInvoice)
}

func invoiceFilter(v *params.Values, p checkout.ListParams) service.InvoiceFilter {
	f := service.InvoiceFilter{ListParams: p}
	st, _ := v.String("status")
	f.Status = checkout.InvoiceStatus(st)
	return f
}
