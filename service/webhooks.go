package service

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/netguard"
	"github.com/checkoutd/checkoutd/webhook"
)

// EventTypes are the event types an endpoint can ask for ("*": all).
var EventTypes = []string{
	checkout.EventSessionCompleted, checkout.EventSessionExpired, checkout.EventSessionCanceled,
	checkout.EventAsyncPaymentSucceeded, checkout.EventAsyncPaymentFailed,
	checkout.EventPaymentSucceeded, checkout.EventPaymentFailed,
	checkout.EventEndpointDisabled,
}

// DefaultRetrySchedule is the wait before each retry of a failed delivery:
// about three days in all, as Stripe does in live mode.
var DefaultRetrySchedule = []time.Duration{
	time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour,
	10 * time.Hour, 10 * time.Hour, 12 * time.Hour, 12 * time.Hour, 20 * time.Hour,
}

// Webhook settings, with their defaults.
const (
	DefaultRotationOverlap = 24 * time.Hour
	DefaultDeliveryTimeout = 10 * time.Second
	// DefaultDisableAfter is how long an endpoint may fail without a
	// success before it is disabled, as Svix does.
	DefaultDisableAfter  = 5 * 24 * time.Hour
	leaseMargin          = 5 * time.Second // a lease outlives its attempt's timeout by this much
	maxEndpointsPerScope = 16
)

// Sealer encrypts webhook secrets at rest (AES-256-GCM under the server's
// key), so a copy of the store alone cannot forge deliveries.
type Sealer struct{ aead cipher.AEAD }

// NewSealer returns a Sealer for a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("the encryption key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plain with a random nonce.
func (s *Sealer) Seal(plain string) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, []byte(plain), nil)
}

// Open decrypts what Seal made.
func (s *Sealer) Open(sealed []byte) (string, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return "", errors.New("sealed secret too short")
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], nil)
	return string(plain), err
}

// EndpointParams creates or changes an endpoint; nil fields are left alone
// on update.
type EndpointParams struct {
	URL           *string
	EnabledEvents []string
	Description   *string
	Metadata      map[string]string
	Disabled      *bool
}

func (s *Service) checkEndpoint(e *checkout.WebhookEndpoint) error {
	if err := s.WebhookPolicy(e.Livemode).CheckURL(e.URL); err != nil {
		return checkout.Invalid("url", "url_invalid", "%v", err)
	}
	if len(e.EnabledEvents) == 0 {
		return checkout.Invalid("enabled_events", "parameter_missing", "enabled_events is required: event types, or * for all")
	}
	for i, t := range e.EnabledEvents {
		if t != "*" && !slices.Contains(EventTypes, t) {
			return checkout.Invalid(fmt.Sprintf("enabled_events[%d]", i), "parameter_invalid", "'%s' is not an event type; use one of %s, or *", t, strings.Join(EventTypes, ", "))
		}
	}
	if err := checkText("description", e.Description, MaxDescriptionLen); err != nil {
		return err
	}
	md, err := checkMetadata(e.Metadata)
	e.Metadata = md
	return err
}

// WebhookPolicy is the outbound-request policy for a mode: https in live mode,
// private addresses only when the operator allowed them.
func (s *Service) WebhookPolicy(livemode bool) netguard.Policy {
	return netguard.Policy{AllowPrivate: s.WebhookAllowPrivate, RequireHTTPS: livemode}
}

// CreateEndpoint registers a webhook endpoint and returns it with its signing
// secret, which is shown only now.
func (s *Service) CreateEndpoint(ctx context.Context, scope checkout.Scope, p EndpointParams) (*checkout.WebhookEndpoint, string, error) {
	if s.Sealer == nil {
		return nil, "", checkout.Errorf(checkout.KindInternal, "no_sealer", "webhook secrets need an encryption key")
	}
	now := s.now()
	e := &checkout.WebhookEndpoint{ID: s.IDs.New("we"), AccountID: scope.AccountID, Livemode: scope.Livemode,
		EnabledEvents: slices.Clone(p.EnabledEvents), Metadata: p.Metadata, Version: 1, Created: now, Updated: now}
	if p.URL == nil {
		return nil, "", checkout.Invalid("url", "parameter_missing", "url is required")
	}
	e.URL = *p.URL
	if p.Description != nil {
		e.Description = *p.Description
	}
	if p.Disabled != nil {
		return nil, "", checkout.Invalid("disabled", "parameter_unknown", "an endpoint is created enabled; disable it with an update")
	}
	if err := s.checkEndpoint(e); err != nil {
		return nil, "", err
	}
	secret := webhook.NewSecret()
	e.Secrets = []checkout.EndpointSecret{{Sealed: s.Sealer.Seal(secret)}}
	// The store counts and inserts in one atomic step: a count here and an
	// insert after it would let concurrent requests pass the limit together.
	if err := s.Store.CreateEndpoint(ctx, e, maxEndpointsPerScope); err != nil {
		if errors.Is(err, checkout.ErrLimit) {
			return nil, "", checkout.Invalid("url", "endpoint_limit", "at most %d webhook endpoints per account and mode", maxEndpointsPerScope)
		}
		return nil, "", err
	}
	return e, secret, nil
}

