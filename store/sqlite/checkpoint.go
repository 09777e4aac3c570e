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
// a complete one. So the writer keeps an automatic checkpoint too, at
// walPages: by then nearly every page has been copied already, and it costs
// little more than the sync. The WAL stays near walPages pages.
//
// A failed checkpoint loses nothing: the pages stay in the WAL until a later
// one copies them.

// walPages is the writer's automatic checkpoint threshold (4 KiB pages).
const walPages = 4000

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
		db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
	}
}
