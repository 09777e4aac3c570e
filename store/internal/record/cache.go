package record

import (
	"sync"

	"github.com/checkoutd/checkoutd/checkout"
)

// SessionCache caches sessions decoded from their stored JSON, keyed by the
// JSON itself. A hot session (the hosted page polls it) is read far more
// often than written, and decoding is most of a read's CPU. Keying on the
// exact bytes keeps the cache right whoever writes the store (another
// process on the same SQLite file, other replicas on the same server): a
// changed session has changed bytes and misses. Callers get a clone, so
// nothing they do reaches the cache.
//
// The zero SessionCache is ready to use; it is safe for concurrent use.
type SessionCache struct {
	mu sync.Mutex
	m  map[string]*checkout.Session
}

// sessionCacheMax bounds the cache (about 2 KiB an entry).
const sessionCacheMax = 4096

// Session decodes data like DecodeSession, from the cache if it can.
func (c *SessionCache) Session(data []byte) (*checkout.Session, error) {
	c.mu.Lock()
	s, ok := c.m[string(data)]
	c.mu.Unlock()
	if ok {
		return s.Clone(), nil
	}
	s, err := DecodeSession(data)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[string]*checkout.Session, sessionCacheMax)
	}
	if len(c.m) >= sessionCacheMax {
		// Drop about a tenth, in the map's random order: cheap, bounded,
		// and good enough for a cache whose misses only cost a decode.
		n := 0
		for k := range c.m {
			delete(c.m, k)
			if n++; n >= sessionCacheMax/10 {
				break
			}
		}
	}
	c.m[string(data)] = s
	c.mu.Unlock()
	return s.Clone(), nil
}
