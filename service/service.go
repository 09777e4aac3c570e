// Package service holds every use case of checkoutd: creating, reading, listing
// and expiring sessions, accounts and keys, the expiry sweep. The HTTP API, its
// dialects, the hosted page and the CLI all call it; none of them holds a rule.
package service

import (
	"context"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/seal"
)

// Config is what a Service is built from, once: New reads it and the
// Service keeps no way to change it after. Only Store is required; every
// other field has a default.
type Config struct {
	Store checkout.Store
	Clock checkout.Clock // default: the system clock
	IDs   checkout.IDs   // default: random ids
	// PublicURL is the base URL customers reach the hosted page at, without
	// a trailing slash; session urls are PublicURL + "/checkout/" + id.
	PublicURL string
	Log       *slog.Logger // default: discard
	// Providers finds the payment provider of an account, mode and method
	// (to start a payment) or provider name (for everything after).
	Providers *Registry
	// MaxFailedAttempts is how many declined card payments a session takes
	// before refusing cards; 0 means DefaultMaxFailedAttempts.
	MaxFailedAttempts int
	// Sealer encrypts secrets at rest (webhook signing secrets, providers'
	// credentials); without one, endpoints cannot be made nor provider
	// secrets set.
	Sealer *seal.Sealer
	// Events renders an event as its webhook body. Required to deliver
	// webhooks; the canonical API's encoder is http's.
	Events EventEncoder
	// EventFormats render an event for endpoints of another format than
	// the canonical one, by the format's name (a dialect's shape: http's
	// CheckoutSessionsEvents is "checkout_sessions"). An endpoint may name
	// a format only if it is here; another dialect's format is one more
	// entry.
	EventFormats map[string]EventEncoder
	// Observer, when set, is told of every transition written (metrics).
	Observer TransitionObserver
	Webhooks WebhookConfig
	// Images bounds stored images and the fetching of line items' images.
	Images ImageConfig
	// ReconcileAfter is how long a payment may stay undecided (processing,
	// requires_action) before the reconciler asks its provider, in case its
	// notification was lost; later checks wait longer (see nextCheck). 0
	// means DefaultReconcileAfter.
	ReconcileAfter time.Duration
	// Tokens lists the stablecoins configured per mode; nil: none.
	Tokens checkout.TokenDirectory
	// DevicePushTimeout is how long an in_store payment waits for its
	// device before it fails (DefaultDevicePushTimeout).
	DevicePushTimeout time.Duration
}

// WebhookConfig tunes webhook delivery. Zero fields take their defaults.
type WebhookConfig struct {
	// RetrySchedule is the wait before each retry (DefaultRetrySchedule).
	RetrySchedule []time.Duration
	// RotationOverlap is how long a rotated secret keeps signing
	// (DefaultRotationOverlap).
	RotationOverlap time.Duration
	// AllowPrivate lets webhooks reach private addresses (local development only).
	AllowPrivate bool
	// DisableAfter is how long an endpoint may fail before it is disabled
	// (DefaultDisableAfter).
	DisableAfter time.Duration
	// Timeout bounds one delivery attempt (DefaultDeliveryTimeout).
	Timeout time.Duration
}

// EventEncoder renders an event as the body of its webhook.
type EventEncoder interface {
	EncodeEvent(*checkout.Event) ([]byte, error)
}

// TransitionObserver is told of each session transition the service
// writes, after it is written.
type TransitionObserver interface {
	Transition(checkout.Transition)
}

// Service is the set of use cases over one store, built by New.
type Service struct {
	store             checkout.Store
	clock             checkout.Clock
	ids               checkout.IDs
	publicURL         string
	log               *slog.Logger
	providers         *Registry
	maxFailedAttempts int
	sealer            *seal.Sealer
	events            EventEncoder
	eventFormats      map[string]EventEncoder
	observer          TransitionObserver
	webhooks          WebhookConfig
	images            ImageConfig
	fetcher           *imageFetcher
	reconcileAfter    time.Duration
	tokens            checkout.TokenDirectory
	devicePushTimeout time.Duration
	devices           *deviceHub // wakes device streams of this replica (devices_push.go)

	wake    chan struct{}         // pokes RunDeliveries (see wakeDeliveries)
	clients map[bool]*http.Client // webhook clients by livemode

	keys     sync.Map // string(hash) → cachedKey
	used     sync.Map // key id → time.Time its use was last recorded (see noteUse)
	accounts sync.Map // account id → cachedAccount
}

