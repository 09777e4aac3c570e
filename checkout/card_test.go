package checkout_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

func TestCardValidate(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		number, exp, cvc string
		code             string
		brand            string
	}{
		{"4242 4242 4242 4242", "12/34", "123", "", "visa"},
		{"5555-5555-5555-4444", "11/26", "123", "", "mastercard"},
		{"378282246310005", "12/2030", "1234", "", "amex"},
		{"378282246310005", "12/30", "123", "invalid_cvc", "amex"},
		{"4242424242424241", "12/34", "123", "incorrect_number", "visa"},
		{"4242", "12/34", "123", "invalid_number", "visa"},
		{"4242x42424242424", "12/34", "123", "invalid_number", "visa"},
		{"4242424242424242", "10/26", "123", "expired_card", "visa"},
		{"4242424242424242", "13/30", "123", "invalid_expiry", "visa"},
		{"4242424242424242", "1330", "123", "invalid_expiry", "visa"},
		{"4242424242424242", "12/3", "123", "invalid_expiry", "visa"},
		{"4242424242424242", "1a/30", "123", "invalid_expiry", "visa"},
		{"4242424242424242", "12/34", "12", "invalid_cvc", "visa"},
		{"4242424242424242", "12/34", "12a", "invalid_cvc", "visa"},
	} {
		m, y, _ := checkout.ParseExpiry(tc.exp)
		c := checkout.Card{Number: checkout.NormalizeCardNumber(tc.number), ExpMonth: m, ExpYear: y, CVC: tc.cvc}
		err := c.Validate(now)
		got := ""
		if err != nil {
			got = err.(*checkout.Error).Code
			if strings.Contains(err.Error(), c.Number) || (c.CVC != "" && strings.Contains(err.Error(), c.CVC) && len(c.CVC) > 2) {
				t.Errorf("%s: error leaks card data: %v", tc.number, err)
			}
		}
		if got != tc.code {
			t.Errorf("%s %s %s: code %q, want %q", tc.number, tc.exp, tc.cvc, got, tc.code)
		}
		if c.Brand() != tc.brand {
			t.Errorf("%s: brand %s, want %s", tc.number, c.Brand(), tc.brand)
		}
	}
}

// TestParseExpiry covers the ways people type an expiry: with a slash or
// not, with spaces, a two- or four-digit year.
func TestParseExpiry(t *testing.T) {
	for in, want := range map[string][2]int{
		"12/28": {12, 2028}, "1228": {12, 2028}, "12 / 2028": {12, 2028}, "122028": {12, 2028},
		"1/29": {1, 2029}, " 07 / 31 ": {7, 2031}, "0127": {1, 2027},
		"": {}, "12": {}, "123": {}, "12/2": {}, "12345": {}, "00/28": {}, "13/28": {}, "+1/28": {}, "12/-8": {}, "ab/cd": {},
	} {
		m, y, ok := checkout.ParseExpiry(in)
		if ok != (want != [2]int{}) || m != want[0] || y != want[1] {
			t.Errorf("ParseExpiry(%q) = %d, %d, %v; want %v", in, m, y, ok, want)
		}
	}
}

// TestCardProblems: every field's problem at once, one per field.
func TestCardProblems(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	c := checkout.Card{Number: "4242424242424241", ExpMonth: 10, ExpYear: 2026, CVC: "1"}
	var got []string
	for _, e := range c.Problems(now) {
		got = append(got, e.Param+":"+e.Code)
	}
	if want := "card_number:incorrect_number card_expiry:expired_card card_cvc:invalid_cvc"; strings.Join(got, " ") != want {
		t.Fatalf("problems %v, want %s", got, want)
	}
	if err := c.Validate(now); err.(*checkout.Error).Param != "card_number" {
		t.Fatalf("Validate gives %v, want the number's problem first", err)
	}
}

func TestCardNeverPrints(t *testing.T) {
	c := checkout.Card{Number: "4242424242424242", ExpMonth: 12, ExpYear: 2034, CVC: "987"}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c), fmt.Sprint(&c)} {
		if strings.Contains(s, "4242424242424242") || strings.Contains(s, "987") {
			t.Fatalf("card printed: %s", s)
		}
	}
}
