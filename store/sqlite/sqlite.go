// Package sqlite is the embedded store: one SQLite file, no server to run.
// It is what `checkoutd serve` uses out of the box, and what a CLI command
// opens at the same time as a running server.
//
// Durability: the file is in WAL mode with synchronous=NORMAL. A committed
// write survives a crash of the process, but a power loss or OS crash can lose
// the last transactions before the WAL is synced. Deployments that cannot
// accept that use PostgreSQL.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

var _ checkout.Store = (*Store)(nil)

// migrations are applied in name order; the database's PRAGMA user_version
// is the number of migrations it has, so a newer binary applies only the
// missing ones and an older binary refuses a newer file.
//
//go:embed migrations/*.sql
var migrations embed.FS

// busyTimeout is how long a write waits for another connection (another
// process on the same file) to finish its transaction before failing.
const busyTimeout = 10 * time.Second

// Store is a checkout.Store over one SQLite file. It is safe for concurrent
// use, and several Stores (in one or several processes) may share a file.
//
// Writes go through a single connection opened with BEGIN IMMEDIATE, so a
// transaction takes the write lock up front and never deadlocks upgrading a
// read lock; SQLite allows one writer at a time anyway, and queueing writers
// in Go is cheaper than letting them spin on the file lock. Reads use a pool
// that WAL lets run alongside the writer.
type Store struct {
	w *sql.DB // one connection, every write
	r *sql.DB // read pool, query_only

	ws writeStmts
	rs readStmts

	// lists caches the prepared statements of list queries, keyed by their
	// SQL; the filter combinations are few, so the cache stays small.
	lists sync.Map // string → *sql.Stmt

	sessions record.SessionCache // sessions decoded from their JSON

	// The owner's lock and session cache (see owner.go); nil unless the
	// Store was opened with OpenOwner.
	owner *os.File
	cache *sessionCache

	// The checkpointer (see checkpoint.go).
	ckpt               *sql.DB
	ckptStop, ckptDone chan struct{}
	// ckptMu keeps the writer's checkpoint and the background one apart
	// (see checkpoint.go). walPath is the -wal file, whose size the writer
	// checks; walRetryAt, the writer's alone, is the size at which it tries
	// again after a checkpoint a reader kept from finishing.
	ckptMu     sync.Mutex
	walPath    string
	walRetryAt int64

	// The group-commit writer (see batch.go).
	writes     chan *writeReq
	writerDone chan struct{}
	closeMu    sync.RWMutex
	closed     bool
}

