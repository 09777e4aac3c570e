package stripe

import (
	"fmt"

	"github.com/checkoutd/checkoutd/checkout"
)

// Stripe counts most currencies in their ISO 4217 minor unit, as checkoutd
// does, with two exceptions among the currencies both know
// (https://docs.stripe.com/currencies, "Zero-decimal currencies" and
// "Special cases"): MGA is zero-decimal at Stripe (two decimals in ISO),
// and ISK, zero-decimal in ISO, is sent to Stripe as if it had two
// decimals, a multiple of 100.
var stripeScale = map[checkout.Currency]struct {
	mul, div int64
}{
	"MGA": {1, 100},
	"ISK": {100, 1},
}

// toStripe converts amount (checkoutd's minor units of c) to Stripe's.
func toStripe(amount int64, c checkout.Currency) (int64, error) {
	s, ok := stripeScale[c]
	if !ok {
		return amount, nil
	}
	if amount%s.div != 0 {
		return 0, fmt.Errorf("Stripe charges %s in whole units only; %s cannot be charged", c, checkout.FormatAmount(amount, c)+" "+string(c))
	}
	return amount / s.div * s.mul, nil
}

// fromStripe converts a Stripe amount of c to checkoutd's minor units.
func fromStripe(amount int64, c checkout.Currency) int64 {
	s, ok := stripeScale[c]
	if !ok {
		return amount
	}
	return amount / s.mul * s.div
}
