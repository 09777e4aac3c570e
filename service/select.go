package service

import (
	"context"

	"github.com/checkoutd/checkoutd/checkout"
)

// SelectToken is a customer's (or a merchant's custom integration's)
// choice of token and chain for session id of scope: a stablecoin payment
// attempt (Pay with checkout.MethodStablecoin), whose Deposit says where to
// send what. Pay and the stablecoin provider check the choice (one of the
// session's supported tokens, configured, with a rate) before anything is
// written; SelectToken only confines the call to the caller's scope.
// Selecting again while open makes a new payment with its own address.
func (s *Service) SelectToken(ctx context.Context, scope checkout.Scope, id string, tc checkout.TokenChain) (*checkout.Session, *checkout.Payment, error) {
	sess, err := s.GetSession(ctx, scope, id)
	if err != nil {
		return nil, nil, err
	}
	return s.Pay(ctx, sess.ID, PayParams{Method: checkout.MethodStablecoin, Stablecoin: tc})
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
