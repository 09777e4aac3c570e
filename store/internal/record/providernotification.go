package record

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// storedProviderNotification is the stored form of a
// checkout.ProviderNotification.
type storedProviderNotification struct {
	ID          string    `json:"id"`
	AccountID   string    `json:"account_id"`
	Livemode    bool      `json:"livemode"`
	Provider    string    `json:"provider"`
	EventID     string    `json:"event_id,omitempty"`
	ProviderRef string    `json:"provider_ref,omitempty"`
	PaymentID   string    `json:"payment_id,omitempty"`
	Amount      int64     `json:"amount,omitempty"`
	Status      string    `json:"status,omitempty"`
	Outcome     string    `json:"outcome"`
	Received    time.Time `json:"received"`
	Version     int64     `json:"version"`
}

func init() {
	RegisterKind(checkout.ProviderNotificationKind, Codec{Encode: encodeProviderNotification, Decode: decodeProviderNotification})
}

func encodeProviderNotification(o checkout.Object) ([]byte, error) {
	n, ok := o.(*checkout.ProviderNotification)
	if !ok {
		return nil, fmt.Errorf("record: %T is not a *checkout.ProviderNotification", o)
	}
	return json.Marshal(&storedProviderNotification{ID: n.ID, AccountID: n.AccountID, Livemode: n.Livemode,
		Provider: n.Provider, EventID: n.EventID, ProviderRef: n.ProviderRef, PaymentID: n.PaymentID,
		Amount: n.Amount, Status: string(n.Status), Outcome: string(n.Outcome), Received: UTC(n.Received),
		Version: n.Version})
}

func decodeProviderNotification(data []byte) (checkout.Object, error) {
	var r storedProviderNotification
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("record: decode provider notification: %w", err)
	}
	return &checkout.ProviderNotification{ID: r.ID, AccountID: r.AccountID, Livemode: r.Livemode,
		Provider: r.Provider, EventID: r.EventID, ProviderRef: r.ProviderRef, PaymentID: r.PaymentID,
		Amount: r.Amount, Status: checkout.PaymentState(r.Status), Outcome: checkout.NotificationOutcome(r.Outcome),
		Received: UTC(r.Received), Version: r.Version}, nil
}
