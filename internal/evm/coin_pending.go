package evm

// TEMPORARY (branch coin): stand-ins with the API branch evm is building
// (/tmp/briefs/evm.md), so that provider/stablecoin compiles before that
// branch lands. BIP32 has landed; TokenUnits, FormatUnits and
// PaymentURI are still to come, and this file goes when they do.

import (
	"errors"
	"fmt"
	"math/big"
)

func TokenUnits(minor int64, exponent int, rate string, decimals int) (*big.Int, error) {
	r, ok := new(big.Rat).SetString(rate)
	if !ok || r.Sign() <= 0 {
		return nil, errors.New("bad rate")
	}
	if minor < 0 {
		return nil, errors.New("negative amount")
	}
	v := new(big.Rat).SetInt64(minor)
	v.Mul(v, r)
	v.Mul(v, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(decimals)), nil)))
	v.Quo(v, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exponent)), nil)))
	q, m := new(big.Int).QuoRem(v.Num(), v.Denom(), new(big.Int))
	if m.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	return q, nil
}

func FormatUnits(units *big.Int, decimals int) string {
	s := units.String()
	for len(s) <= decimals {
		s = "0" + s
	}
	if decimals == 0 {
		return s
	}
	return s[:len(s)-decimals] + "." + s[len(s)-decimals:]
}

func PaymentURI(token Address, chainID int64, to Address, amount *big.Int) string {
	return fmt.Sprintf("ethereum:%s@%d/transfer?address=%s&uint256=%s", token, chainID, to, amount)
}
