package checkout

import (
	"context"
	"time"
)

// Store keeps accounts, sessions, payments, events, webhook endpoints and
// deliveries, and idempotency records. Every backend (SQLite, Redis,
// PostgreSQL) implements it and passes store/storetest, which has one
// suite per role below. A caller that needs one role takes that interface,
// not the whole Store.
//
// Errors: ErrNotFound (or an *Error of KindNotFound) for missing objects,
// ErrConflict (KindConflict) when a compare-and-set loses or an id exists,
// ErrLimit when a create would pass a count limit, anything else is
// internal. Reads of scoped objects never return an object
// of another scope: they answer not-found.
//
// Ids, cursors and filters come from URLs and may be any string, including
// NUL bytes and invalid UTF-8 that a backend cannot hold: a read by such an
// id is not-found, such a cursor is the unknown-cursor error, and such a
// filter matches nothing; never an internal error (storetest's Hostile case).
type Store interface {
	AccountStore
	SessionStore
	PaymentStore
	EventStore
	EndpointStore
	IdempotencyStore
	ObjectStore

	// Ping reports whether the store can serve requests (for /readyz).
	Ping(ctx context.Context) error
	Close() error
}

// Committer writes a Change: the one write that spans roles, so that an
// object and the events recording its change are stored together or not
// at all.
type Committer interface {
	// Commit writes one change atomically: all of it or nothing.
	//  - Session, when set, is written only if the stored version is Session.Version-1.
	//  - Payment, when set, is inserted when Payment.Version is 1 (ErrConflict
	//    if the id exists), else written only if its stored version is
	//    Payment.Version-1 (in its scope).
	//  - Endpoint, when set, is written only if its stored version (in its
	//    scope) is Endpoint.Version-1, like UpdateEndpoint; ErrConflict if
	//    it is missing. Endpoints are created by CreateEndpoint, which
	//    keeps their count limit.
	//  - Objects are each inserted when ObjectVersion is 1 (ErrConflict if
	//    an object of its kind has the id), else written only if the stored
	//    version (of its kind and id, in its scope) is ObjectVersion-1. An
	//    object's lookup keys become its LookupKeys: ErrConflict if another
	//    object of the kind holds one of them.
	//  - Events are appended (ErrConflict if an id exists).
	// A failed version check is ErrConflict and writes nothing.
	Commit(ctx context.Context, c Change) error
}

// AccountStore keeps accounts (tenants) and their API keys.
type AccountStore interface {
	// CreateAccount stores a new account together with its first keys, atomically.
	// ErrConflict if the account id or a key hash exists.
	CreateAccount(ctx context.Context, a *Account, keys []*APIKey) error
	// GetAccount returns ErrNotFound for an unknown id.
	GetAccount(ctx context.Context, id string) (*Account, error)
	// UpdateAccount writes a only if the stored version is a.Version-1: a
	// compare-and-set, so concurrent updates cannot undo each other's
	// fields silently (the loser rereads and applies its change again).
	// ErrConflict if the version differs, ErrNotFound if there is no
	// account a.ID.
	UpdateAccount(ctx context.Context, a *Account) error
	// ListAccounts returns all accounts, oldest first.
	ListAccounts(ctx context.Context) ([]*Account, error)
	// CreateAPIKey adds a key to an existing account; ErrNotFound if it has gone.
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// FindAPIKey looks a key up by HashKey of its secret; ErrNotFound if none.
	// Revoked and expired keys are returned too: the caller decides.
	FindAPIKey(ctx context.Context, hash []byte) (*APIKey, error)
	// ListAPIKeys returns one page of the scope's keys, revoked ones
	// included, newest first. An unknown cursor is a KindNotFound error
	// naming the cursor parameter.
	ListAPIKeys(ctx context.Context, scope Scope, p ListParams) (Page[*APIKey], error)
	// GetAPIKey returns the key with id, ErrNotFound outside scope.
	GetAPIKey(ctx context.Context, scope Scope, id string) (*APIKey, error)
	// RevokeAPIKey sets the key's Revoked to at, unless it is revoked
	// already (then it is left as it is), and returns the key as stored.
	// ErrNotFound outside scope.
	RevokeAPIKey(ctx context.Context, scope Scope, id string, at time.Time) (*APIKey, error)
	// RollAPIKey atomically stores next (in scope) and sets the ExpiresAt of
	// key id to expiresAt, and returns that key as stored. Only a key with
	// neither Revoked nor ExpiresAt set can be rolled: otherwise, or if
	// next's hash or id exists, ErrConflict and nothing is written.
	// ErrNotFound if there is no key id in scope.
	RollAPIKey(ctx context.Context, scope Scope, id string, expiresAt time.Time, next *APIKey) (*APIKey, error)
	// TouchAPIKey records that key id was used at at: its LastUsed becomes
	// at if that is later. It changes nothing else, so it never undoes a
	// revocation; a missing key is not an error.
	TouchAPIKey(ctx context.Context, id string, at time.Time) error
}

