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
	existing, err := s.Store.ListEndpoints(ctx, scope, checkout.ListParams{Limit: maxEndpointsPerScope})
	if err != nil {
		return nil, "", err
	}
	if len(existing.Items) >= maxEndpointsPerScope {
		return nil, "", checkout.Invalid("url", "endpoint_limit", "at most %d webhook endpoints per account and mode", maxEndpointsPerScope)
	}
	secret := webhook.NewSecret()
	e.Secrets = []checkout.EndpointSecret{{Sealed: s.Sealer.Seal(secret)}}
	if err := s.Store.CreateEndpoint(ctx, e); err != nil {
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
		err = s.Store.UpdateEndpoint(ctx, e)
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
	sem := make(chan struct{}, 64) // attempts in flight in this process
	perEndpoint := &endpointSlots{limit: 4, held: map[string]int{}}
	var wg sync.WaitGroup
	defer wg.Wait()
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		for more := true; more && ctx.Err() == nil; {
			more = false
			n, err := s.dispatch(ctx)
			if err != nil && ctx.Err() == nil {
				s.Log.Error("dispatching events failed", "err", err)
			}
			now := s.now()
			due, err := s.Store.ClaimDeliveries(ctx, now, now.Add(s.deliveryLease()), cap(sem))
			if err != nil && ctx.Err() == nil {
				s.Log.Error("claiming deliveries failed", "err", err)
			}
			started := 0
			for _, d := range due {
				if !perEndpoint.take(d.EndpointID) {
					// The endpoint has its share in flight: hand the delivery
					// back at once rather than sit on its lease.
					d.LeaseUntil = time.Time{}
					d.Version++
					if err := s.Store.UpdateDelivery(ctx, d); err != nil && ctx.Err() == nil && !checkout.IsKind(err, checkout.KindConflict) {
						s.Log.Error("releasing a delivery failed", "delivery", d.ID, "err", err)
					}
					continue
				}
				started++
				sem <- struct{}{}
				wg.Add(1)
				go func() {
					defer func() { <-sem; perEndpoint.give(d.EndpointID); wg.Done(); s.wakeDeliveries() }()
					if err := s.attempt(context.WithoutCancel(ctx), d); err != nil {
						s.Log.Error("delivery attempt failed to record", "delivery", d.ID, "err", err)
					}
				}()
			}
			more = n > 0 || started == cap(sem)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
		}
	}
}

// endpointSlots bounds the attempts in flight to one endpoint, so a slow
// merchant server is not flooded.
type endpointSlots struct {
	mu    sync.Mutex
	limit int
	held  map[string]int
}

func (e *endpointSlots) take(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.held[id] >= e.limit {
		return false
	}
	e.held[id]++
	return true
}

func (e *endpointSlots) give(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.held[id]--; e.held[id] <= 0 {
		delete(e.held, id)
	}
}

// dispatch fans claimed events out into deliveries.
func (s *Service) dispatch(ctx context.Context) (int, error) {
	now := s.now()
	evs, err := s.Store.ClaimEvents(ctx, now, now.Add(s.deliveryLease()), 100)
	if err != nil {
		return 0, err
	}
	scopes := map[checkout.Scope][]*checkout.WebhookEndpoint{}
	for _, ev := range evs {
		scope := checkout.Scope{AccountID: ev.AccountID, Livemode: ev.Livemode}
		eps, ok := scopes[scope]
		if !ok {
			if eps, err = s.Store.EndpointsFor(ctx, scope); err != nil {
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
		if err := s.Store.Dispatch(ctx, ev.ID, s.newDeliveries(ev, targets)); err != nil && !checkout.IsKind(err, checkout.KindConflict) {
			return 0, err
		}
	}
	return len(evs), nil
}

// attempt makes one POST of delivery d and records its outcome.
func (s *Service) attempt(ctx context.Context, d *checkout.Delivery) error {
	scope := checkout.Scope{AccountID: d.AccountID, Livemode: d.Livemode}
	ev, err := s.Store.GetEvent(ctx, scope, d.EventID)
	if err != nil {
		return err
	}
	e, err := s.Store.GetEndpoint(ctx, scope, d.EndpointID)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return s.finishDelivery(ctx, d, checkout.DeliveryAttempt{At: s.now(), Error: "the endpoint was deleted"}, checkout.DeliveryFailed, time.Time{})
	}
	if err != nil {
		return err
	}
	if e.Disabled {
		return s.finishDelivery(ctx, d, checkout.DeliveryAttempt{At: s.now(), Error: "the endpoint is disabled"}, checkout.DeliveryFailed, time.Time{})
	}
	body, err := s.EncodeEvent(ev)
	if err != nil {
		return err
	}
	at := checkout.DeliveryAttempt{At: s.now()}
	start := time.Now() // latency is real time, whatever the service's clock says
	status, retryAfter, err := s.post(ctx, e, ev.ID, body)
	at.Latency = time.Since(start)
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
	changed, err := s.changeEndpoint(ctx, e.Scope(), e.ID, func(e *checkout.WebhookEndpoint) error {
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
	})
	if err != nil {
		s.Log.Error("updating an endpoint's health failed", "endpoint", e.ID, "err", err)
		return
	}
	if disabled {
		s.announceDisabled(ctx, changed)
	}
}

// announceDisabled writes the webhook_endpoint.disabled event of e, which
// endpointHealth has just disabled.
//
// The Store cannot write an endpoint and an event in one atomic write
// (Commit takes sessions, payments and events), so the two writes are
// ordered: the endpoint first, then the event. A crash between them loses
// only the notice, never delivery state, and never announces a disable that
// did not happen. The event's id is derived from the endpoint's id and the
// version the disable wrote, so writing it again (a retry here after an
// ambiguous failure) adds nothing: the store refuses an existing id.
func (s *Service) announceDisabled(ctx context.Context, e *checkout.WebhookEndpoint) {
	snap := *e
	snap.Secrets = nil
	snap.EnabledEvents = slices.Clone(e.EnabledEvents)
	snap.Metadata = maps.Clone(e.Metadata)
	ev := &checkout.Event{ID: endpointEventID(checkout.EventEndpointDisabled, e), AccountID: e.AccountID, Livemode: e.Livemode,
		Type: checkout.EventEndpointDisabled, Created: e.Updated, Sequence: e.Version, ObjectID: e.ID, Endpoint: &snap}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		err = s.Store.Commit(ctx, checkout.Change{Events: []*checkout.Event{ev}})
		if err == nil || checkout.IsKind(err, checkout.KindConflict) {
			// Conflict: an earlier try was written after all.
			s.wakeDeliveries()
			return
		}
		if ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
	}
	s.Log.Error("writing a webhook_endpoint.disabled event failed; the endpoint is disabled all the same",
		"endpoint", e.ID, "reason", e.DisabledReason, "err", err)
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
