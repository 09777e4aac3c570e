package evm

import (
	"math/big"
	"strings"
	"testing"
)

func TestTokenUnits(t *testing.T) {
	for _, tc := range []struct {
		name     string
		minor    int64
		exponent int
		rate     string
		decimals int
		want     string
	}{
		{"USD", 2500, 2, "1", 6, "25000000"},
		{"USDRateWithPoint", 2500, 2, "1.0", 6, "25000000"},
		{"EUR", 2500, 2, "1.0842", 6, "27105000"},
		{"JPYNoMinorDigits", 2500, 0, "0.0067", 6, "16750000"},
		{"BHDThreeMinorDigits", 25125, 3, "2.6596", 6, "66822450"},
		{"Zero", 0, 2, "1.0842", 6, "0"},
		// 0.01 × 0.33333333 = 0.0033333333 tokens: 3333.3333 units, up to 3334.
		{"FractionRoundsUp", 1, 2, "0.33333333", 6, "3334"},
		// 25.0000025 tokens: 25000002.5 units, up to 25000003.
		{"HalfRoundsUp", 2500, 2, "1.0000001", 6, "25000003"},
		// 25.0000000001 tokens: a ten-thousandth of a unit still costs one.
		{"TinyFractionRoundsUp", 2500, 2, "1.000000000004", 6, "25000001"},
		// $1,000,000.00 at 18 decimals is 10^24, past int64.
		{"EighteenDecimalsBeyondInt64", 100_000_000, 2, "1", 18, "1000000000000000000000000"},
		{"MaxInt64At18", 9223372036854775807, 2, "1", 18, "92233720368547758070000000000000000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := TokenUnits(tc.minor, tc.exponent, tc.rate, tc.decimals)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tc.want {
				t.Errorf("TokenUnits(%d, %d, %q, %d) = %s; want %s", tc.minor, tc.exponent, tc.rate, tc.decimals, got, tc.want)
			}
		})
	}
}

// TestTokenUnitsNeverUnderpays: for many amounts at an awkward rate, the
// units are the least whole number worth at least the price.
func TestTokenUnitsNeverUnderpays(t *testing.T) {
	rate := new(big.Rat).SetFrac64(10842, 10000)
	for minor := int64(0); minor < 3000; minor += 7 {
		got, err := TokenUnits(minor, 2, "1.0842", 2)
		if err != nil {
			t.Fatal(err)
		}
		// The exact price in units: minor/100 × rate × 100.
		exact := new(big.Rat).Mul(new(big.Rat).SetInt64(minor), rate)
		g := new(big.Rat).SetInt(got)
		less := new(big.Rat).SetInt(new(big.Int).Sub(got, big.NewInt(1)))
		if g.Cmp(exact) < 0 || (minor > 0 && less.Cmp(exact) >= 0) {
			t.Fatalf("%d minor units: %s units for an exact %s", minor, got, exact.FloatString(6))
		}
	}
}

func TestTokenUnitsErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		minor    int64
		exponent int
		rate     string
		decimals int
		says     string
	}{
		{"ErrNegativeAmount", -1, 2, "1", 6, "amount:"},
		{"ErrEmptyRate", 100, 2, "", 6, "rate:"},
		{"ErrZeroRate", 100, 2, "0", 6, "rate:"},
		{"ErrZeroRateWithPoint", 100, 2, "0.000", 6, "rate:"},
		{"ErrNegativeRate", 100, 2, "-1", 6, "rate:"},
		{"ErrSignedRate", 100, 2, "+1", 6, "rate:"},
		{"ErrExponentRate", 100, 2, "1e3", 6, "rate:"},
		{"ErrFractionRate", 100, 2, "1/3", 6, "rate:"},
		{"ErrTrailingPoint", 100, 2, "1.", 6, "rate:"},
		{"ErrLeadingPoint", 100, 2, ".5", 6, "rate:"},
		{"ErrTwoPoints", 100, 2, "1.2.3", 6, "rate:"},
		{"ErrComma", 100, 2, "1,08", 6, "rate:"},
		{"ErrSpace", 100, 2, " 1", 6, "rate:"},
		{"ErrLetters", 100, 2, "abc", 6, "rate:"},
		{"ErrLongRate", 100, 2, "1." + strings.Repeat("0", 40), 6, "rate:"},
		{"ErrNegativeExponent", 100, -1, "1", 6, "exponent:"},
		{"ErrNegativeDecimals", 100, 2, "1", -1, "decimals:"},
		{"ErrBeyondUint256", 9223372036854775807, 0, strings.Repeat("9", 40), 77, "uint256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := TokenUnits(tc.minor, tc.exponent, tc.rate, tc.decimals)
			if err == nil {
				t.Fatalf("taken: %s", got)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error %q does not say %q", err, tc.says)
			}
		})
	}
}

func TestFormatUnits(t *testing.T) {
	big24, _ := new(big.Int).SetString("1000000000000000000000000", 10)
	for _, tc := range []struct {
		units    *big.Int
		decimals int
		want     string
	}{
		{big.NewInt(25000000), 6, "25.000000"},
		{big.NewInt(27105000), 6, "27.105000"},
		{big.NewInt(5), 6, "0.000005"},
		{big.NewInt(999999), 6, "0.999999"},
		{big.NewInt(1000000), 6, "1.000000"},
		{big.NewInt(0), 6, "0.000000"},
		{big.NewInt(123), 0, "123"},
		{big24, 18, "1000000.000000000000000000"},
		{big.NewInt(-5), 2, "-0.05"},
		{nil, 2, "0.00"},
	} {
		if got := FormatUnits(tc.units, tc.decimals); got != tc.want {
			t.Errorf("FormatUnits(%v, %d) = %q; want %q", tc.units, tc.decimals, got, tc.want)
		}
	}
}