// GetEndpoint returns an endpoint of scope.
func (s *Service) GetEndpoint(ctx context.Context, scope checkout.Scope, id string) (*checkout.WebhookEndpoint, error) {
	e, err := s.Store.GetEndpoint(ctx, scope, id)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return nil, checkout.NotFound("id", "webhook endpoint", id)
	}
	return e, err
}

// ListEndpoints returns one page of scope's endpoints, newest first.
func (s *Service) ListEndpoints(ctx context.Context, scope checkout.Scope, p checkout.ListParams) (checkout.Page[*checkout.WebhookEndpoint], error) {
	if err := checkList(&p); err != nil {
		return checkout.Page[*checkout.WebhookEndpoint]{}, err
	}
	return s.Store.ListEndpoints(ctx, scope, p)
}

// UpdateEndpoint changes url, enabled_events, description, metadata or
// disabled. Re-enabling clears the reason and the failure streak.
func (s *Service) UpdateEndpoint(ctx context.Context, scope checkout.Scope, id string, p EndpointParams) (*checkout.WebhookEndpoint, error) {
	return s.changeEndpoint(ctx, scope, id, func(e *checkout.WebhookEndpoint) error {
		if p.URL != nil {
			e.URL = *p.URL
		}
		if p.EnabledEvents != nil {
			e.EnabledEvents = slices.Clone(p.EnabledEvents)
		}
		if p.Description != nil {
			e.Description = *p.Description
		}
		if p.Metadata != nil {
			e.Metadata = p.Metadata
		}
		if p.Disabled != nil {
			e.Disabled = *p.Disabled
			e.DisabledReason, e.FailingSince = "", time.Time{}
			if e.Disabled {
				e.DisabledReason = "disabled by the merchant"
			}
		}
		return s.checkEndpoint(e)
	})
}

// RotateSecret gives an endpoint a new secret; the old one keeps signing
// alongside until overlap has passed. The new secret is shown only now.
func (s *Service) RotateSecret(ctx context.Context, scope checkout.Scope, id string) (*checkout.WebhookEndpoint, string, error) {
	if s.Sealer == nil {
		return nil, "", checkout.Errorf(checkout.KindInternal, "no_sealer", "webhook secrets need an encryption key")
	}
	secret := webhook.NewSecret()
	overlap := s.RotationOverlap
	if overlap == 0 {
		overlap = DefaultRotationOverlap
	}
	e, err := s.changeEndpoint(ctx, scope, id, func(e *checkout.WebhookEndpoint) error {
		now := s.now()
		keep := []checkout.EndpointSecret{{Sealed: s.Sealer.Seal(secret)}}
		for _, old := range e.LiveSecrets(now) {
			if old.ExpiresAt.IsZero() {
				old.ExpiresAt = now.Add(overlap)
			}
			keep = append(keep, old)
		}
		e.Secrets = keep
		return nil
	})
	return e, secret, err
}

// DeleteEndpoint removes an endpoint; its pending deliveries go with it.
func (s *Service) DeleteEndpoint(ctx context.Context, scope checkout.Scope, id string) error {
	err := s.Store.DeleteEndpoint(ctx, scope, id)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return checkout.NotFound("id", "webhook endpoint", id)
	}
	return err
}

// errUnchanged, from a changeEndpoint callback, leaves the endpoint as it is.
var errUnchanged = errors.New("unchanged")

func (s *Service) changeEndpoint(ctx context.Context, scope checkout.Scope, id string, f func(*checkout.WebhookEndpoint) error) (*checkout.WebhookEndpoint, error) {
	return s.changeEndpointWith(ctx, scope, id, f, nil)
}

