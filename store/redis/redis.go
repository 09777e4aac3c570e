// Package redis is a checkout.Store over Redis, for running any number of
// stateless checkoutd replicas over one Redis server.
//
// # Layout
//
// Every key starts with Options.Prefix (P, "checkout:" by default). Objects
// are stored whole, as JSON, under their id, which is unique across
// accounts; a session is where seed 000 keeps it:
//
//	P session:{id}      string  the session (JSON, FormatVersion first: an interface other
//	                            programs read, documented field by field in the README's
//	                            "Redis layout"); TTL: time left until expires_at + Retention
//	P payment:{id}      string  the payment; TTL: time left until the later of its action's
//	                            deadline and its next check (CheckAt) + Retention
//	P event:{id}        string  the event; no TTL until dispatched, then Retention
//	P delivery:{id}     hash    d (the delivery, JSON), v (version), l (lease until, µs),
//	                            s (status), a, m (account, mode), ev, ep (event, endpoint);
//	                            no TTL while pending, then Retention
//	P endpoint:{id}     string  the webhook endpoint; no TTL
//	P account:{id}      string  the account; no TTL
//	P apikey:{hash}     string  the API key as made (JSON), by the hex of its hash; no TTL
//	P apikey-state:{hash}  hash  r, x, u: revoked, expires at, last used (µs); no TTL
//	P apikey-id:{id}    string  the hex of key id's hash; no TTL
//	P idem:{acct}:{0|1}:{key}  hash  an idempotency record; TTL 24 h
//	P payment-ref:{provider}:{ref}  zset  payments with that provider reference, by seq
//	P object:{kind}:{id}  hash  an object of a generic kind, with its
//	                            lookup keys beside it (see object.go); no TTL
//
// Lists are sorted sets of ids scored by seq, the insertion order: a
// counter (P seq, INCR) shared by every object, never a timestamp. {sc} is
// {acct}:{0|1}, the account and the mode:
//
//	P accounts                       every account
//	P sessions:{sc}                  the scope's sessions (also what cursors resolve in)
//	P sessions:{sc}:status:{status}  by status as stored
//	P sessions:{sc}:customer:{c}     by customer, likewise :email:{e} and :payment:{p}
//	P payments:{sc}, P payments:{sc}:session:{id}
//	P events:{sc}, P events:{sc}:type:{t}, P events:{sc}:object:{id}
//	P endpoints:{sc}                 no TTL
//	P apikeys:{sc}                   the scope's key ids; no TTL
//	P deliveries:{event id}          the event's deliveries
//	P payments-pending:{0|1}:{provider}  the provider's payments in that mode, of every
//	                                 account, not final or with a check due (PendingPayments)
//
// An index lives at least as long as the objects it holds (each write
// extends its TTL, never shortens it); an entry whose object has expired
// is skipped by lists and removed from that index.
//
// The queues hold ids of every account:
//
//	P due:sessions            sessions stored as open, scored by expires_at (µs)
//	P due:payments            payments by Payment.Due (action's deadline, next check, or a final one's refund check)
//	P outbox:events           undispatched events, by seq
//	P outbox:leases           hash: event id → lease until (µs)
//	P outbox:deliveries       pending deliveries, by next_at (µs); their lease is in the delivery
//	P endpoint-pending:{id}   set: the endpoint's pending deliveries
//	P idem-created            idempotency records by creation time, for pruning
//
// # Atomicity
//
// Every write is one Lua script (EVALSHA, falling back to EVAL), so it is
// one command, sent in a pipeline with other callers' commands (see
// pipe.go), and it runs alone: a Commit checks the versions of the
// session, the payment, the endpoint and the objects, the lookup keys and
// the events' ids, and only then writes them, their index entries and the
// outbox; on a failed check it writes nothing. Claims of events and deliveries are
// compare-and-sets inside a script, so of concurrent claimers, in any
// number of processes, exactly one gets each item while its lease is live.
//
// # Redis Cluster
//
// Open connects to one Redis server (a standalone primary, with replicas
// and Sentinel or a managed failover if wanted): the store needs a single
// primary. Its scripts touch keys across accounts (the queues above are
// global, and ids are unique across accounts) and build key names from the
// ids they read, which Cluster does not allow across slots. A hash-tagged
// prefix such as "{checkout}:" would put every key in one slot, but that is
// one primary holding everything again, so Cluster buys nothing here and is
// not supported. Reads of one key (GetSession, FindSession) would work on
// any Cluster; nothing else is claimed.
//
// # TLS
//
// A rediss:// URL connects over TLS (managed services such as Upstash
// speak nothing else) and always verifies the server's certificate: against
// Options.RootCAs when a private CA signs it, else the system's CAs. The
// URL's skip_verify is refused (see tls.go).
//
// # Durability
//
// Redis keeps data in memory. To survive a restart of Redis, run it with
// the append-only file: appendonly yes. With appendfsync everysec (the
// default) a crash of the machine loses up to about one second of writes;
// appendfsync always loses none, at the cost of an fsync per write. RDB
// snapshots alone lose everything since the last snapshot. Without
// persistence, a Redis restart loses every session, event and key.
// maxmemory-policy must be noeviction: an evicted index or queue entry
// would silently lose work. CheckDurable checks both (checkoutd serve
// refuses a server that fails it unless told otherwise).
package redis

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
	goredis "github.com/redis/go-redis/v9"
)

