package service

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// Webhook delivery: the outbox's events fanned out to endpoints, and each
// delivery attempted and retried, by any number of processes at once.

// DefaultRetrySchedule is the wait before each retry of a failed delivery:
// about three days in all, as Stripe does in live mode.
var DefaultRetrySchedule = []time.Duration{
	time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour,
	10 * time.Hour, 10 * time.Hour, 12 * time.Hour, 12 * time.Hour, 20 * time.Hour,
}

// Delivery settings, with their defaults.
const (
	DefaultDeliveryTimeout = 10 * time.Second
	leaseMargin            = 5 * time.Second // a lease outlives its attempt's timeout by this much
)

// wakeDeliveries tells this process's delivery worker that work is waiting,
// so an event written here is sent at once instead of at the next poll.
func (s *Service) wakeDeliveries() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// RunDeliveries fans events out to endpoints and delivers them until ctx
// ends. Work is claimed from the store with leases, so any number of
// processes may run it on one store; poll bounds how late work written by
// another process is noticed.
func (s *Service) RunDeliveries(ctx context.Context, poll time.Duration) {
	w := &deliveryWorker{s: s, stop: ctx, ctx: context.WithoutCancel(ctx), limit: maxHeldDeliveries, perEndpoint: EndpointConcurrency,
		inFlight: map[string]int{}, waiting: map[string][]waiter{}}
	defer w.wg.Wait()
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		for more := true; more && ctx.Err() == nil; {
			n, err := s.dispatch(ctx, w)
			if err != nil && ctx.Err() == nil {
				s.log.Error("dispatching events failed", "err", err)
			}
			// Claim no more than can be held: a claimed delivery is leased,
			// and a lease must not lapse while it waits here.
			free := w.free()
			var due []*checkout.Delivery
			if free > 0 {
				now := s.now()
				due, err = s.store.ClaimDeliveries(w.ctx, now, now.Add(s.deliveryLease()), free)
				if err != nil && ctx.Err() == nil {
					s.log.Error("claiming deliveries failed", "err", err)
				}
			}
			w.reserve(len(due)) // free was counted after dispatch reserved its share: all fit
			for _, d := range due {
				w.add(d, nil)
			}
			more = n > 0 || (free > 0 && len(due) == free)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
		}
	}
}

// Delivery concurrency of one process.
const (
	// maxHeldDeliveries bounds the deliveries a process holds: in flight
	// or waiting for their endpoint's turn.
	maxHeldDeliveries = 256
	// EndpointConcurrency bounds the requests one process has in flight
	// to one endpoint, so a slow merchant server is not flooded. Eight keeps
	// a busy endpoint's queue short (see BENCHMARKS.md, "Webhook
	// delivery"): with four, a burst of events waited behind each other
	// for over a second.
	EndpointConcurrency = 8
)

// deliveryWorker runs the attempts of the deliveries RunDeliveries claims.
// A delivery whose endpoint has EndpointConcurrency requests in flight waits in
// this process for the next to end, rather than being handed back to the
// store and claimed again (two writes, and the claim loop spinning on it);
// it is handed back only if its lease could lapse before its attempt ends.
// An endpoint's slot is given up as soon as its answer (or its timeout)
// comes, before the attempt is recorded: the bound is on the merchant's
// server, not on our store.
type deliveryWorker struct {
	s    *Service
	stop context.Context // RunDeliveries' context: once done, waiting deliveries are handed back
	ctx  context.Context // never cancelled: an attempt begun is recorded

	mu          sync.Mutex
	held        int // claimed and not yet recorded or handed back
	limit       int
	perEndpoint int
	inFlight    map[string]int      // requests in flight, by endpoint
	waiting     map[string][]waiter // by endpoint, oldest first
	wg          sync.WaitGroup
}

func (w *deliveryWorker) free() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.limit - w.held
}

// reserve makes room for up to n deliveries and says for how many.
func (w *deliveryWorker) reserve(n int) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n = max(0, min(n, w.limit-w.held))
	w.held += n
	return n
}

// unreserve gives back room reserve made that went unused.
func (w *deliveryWorker) unreserve(n int) {
	w.mu.Lock()
	w.held -= n
	w.mu.Unlock()
}

// waiter is a delivery waiting for its endpoint's turn.
type waiter struct {
	d    *checkout.Delivery
	hint *attemptHint
}

// add takes a delivery leased to this process, for which room was
// reserved: it starts at once if its endpoint has a free slot, else it waits
// for one.
func (w *deliveryWorker) add(d *checkout.Delivery, hint *attemptHint) {
	w.mu.Lock()
	if w.inFlight[d.EndpointID] >= w.perEndpoint {
		w.waiting[d.EndpointID] = append(w.waiting[d.EndpointID], waiter{d, hint})
		w.mu.Unlock()
		return
	}
	w.inFlight[d.EndpointID]++
	w.mu.Unlock()
	w.run(d, hint)
}

