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
// the one that completed it, else its newest selection still waiting for
// its transfer (a failed newer one does not hide it), else its newest
// attempt (a voucher, a failed selection); nil when it has none.
func (s *Service) LatestPayment(ctx context.Context, sess *checkout.Session) (*checkout.Payment, error) {
	if sess.Payment != "" {
		return s.GetPayment(ctx, sess.Scope(), sess.Payment)
	}
	page, err := s.ListPayments(ctx, sess.Scope(), checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 1}, SessionID: sess.ID})
	if err != nil || len(page.Items) == 0 {
		return nil, err
	}
	if w, err := s.waitingDeposit(ctx, sess, ""); err != nil || w != nil {
		return w, err
	}
	return page.Items[0], nil
}

// waitingDeposit is the newest payment of sess other than except that is
// a stablecoin deposit not final yet; nil when there is none.
func (s *Service) waitingDeposit(ctx context.Context, sess *checkout.Session, except string) (*checkout.Payment, error) {
	f := checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 100}, SessionID: sess.ID}
	for {
		page, err := s.store.ListPayments(ctx, sess.Scope(), f)
		if err != nil {
			return nil, err
		}
		for _, p := range page.Items {
			if p.ID != except && p.Deposit != nil && !p.Status.Final() {
				return p, nil
			}
		}
		if !page.HasMore || len(page.Items) == 0 {
			return nil, nil
		}
		f.StartingAfter = page.Items[len(page.Items)-1].ID
	}
}

// restoreSelection sets the selection sess shows (chain, token, rate) to
// its newest deposit still waiting, or none, once deposit p has ended
// without paying it: the selection p had set must not stay shown.
func (s *Service) restoreSelection(ctx context.Context, sess *checkout.Session, p *checkout.Payment) error {
	if p.Deposit == nil || !p.Status.Final() || sess.Payment != "" {
		return nil
	}
	w, err := s.waitingDeposit(ctx, sess, p.ID)
	if err != nil {
		return err
	}
	sess.Chain, sess.SelectedToken, sess.ExchangeRate = "", "", ""
	if w != nil {
		sess.Chain, sess.SelectedToken, sess.ExchangeRate = w.Deposit.Chain, w.Deposit.Token, w.Deposit.ExchangeRate
	}
	return nil
}
