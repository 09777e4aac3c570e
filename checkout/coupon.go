package checkout

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CouponKind is the ObjectKind of a Coupon.
const CouponKind = "coupon"

// Coupon events, written in the same Commit as the coupon.
const (
	EventCouponCreated = "coupon.created"
	EventCouponDeleted = "coupon.deleted"
)

// PercentScale is how many units of PercentOff make one percent: percent_off
// keeps two decimals (33.33 %) as an integer of hundredths, never a float.
const PercentScale = 100

// Coupon is a discount a merchant defines once and applies to sessions,
// directly or through a customer-facing PromotionCode: PercentOff of the
// subtotal, or AmountOff in Currency (exactly one of the two).
//
// A coupon with MaxRedemptions counts its redemptions exactly: a payment of
// a session that has it holds a slot from its claim until it ends (see
// Redemptions), so of two payers on the last redemption one is refused
// before any provider is asked.
type Coupon struct {
	// ID is the merchant's id, or coupon_…; unique within the scope only,
	// so the store knows the coupon by ObjectID (scope and id).
	ID        string
	AccountID string
	Livemode  bool
	Name      string

	PercentOff int64 // hundredths of a percent, 1..10000; 0 with AmountOff
	AmountOff  int64 // minor units of Currency; 0 with PercentOff
	Currency   Currency

	MaxRedemptions int64     // 0: no limit
	RedeemBy       time.Time // zero: no deadline
	Deleted        bool      // deleted coupons apply to no new session
	Metadata       map[string]string

	Redemptions

	Version int64
	Created time.Time
	Updated time.Time
}

// Redemptions counts the redemptions of a coupon or a promotion code and
// holds the places of the sessions now being paid. Only a limited one keeps
// slots: an unlimited one is counted after the outcome (see Settle).
//
// A place is a session's, held by its payments: each payment keeps a slot
// of its own (a session's second stablecoin selection while the first
// waits takes no second place, and the first one ending does not free the
// place the second holds).
type Redemptions struct {
	TimesRedeemed int64
	Slots         []RedemptionSlot
}

// RedemptionSlot is payment PaymentID's hold on its session's place under
// a limit, until Until: ClaimTTL after a claim, renewed by the next claim,
// and held to the deadline of a payment that waits on its own (a deposit,
// a voucher; see Hold). A slot stored before payments held slots has no
// PaymentID and no Until: it is its session's and lapses ClaimTTL after
// Since.
type RedemptionSlot struct {
	SessionID string
	Since     time.Time
	PaymentID string
	Until     time.Time
}

// lapsed reports whether the slot no longer holds a place at now.
func (s RedemptionSlot) lapsed(now time.Time) bool {
	until := s.Until
	if until.IsZero() {
		until = s.Since.Add(ClaimTTL)
	}
	return !now.Before(until)
}

// of reports whether the slot is payment paymentID's of session sessionID
// (an old slot, of no payment, is any payment's of its session).
func (s RedemptionSlot) of(paymentID, sessionID string) bool {
	return s.PaymentID == paymentID || (s.PaymentID == "" && s.SessionID == sessionID)
}

// ObjectKind implements Object.
func (c *Coupon) ObjectKind() string { return CouponKind }

// ObjectID implements Object: the id qualified by the scope, since two
// accounts (or one account's two modes) may each name a coupon SUMMER.
func (c *Coupon) ObjectID() string { return CouponObjectID(c.Scope(), c.ID) }

// CouponObjectID is the store's id of coupon id of scope.
func CouponObjectID(sc Scope, id string) string {
	mode := "test"
	if sc.Livemode {
		mode = "live"
	}
	return sc.AccountID + "/" + mode + "/" + id
}

// Scope implements Object.
func (c *Coupon) Scope() Scope { return Scope{AccountID: c.AccountID, Livemode: c.Livemode} }

// ObjectVersion implements Object.
func (c *Coupon) ObjectVersion() int64 { return c.Version }

// ObjectCreated implements Object.
func (c *Coupon) ObjectCreated() time.Time { return c.Created }

// LookupKeys implements Object: a coupon is found by its id in its scope.
func (c *Coupon) LookupKeys() []string { return nil }

// Clone returns a deep copy, for event snapshots.
func (c *Coupon) Clone() *Coupon {
	d := *c
	d.Slots = slices.Clone(c.Slots)
	d.Metadata = maps.Clone(c.Metadata)
	return &d
}

// Valid reports whether the coupon can still be applied to a new session
// at now: not deleted, not past RedeemBy, not at its limit.
func (c *Coupon) Valid(now time.Time) bool { return c.Unusable(now) == "" }

