package checkout

import (
	"context"
	"time"
)

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
	Method    string // "card", "multibanco"
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
	Action *Action

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
	if p.Action != nil {
		a := *p.Action
		c.Action = &a
	}
	return &c
}

// Action is a step the customer must take to finish a payment.
type Action struct {
	// Type is "three_d_secure" (a challenge page) or "multibanco_voucher".
	Type string
	// Voucher details, for multibanco.
	Entity    string
	Reference string
	ExpiresAt time.Time
}

// PaymentRequest is what a provider needs to start an attempt. Card is set
// for card payments and must not be kept by the provider.
type PaymentRequest struct {
	Payment *Payment
	Session *Session
	Card    *Card
}

// ProviderResult is a provider's answer about an attempt.
type ProviderResult struct {
	Status         PaymentState
	FailureCode    string
	FailureMessage string
	ProviderRef    string
	Action         *Action
}

// Provider moves money. The simulator is one; Stripe or multibanco gateways
// are others. Providers are told of a payment by the service and answer with
// a ProviderResult; they never touch the store.
type Provider interface {
	// Name is how payments record which provider handled them.
	Name() string
	// Methods lists the payment method types the provider handles.
	Methods() []string
	// Start begins an attempt. A decline is a result with Status failed, not
	// an error; errors mean the provider could not be asked.
	Start(ctx context.Context, req PaymentRequest) (ProviderResult, error)
	// Act reports a customer's action on a payment in requires_action (the
	// 3-D Secure challenge's outcome: action "authenticate" or "fail").
	Act(ctx context.Context, p *Payment, action string) (ProviderResult, error)
	// Settle reports an asynchronous outcome (a voucher paid or expired);
	// succeeded says which. Test-mode helpers call it for the simulator.
	Settle(ctx context.Context, p *Payment, succeeded bool) (ProviderResult, error)
}
