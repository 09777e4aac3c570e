package redis

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// Objects are stored as the JSON of their domain type, with every time in
// UTC at microsecond precision, so that what is read back equals what was
// written. The scripts read a few fields of it (Version, AccountID,
// Livemode, Status, …) with cjson; they never write JSON.

// micros is how scripts and scores take a time: unix microseconds, "0" for
// the zero time. A double holds them exactly, so they sort right as scores.
func micros(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixMicro(), 10)
}

// fromMicros is the inverse of micros.
func fromMicros(s string) (time.Time, error) {
	us, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("redis: bad time %q: %w", s, err)
	}
	if us == 0 {
		return time.Time{}, nil
	}
	return time.UnixMicro(us).UTC(), nil
}

// utc normalizes a time: UTC, microsecond precision, and the zero time
// stays the zero time.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

func encode(what string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("redis: encode %s: %w", what, err)
	}
	return b, nil
}

func decode(what string, data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("redis: decode %s: %w", what, err)
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

func encodeKey(k *checkout.APIKey) ([]byte, error) {
	c := *k
	c.Created = utc(c.Created)
	return encode("api key", &c)
}

func decodeKey(data []byte) (*checkout.APIKey, error) {
	var k checkout.APIKey
	if err := decode("api key", data, &k); err != nil {
		return nil, err
	}
	k.Created = utc(k.Created)
	return &k, nil
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

// paymentDue is the time by which p, awaiting the customer, must be paid;
// zero if there is none.
func paymentDue(p *checkout.Payment) time.Time {
	if p.Action == nil {
		return time.Time{}
	}
	return p.Action.ExpiresAt
}

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

// decodeDelivery decodes a delivery's JSON together with its version and
// lease, which claims change without rewriting the JSON.
func decodeDelivery(data []byte, version, lease string) (*checkout.Delivery, error) {
	var d checkout.Delivery
	if err := decode("delivery", data, &d); err != nil {
		return nil, err
	}
	v, err := strconv.ParseInt(version, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("redis: bad delivery version %q: %w", version, err)
	}
	if d.LeaseUntil, err = fromMicros(lease); err != nil {
		return nil, err
	}
	d.Version = v
	normalizeDelivery(&d)
	return &d, nil
}

// normalizeDelivery normalizes the times of d and of its attempts, which
// it must own.
func normalizeDelivery(d *checkout.Delivery) {
	d.NextAt, d.LeaseUntil = utc(d.NextAt), utc(d.LeaseUntil)
	d.Created, d.Updated = utc(d.Created), utc(d.Updated)
	for i := range d.Attempts {
		d.Attempts[i].At = utc(d.Attempts[i].At)
	}
}
