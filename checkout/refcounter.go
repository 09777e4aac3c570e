package checkout

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// RefCounterKind is the ObjectKind of a RefCounter.
const RefCounterKind = "ref_counter"

// RefCounter is a counter a provider numbers its own references from (the
// order ids of Ifthenpay's offline Multibanco references): one per account,
// mode, provider and key, kept by the service for a RefAllocator. Next is
// the value the next allocation tries first; an allocation advances it
// with a compare-and-set, so concurrent payments never share a value.
type RefCounter struct {
	AccountID string
	Livemode  bool
	Provider  string
	Key       string
	Next      int
	Version   int64
	Created   time.Time
	Updated   time.Time
}

// SharedRefScope is where counters shared by every account and mode are
// kept (StartRequest.SharedRefs), as chain cursors are kept in ChainScope:
// a scope no account has.
var SharedRefScope = Scope{AccountID: "shared"}

// RefCounterID is the id of the counter of provider's key in scope. The key
// is the provider's own ("mb:12345:999"), so it is hashed into an id of
// fixed shape that every store takes as it is.
func RefCounterID(scope Scope, provider, key string) string {
	mode := "test"
	if scope.Livemode {
		mode = "live"
	}
	h := sha256.Sum256([]byte(scope.AccountID + "\x00" + mode + "\x00" + provider + "\x00" + key))
	return "refctr_" + mode + "_" + hex.EncodeToString(h[:16])
}

// ObjectKind implements Object.
func (c *RefCounter) ObjectKind() string { return RefCounterKind }

// ObjectID implements Object.
func (c *RefCounter) ObjectID() string {
	return RefCounterID(c.Scope(), c.Provider, c.Key)
}

// Scope implements Object.
func (c *RefCounter) Scope() Scope { return Scope{AccountID: c.AccountID, Livemode: c.Livemode} }

// ObjectVersion implements Object.
func (c *RefCounter) ObjectVersion() int64 { return c.Version }

// ObjectCreated implements Object.
func (c *RefCounter) ObjectCreated() time.Time { return c.Created }

// LookupKeys implements Object: none; a counter is read by id only.
func (c *RefCounter) LookupKeys() []string { return nil }
