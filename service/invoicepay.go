package service

import (
	"context"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// How a checkout session pays an invoice: it is made from the invoice
// (invoiceSession), its payment holds the invoice from the claim Commit
// on (claimInvoice), and the outcome settles it in the Commit that records
// it (settleInvoice).

// invoiceSession returns p made into the request of a session for the
// invoice it names: the invoice's lines (at the prices they were added
// at), currency, customer email and description. The invoice must be open;
// a request that also gives an amount, line items, another currency or a
// discount is refused naming that parameter (the session charges exactly
// the amount due).
func (s *Service) invoiceSession(ctx context.Context, scope checkout.Scope, p *SessionParams) (*SessionParams, error) {
	switch {
	case p.Amount != nil:
		return nil, checkout.Invalid("amount", "parameter_unexpected", "a checkout session for an invoice charges its amount due; give invoice or amount, not both")
	case p.LineItems != nil:
		return nil, checkout.Invalid("line_items", "parameter_unexpected", "a checkout session for an invoice takes its line items; give invoice or line_items, not both")
	case len(p.Discounts) > 0:
		return nil, checkout.Invalid("discounts", "parameter_unexpected", "a checkout session for an invoice charges its amount due; it takes no discount")
	case p.AllowPromotionCodes:
		return nil, checkout.Invalid("allow_promotion_codes", "parameter_unexpected", "a checkout session for an invoice charges its amount due; it takes no promotion code")
	case len(p.Invoice) > 255:
		return nil, checkout.Invalid("invoice", "parameter_invalid", "invoice is longer than 255 characters")
	}
	in, err := s.GetInvoice(ctx, scope, p.Invoice)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return nil, checkout.Invalid("invoice", "resource_missing", "no such invoice: '%s'", p.Invoice)
	}
	if err != nil {
		return nil, err
	}
	if in.Status != checkout.InvoiceOpen {
		why := "finalize it first"
		if in.Status != checkout.InvoiceDraft {
			why = "it can no longer be paid"
		}
		return nil, checkout.Invalid("invoice", "invoice_not_open", "invoice %s is %s, not open: %s", in.ID, in.Status, why)
	}
	if p.Currency != "" {
		c, ok := checkout.ParseCurrency(p.Currency)
		if !ok {
			return nil, checkout.Invalid("currency", "currency_invalid", "'%s' is not a supported ISO 4217 currency code", p.Currency)
		}
		if c != in.Currency {
			return nil, checkout.Invalid("currency", "currency_mismatch", "invoice %s is in %s, not %s", in.ID, in.Currency, c)
		}
	}
	q := *p
	q.Currency = string(in.Currency)
	q.LineItems = make([]LineItemParams, len(in.Lines))
	for i, l := range in.Lines {
		q.LineItems[i] = LineItemParams{Quantity: &l.Quantity, Currency: string(in.Currency), UnitAmount: &l.UnitAmount,
			Name: l.Name, Description: l.Description, Product: l.Product, fromProduct: true}
	}
	if q.CustomerEmail == "" {
		q.CustomerEmail = in.CustomerEmail
	}
	if q.Description == "" {
		q.Description = in.Description
	}
	return &q, nil
}

