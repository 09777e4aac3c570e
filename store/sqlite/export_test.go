package sqlite

// StopBackgroundCheckpoints stops s's background checkpointer for good, as
// if a loaded machine never scheduled it, so a test can check what the
// writer's own checkpoint guarantees. Close still works afterwards.
func StopBackgroundCheckpoints(s *Store) {
	close(s.ckptStop)
	<-s.ckptDone
	s.ckptStop = make(chan struct{})
}

// WALPages is the WAL size, in pages, past which the writer checkpoints.
const WALPages = walPages

// MaxBatch is the most writes one group commit holds.
const MaxBatch = maxBatch
