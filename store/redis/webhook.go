package redis

import (
	"context"
	"fmt"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// Webhook endpoints, the outbox of events and their deliveries. Every
// claim is a compare-and-set inside one script, which Redis runs alone, so
// two claimers (in any processes) never get the same item while its lease
// is live.

// CreateEndpoint stores e as version 1 (and sets e.Version to 1) unless
// its scope holds max endpoints already, counted in the same script.
func (s *Store) CreateEndpoint(ctx context.Context, e *checkout.WebhookEndpoint, max int) error {
	e.Version = 1
	data, err := record.EncodeEndpoint(e)
	if err != nil {
		return err
	}
	err = s.run(ctx, endpointCreateScript, e.ID, e.AccountID, mode(e.Livemode), data, max).Err()
	return translate("create webhook endpoint", err)
}

// GetEndpoint returns the endpoint with id in scope.
func (s *Store) GetEndpoint(ctx context.Context, scope checkout.Scope, id string) (*checkout.WebhookEndpoint, error) {
	data, err := s.get(ctx, s.k.object("endpoint", id)).Bytes()
	if err != nil {
		return nil, translate("get webhook endpoint", err)
	}
	e, err := record.DecodeEndpoint(data)
	if err != nil {
		return nil, err
	}
	if e.Scope() != scope {
		return nil, checkout.ErrNotFound
	}
	return e, nil
}

// ListEndpoints pages the scope's endpoints, newest first.
func (s *Store) ListEndpoints(ctx context.Context, scope checkout.Scope, p checkout.ListParams) (checkout.Page[*checkout.WebhookEndpoint], error) {
	all := s.k.scoped("endpoints", scope)
	return list(ctx, s, listing{kind: "endpoint", what: "webhook_endpoint", scope: all, sources: []string{all}}, p,
		func(it item) (*checkout.WebhookEndpoint, bool, error) {
			e, err := record.DecodeEndpoint(it.data)
			return e, err == nil, err
		})
}

// UpdateEndpoint writes e if the stored version (in e's scope) is e.Version-1.
func (s *Store) UpdateEndpoint(ctx context.Context, e *checkout.WebhookEndpoint) error {
	data, err := record.EncodeEndpoint(e)
	if err != nil {
		return err
	}
	err = s.run(ctx, endpointUpdateScript, e.ID, e.AccountID, mode(e.Livemode), e.Version, data).Err()
	return translate("update webhook endpoint", err)
}

// DeleteEndpoint deletes the endpoint and its pending deliveries in one script.
func (s *Store) DeleteEndpoint(ctx context.Context, scope checkout.Scope, id string) error {
	err := s.run(ctx, endpointDeleteScript, id, scope.AccountID, mode(scope.Livemode)).Err()
	return translate("delete webhook endpoint", err)
}

// EndpointsFor returns the scope's enabled endpoints, oldest first.
func (s *Store) EndpointsFor(ctx context.Context, scope checkout.Scope) ([]*checkout.WebhookEndpoint, error) {
	var out []*checkout.WebhookEndpoint
	w := walk{kind: "endpoint", sources: []string{s.k.scoped("endpoints", scope)}}
	err := s.walk(ctx, w, func(it item) (bool, error) {
		e, err := record.DecodeEndpoint(it.data)
		if err != nil {
			return false, err
		}
		if !e.Disabled {
			out = append(out, e)
		}
		return true, nil
	})
	return out, err
}

// ClaimEvents leases up to limit undispatched events whose lease has
// lapsed, oldest first.
func (s *Store) ClaimEvents(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*checkout.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	res, err := s.run(ctx, claimEventsScript, micros(now), micros(leaseUntil), limit).StringSlice()
	if err != nil {
		return nil, translate("claim events", err)
	}
	out := make([]*checkout.Event, 0, len(res))
	for _, data := range res {
		e, err := record.DecodeEvent([]byte(data))
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Dispatch marks the event dispatched and inserts its deliveries (each as
// version 1, setting its Version) in one script.
func (s *Store) Dispatch(ctx context.Context, eventID string, deliveries []*checkout.Delivery) error {
	for _, d := range deliveries {
		if d.EventID != eventID {
			return fmt.Errorf("redis: dispatch %s: delivery %s is of event %q", eventID, d.ID, d.EventID)
		}
	}
	args, err := deliveryArgs([]any{s.retentionMillis(), eventID}, deliveries)
	if err != nil {
		return err
	}
	return translate("dispatch event", s.run(ctx, dispatchScript, args...).Err())
}

// ClaimDeliveries leases up to limit due deliveries, earliest NextAt first,
// each with a compare-and-set on its version.
func (s *Store) ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*checkout.Delivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	res, err := s.run(ctx, claimDeliveriesScript, micros(now), micros(leaseUntil), limit).StringSlice()
	if err != nil {
		return nil, translate("claim deliveries", err)
	}
	out := make([]*checkout.Delivery, 0, len(res)/3)
	for i := 0; i+3 <= len(res); i += 3 {
		d, err := decodeDelivery([]byte(res[i]), res[i+1], res[i+2])
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// UpdateDelivery writes d if the stored version (in d's scope) is d.Version-1.
func (s *Store) UpdateDelivery(ctx context.Context, d *checkout.Delivery) error {
	data, err := record.EncodeDelivery(d)
	if err != nil {
		return err
	}
	err = s.run(ctx, updateDeliveryScript, s.retentionMillis(), d.ID, d.AccountID, mode(d.Livemode), d.Version, data,
		string(d.Status), micros(d.NextAt), micros(d.LeaseUntil)).Err()
	return translate("update delivery", err)
}

// InsertDeliveries stores ds, each as version 1 (setting its Version), all
// or none.
func (s *Store) InsertDeliveries(ctx context.Context, ds []*checkout.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	args, err := deliveryArgs([]any{s.retentionMillis()}, ds)
	if err != nil {
		return err
	}
	return translate("insert deliveries", s.run(ctx, insertDeliveriesScript, args...).Err())
}

// ListDeliveries returns the event's deliveries in scope, oldest first.
func (s *Store) ListDeliveries(ctx context.Context, scope checkout.Scope, eventID string) ([]*checkout.Delivery, error) {
	out := []*checkout.Delivery{}
	w := walk{kind: "delivery", sources: []string{s.k.deliveries(eventID)}}
	err := s.walk(ctx, w, func(it item) (bool, error) {
		d, err := decodeDelivery(it.data, it.version, it.lease)
		if err != nil {
			return false, err
		}
		if d.AccountID == scope.AccountID && d.Livemode == scope.Livemode {
			out = append(out, d)
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// deliveryArgs appends to args the count of ds and each of them as the
// scripts take it (see insertDeliveries in lua/prelude.lua), setting each
// Version to 1.
func deliveryArgs(args []any, ds []*checkout.Delivery) ([]any, error) {
	args = append(args, len(ds))
	for _, d := range ds {
		d.Version = 1
		data, err := record.EncodeDelivery(d)
		if err != nil {
			return nil, err
		}
		args = append(args, d.ID, d.AccountID, mode(d.Livemode), d.EventID, d.EndpointID,
			string(d.Status), micros(d.NextAt), micros(d.LeaseUntil), data)
	}
	return args, nil
}
