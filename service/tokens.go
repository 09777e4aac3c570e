package service

import "github.com/checkoutd/checkoutd/checkout"

// TokenInfo describes token/chain pair tc as the operator configured it
// for the mode; ok is false when it is not configured.
func (s *Service) TokenInfo(livemode bool, tc checkout.TokenChain) (info checkout.TokenInfo, ok bool) {
	if s.tokens == nil {
		return info, false
	}
	for _, t := range s.tokens.Tokens(livemode) {
		if t.Chain == tc.Chain && t.Token == tc.Token {
			return t, true
		}
	}
	return info, false
}