// New returns the Service cfg describes, with its defaults filled in.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, clock: cfg.Clock, ids: cfg.IDs, publicURL: strings.TrimRight(cfg.PublicURL, "/"),
		log: cfg.Log, providers: cfg.Providers, maxFailedAttempts: cfg.MaxFailedAttempts, sealer: cfg.Sealer,
		events: cfg.Events, eventFormats: maps.Clone(cfg.EventFormats), observer: cfg.Observer, webhooks: cfg.Webhooks, images: cfg.Images, wake: make(chan struct{}, 1),
		reconcileAfter: cfg.ReconcileAfter, tokens: cfg.Tokens, devicePushTimeout: cfg.DevicePushTimeout, devices: newDeviceHub()}
	if s.devicePushTimeout <= 0 {
		s.devicePushTimeout = DefaultDevicePushTimeout
	}
	if s.clock == nil {
		s.clock = checkout.SystemClock{}
	}
	if s.ids == nil {
		s.ids = checkout.RandomIDs{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.maxFailedAttempts <= 0 {
		s.maxFailedAttempts = DefaultMaxFailedAttempts
	}
	if s.reconcileAfter <= 0 {
		s.reconcileAfter = DefaultReconcileAfter
	}
	w := &s.webhooks
	if len(w.RetrySchedule) == 0 {
		w.RetrySchedule = DefaultRetrySchedule
	}
	if w.RotationOverlap == 0 {
		w.RotationOverlap = DefaultRotationOverlap
	}
	if w.DisableAfter <= 0 {
		w.DisableAfter = DefaultDisableAfter
	}
	if w.Timeout <= 0 {
		w.Timeout = DefaultDeliveryTimeout
	}
	s.images.fill()
	s.fetcher = s.newImageFetcher()
	s.clients = map[bool]*http.Client{
		false: s.WebhookPolicy(false).Client(w.Timeout),
		true:  s.WebhookPolicy(true).Client(w.Timeout),
	}
	return s
}

// Now is the service's clock: the time every rule of it is decided at.
func (s *Service) Now() time.Time { return s.clock.Now() }

// PublicURL is the base URL of the hosted page, without a trailing slash.
func (s *Service) PublicURL() string { return s.publicURL }

func (s *Service) now() time.Time { return s.clock.Now() }

// observe tells the observer, if any, of transition t.
func (s *Service) observe(t checkout.Transition) {
	if s.observer != nil {
		s.observer.Transition(t)
	}
}

// maxCASRetries bounds how often a use case reloads and retries after losing
// a compare-and-set to a concurrent writer before reporting the conflict.
const maxCASRetries = 5

// retryCAS runs f, which reads what it changes and writes it with a
// compare-and-set, again each time the write loses to a concurrent writer,
// up to maxCASRetries more times; then the conflict is the caller's.
// f must redo its checks on each run: they may no longer hold.
func retryCAS(f func() error) error { return retryCASN(maxCASRetries, f) }

// retryCASN is retryCAS with its own bound, for an object many writers
// advance at once (a reference counter every payment of an account takes a
// value from), where losing a few races in a row is ordinary.
func retryCASN(retries int, f func() error) error {
	for attempt := 0; ; attempt++ {
		err := f()
		if err == nil || !checkout.IsKind(err, checkout.KindConflict) || attempt >= retries {
			return err
		}
	}
}

// transition loads a session, applies t and writes it with its event, retrying
// on lost compare-and-set races. The state check is redone on every attempt,
// so of many racing callers exactly one performs the transition; the others
// see the new state and get its KindState error.
func (s *Service) transition(ctx context.Context, load func() (*checkout.Session, error), t checkout.Transition) (*checkout.Session, error) {
	var sess *checkout.Session
	err := retryCAS(func() error {
		var err error
		if sess, err = load(); err != nil {
			return err
		}
		ev, err := sess.Apply(t, s.now(), s.ids.New("evt"))
		if err != nil {
			return err
		}
		return s.store.Commit(ctx, checkout.Change{Session: sess, Events: []*checkout.Event{ev}})
	})
	if err != nil {
		return nil, err
	}
	s.observe(t)
	s.wakeDeliveries()
	return sess, nil
}
