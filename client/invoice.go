package client

import (
	"context"
	"errors"
	"iter"
	"net/url"
	"time"
)

// Invoice statuses: draft → open (Finalize) → paid (its checkout session
// completed) or void (Void).
const (
	InvoiceDraft = "draft"
	InvoiceOpen  = "open"
	InvoicePaid  = "paid"
	InvoiceVoid  = "void"
)

// Invoice is a bill paid through a checkout session made for it
// (SessionParams.Invoice). Null fields decode as "", nil or zero.
type Invoice struct {
	// ID is "in_...".
	ID              string `json:"id"`
	Object          string `json:"object"`
	Status          string `json:"status"`
	CustomerEmail   string `json:"customer_email"`
	CustomerName    string `json:"customer_name"`
	Description     string `json:"description"`
	Currency        string `json:"currency"`
	AmountDue       int64  `json:"amount_due"`
	AmountPaid      int64  `json:"amount_paid"`
	AmountRemaining int64  `json:"amount_remaining"`
	Lines           struct {
		Data []*InvoiceLine `json:"data"`
	} `json:"lines"`
	// DueDate is nil when the invoice has none.
	DueDate *time.Time `json:"due_date"`
	Paid    bool       `json:"paid"`
	// CheckoutSession is the session that paid it; "" until paid.
	CheckoutSession   string `json:"checkout_session"`
	StatusTransitions struct {
		FinalizedAt *time.Time `json:"finalized_at"`
		PaidAt      *time.Time `json:"paid_at"`
		VoidedAt    *time.Time `json:"voided_at"`
	} `json:"status_transitions"`
	Metadata  map[string]string `json:"metadata"`
	Livemode  bool              `json:"livemode"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// InvoiceLine is one line of an invoice.
type InvoiceLine struct {
	ID          string `json:"id"`
	Description string `json:"description"`
	// Product is the product the line was priced from; "" when free-form.
	Product    string `json:"product"`
	Quantity   int64  `json:"quantity"`
	UnitAmount int64  `json:"unit_amount"`
	Amount     int64  `json:"amount"`
	Currency   string `json:"currency"`
}

// InvoiceParams are the parameters of InvoiceService.Create (a draft) and
// Update (a draft's changes; LineItems, when set, replaces every line).
// Lines are LineItemParams: Product with Quantity, or PriceData without
// Currency (the invoice's). Zero values are not sent.
type InvoiceParams struct {
	CustomerEmail string            `json:"customer_email,omitempty"`
	CustomerName  string            `json:"customer_name,omitempty"`
	Description   string            `json:"description,omitempty"`
	Currency      string            `json:"currency,omitempty"`
	LineItems     []LineItemParams  `json:"line_items,omitempty"`
	DueDate       *time.Time        `json:"due_date,omitempty"`
	Metadata      map[string]string `json:"metadata,omitempty"`

	// IdempotencyKey, when set, replaces the random Idempotency-Key.
	IdempotencyKey string `json:"-"`
}

// InvoiceListParams page InvoiceService.List and All; Status, when set,
// keeps only invoices with it.
type InvoiceListParams struct {
	Limit         int
	StartingAfter string
	EndingBefore  string
	Status        string
}

// InvoiceList is one page of invoices, newest first.
type InvoiceList struct {
	Object  string     `json:"object"`
	Data    []*Invoice `json:"data"`
	HasMore bool       `json:"has_more"`
	URL     string     `json:"url"`
}

// InvoiceService is the /v1/invoices resource. Get it from Client.Invoices.
type InvoiceService struct {
	b *backend
}

const invoicesPath = "/v1/invoices"

var errEmptyInvoiceID = errors.New("checkoutd: invoice id is empty")

func (s *InvoiceService) res() resource[Invoice] {
	return resource[Invoice]{s.b, invoicesPath, errEmptyInvoiceID}
}

// Create makes a draft invoice.
func (s *InvoiceService) Create(ctx context.Context, params *InvoiceParams, opts ...CallOption) (*Invoice, error) {
	if params == nil {
		params = &InvoiceParams{}
	}
	return s.res().create(ctx, params, params.IdempotencyKey, opts)
}

// Update changes a draft invoice.
func (s *InvoiceService) Update(ctx context.Context, id string, params *InvoiceParams, opts ...CallOption) (*Invoice, error) {
	if params == nil {
		params = &InvoiceParams{}
	}
	return s.res().post(ctx, id, "", params, params.IdempotencyKey, opts)
}

// Finalize opens a draft invoice: checkout sessions can be made for it.
func (s *InvoiceService) Finalize(ctx context.Context, id string, opts ...CallOption) (*Invoice, error) {
	// The action takes no parameters; its body has always been "{}".
	return s.res().post(ctx, id, "finalize", struct{}{}, "", opts)
}

// Void ends an open invoice unpaid: none of its sessions can be paid.
func (s *InvoiceService) Void(ctx context.Context, id string, opts ...CallOption) (*Invoice, error) {
	return s.res().post(ctx, id, "void", struct{}{}, "", opts)
}

// Get returns the invoice with the given id.
func (s *InvoiceService) Get(ctx context.Context, id string) (*Invoice, error) {
	return s.res().get(ctx, id)
}

// List returns one page of invoices, newest first.
func (s *InvoiceService) List(ctx context.Context, params *InvoiceListParams) (*InvoiceList, error) {
	q := url.Values{}
	if params != nil {
		encodePage(q, params.Limit, params.StartingAfter, params.EndingBefore)
		if params.Status != "" {
			q.Set("status", params.Status)
		}
	}
	return list[InvoiceList](ctx, s.b, invoicesPath, q)
}

// All returns every invoice, fetching pages lazily as the loop advances
// (see SessionService.All).
func (s *InvoiceService) All(ctx context.Context, params *InvoiceListParams) iter.Seq2[*Invoice, error] {
	return all(ctx, params, s.List)
}

func (p *InvoiceListParams) cursors() (*string, *string) { return &p.StartingAfter, &p.EndingBefore }
func (l *InvoiceList) page() ([]*Invoice, bool)          { return l.Data, l.HasMore }
func (o *Invoice) objectID() string {
	if o == nil {
		return ""
	}
	return o.ID
}
