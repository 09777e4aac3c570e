package service

import (
	"cmp"
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// The reconciler: gateways' notifications get lost, so a payment left
// undecided is asked about (checkout.Poller) at Payment.CheckAt, and an
// unpaid voucher is failed at its deadline, once its provider has been asked
// whether it was paid at the last minute.
const (
	// DefaultReconcileAfter is how long a payment may stay undecided before
	// its provider is first asked about it (Config.ReconcileAfter).
	DefaultReconcileAfter = 10 * time.Minute
	// maxReconcileWait bounds the wait between two checks of a payment the
	// provider keeps undecided (a voucher payable for days).
	maxReconcileWait = 6 * time.Hour
	// maxReconcileAge is when the reconciler gives up on a payment still
	// undecided: past the longest a session lives (checkout.MaxSessionTTL)
	// no customer can come back to finish a step, and what a gateway takes
	// longest to decide (a bank debit) is decided in days, so a 3-D Secure
	// challenge abandoned at the gateway is not asked about every six hours
	// for ever. A voucher's deadline still fails it.
	maxReconcileAge = checkout.MaxSessionTTL + 24*time.Hour
	// reconcileLease is how long a replica holds a payment it asks about:
	// no other replica asks meanwhile. It outlasts pollTimeout, so the
	// lease never ends while its holder still waits for the answer, and a
	// holder that dies frees the payment when it ends.
	reconcileLease = 2 * time.Minute
	// lapseGrace is how long past its deadline a payment whose provider
	// cannot be asked waits before it is failed unasked.
	lapseGrace = 24 * time.Hour
	// pollTimeout bounds one question to a provider.
	pollTimeout = 30 * time.Second
	// sweepPayments and sweepBudget bound one sweep: it takes at most this
	// many due payments, the earliest, and claims no more once it has run
	// this long (real time: a gateway that hangs until every poll times out
	// must not hold up Run's other work for an hour); the rest wait for the
	// next run.
	sweepPayments = 100
	sweepBudget   = 30 * time.Second
)

// nextCheck is when the reconciler next asks about p, left undecided at
// now: after as long as p has existed, so the waits double from one check
// to the next (at least ReconcileAfter: a new payment waits exactly that;
// at most maxReconcileWait), and never after its action's deadline, when
// the sweeper takes it anyway (see Payment.Due). Zero once p is final or
// older than maxReconcileAge.
func (s *Service) nextCheck(p *checkout.Payment, now time.Time) time.Time {
	if p.Status.Final() || now.Sub(p.Created) >= maxReconcileAge {
		return time.Time{}
	}
	at := now.Add(s.backoff(now.Sub(p.Created)))
	if d := deadline(p); !d.IsZero() && d.Before(at) {
		at = d
	}
	return at
}

// backoff is how long to wait before asking again about something
// undecided for age: as long as it has been undecided, so the waits double
// from one question to the next, at least ReconcileAfter and at most
// maxReconcileWait.
func (s *Service) backoff(age time.Duration) time.Duration {
	return min(max(age, s.reconcileAfter), max(maxReconcileWait, s.reconcileAfter))
}

// deadline is when p's action lapses while p awaits it; zero if never.
func deadline(p *checkout.Payment) time.Time {
	if p.Status != checkout.PaymentRequiresAction || p.Action == nil {
		return time.Time{}
	}
	return p.Action.ExpiresAt
}

// SweepDuePayments handles the earliest due payments (Store.DuePayments),
// at most sweepPayments of them (see sweepBudget), and returns how many it
// settled:
//
//   - past its action's deadline (an unpaid voucher): its provider, if a
//     Poller, is asked first, since a voucher paid at the last minute whose
//     callback was lost must not be failed; unpaid, it fails as lapsed (its
//     session gets checkout.session.async_payment_failed);
//   - else its check is due: a Poller is asked and its answer recorded
//     through ApplyProviderResult (an undecided answer schedules the next
//     check, further off: see nextCheck); a provider that cannot be asked
//     has the check cleared, so the payment is not picked again;
//   - final, it has a refund left pending that its provider could not be
//     asked about (see sweepRefunds): the refund is asked for again, and the
//     payment itself is never asked about.
//
// Several replicas may sweep one store at once. Each payment is claimed
// before its provider is asked, by a compare-and-set of CheckAt on its
// version: of two replicas, the one that loses skips it, so a payment is
// never asked about by two at once, and the claim's lease keeps it out of
// the queue while it is asked. A provider that fails to answer keeps the
// lease: the payment is asked again when it ends.
func (s *Service) SweepDuePayments(ctx context.Context) (int, error) {
	due, err := s.store.DuePayments(ctx, s.now(), sweepPayments)
	if err != nil {
		return 0, err
	}
	n := 0
	var first error
	stop := time.Now().Add(sweepBudget)
	for _, p := range due {
		if time.Now().After(stop) {
			break
		}
		settled, err := s.sweepPayment(ctx, p)
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		if err != nil {
			// One payment that cannot be handled (its session gone) must
			// not hold up the others behind it in the queue.
			s.log.Error("due payment sweep: a payment could not be handled", "payment", p.ID, "err", err)
			first = cmp.Or(first, err)
			continue
		}
		if settled {
			n++
		}
	}
	return n, first
}

// sweepPayment handles one due payment p, as read from the queue; it
// reports whether p ended final by its hand.
func (s *Service) sweepPayment(ctx context.Context, p *checkout.Payment) (bool, error) {
	if p.Status.Final() {
		return false, s.sweepRefunds(ctx, p)
	}
	now := s.now()
	d := deadline(p)
	lapsedNow := !d.IsZero() && !d.After(now)
	poller, err := s.poller(ctx, p)
	if err != nil {
		// Whether it can be asked is unknown (the store, the credentials):
		// held for a lease, then tried again, rather than failed unasked.
		s.log.Warn("reconciler: the payment's provider could not be built", "payment", p.ID, "provider", p.Provider,
			"err", s.redact(ctx, p, err))
		_, err := s.claimCheck(ctx, p, now.Add(reconcileLease))
		return false, err
	}
	if poller == nil {
		if lapsedNow {
			return s.settleSwept(ctx, p, lapsed(p))
		}
		// Nobody to ask: the check is dropped, the deadline (if any) stays.
		_, err := s.claimCheck(ctx, p, time.Time{})
		return false, err
	}
	won, err := s.claimCheck(ctx, p, now.Add(reconcileLease))
	if err != nil || !won {
		return false, err
	}
	pctx, cancel := context.WithTimeout(ctx, pollTimeout)
	res, err := poller.Poll(pctx, p)
	cancel()
	if err == nil && !knownState(res.Status) {
		err = errors.New("the provider answered no payment status")
	}
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		// Asked again later, with the same backoff as an undecided answer
		// (not at every lease's end: a gateway down for a day, or an
		// attempt it never heard of, must not be asked every two minutes).
		next := s.nextCheck(p, now)
		if lapsedNow {
			if now.Sub(d) >= lapseGrace && !callOffFirst(poller, p) {
				// Past its deadline for a day and the provider still cannot
				// say: failed as unpaid. A payment made meanwhile is
				// reported by its gateway and recorded for a person.
				return s.settleSwept(ctx, p, lapsed(p))
			}
			next = now.Add(s.backoff(now.Sub(d)))
		}
		log := s.log.Warn
		if lapsedNow && now.Sub(d) >= lapseGrace {
			log = s.log.Error // a push past its deadline for a day that keeps the session waiting
		}
		log("reconciler: asking the provider failed; asking again later", "payment", p.ID,
			"provider", p.Provider, "next", next, "err", s.redact(ctx, p, err))
		_, err := s.claimCheck(ctx, p, next)
		return false, err
	}
	switch {
	case res.Status.Final():
	case lapsedNow:
		// Still unpaid at the provider past its deadline.
		res = lapsed(p)
		if callOffFirst(poller, p) {
			// A push that timed out is called off at the provider (a
			// reader's intent) before it is failed, so that a card
			// presented afterwards cannot pay it; one that cannot be
			// called off now is asked about again later, however long
			// that takes: failed while its intent could still take a
			// card, its success would be money nobody asked for.
			cctx, cancel := context.WithTimeout(ctx, pollTimeout)
			got, err := poller.(checkout.Canceler).Cancel(cctx, p)
			cancel()
			switch {
			case err != nil || !got.Status.Final():
				next := now.Add(s.backoff(now.Sub(d)))
				why := "the provider still processes it"
				if err != nil {
					why = s.redact(ctx, p, err)
				}
				log := s.log.Warn
				if now.Sub(d) >= lapseGrace {
					log = s.log.Error // a person should look at it
				}
				log("reconciler: a timed-out in-store payment could not be called off; trying again later", "payment", p.ID,
					"provider", p.Provider, "next", next, "err", why)
				_, err := s.claimCheck(ctx, p, next)
				return false, err
			case err == nil && got.Status == checkout.PaymentSucceeded:
				res = got
			}
		}
	default:
		// Undecided: the payment is as it was, unless the answer says more.
		// An answer without an action keeps the one the customer has (the
		// voucher), and the poll never starts the session's asynchronous
		// wait, which its start decided.
		if res.Status == checkout.PaymentRequiresAction && res.Action == nil {
			res.Action = p.Action.Clone()
		}
		res.Async = false
	}
	return s.settleSwept(ctx, p, res)
}

