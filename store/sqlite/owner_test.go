package sqlite_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/sqlite"
	"github.com/checkoutd/checkoutd/store/storetest"
)

// The owner keeps sessions in memory; it must pass the same suite (see
// TestStore, which runs it over Open).
func TestOwnerStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) checkout.Store {
		return mustOpenOwner(t, filepath.Join(t.TempDir(), "checkoutd.db"))
	})
}

func mustOpenOwner(tb testing.TB, path string) *sqlite.Store {
	tb.Helper()
	return mustOpenWith(tb, sqlite.OpenOwner, path)
}

func TestOwnerIsExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "checkoutd.db") // a directory to make, as Open does
	owner, err := sqlite.OpenOwner(path)
	if err != nil {
		t.Fatalf("OpenOwner: %v", err)
	}
	if s, err := sqlite.OpenOwner(path); err == nil {
		s.Close()
		t.Fatal("a second OpenOwner on the same file succeeded")
	} else if !strings.Contains(err.Error(), "another process is serving") {
		t.Errorf("second OpenOwner: %v, want it to say another process is serving the file", err)
	}

	// The other commands open the file beside the owner.
	other := mustOpen(t, path)
	if err := other.Ping(t.Context()); err != nil {
		t.Errorf("Ping beside the owner: %v", err)
	}

	if err := owner.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	again, err := sqlite.OpenOwner(path)
	if err != nil {
		t.Fatalf("OpenOwner after the owner closed: %v", err)
	}
	again.Close()
}

// TestOwnerReadsFollowWrites races readers against writers of the same
// sessions: once a write has returned, no read may return an older version,
// however reads that filled the cache and commits interleave. At the end
// the owner agrees with the file, read through a Store that keeps no cache.
func TestOwnerReadsFollowWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkoutd.db")
	owner := mustOpenOwner(t, path)
	ctx := t.Context()
	const sessions, writers, readers, writes = 4, 4, 4, 60

	acked := make([]atomic.Int64, sessions) // the highest version a write returned
	for i := range sessions {
		if err := owner.CreateSession(ctx, newSession(fmt.Sprintf("cs_race_%d", i))); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
		acked[i].Store(1)
	}
	var stop atomic.Bool
	var wg, readWG sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for n := 0; n < writes; {
				i := (w + n) % sessions
				sess, err := owner.GetSession(ctx, scope, fmt.Sprintf("cs_race_%d", i))
				if err != nil {
					t.Errorf("GetSession: %v", err)
					return
				}
				sess.Version++
				sess.AccessedAt = now.Add(time.Duration(sess.Version) * time.Second)
				switch err := owner.Commit(ctx, checkout.Change{Session: sess}); {
				case err == nil:
					for v := acked[i].Load(); v < sess.Version && !acked[i].CompareAndSwap(v, sess.Version); v = acked[i].Load() {
					}
					n++
				case checkout.IsKind(err, checkout.KindConflict):
				default:
					t.Errorf("Commit: %v", err)
					return
				}
			}
		})
	}
	for r := range readers {
		readWG.Go(func() {
			for n := 0; !stop.Load(); n++ {
				i := (r + n) % sessions
				floor := acked[i].Load()
				var sess *checkout.Session
				var err error
				if n%2 == 0 {
					sess, err = owner.GetSession(ctx, scope, fmt.Sprintf("cs_race_%d", i))
				} else {
					sess, err = owner.FindSession(ctx, fmt.Sprintf("cs_race_%d", i))
				}
				if err != nil {
					t.Errorf("read: %v", err)
					return
				}
				if sess.Version < floor {
					t.Errorf("read version %d of cs_race_%d after a write of version %d had returned", sess.Version, i, floor)
					return
				}
			}
		})
	}
	wg.Wait()
	stop.Store(true)
	readWG.Wait()

	plain := mustOpen(t, path)
	for i := range sessions {
		id := fmt.Sprintf("cs_race_%d", i)
		a, errA := owner.GetSession(ctx, scope, id)
		b, errB := plain.GetSession(ctx, scope, id)
		if errA != nil || errB != nil {
			t.Fatalf("GetSession: %v, %v", errA, errB)
		}
		if a.Version != b.Version || !a.AccessedAt.Equal(b.AccessedAt) || a.Version != acked[i].Load() {
			t.Errorf("%s: owner has version %d (%s), the file %d (%s), the last write %d", id, a.Version, a.AccessedAt, b.Version, b.AccessedAt, acked[i].Load())
		}
	}
}

// A session in the owner's cache is still confined to its scope.
func TestOwnerCacheKeepsScope(t *testing.T) {
	owner := mustOpenOwner(t, filepath.Join(t.TempDir(), "checkoutd.db"))
	ctx := t.Context()
	if err := owner.CreateSession(ctx, newSession("cs_scoped")); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	for _, other := range []checkout.Scope{{AccountID: "acct_2"}, {AccountID: scope.AccountID, Livemode: !scope.Livemode}} {
		if _, err := owner.GetSession(ctx, other, "cs_scoped"); !checkout.IsKind(err, checkout.KindNotFound) {
			t.Errorf("GetSession in %+v: %v, want not found", other, err)
		}
	}
	// What a caller does to a session it was given does not reach the cache.
	a, err := owner.GetSession(ctx, scope, "cs_scoped")
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	a.Metadata["order"] = "changed"
	a.LineItems[0].Name = "changed"
	b, err := owner.GetSession(ctx, scope, "cs_scoped")
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	if b.Metadata["order"] != "cs_scoped" || b.LineItems[0].Name != "T-shirt" {
		t.Errorf("a caller's change reached the cache: %v, %q", b.Metadata, b.LineItems[0].Name)
	}
}
