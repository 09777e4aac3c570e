package sqlite

import (
	"fmt"
	"os"
	"path/filepath"
)

// The owner. A SQLite file serves one node, and on that node one process
// serves the API: `checkoutd serve`. The other commands that open the file
// beside it (accounts, keys, migrate) never write sessions. So the serving
// process takes the file for its own (an exclusive lock on a file next to
// the database, held until it closes the store or exits) and, being the
// only writer of sessions, keeps the sessions it writes and reads in
// memory (see cache.go): a retrieve or a page view then runs no SQL and
// decodes no JSON. A second serving process on the same file is refused at
// start, rather than left to write sessions behind the first one's cache.

// OpenOwner opens the store at path like Open, for the one process that
// serves it, and fails if another process holds the file as owner. While
// the returned Store is open, sessions must be written through it alone;
// Stores opened with Open may still read them and write everything else.
// Where the platform has no file locks, it is Open.
func OpenOwner(path string) (*Store, error) {
	// Open makes the directory too, but the lock file goes in it first.
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	lock, err := lockOwner(path)
	if err != nil {
		return nil, err
	}
	s, err := Open(path)
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		return nil, err
	}
	if lock != nil {
		s.owner = lock
		s.cache = newSessionCache(sessionCacheMax)
	}
	return s, nil
}

// sessionCacheMax bounds the sessions an owner keeps in memory: a typical
// decoded session takes about 1.4 KiB, so at most ~90 MiB. The cache keeps
// at least the sessionCacheMax/2 most recently used (see sessionCache),
// and the sessions a checkout touches again, pages being paid and sessions
// their merchants retrieve, are the recent ones.
const sessionCacheMax = 65536

// ownerLockPath is the file whose lock marks the owner of the database at
// path; it stays when the owner exits, unlocked.
func ownerLockPath(path string) string { return path + ".lock" }

// errOwned says that another process serves path, and what to do instead.
func errOwned(path string) error {
	return fmt.Errorf("sqlite: another process is serving %s: a SQLite store is served by one process (run replicas over --store postgres or redis)", path)
}

// releaseOwner releases the owner's lock, if this Store holds it.
func (s *Store) releaseOwner() error {
	if s.owner == nil {
		return nil
	}
	err := s.owner.Close()
	s.owner = nil
	return err
}
