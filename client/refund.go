package client

import (
	"context"
	"errors"
	"iter"
	"net/url"
	"time"
)

// Refund gives back some or all of a succeeded payment, through the
// provider that took it. Null fields decode as "" or nil.
type Refund struct {
	// ID is the refund's id, "re_...".
	ID string `json:"id"`
	// Object is always "refund".
	Object   string `json:"object"`
	Livemode bool   `json:"livemode"`
	// Payment is the refunded payment's id.
	Payment string `json:"payment"`
	// Amount is what the refund gives back, in minor units of Currency.
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	// Reason is "duplicate", "fraudulent", "requested_by_customer", or
	// "session_unavailable" for an Automatic refund; "" when none.
	Reason string `json:"reason"`
	// Status is "pending" until the provider says "succeeded" or
	// "failed". A pending refund's amount stays reserved on the payment.
	Status         string `json:"status"`
	FailureCode    string `json:"failure_code"`
	FailureMessage string `json:"failure_message"`
	// Provider made the refund; ProviderReference is its id for it.
	Provider          string `json:"provider"`
	ProviderReference string `json:"provider_reference"`
	// Automatic is true for a refund checkoutd made itself: a payment
	// that succeeded after its checkout session could no longer take it.
	Automatic bool `json:"automatic"`
	// Source is "api" (made by checkoutd) or "provider" (made at the
	// provider's dashboard and reported by it).
	Source    string            `json:"source"`
	Metadata  map[string]string `json:"metadata"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// RefundParams are the parameters of RefundService.Create. Zero values are
// not sent: an Amount of 0 refunds what is left of the payment.
type RefundParams struct {
	Payment  string            `json:"payment"`
	Amount   int64             `json:"amount,omitempty"`
	Reason   string            `json:"reason,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`

	// IdempotencyKey, when set, replaces the random Idempotency-Key.
	IdempotencyKey string `json:"-"`
}

// RefundListParams page RefundService.List and All; Payment narrows them
// to one payment's refunds.
type RefundListParams struct {
	Payment       string
	Limit         int
	StartingAfter string
	EndingBefore  string
}

// RefundList is one page of refunds, newest first.
type RefundList struct {
	Object  string    `json:"object"`
	Data    []*Refund `json:"data"`
	HasMore bool      `json:"has_more"`
	URL     string    `json:"url"`
}

// RefundService is the /v1/refunds resource. Get it from Client.Refunds.
type RefundService struct {
	b *backend
}

const refundsPath = "/v1/refunds"

var errEmptyRefundID = errors.New("checkoutd: refund id is empty")

func (s *RefundService) res() resource[Refund] {
	return resource[Refund]{s.b, refundsPath, errEmptyRefundID}
}

// Create refunds a payment. The call carries one Idempotency-Key on all
// its retries, so a retry after a lost answer gets the first refund back
// rather than making a second.
func (s *RefundService) Create(ctx context.Context, params *RefundParams, opts ...CallOption) (*Refund, error) {
	if params == nil {
		params = &RefundParams{}
	}
	return s.res().create(ctx, params, params.IdempotencyKey, opts)
}

// Get returns the refund with the given id.
func (s *RefundService) Get(ctx context.Context, id string) (*Refund, error) {
	return s.res().get(ctx, id)
}

// List returns one page of refunds, newest first.
func (s *RefundService) List(ctx context.Context, params *RefundListParams) (*RefundList, error) {
	q := url.Values{}
	if params != nil {
		encodePage(q, params.Limit, params.StartingAfter, params.EndingBefore)
		if params.Payment != "" {
			q.Set("payment", params.Payment)
		}
	}
	return list[RefundList](ctx, s.b, refundsPath, q)
}

// All returns every refund, fetching pages lazily as the loop advances
// (see SessionService.All).
func (s *RefundService) All(ctx context.Context, params *RefundListParams) iter.Seq2[*Refund, error] {
	return all(ctx, params, s.List)
}

func (p *RefundListParams) cursors() (*string, *string) { return &p.StartingAfter, &p.EndingBefore }
func (l *RefundList) page() ([]*Refund, bool)           { return l.Data, l.HasMore }
func (o *Refund) objectID() string {
	if o == nil {
		return ""
	}
	return o.ID
}