// sessionInvoice reads sess's invoice; nil if it has none.
func (s *Service) sessionInvoice(ctx context.Context, sess *checkout.Session) (*checkout.Invoice, error) {
	if sess.Invoice == "" {
		return nil, nil
	}
	o, err := s.store.GetObject(ctx, sess.Scope(), checkout.InvoiceKind, sess.Invoice)
	if checkout.IsKind(err, checkout.KindNotFound) {
		// Invoices are never deleted; one missing (a store restored
		// without it) must not stop a payment's outcome being recorded.
		s.log.Error("a checkout session's invoice is missing", "session", sess.ID, "invoice", sess.Invoice)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	in, ok := o.(*checkout.Invoice)
	if !ok {
		return nil, nil
	}
	return in, nil
}

// claimInvoice takes the hold of sess's invoice for a payment about to be
// charged, and returns the invoice to write with the claim (nil when the
// session pays no invoice). An invoice that is not open (voided, or paid
// through another session) or that another session's payment holds is
// refused (KindState): no provider is asked.
func (s *Service) claimInvoice(ctx context.Context, sess *checkout.Session, now time.Time) (*checkout.Invoice, error) {
	in, err := s.sessionInvoice(ctx, sess)
	if err != nil || in == nil {
		return nil, err
	}
	if err := in.Claim(sess.ID, now); err != nil {
		return nil, err
	}
	return in, nil
}

// holdsInvoice reports whether a payment waiting on action kind k waits
// on its own past ClaimTTL, so its invoice must be held to its deadline.
func holdsInvoice(k checkout.NextActionKind) bool {
	return awaitsLater(k) || k == checkout.NextActionDevice
}

// settleInvoice is what the outcome of payment p does to sess's invoice
// inv (read before apply): paid when the session completed paid by p,
// held on while p's outcome comes later, freed once p ended otherwise. It
// returns the invoice to write with the outcome and its invoice.paid
// event, or nil when nothing changes.
func (s *Service) settleInvoice(ctx context.Context, inv *checkout.Invoice, sess *checkout.Session, p *checkout.Payment, wasPaid, completed bool, now time.Time) (*checkout.Invoice, *checkout.Event, error) {
	if inv == nil {
		return nil, nil, nil
	}
	outcome := ""
	switch {
	case !wasPaid && sess.PaymentStatus == checkout.PaymentPaid && sess.Payment == p.ID:
		outcome = checkout.InvoiceSettlePaid
	case completed && sess.PaymentStatus == checkout.PaymentUnpaid && sess.Payment == p.ID:
		outcome = checkout.InvoiceSettleAwaiting
	case p.Status.Final():
		outcome = checkout.InvoiceSettleEnded
	case p.Status == checkout.PaymentRequiresAction && p.Action != nil && holdsInvoice(p.Action.Kind) && !p.Action.ExpiresAt.IsZero():
		// Waiting on its own (a deposit address, a voucher, a device) to
		// its deadline, which ClaimTTL does not cover: held until then and
		// a margin, renewed by each deposit result past the deadline
		// while confirming, as holdDiscount does.
		deadline := p.Action.ExpiresAt
		if deadline.Before(now) {
			deadline = now
		}
		if !inv.Hold(sess.ID, deadline.Add(redemptionMargin), now) {
			return nil, nil, nil
		}
		return inv, nil, nil
	default:
		return nil, nil, nil // waiting on the customer (3-D Secure): still held
	}
	if outcome == checkout.InvoiceSettleEnded && inv.Holder.SessionID == sess.ID && now.Before(inv.Holder.Until) {
		// Another payment of the session (a first deposit address, when
		// the customer chose another token) may still be paid: the
		// invoice stays held to its deadline, not freed with this one.
		until, err := s.otherWaitHold(ctx, sess, p.ID, now)
		if err != nil {
			return nil, nil, err
		}
		if !until.IsZero() {
			if !inv.Keep(sess.ID, until, now) {
				return nil, nil, nil
			}
			return inv, nil, nil
		}
	}
	if !inv.Settle(sess.ID, outcome, now) {
		return nil, nil, nil
	}
	if outcome != checkout.InvoiceSettlePaid {
		return inv, nil, nil
	}
	return inv, s.objectEvent(inv.Clone(), inv.AccountID, inv.Livemode, inv.ID, inv.Version, checkout.EventInvoicePaid, now), nil
}

// otherWaitHold is how long the payments of sess other than ended, still
// waiting on their own (a deposit, a voucher, a device), hold its invoice:
// the latest deadline among them and a margin; zero when none waits.
func (s *Service) otherWaitHold(ctx context.Context, sess *checkout.Session, ended string, now time.Time) (time.Time, error) {
	var until time.Time
	f := checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 100}, SessionID: sess.ID}
	for {
		page, err := s.store.ListPayments(ctx, sess.Scope(), f)
		if err != nil {
			return time.Time{}, err
		}
		for _, q := range page.Items {
			if q.ID == ended || q.Status != checkout.PaymentRequiresAction || q.Action == nil ||
				!holdsInvoice(q.Action.Kind) || q.Action.ExpiresAt.IsZero() {
				continue
			}
			deadline := q.Action.ExpiresAt
			if deadline.Before(now) {
				deadline = now
			}
			if u := deadline.Add(redemptionMargin); u.After(until) {
				until = u
			}
		}
		if !page.HasMore || len(page.Items) == 0 {
			return until, nil
		}
		f.StartingAfter = page.Items[len(page.Items)-1].ID
	}
}
