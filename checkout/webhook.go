package checkout

import (
	"slices"
	"time"
)

// WebhookEndpoint is a merchant URL that receives signed events.
type WebhookEndpoint struct {
	ID        string
	AccountID string
	Livemode  bool
	URL       string
	// EnabledEvents are exact event types, or "*" for all.
	EnabledEvents []string
	Description   string
	Metadata      map[string]string
	Disabled      bool
	// DisabledReason says why the endpoint stopped receiving events
	// ("disabled by the merchant", "410 Gone", "failing for 5 days").
	DisabledReason string
	// Secrets sign deliveries: the current one first, then rotated ones
	// until their ExpiresAt. Each is sealed (encrypted) with the server key;
	// the plain secret is shown once, when made.
	Secrets []EndpointSecret
	// FailingSince is when deliveries to the endpoint started failing
	// without a success since; zero while healthy.
	FailingSince time.Time
	Version      int64
	Created      time.Time
	Updated      time.Time
	// Format is the shape of the bodies it receives: WebhookFormatCanonical
	// or a dialect's (seed 003's "checkout_sessions"). "" is canonical:
	// endpoints stored before formats existed read so.
	Format string
}

// WebhookFormatCanonical is the canonical API's event shape, every
// endpoint's default.
const WebhookFormatCanonical = "canonical"

// BodyFormat is the endpoint's format, canonical when none was stored.
func (e *WebhookEndpoint) BodyFormat() string {
	if e.Format == "" {
		return WebhookFormatCanonical
	}
	return e.Format
}

// EventEndpointDisabled announces that checkoutd disabled an endpoint by
// itself: it answered 410 Gone, or its deliveries failed for too long. The
// endpoint's DisabledReason says which. An endpoint the merchant disables
// writes no event: the merchant knows.
const EventEndpointDisabled = "webhook_endpoint.disabled"

// EndpointSecret is one signing secret of an endpoint, sealed.
type EndpointSecret struct {
	Sealed    []byte
	ExpiresAt time.Time // zero for the current secret
}

// Scope returns the endpoint's scope.
func (e *WebhookEndpoint) Scope() Scope { return Scope{AccountID: e.AccountID, Livemode: e.Livemode} }

// Wants reports whether the endpoint receives events of type t.
func (e *WebhookEndpoint) Wants(t string) bool {
	return !e.Disabled && (slices.Contains(e.EnabledEvents, "*") || slices.Contains(e.EnabledEvents, t))
}

// LiveSecrets returns the secrets that sign a delivery at now: the current
// one and any rotated one not yet expired.
func (e *WebhookEndpoint) LiveSecrets(now time.Time) []EndpointSecret {
	var out []EndpointSecret
	for _, s := range e.Secrets {
		if s.ExpiresAt.IsZero() || now.Before(s.ExpiresAt) {
			out = append(out, s)
		}
	}
	return out
}

// DeliveryStatus is where the delivery of one event to one endpoint stands.
type DeliveryStatus string

const (
	DeliveryPending   DeliveryStatus = "pending"
	DeliveryDelivered DeliveryStatus = "delivered"
	DeliveryFailed    DeliveryStatus = "failed"
)

// Delivery is the delivery of one event to one endpoint, with every attempt.
type Delivery struct {
	ID         string
	AccountID  string
	Livemode   bool
	EventID    string
	EndpointID string
	Status     DeliveryStatus
	// NextAt is when the next attempt is due (pending only).
	NextAt time.Time
	// LeaseUntil: a worker holding the delivery until then makes its attempt;
	// past it, the worker is presumed dead and another may take it.
	LeaseUntil time.Time
	Attempts   []DeliveryAttempt
	Version    int64
	Created    time.Time
	Updated    time.Time
}

// DeliveryAttempt is one POST of a delivery.
type DeliveryAttempt struct {
	At         time.Time
	StatusCode int // 0 when no response came
	Latency    time.Duration
	Error      string // transport error or a short reason; never secrets
}