// run attempts d, which holds a slot of its endpoint, in a goroutine.
func (w *deliveryWorker) run(d *checkout.Delivery, hint *attemptHint) {
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		if w.stop.Err() != nil || w.s.now().Add(w.s.deliveryTimeout()).After(d.LeaseUntil) {
			// Shutting down, or it waited so long that its attempt could
			// outlive its lease: let any worker claim it again.
			w.endpointFree(d.EndpointID)
			w.handBack(d)
			return
		}
		if err := w.s.attempt(w.ctx, d, hint, func() { w.endpointFree(d.EndpointID) }); err != nil {
			w.s.log.Error("delivery attempt failed to record", "delivery", d.ID, "err", err)
		}
		w.done()
	}()
}

// endpointFree passes the endpoint's slot to its next waiting delivery, or
// gives it up.
func (w *deliveryWorker) endpointFree(endpointID string) {
	w.mu.Lock()
	q := w.waiting[endpointID]
	if len(q) == 0 {
		if w.inFlight[endpointID]--; w.inFlight[endpointID] <= 0 {
			delete(w.inFlight, endpointID)
		}
		w.mu.Unlock()
		return
	}
	next := q[0]
	if q = q[1:]; len(q) == 0 {
		delete(w.waiting, endpointID)
	} else {
		w.waiting[endpointID] = q
	}
	w.mu.Unlock()
	w.run(next.d, next.hint)
}

// handBack clears d's lease so that any worker may claim it at once.
func (w *deliveryWorker) handBack(d *checkout.Delivery) {
	d.LeaseUntil = time.Time{}
	d.Version++
	if err := w.s.store.UpdateDelivery(w.ctx, d); err != nil && !checkout.IsKind(err, checkout.KindConflict) {
		w.s.log.Error("releasing a delivery failed", "delivery", d.ID, "err", err)
	}
	w.done()
}

// done ends the hold of one delivery and lets the claim loop take more.
func (w *deliveryWorker) done() {
	w.mu.Lock()
	w.held--
	w.mu.Unlock()
	w.s.wakeDeliveries()
}

// dispatch fans claimed events out into deliveries. With a worker w, the
// deliveries it has room for are written already leased to this process and
// handed to w with the event and the endpoint in hand: no claim, no reads,
// one encoding of the event for all its endpoints. The rest are written
// unleased, for any worker's claim.
func (s *Service) dispatch(ctx context.Context, w *deliveryWorker) (int, error) {
	now := s.now()
	evs, err := s.store.ClaimEvents(ctx, now, now.Add(s.deliveryLease()), 100)
	if err != nil {
		return 0, err
	}
	scopes := map[checkout.Scope][]*checkout.WebhookEndpoint{}
	// Short writes that must not be cut half-way by shutdown: without a
	// cancel they can also share a commit (see Dispatch below).
	wctx := context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	var errOnce sync.Once
	var firstErr error
	defer wg.Wait()
	for _, ev := range evs {
		scope := checkout.Scope{AccountID: ev.AccountID, Livemode: ev.Livemode}
		eps, ok := scopes[scope]
		if !ok {
			if eps, err = s.store.EndpointsFor(ctx, scope); err != nil {
				wg.Wait()
				return 0, err
			}
			scopes[scope] = eps
		}
		var targets []*checkout.WebhookEndpoint
		for _, e := range eps {
			if e.Wants(ev.Type) {
				targets = append(targets, e)
			}
		}
		ds := s.newDeliveries(ev, targets)
		mine := 0
		if w != nil {
			mine = w.reserve(len(ds))
			lease := now.Add(s.deliveryLease())
			for _, d := range ds[:mine] {
				d.LeaseUntil = lease
			}
		}
		prep := &preparedEvent{ev: ev}
		// The fan-outs run at once so that a store with group commit
		// (SQLite) writes them in one transaction, not one each.
		wg.Go(func() {
			err := s.store.Dispatch(wctx, ev.ID, ds)
			if err != nil {
				if mine > 0 {
					w.unreserve(mine)
				}
				if !checkout.IsKind(err, checkout.KindConflict) {
					errOnce.Do(func() { firstErr = err })
				}
				return
			}
			for i, d := range ds[:mine] {
				w.add(d, &attemptHint{event: prep, endpoint: targets[i]})
			}
		})
	}
	wg.Wait()
	return len(evs), firstErr
}

// preparedEvent is an event in hand with its webhook bodies, encoded once
// per format for all the endpoints it goes to.
type preparedEvent struct {
	ev     *checkout.Event
	mu     sync.Mutex
	bodies map[string]encodedBody
}

type encodedBody struct {
	body []byte
	err  error
}

// encode is the body of p's event in format (an endpoint's BodyFormat).
func (p *preparedEvent) encode(s *Service, format string) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if b, ok := p.bodies[format]; ok {
		return b.body, b.err
	}
	var b encodedBody
	switch enc := s.encoderFor(format); {
	case enc == nil && format == checkout.WebhookFormatCanonical: // a Config without Events: nothing to send
		b.err = errors.New("no event encoder: the service's Config has no Events")
	case enc == nil:
		b.err = fmt.Errorf("no event encoder for the endpoint's format %q: the service's Config.EventFormats lacks it", format)
	default:
		b.body, b.err = enc.EncodeEvent(p.ev)
	}
	if p.bodies == nil {
		p.bodies = map[string]encodedBody{}
	}
	p.bodies[format] = b
	return b.body, b.err
}