// changeEndpointWith is changeEndpoint that also writes the events that
// events returns for the changed endpoint, in the same atomic Commit.
func (s *Service) changeEndpointWith(ctx context.Context, scope checkout.Scope, id string, f func(*checkout.WebhookEndpoint) error, events func(*checkout.WebhookEndpoint) []*checkout.Event) (*checkout.WebhookEndpoint, error) {
	for attempt := 0; ; attempt++ {
		e, err := s.GetEndpoint(ctx, scope, id)
		if err != nil {
			return nil, err
		}
		if err := f(e); errors.Is(err, errUnchanged) {
			return e, nil
		} else if err != nil {
			return nil, err
		}
		e.Version++
		e.Updated = s.now()
		if events == nil {
			err = s.Store.UpdateEndpoint(ctx, e)
		} else {
			err = s.Store.Commit(ctx, checkout.Change{Endpoint: e, Events: events(e)})
		}
		if err == nil {
			return e, nil
		}
		if !checkout.IsKind(err, checkout.KindConflict) || attempt >= maxCASRetries {
			return nil, err
		}
	}
}

// ListDeliveries returns the deliveries of one event of scope.
func (s *Service) ListDeliveries(ctx context.Context, scope checkout.Scope, eventID string) ([]*checkout.Delivery, error) {
	if _, err := s.GetEvent(ctx, scope, eventID); err != nil {
		return nil, err
	}
	return s.Store.ListDeliveries(ctx, scope, eventID)
}

// Resend delivers an event again, to one endpoint or to every endpoint that
// wants its type now, with the same event id (receivers dedupe on it).
func (s *Service) Resend(ctx context.Context, scope checkout.Scope, eventID, endpointID string) ([]*checkout.Delivery, error) {
	ev, err := s.GetEvent(ctx, scope, eventID)
	if err != nil {
		return nil, err
	}
	var targets []*checkout.WebhookEndpoint
	if endpointID != "" {
		e, err := s.Store.GetEndpoint(ctx, scope, endpointID)
		if checkout.IsKind(err, checkout.KindNotFound) {
			return nil, checkout.NotFound("webhook_endpoint", "webhook endpoint", endpointID)
		}
		if err != nil {
			return nil, err
		}
		if e.Disabled {
			return nil, checkout.Invalid("webhook_endpoint", "endpoint_disabled", "webhook endpoint %s is disabled; enable it first", e.ID)
		}
		targets = []*checkout.WebhookEndpoint{e}
	} else {
		all, err := s.Store.EndpointsFor(ctx, scope)
		if err != nil {
			return nil, err
		}
		for _, e := range all {
			if e.Wants(ev.Type) {
				targets = append(targets, e)
			}
		}
	}
	ds := s.newDeliveries(ev, targets)
	if err := s.Store.InsertDeliveries(ctx, ds); err != nil {
		return nil, err
	}
	s.wakeDeliveries()
	return ds, nil
}

func (s *Service) newDeliveries(ev *checkout.Event, targets []*checkout.WebhookEndpoint) []*checkout.Delivery {
	now := s.now()
	ds := make([]*checkout.Delivery, 0, len(targets))
	for _, e := range targets {
		ds = append(ds, &checkout.Delivery{ID: s.IDs.New("whd"), AccountID: ev.AccountID, Livemode: ev.Livemode,
			EventID: ev.ID, EndpointID: e.ID, Status: checkout.DeliveryPending, NextAt: now, Version: 1, Created: now, Updated: now})
	}
	return ds
}

