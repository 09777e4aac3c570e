package service

import (
	"context"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// Coupons and promotion codes (Stripe's shapes): a coupon is a discount
// the merchant defines once; a promotion code is a customer-facing code
// for one. Both are generic objects. A session holds at most one discount
// (checkout.Discount), computed here in minor units when it is made or
// when the customer applies a code on the page.

// CouponParams creates a coupon. PercentOff is the decimal as sent
// ("33.33"); "" when absent.
type CouponParams struct {
	ID             string
	Name           string
	PercentOff     string
	AmountOff      *int64
	Currency       string
	MaxRedemptions *int64
	RedeemBy       *time.Time
	Metadata       map[string]string
}

// Bounds of coupons and promotion codes.
const (
	MaxCouponNameLen  = 40 // Stripe's bound, shown on receipts and the page
	MaxCouponIDLen    = 64
	MaxCodeLen        = 64
	MaxRedemptionsCap = 1_000_000_000
)

// checkObjectName accepts a merchant's coupon id or promotion code:
// 1..max letters, digits, '-' and '_', which survive URLs, forms and a
// customer typing them.
func checkObjectName(param, v string, max int) error {
	if v == "" {
		return checkout.Invalid(param, "parameter_invalid_empty", "%s cannot be empty", param)
	}
	if len(v) > max {
		return checkout.Invalid(param, "parameter_invalid", "%s is longer than %d characters", param, max)
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return checkout.Invalid(param, "parameter_invalid", "%s may hold only letters, digits, '-' and '_'", param)
		}
	}
	return nil
}

func checkMaxRedemptions(n *int64) (int64, error) {
	if n == nil {
		return 0, nil
	}
	if *n < 1 || *n > MaxRedemptionsCap {
		return 0, checkout.Invalid("max_redemptions", "parameter_invalid_integer", "max_redemptions must be between 1 and %d; got %d", MaxRedemptionsCap, *n)
	}
	return *n, nil
}

// CreateCoupon validates p and stores a new coupon of scope with its
// coupon.created event. A rejected request writes nothing.
func (s *Service) CreateCoupon(ctx context.Context, scope checkout.Scope, p *CouponParams) (*checkout.Coupon, error) {
	now := s.now()
	c := &checkout.Coupon{ID: p.ID, AccountID: scope.AccountID, Livemode: scope.Livemode, Version: 1, Created: now, Updated: now}
	if c.ID == "" {
		c.ID = s.ids.New("coupon")
	} else if err := checkObjectName("id", c.ID, MaxCouponIDLen); err != nil {
		return nil, err
	}
	if err := checkText("name", p.Name, MaxCouponNameLen); err != nil {
		return nil, err
	}
	c.Name = p.Name
	switch {
	case p.PercentOff != "" && p.AmountOff != nil:
		return nil, checkout.Invalid("amount_off", "parameter_unexpected", "give percent_off or amount_off, not both")
	case p.PercentOff != "":
		pct, ok := checkout.ParsePercent(p.PercentOff)
		if !ok || pct <= 0 || pct > 100*checkout.PercentScale {
			return nil, checkout.Invalid("percent_off", "parameter_invalid", "percent_off must be a number above 0 and at most 100, with at most two decimals; got '%s'", p.PercentOff)
		}
		if p.Currency != "" {
			return nil, checkout.Invalid("currency", "parameter_unexpected", "currency goes with amount_off, not percent_off")
		}
		c.PercentOff = pct
	case p.AmountOff != nil:
		if *p.AmountOff < 1 || *p.AmountOff > checkout.MaxAmount {
			return nil, checkout.Invalid("amount_off", "parameter_invalid_integer", "amount_off must be between 1 and %d; got %d", checkout.MaxAmount, *p.AmountOff)
		}
		if p.Currency == "" {
			return nil, checkout.Invalid("currency", "parameter_missing", "currency is required with amount_off")
		}
		cur, ok := checkout.ParseCurrency(p.Currency)
		if !ok {
			return nil, checkout.Invalid("currency", "currency_invalid", "'%s' is not a supported ISO 4217 currency code", p.Currency)
		}
		c.AmountOff, c.Currency = *p.AmountOff, cur
	default:
		return nil, checkout.Invalid("percent_off", "parameter_missing", "give percent_off, or amount_off with currency")
	}
	var err error
	if c.MaxRedemptions, err = checkMaxRedemptions(p.MaxRedemptions); err != nil {
		return nil, err
	}
	if p.RedeemBy != nil {
		if !p.RedeemBy.After(now) {
			return nil, checkout.Invalid("redeem_by", "parameter_invalid", "redeem_by must be in the future")
		}
		c.RedeemBy = p.RedeemBy.UTC().Truncate(time.Second)
	}
	if c.Metadata, err = checkMetadata(p.Metadata); err != nil {
		return nil, err
	}
	if _, err := s.account(ctx, scope.AccountID); err != nil {
		return nil, err
	}
	err = retryCAS(func() error {
		// The id is the merchant's: a taken one is bad input, not a race.
		if _, err := s.store.GetObject(ctx, scope, checkout.CouponKind, c.ObjectID()); err == nil {
			return checkout.Invalid("id", "resource_already_exists", "a coupon with id '%s' already exists", c.ID)
		} else if !checkout.IsKind(err, checkout.KindNotFound) {
			return err
		}
		ev := s.objectEvent(c.Clone(), c.AccountID, c.Livemode, c.ID, c.Version, checkout.EventCouponCreated, now)
		return s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{c}, Events: []*checkout.Event{ev}})
	})
	if err != nil {
		return nil, err
	}
	s.wakeDeliveries()
	return c, nil
}

