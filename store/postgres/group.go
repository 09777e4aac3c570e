package postgres

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/checkoutd/checkoutd/store/internal/batch"
	"github.com/jackc/pgx/v5/pgconn"
)

// Group commit of new sessions. PostgreSQL spends far more on a
// transaction than on the row it inserts: the commit record, the wait for
// its WAL flush, the round trip and the backend's own bookkeeping. So
// CreateSession does not insert its row itself: it queues it, and one
// collector goroutine inserts whatever queued while the group before it
// committed with one statement, one implicit transaction (insertGroup). A
// row that finds the store idle goes out at once, alone, so light load pays
// no wait; under load the groups grow by themselves with the time a commit
// takes.
//
// One group is in flight at a time. Two or more, each on its own
// connection, were measured too: each group was smaller (3.5 rows against
// 6 at 16 clients), PostgreSQL spent more CPU per row (110 µs against 66)
// and throughput did not rise, since the CPU, not the wait for the flush,
// is what bounds it on a small machine.
//
// Every write is answered only after the statement that carried it returned,
// so an answered write is as durable as one of its own. A group that fails
// with an error from PostgreSQL has written nothing (its one transaction
// rolled back); its rows are then inserted again each alone, so a row that
// cannot be stored (a duplicate id) fails alone and never takes the others
// with it.

// maxGroup bounds the rows of one statement, so that a group's arrays stay
// small and its latency close to one commit's.
const maxGroup = 128

var errClosed = errors.New("postgres: store is closed")

// The states of a queued create: the collector takes it into a group, or
// its caller gives up on it first; whichever comes first decides.
const (
	queued int32 = iota
	taken
	abandoned
)

// create is one queued CreateSession.
type create struct {
	row   sessionRow
	state atomic.Int32
	done  chan error // buffered: the collector never waits for a caller
}

// creates is the queue of CreateSession and its collector.
type creates struct {
	queue chan *create

	mu     sync.RWMutex // closed, and sending on queue
	closed bool

	done chan struct{} // closed when the collector has answered every write
}

func newCreates(s *Store) *creates {
	c := &creates{
		queue: make(chan *create, 4*maxGroup),
		done:  make(chan struct{}),
	}
	go c.collect(s)
	return c
}

// insert queues row and waits for its answer. A caller whose ctx ends while
// its row is still queued withdraws it and is answered ctx.Err(): the row
// is never written. Once a group has taken the row the statement runs to
// its end, for the others' sake; a caller that stops waiting then is
// answered ctx.Err() too, and, as with any statement cancelled in flight,
// the session may or may not have been stored.
func (c *creates) insert(ctx context.Context, row sessionRow) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &create{row: row, done: make(chan error, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return errClosed
	}
	select {
	case c.queue <- r:
	case <-ctx.Done():
		c.mu.RUnlock()
		return ctx.Err()
	}
	c.mu.RUnlock()
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		if r.state.CompareAndSwap(queued, abandoned) {
			return ctx.Err()
		}
		select {
		case err := <-r.done:
			return err // answered meanwhile: the answer is exact
		default:
			return ctx.Err()
		}
	}
}

// collect is the collector goroutine. It returns once the queue is closed
// and every write in it answered.
func (c *creates) collect(s *Store) {
	defer close(c.done)
	group := make([]*create, 0, maxGroup)
	for r := range c.queue {
		group = append(group[:0], r)
		group = batch.Fill(group, c.queue, maxGroup)
		s.insertGroup(group)
	}
}

// close stops accepting writes and waits until every accepted one is
// answered.
func (c *creates) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.queue)
	}
	c.mu.Unlock()
	<-c.done
}

// insertGroup inserts the rows of group that their callers still wait for
// and answers each. The statement runs under a context of its own: one
// caller giving up must not cancel the others' transaction.
func (s *Store) insertGroup(group []*create) {
	live := group[:0]
	for _, r := range group {
		if r.state.CompareAndSwap(queued, taken) {
			live = append(live, r)
		}
	}
	ctx := context.Background()
	switch len(live) {
	case 0:
		return
	case 1:
		live[0].done <- s.insertSession(ctx, &live[0].row)
		return
	}
	err := s.insertSessions(ctx, live)
	if err != nil && retryAlone(err) {
		// Nothing of the group was written: each row is tried alone, at
		// once, so PostgreSQL still shares their WAL flushes.
		var wg sync.WaitGroup
		for _, r := range live {
			wg.Go(func() { r.done <- s.insertSession(ctx, &r.row) })
		}
		wg.Wait()
		return
	}
	err = translate("create sessions", err)
	for _, r := range live {
		r.done <- err
	}
}

// retryAlone says whether a group's rows may be inserted again each alone
// after its statement failed with err: only when the group certainly wrote
// nothing. An error from PostgreSQL means the statement's transaction
// rolled back; an error before anything was sent means it never ran. A
// connection lost in flight may have lost the answer to a commit, and a
// row written twice would be answered as a duplicate, so then every write
// gets the error it would have had alone.
func retryAlone(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) || pgconn.SafeToRetry(err)
}
