package service

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// Refunds give back money of a succeeded payment through the provider that
// took it. A refund is a generic object (checkout.Refund). Its amount is
// reserved on the payment (Payment.AmountRefunded) in the same write that
// creates it, under the payment's compare-and-set, so refunds made at once
// can never give back more than was taken; only then is the provider asked,
// with the idempotency key "checkoutd_" + the refund's id. A reservation is
// released only when the provider says the refund failed: a provider that
// could not be asked (a timeout) may have moved the money, so the refund
// stays pending, reserved, until the provider's report, RetryRefund or the
// reconciler's retry (refundretry.go) settles it.

// RefundParams is a refund the API asks for.
type RefundParams struct {
	Payment string
	// Amount in minor units; nil refunds what is left of the payment.
	Amount   *int64
	Reason   string
	Metadata map[string]string
}

// RefundFilter narrows ListRefunds.
type RefundFilter struct {
	checkout.ListParams
	Payment string
}

// refundKey is the idempotency key of refund id at its provider.
func refundKey(id string) string { return "checkoutd_" + id }

// CreateRefund checks rp, reserves the amount on the payment with the
// pending refund and its refund.created event, and asks the payment's
// provider. It returns the refund as the provider left it: succeeded,
// failed (the reservation released), or pending (the provider decides
// later, or could not be asked). Bad input, a payment that is not
// succeeded or has nothing left, and a provider that cannot refund it
// write nothing.
func (s *Service) CreateRefund(ctx context.Context, scope checkout.Scope, rp *RefundParams) (*checkout.Refund, error) {
	if rp.Payment == "" {
		return nil, checkout.Invalid("payment", "parameter_missing", "payment is required")
	}
	if rp.Amount != nil && *rp.Amount < 1 {
		return nil, checkout.Invalid("amount", "parameter_invalid_integer", "amount must be at least 1; got %d", *rp.Amount)
	}
	switch checkout.RefundReason(rp.Reason) {
	case "", checkout.RefundDuplicate, checkout.RefundFraudulent, checkout.RefundRequestedByCustomer:
	default:
		return nil, checkout.Invalid("reason", "parameter_invalid", "reason must be duplicate, fraudulent or requested_by_customer; got '%s'", rp.Reason)
	}
	var md map[string]string
	if rp.Metadata != nil {
		var err error
		if md, err = checkMetadata(rp.Metadata); err != nil {
			return nil, err
		}
	}
	p, err := s.store.GetPayment(ctx, scope, rp.Payment)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return nil, checkout.NotFound("payment", "payment", rp.Payment)
	}
	if err != nil {
		return nil, err
	}
	if err := refundable(p); err != nil {
		return nil, err
	}
	prov, err := s.providerOf(ctx, p)
	if err != nil {
		return nil, err
	}
	if rc, ok := prov.(checkout.RefundChecker); ok {
		if err := rc.CanRefund(p); err != nil {
			return nil, err
		}
	}
	r := &checkout.Refund{ID: s.ids.New("re"), AccountID: scope.AccountID, Livemode: scope.Livemode, Payment: p.ID,
		Provider: p.Provider, Currency: p.Currency, Reason: checkout.RefundReason(rp.Reason), Status: checkout.RefundPending,
		Metadata: md, Source: checkout.RefundSourceAPI, Version: 1}
	err = retryCAS(func() error {
		var err error
		if p, err = s.store.GetPayment(ctx, scope, rp.Payment); err != nil {
			return err
		}
		// Decided again on the copy the compare-and-set writes over: a
		// refund reserved since the first read counts.
		if err := refundable(p); err != nil {
			return err
		}
		left := p.Amount - p.AmountRefunded
		r.Amount = left
		if rp.Amount != nil {
			if *rp.Amount > left {
				return checkout.Invalid("amount", "amount_too_large", "amount %d is more than what is left to refund of the payment, %d", *rp.Amount, left)
			}
			r.Amount = *rp.Amount
		}
		now := s.now()
		r.Created, r.Updated = now, now
		if r.PaymentSeq, err = s.nextRefundSeq(ctx, p.ID); err != nil {
			return err
		}
		p.AmountRefunded += r.Amount
		s.scheduleRefundCheck(p, now) // in case the provider cannot be asked (refundretry.go)
		p.Version++
		p.Updated = now
		return s.store.Commit(ctx, checkout.Change{Payment: p, Objects: []checkout.Object{r},
			Events: []*checkout.Event{s.refundEvent(r, checkout.EventRefundCreated, now)}})
	})
	if err != nil {
		return nil, err
	}
	s.wakeDeliveries()
	return s.askRefund(ctx, prov, p, r), nil
}