// Open opens (creating if needed) the database file at path, creating its
// directory too, and brings its schema up to date.
func Open(path string) (*Store, error) {
	// The driver reads its parameters after the first "?".
	if path == "" || strings.Contains(path, "?") {
		return nil, fmt.Errorf("sqlite: invalid database path %q", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
	}
	// The file holds key hashes and sealed webhook secrets: only its owner
	// may read it. SQLite gives the -wal and -shm files the database file's
	// mode, so creating it here with 0600 covers them too.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	f.Close()

	pragma := func(v ...string) string {
		q := url.Values{}
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
		for _, p := range v {
			q.Add("_pragma", p)
		}
		return q.Encode()
	}
	// The writer keeps SQLite's default page cache. A larger one (32 MiB was
	// tried) made every commit slower: ending a write transaction scans the
	// whole page-cache hash table to drop pages past the end of the file,
	// which took ~9% of the server's CPU under create load, far more than
	// the reads from the OS cache that a bigger cache saves.
	w, err := sql.Open("sqlite", path+"?_txlock=immediate&"+pragma("foreign_keys(1)", "synchronous(NORMAL)", "wal_autocheckpoint(0)"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)

	s := &Store{w: w, walPath: path + "-wal"}
	if err := retryBusy(func() error { return s.migrate(context.Background()) }); err != nil {
		w.Close()
		return nil, err
	}

	// Readers open after the migration so they never see a half-made schema
	// or a file that is not in WAL mode yet.
	r, err := sql.Open("sqlite", path+"?"+pragma("query_only(1)"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxLifetime(0)
	r.SetConnMaxIdleTime(0)
	s.r = r

	if err := retryBusy(func() error { return s.prepare(context.Background()) }); err != nil {
		s.Close()
		return nil, err
	}
	ckpt, err := sql.Open("sqlite", path+"?"+pragma())
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	ckpt.SetMaxOpenConns(1)
	s.ckpt, s.ckptStop, s.ckptDone = ckpt, make(chan struct{}), make(chan struct{})
	go s.runCheckpoints(ckpt, s.ckptStop, s.ckptDone)

	s.writes = make(chan *writeReq, 4*maxBatch)
	s.writerDone = make(chan struct{})
	go s.runWrites()
	return s, nil
}

// migrate applies the missing migrations in one IMMEDIATE transaction, so two
// processes opening a new file at once apply them exactly once: the second
// waits for the lock and then finds the schema current.
func (s *Store) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	sort.Strings(names)

	// WAL is persistent, so this is a no-op on every open but the first. It
	// answers the mode it ended in, which is not WAL on file systems that
	// cannot share memory; the reader pool relies on WAL.
	var mode string
	if err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		return fmt.Errorf("sqlite: journal mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("sqlite: journal mode is %q, want wal", mode)
	}

	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("sqlite: schema version: %w", err)
	}
	if version > len(names) {
		return fmt.Errorf("sqlite: database schema version %d is newer than this binary's %d", version, len(names))
	}
	if version == len(names) {
		return nil
	}
	for _, name := range names[version:] {
		b, err := migrations.ReadFile(name)
		if err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		if _, err := tx.ExecContext(ctx, string(b)); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", name, err)
		}
	}
	// PRAGMA takes no parameters; len(names) is ours, not input.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(names))); err != nil {
		return fmt.Errorf("sqlite: schema version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

// retryBusy runs fn until it does not fail with SQLITE_BUSY, for at most
// busyTimeout. Opening a file that another process is converting to WAL or
// recovering can fail with SQLITE_BUSY at once, without the busy handler
// that covers ordinary lock waits.
func retryBusy(fn func() error) error {
	deadline := time.Now().Add(busyTimeout)
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		err := fn()
		if err == nil || sqliteCode(err)&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		time.Sleep(wait)
	}
}

// prepare prepares every statement named in the fields of the two
// structs, once, so the hot paths never parse SQL.
func (s *Store) prepare(ctx context.Context) error {
	for _, group := range []struct {
		db    *sql.DB
		stmts []stmtDef
	}{
		{s.w, s.ws.defs()},
		{s.r, s.rs.defs()},
	} {
		for _, d := range group.stmts {
			st, err := group.db.PrepareContext(ctx, d.query)
			if err != nil {
				return fmt.Errorf("sqlite: prepare %q: %w", d.query, err)
			}
			*d.dst = st
		}
	}
	return nil
}

type stmtDef struct {
	dst   **sql.Stmt
	query string
}

// listStmt returns the prepared statement of a read query built at run time,
// preparing it on first use.
func (s *Store) listStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.lists.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.r.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare: %w", err)
	}
	if prev, loaded := s.lists.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// Ping reports whether the file can be read.
func (s *Store) Ping(ctx context.Context) error {
	var v int
	if err := s.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close answers the writes already queued, then closes the statements and
// both connection pools. Writes after Close fail.
func (s *Store) Close() error {
	s.closeMu.Lock()
	wasClosed := s.closed
	s.closed = true
	if !wasClosed && s.writes != nil {
		close(s.writes)
		<-s.writerDone
	}
	s.closeMu.Unlock()
	if s.ckpt != nil && !wasClosed {
		close(s.ckptStop)
		<-s.ckptDone
		s.ckpt.Close()
	}
	s.lists.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
	for _, d := range append(s.ws.defs(), s.rs.defs()...) {
		if *d.dst != nil {
			(*d.dst).Close()
		}
	}
	var errs []error
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	errs = append(errs, s.w.Close())
	// The lock goes last: another process may serve the file once it is.
	errs = append(errs, s.releaseOwner())
	return errors.Join(errs...)
}

// sqliteCode returns the extended result code of err, 0 if it is not an
// SQLite error.
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

// isUnique reports a unique or primary-key violation: the id (or key hash)
// exists.
func isUnique(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// isForeignKey reports a foreign-key violation: the parent row is missing.
func isForeignKey(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// translate maps driver errors to the store contract: no rows is
// ErrNotFound, a unique violation ErrConflict; anything else is internal and
// wrapped with what was being done.
func translate(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return checkout.ErrNotFound
	case isUnique(err):
		return checkout.ErrConflict
	}
	var ce *checkout.Error
	if errors.As(err, &ce) {
		return err
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// micros is the stored form of a time: unix microseconds.
func micros(t time.Time) int64 { return t.UnixMicro() }
