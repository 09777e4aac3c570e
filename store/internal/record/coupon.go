package record

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// storedCoupon is the stored form of a checkout.Coupon.
type storedCoupon struct {
	ID             string                 `json:"id"`
	AccountID      string                 `json:"account_id"`
	Livemode       bool                   `json:"livemode"`
	Name           string                 `json:"name,omitempty"`
	PercentOff     int64                  `json:"percent_off_hundredths,omitempty"`
	AmountOff      int64                  `json:"amount_off,omitempty"`
	Currency       string                 `json:"currency,omitempty"`
	MaxRedemptions int64                  `json:"max_redemptions,omitempty"`
	RedeemBy       time.Time              `json:"redeem_by"`
	Deleted        bool                   `json:"deleted,omitempty"`
	Metadata       map[string]string      `json:"metadata"`
	TimesRedeemed  int64                  `json:"times_redeemed"`
	Slots          []storedRedemptionSlot `json:"slots"`
	Version        int64                  `json:"version"`
	Created        time.Time              `json:"created"`
	Updated        time.Time              `json:"updated"`
}

// storedPromotionCode is the stored form of a checkout.PromotionCode.
type storedPromotionCode struct {
	ID             string                 `json:"id"`
	AccountID      string                 `json:"account_id"`
	Livemode       bool                   `json:"livemode"`
	Code           string                 `json:"code"`
	Coupon         string                 `json:"coupon"`
	Active         bool                   `json:"active"`
	MaxRedemptions int64                  `json:"max_redemptions,omitempty"`
	ExpiresAt      time.Time              `json:"expires_at"`
	Metadata       map[string]string      `json:"metadata"`
	TimesRedeemed  int64                  `json:"times_redeemed"`
	Slots          []storedRedemptionSlot `json:"slots"`
	Version        int64                  `json:"version"`
	Created        time.Time              `json:"created"`
	Updated        time.Time              `json:"updated"`
}

func init() {
	RegisterKind(checkout.CouponKind, Codec{Encode: encodeCoupon, Decode: decodeCoupon})
	RegisterKind(checkout.PromotionCodeKind, Codec{Encode: encodePromotionCode, Decode: decodePromotionCode})
}

// storedRedemptionSlot is the stored form of a checkout.RedemptionSlot;
// a slot stored before payments held them has only session_id and since.
type storedRedemptionSlot struct {
	SessionID string    `json:"session_id"`
	Since     time.Time `json:"since"`
	PaymentID string    `json:"payment_id,omitempty"`
	Until     time.Time `json:"until,omitzero"`
}

func slotsToStored(in []checkout.RedemptionSlot) []storedRedemptionSlot {
	return convertSlice(in, func(s checkout.RedemptionSlot) storedRedemptionSlot {
		return storedRedemptionSlot{SessionID: s.SessionID, Since: UTC(s.Since), PaymentID: s.PaymentID, Until: UTC(s.Until)}
	})
}

func slotsFromStored(in []storedRedemptionSlot) []checkout.RedemptionSlot {
	return convertSlice(in, func(s storedRedemptionSlot) checkout.RedemptionSlot {
		return checkout.RedemptionSlot{SessionID: s.SessionID, Since: UTC(s.Since), PaymentID: s.PaymentID, Until: UTC(s.Until)}
	})
}

func encodeCoupon(o checkout.Object) ([]byte, error) {
	c, ok := o.(*checkout.Coupon)
	if !ok {
		return nil, fmt.Errorf("record: %T is not a *checkout.Coupon", o)
	}
	return json.Marshal(&storedCoupon{ID: c.ID, AccountID: c.AccountID, Livemode: c.Livemode, Name: c.Name,
		PercentOff: c.PercentOff, AmountOff: c.AmountOff, Currency: string(c.Currency), MaxRedemptions: c.MaxRedemptions,
		RedeemBy: UTC(c.RedeemBy), Deleted: c.Deleted, Metadata: c.Metadata, TimesRedeemed: c.TimesRedeemed,
		Slots: slotsToStored(c.Slots), Version: c.Version, Created: UTC(c.Created), Updated: UTC(c.Updated)})
}

func decodeCoupon(data []byte) (checkout.Object, error) {
	var r storedCoupon
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("record: decode coupon: %w", err)
	}
	return &checkout.Coupon{ID: r.ID, AccountID: r.AccountID, Livemode: r.Livemode, Name: r.Name,
		PercentOff: r.PercentOff, AmountOff: r.AmountOff, Currency: checkout.Currency(r.Currency), MaxRedemptions: r.MaxRedemptions,
		RedeemBy: UTC(r.RedeemBy), Deleted: r.Deleted, Metadata: r.Metadata,
		Redemptions: checkout.Redemptions{TimesRedeemed: r.TimesRedeemed, Slots: slotsFromStored(r.Slots)},
		Version:     r.Version, Created: UTC(r.Created), Updated: UTC(r.Updated)}, nil
}

func encodePromotionCode(o checkout.Object) ([]byte, error) {
	p, ok := o.(*checkout.PromotionCode)
	if !ok {
		return nil, fmt.Errorf("record: %T is not a *checkout.PromotionCode", o)
	}
	return json.Marshal(&storedPromotionCode{ID: p.ID, AccountID: p.AccountID, Livemode: p.Livemode, Code: p.Code,
		Coupon: p.Coupon, Active: p.Active, MaxRedemptions: p.MaxRedemptions, ExpiresAt: UTC(p.ExpiresAt),
		Metadata: p.Metadata, TimesRedeemed: p.TimesRedeemed, Slots: slotsToStored(p.Slots),
		Version: p.Version, Created: UTC(p.Created), Updated: UTC(p.Updated)})
}

func decodePromotionCode(data []byte) (checkout.Object, error) {
	var r storedPromotionCode
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("record: decode promotion code: %w", err)
	}
	return &checkout.PromotionCode{ID: r.ID, AccountID: r.AccountID, Livemode: r.Livemode, Code: r.Code,
		Coupon: r.Coupon, Active: r.Active, MaxRedemptions: r.MaxRedemptions, ExpiresAt: UTC(r.ExpiresAt), Metadata: r.Metadata,
		Redemptions: checkout.Redemptions{TimesRedeemed: r.TimesRedeemed, Slots: slotsFromStored(r.Slots)},
		Version:     r.Version, Created: UTC(r.Created), Updated: UTC(r.Updated)}, nil
}