// callOffFirst reports whether push p, past its deadline, must be called
// off at its provider before it is failed: the provider can (a Canceler,
// whose intent could otherwise still take a card).
func callOffFirst(poller checkout.Poller, p *checkout.Payment) bool {
	_, ok := poller.(checkout.Canceler)
	return ok && p.Action.DeviceID() != ""
}

// knownState reports whether st is a payment status (a provider's answer
// without one must not be recorded).
func knownState(st checkout.PaymentState) bool {
	switch st {
	case checkout.PaymentRequiresAction, checkout.PaymentProcessing, checkout.PaymentSucceeded,
		checkout.PaymentFailed, checkout.PaymentCanceled:
		return true
	}
	return false
}

// settleSwept records res for swept payment p, as a provider's pushed result,
// and reports whether p ended final by it. A payment decided meanwhile (a
// notification won the race) is left as it is.
func (s *Service) settleSwept(ctx context.Context, p *checkout.Payment, res checkout.ProviderResult) (bool, error) {
	got, err := s.ApplyProviderResult(ctx, p.Scope(), p.Provider, checkout.Notification{PaymentID: p.ID, Result: res})
	switch {
	case err == nil:
		return got.Status.Final(), nil
	case checkout.IsKind(err, checkout.KindState):
		return false, nil
	}
	return false, err
}