// wakeDeliveries tells this process's delivery worker that work is waiting,
// so an event written here is sent at once instead of at the next poll.
func (s *Service) wakeDeliveries() {
	s.wakeOnce.Do(func() { s.wake = make(chan struct{}, 1) })
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
	s.wakeOnce.Do(func() { s.wake = make(chan struct{}, 1) })
	w := &deliveryWorker{s: s, stop: ctx, ctx: context.WithoutCancel(ctx), limit: maxHeldDeliveries, perEndpoint: EndpointConcurrency,
		inFlight: map[string]int{}, waiting: map[string][]waiter{}}
	defer w.wg.Wait()
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		for more := true; more && ctx.Err() == nil; {
			n, err := s.dispatch(ctx, w)
			if err != nil && ctx.Err() == nil {
				s.Log.Error("dispatching events failed", "err", err)
			}
			// Claim no more than can be held: a claimed delivery is leased,
			// and a lease must not lapse while it waits here.
			free := w.free()
			var due []*checkout.Delivery
			if free > 0 {
				now := s.now()
				due, err = s.Store.ClaimDeliveries(w.ctx, now, now.Add(s.deliveryLease()), free)
				if err != nil && ctx.Err() == nil {
					s.Log.Error("claiming deliveries failed", "err", err)
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
			w.s.Log.Error("delivery attempt failed to record", "delivery", d.ID, "err", err)
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
	if err := w.s.Store.UpdateDelivery(w.ctx, d); err != nil && !checkout.IsKind(err, checkout.KindConflict) {
		w.s.Log.Error("releasing a delivery failed", "delivery", d.ID, "err", err)
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
	evs, err := s.Store.ClaimEvents(ctx, now, now.Add(s.deliveryLease()), 100)
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
			if eps, err = s.Store.EndpointsFor(ctx, scope); err != nil {
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
			err := s.Store.Dispatch(wctx, ev.ID, ds)
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

// preparedEvent is an event in hand with its webhook body, encoded once for
// all the endpoints it goes to.
type preparedEvent struct {
	ev   *checkout.Event
	once sync.Once
	body []byte
	err  error
}

func (p *preparedEvent) encode(s *Service) ([]byte, error) {
	p.once.Do(func() { p.body, p.err = s.EncodeEvent(p.ev) })
	return p.body, p.err
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
		ev, err := s.Store.GetEvent(ctx, scope, d.EventID)
		if err != nil {
			return err
		}
		prep = &preparedEvent{ev: ev}
		e, err = s.Store.GetEndpoint(ctx, scope, d.EndpointID)
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
	body, err := prep.encode(s)
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

func (s *Service) deliveryTimeout() time.Duration {
	if s.WebhookTimeout > 0 {
		return s.WebhookTimeout
	}
	return DefaultDeliveryTimeout
}

// deliveryLease is how long a worker holds what it claimed: the attempt's
// timeout and a margin, so a live worker always records its attempt before
// another may take the delivery.
func (s *Service) deliveryLease() time.Duration { return s.deliveryTimeout() + leaseMargin }

func (s *Service) disableAfter() time.Duration {
	if s.WebhookDisableAfter > 0 {
		return s.WebhookDisableAfter
	}
	return DefaultDisableAfter
}

func (s *Service) retrySchedule() []time.Duration {
	if len(s.RetrySchedule) > 0 {
		return s.RetrySchedule
	}
	return DefaultRetrySchedule
}

// post sends one signed request. The response body is read (bounded) and
// discarded; only the status matters.
func (s *Service) post(ctx context.Context, e *checkout.WebhookEndpoint, msgID string, body []byte) (status int, retryAfter time.Duration, err error) {
	if err := s.WebhookPolicy(e.Livemode).CheckURL(e.URL); err != nil {
		return 0, 0, err // the rules may have tightened since registration
	}
	now := s.now()
	var secrets []string
	for _, sec := range e.LiveSecrets(now) {
		plain, err := s.Sealer.Open(sec.Sealed)
		if err != nil {
			return 0, 0, fmt.Errorf("opening the endpoint's secret: %w", err)
		}
		secrets = append(secrets, plain)
	}
	headers, err := webhook.Sign(msgID, now, body, secrets...)
	if err != nil {
		return 0, 0, err
	}
	timeout := s.deliveryTimeout()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header = headers
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "checkoutd-webhooks/1")
	res, err := s.webhookClient(e.Livemode).Do(req)
	if err != nil {
		return 0, 0, describeTransportError(err, timeout)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if secs, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && secs > 0 {
		retryAfter = time.Duration(min(secs, 86400)) * time.Second
	}
	return res.StatusCode, retryAfter, nil
}

// describeTransportError says what went wrong with a request that got no
// answer, for the delivery's attempt log: "timeout" when none came within
// the delivery timeout, else the transport's own error without the
// "Post <url>:" prefix (the endpoint is named beside it already).
func describeTransportError(err error, timeout time.Duration) error {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return fmt.Errorf("timeout: no response within %v", timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func (s *Service) webhookClient(livemode bool) *http.Client {
	s.clientsOnce.Do(func() {
		s.clients = map[bool]*http.Client{
			false: s.WebhookPolicy(false).Client(s.deliveryTimeout()),
			true:  s.WebhookPolicy(true).Client(s.deliveryTimeout()),
		}
	})
	return s.clients[livemode]
}

// finishDelivery records an attempt and what follows it.
func (s *Service) finishDelivery(ctx context.Context, d *checkout.Delivery, at checkout.DeliveryAttempt, status checkout.DeliveryStatus, next time.Time) error {
	d.Attempts = append(d.Attempts, at)
	d.Status, d.NextAt, d.LeaseUntil = status, next, time.Time{}
	d.Version++
	d.Updated = s.now()
	err := s.Store.UpdateDelivery(ctx, d)
	if checkout.IsKind(err, checkout.KindConflict) {
		// Our lease lapsed and another worker took the delivery; its
		// attempt will be recorded instead.
		return nil
	}
	return err
}

// endpointHealth records a failure streak, or its end, on an endpoint, and
// disables it after 410 Gone (gone) or after failing for WebhookDisableAfter.
// Disabling it writes a webhook_endpoint.disabled event, sent to the
// account's other endpoints that want it.
func (s *Service) endpointHealth(ctx context.Context, e *checkout.WebhookEndpoint, gone bool, reason string) {
	var disabled bool
	_, err := s.changeEndpointWith(ctx, e.Scope(), e.ID, func(e *checkout.WebhookEndpoint) error {
		disabled = false // the closure runs again after a lost compare-and-set
		if e.Disabled {
			return errUnchanged // disabled meanwhile, by the merchant or another worker
		}
		now := s.now()
		switch {
		case gone:
			e.Disabled, e.DisabledReason = true, reason
		case reason == "":
			if e.FailingSince.IsZero() {
				return errUnchanged
			}
			e.FailingSince = time.Time{}
		default:
			if e.FailingSince.IsZero() {
				e.FailingSince = now
			} else if d := s.disableAfter(); now.Sub(e.FailingSince) >= d {
				e.Disabled, e.DisabledReason = true, "deliveries failed for "+humanDuration(d)
			} else {
				return errUnchanged
			}
		}
		disabled = e.Disabled
		return nil
	}, announceDisabled)
	if err != nil {
		s.Log.Error("updating an endpoint's health failed", "endpoint", e.ID, "err", err)
		return
	}
	if disabled {
		s.wakeDeliveries()
	}
}

// announceDisabled is the webhook_endpoint.disabled event of e if the
// change endpointHealth made disables it, committed with the endpoint in one
// atomic write: the notice is never lost, and never announces a disable
// that did not happen. The event's id is derived from the endpoint's id and
// the version the disable wrote, unlike any other endpoint write's.
func announceDisabled(e *checkout.WebhookEndpoint) []*checkout.Event {
	if !e.Disabled {
		return nil
	}
	snap := *e
	snap.Secrets = nil
	snap.EnabledEvents = slices.Clone(e.EnabledEvents)
	snap.Metadata = maps.Clone(e.Metadata)
	return []*checkout.Event{{ID: endpointEventID(checkout.EventEndpointDisabled, e), AccountID: e.AccountID, Livemode: e.Livemode,
		Type: checkout.EventEndpointDisabled, Created: e.Updated, Sequence: e.Version, ObjectID: e.ID, Endpoint: &snap}}
}

// endpointEventID is the id of the event of type typ recording the write of
// e at e.Version: the same on every try, unlike any other endpoint's.
func endpointEventID(typ string, e *checkout.WebhookEndpoint) string {
	sum := sha256.Sum256([]byte(typ + "\x00" + e.ID + "\x00" + strconv.FormatInt(e.Version, 10)))
	return "evt_" + hex.EncodeToString(sum[:16])
}

// humanDuration says d in days or hours when it is a whole number of them
// ("5 days", "3 hours"), else as Go does ("1.5s").
func humanDuration(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		if n := d / (24 * time.Hour); n != 1 {
			return strconv.FormatInt(int64(n), 10) + " days"
		}
		return "1 day"
	case d >= time.Hour && d%time.Hour == 0:
		if n := d / time.Hour; n != 1 {
			return strconv.FormatInt(int64(n), 10) + " hours"
		}
		return "1 hour"
	}
	return d.String()
}
