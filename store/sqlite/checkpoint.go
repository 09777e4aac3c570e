package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"
)

// Checkpoints. In WAL mode a commit appends pages to the -wal file, and a
// checkpoint copies them back into the database file and syncs it. By
// default SQLite checkpoints inside the commit that takes the WAL past 1000
// pages, so the one writer, and every write queued behind it, stalls for the
// whole copy. Here a goroutine checkpoints often on a connection of its own,
// in PASSIVE mode, which neither waits for nor blocks the writer or the
// readers, so the copying happens beside the writes.
//
// Under steady writes such a checkpoint never quite catches up (frames are
// appended while it copies), and SQLite starts the WAL file over only after
// a complete one. So the writer goroutine checkpoints too: after every
// group it looks at the size of the -wal file (one stat), and once that
// passes walPages frames it checkpoints in TRUNCATE mode, between two
// groups, with no write in flight: it copies the few frames the background
// checkpoint left and empties the file. The writer checks the size itself,
// so the bound does not depend on when the background goroutine runs: the
// file never holds more than walPages frames plus what the group that
// crossed that size appended. An earlier version let the background
// checkpoint tell the writer when the WAL was full; on a loaded machine it
// ran late and the WAL passed 30 MB.
//
// SQLite's own automatic checkpoint on the writer did the same job, but it
// gives up when it finds another checkpoint running, which on a loaded
// machine the background one often was: the WAL then grew past 50 MB in a
// test. A mutex keeps the two checkpoints apart instead, so the writer's
// waits for the background one (a few milliseconds at most) and then runs.
//
// TRUNCATE waits for readers still reading frames it copies, so a reader
// that holds an old snapshot (a long query, a sqlite3 shell left in a
// transaction) keeps the WAL from shrinking whatever the mode: the writer
// waits for it at most ckptWait, then goes on and tries again only once the
// WAL has grown by another walPages frames, so such a reader costs writes
// one short wait per walPages frames, not one per group.
//
// A failed checkpoint loses nothing: the pages stay in the WAL until a later
// one copies them.

// walPages is the WAL size, in 4 KiB pages, at which the writer checkpoints.
const walPages = 3000

// walLimit is the -wal file size of walPages frames: a frame is a page and
// its 24-byte header.
const walLimit = walPages * (4096 + 24)

// ckptWait bounds how long the writer's checkpoint waits for readers.
const ckptWait = 100 * time.Millisecond

// checkpointEvery is how often the background checkpoint runs: at the
// writer's peak rate (~25 000 pages a second under a load of creates), 100
// ms left thousands of pages for the writer's own checkpoint to copy, a
// 40-70 ms stall of every write; at 10 ms the longest stall in a 16-writer
// store test fell to 20-30 ms.
const checkpointEvery = 10 * time.Millisecond

func (s *Store) runCheckpoints(db *sql.DB, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		s.ckptMu.Lock()
		db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
		s.ckptMu.Unlock()
	}
}

// checkpointIfFull is the writer's checkpoint, run between groups; only the
// writer goroutine calls it.
func (s *Store) checkpointIfFull() {
	fi, err := os.Stat(s.walPath)
	if err != nil || fi.Size() < max(s.walRetryAt, walLimit) {
		return
	}
	s.ckptMu.Lock()
	defer s.ckptMu.Unlock()
	// The busy timeout, not a context, bounds the wait: copying the frames
	// may take longer than ckptWait on a loaded machine, and must not be
	// cut short for it.
	ctx := context.Background()
	var busy, frames, copied int
	_, err = s.w.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", ckptWait.Milliseconds()))
	if err == nil {
		err = s.w.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &frames, &copied)
		if _, err2 := s.w.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", busyTimeout.Milliseconds())); err == nil {
			err = err2
		}
	}
	if err == nil && busy == 0 {
		s.walRetryAt = 0
		return
	}
	s.walRetryAt = fi.Size() + walLimit
}