// poller returns p's provider if it can be asked about p; nil, nil when it
// cannot: not a Poller, or no longer available to p's account (its
// credentials removed), so there is nobody to ask. Other errors (the store)
// say nothing about the provider.
func (s *Service) poller(ctx context.Context, p *checkout.Payment) (checkout.Poller, error) {
	prov, err := s.providerOf(ctx, p)
	if checkout.IsKind(err, checkout.KindState) || checkout.IsKind(err, checkout.KindNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	poller, _ := prov.(checkout.Poller)
	return poller, nil
}

// claimCheck writes CheckAt = at over p as read, under a compare-and-set
// on its version, and reports whether it won: false when another replica
// or a result changed p first (it is theirs, or decided). Updated is left
// as it is: a claim is the reconciler's bookkeeping, not a change of the
// payment.
func (s *Service) claimCheck(ctx context.Context, p *checkout.Payment, at time.Time) (bool, error) {
	c := p.Clone()
	c.CheckAt = at
	c.Version++
	err := s.store.Commit(ctx, checkout.Change{Payment: c})
	if checkout.IsKind(err, checkout.KindConflict) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	*p = *c
	return true, nil
}

// redact returns err's text for a log line without p's provider
// credentials: a gateway's error may carry the URL it called (some take
// their key in the URL), or echo what it was sent. A URL error is shown
// without its URL, and every credential value of the provider for p's
// account is cut from what is left.
func (s *Service) redact(ctx context.Context, p *checkout.Payment, err error) string {
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		msg = ue.Op + " (address withheld): " + ue.Err.Error()
	}
	ps, perr := s.providerSettings(ctx, p.Scope())
	if perr != nil {
		return "(withheld: the provider's credentials could not be read to redact it)"
	}
	if open := s.credentials(ps, p.Provider).Open; open != nil {
		creds, cerr := open()
		if cerr != nil {
			return "(withheld: the provider's credentials could not be read to redact it)"
		}
		for _, v := range creds {
			if len(v) >= 4 {
				msg = strings.ReplaceAll(msg, v, "[redacted]")
			}
		}
	}
	return msg
}
