package redis

import (
	"sync"

	"github.com/checkoutd/checkoutd/checkout"
)

// decoded caches sessions decoded from their stored JSON, keyed by the JSON
// itself. A hot session (the hosted page polls it) is read far more often
// than written, and decoding is most of a read's CPU. Keying on the exact
// bytes keeps the cache right whoever writes: a changed session has changed
// bytes and misses. Callers get a clone, so nothing they do reaches the cache.
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
		c.m = make(map[string]*checkout.Session)
	}
	if len(c.m) >= decodedMax {
		// Evict a tenth, in map order, which is random enough: a miss
		// costs only a decode.
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
