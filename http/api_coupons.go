package http

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/http/params"
	"github.com/checkoutd/checkoutd/service"
)

// Coupons and promotion codes, the canonical API's /v1/coupons and
// /v1/promotion_codes, in Stripe's shapes.

type couponJSON struct {
	ID     string  `json:"id"`
	Object string  `json:"object"`
	Name   *string `json:"name"`
	// PercentOff is a JSON number with at most two decimals, written from
	// the stored hundredths (never through a float).
	PercentOff *json.Number `json:"percent_off"`
	AmountOff  *int64       `json:"amount_off"`
	Currency   *string      `json:"currency"`
	// Duration is always once: a checkout session is one payment.
	Duration       string            `json:"duration"`
	MaxRedemptions *int64            `json:"max_redemptions"`
	RedeemBy       *string           `json:"redeem_by"`
	TimesRedeemed  int64             `json:"times_redeemed"`
	Valid          bool              `json:"valid"`
	Deleted        bool              `json:"deleted"`
	Metadata       map[string]string `json:"metadata"`
	Livemode       bool              `json:"livemode"`
	Created        int64             `json:"created"`
	CreatedAt      string            `json:"created_at"`
	UpdatedAt      string            `json:"updated_at"`
}

type promotionCodeJSON struct {
	ID             string            `json:"id"`
	Object         string            `json:"object"`
	Code           string            `json:"code"`
	Coupon         string            `json:"coupon"`
	Active         bool              `json:"active"`
	MaxRedemptions *int64            `json:"max_redemptions"`
	ExpiresAt      *string           `json:"expires_at"`
	TimesRedeemed  int64             `json:"times_redeemed"`
	Metadata       map[string]string `json:"metadata"`
	Livemode       bool              `json:"livemode"`
	Created        int64             `json:"created"`
	CreatedAt      string            `json:"created_at"`
	UpdatedAt      string            `json:"updated_at"`
}

func optInt(n int64) *int64 {
	if n == 0 {
		return nil
	}
	return &n
}

func percentJSON(h int64) *json.Number {
	if h == 0 {
		return nil
	}
	n := json.Number(checkout.FormatPercent(h))
	return &n
}

// renderCoupon is the API's JSON of c; valid is as of now.
func renderCoupon(c *checkout.Coupon, now time.Time) *couponJSON {
	md := c.Metadata
	if md == nil {
		md = map[string]string{}
	}
	return &couponJSON{ID: c.ID, Object: "coupon", Name: optString(c.Name), PercentOff: percentJSON(c.PercentOff),
		AmountOff: optInt(c.AmountOff), Currency: optString(string(c.Currency)), Duration: "once",
		MaxRedemptions: optInt(c.MaxRedemptions), RedeemBy: optTime(c.RedeemBy), TimesRedeemed: c.TimesRedeemed,
		Valid: c.Valid(now), Deleted: c.Deleted, Metadata: md, Livemode: c.Livemode,
		Created: c.Created.Unix(), CreatedAt: rfc3339(c.Created), UpdatedAt: rfc3339(c.Updated)}
}

func renderPromotionCode(p *checkout.PromotionCode) *promotionCodeJSON {
	md := p.Metadata
	if md == nil {
		md = map[string]string{}
	}
	return &promotionCodeJSON{ID: p.ID, Object: "promotion_code", Code: p.Code, Coupon: p.Coupon, Active: p.Active,
		MaxRedemptions: optInt(p.MaxRedemptions), ExpiresAt: optTime(p.ExpiresAt), TimesRedeemed: p.TimesRedeemed,
		Metadata: md, Livemode: p.Livemode, Created: p.Created.Unix(), CreatedAt: rfc3339(p.Created), UpdatedAt: rfc3339(p.Updated)}
}

func (s *Server) renderCouponNow(c *checkout.Coupon) *couponJSON { return renderCoupon(c, s.svc.Now()) }

func (s *Server) createCoupon(r *http.Request, scope checkout.Scope) (any, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, err
	}
	p := &service.CouponParams{}
	p.ID, _ = v.String("id")
	p.Name, _ = v.String("name")
	p.PercentOff, _ = v.Decimal("percent_off")
	if n, ok := v.Int("amount_off"); ok {
		p.AmountOff = &n
	}
	p.Currency, _ = v.String("currency")
	if n, ok := v.Int("max_redemptions"); ok {
		p.MaxRedemptions = &n
	}
	if t, ok := v.Time("redeem_by"); ok {
		p.RedeemBy = &t
	}
	if d, ok := v.String("duration"); ok && d != "once" {
		// Stripe's repeating and forever are for subscriptions, which
		// checkoutd has not: a session is one payment.
		return nil, checkout.Invalid("duration", "parameter_invalid", "duration must be once; a checkout session is one payment")
	}
	p.Metadata, _ = v.StringMap("metadata")
	if err := v.Err(); err != nil {
		return nil, err
	}
	c, err := s.svc.CreateCoupon(r.Context(), scope, p)
	if err != nil {
		return nil, err
	}
	return s.renderCouponNow(c), nil
}

