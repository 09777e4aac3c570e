// Package postgres is the server store: a checkout.Store over PostgreSQL,
// for deployments that run several replicas or cannot lose a committed write.
//
// Durability: every write is answered only once the PostgreSQL transaction
// that carried it has committed, and a transaction is committed only once
// its WAL record is flushed to disk (with the server's default
// synchronous_commit = on). A write that returned nil survives a crash of
// checkoutd, of the database server or of its machine; with a synchronous
// standby it survives the loss of the machine too. A transaction costs
// PostgreSQL far more than the row it writes (the commit, the wait for the
// flush), so concurrent CreateSession calls share one: the store collects
// the ones that queue while earlier ones commit and inserts them with one
// statement (group commit, see group.go). Each is still answered with its
// own error: if the shared statement fails, nothing of it was written and
// each session is inserted again alone, so one that cannot be stored fails
// alone. Other writes are a transaction each; PostgreSQL itself shares
// the WAL flushes of concurrent commits, which is why the pool is larger
// than the core count. A URL with synchronous_commit=off trades the last
// moments of writes before a server crash (never consistency) for that
// latency; checkoutd does not set it.
//
// Replicas: any number of checkoutd processes may share one database. Every
// transition is a compare-and-set on the object's version inside its UPDATE
// (WHERE … AND version = $n), so of racing writers exactly one wins whatever
// process they run in; background work (the outbox, webhook deliveries) is
// claimed with FOR UPDATE SKIP LOCKED and leases, so workers in many
// processes share it without taking the same row, and a dead worker's rows
// are taken over once its lease lapses. Nothing is cached across requests
// except sessions decoded from JSON, keyed on their exact stored bytes, so
// a replica never serves what another has changed.
//
// Migrations: the schema is versioned by the SQL files embedded in the
// binary (migrations/*.sql), applied in name order, each once, in one
// transaction that first takes a transaction-level advisory lock; the names
// applied are kept in schema_migrations. Open applies the missing ones, so
// replicas starting at once over an empty database apply them exactly once
// (the others wait for the lock, then find the schema current). A database
// migrated by a newer checkoutd, holding a migration this binary does not
// know, is refused rather than misread.
//
// The URL is a PostgreSQL URL (postgres://user@host:5432/db?sslmode=…) or
// keyword/value string. Parameters PostgreSQL knows as settings are sent at
// connect time: search_path=<schema> keeps checkoutd's tables in their own
// schema (the tests give every store a new one). pool_max_conns sets the
// pool size.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

var _ checkout.Store = (*Store)(nil)

// Store is a checkout.Store over a PostgreSQL database. It is safe for
// concurrent use, and several Stores, in one or many processes, may share
// a database.
//
// Queries go through a pgxpool with pgx's default statement cache: each
// connection prepares a statement the first time it runs it, and after that
// a query is one round trip of Bind/Execute. Writes of several statements
// are sent as one pipelined batch, one round trip too (see checkoutd_require
// in the schema). New sessions go through a queue and a collector
// goroutine, which Close stops after answering every write it accepted.
type Store struct {
	pool     *pgxpool.Pool
	creates  *creates            // the queue of CreateSession (group.go)
	sessions record.SessionCache // sessions decoded from their JSON
}

// Open connects to the database at url, applies the missing migrations
// and returns the store.
func Open(ctx context.Context, url string) (*Store, error) {
	pool, err := connect(ctx, url)
	if err != nil {
		return nil, err
	}
	if _, err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	s := &Store{pool: pool}
	s.creates = newCreates(s)
	return s, nil
}

// connect makes the pool, and checks that the database answers so that a
// wrong URL fails at start rather than on the first request.
func connect(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	// A request waits on the network and on the WAL flush far longer than
	// it uses a CPU, so the pool is a few times the cores: enough to keep
	// the server's group commit busy, small enough that many replicas stay
	// well within max_connections. The URL's pool_max_conns wins.
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = int32(max(8, 4*runtime.GOMAXPROCS(0)))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	return pool, nil
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// Close answers the writes it has accepted, then waits for the connections
// in use to be returned and closes them all.
func (s *Store) Close() error {
	s.creates.close()
	s.pool.Close()
	return nil
}

// SQLSTATEs of the store's own errors, raised by checkoutd_require.
const (
	stateConflict = "CK409"
	stateNotFound = "CK404"
)

// batch sends b as one pipelined round trip. PostgreSQL runs it as one
// implicit transaction: if any statement fails, none of it is written. The
// first error is returned, translated.
func (s *Store) batch(ctx context.Context, op string, b *pgx.Batch) error {
	br := s.pool.SendBatch(ctx, b)
	var first error
	for range b.Len() {
		if _, err := br.Exec(); err != nil {
			first = err
			break
		}
	}
	if err := br.Close(); first == nil {
		first = err
	}
	return translate(op, first)
}

// pgCode returns the SQLSTATE of err, "" if it is not a PostgreSQL error.
func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// translate maps driver errors to the store contract: no rows and CK404
// are ErrNotFound, a unique violation (23505) and CK409 ErrConflict;
// anything else is internal and wrapped with what was being done.
func translate(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return checkout.ErrNotFound
	}
	switch pgCode(err) {
	case "23505", stateConflict:
		return checkout.ErrConflict
	case stateNotFound:
		return checkout.ErrNotFound
	}
	var ce *checkout.Error
	if errors.As(err, &ce) {
		return err
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// oneRow checks the result of a compare-and-set statement: no row changed
// means the version check failed (or the object is missing), ErrConflict.
func oneRow(op string, tag pgconn.CommandTag, err error) error {
	if err != nil {
		return translate(op, err)
	}
	if tag.RowsAffected() == 0 {
		return checkout.ErrConflict
	}
	return nil
}

// micros is the stored form of a time: unix microseconds.
func micros(t time.Time) int64 { return t.UnixMicro() }
