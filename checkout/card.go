package checkout

import (
	"strconv"
	"strings"
	"time"
)

// Card is what a customer typed into the card form. It lives only in memory
// for the length of one payment attempt: no store, log line, event or error
// ever receives it. Its String method hides the number and CVC so that an
// accidental %v cannot leak them.
type Card struct {
	Number   string // digits only, after NormalizeCard
	ExpMonth int
	ExpYear  int
	CVC      string
}

// String never shows the number or the CVC.
func (c Card) String() string { return "card " + c.Brand() + " •••• " + c.Last4() }

// GoString keeps %#v as safe as %v.
func (c Card) GoString() string { return c.String() }

// Last4 returns the last four digits.
func (c Card) Last4() string {
	if len(c.Number) < 4 {
		return ""
	}
	return c.Number[len(c.Number)-4:]
}

// Brand guesses the card network from the number's prefix.
func (c Card) Brand() string {
	n := c.Number
	p2, _ := strconv.Atoi(prefix(n, 2))
	p4, _ := strconv.Atoi(prefix(n, 4))
	switch {
	case strings.HasPrefix(n, "4"):
		return "visa"
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720:
		return "mastercard"
	case p2 == 34 || p2 == 37:
		return "amex"
	case strings.HasPrefix(n, "6011"), strings.HasPrefix(n, "65"), p2 == 64:
		return "discover"
	case p2 == 35:
		return "jcb"
	case p2 == 36 || p2 == 30 || p2 == 38:
		return "diners"
	}
	return "unknown"
}

func prefix(s string, n int) string {
	if len(s) < n {
		return s
	}
	return s[:n]
}

// NormalizeCardNumber strips the spaces and dashes people type.
func NormalizeCardNumber(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s)
}

// luhnValid reports whether digits pass the Luhn checksum.
func luhnValid(digits string) bool {
	sum, double := 0, false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// ParseExpiry reads an expiry as people type it: "MM/YY", "MM / YY",
// "MM/YYYY", "M/YY", or the digits alone, "MMYY" or "MMYYYY" (a phone's
// numeric keypad has no slash).
func ParseExpiry(s string) (month, year int, ok bool) {
	s = strings.ReplaceAll(s, " ", "")
	m, y, found := strings.Cut(s, "/")
	if !found {
		if len(s) != 4 && len(s) != 6 {
			return 0, 0, false
		}
		m, y = s[:2], s[2:]
	}
	if len(m) < 1 || len(m) > 2 || (len(y) != 2 && len(y) != 4) || strings.Trim(m+y, "0123456789") != "" {
		return 0, 0, false
	}
	month, _ = strconv.Atoi(m)
	year, _ = strconv.Atoi(y)
	if month < 1 || month > 12 {
		return 0, 0, false
	}
	if len(y) == 2 {
		year += 2000
	}
	return month, year, true
}

// Validate checks what can be checked without a network: the number's length
// and Luhn checksum, that the expiry is this month or later, and the CVC's
// length (4 digits for Amex, 3 otherwise). Params are named as the page's
// form fields. The error never contains the number or the CVC. It is the
// first of Problems.
func (c Card) Validate(now time.Time) error {
	if ps := c.Problems(now); len(ps) > 0 {
		return ps[0]
	}
	return nil
}

// Problems is every problem Validate looks for, at most one per field (number,
// expiry, CVC, in that order), so that a form can show them all at once.
func (c Card) Problems(now time.Time) []*Error {
	var out []*Error
	switch {
	case len(c.Number) < 12 || len(c.Number) > 19 || strings.Trim(c.Number, "0123456789") != "":
		out = append(out, &Error{Kind: KindCard, Code: "invalid_number", Param: "card_number", Message: "The card number is not valid."})
	case !luhnValid(c.Number):
		out = append(out, &Error{Kind: KindCard, Code: "incorrect_number", Param: "card_number", Message: "The card number is incorrect."})
	}
	switch {
	case c.ExpMonth < 1 || c.ExpMonth > 12 || c.ExpYear < 2000 || c.ExpYear > now.Year()+50:
		out = append(out, &Error{Kind: KindCard, Code: "invalid_expiry", Param: "card_expiry", Message: "The expiry date is not valid."})
	case c.ExpYear < now.Year() || c.ExpYear == now.Year() && c.ExpMonth < int(now.Month()):
		out = append(out, &Error{Kind: KindCard, Code: "expired_card", Param: "card_expiry", Message: "The card has expired."})
	}
	want := 3
	if c.Brand() == "amex" {
		want = 4
	}
	if len(c.CVC) != want || strings.Trim(c.CVC, "0123456789") != "" {
		out = append(out, &Error{Kind: KindCard, Code: "invalid_cvc", Param: "card_cvc", Message: "The security code is not valid."})
	}
	return out
}
