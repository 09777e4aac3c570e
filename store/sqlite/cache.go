package sqlite

import (
	"sync"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// sessionCache is the owner's sessions by id (see owner.go). It stays right
// because the writer goroutine, the only writer of sessions, updates it in
// commit order: a write group marks the cache busy when it starts, records
// each write's outcome before the write is answered, and ends. A session
// read from the file is kept only if no group was in flight, or started or
// ended, while it was read, so a read never puts back a version that a
// commit has already replaced.
//
// Entries are never changed, only replaced, and only clones leave the
// cache, so nothing a caller does reaches it.
type sessionCache struct {
	max int

	mu   sync.Mutex
	gen  uint64 // bumped when a write group starts and when it ends
	busy bool   // a write group with sessions is in flight
	// Two generations approximate least-recently-used eviction at O(1):
	// entries go into young; when young holds max/2, it becomes old and the
	// old old is dropped; an entry found in old moves back to young.
	young, old map[string]*cacheEntry
}

// cacheEntry is one session: as the writer stored it (data, decoded on the
// first read) or as a read decoded it (sess).
type cacheEntry struct {
	id   string
	data []byte
	sess *checkout.Session
}

func newSessionCache(max int) *sessionCache {
	return &sessionCache{max: max, young: make(map[string]*cacheEntry)}
}

// get returns a clone of the session with id, if the cache has it.
func (c *sessionCache) get(id string) (*checkout.Session, bool, error) {
	c.mu.Lock()
	e := c.lookup(id)
	c.mu.Unlock()
	if e == nil {
		return nil, false, nil
	}
	if e.sess == nil {
		sess, err := record.DecodeSession(e.data)
		if err != nil {
			return nil, false, err
		}
		d := &cacheEntry{id: id, sess: sess}
		c.mu.Lock()
		if c.young[id] == e {
			c.young[id] = d
		}
		c.mu.Unlock()
		e = d
	}
	return e.sess.Clone(), true, nil
}

// lookup finds id, moving it to the young generation (c.mu held).
func (c *sessionCache) lookup(id string) *cacheEntry {
	if e, ok := c.young[id]; ok {
		return e
	}
	e, ok := c.old[id]
	if !ok {
		return nil
	}
	delete(c.old, id)
	c.insert(e)
	return e
}

// generation is the value a read takes before it reads the file, to give
// to fill.
func (c *sessionCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// fill keeps sess, read from the file after generation returned gen, unless
// a write group was in flight or has run since. sess becomes the cache's.
func (c *sessionCache) fill(sess *checkout.Session, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.busy || c.gen != gen {
		return
	}
	if c.lookup(sess.ID) == nil {
		c.insert(&cacheEntry{id: sess.ID, sess: sess})
	}
}

// begin marks a write group with sessions in flight (writer only).
func (c *sessionCache) begin() {
	c.mu.Lock()
	c.busy = true
	c.gen++
	c.mu.Unlock()
}

// stored records the outcome of a write of e (nil: it stores no session),
// in commit order, before the write is answered: a write that committed
// replaces the entry, and one that failed drops it, since a failed commit
// may not say whether it wrote (writer only, between begin and end).
func (c *sessionCache) stored(e *cacheEntry, err error) {
	if e == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		c.insert(e)
	} else {
		delete(c.young, e.id)
		delete(c.old, e.id)
	}
}

// end ends the write group begin started (writer only).
func (c *sessionCache) end() {
	c.mu.Lock()
	c.busy = false
	c.gen++
	c.mu.Unlock()
}

// insert adds or replaces e in the young generation (c.mu held).
func (c *sessionCache) insert(e *cacheEntry) {
	delete(c.old, e.id)
	if _, ok := c.young[e.id]; !ok && len(c.young) >= max(1, c.max/2) {
		c.old, c.young = c.young, make(map[string]*cacheEntry, len(c.young))
	}
	c.young[e.id] = e
}