func (s *Server) getCoupon(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	c, err := s.svc.GetCoupon(r.Context(), scope, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return s.renderCouponNow(c), nil
}

func (s *Server) deleteCoupon(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	c, err := s.svc.DeleteCoupon(r.Context(), scope, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return s.renderCouponNow(c), nil
}

func (s *Server) listCoupons(r *http.Request, scope checkout.Scope) (any, error) {
	return canonicalList(r, scope, "/v1/coupons", onlyCursor, s.svc.ListCoupons, s.renderCouponNow)
}

// decodePromotionCodeParams reads the parameters of create and update;
// the service refuses on update the ones that cannot change.
func decodePromotionCodeParams(v *params.Values) (*service.PromotionCodeParams, error) {
	p := &service.PromotionCodeParams{}
	p.Code, _ = v.String("code")
	p.Coupon, _ = v.String("coupon")
	if b, ok := v.Bool("active"); ok {
		p.Active = &b
	}
	if n, ok := v.Int("max_redemptions"); ok {
		p.MaxRedemptions = &n
	}
	if t, ok := v.Time("expires_at"); ok {
		p.ExpiresAt = &t
	}
	p.Metadata, _ = v.StringMap("metadata")
	if err := v.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Server) createPromotionCode(r *http.Request, scope checkout.Scope) (any, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, err
	}
	p, err := decodePromotionCodeParams(v)
	if err != nil {
		return nil, err
	}
	pc, err := s.svc.CreatePromotionCode(r.Context(), scope, p)
	if err != nil {
		return nil, err
	}
	return renderPromotionCode(pc), nil
}

func (s *Server) updatePromotionCode(r *http.Request, scope checkout.Scope) (any, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, err
	}
	p, err := decodePromotionCodeParams(v)
	if err != nil {
		return nil, err
	}
	pc, err := s.svc.UpdatePromotionCode(r.Context(), scope, r.PathValue("id"), p)
	if err != nil {
		return nil, err
	}
	return renderPromotionCode(pc), nil
}

func (s *Server) getPromotionCode(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	pc, err := s.svc.GetPromotionCode(r.Context(), scope, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return renderPromotionCode(pc), nil
}

func (s *Server) listPromotionCodes(r *http.Request, scope checkout.Scope) (any, error) {
	return canonicalList(r, scope, "/v1/promotion_codes", promotionCodeFilter, s.svc.ListPromotionCodes, renderPromotionCode)
}

func promotionCodeFilter(v *params.Values, p checkout.ListParams) service.PromotionCodeFilter {
	f := service.PromotionCodeFilter{ListParams: p}
	f.Code, _ = v.String("code")
	f.Coupon, _ = v.String("coupon")
	if b, ok := v.Bool("active"); ok {
		f.Active = &b
	}
	return f
}

// The discounts of a session, as every dialect takes and shows them.

// discountsJSON is a session's discounts and whether the customer may
// enter a promotion code.
type discountsJSON struct {
	Discounts           []sessionDiscountJSON `json:"discounts"`
	AllowPromotionCodes bool                  `json:"allow_promotion_codes"`
}

// sessionDiscountJSON is one discount of a session: the coupon as it was
// applied (its terms then, so a deleted coupon still shows), the
// promotion code it came through, and what it takes off.
type sessionDiscountJSON struct {
	Coupon        appliedCouponJSON `json:"coupon"`
	PromotionCode *string           `json:"promotion_code"`
	Amount        int64             `json:"amount"`
}

type appliedCouponJSON struct {
	ID         string       `json:"id"`
	Object     string       `json:"object"`
	Name       *string      `json:"name"`
	PercentOff *json.Number `json:"percent_off"`
	AmountOff  *int64       `json:"amount_off"`
	Currency   *string      `json:"currency"`
}

func renderDiscounts(ds []checkout.Discount) []sessionDiscountJSON {
	out := make([]sessionDiscountJSON, len(ds))
	for i, d := range ds {
		out[i] = sessionDiscountJSON{Coupon: appliedCouponJSON{ID: d.Coupon, Object: "coupon", Name: optString(d.Name),
			PercentOff: percentJSON(d.PercentOff), AmountOff: optInt(d.AmountOff), Currency: optString(string(d.Currency))},
			PromotionCode: optString(d.PromotionCode), Amount: d.Amount}
	}
	return out
}

// decodeDiscounts reads a session's discounts ([{coupon}] or
// [{promotion_code}]) under the names of a dialect.
func decodeDiscounts(v *params.Values, name, promoName string) []service.DiscountParams {
	list, _ := v.List(name)
	if list == nil {
		return nil
	}
	out := make([]service.DiscountParams, len(list))
	for i, d := range list {
		out[i].Coupon, _ = d.String("coupon")
		out[i].PromotionCode, _ = d.String(promoName)
	}
	return out
}