// refundable refuses a payment that has nothing to refund.
func refundable(p *checkout.Payment) error {
	if p.Status != checkout.PaymentSucceeded {
		return &checkout.Error{Kind: checkout.KindState, Code: "payment_not_succeeded", Message: "only a succeeded payment can be refunded; this one is " + string(p.Status)}
	}
	if p.AmountRefunded >= p.Amount {
		return &checkout.Error{Kind: checkout.KindState, Code: "charge_already_refunded", Message: "this payment has already been refunded in full"}
	}
	return nil
}

// nextRefundSeq is the number the next refund of payment takes: one more
// than its last. Two refunds that read the same number cannot both be
// written (the lookup key, and the payment's compare-and-set).
func (s *Service) nextRefundSeq(ctx context.Context, payment string) (int64, error) {
	for n := int64(1); ; n++ {
		_, err := s.store.FindObject(ctx, checkout.RefundKind, checkout.RefundPaymentKey(payment, n))
		if checkout.IsKind(err, checkout.KindNotFound) {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// refundEvent is an event of refund r: refund.created is its first,
// refund.succeeded or refund.failed its second and last (a refund changes
// once, from pending, or is recorded final), so the sequence follows.
func (s *Service) refundEvent(r *checkout.Refund, typ string, now time.Time) *checkout.Event {
	seq := int64(2)
	if typ == checkout.EventRefundCreated {
		seq = 1
	}
	return &checkout.Event{ID: s.ids.New("evt"), AccountID: r.AccountID, Livemode: r.Livemode, Type: typ,
		Created: now, Sequence: seq, ObjectID: r.ID, Object: r.Clone()}
}

// askRefund asks prov to make pending refund r of payment p and records
// the answer. A provider that cannot be asked leaves r pending and its
// amount reserved: the money may have moved, and the same key makes a later
// ask (RetryRefund) or the provider's report the same refund.
func (s *Service) askRefund(ctx context.Context, prov checkout.Provider, p *checkout.Payment, r *checkout.Refund) *checkout.Refund {
	res, err := prov.Refund(ctx, p, r.Amount, refundKey(r.ID))
	var refused *checkout.Error
	if errors.As(err, &refused) && (refused.Kind == checkout.KindState || refused.Kind == checkout.KindInvalid) {
		// Refused before anything was sent (see checkout.Provider): no
		// money moved, so the refund fails and its reservation goes.
		res, err = checkout.RefundResult{Status: checkout.RefundFailed, FailureCode: refused.Code, FailureMessage: refused.Message}, nil
	}
	if err != nil {
		s.log.Error("refund provider failed; the refund stays pending, to be asked again", "provider", prov.Name(), "refund", r.ID, "payment", p.ID,
			"err", s.redact(ctx, p, err))
		return r
	}
	settled, _, err := s.settleRefund(ctx, r.Scope(), r.ID, res)
	if err != nil {
		// The provider's answer could not be written: its report, or
		// RetryRefund with the same key, settles the refund later.
		s.log.Error("recording a refund's outcome failed", "refund", r.ID, "err", err)
		return r
	}
	return settled
}

// RetryRefund asks the provider again about pending refund id of scope,
// with the same idempotency key, so it is the same refund at the provider:
// for a refund whose provider could not be asked. A final refund is
// returned as it is.
func (s *Service) RetryRefund(ctx context.Context, scope checkout.Scope, id string) (*checkout.Refund, error) {
	r, err := s.GetRefund(ctx, scope, id)
	if err != nil || r.Status != checkout.RefundPending {
		return r, err
	}
	p, err := s.store.GetPayment(ctx, scope, r.Payment)
	if err != nil {
		return nil, err
	}
	prov, err := s.providerOf(ctx, p)
	if err != nil {
		return nil, err
	}
	return s.askRefund(ctx, prov, p, r), nil
}

// settleRefund records res, the provider's answer or report about pending
// refund id: succeeded (refund.succeeded and payment.refunded), failed
// (refund.failed, and the reservation released) or still pending (its
// reference kept). A refund already final is left as it is. changed says
// whether anything was written.
func (s *Service) settleRefund(ctx context.Context, scope checkout.Scope, id string, res checkout.RefundResult) (r *checkout.Refund, changed bool, err error) {
	var events []*checkout.Event
	err = retryCAS(func() error {
		o, err := s.store.GetObject(ctx, scope, checkout.RefundKind, id)
		if err != nil {
			return err
		}
		r, changed, events = o.(*checkout.Refund), false, nil
		if r.Status != checkout.RefundPending {
			return nil
		}
		now := s.now()
		c := checkout.Change{Objects: []checkout.Object{r}}
		knewRef := r.ProviderRef != "" && r.ProviderRef == res.ProviderRef
		if res.ProviderRef != "" {
			r.ProviderRef = res.ProviderRef
		}
		r.Version++ // before the events, whose snapshots show the write
		r.Updated = now
		switch res.Status {
		case checkout.RefundSucceeded:
			r.Status = checkout.RefundSucceeded
			events = append(events, s.refundEvent(r, checkout.EventRefundSucceeded, now))
			if c, err = s.paymentRefunded(ctx, r, c, now); err != nil {
				return err
			}
		case checkout.RefundFailed:
			r.Status, r.FailureCode, r.FailureMessage = checkout.RefundFailed, res.FailureCode, res.FailureMessage
			events = append(events, s.refundEvent(r, checkout.EventRefundFailed, now))
			p, err := s.store.GetPayment(ctx, scope, r.Payment)
			if err != nil {
				return err
			}
			p.AmountRefunded -= r.Amount // what was reserved goes back
			p.Version++
			p.Updated = now
			c.Payment = p
		default: // still pending: only a reference to learn
			if res.ProviderRef == "" || knewRef {
				return nil
			}
		}
		c.Events = append(events, c.Events...)
		changed = true
		return s.store.Commit(ctx, c)
	})
	if err != nil {
		return nil, false, err
	}
	if changed && len(events) > 0 {
		s.wakeDeliveries()
	}
	return r, changed, nil
}

// paymentRefunded adds to c the payment.refunded event of refund r, which
// just succeeded: the payment's snapshot (data.object), numbered like the
// payment's other events by its session's EventSeq (so the session is
// written too), and the refund's, so the event says which refund it was.
func (s *Service) paymentRefunded(ctx context.Context, r *checkout.Refund, c checkout.Change, now time.Time) (checkout.Change, error) {
	p, err := s.store.GetPayment(ctx, r.Scope(), r.Payment)
	if err != nil {
		return c, err
	}
	if c.Payment != nil {
		p = c.Payment
	}
	sess, err := s.store.FindSession(ctx, p.SessionID)
	if err != nil {
		return c, err
	}
	sess.EventSeq++
	sess.Version++
	c.Session = sess
	c.Events = append(c.Events, &checkout.Event{ID: s.ids.New("evt"), AccountID: p.AccountID, Livemode: p.Livemode,
		Type: checkout.EventPaymentRefunded, Created: now, Sequence: sess.EventSeq, ObjectID: p.ID, Payment: p.Clone(), Object: r.Clone()})
	return c, nil
}

// applyRefunds records the refunds a gateway reports about payment p
// (Notification.Refunds) and returns how many changed something. A refund
// checkoutd knows (by the provider's reference, or by its own id when the
// gateway echoes it) is settled; one it does not know was made at the
// gateway (its dashboard) and is recorded as a refund of Source provider,
// its amount added to the payment's AmountRefunded. A report repeated, or
// of a refund already final, changes nothing.
func (s *Service) applyRefunds(ctx context.Context, p *checkout.Payment, results []checkout.RefundResult) (int, error) {
	changed := 0
	for _, res := range results {
		id, err := s.knownRefund(ctx, p, res)
		if checkout.IsKind(err, checkout.KindState) {
			// Another payment's refund: not this payment's to record.
			s.log.Warn("a provider reported another payment's refund", "payment", p.ID, "provider_ref", res.ProviderRef)
			continue
		}
		if err != nil {
			return changed, err
		}
		var ok bool
		if id != "" {
			_, ok, err = s.settleRefund(ctx, p.Scope(), id, res)
		} else {
			ok, err = s.recordReportedRefund(ctx, p, res)
		}
		if err != nil {
			return changed, err
		}
		if ok {
			changed++
		}
	}
	return changed, nil
}

// knownRefund is the id of payment p's refund that res reports, "" when
// checkoutd has none.
func (s *Service) knownRefund(ctx context.Context, p *checkout.Payment, res checkout.RefundResult) (string, error) {
	if res.ProviderRef != "" {
		o, err := s.store.FindObject(ctx, checkout.RefundKind, checkout.RefundRefKey(p.Provider, res.ProviderRef))
		switch {
		case err == nil && o.Scope() == p.Scope() && o.(*checkout.Refund).Payment == p.ID:
			return o.ObjectID(), nil
		case err == nil:
			// Another payment's refund by that reference: the report is
			// not about this one, and is not recorded twice.
			return "", checkout.Errorf(checkout.KindState, "refund_of_another_payment", "the provider's refund %s belongs to another payment", res.ProviderRef)
		case !checkout.IsKind(err, checkout.KindNotFound):
			return "", err
		}
	}
	if res.RefundID != "" {
		o, err := s.store.GetObject(ctx, p.Scope(), checkout.RefundKind, res.RefundID)
		if err == nil {
			r := o.(*checkout.Refund)
			if r.Payment == p.ID && (r.ProviderRef == "" || r.ProviderRef == res.ProviderRef) {
				return r.ID, nil
			}
		} else if !checkout.IsKind(err, checkout.KindNotFound) {
			return "", err
		}
	}
	// A gateway that echoes nothing may report checkoutd's own refund
	// before its answer to the refund call is written (the answer was
	// lost, or is a moment behind): a refund of checkoutd's still
	// pending without a reference, of the same amount, is taken to be it,
	// rather than counting the money twice. (Of two such refunds either
	// will do: they are alike, and the next report takes the other.)
	// Never for a failure: that would release a reservation on a guess.
	if res.Status == checkout.RefundFailed {
		return "", nil
	}
	all, err := s.refundsOf(ctx, p.ID)
	if err != nil {
		return "", err
	}
	for _, r := range all {
		if r.Status == checkout.RefundPending && r.ProviderRef == "" && r.Source == checkout.RefundSourceAPI && r.Amount == res.Amount {
			return r.ID, nil
		}
	}
	return "", nil
}

// recordReportedRefund records a refund of payment p that the gateway
// reports and checkoutd did not make. A failed one moved no money and is
// not recorded; nor is one without a reference, which could not be told
// apart from its repetition.
func (s *Service) recordReportedRefund(ctx context.Context, p *checkout.Payment, res checkout.RefundResult) (bool, error) {
	if res.ProviderRef == "" || res.Amount <= 0 || (res.Status != checkout.RefundSucceeded && res.Status != checkout.RefundPending) {
		return false, nil
	}
	scope := p.Scope()
	r := &checkout.Refund{ID: s.ids.New("re"), AccountID: scope.AccountID, Livemode: scope.Livemode, Payment: p.ID,
		Provider: p.Provider, Amount: res.Amount, Currency: p.Currency, Status: res.Status, ProviderRef: res.ProviderRef,
		Source: checkout.RefundSourceProvider, Version: 1}
	recorded := false
	var events []*checkout.Event
	err := retryCAS(func() error {
		// A report seen at once by two processes is recorded by one: the
		// other finds it here (or loses on its lookup key and comes back).
		if _, err := s.store.FindObject(ctx, checkout.RefundKind, checkout.RefundRefKey(p.Provider, res.ProviderRef)); err == nil {
			recorded = false
			return nil
		} else if !checkout.IsKind(err, checkout.KindNotFound) {
			return err
		}
		pay, err := s.store.GetPayment(ctx, scope, p.ID)
		if err != nil {
			return err
		}
		now := s.now()
		r.Created, r.Updated = now, now
		if r.PaymentSeq, err = s.nextRefundSeq(ctx, p.ID); err != nil {
			return err
		}
		if pay.AmountRefunded+r.Amount > pay.Amount {
			// The gateway says the money went back, so it is recorded;
			// but more than was taken means a refund counted twice (one
			// of checkoutd's whose answer is not in yet): an operator
			// should look.
			s.log.Warn("a refund reported by the provider takes the payment past its amount", "payment", p.ID, "provider_ref", res.ProviderRef)
		}
		pay.AmountRefunded += r.Amount
		pay.Version++
		pay.Updated = now
		c := checkout.Change{Payment: pay, Objects: []checkout.Object{r}}
		events = []*checkout.Event{s.refundEvent(r, checkout.EventRefundCreated, now)}
		if r.Status == checkout.RefundSucceeded {
			events = append(events, s.refundEvent(r, checkout.EventRefundSucceeded, now))
			if c, err = s.paymentRefunded(ctx, r, c, now); err != nil {
				return err
			}
		}
		c.Events = append(events, c.Events...)
		recorded = true
		return s.store.Commit(ctx, c)
	})
	if err != nil {
		return false, err
	}
	if recorded {
		s.wakeDeliveries()
	}
	return recorded, nil
}

// lateRefund is the automatic refund, in full, of payment p, which has just
// succeeded after its session could no longer take it (expired, or paid by
// another payment): the money was taken, and the customer has nothing for
// it. It reserves the amount on p; record writes it with the payment, and
// asks the provider after. nil when p's provider cannot refund it (then an
// operator must, and the log says so).
func (s *Service) lateRefund(ctx context.Context, p *checkout.Payment, now time.Time) (*checkout.Refund, *checkout.Event, error) {
	// A provider that cannot be built now (its credentials removed) does
	// not stop the success from being recorded: the refund is made
	// pending, and the reconciler asks for it once it can be.
	prov, _ := s.providerOf(ctx, p)
	if rc, ok := prov.(checkout.RefundChecker); ok {
		if err := rc.CanRefund(p); err != nil {
			s.log.Error("a payment succeeded after its session ended and cannot be refunded automatically; refund it by hand", "payment", p.ID, "provider", p.Provider, "err", err)
			return nil, nil, nil
		}
	}
	seq, err := s.nextRefundSeq(ctx, p.ID)
	if err != nil {
		return nil, nil, err
	}
	r := &checkout.Refund{ID: s.ids.New("re"), AccountID: p.AccountID, Livemode: p.Livemode, Payment: p.ID, PaymentSeq: seq,
		Provider: p.Provider, Amount: p.Amount - p.AmountRefunded, Currency: p.Currency, Reason: checkout.RefundSessionUnavailable,
		Status: checkout.RefundPending, Automatic: true, Source: checkout.RefundSourceAPI, Version: 1, Created: now, Updated: now}
	p.AmountRefunded += r.Amount
	s.scheduleRefundCheck(p, now) // in case the provider cannot be asked (refundretry.go)
	return r, s.refundEvent(r, checkout.EventRefundCreated, now), nil
}

// askLateRefund asks the provider for the automatic refund r of payment p,
// written by record.
func (s *Service) askLateRefund(ctx context.Context, p *checkout.Payment, r *checkout.Refund) {
	prov, err := s.providerOf(ctx, p)
	if err != nil {
		s.log.Error("an automatic refund could not be asked for; it stays pending", "refund", r.ID, "payment", p.ID, "err", err)
		return
	}
	s.askRefund(ctx, prov, p, r)
}

// GetRefund returns a refund of scope.
func (s *Service) GetRefund(ctx context.Context, scope checkout.Scope, id string) (*checkout.Refund, error) {
	o, err := s.store.GetObject(ctx, scope, checkout.RefundKind, id)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return nil, checkout.NotFound("id", "refund", id)
	}
	if err != nil {
		return nil, err
	}
	return o.(*checkout.Refund), nil
}

// ListRefunds returns one page of scope's refunds, newest first, or of one
// payment's. A payment's refunds are read by their numbers (PaymentSeq)
// through the generic lookup, so the filter needs no store query; a
// payment has few refunds, and the cursor is applied to them here.
func (s *Service) ListRefunds(ctx context.Context, scope checkout.Scope, f RefundFilter) (checkout.Page[*checkout.Refund], error) {
	var out checkout.Page[*checkout.Refund]
	if err := checkList(&f.ListParams); err != nil {
		return out, err
	}
	if f.Payment == "" {
		page, err := s.store.ListObjects(ctx, scope, checkout.RefundKind, f.ListParams)
		if err != nil {
			return out, err
		}
		out.HasMore = page.HasMore
		for _, o := range page.Items {
			out.Items = append(out.Items, o.(*checkout.Refund))
		}
		return out, nil
	}
	if _, err := s.store.GetPayment(ctx, scope, f.Payment); err != nil {
		if checkout.IsKind(err, checkout.KindNotFound) {
			return out, checkout.NotFound("payment", "payment", f.Payment)
		}
		return out, err
	}
	all, err := s.refundsOf(ctx, f.Payment)
	if err != nil {
		return out, err
	}
	slices.Reverse(all) // newest first
	return pageOf(all, f.ListParams, "refund")
}

// refundsOf returns the refunds of payment, oldest first, by their numbers.
func (s *Service) refundsOf(ctx context.Context, payment string) ([]*checkout.Refund, error) {
	var all []*checkout.Refund
	for n := int64(1); ; n++ {
		o, err := s.store.FindObject(ctx, checkout.RefundKind, checkout.RefundPaymentKey(payment, n))
		if checkout.IsKind(err, checkout.KindNotFound) {
			return all, nil
		}
		if err != nil {
			return nil, err
		}
		all = append(all, o.(*checkout.Refund))
	}
}

// pageOf cuts one page out of items (newest first, every one of the list)
// as the stores do: starting_after gives the older ones after the cursor,
// ending_before the newer ones just before it.
func pageOf(items []*checkout.Refund, p checkout.ListParams, what string) (checkout.Page[*checkout.Refund], error) {
	var out checkout.Page[*checkout.Refund]
	at := func(param, id string) (int, error) {
		i := slices.IndexFunc(items, func(r *checkout.Refund) bool { return r.ID == id })
		if i < 0 {
			return 0, checkout.NotFound(param, what, id)
		}
		return i, nil
	}
	switch {
	case p.StartingAfter != "":
		i, err := at("starting_after", p.StartingAfter)
		if err != nil {
			return out, err
		}
		items = items[i+1:]
	case p.EndingBefore != "":
		i, err := at("ending_before", p.EndingBefore)
		if err != nil {
			return out, err
		}
		items = items[:i]
		if len(items) > p.Limit {
			out.HasMore = true
			items = items[len(items)-p.Limit:]
		}
		out.Items = items
		return out, nil
	}
	if len(items) > p.Limit {
		out.HasMore = true
		items = items[:p.Limit]
	}
	out.Items = items
	return out, nil
}

// applyNotification records n about payment p (ApplyProviderResult): its
// result, when it has one (a message may report only refunds), then the
// refunds it reports. A message that changes nothing, its result about a
// payment already final and its refunds known, answers KindState as a
// repeated result does.
func (s *Service) applyNotification(ctx context.Context, p *checkout.Payment, n checkout.Notification) (*checkout.Payment, error) {
	var resultErr error
	if n.Result.Status != "" {
		_, got, err := s.record(ctx, p.ID, n.Result, nil)
		if err != nil && (len(n.Refunds) == 0 || !checkout.IsKind(err, checkout.KindState)) {
			return got, err
		}
		if err == nil {
			p = got
		}
		resultErr = err
	}
	if len(n.Refunds) == 0 {
		return p, nil
	}
	changed, err := s.applyRefunds(ctx, p, n.Refunds)
	if err != nil {
		return nil, err
	}
	if changed == 0 && (n.Result.Status == "" || resultErr != nil) {
		return nil, &checkout.Error{Kind: checkout.KindState, Code: "refunds_known", Message: "the refunds reported are recorded already"}
	}
	return s.store.GetPayment(ctx, p.Scope(), p.ID)
}
