package checkout

import "time"

// PaymentState is the status of one payment attempt.
type PaymentState string

const (
	// PaymentRequiresAction: the customer must do something (3-D Secure, pay a voucher).
	PaymentRequiresAction PaymentState = "requires_action"
	// PaymentProcessing: the provider is working on it.
	PaymentProcessing PaymentState = "processing"
	PaymentSucceeded  PaymentState = "succeeded"
	PaymentFailed     PaymentState = "failed"
	PaymentCanceled   PaymentState = "canceled"
)

// Final reports whether no further change can happen to a payment in state s.
func (s PaymentState) Final() bool {
	return s == PaymentSucceeded || s == PaymentFailed || s == PaymentCanceled
}

// Payment events.
const (
	EventPaymentSucceeded = "payment.succeeded"
	EventPaymentFailed    = "payment.failed"
)

// Payment is one attempt to pay a session through one provider. It keeps the
// card's brand and last four digits, never its number, expiry or CVC.
type Payment struct {
	ID        string
	AccountID string
	Livemode  bool
	SessionID string
	Provider  string
	Method    Method
	Status    PaymentState
	Amount    int64
	Currency  Currency

	CardBrand string
	CardLast4 string

	FailureCode    string
	FailureMessage string

	// ProviderRef is the provider's own id for the attempt.
	ProviderRef string
	// Action is what the customer must do while Status is requires_action.
	Action *NextAction

	Version int64
	Created time.Time
	Updated time.Time
}

// Scope returns the payment's scope.
func (p *Payment) Scope() Scope { return Scope{AccountID: p.AccountID, Livemode: p.Livemode} }

// Clone returns a deep copy, so a snapshot taken for an event cannot change
// when the payment is changed later.
func (p *Payment) Clone() *Payment {
	c := *p
	c.Action = p.Action.Clone()
	return &c
}
