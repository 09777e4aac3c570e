package postgres

import (
	"sync"

	"github.com/checkoutd/checkoutd/checkout"
)

// decoded caches sessions decoded from their stored JSON, keyed by the JSON
// itself. Decoding is most of the CPU cost of a read, and a hot session (a
// customer's page polling it) is read far more often than written. Keying
// on the exact bytes (data is bytea, returned as written) keeps the cache
// right however many replicas write the database: a changed session has
// changed bytes and misses. Callers get a clone, so nothing they do reaches
// the cache.
type decoded struct {
	mu sync.Mutex
	m  map[string]*checkout.Session
}

// decodedMax bounds the cache (about 2 KiB an entry).
const decodedMax = 4096

func (c *decoded) session(data []byte) (*checkout.Session, error) {
	c.mu.Lock()
	s, ok := c.m[string(data)]
	c.mu.Unlock()
	if ok {
		return s.Clone(), nil
	}
	s, err := decodeSession(data)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[string]*checkout.Session, decodedMax)
	}
	if len(c.m) >= decodedMax {
		// Drop about a tenth, in the map's random order: cheap, bounded,
		// and good enough for a cache whose misses only cost a decode.
		n := 0
		for k := range c.m {
			delete(c.m, k)
			if n++; n >= decodedMax/10 {
				break
			}
		}
	}
	c.m[string(data)] = s
	c.mu.Unlock()
	return s.Clone(), nil
}
