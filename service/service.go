// Package service holds every use case of checkoutd: creating, reading, listing
// and expiring sessions, accounts and keys, the expiry sweep. The HTTP API, its
// dialects, the hosted page and the CLI all call it; none of them holds a rule.
package service

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// Service is the set of use cases over one store.
type Service struct {
	Store checkout.Store
	Clock checkout.Clock
	IDs   checkout.IDs
	// PublicURL is the base URL customers reach the hosted page at, without
	// a trailing slash; session urls are PublicURL + "/checkout/" + id.
	PublicURL string
	Log       *slog.Logger
	// Providers finds the payment provider of an account, mode and method
	// (to start a payment) or provider name (for everything after).
	Providers *Registry
	// MaxFailedAttempts is how many declined card payments a session takes
	// before refusing cards; 0 means DefaultMaxFailedAttempts.
	MaxFailedAttempts int
	// Webhooks. Sealer encrypts endpoint secrets at rest; EncodeEvent renders
	// an event as its webhook body (the API's JSON shape, from the http
	// layer); RetrySchedule overrides DefaultRetrySchedule (tests compress
	// it); RotationOverlap overrides DefaultRotationOverlap;
	// WebhookAllowPrivate lets webhooks reach private addresses (local
	// development only); WebhookDisableAfter overrides DefaultDisableAfter
	// and WebhookTimeout DefaultDeliveryTimeout (tests shorten both).
	Sealer              *Sealer
	EncodeEvent         func(*checkout.Event) ([]byte, error)
	RetrySchedule       []time.Duration
	RotationOverlap     time.Duration
	WebhookAllowPrivate bool
	WebhookDisableAfter time.Duration
	WebhookTimeout      time.Duration

	// OnTransition, when set, is told of every transition written (metrics).
	OnTransition func(t checkout.Transition)

	wake        chan struct{} // pokes RunDeliveries (see wakeDeliveries)
	wakeOnce    sync.Once
	clients     map[bool]*http.Client // webhook clients by livemode
	clientsOnce sync.Once

	keys     sync.Map // string(hash) → cachedKey
	used     sync.Map // key id → time.Time its use was last recorded (see noteUse)
	accounts sync.Map // account id → cachedAccount
}

// New returns a Service with the real clock and random ids.
func New(store checkout.Store, publicURL string, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{Store: store, Clock: checkout.SystemClock{}, IDs: checkout.RandomIDs{}, PublicURL: publicURL, Log: log}
}

func (s *Service) now() time.Time { return s.Clock.Now() }

// maxCASRetries bounds how often a use case reloads and retries after losing
// a compare-and-set to a concurrent writer before reporting the conflict.
const maxCASRetries = 5

// transition loads a session, applies t and writes it with its event, retrying
// on lost compare-and-set races. The state check is redone on every attempt,
// so of many racing callers exactly one performs the transition; the others
// see the new state and get its KindState error.
func (s *Service) transition(ctx context.Context, load func() (*checkout.Session, error), t checkout.Transition) (*checkout.Session, error) {
	for attempt := 0; ; attempt++ {
		sess, err := load()
		if err != nil {
			return nil, err
		}
		ev, err := sess.Apply(t, s.now(), s.IDs.New("evt"))
		if err != nil {
			return nil, err
		}
		err = s.Store.Commit(ctx, checkout.Change{Session: sess, Events: []*checkout.Event{ev}})
		if err == nil {
			if s.OnTransition != nil {
				s.OnTransition(t)
			}
			s.wakeDeliveries()
			return sess, nil
		}
		if !checkout.IsKind(err, checkout.KindConflict) || attempt >= maxCASRetries {
			return nil, err
		}
	}
}
