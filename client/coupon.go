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

// Coupon is a discount: PercentOff of a session's subtotal, or AmountOff
// in Currency. Null fields decode as "", 0 or nil.
type Coupon struct {
	// ID is the merchant's id, or "coupon_...".
	ID     string `json:"id"`
	Object string `json:"object"`
	Name   string `json:"name"`
	// PercentOff is a decimal with at most two decimals ("33.33"), kept
	// as its text so it never passes through a float; "" with AmountOff.
	PercentOff json.Number `json:"percent_off"`
	AmountOff  int64       `json:"amount_off"`
	Currency   string      `json:"currency"`
	// Duration is always "once".
	Duration       string `json:"duration"`
	MaxRedemptions int64  `json:"max_redemptions"`
	// RedeemBy is nil when the coupon has no deadline.
	RedeemBy      *time.Time `json:"redeem_by"`
	TimesRedeemed int64      `json:"times_redeemed"`
	// Valid says whether a new session may use it now; Deleted is set
	// once it is deleted (it stays readable).
	Valid     bool              `json:"valid"`
	Deleted   bool              `json:"deleted"`
	Metadata  map[string]string `json:"metadata"`
	Livemode  bool              `json:"livemode"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// CouponParams are the parameters of CouponService.Create: PercentOff,
// or AmountOff with Currency. Zero values are not sent.
type CouponParams struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
	// PercentOff is a decimal such as "33.33" (see PercentOff).
	PercentOff     json.Number       `json:"percent_off,omitempty"`
	AmountOff      int64             `json:"amount_off,omitempty"`
	Currency       string            `json:"currency,omitempty"`
	MaxRedemptions int64             `json:"max_redemptions,omitempty"`
	RedeemBy       *time.Time        `json:"redeem_by,omitempty"`
	Metadata       map[string]string `json:"metadata,omitempty"`

	// IdempotencyKey, when set, replaces the random Idempotency-Key.
	IdempotencyKey string `json:"-"`
}

// PercentOff spells a percent given in hundredths (3333 is 33.33 %) as
// CouponParams.PercentOff takes it.
func PercentOff(hundredths int64) json.Number {
	s := strconv.FormatInt(hundredths/100, 10)
	if f := hundredths % 100; f != 0 {
		s += "." + strconv.FormatInt(100+f, 10)[1:]
	}
	return json.Number(s)
}

// CouponListParams page CouponService.List and All.
type CouponListParams struct {
	Limit         int
	StartingAfter string
	EndingBefore  string
}

// CouponList is one page of coupons, newest first.
type CouponList struct {
	Object  string    `json:"object"`
	Data    []*Coupon `json:"data"`
	HasMore bool      `json:"has_more"`
	URL     string    `json:"url"`
}

// SessionDiscount is a discount of a checkout session: the coupon's terms
// as applied, the promotion code it came through ("" when none), and the
// amount it takes off (the line items' AmountDiscount sum to it).
type SessionDiscount struct {
	Coupon        Coupon `json:"coupon"`
	PromotionCode string `json:"promotion_code"`
	Amount        int64  `json:"amount"`
}

// LineItemDiscount is a line item's share (Amount, its AmountDiscount) of
// the session's discount from Coupon, through PromotionCode ("" if none).
type LineItemDiscount struct {
	Amount        int64  `json:"amount"`
	Coupon        string `json:"coupon"`
	PromotionCode string `json:"promotion_code"`
}

// DiscountParams names a coupon or a promotion code for a new session.
type DiscountParams struct {
	Coupon        string `json:"coupon,omitempty"`
	PromotionCode string `json:"promotion_code,omitempty"`
}

// CouponService is the /v1/coupons resource. Get it from Client.Coupons.
type CouponService struct {
	b *backend
}

const couponsPath = "/v1/coupons"

var errEmptyCouponID = errors.New("checkoutd: coupon id is empty")

func (s *CouponService) res() resource[Coupon] {
	return resource[Coupon]{s.b, couponsPath, errEmptyCouponID}
}

// Create makes a coupon.
func (s *CouponService) Create(ctx context.Context, params *CouponParams, opts ...CallOption) (*Coupon, error) {
	if params == nil {
		params = &CouponParams{}
	}
	return s.res().create(ctx, params, params.IdempotencyKey, opts)
}

// Get returns the coupon with the given id, deleted or not.
func (s *CouponService) Get(ctx context.Context, id string) (*Coupon, error) {
	return s.res().get(ctx, id)
}

// Delete deletes a coupon: no new session may use it; sessions that have
// it keep it. It answers the coupon, Deleted set.
func (s *CouponService) Delete(ctx context.Context, id string) (*Coupon, error) {
	return s.res().delete(ctx, id)
}

// List returns one page of coupons, newest first.
func (s *CouponService) List(ctx context.Context, params *CouponListParams) (*CouponList, error) {
	q := url.Values{}
	if params != nil {
		encodePage(q, params.Limit, params.StartingAfter, params.EndingBefore)
	}
	return list[CouponList](ctx, s.b, couponsPath, q)
}

// All returns every coupon, fetching pages lazily as the loop advances
// (see SessionService.All).
func (s *CouponService) All(ctx context.Context, params *CouponListParams) iter.Seq2[*Coupon, error] {
	return all(ctx, params, s.List)
}

func (p *CouponListParams) cursors() (*string, *string) { return &p.StartingAfter, &p.EndingBefore }
func (l *CouponList) page() ([]*Coupon, bool)           { return l.Data, l.HasMore }
func (o *Coupon) objectID() string {
	if o == nil {
		return ""
	}
	return o.ID
}

// PromotionCode is a customer-facing code for a coupon.
type PromotionCode struct {
	// ID is "promo_...".
	ID     string `json:"id"`
	Object string `json:"object"`
	// Code is what customers type, in any case.
	Code string `json:"code"`
	// Coupon is the coupon's id.
	Coupon         string            `json:"coupon"`
	Active         bool              `json:"active"`
	MaxRedemptions int64             `json:"max_redemptions"`
	ExpiresAt      *time.Time        `json:"expires_at"`
	TimesRedeemed  int64             `json:"times_redeemed"`
	Metadata       map[string]string `json:"metadata"`
	Livemode       bool              `json:"livemode"`
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
}

// PromotionCodeParams are the parameters of PromotionCodeService.Create.
// Zero values are not sent; a nil Active makes an active code.
type PromotionCodeParams struct {
	Coupon         string            `json:"coupon"`
	Code           string            `json:"code,omitempty"`
	Active         *bool             `json:"active,omitempty"`
	MaxRedemptions int64             `json:"max_redemptions,omitempty"`
	ExpiresAt      *time.Time        `json:"expires_at,omitempty"`
	Metadata       map[string]string `json:"metadata,omitempty"`

	// IdempotencyKey, when set, replaces the random Idempotency-Key.
	IdempotencyKey string `json:"-"`
}

// PromotionCodeUpdateParams are what PromotionCodeService.Update changes.
type PromotionCodeUpdateParams struct {
	Active   *bool             `json:"active,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// PromotionCodeListParams page PromotionCodeService.List and All; Code
// (in any case), Coupon and Active narrow them.
type PromotionCodeListParams struct {
	Code          string
	Coupon        string
	Active        *bool
	Limit         int
	StartingAfter string
	EndingBefore  string
}

// PromotionCodeList is one page of promotion codes, newest first.
type PromotionCodeList struct {
	Object  string           `json:"object"`
	Data    []*PromotionCode `json:"data"`
	HasMore bool             `json:"has_more"`
	URL     string           `json:"url"`
}

// PromotionCodeService is the /v1/promotion_codes resource. Get it from
// Client.PromotionCodes.
type PromotionCodeService struct {
	b *backend
}

const promotionCodesPath = "/v1/promotion_codes"

var errEmptyPromotionCodeID = errors.New("checkoutd: promotion code id is empty")

func (s *PromotionCodeService) res() resource[PromotionCode] {
	return resource[PromotionCode]{s.b, promotionCodesPath, errEmptyPromotionCodeID}
}

// Create makes a promotion code.
func (s *PromotionCodeService) Create(ctx context.Context, params *PromotionCodeParams, opts ...CallOption) (*PromotionCode, error) {
	if params == nil {
		params = &PromotionCodeParams{}
	}
	return s.res().create(ctx, params, params.IdempotencyKey, opts)
}

// Get returns the promotion code with the given id.
func (s *PromotionCodeService) Get(ctx context.Context, id string) (*PromotionCode, error) {
	return s.res().get(ctx, id)
}

// Update changes a code's Active or Metadata.
func (s *PromotionCodeService) Update(ctx context.Context, id string, params *PromotionCodeUpdateParams, opts ...CallOption) (*PromotionCode, error) {
	if params == nil {
		params = &PromotionCodeUpdateParams{}
	}
	return s.res().post(ctx, id, "", params, "", opts)
}

// List returns one page of promotion codes, newest first.
func (s *PromotionCodeService) List(ctx context.Context, params *PromotionCodeListParams) (*PromotionCodeList, error) {
	q := url.Values{}
	if params != nil {
		encodePage(q, params.Limit, params.StartingAfter, params.EndingBefore)
		if params.Code != "" {
			q.Set("code", params.Code)
		}
		if params.Coupon != "" {
			q.Set("coupon", params.Coupon)
		}
		if params.Active != nil {
			q.Set("active", strconv.FormatBool(*params.Active))
		}
	}
	return list[PromotionCodeList](ctx, s.b, promotionCodesPath, q)
}

// All returns every promotion code, fetching pages lazily as the loop
// advances (see SessionService.All).
func (s *PromotionCodeService) All(ctx context.Context, params *PromotionCodeListParams) iter.Seq2[*PromotionCode, error] {
	return all(ctx, params, s.List)
}

func (p *PromotionCodeListParams) cursors() (*string, *string) {
	return &p.StartingAfter, &p.EndingBefore
}
func (l *PromotionCodeList) page() ([]*PromotionCode, bool) { return l.Data, l.HasMore }
func (o *PromotionCode) objectID() string {
	if o == nil {
		return ""
	}
	return o.ID
}
