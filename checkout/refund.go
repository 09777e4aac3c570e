package checkout

import (
	"maps"
	"strconv"
	"time"
)

// RefundKind is the ObjectKind of a Refund.
const RefundKind = "refund"

// Refund events. refund.* carry the refund's snapshot (Event.Object);
// payment.refunded, written with every refund that succeeds (as Stripe's
// charge.refunded), carries the payment's, whose AmountRefunded says how
// much of it has been given back.
const (
	EventRefundCreated   = "refund.created"
	EventRefundSucceeded = "refund.succeeded"
	EventRefundFailed    = "refund.failed"
	EventPaymentRefunded = "payment.refunded"
)

// RefundReason says why money went back. The API takes the first three;
// RefundSessionUnavailable is checkoutd's own, for a payment that succeeded
// after its session could no longer take it.
type RefundReason string

const (
	RefundDuplicate           RefundReason = "duplicate"
	RefundFraudulent          RefundReason = "fraudulent"
	RefundRequestedByCustomer RefundReason = "requested_by_customer"
	RefundSessionUnavailable  RefundReason = "session_unavailable"
)

// RefundSource says who made a refund.
type RefundSource string

const (
	// RefundSourceAPI: checkoutd asked the provider (the API, or checkoutd
	// itself for an Automatic refund).
	RefundSourceAPI RefundSource = "api"
	// RefundSourceProvider: the gateway reported a refund checkoutd did not
	// make (one made in the gateway's own dashboard); it is recorded so
	// that the payment's AmountRefunded stays true.
	RefundSourceProvider RefundSource = "provider"
)

// Refund gives back some or all of a succeeded payment. Its amount is
// reserved on the payment (Payment.AmountRefunded) in the same write that
// creates it, before the provider is asked, so concurrent refunds can never
// give back more than was taken; a failed refund releases it.
type Refund struct {
	ID        string
	AccountID string
	Livemode  bool
	// Payment is the id of the refunded payment; Provider is that
	// payment's provider, which made the refund.
	Payment  string
	Provider string
	// PaymentSeq numbers the payment's refunds from 1, without gaps: the
	// refunds of a payment are found by it (see LookupKeys).
	PaymentSeq int64
	Amount     int64
	Currency   Currency
	Reason     RefundReason
	// Status is pending until the provider says; succeeded and failed are
	// final.
	Status         RefundStatus
	FailureCode    string
	FailureMessage string
	// ProviderRef is the provider's id of the refund, once it answered.
	ProviderRef string
	Metadata    map[string]string
	// Automatic: checkoutd made it itself (a late success refunded).
	Automatic bool
	Source    RefundSource

	Version int64
	Created time.Time
	Updated time.Time
}

// ObjectKind implements Object.
func (r *Refund) ObjectKind() string { return RefundKind }

// ObjectID implements Object.
func (r *Refund) ObjectID() string { return r.ID }

// Scope implements Object.
func (r *Refund) Scope() Scope { return Scope{AccountID: r.AccountID, Livemode: r.Livemode} }

// ObjectVersion implements Object.
func (r *Refund) ObjectVersion() int64 { return r.Version }

// ObjectCreated implements Object.
func (r *Refund) ObjectCreated() time.Time { return r.Created }

// LookupKeys implements Object. The payment and PaymentSeq: a payment's
// refunds are found one by one, 1, 2, … until one is missing, with the
// generic reads (FindObject), and two refunds created at once cannot take
// the same number. The provider's reference once known: a gateway's report
// of a refund finds the refund it is about, and a refund reported twice is
// recorded once (the store refuses a second holder of the key).
func (r *Refund) LookupKeys() []string {
	keys := []string{RefundPaymentKey(r.Payment, r.PaymentSeq)}
	if r.ProviderRef != "" {
		keys = append(keys, RefundRefKey(r.Provider, r.ProviderRef))
	}
	return keys
}

// RefundPaymentKey is the lookup key of refund number seq of payment.
func RefundPaymentKey(payment string, seq int64) string {
	return "refpay:" + payment + ":" + strconv.FormatInt(seq, 10)
}

// RefundRefKey is the lookup key of the refund that provider calls ref.
func RefundRefKey(provider, ref string) string { return "refref:" + provider + ":" + ref }

// Clone returns a deep copy, for event snapshots.
func (r *Refund) Clone() *Refund {
	c := *r
	c.Metadata = maps.Clone(r.Metadata)
	return &c
}

// RefundChecker is a Provider that cannot refund every payment (a
// Multibanco gateway without a refund API). CanRefund is asked before
// anything is written; a KindState error says why not, for the API to
// show.
type RefundChecker interface {
	CanRefund(p *Payment) error
}
