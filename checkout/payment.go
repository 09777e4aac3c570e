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

	// AmountRefunded is what refunds of the payment took back, or are
	// taking (a refund reserves its amount here before the provider is
	// asked, so concurrent refunds never pass Amount).
	AmountRefunded int64
	// Deposit is a stablecoin payment's address and what arrived at it;
	// nil for other methods.
	Deposit *Deposit
	// CheckAt is when the reconciler next asks the provider about a payment
	// that is not final (its notification may be lost); on a final payment,
	// when it next asks the provider about a pending refund of this payment
	// (one the provider could not be asked about). Zero when nobody needs to
	// ask.
	CheckAt time.Time

	Version int64
	Created time.Time
	Updated time.Time

	// Coupon and PromotionCode are those of the discount this payment was
	// asked for (its session's when claimed): the payment's outcome settles
	// their redemption, whatever the session has since. Empty without one.
	Coupon        string
	PromotionCode string
}

// Scope returns the payment's scope.
func (p *Payment) Scope() Scope { return Scope{AccountID: p.AccountID, Livemode: p.Livemode} }

// Due is when the payment next needs the service's attention: while it is
// not final, CheckAt when set (the reconciler asks the provider), else its
// action's deadline while requires_action (an unpaid voucher fails); once
// final, CheckAt (a pending refund of this payment to ask its provider
// about: the money is reserved until the provider answers). Zero when none
// is set. Stores index it (Store.DuePayments).
//
// The service never sets CheckAt past the deadline when it schedules a
// check, so Due is the earlier of the two; a CheckAt past the deadline is
// the reconciler's claim of a lapsed payment while it asks the provider
// whether the voucher was paid at the last minute, and moves the payment
// out of the queue for as long as the claim lasts (were Due the deadline
// then, every sweep would pick the payment again at once).
func (p *Payment) Due() time.Time {
	switch {
	case !p.CheckAt.IsZero():
		return p.CheckAt
	case p.Status == PaymentRequiresAction && p.Action != nil:
		return p.Action.ExpiresAt
	}
	return time.Time{}
}

// Clone returns a deep copy, so a snapshot taken for an event cannot change
// when the payment is changed later.
func (p *Payment) Clone() *Payment {
	c := *p
	c.Action = p.Action.Clone()
	c.Deposit = p.Deposit.Clone()
	return &c
}
