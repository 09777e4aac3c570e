package http

import (
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// The shapes of seed 002's objects. Its example answer fixes the casing of
// a session's id, url, status, publicToken, currency, allowed_methods and
// expires_at; every other field is camelCase like the request bodies (and
// the dialect's devices). Amounts are integers in minor units, named
// …Minor or amountDue as the seed names them; times are RFC 3339 in UTC to
// the second; "string or null" fields are null when empty.

// v2Session is a checkout session in seed 002's shape.
type v2Session struct {
	ID                string            `json:"id"`
	Object            string            `json:"object"`
	URL               string            `json:"url"`
	Status            string            `json:"status"`
	PaymentStatus     string            `json:"paymentStatus"`
	PublicToken       string            `json:"publicToken"`
	Currency          string            `json:"currency"`
	AmountMinor       int64             `json:"amountMinor"`
	AllowedMethods    []string          `json:"allowed_methods"`
	InvoiceID         *string           `json:"invoiceId"`
	ProductID         *string           `json:"productId"`
	Quantity          *int64            `json:"quantity"`
	CompanionDeviceID *string           `json:"companionDeviceId"`
	DevicePush        *v2DevicePush     `json:"devicePush"` // set by the handlers (api_devicepush.go)
	SuccessURL        string            `json:"successUrl"`
	CancelURL         string            `json:"cancelUrl"`
	PaymentID         *string           `json:"paymentId"`
	Metadata          map[string]string `json:"metadata"`
	Livemode          bool              `json:"livemode"`
	ExpiresAt         string            `json:"expires_at"`
	CreatedAt         string            `json:"createdAt"`
	CompletedAt       *string           `json:"completedAt"`
}

// v2SessionStatus is a session's status in the dialect: open, completed,
// expired, or canceled (a seed 003 session its customer canceled).
func v2SessionStatus(st checkout.SessionStatus) string {
	if st == checkout.SessionComplete {
		return "completed"
	}
	return string(st)
}

// renderV2Session is sess in seed 002's shape, its page served under
// publicURL (without a trailing slash) at /p/{publicToken}.
func renderV2Session(sess *checkout.Session, publicURL string) *v2Session {
	out := &v2Session{ID: sess.ID, Object: "checkout_session", URL: service.PageURL(publicURL, sess),
		Status: v2SessionStatus(sess.Status), PaymentStatus: string(sess.PaymentStatus), PublicToken: sess.PublicToken,
		Currency: strings.ToUpper(string(sess.Currency)), AmountMinor: sess.AmountTotal, AllowedMethods: sess.PaymentMethodTypes,
		InvoiceID: optString(sess.Invoice), CompanionDeviceID: optString(sess.CompanionDevice),
		SuccessURL: sess.SuccessURL, CancelURL: sess.CancelURL, Metadata: sess.Metadata, Livemode: sess.Livemode,
		ExpiresAt: rfc3339(sess.ExpiresAt), CreatedAt: rfc3339(sess.Created), CompletedAt: optTime(sess.CompletedAt)}
	if sess.Status == checkout.SessionComplete {
		out.PaymentID = optString(sess.Payment)
	}
	// A session for one product (productId) shows it and its quantity.
	if sess.Invoice == "" && len(sess.LineItems) == 1 && sess.LineItems[0].Product != "" {
		out.ProductID, out.Quantity = &sess.LineItems[0].Product, &sess.LineItems[0].Quantity
	}
	if out.AllowedMethods == nil {
		out.AllowedMethods = []string{}
	}
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	return out
}

// v2Product is a product with its one price.
type v2Product struct {
	ID          string            `json:"id"`
	Object      string            `json:"object"`
	Name        string            `json:"name"`
	Description *string           `json:"description"`
	Images      []string          `json:"images"`
	AmountMinor int64             `json:"amountMinor"`
	Currency    string            `json:"currency"`
	Active      bool              `json:"active"`
	Metadata    map[string]string `json:"metadata"`
	Livemode    bool              `json:"livemode"`
	CreatedAt   string            `json:"createdAt"`
	UpdatedAt   string            `json:"updatedAt"`
}

func renderV2Product(p *checkout.Product) *v2Product {
	out := &v2Product{ID: p.ID, Object: "product", Name: p.Name, Description: optString(p.Description), Images: p.Images,
		AmountMinor: p.UnitAmount, Currency: strings.ToUpper(string(p.Currency)), Active: p.Active, Metadata: p.Metadata,
		Livemode: p.Livemode, CreatedAt: rfc3339(p.Created), UpdatedAt: rfc3339(p.Updated)}
	if out.Images == nil {
		out.Images = []string{}
	}
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	return out
}

// v2Invoice is an invoice: its lines, amountDue, status draft | open |
// paid | void, and the checkout session that paid it.
type v2Invoice struct {
	ID                string            `json:"id"`
	Object            string            `json:"object"`
	Status            string            `json:"status"`
	CustomerEmail     string            `json:"customerEmail"`
	CustomerName      *string           `json:"customerName"`
	Description       *string           `json:"description"`
	Currency          string            `json:"currency"`
	LineItems         []v2InvoiceLine   `json:"lineItems"`
	AmountDue         int64             `json:"amountDue"`
	AmountPaid        int64             `json:"amountPaid"`
	DueDate           *string           `json:"dueDate"`
	CheckoutSessionID *string           `json:"checkoutSessionId"`
	Metadata          map[string]string `json:"metadata"`
	Livemode          bool              `json:"livemode"`
	CreatedAt         string            `json:"createdAt"`
	FinalizedAt       *string           `json:"finalizedAt"`
	PaidAt            *string           `json:"paidAt"`
	VoidedAt          *string           `json:"voidedAt"`
}

// v2InvoiceLine is one line: free-form (name, unitAmountMinor) or a
// product's at its price when the invoice was made.
type v2InvoiceLine struct {
	ID              string  `json:"id"`
	ProductID       *string `json:"productId"`
	Name            string  `json:"name"`
	Description     *string `json:"description"`
	Quantity        int64   `json:"quantity"`
	UnitAmountMinor int64   `json:"unitAmountMinor"`
	AmountMinor     int64   `json:"amountMinor"`
}

func renderV2Invoice(in *checkout.Invoice) *v2Invoice {
	out := &v2Invoice{ID: in.ID, Object: "invoice", Status: string(in.Status), CustomerEmail: in.CustomerEmail,
		CustomerName: optString(in.CustomerName), Description: optString(in.Description), Currency: strings.ToUpper(string(in.Currency)),
		LineItems: make([]v2InvoiceLine, len(in.Lines)), AmountDue: in.AmountDue, DueDate: optTime(in.DueDate),
		CheckoutSessionID: optString(in.Session), Metadata: in.Metadata, Livemode: in.Livemode, CreatedAt: rfc3339(in.Created),
		FinalizedAt: optTime(in.FinalizedAt), PaidAt: optTime(in.PaidAt), VoidedAt: optTime(in.VoidedAt)}
	for i, l := range in.Lines {
		out.LineItems[i] = v2InvoiceLine{ID: l.ID, ProductID: optString(l.Product), Name: l.Name, Description: optString(l.Description),
			Quantity: l.Quantity, UnitAmountMinor: l.UnitAmount, AmountMinor: l.Amount}
	}
	if in.Status == checkout.InvoicePaid {
		out.AmountPaid = in.AmountDue
	}
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	return out
}

// v2Link is a checkout link: a reusable URL over a payment link, for one
// product (productId, quantity) or a fixed amount.
type v2Link struct {
	ID                   string            `json:"id"`
	Object               string            `json:"object"`
	URL                  string            `json:"url"`
	Active               bool              `json:"active"`
	ProductID            *string           `json:"productId"`
	Quantity             *int64            `json:"quantity"`
	AmountMinor          int64             `json:"amountMinor"`
	Currency             string            `json:"currency"`
	Description          *string           `json:"description"`
	AllowedMethods       []string          `json:"allowed_methods"`
	SuccessURL           *string           `json:"successUrl"`
	MaxCompletedSessions *int64            `json:"maxCompletedSessions"`
	CompletedSessions    int64             `json:"completedSessions"`
	Metadata             map[string]string `json:"metadata"`
	Livemode             bool              `json:"livemode"`
	ExpiresAt            *string           `json:"expires_at"`
	CreatedAt            string            `json:"createdAt"`
}

func renderV2Link(l *checkout.PaymentLink, publicURL string) *v2Link {
	out := &v2Link{ID: l.ID, Object: "checkout_link", URL: service.LinkURL(publicURL, l.ID), Active: l.Active,
		AmountMinor: l.Amount, Currency: strings.ToUpper(string(l.Currency)), Description: optString(l.Description), AllowedMethods: l.PaymentMethodTypes,
		SuccessURL: optString(l.SuccessURL), CompletedSessions: l.CompletedSessions, Metadata: l.Metadata, Livemode: l.Livemode,
		ExpiresAt: optTime(l.ExpiresAt), CreatedAt: rfc3339(l.Created)}
	if len(l.LineItems) == 1 && l.LineItems[0].Product != "" {
		out.ProductID, out.Quantity = &l.LineItems[0].Product, &l.LineItems[0].Quantity
	}
	if l.Limit > 0 {
		out.MaxCompletedSessions = &l.Limit
	}
	if out.AllowedMethods == nil {
		out.AllowedMethods = []string{}
	}
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	return out
}