// SessionStore keeps checkout sessions. Sessions change only through Commit.
type SessionStore interface {
	Committer

	// CreateSession stores a new session (Version 1). ErrConflict if the id
	// exists.
	CreateSession(ctx context.Context, s *Session) error
	// GetSession returns the session as stored, ErrNotFound outside scope.
	GetSession(ctx context.Context, scope Scope, id string) (*Session, error)
	// FindSession returns a session by id alone, for customer-facing pages
	// that carry no key. ErrNotFound if none.
	FindSession(ctx context.Context, id string) (*Session, error)
	// ListSessions returns one page of the scope's sessions, newest first.
	// An unknown cursor is a KindNotFound error naming the cursor parameter.
	ListSessions(ctx context.Context, scope Scope, f SessionFilter) (Page[*Session], error)
	// DueSessions returns up to limit sessions, of any scope, stored as open
	// with ExpiresAt <= now, earliest first: the expiry sweeper's work.
	DueSessions(ctx context.Context, now time.Time, limit int) ([]*Session, error)
}

// PaymentStore keeps payments, which are written only through Commit.
type PaymentStore interface {
	Committer

	// GetPayment returns ErrNotFound outside scope.
	GetPayment(ctx context.Context, scope Scope, id string) (*Payment, error)
	// FindPayment returns a payment by id alone, for customer-facing pages
	// that carry no key. ErrNotFound if none.
	FindPayment(ctx context.Context, id string) (*Payment, error)
	// FindPaymentByRef returns the payment through provider whose
	// ProviderRef is ref, whatever its scope: a gateway's callback names
	// only its own reference. A reference is the provider's id of the
	// attempt, so one payment carries it; should several, the one created
	// last is returned. ErrNotFound if none, and for the empty ref.
	FindPaymentByRef(ctx context.Context, provider, ref string) (*Payment, error)
	// ListPayments returns one page of the scope's payments, newest first;
	// SessionID filters. An unknown cursor is a KindNotFound error naming
	// the cursor parameter.
	ListPayments(ctx context.Context, scope Scope, f PaymentFilter) (Page[*Payment], error)

	// DuePayments returns up to limit payments, of any scope and status,
	// whose Due() is set and <= now, earliest Due first: the sweeper's
	// work, payments whose notification may be lost to ask the provider
	// about (CheckAt), unpaid vouchers past their deadline, and final
	// payments with a pending refund to ask about (CheckAt). A commit that
	// moves Due (a reconciler's claim) moves the payment in this order;
	// one that clears it takes it out.
	DuePayments(ctx context.Context, now time.Time, limit int) ([]*Payment, error)

	// PendingPayments returns up to limit payments through provider in one
	// mode, of every account, that are not final or, final, still have a
	// check due (CheckAt: a lapsed deposit watched a while for a late
	// transfer, a refund to ask about), in the order they were created: the
	// set a provider that watches for payments itself (a chain watcher)
	// serves, read without the other providers' and modes' payments. A
	// commit that makes a payment final without a check, or clears the
	// check of a final one, takes it out. after is the id of the last payment of the previous page
	// ("" for the first): the page holds the pending payments created after
	// it, whether or not it is still pending, so pages read in turn list
	// each payment once, and one created meanwhile in a later page. An
	// unknown after is a KindNotFound error naming the after parameter.
	// limit <= 0 reads nothing.
	PendingPayments(ctx context.Context, provider string, livemode bool, after string, limit int) ([]*Payment, error)
}

