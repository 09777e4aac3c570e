package record

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// storedRefund is the stored form of a checkout.Refund.
type storedRefund struct {
	ID             string            `json:"id"`
	AccountID      string            `json:"account_id"`
	Livemode       bool              `json:"livemode"`
	Payment        string            `json:"payment"`
	Provider       string            `json:"provider"`
	PaymentSeq     int64             `json:"payment_seq"`
	Amount         int64             `json:"amount"`
	Currency       string            `json:"currency"`
	Reason         string            `json:"reason,omitempty"`
	Status         string            `json:"status"`
	FailureCode    string            `json:"failure_code,omitempty"`
	FailureMessage string            `json:"failure_message,omitempty"`
	ProviderRef    string            `json:"provider_ref,omitempty"`
	Metadata       map[string]string `json:"metadata,omitempty"`
	Automatic      bool              `json:"automatic,omitempty"`
	Source         string            `json:"source"`
	Version        int64             `json:"version"`
	Created        time.Time         `json:"created"`
	Updated        time.Time         `json:"updated"`
}

func init() {
	RegisterKind(checkout.RefundKind, Codec{Encode: encodeRefund, Decode: decodeRefund})
}

func encodeRefund(o checkout.Object) ([]byte, error) {
	r, ok := o.(*checkout.Refund)
	if !ok {
		return nil, fmt.Errorf("record: %T is not a *checkout.Refund", o)
	}
	return json.Marshal(&storedRefund{ID: r.ID, AccountID: r.AccountID, Livemode: r.Livemode, Payment: r.Payment,
		Provider: r.Provider, PaymentSeq: r.PaymentSeq, Amount: r.Amount, Currency: string(r.Currency), Reason: string(r.Reason),
		Status: string(r.Status), FailureCode: r.FailureCode, FailureMessage: r.FailureMessage,
		ProviderRef: r.ProviderRef, Metadata: r.Metadata, Automatic: r.Automatic, Source: string(r.Source),
		Version: r.Version, Created: UTC(r.Created), Updated: UTC(r.Updated)})
}

func decodeRefund(data []byte) (checkout.Object, error) {
	var r storedRefund
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("record: decode refund: %w", err)
	}
	return &checkout.Refund{ID: r.ID, AccountID: r.AccountID, Livemode: r.Livemode, Payment: r.Payment,
		Provider: r.Provider, PaymentSeq: r.PaymentSeq, Amount: r.Amount, Currency: checkout.Currency(r.Currency), Reason: checkout.RefundReason(r.Reason),
		Status: checkout.RefundStatus(r.Status), FailureCode: r.FailureCode, FailureMessage: r.FailureMessage,
		ProviderRef: r.ProviderRef, Metadata: r.Metadata, Automatic: r.Automatic, Source: checkout.RefundSource(r.Source),
		Version: r.Version, Created: UTC(r.Created), Updated: UTC(r.Updated)}, nil
}
