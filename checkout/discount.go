package checkout

import "math/bits"

// DiscountOf is what coupon c takes off subtotal, in minor units: its
// percent of subtotal rounded half up to the minor unit, or its amount off.
// It is capped so that the total stays at least MinAmount: a payment of
// nothing cannot be charged, and a coupon worth more than the order still
// sells it (the customer pays MinAmount) rather than making the session
// fail. The caller checks AmountOff's currency.
func (c *Coupon) DiscountOf(subtotal int64) int64 {
	d := c.AmountOff
	if c.PercentOff > 0 {
		// subtotal ≤ MaxAmount and PercentOff ≤ 100·PercentScale: the
		// product stays far below int64's range.
		const whole = 100 * PercentScale
		d = (subtotal*c.PercentOff + whole/2) / whole
	}
	return min(d, max(subtotal-MinAmount, 0))
}

// SetDiscount applies d to sess (nil removes any): the session's
// AmountDiscount becomes d.Amount, spread over its line items'
// AmountDiscount in proportion to their subtotals (SpreadDiscount), and
// the totals follow. d.Amount must be at most what DiscountOf allows.
func (sess *Session) SetDiscount(d *Discount) {
	amount := int64(0)
	sess.Discounts = nil
	if d != nil {
		amount = d.Amount
		sess.Discounts = []Discount{*d}
	}
	subs := make([]int64, len(sess.LineItems))
	for i, li := range sess.LineItems {
		subs[i] = li.AmountSubtotal
	}
	for i, share := range SpreadDiscount(amount, subs) {
		li := &sess.LineItems[i]
		li.AmountDiscount = share
		li.AmountTotal = li.AmountSubtotal - share + li.AmountTax
	}
	sess.AmountDiscount = amount
	sess.AmountTotal = sess.AmountSubtotal - amount + sess.AmountTax
}

// SpreadDiscount splits amount over lines of the given subtotals in
// proportion to them, by the largest-remainder rule: each line takes the
// floor of its exact share, and the minor units left go one each to the
// lines with the largest remainders (the earlier line on a tie). The
// shares sum to amount exactly and none passes its line's subtotal. With
// no line, or subtotals summing to 0, it returns zeros (nothing to spread
// over). amount must be at most the subtotals' sum; all are below
// MaxAmount·MaxLineItems.
func SpreadDiscount(amount int64, subtotals []int64) []int64 {
	shares := make([]int64, len(subtotals))
	var total int64
	for _, s := range subtotals {
		total += s
	}
	if amount <= 0 || total <= 0 {
		return shares
	}
	rems := make([]uint64, len(subtotals))
	left := amount
	for i, s := range subtotals {
		// amount·s may pass int64 (both up to 10^11): 128-bit product,
		// and the quotient fits since amount ≤ total.
		hi, lo := bits.Mul64(uint64(amount), uint64(s))
		q, r := bits.Div64(hi, lo, uint64(total))
		shares[i], rems[i] = int64(q), r
		left -= int64(q)
	}
	for ; left > 0; left-- {
		best := -1
		for i, r := range rems {
			if best < 0 || r > rems[best] {
				best = i
			}
		}
		shares[best]++
		rems[best] = 0
	}
	return shares
}