// EventStore keeps events, written only through Commit, and the outbox
// that hands them to delivery.
type EventStore interface {
	Committer

	// GetEvent returns ErrNotFound outside scope.
	GetEvent(ctx context.Context, scope Scope, id string) (*Event, error)
	// ListEvents returns one page of the scope's events, newest first.
	ListEvents(ctx context.Context, scope Scope, f EventFilter) (Page[*Event], error)

	// The outbox. Events are written with the change they record (Commit)
	// and start undispatched; delivery work is claimed from the store with
	// leases, so many processes can share it and a dead worker's work is
	// taken over once its lease lapses. A lease is live while its time is
	// after now; every time is the caller's clock.

	// ClaimEvents returns up to limit events, of any scope, not yet
	// dispatched and not leased past now, oldest first (insertion order),
	// and leases them until leaseUntil. Two concurrent claimers never get
	// the same event while its lease is live. limit <= 0 claims nothing.
	ClaimEvents(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*Event, error)
	// Dispatch atomically inserts the event's deliveries (each as Version 1,
	// setting its Version; each EventID must be eventID) and marks the event
	// dispatched, whether or not its lease is live. If the event is
	// dispatched already, ErrConflict and nothing is inserted, so a fan-out
	// repeated after a lease lapsed adds no duplicates. ErrNotFound if there
	// is no such event; ErrConflict if a delivery id exists.
	Dispatch(ctx context.Context, eventID string, deliveries []*Delivery) error
}

// EndpointStore keeps webhook endpoints and the deliveries of events to them.
type EndpointStore interface {
	// CreateEndpoint stores a new endpoint as Version 1 (setting e.Version),
	// unless e's scope already holds max endpoints (disabled ones count):
	// then ErrLimit, and nothing is written. The count and the insert are
	// one atomic step, so concurrent creators can never take a scope past
	// max (max <= 0 refuses every create).
	// ErrConflict if the id exists.
	CreateEndpoint(ctx context.Context, e *WebhookEndpoint, max int) error
	// GetEndpoint returns the endpoint as stored, ErrNotFound outside scope.
	GetEndpoint(ctx context.Context, scope Scope, id string) (*WebhookEndpoint, error)
	// ListEndpoints returns one page of the scope's endpoints, newest first.
	// An unknown cursor is a KindNotFound error naming the cursor parameter.
	ListEndpoints(ctx context.Context, scope Scope, p ListParams) (Page[*WebhookEndpoint], error)
	// UpdateEndpoint writes e only if the stored version (in e's scope) is
	// e.Version-1; else, or if e is missing, ErrConflict.
	UpdateEndpoint(ctx context.Context, e *WebhookEndpoint) error
	// DeleteEndpoint deletes the endpoint and, atomically with it, its
	// pending deliveries (delivered and failed ones stay, as history).
	// ErrNotFound if there is none in scope.
	DeleteEndpoint(ctx context.Context, scope Scope, id string) error
	// EndpointsFor returns every endpoint of the scope that is not Disabled,
	// in creation order: the fan-out of the scope's events.
	EndpointsFor(ctx context.Context, scope Scope) ([]*WebhookEndpoint, error)

	// Deliveries: Dispatch (EventStore) makes the first of each event's.
	// ClaimDeliveries is the delivery workers' queue, leased like the
	// outbox.

	// ClaimDeliveries returns up to limit deliveries, of any scope, with
	// Status pending, NextAt <= now and LeaseUntil <= now, earliest NextAt
	// first. Each is written with LeaseUntil = leaseUntil and Version+1
	// before it is returned, as a compare-and-set, so of concurrent claimers
	// exactly one gets each delivery. limit <= 0 claims nothing.
	ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*Delivery, error)
	// UpdateDelivery writes d only if the stored version (in d's scope) is
	// d.Version-1; else, or if d is missing, ErrConflict.
	UpdateDelivery(ctx context.Context, d *Delivery) error
	// InsertDeliveries stores new deliveries (each as Version 1, setting its
	// Version) of events already dispatched, such as a resend, all or none.
	// ErrConflict if an id exists.
	InsertDeliveries(ctx context.Context, ds []*Delivery) error
	// ListDeliveries returns the deliveries of the event in scope, oldest
	// first (insertion order); empty, not an error, when there are none.
	ListDeliveries(ctx context.Context, scope Scope, eventID string) ([]*Delivery, error)
}

// ObjectStore keeps versioned objects of kinds the Store does not know by
// name (payment links, coupons, invoices, devices, …): each kind is stored
// whole by its codec, registered in store/internal/record, in one generic
// table or key space of each backend. A new kind therefore needs no Store
// method and no schema change, and commits with sessions, payments and
// events like them (Change.Objects). Objects are written only through
// Commit.
type ObjectStore interface {
	Committer

	// GetObject returns the object of kind with id, ErrNotFound outside
	// scope.
	GetObject(ctx context.Context, scope Scope, kind, id string) (Object, error)
	// FindObject returns the object of kind one of whose LookupKeys is key,
	// whatever its scope (a link's public slug, a device's token hash);
	// ErrNotFound if none.
	FindObject(ctx context.Context, kind, key string) (Object, error)
	// ListObjects returns one page of the scope's objects of kind, newest
	// (first inserted last) first. An unknown cursor is a KindNotFound
	// error naming the cursor parameter.
	ListObjects(ctx context.Context, scope Scope, kind string, p ListParams) (Page[Object], error)
}

