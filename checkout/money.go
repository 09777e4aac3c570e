package checkout

import (
	"strconv"
	"strings"
)

// Amounts are int64 minor units of a currency (pesewas for GHS, yen for JPY,
// fils for BHD). Floats never hold money anywhere in checkoutd.

// MaxAmount is the largest amount, in minor units, that any single amount or
// total may have. It keeps every sum and product of the bounded inputs below
// (at most MaxLineItems items, quantities up to MaxQuantity) far from int64
// overflow, and is larger than any real checkout.
const MaxAmount int64 = 99_999_999_999

// MinAmount is the smallest total a payment session may have.
const MinAmount int64 = 1

// MaxQuantity is the largest quantity of one line item.
const MaxQuantity int64 = 999_999

// MaxLineItems is the largest number of line items in one session.
const MaxLineItems = 100

// exponents maps ISO 4217 codes to their number of minor digits. It lists
// active currencies; unknown codes are rejected rather than guessed.
var exponents = map[string]int{}

func init() {
	for _, group := range []struct {
		exp   int
		codes string
	}{
		{0, "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF"},
		{3, "BHD IQD JOD KWD LYD OMR TND"},
		{2, "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD " +
			"CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD " +
			"HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK " +
			"MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB " +
			"SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD " +
			"UYU UZS VES WST XCD YER ZAR ZMW ZWG"},
	} {
		for _, c := range strings.Fields(group.codes) {
			exponents[c] = group.exp
		}
	}
}

// Currency is an upper-case ISO 4217 code known to checkoutd.
type Currency string

// ParseCurrency accepts a code in any case and returns its canonical form,
// or ok=false for codes that are not in the table.
func ParseCurrency(s string) (Currency, bool) {
	if len(s) != 3 {
		return "", false
	}
	c := strings.ToUpper(s)
	if _, ok := exponents[c]; !ok {
		return "", false
	}
	return Currency(c), true
}

// Exponent returns the number of minor digits of c (2 for GHS, 0 for JPY,
// 3 for BHD). It panics for a currency that did not come from ParseCurrency,
// because that is a programming error, not bad input.
func (c Currency) Exponent() int {
	e, ok := exponents[string(c)]
	if !ok {
		panic("checkout: unknown currency " + strconv.Quote(string(c)))
	}
	return e
}

// Lower returns the code in lower case, as Stripe-style APIs render it.
func (c Currency) Lower() string { return strings.ToLower(string(c)) }

// FormatAmount renders a minor-unit amount as a plain decimal string in the
// currency's major unit ("50.00" for 5000 GHS, "5000" for 5000 JPY,
// "1.500" for 1500 BHD). Locale-aware formatting belongs to the page.
func FormatAmount(amount int64, c Currency) string {
	exp := c.Exponent()
	neg := amount < 0
	u := uint64(amount)
	if neg {
		u = uint64(-amount)
	}
	digits := strconv.FormatUint(u, 10)
	if exp > 0 {
		for len(digits) <= exp {
			digits = "0" + digits
		}
		digits = digits[:len(digits)-exp] + "." + digits[len(digits)-exp:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// ParseAmount is the inverse of FormatAmount: it reads a decimal string in the
// major unit and returns minor units. It refuses more fraction digits than the
// currency has, signs, exponents and anything above MaxAmount, so a price
// typed as text can never be silently rounded.
func ParseAmount(s string, c Currency) (int64, bool) {
	exp := c.Exponent()
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 12 || (hasDot && (len(frac) == 0 || len(frac) > exp)) {
		return 0, false
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	for len(frac) < exp {
		frac += "0"
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n > MaxAmount {
		return 0, false
	}
	return n, true
}

// MulAmount returns a*b if it stays within [0, MaxAmount].
func MulAmount(a, b int64) (int64, bool) {
	if a < 0 || b < 0 {
		return 0, false
	}
	if a == 0 || b == 0 {
		return 0, true
	}
	if a > MaxAmount/b {
		return 0, false
	}
	return a * b, true
}

// AddAmount returns a+b if it stays within [0, MaxAmount].
func AddAmount(a, b int64) (int64, bool) {
	if a < 0 || b < 0 || a > MaxAmount-b {
		return 0, false
	}
	return a + b, true
}
