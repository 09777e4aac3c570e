package service

import (
	"context"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// A session's discount: chosen when it is made (discounts) or by the
// customer on the page (allow_promotion_codes), computed here in minor
// units, and redeemed by the payment that pays it (see claimDiscount and
// settleDiscount, called from Pay and record).

// setDiscounts applies p's discounts to sess, built but not stored yet.
// Every refusal names discounts (or allow_promotion_codes; an unknown
// coupon or code its path, discounts[0][coupon]), as Stripe's do, and
// leaves nothing written.
func (s *Service) setDiscounts(ctx context.Context, sess *checkout.Session, p *SessionParams) error {
	sess.AllowPromotionCodes = p.AllowPromotionCodes
	if len(p.Discounts) == 0 {
		return nil
	}
	if p.AllowPromotionCodes {
		return checkout.Invalid("discounts", "parameter_invalid", "give discounts or allow_promotion_codes, not both")
	}
	if len(p.Discounts) > 1 {
		return checkout.Invalid("discounts", "parameter_invalid", "a checkout session takes at most one discount; got %d", len(p.Discounts))
	}
	dp := p.Discounts[0]
	now := s.now()
	switch {
	case dp.Coupon != "" && dp.PromotionCode != "":
		return checkout.Invalid("discounts", "parameter_invalid", "a discount names a coupon or a promotion_code, not both")
	case dp.Coupon != "":
		c, err := s.GetCoupon(ctx, sess.Scope(), dp.Coupon)
		if err != nil {
			if checkout.IsKind(err, checkout.KindNotFound) {
				// The indexed path, as Stripe names it.
				return checkout.Invalid("discounts[0][coupon]", "resource_missing", "no such coupon: '%s'", dp.Coupon)
			}
			return err
		}
		d, err := discountOf(sess, c, nil, now)
		if err != nil {
			return err
		}
		sess.SetDiscount(d)
	case dp.PromotionCode != "":
		pc, err := s.GetPromotionCode(ctx, sess.Scope(), dp.PromotionCode)
		if err != nil {
			if checkout.IsKind(err, checkout.KindNotFound) {
				return checkout.Invalid("discounts[0][promotion_code]", "resource_missing", "no such promotion code: '%s'", dp.PromotionCode)
			}
			return err
		}
		d, err := s.promotionDiscount(ctx, sess, pc, now)
		if err != nil {
			if e, ok := err.(*checkout.Error); ok && e.Kind == checkout.KindInvalid {
				return checkout.Invalid("discounts", e.Code, "%s", e.Message)
			}
			return err
		}
		sess.SetDiscount(d)
	default:
		return checkout.Invalid("discounts", "parameter_missing", "a discount names a coupon or a promotion_code")
	}
	return nil
}

// discountOf is the discount coupon c (through promotion code pc, when
// set) gives sess at now, or why it cannot apply (KindInvalid naming
// discounts).
func discountOf(sess *checkout.Session, c *checkout.Coupon, pc *checkout.PromotionCode, now time.Time) (*checkout.Discount, error) {
	if why := c.Unusable(now); why != "" {
		return nil, checkout.Invalid("discounts", "coupon_invalid", "%s", why)
	}
	if c.AmountOff > 0 && c.Currency != sess.Currency {
		return nil, checkout.Invalid("discounts", "currency_mismatch", "coupon %s takes off %s, not the session's currency %s", c.ID, c.Currency, sess.Currency)
	}
	d := &checkout.Discount{Coupon: c.ID, Amount: c.DiscountOf(sess.AmountSubtotal), Name: c.Name,
		PercentOff: c.PercentOff, AmountOff: c.AmountOff, Currency: c.Currency}
	if c.AmountOff == 0 {
		d.Currency = ""
	}
	if pc != nil {
		d.PromotionCode, d.Code = pc.ID, pc.Code
	}
	return d, nil
}

// promotionDiscount is discountOf for promotion code pc and its coupon.
func (s *Service) promotionDiscount(ctx context.Context, sess *checkout.Session, pc *checkout.PromotionCode, now time.Time) (*checkout.Discount, error) {
	if why := pc.Unusable(now); why != "" {
		return nil, checkout.Invalid("discounts", "promotion_code_invalid", "%s", why)
	}
	c, err := s.GetCoupon(ctx, sess.Scope(), pc.Coupon)
	if err != nil {
		return nil, err
	}
	return discountOf(sess, c, pc, now)
}

// ApplyPromotionCode applies the code a customer typed on the page of
// session id (one that allows promotion codes), in place of any discount
// it had. It is refused (KindInvalid naming promotion_code) for an unknown,
// inactive, expired or exhausted code, or one whose coupon cannot apply,
// and (KindState) once the session is not open or a payment is under way;
// a refusal writes nothing. A code is matched in any case.
func (s *Service) ApplyPromotionCode(ctx context.Context, id, code string) (*checkout.Session, error) {
	if code == "" {
		return nil, checkout.Invalid("promotion_code", "parameter_missing", "enter a promotion code")
	}
	if len(code) > MaxCodeLen {
		return nil, checkout.Invalid("promotion_code", "promotion_code_invalid", "this promotion code is not valid")
	}
	return s.changeDiscount(ctx, id, func(sess *checkout.Session, now time.Time) (*checkout.Discount, error) {
		if !sess.AllowPromotionCodes {
			return nil, checkout.Invalid("promotion_code", "promotion_codes_not_allowed", "this checkout session takes no promotion codes")
		}
		o, err := s.store.FindObject(ctx, checkout.PromotionCodeKind, checkout.PromotionCodeKey(sess.Scope(), code))
		if checkout.IsKind(err, checkout.KindNotFound) {
			return nil, checkout.Invalid("promotion_code", "promotion_code_invalid", "this promotion code is not valid")
		}
		if err != nil {
			return nil, err
		}
		pc, ok := o.(*checkout.PromotionCode)
		if !ok || pc.Scope() != sess.Scope() {
			return nil, checkout.Invalid("promotion_code", "promotion_code_invalid", "this promotion code is not valid")
		}
		d, err := s.promotionDiscount(ctx, sess, pc, now)
		if e, ok := err.(*checkout.Error); ok && e.Kind == checkout.KindInvalid {
			return nil, checkout.Invalid("promotion_code", e.Code, "%s", e.Message)
		}
		return d, err
	})
}

// RemovePromotionCode takes off the code a customer applied on the page
// of session id. A discount the merchant set (discounts) stays: only a
// session that allows promotion codes has one to remove.
func (s *Service) RemovePromotionCode(ctx context.Context, id string) (*checkout.Session, error) {
	return s.changeDiscount(ctx, id, func(sess *checkout.Session, _ time.Time) (*checkout.Discount, error) {
		if !sess.AllowPromotionCodes {
			return nil, checkout.Invalid("promotion_code", "promotion_codes_not_allowed", "this checkout session takes no promotion codes")
		}
		return nil, nil
	})
}

// changeDiscount writes the discount decide gives session id, in one
// compare-and-set, while it is open and no payment claim holds it: the
// amount a payment is charged must be the one the customer saw.
func (s *Service) changeDiscount(ctx context.Context, id string, decide func(*checkout.Session, time.Time) (*checkout.Discount, error)) (*checkout.Session, error) {
	var sess *checkout.Session
	err := retryCAS(func() error {
		var err error
		if sess, err = s.store.FindSession(ctx, id); err != nil {
			return err
		}
		now := s.now()
		if st := sess.StatusAt(now); st != checkout.SessionOpen {
			return &checkout.Error{Kind: checkout.KindState, Code: "checkout_session_" + string(st), Message: "this checkout session is " + string(st) + " and can no longer change"}
		}
		if sess.ClaimLive(now) {
			return &checkout.Error{Kind: checkout.KindState, Code: "payment_in_progress", Message: "a payment for this checkout session is in progress; wait for it to finish"}
		}
		// A payment that released its claim to wait (a deposit, a 3-D
		// Secure challenge, a voucher) was asked for the total as it was:
		// the discount stays until it ends. A payment started after this
		// read claims the session, so the commit below loses its race.
		if waiting, err := s.waitingPayment(ctx, sess); err != nil {
			return err
		} else if waiting != nil {
			return &checkout.Error{Kind: checkout.KindState, Code: "payment_pending",
				Message: "a payment of this checkout session (" + waiting.ID + ") is waiting to be completed; its discount cannot change until that payment ends"}
		}
		d, err := decide(sess, now)
		if err != nil {
			return err
		}
		sess.SetDiscount(d)
		sess.Version++
		sess.Updated = now
		return s.store.Commit(ctx, checkout.Change{Session: sess})
	})
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// discountObjects reads coupon and promotion code pc of scope (a
// payment's discount); nil for those it has not (or that are gone).
func (s *Service) discountObjects(ctx context.Context, scope checkout.Scope, coupon, pc string) (*checkout.Coupon, *checkout.PromotionCode, error) {
	var c *checkout.Coupon
	var code *checkout.PromotionCode
	if coupon != "" {
		o, err := s.store.GetObject(ctx, scope, checkout.CouponKind, checkout.CouponObjectID(scope, coupon))
		switch {
		case err == nil:
			c = o.(*checkout.Coupon)
		case !checkout.IsKind(err, checkout.KindNotFound):
			return nil, nil, err
		}
	}
	if pc != "" {
		o, err := s.store.GetObject(ctx, scope, checkout.PromotionCodeKind, pc)
		switch {
		case err == nil:
			code = o.(*checkout.PromotionCode)
		case !checkout.IsKind(err, checkout.KindNotFound):
			return nil, nil, err
		}
	}
	return c, code, nil
}

// paymentDiscount is what payment p claimed of its session's discount.
func (s *Service) paymentDiscount(ctx context.Context, p *checkout.Payment) (*checkout.Coupon, *checkout.PromotionCode, error) {
	return s.discountObjects(ctx, p.Scope(), p.Coupon, p.PromotionCode)
}

// claimedDiscount records on payment p, being claimed, the discount of
// sess it is asked for, so its outcome settles that one (settleDiscount).
func claimedDiscount(p *checkout.Payment, sess *checkout.Session) {
	p.Coupon, p.PromotionCode = "", ""
	if len(sess.Discounts) > 0 {
		p.Coupon, p.PromotionCode = sess.Discounts[0].Coupon, sess.Discounts[0].PromotionCode
	}
}

// claimDiscount takes a redemption place on the coupon and the promotion
// code payment p claimed (claimedDiscount), for ClaimTTL from now; it
// returns those to write in the claim's Commit (the limited ones), so of
// two payers on the last redemption one is refused (KindState) before any
// provider is asked. A coupon deleted since the session was made still
// redeems: the session keeps its discount.
func (s *Service) claimDiscount(ctx context.Context, p *checkout.Payment, now time.Time) ([]checkout.Object, error) {
	c, pc, err := s.paymentDiscount(ctx, p)
	if err != nil || (c == nil && pc == nil) {
		return nil, err
	}
	until := now.Add(checkout.ClaimTTL)
	var out []checkout.Object
	if c != nil {
		held, err := c.Claim(p.ID, p.SessionID, until, now)
		if err != nil {
			return nil, err
		}
		if held {
			out = append(out, c)
		}
	}
	if pc != nil {
		held, err := pc.Claim(p.ID, p.SessionID, until, now)
		if err != nil {
			return nil, err
		}
		if held {
			out = append(out, pc)
		}
	}
	return out, nil
}

// redemptionMargin is how long past its deadline a waiting payment keeps
// its redemption place: a deposit seen at the last minute is confirmed,
// and a voucher's lapse is recorded, a little after it.
const redemptionMargin = time.Hour

// holdDiscount keeps the redemption places of payment p, waiting on its
// own (a deposit, a voucher), until its action's deadline and a margin,
// rather than ClaimTTL: nothing renews them until it ends. A deposit
// waiting past its deadline for confirmations keeps them from now on. It
// returns the limited objects whose hold changed.
func (s *Service) holdDiscount(ctx context.Context, p *checkout.Payment, now time.Time) ([]checkout.Object, error) {
	if p.Action == nil || p.Action.ExpiresAt.IsZero() || !awaitsLater(p.Action.Kind) || (p.Coupon == "" && p.PromotionCode == "") {
		return nil, nil
	}
	deadline := p.Action.ExpiresAt
	if deadline.Before(now) {
		deadline = now
	}
	until := deadline.Add(redemptionMargin)
	c, pc, err := s.paymentDiscount(ctx, p)
	if err != nil {
		return nil, err
	}
	var out []checkout.Object
	if c != nil && c.Hold(p.ID, until, now) {
		out = append(out, c)
	}
	if pc != nil && pc.Hold(p.ID, until, now) {
		out = append(out, pc)
	}
	return out, nil
}

// settleDiscount ends the redemption places of payment p once it has
// ended, counting a redemption when redeemed (it completed its session);
// it returns the limited objects to write with the outcome, and whether an
// unlimited one is left to count after it (countRedemption): a popular
// coupon's payments would all race on its version otherwise, and a lost
// race must never fail the recording of a payment the provider took.
func (s *Service) settleDiscount(ctx context.Context, p *checkout.Payment, redeemed bool, now time.Time) (write []checkout.Object, countAfter bool, err error) {
	c, pc, err := s.paymentDiscount(ctx, p)
	if err != nil {
		return nil, false, err
	}
	if c != nil {
		if c.MaxRedemptions <= 0 {
			countAfter = countAfter || redeemed
		} else if c.Settle(p.ID, p.SessionID, redeemed, now) {
			write = append(write, c)
		}
	}
	if pc != nil {
		if pc.MaxRedemptions <= 0 {
			countAfter = countAfter || redeemed
		} else if pc.Settle(p.ID, p.SessionID, redeemed, now) {
			write = append(write, pc)
		}
	}
	return write, countAfter, nil
}

// countRedemption counts the session payment p completed on the
// unlimited coupon and promotion code it claimed, after the outcome is
// stored. Best effort, like countLinkCompletion: a limit depends on none
// of them.
func (s *Service) countRedemption(ctx context.Context, p *checkout.Payment, now time.Time) {
	for range linkCountAttempts {
		c, pc, err := s.paymentDiscount(ctx, p)
		if err != nil {
			s.log.Error("counting a coupon's redemption failed", "payment", p.ID, "err", err)
			return
		}
		var write []checkout.Object
		if c != nil && c.MaxRedemptions <= 0 {
			c.Settle(p.ID, p.SessionID, true, now)
			write = append(write, c)
		}
		if pc != nil && pc.MaxRedemptions <= 0 {
			pc.Settle(p.ID, p.SessionID, true, now)
			write = append(write, pc)
		}
		if len(write) == 0 {
			return
		}
		err = s.store.Commit(ctx, checkout.Change{Objects: write})
		if !checkout.IsKind(err, checkout.KindConflict) {
			if err != nil {
				s.log.Error("counting a coupon's redemption failed", "payment", p.ID, "err", err)
			}
			return
		}
	}
	s.log.Error("counting a coupon's redemption lost every race", "payment", p.ID)
}

// waitingPayment is a payment of sess that is not final yet
// (requires_action or processing), or nil.
func (s *Service) waitingPayment(ctx context.Context, sess *checkout.Session) (*checkout.Payment, error) {
	f := checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 100}, SessionID: sess.ID}
	for {
		page, err := s.store.ListPayments(ctx, sess.Scope(), f)
		if err != nil {
			return nil, err
		}
		for _, p := range page.Items {
			if !p.Status.Final() {
				return p, nil
			}
		}
		if !page.HasMore || len(page.Items) == 0 {
			return nil, nil
		}
		f.StartingAfter = page.Items[len(page.Items)-1].ID
	}
}