// attemptHint is what dispatch already has of a delivery it just wrote, so
// its first attempt need not read it back.
type attemptHint struct {
	event    *preparedEvent
	endpoint *checkout.WebhookEndpoint
}

// attempt makes one POST of delivery d and records its outcome. hint, when
// set, holds d's event and endpoint (else they are read from the store).
// posted is called once, as soon as no request of d is in flight any more.
func (s *Service) attempt(ctx context.Context, d *checkout.Delivery, hint *attemptHint, posted func()) error {
	var once sync.Once
	defer once.Do(posted)
	scope := checkout.Scope{AccountID: d.AccountID, Livemode: d.Livemode}
	var prep *preparedEvent
	var e *checkout.WebhookEndpoint
	if hint != nil {
		prep, e = hint.event, hint.endpoint
	} else {
		ev, err := s.store.GetEvent(ctx, scope, d.EventID)
		if err != nil {
			return err
		}
		prep = &preparedEvent{ev: ev}
		e, err = s.store.GetEndpoint(ctx, scope, d.EndpointID)
		if checkout.IsKind(err, checkout.KindNotFound) {
			return s.finishDelivery(ctx, d, checkout.DeliveryAttempt{At: s.now(), Error: "the endpoint was deleted"}, checkout.DeliveryFailed, time.Time{})
		}
		if err != nil {
			return err
		}
	}
	ev := prep.ev
	if e.Disabled {
		return s.finishDelivery(ctx, d, checkout.DeliveryAttempt{At: s.now(), Error: "the endpoint is disabled"}, checkout.DeliveryFailed, time.Time{})
	}
	body, err := prep.encode(s, e.BodyFormat())
	if err != nil {
		return err
	}
	at := checkout.DeliveryAttempt{At: s.now()}
	start := time.Now() // latency is real time, whatever the service's clock says
	status, retryAfter, err := s.post(ctx, e, ev.ID, body)
	at.Latency = time.Since(start)
	once.Do(posted)
	at.StatusCode = status
	if err != nil {
		at.Error = err.Error()
	}
	switch {
	case err == nil && status >= 200 && status < 300:
		if !e.FailingSince.IsZero() {
			s.endpointHealth(ctx, e, false, "")
		}
		return s.finishDelivery(ctx, d, at, checkout.DeliveryDelivered, time.Time{})
	case status == http.StatusGone:
		s.endpointHealth(ctx, e, true, "the endpoint answered 410 Gone")
		return s.finishDelivery(ctx, d, at, checkout.DeliveryFailed, time.Time{})
	}
	if status >= 300 && status < 400 {
		at.Error = "redirects are not followed"
	}
	if e.FailingSince.IsZero() || s.now().Sub(e.FailingSince) >= s.disableAfter() {
		s.endpointHealth(ctx, e, false, "failing")
	}
	n := len(d.Attempts) // retries already made
	if n >= len(s.retrySchedule()) {
		return s.finishDelivery(ctx, d, at, checkout.DeliveryFailed, time.Time{})
	}
	wait := s.retrySchedule()[n]
	wait += time.Duration(mrand.Int64N(int64(wait)/5+1)) - wait/10 // ±10% jitter
	if (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable || status == http.StatusBadGateway || status == http.StatusGatewayTimeout) && retryAfter > wait {
		wait = retryAfter
	}
	return s.finishDelivery(ctx, d, at, checkout.DeliveryPending, s.now().Add(wait))
}

func (s *Service) deliveryTimeout() time.Duration { return s.webhooks.Timeout }

// deliveryLease is how long a worker holds what it claimed: the attempt's
// timeout and a margin, so a live worker always records its attempt before
// another may take the delivery.
func (s *Service) deliveryLease() time.Duration { return s.deliveryTimeout() + leaseMargin }

func (s *Service) disableAfter() time.Duration { return s.webhooks.DisableAfter }

func (s *Service) retrySchedule() []time.Duration { return s.webhooks.RetrySchedule }

// finishDelivery records an attempt and what follows it.
func (s *Service) finishDelivery(ctx context.Context, d *checkout.Delivery, at checkout.DeliveryAttempt, status checkout.DeliveryStatus, next time.Time) error {
	d.Attempts = append(d.Attempts, at)
	d.Status, d.NextAt, d.LeaseUntil = status, next, time.Time{}
	d.Version++
	d.Updated = s.now()
	err := s.store.UpdateDelivery(ctx, d)
	if checkout.IsKind(err, checkout.KindConflict) {
		// Our lease lapsed and another worker took the delivery; its
		// attempt will be recorded instead.
		return nil
	}
	return err
}
