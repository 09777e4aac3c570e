package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"slices"

	"github.com/checkoutd/checkoutd/store/internal/batch"
)

// Group commit. SQLite has one writer, and most of a small write's cost is
// the commit: taking the WAL locks, appending every page the write touched
// (the rightmost leaf of each seq-ordered index is the same page for all
// recent rows) and ending the transaction. So concurrent writes are queued
// to one goroutine, which runs what has queued up while the previous
// transaction committed as one transaction, each write inside a savepoint
// of its own: a write that fails rolls back to its savepoint and fails
// alone, the others commit together. A write that finds the queue empty
// runs in a transaction of its own at once, so light load pays no wait.
//
// Every write is answered only after its transaction committed (or failed),
// so an answered write is as durable as before.

// maxBatch bounds a group: a long one holds the write lock (and the writes
// at its end) for longer.
const maxBatch = 64

var errClosed = errors.New("sqlite: store is closed")

type writeReq struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done chan error
	// oneStatement says that fn runs a single statement: SQLite undoes a
	// failed statement by itself, so the write needs no savepoint of its
	// own in a shared transaction.
	oneStatement bool
	// session, when set, is the session the write stores, for the owner's
	// cache (see cache.go).
	session *cacheEntry
}

// write runs fn in an IMMEDIATE transaction on the writer, possibly one it
// shares with other writes (see above). fn may run more than once when a
// shared transaction fails as a whole; a failed run has written nothing.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.submit(&writeReq{ctx: ctx, fn: fn})
}

// stored is the cache entry of a write that stores the session id as data,
// or nil when the Store keeps no cache.
func (s *Store) stored(id string, data []byte) *cacheEntry {
	if s.cache == nil {
		return nil
	}
	return &cacheEntry{id: id, data: data}
}

// submit queues r for the writer and waits for its answer.
func (s *Store) submit(r *writeReq) error {
	r.done = make(chan error, 1)
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return errClosed
	}
	s.writes <- r
	s.closeMu.RUnlock()
	return <-r.done
}

// runWrites is the writer goroutine; it stops when s.writes is closed and
// drained, so every accepted write is answered.
func (s *Store) runWrites() {
	defer close(s.writerDone)
	pending := make([]*writeReq, 0, maxBatch)
	for r := range s.writes {
		pending = append(pending[:0], r)
		// Let the goroutines that are preparing writes (decoding
		// requests, encoding rows) queue them before this group closes:
		// on a busy server most groups would otherwise hold one write,
		// and a commit costs about as much CPU as the write itself.
		// Idle, this returns at once.
		for range 3 {
			runtime.Gosched()
		}
		pending = batch.Fill(pending, s.writes, maxBatch)
		s.commitGroup(pending)
		s.checkpointIfFull()
	}
}

// commitGroup runs a batch and answers each write as soon as its outcome
// is known. A write whose context can be cancelled runs in a transaction
// of its own: SQLite rolls back the whole transaction when a statement in
// it is interrupted, which must not take the others' writes with it.
func (s *Store) commitGroup(batch []*writeReq) {
	cached := s.cache != nil && slices.ContainsFunc(batch, func(r *writeReq) bool { return r.session != nil })
	if cached {
		s.cache.begin()
		defer s.cache.end()
	}
	answer := func(r *writeReq, err error) {
		if cached {
			s.cache.stored(r.session, err)
		}
		r.done <- err
	}
	var group []*writeReq // the writes that may share a transaction
	for _, r := range batch {
		if r.ctx.Done() != nil {
			answer(r, s.writeAlone(r))
		} else {
			group = append(group, r)
		}
	}
	switch len(group) {
	case 0:
	case 1:
		answer(group[0], s.writeAlone(group[0]))
	default:
		if errs, ok := s.writeShared(group); ok {
			for i, r := range group {
				answer(r, errs[i])
			}
			return
		}
		// The shared transaction failed as a whole and wrote nothing:
		// give each write a transaction of its own.
		for _, r := range group {
			answer(r, s.writeAlone(r))
		}
	}
}

// writeAlone runs one write in its own transaction.
func (s *Store) writeAlone(r *writeReq) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	tx, err := s.w.BeginTx(r.ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	if err := r.fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// writeShared runs the writes in one transaction, each in a savepoint, and
// returns each write's error. ok is false when the transaction itself
// failed (it could not begin or commit, or SQLite rolled it back under a
// failing write): then nothing was written.
func (s *Store) writeShared(group []*writeReq) (errs []error, ok bool) {
	ctx := context.Background() // every write in group has a context that is never cancelled
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, false
	}
	errs = make([]error, len(group))
	savepoint := tx.StmtContext(ctx, s.ws.savepoint)
	rollbackTo := tx.StmtContext(ctx, s.ws.rollbackTo)
	release := tx.StmtContext(ctx, s.ws.release)
	for j, r := range group {
		if r.oneStatement {
			// A failed statement is undone and leaves the transaction
			// open, except for the errors that end it (I/O, full disk):
			// then the next statement or the commit fails, and the group
			// is retried write by write.
			errs[j] = r.fn(tx)
			continue
		}
		if _, err := savepoint.ExecContext(ctx); err != nil {
			tx.Rollback()
			return nil, false
		}
		if errs[j] = r.fn(tx); errs[j] != nil {
			// A statement error leaves the transaction open, to be rolled
			// back to the savepoint; some (I/O, full disk) end it, and then
			// the savepoint is gone too.
			if _, err := rollbackTo.ExecContext(ctx); err != nil {
				tx.Rollback()
				return nil, false
			}
		}
		if _, err := release.ExecContext(ctx); err != nil {
			tx.Rollback()
			return nil, false
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, false
	}
	return errs, true
}
