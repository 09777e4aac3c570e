package ifthenpay

import (
	"fmt"
	"strconv"
	"strings"
)

// Reference returns the 9-digit Multibanco reference that Ifthenpay's
// published offline algorithm gives entity (5 digits), sub-entity sub (1 to
// 3 digits), order id orderID and amount cents (see REFERENCE.md,
// "Multibanco references"): with IDp the last 7−len(sub) digits of the
// order id and S = entity‖sub‖IDp‖cents as 8 digits, the check digits are
// 98 − (S·100 mod 97), and the reference is sub‖IDp‖check digits. The
// amount is part of the check digits, so a reference is payable for its
// own amount only. The caller gives well-formed values (the credentials are
// checked when they are set; orderID < 10^len(IDp), 0 ≤ cents < 10^8).
func Reference(entity, sub string, orderID int, cents int64) string {
	idLen := 7 - len(sub)
	id := fmt.Sprintf("%0*d", idLen, orderID)
	id = id[len(id)-idLen:] // only the last digits count: order ids wrap
	s := entity + sub + id + fmt.Sprintf("%08d", cents)
	return sub + id + checkDigits(s)
}

// checkDigits are 98 − (s·100 mod 97) as two digits, for s a string of
// digits too long for an int64 (20 digits): the remainder is taken digit by
// digit.
func checkDigits(s string) string {
	r := 0
	for _, c := range s {
		r = (r*10 + int(c-'0')) % 97
	}
	r = r * 100 % 97
	return fmt.Sprintf("%02d", 98-r)
}

// orderModulo is how many order ids a sub-entity has before they wrap:
// 10^len(IDp).
func orderModulo(sub string) int {
	m := 1
	for range 7 - len(sub) {
		m *= 10
	}
	return m
}

// refOf is the provider reference of a voucher: its entity and reference,
// what a callback names, so a callback finds its payment by them.
func refOf(entity, reference string) string { return entity + ":" + reference }

// parseCents reads an amount in euros written with a "." (Ifthenpay's
// "1234.56", "15" or "15.5") as cents, exactly: no floating point.
func parseCents(s string) (int64, bool) {
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || len(whole) > 9 || !allDigits(whole) || (hasFrac && (len(frac) == 0 || len(frac) > 2 || !allDigits(frac))) {
		return 0, false
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, false
	}
	f := int64(0)
	if hasFrac {
		f, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			f *= 10
		}
	}
	return w*100 + f, true
}

// euros writes cents as Ifthenpay's amounts are written: "1234.56".
func euros(cents int64) string { return fmt.Sprintf("%d.%02d", cents/100, cents%100) }

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