// Unusable says why the coupon cannot be applied at now ("" when it can).
func (c *Coupon) Unusable(now time.Time) string {
	switch {
	case c.Deleted:
		return "coupon " + c.ID + " has been deleted"
	case !c.RedeemBy.IsZero() && !now.Before(c.RedeemBy):
		return "coupon " + c.ID + " can no longer be redeemed (its redeem_by has passed)"
	case c.MaxRedemptions > 0 && c.TimesRedeemed >= c.MaxRedemptions:
		return "coupon " + c.ID + " has reached its max_redemptions"
	}
	return ""
}

// FormatPercent renders hundredths of a percent as a decimal ("33.33",
// "50", "12.5"), for JSON numbers and the page.
func FormatPercent(h int64) string {
	s := strconv.FormatInt(h/PercentScale, 10)
	if f := h % PercentScale; f != 0 {
		s += "." + strings.TrimRight(strconv.FormatInt(f+PercentScale, 10)[1:], "0")
	}
	return s
}

// ParsePercent reads a decimal percent with at most two decimals ("33.33",
// "50", "12.5") as hundredths, without a float; ok is false otherwise.
func ParsePercent(s string) (int64, bool) {
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 3 || (dot && (frac == "" || len(frac) > 2)) {
		return 0, false
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt((frac + "0")[:2], 10, 64)
	}
	return w*PercentScale + f, true
}

// take takes (or renews) payment paymentID's slot for session sessionID,
// held until until (or later, if it already was), after dropping the
// slots that lapsed; errFull when the redemptions and the places of other
// sessions fill max.
func (r *Redemptions) take(max int64, paymentID, sessionID string, until, now time.Time) error {
	r.Slots = slices.DeleteFunc(r.Slots, func(s RedemptionSlot) bool { return s.lapsed(now) })
	if i := slices.IndexFunc(r.Slots, func(s RedemptionSlot) bool { return s.of(paymentID, sessionID) }); i >= 0 {
		r.Slots[i].PaymentID, r.Slots[i].Since = paymentID, now
		if until.After(r.Slots[i].Until) {
			r.Slots[i].Until = until
		}
		return nil
	}
	others := map[string]bool{}
	for _, s := range r.Slots {
		if s.SessionID != sessionID {
			others[s.SessionID] = true
		}
	}
	if r.TimesRedeemed+int64(len(others)) >= max {
		return errFull
	}
	r.Slots = append(r.Slots, RedemptionSlot{SessionID: sessionID, Since: now, PaymentID: paymentID, Until: until})
	return nil
}

var errFull = errors.New("no redemption left")

// hold keeps payment paymentID's slot until until, when it has one that
// lapses sooner; it reports whether it changed.
func (r *Redemptions) hold(paymentID string, until time.Time) bool {
	i := slices.IndexFunc(r.Slots, func(s RedemptionSlot) bool { return s.PaymentID == paymentID })
	if i < 0 || !until.After(r.Slots[i].Until) {
		return false
	}
	r.Slots[i].Until = until
	return true
}

// Claim takes (or renews) a redemption place for payment paymentID of
// session sessionID about to be paid at now, held until until. A coupon
// without a limit needs none: Claim reports false. It fails with KindState
// coupon_max_redemptions when the redemptions and the live places of other
// sessions fill the limit. It bumps Version: the coupon is written with
// the payment's claim.
func (c *Coupon) Claim(paymentID, sessionID string, until, now time.Time) (bool, error) {
	if c.MaxRedemptions <= 0 {
		return false, nil
	}
	if err := c.take(c.MaxRedemptions, paymentID, sessionID, until, now); err != nil {
		return false, &Error{Kind: KindState, Code: "coupon_max_redemptions",
			Message: "the discount of this checkout session (coupon " + c.ID + ") has been redeemed as many times as it may be"}
	}
	c.Version++
	c.Updated = now
	return true, nil
}

// Hold keeps payment paymentID's place until until (a payment that waits
// on its own to its deadline); it reports whether the coupon changed.
func (c *Coupon) Hold(paymentID string, until, now time.Time) bool {
	if !c.hold(paymentID, until) {
		return false
	}
	c.Version++
	c.Updated = now
	return true
}

// Settle ends payment paymentID of session sessionID: its slot is freed
// (the session's place stays while another of its payments holds one)
// and, when redeemed, the redemption counted. It reports whether the
// coupon changed.
func (c *Coupon) Settle(paymentID, sessionID string, redeemed bool, now time.Time) bool {
	if !c.Redemptions.settle(paymentID, sessionID, redeemed) {
		return false
	}
	c.Version++
	c.Updated = now
	return true
}

func (r *Redemptions) settle(paymentID, sessionID string, redeemed bool) bool {
	n := len(r.Slots)
	r.Slots = slices.DeleteFunc(r.Slots, func(s RedemptionSlot) bool { return s.of(paymentID, sessionID) })
	if redeemed {
		r.TimesRedeemed++
	}
	return redeemed || len(r.Slots) != n
}
