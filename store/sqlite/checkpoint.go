package sqlite

import (
	"context"
	"database/sql"
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
// a complete one. So once the WAL holds walPages frames, the writer
// goroutine checkpoints too, between two groups: with no write in flight it
// copies the few frames left and the next write starts the WAL over. The
// WAL stays near walPages pages.
//
// SQLite's own automatic checkpoint on the writer did the same job, but it
// gives up when it finds another checkpoint running, which on a loaded
// machine the background one often was: the WAL then grew past 50 MB in a
// test. A mutex keeps the two checkpoints apart instead, so the writer's
// waits for the background one (a few milliseconds at most) and then runs.
//
// A failed checkpoint loses nothing: the pages stay in the WAL until a later
// one copies them.

// walPages is the WAL size, in 4 KiB pages, at which the writer checkpoints.
const walPages = 3000

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
		var busy, frames, copied int
		err := db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
		s.ckptMu.Unlock()
		if err == nil && frames >= walPages {
			s.walFull.Store(true)
		}
	}
}

// checkpointIfFull is the writer's checkpoint, run between groups when the
// background one found the WAL full.
func (s *Store) checkpointIfFull() {
	if !s.walFull.Load() {
		return
	}
	s.ckptMu.Lock()
	defer s.ckptMu.Unlock()
	if _, err := s.w.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)"); err == nil {
		s.walFull.Store(false)
	}
}
