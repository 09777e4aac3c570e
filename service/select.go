package service

import (
	"context"
	"slices"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
)

// SelectToken is a customer's (or a merchant's custom integration's)
// choice of token and chain for session id of scope: a stablecoin payment
// attempt (Pay with checkout.MethodStablecoin), whose Deposit says where to
// send what. The pair must be one of the session's supported tokens; a
// session open for another method, or no longer open, is refused as Pay
// refuses it. Selecting again while open makes a new payment with its own
// address.
func (s *Service) SelectToken(ctx context.Context, scope checkout.Scope, id string, tc checkout.TokenChain) (*checkout.Session, *checkout.Payment, error) {
	if tc.Token == "" {
		return nil, nil, checkout.Invalid("selected_token", "parameter_missing", "selected_token is required (USDC or USDT)")
	}
	if tc.Chain == "" {
		return nil, nil, checkout.Invalid("chain", "parameter_missing", "chain is required (ethereum, polygon, base, …)")
	}
	sess, err := s.GetSession(ctx, scope, id)
	if err != nil {
		return nil, nil, err
	}
	if !slices.Contains(sess.PaymentMethodTypes, string(checkout.MethodStablecoin)) {
		return nil, nil, checkout.Invalid("selected_token", "payment_method_unavailable", "this checkout session does not take stablecoins (its payment_method_types are %s)", strings.Join(sess.PaymentMethodTypes, ", "))
	}
	if len(sess.SupportedTokens) > 0 && !slices.Contains(sess.SupportedTokens, tc) {
		return nil, nil, checkout.Invalid("selected_token", "token_unsupported", "%s on %s is not one of this checkout session's supported_tokens (%s)", tc.Token, tc.Chain, tokenList(sess.SupportedTokens))
	}
	return s.Pay(ctx, sess.ID, PayParams{Method: checkout.MethodStablecoin, Stablecoin: tc})
}

func tokenList(ts []checkout.TokenChain) string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Token + " on " + t.Chain
	}
	return strings.Join(out, ", ")
}

// LatestPayment is session sess's payment that a reader of its state wants:
// the one that completed it, else its newest attempt (a selection waiting
// for its transfer, a voucher); nil when it has none.
func (s *Service) LatestPayment(ctx context.Context, sess *checkout.Session) (*checkout.Payment, error) {
	if sess.Payment != "" {
		return s.GetPayment(ctx, sess.Scope(), sess.Payment)
	}
	page, err := s.ListPayments(ctx, sess.Scope(), checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 1}, SessionID: sess.ID})
	if err != nil || len(page.Items) == 0 {
		return nil, err
	}
	return page.Items[0], nil
}