var _ checkout.Store = (*Store)(nil)

// Option defaults and bounds.
const (
	DefaultPrefix    = "checkout:"
	DefaultRetention = 30 * 24 * time.Hour
	MinRetention     = time.Hour
)

// Options configure a Store. The zero value is the defaults.
type Options struct {
	// Prefix starts every key; default "checkout:". Tests use a unique prefix each.
	Prefix string
	// Retention is how long a session (and its payments, events, deliveries) is kept after expires_at; default 30 days, minimum 1 h (Open refuses less with an error naming the option).
	Retention time.Duration
	// RootCAs, for a rediss:// URL, are the CAs the server's certificate must be signed by, in place of the system's (a private CA); nil: the system's. The certificate is always verified (see tls.go).
	RootCAs *x509.CertPool
}

// Store is a checkout.Store over one Redis server. It is safe for
// concurrent use, and any number of Stores, in any number of processes, may
// share a server and prefix.
type Store struct {
	c         *goredis.Client
	k         keys
	retention time.Duration

	sessions record.SessionCache // sessions decoded from their JSON

	// The pipelines (see pipe.go).
	calls   chan *call
	senders sync.WaitGroup
	closeMu sync.RWMutex // held to send on calls, and to close it
	closed  bool
}

// Open connects to the Redis server at url (redis://[user:password@]host:port/db,
// rediss:// for TLS, whose server certificate is verified against
// opts.RootCAs or the system's CAs, or unix:///path/to/socket?db=N) and
// pings it.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	switch {
	case opts.Retention == 0:
		opts.Retention = DefaultRetention
	case opts.Retention < MinRetention:
		return nil, fmt.Errorf("redis: Options.Retention is %v, want at least %v", opts.Retention, MinRetention)
	}
	o, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	if err := configureTLS(o, opts.RootCAs); err != nil {
		return nil, err
	}
	c := goredis.NewClient(o)
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		if hint := certificateHint(err); hint != "" {
			return nil, fmt.Errorf("redis: ping %s: %w (%s)", o.Addr, err, hint)
		}
		return nil, fmt.Errorf("redis: ping %s: %w", o.Addr, err)
	}
	s := &Store{c: c, k: keys{p: opts.Prefix}, retention: opts.Retention, calls: make(chan *call, maxPipeline)}
	s.senders.Add(pipelines)
	for range pipelines {
		go s.sender()
	}
	if err := s.indexOldKeys(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.indexOldLookups(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.indexOldPending(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Ping reports whether the server answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: ping: %w", err)
	}
	return nil
}

// Close answers the commands already queued, then closes the connection
// pool; later calls fail.
func (s *Store) Close() error {
	s.closeMu.Lock()
	if !s.closed {
		s.closed = true
		close(s.calls)
	}
	s.closeMu.Unlock()
	s.senders.Wait()
	return s.c.Close()
}

// translate maps errors to the store contract: the scripts' CONFLICT,
// NOTFOUND and LIMIT replies become ErrConflict, ErrNotFound and ErrLimit;
// anything else is
// internal and wrapped with what was being done.
func translate(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, goredis.Nil):
		return checkout.ErrNotFound
	case isReply(err, "CONFLICT"):
		return checkout.ErrConflict
	case isReply(err, "NOTFOUND"):
		return checkout.ErrNotFound
	case isReply(err, "LIMIT"):
		return checkout.ErrLimit
	}
	var ce *checkout.Error
	if errors.As(err, &ce) {
		return err
	}
	return fmt.Errorf("redis: %s: %w", op, err)
}

// isReply reports whether err is the error reply code of a script. Redis
// 7 puts "ERR " before an error reply that has no code of its own; older
// servers pass it as is.
func isReply(err error, code string) bool {
	var re goredis.Error
	return errors.As(err, &re) && strings.TrimPrefix(re.Error(), "ERR ") == code
}

// ttl is the expiry of an object kept for the retention after deadline
// (or after now, when deadline has passed), in milliseconds, as the
// scripts take it. Redis expires keys by its own clock, so this is the
// real time, not the callers' clock.
func (s *Store) ttl(deadline time.Time) string {
	return strconv.FormatInt((max(0, time.Until(deadline)) + s.retention).Milliseconds(), 10)
}
