package record

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// storedLink is the stored form of a checkout.PaymentLink.
type storedLink struct {
	ID                 string            `json:"id"`
	AccountID          string            `json:"account_id"`
	Livemode           bool              `json:"livemode"`
	Active             bool              `json:"active"`
	Currency           string            `json:"currency"`
	Amount             int64             `json:"amount"`
	LineItems          []storedLineItem  `json:"line_items"`
	Description        string            `json:"description,omitempty"`
	PaymentMethodTypes []string          `json:"payment_method_types"`
	Metadata           map[string]string `json:"metadata"`
	SuccessURL         string            `json:"success_url,omitempty"`
	Reusable           bool              `json:"reusable"`
	SessionID          string            `json:"session_id,omitempty"`
	ExpiresAt          time.Time         `json:"expires_at"`
	Limit              int64             `json:"limit,omitempty"`
	CompletedSessions  int64             `json:"completed_sessions"`
	Slots              []storedLinkSlot  `json:"slots"`
	Version            int64             `json:"version"`
	Created            time.Time         `json:"created"`
	Updated            time.Time         `json:"updated"`
}

type storedLinkSlot struct {
	SessionID string    `json:"session_id"`
	Since     time.Time `json:"since"`
}

func init() {
	RegisterKind(checkout.PaymentLinkKind, Codec{Encode: encodeLink, Decode: decodeLink})
}

func encodeLink(o checkout.Object) ([]byte, error) {
	l, ok := o.(*checkout.PaymentLink)
	if !ok {
		return nil, fmt.Errorf("record: %T is not a *checkout.PaymentLink", o)
	}
	return json.Marshal(linkToStored(l))
}

func linkToStored(l *checkout.PaymentLink) *storedLink {
	r := &storedLink{ID: l.ID, AccountID: l.AccountID, Livemode: l.Livemode, Active: l.Active,
		Currency: string(l.Currency), Amount: l.Amount, Description: l.Description,
		PaymentMethodTypes: l.PaymentMethodTypes, Metadata: l.Metadata, SuccessURL: l.SuccessURL,
		Reusable: l.Reusable, SessionID: l.SessionID, ExpiresAt: UTC(l.ExpiresAt), Limit: l.Limit,
		CompletedSessions: l.CompletedSessions, Version: l.Version, Created: UTC(l.Created), Updated: UTC(l.Updated)}
	for _, li := range l.LineItems {
		r.LineItems = append(r.LineItems, storedLineItem{ID: li.ID, Name: li.Name, Description: li.Description,
			Images: li.Images, Quantity: li.Quantity, UnitAmount: li.UnitAmount, Currency: string(li.Currency),
			AmountSubtotal: li.AmountSubtotal, AmountDiscount: li.AmountDiscount, AmountTax: li.AmountTax, AmountTotal: li.AmountTotal, Product: li.Product})
	}
	for _, s := range l.Slots {
		r.Slots = append(r.Slots, storedLinkSlot{SessionID: s.SessionID, Since: UTC(s.Since)})
	}
	return r
}

func decodeLink(data []byte) (checkout.Object, error) {
	var r storedLink
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("record: decode payment link: %w", err)
	}
	l := &checkout.PaymentLink{ID: r.ID, AccountID: r.AccountID, Livemode: r.Livemode, Active: r.Active,
		Currency: checkout.Currency(r.Currency), Amount: r.Amount, Description: r.Description,
		PaymentMethodTypes: r.PaymentMethodTypes, Metadata: r.Metadata, SuccessURL: r.SuccessURL,
		Reusable: r.Reusable, SessionID: r.SessionID, ExpiresAt: UTC(r.ExpiresAt), Limit: r.Limit,
		CompletedSessions: r.CompletedSessions, Version: r.Version, Created: UTC(r.Created), Updated: UTC(r.Updated)}
	for _, li := range r.LineItems {
		l.LineItems = append(l.LineItems, checkout.LineItem{ID: li.ID, Name: li.Name, Description: li.Description,
			Images: li.Images, Quantity: li.Quantity, UnitAmount: li.UnitAmount, Currency: checkout.Currency(li.Currency),
			AmountSubtotal: li.AmountSubtotal, AmountDiscount: li.AmountDiscount, AmountTax: li.AmountTax, AmountTotal: li.AmountTotal, Product: li.Product})
	}
	for _, s := range r.Slots {
		l.Slots = append(l.Slots, checkout.LinkSlot{SessionID: s.SessionID, Since: UTC(s.Since)})
	}
	return l, nil
}
