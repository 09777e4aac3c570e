package service

import (
	"context"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// A refund's provider may not answer (a timeout, a gateway down, the
// answer not written): the refund stays pending with its amount reserved,
// since the money may have moved. The write that reserves a refund's amount
// also sets the payment's CheckAt (scheduleRefundCheck), so the reconciler
// comes back to a final payment (Payment.Due) and asks again with the same
// idempotency key until the provider answers: succeeded, failed, or pending
// with its reference, which the gateway's report then settles. Scheduling
// in that write, rather than after a failed ask, also covers a process that
// stops between the write and the ask; a refund answered at once costs one
// look at its payment later, which finds nothing to ask.

// scheduleRefundCheck sets p's CheckAt for a refund of p just reserved at
// now. Always reset, never kept: a reconciler holding p's claim compares
// CheckAt with its lease before clearing it (sweepRefunds), so a refund
// made during its sweep is never left unasked.
func (s *Service) scheduleRefundCheck(p *checkout.Payment, now time.Time) {
	p.CheckAt = now.Add(s.reconcileAfter)
}

// sweepRefunds handles p, a final payment whose CheckAt has come: a refund
// of it may be pending without the provider's answer. p is claimed first
// (as sweepPayment claims), so of several replicas one asks at a time; each
// refund pending without a provider's reference is asked for again
// (RetryRefund's way, same key). If one is still unanswered, p's check is
// put off by the reconciler's backoff from the oldest of them; else it is
// cleared. p's provider is never asked about p itself: it is final.
func (s *Service) sweepRefunds(ctx context.Context, p *checkout.Payment) error {
	now := s.now()
	// Compared with what the store gives back below: every store keeps at
	// least microseconds.
	lease := now.Add(reconcileLease).Truncate(time.Microsecond)
	won, err := s.claimCheck(ctx, p, lease)
	if err != nil || !won {
		return err
	}
	refunds, err := s.refundsOf(ctx, p.ID)
	if err != nil {
		return err
	}
	var unanswered time.Time // Created of the oldest refund left unanswered
	start := time.Now()
	for _, r := range refunds {
		if r.Status != checkout.RefundPending || r.ProviderRef != "" {
			continue
		}
		if !s.retrySwept(ctx, p, r, start) && (unanswered.IsZero() || r.Created.Before(unanswered)) {
			unanswered = r.Created
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	var next time.Time
	if !unanswered.IsZero() {
		next = s.now().Add(s.backoff(s.now().Sub(unanswered)))
	}
	return retryCAS(func() error {
		cur, err := s.store.GetPayment(ctx, p.Scope(), p.ID)
		if err != nil {
			return err
		}
		if !cur.CheckAt.Equal(lease) {
			// A refund reserved meanwhile scheduled its own check.
			return nil
		}
		// Over the payment as it is now: a refund settled above may have
		// written it (a failure releases its reservation).
		cur.CheckAt = next
		cur.Version++
		return s.store.Commit(ctx, checkout.Change{Payment: cur})
	})
}

// retrySwept asks the provider again for pending refund r of p, for the
// sweep started at start, and reports whether the provider answered
// (anything but pending without a reference). It gives up on a refund it
// would ask too late for its answer to come before the claim's lease ends.
func (s *Service) retrySwept(ctx context.Context, p *checkout.Payment, r *checkout.Refund, start time.Time) bool {
	if time.Since(start) > reconcileLease-pollTimeout {
		return false
	}
	prov, err := s.providerOf(ctx, p)
	if err != nil {
		s.log.Warn("reconciler: a pending refund's provider could not be built; asking again later", "refund", r.ID,
			"payment", p.ID, "provider", p.Provider, "err", s.redact(ctx, p, err))
		return false
	}
	rctx, cancel := context.WithTimeout(ctx, pollTimeout)
	defer cancel()
	got := s.askRefund(rctx, prov, p, r)
	return got.Status != checkout.RefundPending || got.ProviderRef != ""
}
