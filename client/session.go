package client

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/url"
	"strconv"
	"time"
)

// SessionStatus is the lifecycle status of a checkout session. A session
// starts open and ends in exactly one of the other statuses.
type SessionStatus string

// Session statuses.
const (
	// SessionStatusOpen: the customer can still pay.
	SessionStatusOpen SessionStatus = "open"
	// SessionStatusComplete: the customer paid; fulfil the order.
	SessionStatusComplete SessionStatus = "complete"
	// SessionStatusExpired: ExpiresAt passed, or Expire was called, first.
	SessionStatusExpired SessionStatus = "expired"
	// SessionStatusCanceled: the session was canceled.
	SessionStatusCanceled SessionStatus = "canceled"
)

// PaymentStatus says whether the money for a session has arrived. Ship goods
// on PaymentStatusPaid, not on the customer landing on SuccessURL, which
// anyone can open.
type PaymentStatus string

// Payment statuses.
const (
	PaymentStatusUnpaid PaymentStatus = "unpaid"
	PaymentStatusPaid   PaymentStatus = "paid"
)

// ModePayment is the Mode of a session collecting a one-off payment, the
// only mode today.
const ModePayment = "payment"

// Session is a checkout session: what the customer is asked to pay, where to
// send them, and how far the payment has gone. Null fields of the response
// are decoded as "" or the zero time (see the package doc); fields this
// version does not know are ignored.
type Session struct {
	// ID is the session's id, "cs_...".
	ID string `json:"id"`
	// Object is always "checkout.session".
	Object string `json:"object"`
	// Livemode is true for sessions made with a live key.
	Livemode bool `json:"livemode"`
	// Mode is what the session collects; see ModePayment.
	Mode string `json:"mode"`

	Status        SessionStatus `json:"status"`
	PaymentStatus PaymentStatus `json:"payment_status"`

	// URL is the hosted payment page; redirect the customer there.
	URL string `json:"url"`

	// Amounts are in minor units of Currency (pesewas for GHS).
	Amount         int64        `json:"amount"`
	AmountSubtotal int64        `json:"amount_subtotal"`
	AmountTotal    int64        `json:"amount_total"`
	TotalDetails   TotalDetails `json:"total_details"`
	Currency       string       `json:"currency"`
	// Discounts is the session's discount, at most one (coupon.go).
	Discounts []SessionDiscount `json:"discounts"`
	// AllowPromotionCodes: the page offers a promotion code field.
	AllowPromotionCodes bool `json:"allow_promotion_codes"`
	// LineItems holds the priced lines, when the session was created with
	// line items.
	LineItems *LineItemList `json:"line_items"`

	// Payment is the id of the payment that completed the session; "" until
	// then.
	Payment string `json:"payment"`
	// PaymentLink is the id of the payment link whose visit made the
	// session; "" for a session made through the API.
	PaymentLink string `json:"payment_link"`
	// Invoice is the invoice the session pays ("in_..."); "" for none.
	// Completing the session marks the invoice paid.
	Invoice string `json:"invoice"`

	Customer           string   `json:"customer"`
	CustomerEmail      string   `json:"customer_email"`
	CustomerPhone      string   `json:"customer_phone"`
	SuccessURL         string   `json:"success_url"`
	CancelURL          string   `json:"cancel_url"`
	ClientReferenceID  string   `json:"client_reference_id"`
	Locale             string   `json:"locale"`
	Description        string   `json:"description"`
	PaymentMethodTypes []string `json:"payment_method_types"`
	// Provider is the provider the session pays through (sim, stripe,
	// easypay, ifthenpay); "" when each method goes to the account's
	// default for it.
	Provider string            `json:"provider"`
	Metadata map[string]string `json:"metadata"`

	ExpiresAt time.Time `json:"expires_at"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// AccessedAt is when the customer last opened URL (to the minute); zero until then.
	AccessedAt time.Time `json:"accessed_at"`
	// CompletedAt is when the session completed; zero until then.
	CompletedAt time.Time `json:"completed_at"`

	// What the page collects (collect.go); nil or "" when not asked for.
	ShippingAddressCollection *ShippingAddressCollection `json:"shipping_address_collection"`
	BillingAddressCollection  string                     `json:"billing_address_collection"`
	PhoneNumberCollection     PhoneNumberCollection      `json:"phone_number_collection"`
	CustomFields              []CustomField              `json:"custom_fields"`
	ConsentCollection         *ConsentCollection         `json:"consent_collection"`
	CustomText                CustomText                 `json:"custom_text"`
	SubmitType                string                     `json:"submit_type"`
	// What the customer gave, once they pay; nil until then.
	CustomerDetails *CustomerDetails `json:"customer_details"`
	ShippingDetails *ShippingDetails `json:"shipping_details"`
	Consent         *Consent         `json:"consent"`

	// Stablecoins: the pairs the session accepts (empty unless its
	// PaymentMethodTypes include "stablecoin"), and the customer's last
	// selection with the rate locked then ("" until one).
	SupportedTokens []TokenChain `json:"supported_tokens"`
	Chain           string       `json:"chain"`
	SelectedToken   string       `json:"selected_token"`
	ExchangeRate    string       `json:"exchange_rate"`
}

// TokenChain is a stablecoin on a chain: Token "USDC" on Chain "base".
type TokenChain struct {
	Chain string `json:"chain"`
	Token string `json:"token"`
}

// TotalDetails breaks AmountTotal down, in minor units.
type TotalDetails struct {
	AmountDiscount int64 `json:"amount_discount"`
	AmountShipping int64 `json:"amount_shipping"`
	AmountTax      int64 `json:"amount_tax"`
}

// LineItemList is the embedded list of a session's line items.
type LineItemList struct {
	Object  string      `json:"object"`
	Data    []*LineItem `json:"data"`
	HasMore bool        `json:"has_more"`
	URL     string      `json:"url"`
}

// LineItem is one priced line of a session. Its amounts are computed by the
// server from the price and quantity.
type LineItem struct {
	ID             string `json:"id"`
	Object         string `json:"object"`
	Description    string `json:"description"`
	Quantity       int64  `json:"quantity"`
	Currency       string `json:"currency"`
	AmountSubtotal int64  `json:"amount_subtotal"`
	AmountDiscount int64  `json:"amount_discount"`
	AmountTax      int64  `json:"amount_tax"`
	AmountTotal    int64  `json:"amount_total"`
	Price          *Price `json:"price"`
	// Discounts is the item's share of its session's discount (coupon.go).
	Discounts []LineItemDiscount `json:"discounts"`
	// Product is the product the line was priced from ("prod_..."), at
	// its price then; "" for a line given with PriceData.
	Product string `json:"product"`
}

// Price is the unit price of a line item.
type Price struct {
	Object      string      `json:"object"`
	Currency    string      `json:"currency"`
	UnitAmount  int64       `json:"unit_amount"`
	Product     string      `json:"product"`
	ProductData ProductData `json:"product_data"`
}

// ProductData describes what a line item sells.
type ProductData struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Images      []string `json:"images"`
}

// SessionParams are the parameters of SessionService.Create. Zero values are
// not sent, so the server applies its defaults (and reports required
// parameters as missing); a zero Amount or Quantity is therefore "unset".
type SessionParams struct {
	// Amount to charge, in minor units of Currency (pesewas for GHS).
	Amount int64 `json:"amount,omitempty"`
	// Currency is an ISO 4217 code, e.g. "GHS".
	Currency   string `json:"currency,omitempty"`
	SuccessURL string `json:"success_url,omitempty"`
	CancelURL  string `json:"cancel_url,omitempty"`

	Customer      string `json:"customer,omitempty"`
	CustomerEmail string `json:"customer_email,omitempty"`
	CustomerPhone string `json:"customer_phone,omitempty"`

	PaymentMethodTypes []string `json:"payment_method_types,omitempty"`
	// Provider names the provider to pay through; empty takes the
	// account's default for each method.
	Provider string `json:"provider,omitempty"`
	// Metadata is stored with the session and returned unchanged, e.g. your
	// order id.
	Metadata map[string]string `json:"metadata,omitempty"`
	// ExpiresAt ends the session early (or later) than the account's default
	// lifetime. It is sent in UTC with second precision.
	ExpiresAt time.Time        `json:"-"`
	LineItems []LineItemParams `json:"line_items,omitempty"`

	// ClientReferenceID is your own id for the session, to reconcile it.
	ClientReferenceID string `json:"client_reference_id,omitempty"`
	Locale            string `json:"locale,omitempty"`
	Description       string `json:"description,omitempty"`
	// Mode defaults to ModePayment on the server.
	Mode string `json:"mode,omitempty"`

	// What the page asks for beyond the payment (collect.go).
	ShippingAddressCollection *ShippingAddressCollection `json:"shipping_address_collection,omitempty"`
	BillingAddressCollection  string                     `json:"billing_address_collection,omitempty"`
	PhoneNumberCollection     *PhoneNumberCollection     `json:"phone_number_collection,omitempty"`
	CustomFields              []CustomField              `json:"custom_fields,omitempty"`
	ConsentCollection         *ConsentCollection         `json:"consent_collection,omitempty"`
	CustomText                *CustomText                `json:"custom_text,omitempty"`
	SubmitType                string                     `json:"submit_type,omitempty"`

	// Discounts applies a coupon or a promotion code (at most one);
	// AllowPromotionCodes lets the customer enter a code instead.
	Discounts           []DiscountParams `json:"discounts,omitempty"`
	AllowPromotionCodes bool             `json:"allow_promotion_codes,omitempty"`

	// SupportedTokens are the stablecoins a session with the "stablecoin"
	// method accepts; nil takes the account's.
	SupportedTokens []TokenChain `json:"supported_tokens,omitempty"`

	// Invoice names an open invoice to pay ("in_..."): the session takes
	// its line items and amount due; leave Amount and LineItems empty.
	Invoice string `json:"invoice,omitempty"`

	// IdempotencyKey, when set, replaces the random Idempotency-Key of the
	// call. Set it (e.g. to your order id) to make creating the session for
	// an order safe to repeat even across restarts of your process.
	IdempotencyKey string `json:"-"`
}

// LineItemParams is one line of SessionParams.LineItems.
type LineItemParams struct {
	Quantity  int64            `json:"quantity,omitempty"`
	PriceData *PriceDataParams `json:"price_data,omitempty"`
	// Product, instead of PriceData, prices the line from a product
	// ("prod_...") at its current price.
	Product string `json:"product,omitempty"`
}

// PriceDataParams prices a line item inline.
type PriceDataParams struct {
	Currency    string             `json:"currency,omitempty"`
	UnitAmount  int64              `json:"unit_amount,omitempty"`
	ProductData *ProductDataParams `json:"product_data,omitempty"`
}

// ProductDataParams describes the product of a line item.
type ProductDataParams struct {
	Name        string   `json:"name,omitempty"`
	Description string   `json:"description,omitempty"`
	Images      []string `json:"images,omitempty"`
}

// sessionParamsBody is the wire form of SessionParams: the same fields, with
// ExpiresAt formatted as the API wants it.
func sessionParamsBody(p *SessionParams) any {
	type plain SessionParams // drops methods, keeps tags
	body := struct {
		*plain
		ExpiresAt string `json:"expires_at,omitempty"`
	}{plain: (*plain)(p)}
	if !p.ExpiresAt.IsZero() {
		body.ExpiresAt = p.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return body
}

// SessionListParams filters and pages SessionService.List and All. Zero
// values are not sent.
type SessionListParams struct {
	// Limit is the page size; 0 lets the server choose.
	Limit int
	// StartingAfter is a session id; the page holds the sessions created
	// before it (lists are newest first).
	StartingAfter string
	// EndingBefore is a session id; the page holds the sessions created right
	// after it. Used to page backwards.
	EndingBefore string

	Status        SessionStatus
	Customer      string
	Payment       string
	CustomerEmail string
	// PaymentLink lists the sessions a payment link minted.
	PaymentLink string
	// CreatedGTE and CreatedLTE bound the creation time, inclusively. They
	// are sent as Unix seconds, so sub-second parts are dropped.
	CreatedGTE time.Time
	CreatedLTE time.Time
}

func (p *SessionListParams) query() url.Values {
	q := url.Values{}
	if p == nil {
		return q
	}
	encodePage(q, p.Limit, p.StartingAfter, p.EndingBefore)
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("status", string(p.Status))
	set("customer", p.Customer)
	set("payment", p.Payment)
	set("customer_email", p.CustomerEmail)
	set("payment_link", p.PaymentLink)
	if !p.CreatedGTE.IsZero() {
		q.Set("created[gte]", strconv.FormatInt(p.CreatedGTE.Unix(), 10))
	}
	if !p.CreatedLTE.IsZero() {
		q.Set("created[lte]", strconv.FormatInt(p.CreatedLTE.Unix(), 10))
	}
	return q
}

// SessionList is one page of sessions, newest first.
type SessionList struct {
	Object string     `json:"object"`
	Data   []*Session `json:"data"`
	// HasMore says whether older sessions follow; fetch them with
	// StartingAfter set to the last ID of Data, or use All.
	HasMore bool   `json:"has_more"`
	URL     string `json:"url"`
}

// SessionService is the /v1/checkout/sessions resource. Get it from
// Client.Sessions.
type SessionService struct {
	b *backend
}

const sessionsPath = "/v1/checkout/sessions"

var errEmptySessionID = errors.New("checkoutd: session id is empty")

func (s *SessionService) res() resource[Session] {
	return resource[Session]{s.b, sessionsPath, errEmptySessionID}
}

// Create creates a checkout session. The call carries one Idempotency-Key
// (params.IdempotencyKey, a WithIdempotencyKey option, or a random one) on
// all its retries, so it creates at most one session however often the
// network fails.
func (s *SessionService) Create(ctx context.Context, params *SessionParams, opts ...CallOption) (*Session, error) {
	if params == nil {
		params = &SessionParams{}
	}
	return s.res().create(ctx, sessionParamsBody(params), params.IdempotencyKey, opts)
}

// Get returns the session with the given id. Its Status is current even if
// the server has not yet recorded an expiry that is due.
func (s *SessionService) Get(ctx context.Context, id string) (*Session, error) {
	return s.res().get(ctx, id)
}

// List returns one page of sessions matching params (nil for all), newest
// first. Use All to walk every page.
func (s *SessionService) List(ctx context.Context, params *SessionListParams) (*SessionList, error) {
	return list[SessionList](ctx, s.b, sessionsPath, params.query())
}

// All returns every session matching params, fetching pages lazily as the
// loop advances, newest first; break out of the loop to stop fetching.
// Pages are chained with starting_after set to the last id of the previous
// page, so sessions created during the walk do not shift it. If only
// params.EndingBefore is set, All walks backwards (towards newer sessions)
// instead, yielding oldest first. An error is yielded once and ends the walk.
// params is not modified.
func (s *SessionService) All(ctx context.Context, params *SessionListParams) iter.Seq2[*Session, error] {
	return all(ctx, params, s.List)
}

// Expire ends an open session now, so the customer can no longer pay it
// (e.g. when the cart changed). Expiring a session that is no longer open
// fails with an invalid_request_error. Like Create, the call carries one
// Idempotency-Key on all its retries.
func (s *SessionService) Expire(ctx context.Context, id string, opts ...CallOption) (*Session, error) {
	return s.res().post(ctx, id, "expire", nil, "", opts)
}

// decodeSession decodes a session object, for Event.Session.
func decodeSession(raw json.RawMessage) (*Session, error) {
	s := new(Session)
	if err := json.Unmarshal(raw, s); err != nil {
		return nil, err
	}
	return s, nil
}

func (p *SessionListParams) cursors() (*string, *string) { return &p.StartingAfter, &p.EndingBefore }
func (l *SessionList) page() ([]*Session, bool)          { return l.Data, l.HasMore }
func (o *Session) objectID() string {
	if o == nil {
		return ""
	}
	return o.ID
}
