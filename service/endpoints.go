package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/netguard"
	"github.com/checkoutd/checkoutd/webhook"
)

// Webhook endpoints: where an account's events go, and their health.

// EventTypes are the event types an endpoint can ask for ("*": all).
var EventTypes = []string{
	checkout.EventSessionCompleted, checkout.EventSessionExpired, checkout.EventSessionCanceled,
	checkout.EventAsyncPaymentSucceeded, checkout.EventAsyncPaymentFailed,
	checkout.EventPaymentSucceeded, checkout.EventPaymentFailed,
	checkout.EventPaymentReceivedLate, checkout.EventPaymentOverpaid, checkout.EventPaymentUnderpaid,
	checkout.EventEndpointDisabled,
	checkout.EventPaymentLinkCreated, checkout.EventPaymentLinkUpdated,
	checkout.EventRefundCreated, checkout.EventRefundSucceeded, checkout.EventRefundFailed, checkout.EventPaymentRefunded,
	checkout.EventCouponCreated, checkout.EventCouponDeleted, checkout.EventPromotionCodeCreated, checkout.EventPromotionCodeUpdated,
	checkout.EventProductCreated, checkout.EventProductUpdated,
	checkout.EventInvoiceCreated, checkout.EventInvoiceUpdated, checkout.EventInvoiceFinalized, checkout.EventInvoicePaid, checkout.EventInvoiceVoided,
}

// Endpoint settings, with their defaults.
const (
	DefaultRotationOverlap = 24 * time.Hour
	// DefaultDisableAfter is how long an endpoint may fail without a
	// success before it is disabled, as Svix does.
	DefaultDisableAfter  = 5 * 24 * time.Hour
	maxEndpointsPerScope = 16
)

// EndpointParams creates or changes an endpoint; nil fields are left alone
// on update.
type EndpointParams struct {
	URL           *string
	EnabledEvents []string
	Description   *string
	Metadata      map[string]string
	Disabled      *bool
	// Format is the shape of the bodies: canonical (the default) or a
	// format of Config.EventFormats.
	Format *string
}

// WebhookFormats are the formats an endpoint may take: canonical, then
// the configured ones in name order.
func (s *Service) WebhookFormats() []string {
	return append([]string{checkout.WebhookFormatCanonical}, slices.Sorted(maps.Keys(s.eventFormats))...)
}

// encoderFor is the encoder of an endpoint's format; nil when none is
// configured (the endpoint was made by a server with more formats).
func (s *Service) encoderFor(format string) EventEncoder {
	if format == "" || format == checkout.WebhookFormatCanonical {
		return s.events
	}
	return s.eventFormats[format]
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
	if !slices.Contains(s.WebhookFormats(), e.BodyFormat()) {
		return checkout.Invalid("format", "parameter_invalid", "format must be one of %s; got '%s'", strings.Join(s.WebhookFormats(), ", "), e.Format)
	}
	md, err := checkMetadata(e.Metadata)
	e.Metadata = md
	return err
}

// WebhookPolicy is the outbound-request policy for a mode: https in live mode,
// private addresses only when the operator allowed them.
func (s *Service) WebhookPolicy(livemode bool) netguard.Policy {
	return netguard.Policy{AllowPrivate: s.webhooks.AllowPrivate, RequireHTTPS: livemode}
}

// CreateEndpoint registers a webhook endpoint and returns it with its signing
// secret, which is shown only now.
func (s *Service) CreateEndpoint(ctx context.Context, scope checkout.Scope, p EndpointParams) (*checkout.WebhookEndpoint, string, error) {
	if s.sealer == nil {
		return nil, "", checkout.Errorf(checkout.KindInternal, "no_sealer", "webhook secrets need an encryption key")
	}
	now := s.now()
	e := &checkout.WebhookEndpoint{ID: s.ids.New("we"), AccountID: scope.AccountID, Livemode: scope.Livemode,
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
	e.Format = checkout.WebhookFormatCanonical
	if p.Format != nil {
		e.Format = *p.Format
	}
	if err := s.checkEndpoint(e); err != nil {
		return nil, "", err
	}
	secret := webhook.NewSecret()
	e.Secrets = []checkout.EndpointSecret{{Sealed: s.sealer.Seal(secret)}}
	// The store counts and inserts in one atomic step: a count here and an
	// insert after it would let concurrent requests pass the limit together.
	if err := s.store.CreateEndpoint(ctx, e, maxEndpointsPerScope); err != nil {
		if errors.Is(err, checkout.ErrLimit) {
			return nil, "", checkout.Invalid("url", "endpoint_limit", "at most %d webhook endpoints per account and mode", maxEndpointsPerScope)
		}
		return nil, "", err
	}
	return e, secret, nil
}

// GetEndpoint returns an endpoint of scope.
func (s *Service) GetEndpoint(ctx context.Context, scope checkout.Scope, id string) (*checkout.WebhookEndpoint, error) {
	e, err := s.store.GetEndpoint(ctx, scope, id)
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
	return s.store.ListEndpoints(ctx, scope, p)
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
		if p.Format != nil {
			e.Format = *p.Format
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
	if s.sealer == nil {
		return nil, "", checkout.Errorf(checkout.KindInternal, "no_sealer", "webhook secrets need an encryption key")
	}
	secret := webhook.NewSecret()
	overlap := s.webhooks.RotationOverlap
	e, err := s.changeEndpoint(ctx, scope, id, func(e *checkout.WebhookEndpoint) error {
		now := s.now()
		keep := []checkout.EndpointSecret{{Sealed: s.sealer.Seal(secret)}}
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
	err := s.store.DeleteEndpoint(ctx, scope, id)
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
	var e *checkout.WebhookEndpoint
	err := retryCAS(func() error {
		var err error
		if e, err = s.GetEndpoint(ctx, scope, id); err != nil {
			return err
		}
		if err := f(e); err != nil {
			return err
		}
		e.Version++
		e.Updated = s.now()
		if events == nil {
			return s.store.UpdateEndpoint(ctx, e)
		}
		return s.store.Commit(ctx, checkout.Change{Endpoint: e, Events: events(e)})
	})
	if errors.Is(err, errUnchanged) {
		return e, nil
	}
	if err != nil {
		return nil, err
	}
	return e, nil
}

// ListDeliveries returns the deliveries of one event of scope.
func (s *Service) ListDeliveries(ctx context.Context, scope checkout.Scope, eventID string) ([]*checkout.Delivery, error) {
	if _, err := s.GetEvent(ctx, scope, eventID); err != nil {
		return nil, err
	}
	return s.store.ListDeliveries(ctx, scope, eventID)
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
		e, err := s.store.GetEndpoint(ctx, scope, endpointID)
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
		all, err := s.store.EndpointsFor(ctx, scope)
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
	if err := s.store.InsertDeliveries(ctx, ds); err != nil {
		return nil, err
	}
	s.wakeDeliveries()
	return ds, nil
}

func (s *Service) newDeliveries(ev *checkout.Event, targets []*checkout.WebhookEndpoint) []*checkout.Delivery {
	now := s.now()
	ds := make([]*checkout.Delivery, 0, len(targets))
	for _, e := range targets {
		ds = append(ds, &checkout.Delivery{ID: s.ids.New("whd"), AccountID: ev.AccountID, Livemode: ev.Livemode,
			EventID: ev.ID, EndpointID: e.ID, Status: checkout.DeliveryPending, NextAt: now, Version: 1, Created: now, Updated: now})
	}
	return ds
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
		s.log.Error("updating an endpoint's health failed", "endpoint", e.ID, "err", err)
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
