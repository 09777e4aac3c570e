package record

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// storedProduct is the stored form of a checkout.Product.
type storedProduct struct {
	ID          string            `json:"id"`
	AccountID   string            `json:"account_id"`
	Livemode    bool              `json:"livemode"`
	Active      bool              `json:"active"`
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Images      []string          `json:"images"`
	UnitAmount  int64             `json:"unit_amount"`
	Currency    string            `json:"currency"`
	Metadata    map[string]string `json:"metadata"`
	Version     int64             `json:"version"`
	Created     time.Time         `json:"created"`
	Updated     time.Time         `json:"updated"`
}

// storedInvoice is the stored form of a checkout.Invoice.
type storedInvoice struct {
	ID            string              `json:"id"`
	AccountID     string              `json:"account_id"`
	Livemode      bool                `json:"livemode"`
	Status        string              `json:"status"`
	CustomerEmail string              `json:"customer_email,omitempty"`
	CustomerName  string              `json:"customer_name,omitempty"`
	Description   string              `json:"description,omitempty"`
	Currency      string              `json:"currency"`
	Lines         []storedInvoiceLine `json:"lines"`
	AmountDue     int64               `json:"amount_due"`
	DueDate       time.Time           `json:"due_date"`
	Metadata      map[string]string   `json:"metadata"`
	Holder        storedInvoiceHolder `json:"holder"`
	Session       string              `json:"session,omitempty"`
	FinalizedAt   time.Time           `json:"finalized_at"`
	PaidAt        time.Time           `json:"paid_at"`
	VoidedAt      time.Time           `json:"voided_at"`
	Version       int64               `json:"version"`
	Created       time.Time           `json:"created"`
	Updated       time.Time           `json:"updated"`
}

type storedInvoiceLine struct {
	ID          string `json:"id"`
	Product     string `json:"product,omitempty"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Quantity    int64  `json:"quantity"`
	UnitAmount  int64  `json:"unit_amount"`
	Amount      int64  `json:"amount"`
}

type storedInvoiceHolder struct {
	SessionID string    `json:"session_id,omitempty"`
	Since     time.Time `json:"since"`
	Awaiting  bool      `json:"awaiting,omitempty"`
	Until     time.Time `json:"until,omitzero"`
}

func init() {
	RegisterKind(checkout.ProductKind, Codec{Encode: encodeProduct, Decode: decodeProduct})
	RegisterKind(checkout.InvoiceKind, Codec{Encode: encodeInvoice, Decode: decodeInvoice})
}

func encodeProduct(o checkout.Object) ([]byte, error) {
	p, ok := o.(*checkout.Product)
	if !ok {
		return nil, fmt.Errorf("record: %T is not a *checkout.Product", o)
	}
	return json.Marshal(&storedProduct{ID: p.ID, AccountID: p.AccountID, Livemode: p.Livemode, Active: p.Active,
		Name: p.Name, Description: p.Description, Images: p.Images, UnitAmount: p.UnitAmount, Currency: string(p.Currency),
		Metadata: p.Metadata, Version: p.Version, Created: UTC(p.Created), Updated: UTC(p.Updated)})
}

func decodeProduct(data []byte) (checkout.Object, error) {
	var r storedProduct
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("record: decode product: %w", err)
	}
	return &checkout.Product{ID: r.ID, AccountID: r.AccountID, Livemode: r.Livemode, Active: r.Active,
		Name: r.Name, Description: r.Description, Images: r.Images, UnitAmount: r.UnitAmount, Currency: checkout.Currency(r.Currency),
		Metadata: r.Metadata, Version: r.Version, Created: UTC(r.Created), Updated: UTC(r.Updated)}, nil
}

func encodeInvoice(o checkout.Object) ([]byte, error) {
	i, ok := o.(*checkout.Invoice)
	if !ok {
		return nil, fmt.Errorf("record: %T is not a *checkout.Invoice", o)
	}
	return json.Marshal(&storedInvoice{ID: i.ID, AccountID: i.AccountID, Livemode: i.Livemode, Status: string(i.Status),
		CustomerEmail: i.CustomerEmail, CustomerName: i.CustomerName, Description: i.Description, Currency: string(i.Currency),
		Lines: convertSlice(i.Lines, func(l checkout.InvoiceLine) storedInvoiceLine {
			return storedInvoiceLine{ID: l.ID, Product: l.Product, Name: l.Name, Description: l.Description,
				Quantity: l.Quantity, UnitAmount: l.UnitAmount, Amount: l.Amount}
		}),
		AmountDue: i.AmountDue, DueDate: UTC(i.DueDate), Metadata: i.Metadata,
		Holder:  storedInvoiceHolder{SessionID: i.Holder.SessionID, Since: UTC(i.Holder.Since), Awaiting: i.Holder.Awaiting, Until: UTC(i.Holder.Until)},
		Session: i.Session, FinalizedAt: UTC(i.FinalizedAt), PaidAt: UTC(i.PaidAt), VoidedAt: UTC(i.VoidedAt),
		Version: i.Version, Created: UTC(i.Created), Updated: UTC(i.Updated)})
}

func decodeInvoice(data []byte) (checkout.Object, error) {
	var r storedInvoice
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("record: decode invoice: %w", err)
	}
	return &checkout.Invoice{ID: r.ID, AccountID: r.AccountID, Livemode: r.Livemode, Status: checkout.InvoiceStatus(r.Status),
		CustomerEmail: r.CustomerEmail, CustomerName: r.CustomerName, Description: r.Description, Currency: checkout.Currency(r.Currency),
		Lines: convertSlice(r.Lines, func(l storedInvoiceLine) checkout.InvoiceLine {
			return checkout.InvoiceLine{ID: l.ID, Product: l.Product, Name: l.Name, Description: l.Description,
				Quantity: l.Quantity, UnitAmount: l.UnitAmount, Amount: l.Amount}
		}),
		AmountDue: r.AmountDue, DueDate: UTC(r.DueDate), Metadata: r.Metadata,
		Holder:  checkout.InvoiceHolder{SessionID: r.Holder.SessionID, Since: UTC(r.Holder.Since), Awaiting: r.Holder.Awaiting, Until: UTC(r.Holder.Until)},
		Session: r.Session, FinalizedAt: UTC(r.FinalizedAt), PaidAt: UTC(r.PaidAt), VoidedAt: UTC(r.VoidedAt),
		Version: r.Version, Created: UTC(r.Created), Updated: UTC(r.Updated)}, nil
}
