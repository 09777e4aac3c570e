package postgres

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// The data column of every table is the object as JSON. Objects are encoded
// with their times in UTC at microsecond precision, the precision every
// store keeps, so the JSON agrees with the columns and an object reads back
// equal to what was written. Encoding never changes the caller's object.

// encode is json.Marshal with the store's error.
func encode(what string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("postgres: encode %s: %w", what, err)
	}
	return b, nil
}

// decode is json.Unmarshal with the store's error.
func decode(what string, data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("postgres: decode %s: %w", what, err)
	}
	return nil
}

func encodeAccount(a *checkout.Account) ([]byte, error) {
	c := *a
	c.Created = utc(c.Created)
	return encode("account", &c)
}

func decodeAccount(data []byte) (*checkout.Account, error) {
	var a checkout.Account
	if err := decode("account", data, &a); err != nil {
		return nil, err
	}
	a.Created = utc(a.Created)
	return &a, nil
}

func encodeSession(s *checkout.Session) ([]byte, error) {
	c := *s
	normalizeSession(&c)
	return encode("session", &c)
}

func decodeSession(data []byte) (*checkout.Session, error) {
	var s checkout.Session
	if err := decode("session", data, &s); err != nil {
		return nil, err
	}
	normalizeSession(&s)
	return &s, nil
}

func normalizeSession(s *checkout.Session) {
	for _, t := range []*time.Time{&s.Created, &s.Updated, &s.ExpiresAt, &s.AccessedAt, &s.CompletedAt, &s.ExpiredAt, &s.InFlightSince} {
		*t = utc(*t)
	}
}

func encodePayment(p *checkout.Payment) ([]byte, error) {
	c := p.Clone()
	normalizePayment(c)
	return encode("payment", c)
}

func decodePayment(data []byte) (*checkout.Payment, error) {
	var p checkout.Payment
	if err := decode("payment", data, &p); err != nil {
		return nil, err
	}
	normalizePayment(&p)
	return &p, nil
}

// normalizePayment normalizes the times of p and of its action, which it
// must own.
func normalizePayment(p *checkout.Payment) {
	p.Created, p.Updated = utc(p.Created), utc(p.Updated)
	if p.Action != nil {
		p.Action.ExpiresAt = utc(p.Action.ExpiresAt)
	}
}

// encodeEvent encodes e with its snapshots.
func encodeEvent(e *checkout.Event) ([]byte, error) {
	c := *e
	c.Created = utc(c.Created)
	if e.Session != nil {
		snap := *e.Session
		normalizeSession(&snap)
		c.Session = &snap
	}
	if e.Payment != nil {
		c.Payment = e.Payment.Clone()
		normalizePayment(c.Payment)
	}
	return encode("event", &c)
}

func decodeEvent(data []byte) (*checkout.Event, error) {
	var e checkout.Event
	if err := decode("event", data, &e); err != nil {
		return nil, err
	}
	e.Created = utc(e.Created)
	if e.Session != nil {
		normalizeSession(e.Session)
	}
	if e.Payment != nil {
		normalizePayment(e.Payment)
	}
	return &e, nil
}

func encodeEndpoint(e *checkout.WebhookEndpoint) ([]byte, error) {
	c := *e
	c.Secrets = append([]checkout.EndpointSecret(nil), e.Secrets...)
	normalizeEndpoint(&c)
	return encode("webhook endpoint", &c)
}

func decodeEndpoint(data []byte) (*checkout.WebhookEndpoint, error) {
	var e checkout.WebhookEndpoint
	if err := decode("webhook endpoint", data, &e); err != nil {
		return nil, err
	}
	normalizeEndpoint(&e)
	return &e, nil
}

// normalizeEndpoint normalizes the times of e and of its secrets, which it
// must own.
func normalizeEndpoint(e *checkout.WebhookEndpoint) {
	e.Created, e.Updated, e.FailingSince = utc(e.Created), utc(e.Updated), utc(e.FailingSince)
	for i := range e.Secrets {
		e.Secrets[i].ExpiresAt = utc(e.Secrets[i].ExpiresAt)
	}
}

func encodeDelivery(d *checkout.Delivery) ([]byte, error) {
	c := *d
	c.Attempts = append([]checkout.DeliveryAttempt(nil), d.Attempts...)
	normalizeDelivery(&c)
	return encode("delivery", &c)
}

// decodeDelivery decodes a delivery's data and sets the fields a claim
// writes to their columns, version and lease_until, which are newer than
// data once the delivery has been claimed (see ClaimDeliveries).
func decodeDelivery(data []byte, version, leaseUntil int64) (*checkout.Delivery, error) {
	var d checkout.Delivery
	if err := decode("delivery", data, &d); err != nil {
		return nil, err
	}
	normalizeDelivery(&d)
	d.Version, d.LeaseUntil = version, fromMicros(leaseUntil)
	return &d, nil
}

// normalizeDelivery normalizes the times of d and of its attempts, which it
// must own.
func normalizeDelivery(d *checkout.Delivery) {
	d.NextAt, d.LeaseUntil = utc(d.NextAt), utc(d.LeaseUntil)
	d.Created, d.Updated = utc(d.Created), utc(d.Updated)
	for i := range d.Attempts {
		d.Attempts[i].At = utc(d.Attempts[i].At)
	}
}
