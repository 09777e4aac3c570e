package sqlite

import (
	"errors"
	"fmt"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
)

func cached(c *sessionCache, id string) bool {
	_, ok, _ := c.get(id)
	return ok
}

func TestSessionCacheBound(t *testing.T) {
	c := newSessionCache(100)
	for i := range 1000 {
		c.fill(&checkout.Session{ID: fmt.Sprint(i), Version: 1}, c.generation())
		// Keep one session in use all along: it must survive.
		if !cached(c, "0") {
			t.Fatalf("the session in use was dropped after %d others", i)
		}
		if n := len(c.young) + len(c.old); n > 100 {
			t.Fatalf("%d entries, want at most 100", n)
		}
	}
	if cached(c, "500") {
		t.Error("an old, unused session is still cached")
	}
	if !cached(c, "999") {
		t.Error("the latest session is not cached")
	}
}

func TestSessionCacheFill(t *testing.T) {
	c := newSessionCache(100)
	gen := c.generation()
	c.begin()
	c.fill(&checkout.Session{ID: "a", Version: 1}, c.generation())
	if cached(c, "a") {
		t.Error("a read kept while a write group was in flight")
	}
	c.end()
	c.fill(&checkout.Session{ID: "a", Version: 1}, gen)
	if cached(c, "a") {
		t.Error("a read kept although a write group ran while it read")
	}
	c.fill(&checkout.Session{ID: "a", Version: 1}, c.generation())
	if !cached(c, "a") {
		t.Error("a read not kept when nothing was written meanwhile")
	}

	// A write that failed drops the entry; one that committed replaces it.
	c.fill(&checkout.Session{ID: "b", Version: 1}, c.generation())
	c.begin()
	c.stored(&cacheEntry{id: "a", sess: &checkout.Session{ID: "a", Version: 2}}, errors.New("commit failed"))
	c.stored(&cacheEntry{id: "b", sess: &checkout.Session{ID: "b", Version: 2}}, nil)
	c.stored(nil, nil)
	c.end()
	if cached(c, "a") {
		t.Error("a session whose write failed is still cached")
	}
	if s, ok, _ := c.get("b"); !ok || s.Version != 2 {
		t.Errorf("b: %v, %v; want version 2", s, ok)
	}
	// A later read of an older version does not replace it.
	c.fill(&checkout.Session{ID: "b", Version: 1}, c.generation())
	if s, _, _ := c.get("b"); s.Version != 2 {
		t.Errorf("b is version %d after a fill of version 1, want 2", s.Version)
	}
}
