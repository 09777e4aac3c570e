package evm

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// maxUint256 bounds every token amount: ERC-20 balances are uint256.
var maxUint256 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))

// TokenUnits converts minor units of a currency with exponent minor digits
// (2 for USD, 0 for JPY, 3 for BHD) at rate, the tokens one unit of the
// currency buys as a decimal string ("1", "1.0842"), into the token's
// smallest units, of which one token has 10^decimals. The arithmetic is
// exact. A result between two units is rounded up to the next one: the
// merchant is never underpaid, the customer pays at most one smallest unit
// (a millionth of a dollar for USDC) more than the exact price.
func TokenUnits(minor int64, exponent int, rate string, decimals int) (*big.Int, error) {
	if minor < 0 {
		return nil, fmt.Errorf("amount: %d is negative", minor)
	}
	if exponent < 0 || exponent > 18 {
		return nil, fmt.Errorf("exponent: %d is not a currency's number of minor digits (0 to 18)", exponent)
	}
	if decimals < 0 || decimals > 77 {
		return nil, fmt.Errorf("decimals: %d is not a token's number of decimals (0 to 77)", decimals)
	}
	r, err := parseRate(rate)
	if err != nil {
		return nil, err
	}
	// minor / 10^exponent currency units, times rate tokens each, times
	// 10^decimals smallest units per token.
	num := new(big.Int).Mul(big.NewInt(minor), r.Num())
	num.Mul(num, pow10(decimals))
	den := new(big.Int).Mul(r.Denom(), pow10(exponent))
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if m.Sign() != 0 {
		q.Add(q, big.NewInt(1))
	}
	if q.Cmp(maxUint256) > 0 {
		return nil, errors.New("amount: in token units it is beyond what a token (uint256) can hold")
	}
	return q, nil
}

// parseRate reads a plain positive decimal: digits, and at most one point
// with digits after it. No sign, exponent or fraction form, which
// big.Rat.SetString would take: a rate comes from an operator's
// configuration and must mean what it shows.
func parseRate(s string) (*big.Rat, error) {
	bad := fmt.Errorf("rate: %q is not a positive decimal number such as \"1\" or \"1.0842\"", s)
	if len(s) == 0 || len(s) > 40 {
		return nil, bad
	}
	whole, frac, hasPoint := strings.Cut(s, ".")
	if whole == "" || hasPoint && frac == "" || !digits(whole) || !digits(frac) {
		return nil, bad
	}
	n, _ := new(big.Int).SetString(whole+frac, 10)
	if n.Sign() == 0 {
		return nil, fmt.Errorf("rate: %q is zero: a rate must be positive", s)
	}
	return new(big.Rat).SetFrac(n, pow10(len(frac))), nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func pow10(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// FormatUnits writes an amount of a token's smallest units in tokens, with
// exactly decimals digits after the point (25000000 at 6 decimals is
// "25.000000"), so it shows the precise amount to send. A nil amount is
// zero; with 0 decimals there is no point.
func FormatUnits(units *big.Int, decimals int) string {
	if units == nil {
		units = new(big.Int)
	}
	s := new(big.Int).Abs(units).String()
	sign := ""
	if units.Sign() < 0 {
		sign = "-"
	}
	if decimals <= 0 {
		return sign + s
	}
	if len(s) <= decimals {
		s = strings.Repeat("0", decimals-len(s)+1) + s
	}
	return sign + s[:len(s)-decimals] + "." + s[len(s)-decimals:]
}