// objectEvent is the event of a change of a generic object; its sequence
// is the object's version, which grows by one with each write. The
// snapshot's redemption places are the object's bookkeeping, not news.
func (s *Service) objectEvent(snap checkout.Object, account string, livemode bool, id string, seq int64, typ string, now time.Time) *checkout.Event {
	switch o := snap.(type) {
	case *checkout.Coupon:
		o.Slots = nil
	case *checkout.PromotionCode:
		o.Slots = nil
	}
	return &checkout.Event{ID: s.ids.New("evt"), AccountID: account, Livemode: livemode, Type: typ,
		Created: now, Sequence: seq, ObjectID: id, Object: snap}
}

// GetCoupon returns coupon id of scope, deleted or not.
func (s *Service) GetCoupon(ctx context.Context, scope checkout.Scope, id string) (*checkout.Coupon, error) {
	o, err := s.store.GetObject(ctx, scope, checkout.CouponKind, checkout.CouponObjectID(scope, id))
	if checkout.IsKind(err, checkout.KindNotFound) {
		return nil, checkout.NotFound("id", "coupon", id)
	}
	if err != nil {
		return nil, err
	}
	c, ok := o.(*checkout.Coupon)
	if !ok || c.ID != id {
		return nil, checkout.NotFound("id", "coupon", id)
	}
	return c, nil
}

// ListCoupons returns one page of scope's coupons, newest first; deleted
// ones are listed too (sessions still show them), with valid false.
func (s *Service) ListCoupons(ctx context.Context, scope checkout.Scope, p checkout.ListParams) (checkout.Page[*checkout.Coupon], error) {
	var out checkout.Page[*checkout.Coupon]
	if err := checkList(&p); err != nil {
		return out, err
	}
	// The cursors are the merchant's ids; the store knows them by scope.
	if p.StartingAfter != "" {
		p.StartingAfter = checkout.CouponObjectID(scope, p.StartingAfter)
	}
	if p.EndingBefore != "" {
		p.EndingBefore = checkout.CouponObjectID(scope, p.EndingBefore)
	}
	page, err := s.store.ListObjects(ctx, scope, checkout.CouponKind, p)
	if err != nil {
		return out, uncursor(err, scope)
	}
	out.HasMore = page.HasMore
	for _, o := range page.Items {
		out.Items = append(out.Items, o.(*checkout.Coupon))
	}
	return out, nil
}

// uncursor gives back the merchant's id in a not-found cursor error.
func uncursor(err error, scope checkout.Scope) error {
	e, ok := err.(*checkout.Error)
	if !ok || e.Kind != checkout.KindNotFound {
		return err
	}
	c := *e
	c.Message = strings.ReplaceAll(c.Message, checkout.CouponObjectID(scope, ""), "")
	return &c
}

// DeleteCoupon deletes coupon id: no new session may use it (directly or
// through its promotion codes); sessions that have it keep it, and a
// payment of one still redeems it. Deleting a deleted coupon changes
// nothing and writes no event.
func (s *Service) DeleteCoupon(ctx context.Context, scope checkout.Scope, id string) (*checkout.Coupon, error) {
	var c *checkout.Coupon
	var ev *checkout.Event
	err := retryCAS(func() error {
		var err error
		if c, err = s.GetCoupon(ctx, scope, id); err != nil || c.Deleted {
			ev = nil
			return err
		}
		now := s.now()
		c.Deleted = true
		c.Version++
		c.Updated = now
		ev = s.objectEvent(c.Clone(), c.AccountID, c.Livemode, c.ID, c.Version, checkout.EventCouponDeleted, now)
		return s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{c}, Events: []*checkout.Event{ev}})
	})
	if err != nil {
		return nil, err
	}
	if ev != nil {
		s.wakeDeliveries()
	}
	return c, nil
}
