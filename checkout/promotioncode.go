package checkout

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// PromotionCodeKind is the ObjectKind of a PromotionCode.
const PromotionCodeKind = "promotion_code"

// Promotion code events, written in the same Commit as the code.
const (
	EventPromotionCodeCreated = "promotion_code.created"
	EventPromotionCodeUpdated = "promotion_code.updated"
)

// PromotionCode is a customer-facing code (SUMMER10) for a coupon: what a
// customer types on the page of a session that allows promotion codes, or
// what a merchant names in a session's discounts. It has its own limits
// on top of its coupon's.
type PromotionCode struct {
	ID        string // promo_…
	AccountID string
	Livemode  bool
	// Code is as the merchant wrote it; customers may type it in any case.
	Code           string
	Coupon         string // the coupon's id in the scope
	Active         bool
	MaxRedemptions int64     // 0: no limit
	ExpiresAt      time.Time // zero: never
	Metadata       map[string]string

	Redemptions

	Version int64
	Created time.Time
	Updated time.Time
}

// PromotionCodeKey is the lookup key of code among scope's active codes:
// case-insensitive, so SUMMER10 and summer10 are one code, and unique,
// so a customer's code names one promotion.
func PromotionCodeKey(sc Scope, code string) string {
	return "code:" + CouponObjectID(sc, strings.ToLower(code))
}

// ObjectKind implements Object.
func (p *PromotionCode) ObjectKind() string { return PromotionCodeKind }

// ObjectID implements Object.
func (p *PromotionCode) ObjectID() string { return p.ID }

// Scope implements Object.
func (p *PromotionCode) Scope() Scope { return Scope{AccountID: p.AccountID, Livemode: p.Livemode} }

// ObjectVersion implements Object.
func (p *PromotionCode) ObjectVersion() int64 { return p.Version }

// ObjectCreated implements Object.
func (p *PromotionCode) ObjectCreated() time.Time { return p.Created }

// LookupKeys implements Object: the code, while the code is active, so
// that an inactive code frees its name for a new one and the store
// refuses a second active code of the same name.
func (p *PromotionCode) LookupKeys() []string {
	if !p.Active {
		return nil
	}
	return []string{PromotionCodeKey(p.Scope(), p.Code)}
}

// Clone returns a deep copy, for event snapshots.
func (p *PromotionCode) Clone() *PromotionCode {
	c := *p
	c.Slots = slices.Clone(p.Slots)
	c.Metadata = maps.Clone(p.Metadata)
	return &c
}

// Unusable says why the code cannot be applied at now ("" when it can).
// Its coupon is checked apart.
func (p *PromotionCode) Unusable(now time.Time) string {
	switch {
	case !p.Active:
		return "promotion code " + p.Code + " is not active"
	case !p.ExpiresAt.IsZero() && !now.Before(p.ExpiresAt):
		return "promotion code " + p.Code + " has expired"
	case p.MaxRedemptions > 0 && p.TimesRedeemed >= p.MaxRedemptions:
		return "promotion code " + p.Code + " has reached its max_redemptions"
	}
	return ""
}

// Claim takes a redemption place for payment paymentID of session
// sessionID, as Coupon.Claim does.
func (p *PromotionCode) Claim(paymentID, sessionID string, until, now time.Time) (bool, error) {
	if p.MaxRedemptions <= 0 {
		return false, nil
	}
	if err := p.take(p.MaxRedemptions, paymentID, sessionID, until, now); err != nil {
		return false, &Error{Kind: KindState, Code: "promotion_code_max_redemptions",
			Message: "the promotion code of this checkout session has been redeemed as many times as it may be"}
	}
	p.Version++
	p.Updated = now
	return true, nil
}

// Hold keeps payment paymentID's place until until, as Coupon.Hold does.
func (p *PromotionCode) Hold(paymentID string, until, now time.Time) bool {
	if !p.hold(paymentID, until) {
		return false
	}
	p.Version++
	p.Updated = now
	return true
}

// Settle ends payment paymentID of session sessionID, as Coupon.Settle
// does.
func (p *PromotionCode) Settle(paymentID, sessionID string, redeemed bool, now time.Time) bool {
	if !p.settle(paymentID, sessionID, redeemed) {
		return false
	}
	p.Version++
	p.Updated = now
	return true
}
