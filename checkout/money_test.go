package checkout_test

import (
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
)

func TestParseCurrency(t *testing.T) {
	for _, tc := range []struct {
		in  string
		ok  bool
		exp int
	}{
		{"GHS", true, 2}, {"ghs", true, 2}, {"EUR", true, 2}, {"usd", true, 2},
		{"JPY", true, 0}, {"KRW", true, 0}, {"XOF", true, 0},
		{"BHD", true, 3}, {"KWD", true, 3}, {"TND", true, 3},
		{"XXX", false, 0}, {"", false, 0}, {"EU", false, 0}, {"EURO", false, 0}, {"US$", false, 0}, {"USDC", false, 0},
	} {
		c, ok := checkout.ParseCurrency(tc.in)
		if ok != tc.ok {
			t.Errorf("ParseCurrency(%q) ok = %v, want %v", tc.in, ok, tc.ok)
			continue
		}
		if ok && c.Exponent() != tc.exp {
			t.Errorf("%s exponent = %d, want %d", c, c.Exponent(), tc.exp)
		}
	}
}

func TestFormatParseAmount(t *testing.T) {
	for _, tc := range []struct {
		amount int64
		cur    checkout.Currency
		text   string
	}{
		{5000, "GHS", "50.00"}, {5, "EUR", "0.05"}, {0, "USD", "0.00"}, {5000, "JPY", "5000"},
		{1500, "BHD", "1.500"}, {1, "BHD", "0.001"}, {checkout.MaxAmount, "USD", "999999999.99"},
	} {
		if got := checkout.FormatAmount(tc.amount, tc.cur); got != tc.text {
			t.Errorf("FormatAmount(%d, %s) = %q, want %q", tc.amount, tc.cur, got, tc.text)
		}
		if got, ok := checkout.ParseAmount(tc.text, tc.cur); !ok || got != tc.amount {
			t.Errorf("ParseAmount(%q, %s) = %d, %v; want %d", tc.text, tc.cur, got, ok, tc.amount)
		}
	}
	if got := checkout.FormatAmount(-250, "EUR"); got != "-2.50" {
		t.Errorf("FormatAmount(-250) = %q", got)
	}
	for _, bad := range []struct {
		text string
		cur  checkout.Currency
	}{
		{"1.001", "EUR"}, {"1.5", "JPY"}, {"-1.00", "EUR"}, {"+1", "EUR"}, {"1e3", "EUR"}, {"", "EUR"},
		{".5", "EUR"}, {"1.", "EUR"}, {"1,00", "EUR"}, {"9999999999999", "JPY"}, {"1000000000.00", "USD"}, {"0x10", "JPY"},
	} {
		if n, ok := checkout.ParseAmount(bad.text, bad.cur); ok {
			t.Errorf("ParseAmount(%q, %s) = %d, want refusal", bad.text, bad.cur, n)
		}
	}
}

func TestAmountArithmetic(t *testing.T) {
	if _, ok := checkout.MulAmount(checkout.MaxAmount, 2); ok {
		t.Error("MulAmount overflowing MaxAmount accepted")
	}
	if n, ok := checkout.MulAmount(2500, 2); !ok || n != 5000 {
		t.Errorf("MulAmount(2500,2) = %d, %v", n, ok)
	}
	if _, ok := checkout.AddAmount(checkout.MaxAmount, 1); ok {
		t.Error("AddAmount past MaxAmount accepted")
	}
	if _, ok := checkout.MulAmount(-1, 5); ok {
		t.Error("negative amount accepted")
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"50.00", "0.05", "5000", "1.500", "999999999.99", "-1", "1e3", ""} {
		f.Add(s, "EUR")
		f.Add(s, "JPY")
		f.Add(s, "BHD")
	}
	f.Fuzz(func(t *testing.T, s, code string) {
		c, ok := checkout.ParseCurrency(code)
		if !ok {
			return
		}
		n, ok := checkout.ParseAmount(s, c)
		if !ok {
			return
		}
		if n < 0 || n > checkout.MaxAmount {
			t.Fatalf("ParseAmount(%q, %s) = %d, out of range", s, c, n)
		}
		// Formatting and parsing again gives the same amount.
		back, ok := checkout.ParseAmount(checkout.FormatAmount(n, c), c)
		if !ok || back != n {
			t.Fatalf("round trip of %d %s via %q gave %d, %v", n, c, checkout.FormatAmount(n, c), back, ok)
		}
	})
}

func FuzzParseCurrency(f *testing.F) {
	for _, s := range []string{"GHS", "jpy", "BhD", "XXX", "", "EURO", "\x00\x00\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := checkout.ParseCurrency(s)
		if !ok {
			return
		}
		if len(c) != 3 || c.Lower() == string(c) {
			t.Fatalf("ParseCurrency(%q) = %q, not an upper-case code", s, c)
		}
		if e := c.Exponent(); e != 0 && e != 2 && e != 3 {
			t.Fatalf("%s has exponent %d", c, e)
		}
	})
}