// Object is a versioned object the Store holds without knowing its type
// (see ObjectStore). Its methods give what a backend indexes; the rest is
// the kind's stored JSON.
type Object interface {
	// ObjectKind names the kind, "payment_link"; a codec for it must be
	// registered with the stores.
	ObjectKind() string
	// ObjectID is the id, unique within the kind.
	ObjectID() string
	// Scope is the account and mode the object belongs to.
	Scope() Scope
	// ObjectVersion is the version, 1 when created, one more each write.
	ObjectVersion() int64
	// ObjectCreated is when the object was created.
	ObjectCreated() time.Time
	// LookupKeys are the object's keys for FindObject, each unique within
	// the kind across every scope; none for a kind found only by id.
	LookupKeys() []string
}

// IdempotencyStore keeps the records of Idempotency-Keys.
type IdempotencyStore interface {
	// ClaimIdempotencyKey atomically stores rec as in flight unless a live
	// record exists for (rec.Scope, rec.Key). It returns nil if rec was stored,
	// or the existing record. A record is not live (and is replaced) when it
	// was created before rec.Created-IdempotencyTTL, or when it is still in
	// flight and was created before rec.Created-IdempotencyLockTTL (its
	// request died).
	ClaimIdempotencyKey(ctx context.Context, rec *IdempotencyRecord) (*IdempotencyRecord, error)
	// FinishIdempotencyKey saves the response of a claimed record.
	FinishIdempotencyKey(ctx context.Context, rec *IdempotencyRecord) error
	// ReleaseIdempotencyKey deletes the in-flight record rec claimed
	// (identified, like in FinishIdempotencyKey, by rec.Created), so the key
	// is free again. A finished record is left alone, and so is a later
	// claim that replaced rec's after its lock lapsed: freeing that one
	// would let a third request run beside it.
	ReleaseIdempotencyKey(ctx context.Context, rec *IdempotencyRecord) error
	// PruneIdempotencyKeys deletes records created before before.
	PruneIdempotencyKeys(ctx context.Context, before time.Time) error
}

// ListParams are the cursor parameters of every list. At most one of
// StartingAfter and EndingBefore is set; both are object ids of the same list.
type ListParams struct {
	Limit         int
	StartingAfter string
	EndingBefore  string
}

// Page is one page of a list, newest first.
type Page[T any] struct {
	Items   []T
	HasMore bool
}

// SessionFilter narrows ListSessions. Zero fields do not filter. Status is
// compared as readers see it at Now (see Session.StatusAt).
type SessionFilter struct {
	ListParams
	Now           time.Time
	Status        SessionStatus
	Customer      string
	Payment       string
	CustomerEmail string
	PaymentLink   string // the sessions the payment link minted
	CreatedGTE    time.Time
	CreatedLTE    time.Time
}

// Change is one atomic write (see Committer.Commit): a session, a payment,
// a webhook endpoint, objects of other kinds, and the events that record
// what happened to them. Nil fields are not written.
type Change struct {
	Session  *Session
	Payment  *Payment
	Endpoint *WebhookEndpoint
	Objects  []Object
	Events   []*Event
}

// PaymentFilter narrows ListPayments. Zero fields do not filter.
type PaymentFilter struct {
	ListParams
	SessionID string
}

// EventFilter narrows ListEvents.
type EventFilter struct {
	ListParams
	Type     string
	ObjectID string
}

// Idempotency windows (Stripe semantics).
const (
	IdempotencyTTL     = 24 * time.Hour
	IdempotencyLockTTL = time.Minute
	MaxIdempotencyKey  = 255
)

// IdempotencyRecord is what is kept of one Idempotency-Key.
type IdempotencyRecord struct {
	Scope Scope
	Key   string
	// Fingerprint identifies the request (method, path, body); a reuse of
	// the key with another fingerprint is refused.
	Fingerprint string
	Created     time.Time
	// Done is false while the first request is in flight.
	Done bool
	// The saved response, replayed byte for byte.
	Status      int
	ContentType string
	Body        []byte
}
