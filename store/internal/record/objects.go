package record

import (
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// EncodeAccount is the stored JSON of a.
func EncodeAccount(a *checkout.Account) ([]byte, error) {
	c := *a
	c.Created = UTC(c.Created)
	return encode("account", &c)
}

// DecodeAccount is the inverse of EncodeAccount.
func DecodeAccount(data []byte) (*checkout.Account, error) {
	var a checkout.Account
	if err := decode("account", data, &a); err != nil {
		return nil, err
	}
	a.Created = UTC(a.Created)
	return &a, nil
}

// EncodeKey is the stored JSON of k, for a store that keeps keys as JSON
// (store/sqlite and store/postgres keep them in columns).
func EncodeKey(k *checkout.APIKey) ([]byte, error) {
	c := *k
	c.Created = UTC(c.Created)
	return encode("api key", &c)
}

// DecodeKey is the inverse of EncodeKey.
func DecodeKey(data []byte) (*checkout.APIKey, error) {
	var k checkout.APIKey
	if err := decode("api key", data, &k); err != nil {
		return nil, err
	}
	k.Created = UTC(k.Created)
	return &k, nil
}

// EncodeSession is the stored JSON of s.
func EncodeSession(s *checkout.Session) ([]byte, error) {
	c := *s
	normalizeSession(&c)
	// Room for the usual session in one allocation: its keys, numbers and
	// times take about 800 bytes, a line item about 200.
	b, err := appendSession(make([]byte, 0, 1024+256*len(c.LineItems)), &c)
	if err != nil {
		return nil, encodeError("session", err)
	}
	return b, nil
}

// DecodeSession is the inverse of EncodeSession. A store that reads a
// session often decodes through a SessionCache instead.
func DecodeSession(data []byte) (*checkout.Session, error) {
	var s checkout.Session
	if err := decode("session", data, &s); err != nil {
		return nil, err
	}
	normalizeSession(&s)
	return &s, nil
}

// normalizeSession normalizes the times of s. InFlightSince is kept as
// given, as store/sqlite always has: no store indexes it, and the service's
// clock gives it normalized already.
func normalizeSession(s *checkout.Session) {
	for _, t := range []*time.Time{&s.Created, &s.Updated, &s.ExpiresAt, &s.AccessedAt, &s.CompletedAt, &s.ExpiredAt} {
		*t = UTC(*t)
	}
}

// EncodePayment is the stored JSON of p.
func EncodePayment(p *checkout.Payment) ([]byte, error) {
	c := p.Clone()
	normalizePayment(c)
	return encode("payment", storePayment(c))
}

// DecodePayment is the inverse of EncodePayment.
func DecodePayment(data []byte) (*checkout.Payment, error) {
	var sp storedPayment
	if err := decode("payment", data, &sp); err != nil {
		return nil, err
	}
	p := sp.payment()
	normalizePayment(p)
	return p, nil
}

// normalizePayment normalizes the times of p and of its action, which it
// must own.
func normalizePayment(p *checkout.Payment) {
	p.Created, p.Updated = UTC(p.Created), UTC(p.Updated)
	if p.Action != nil {
		p.Action.ExpiresAt = UTC(p.Action.ExpiresAt)
	}
}

// EncodeEvent is the stored JSON of e, its session and payment snapshots
// normalized like the objects themselves. The endpoint of an endpoint event
// is kept as given.
func EncodeEvent(e *checkout.Event) ([]byte, error) {
	c := *e
	c.Created = UTC(c.Created)
	if e.Session != nil {
		snap := *e.Session
		normalizeSession(&snap)
		c.Session = &snap
	}
	if e.Payment != nil {
		c.Payment = e.Payment.Clone()
		normalizePayment(c.Payment)
	}
	return encode("event", storeEvent(&c))
}

// DecodeEvent is the inverse of EncodeEvent.
func DecodeEvent(data []byte) (*checkout.Event, error) {
	var se storedEvent
	if err := decode("event", data, &se); err != nil {
		return nil, err
	}
	e := se.event()
	e.Created = UTC(e.Created)
	if e.Session != nil {
		normalizeSession(e.Session)
	}
	if e.Payment != nil {
		normalizePayment(e.Payment)
	}
	return e, nil
}

// EncodeEndpoint is the stored JSON of e. An empty list of secrets stays
// empty ([]), a nil one null.
func EncodeEndpoint(e *checkout.WebhookEndpoint) ([]byte, error) {
	c := *e
	if e.Secrets != nil {
		c.Secrets = make([]checkout.EndpointSecret, len(e.Secrets))
		copy(c.Secrets, e.Secrets)
	}
	normalizeEndpoint(&c)
	return encode("webhook endpoint", &c)
}

// DecodeEndpoint is the inverse of EncodeEndpoint.
func DecodeEndpoint(data []byte) (*checkout.WebhookEndpoint, error) {
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
	e.Created, e.Updated, e.FailingSince = UTC(e.Created), UTC(e.Updated), UTC(e.FailingSince)
	for i := range e.Secrets {
		e.Secrets[i].ExpiresAt = UTC(e.Secrets[i].ExpiresAt)
	}
}

// EncodeDelivery is the stored JSON of d. An empty list of attempts stays
// empty ([]), a nil one null.
func EncodeDelivery(d *checkout.Delivery) ([]byte, error) {
	c := *d
	if d.Attempts != nil {
		c.Attempts = make([]checkout.DeliveryAttempt, len(d.Attempts))
		copy(c.Attempts, d.Attempts)
	}
	normalizeDelivery(&c)
	return encode("delivery", &c)
}

// DecodeDelivery is the inverse of EncodeDelivery. A store whose claims
// change a delivery's version and lease without rewriting its JSON sets
// those from where it keeps them.
func DecodeDelivery(data []byte) (*checkout.Delivery, error) {
	var d checkout.Delivery
	if err := decode("delivery", data, &d); err != nil {
		return nil, err
	}
	normalizeDelivery(&d)
	return &d, nil
}

// normalizeDelivery normalizes the times of d and of its attempts, which it
// must own.
func normalizeDelivery(d *checkout.Delivery) {
	d.NextAt, d.LeaseUntil = UTC(d.NextAt), UTC(d.LeaseUntil)
	d.Created, d.Updated = UTC(d.Created), UTC(d.Updated)
	for i := range d.Attempts {
		d.Attempts[i].At = UTC(d.Attempts[i].At)
	}
}
