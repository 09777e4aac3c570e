package client

import (
	"context"
	"errors"
	"iter"
	"net/url"
	"time"
)

// PaymentLink is a URL that mints a checkout session on each visit: share
// URL, and each customer who opens it pays on a session of their own (its
// Session.PaymentLink is the link's ID). Null fields decode as "", nil or
// the zero time.
type PaymentLink struct {
	// ID is the link's id, "plink_...".
	ID string `json:"id"`
	// Object is always "payment_link".
	Object string `json:"object"`
	// Active is false when the link mints no session.
	Active bool `json:"active"`
	// URL is the link customers open.
	URL string `json:"url"`
	// Amount is what each session costs, in minor units of Currency.
	Amount    int64         `json:"amount"`
	Currency  string        `json:"currency"`
	LineItems *LineItemList `json:"line_items"`

	Description        string   `json:"description"`
	PaymentMethodTypes []string `json:"payment_method_types"`
	// Reusable is false for a single-use link: it mints one session.
	Reusable bool `json:"reusable"`
	// ExpiresAt is when the link stops minting sessions; zero for never.
	ExpiresAt       time.Time                `json:"expires_at"`
	Restrictions    *PaymentLinkRestrictions `json:"restrictions"`
	AfterCompletion AfterCompletion          `json:"after_completion"`
	Metadata        map[string]string        `json:"metadata"`
	Livemode        bool                     `json:"livemode"`
	// CompletedSessions counts the link's sessions that completed.
	CompletedSessions int64     `json:"completed_sessions"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// PaymentLinkRestrictions limit a link.
type PaymentLinkRestrictions struct {
	CompletedSessions CompletedSessionsRestriction `json:"completed_sessions"`
}

// CompletedSessionsRestriction is how many of a link's sessions may
// complete; the server counts them exactly, refusing a payment past the
// limit before the customer is charged.
type CompletedSessionsRestriction struct {
	Limit int64 `json:"limit"`
	// Count is read only: how many have completed.
	Count int64 `json:"count,omitempty"`
}

// AfterCompletion is where a customer goes after paying through a link:
// Type "redirect" to Redirect.URL, or "hosted_confirmation" (the
// session's own page, with the receipt).
type AfterCompletion struct {
	Type     string    `json:"type,omitempty"`
	Redirect *Redirect `json:"redirect,omitempty"`
}

// Redirect is AfterCompletion's URL.
type Redirect struct {
	URL string `json:"url"`
}

// PaymentLinkParams are the parameters of PaymentLinkService.Create: Amount
// and Currency, or LineItems. Zero values are not sent, so the server
// applies its defaults (Active and Reusable default to true: set them to
// a false pointer to send false).
type PaymentLinkParams struct {
	Amount             int64                    `json:"amount,omitempty"`
	Currency           string                   `json:"currency,omitempty"`
	LineItems          []LineItemParams         `json:"line_items,omitempty"`
	Description        string                   `json:"description,omitempty"`
	PaymentMethodTypes []string                 `json:"payment_method_types,omitempty"`
	Metadata           map[string]string        `json:"metadata,omitempty"`
	Active             *bool                    `json:"active,omitempty"`
	Reusable           *bool                    `json:"reusable,omitempty"`
	ExpiresAt          time.Time                `json:"-"`
	Restrictions       *PaymentLinkRestrictions `json:"restrictions,omitempty"`
	AfterCompletion    *AfterCompletion         `json:"after_completion,omitempty"`

	// IdempotencyKey, when set, replaces the random Idempotency-Key.
	IdempotencyKey string `json:"-"`
}

// PaymentLinkUpdateParams are what PaymentLinkService.Update can change;
// nil fields are left as they are.
type PaymentLinkUpdateParams struct {
	Active      *bool             `json:"active,omitempty"`
	Description *string           `json:"description,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

// PaymentLinkListParams page PaymentLinkService.List and All.
type PaymentLinkListParams struct {
	Limit         int
	StartingAfter string
	EndingBefore  string
}

// PaymentLinkList is one page of links, newest first.
type PaymentLinkList struct {
	Object  string         `json:"object"`
	Data    []*PaymentLink `json:"data"`
	HasMore bool           `json:"has_more"`
	URL     string         `json:"url"`
}

// PaymentLinkService is the /v1/payment_links resource. Get it from
// Client.PaymentLinks.
type PaymentLinkService struct {
	b *backend
}

const paymentLinksPath = "/v1/payment_links"

var errEmptyLinkID = errors.New("checkoutd: payment link id is empty")

func (s *PaymentLinkService) res() resource[PaymentLink] {
	return resource[PaymentLink]{s.b, paymentLinksPath, errEmptyLinkID}
}

// Create creates a payment link. Like SessionService.Create, the call
// carries one Idempotency-Key on all its retries.
func (s *PaymentLinkService) Create(ctx context.Context, params *PaymentLinkParams, opts ...CallOption) (*PaymentLink, error) {
	if params == nil {
		params = &PaymentLinkParams{}
	}
	type plain PaymentLinkParams // drops methods, keeps tags
	body := struct {
		*plain
		ExpiresAt string `json:"expires_at,omitempty"`
	}{plain: (*plain)(params)}
	if !params.ExpiresAt.IsZero() {
		body.ExpiresAt = params.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return s.res().create(ctx, body, params.IdempotencyKey, opts)
}

// Get returns the link with the given id.
func (s *PaymentLinkService) Get(ctx context.Context, id string) (*PaymentLink, error) {
	return s.res().get(ctx, id)
}

// Update changes a link's Active, Description or Metadata.
func (s *PaymentLinkService) Update(ctx context.Context, id string, params *PaymentLinkUpdateParams, opts ...CallOption) (*PaymentLink, error) {
	if params == nil {
		params = &PaymentLinkUpdateParams{}
	}
	return s.res().post(ctx, id, "", params, "", opts)
}

// List returns one page of links, newest first.
func (s *PaymentLinkService) List(ctx context.Context, params *PaymentLinkListParams) (*PaymentLinkList, error) {
	q := url.Values{}
	if params != nil {
		encodePage(q, params.Limit, params.StartingAfter, params.EndingBefore)
	}
	return list[PaymentLinkList](ctx, s.b, paymentLinksPath, q)
}

// All returns every link, fetching pages lazily as the loop advances
// (see SessionService.All).
func (s *PaymentLinkService) All(ctx context.Context, params *PaymentLinkListParams) iter.Seq2[*PaymentLink, error] {
	return all(ctx, params, s.List)
}

func (p *PaymentLinkListParams) cursors() (*string, *string) {
	return &p.StartingAfter, &p.EndingBefore
}
func (l *PaymentLinkList) page() ([]*PaymentLink, bool) { return l.Data, l.HasMore }
func (o *PaymentLink) objectID() string {
	if o == nil {
		return ""
	}
	return o.ID
}
