package storetest

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

func newRecord(scope checkout.Scope, key, fingerprint string, created time.Time) *checkout.IdempotencyRecord {
	return &checkout.IdempotencyRecord{Scope: scope, Key: key, Fingerprint: fingerprint, Created: created}
}

func claim(t *testing.T, st checkout.Store, rec *checkout.IdempotencyRecord) *checkout.IdempotencyRecord {
	t.Helper()
	got, err := st.ClaimIdempotencyKey(t.Context(), rec)
	if err != nil {
		t.Fatalf("ClaimIdempotencyKey(%s at %v): %v", rec.Key, rec.Created, err)
	}
	return got
}

func finish(t *testing.T, st checkout.Store, rec *checkout.IdempotencyRecord, status int, body string) {
	t.Helper()
	rec.Done, rec.Status, rec.ContentType, rec.Body = true, status, "application/json; charset=utf-8", []byte(body)
	if err := st.FinishIdempotencyKey(t.Context(), rec); err != nil {
		t.Fatalf("FinishIdempotencyKey(%s): %v", rec.Key, err)
	}
}

// wantClaimed fails unless claiming returned nil: the key was free.
func wantClaimed(t *testing.T, what string, got *checkout.IdempotencyRecord) {
	t.Helper()
	if got != nil {
		t.Errorf("%s: key in use by %+v, want it claimed", what, *got)
	}
}

// wantExisting fails unless claiming returned the record want.
func wantExisting(t *testing.T, what string, got, want *checkout.IdempotencyRecord) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: claimed, want the existing record %s", what, want.Fingerprint)
		return
	}
	var diffs []string
	if got.Scope != want.Scope || got.Key != want.Key || got.Fingerprint != want.Fingerprint || got.Done != want.Done {
		diffs = append(diffs, fmt.Sprintf("scope %v key %q fingerprint %q done %v, want %v %q %q %v",
			got.Scope, got.Key, got.Fingerprint, got.Done, want.Scope, want.Key, want.Fingerprint, want.Done))
	}
	diffs = append(diffs, diffTime("Created", got.Created, want.Created)...)
	if want.Done && (got.Status != want.Status || got.ContentType != want.ContentType || !bytes.Equal(got.Body, want.Body)) {
		diffs = append(diffs, fmt.Sprintf("response %d %q %q, want %d %q %q",
			got.Status, got.ContentType, got.Body, want.Status, want.ContentType, want.Body))
	}
	if len(diffs) > 0 {
		t.Errorf("%s: %v", what, diffs)
	}
}

func (s suite) idempotency(t *testing.T) {
	const fp = "POST /v1/checkout/sessions sha256:1"

	t.Run("ClaimFinishReplay", func(t *testing.T) {
		st := s.seeded(t)
		rec := newRecord(scopeA, "key-1", fp, t0)
		wantClaimed(t, "first claim", claim(t, st, rec))
		inFlight := *rec
		wantExisting(t, "claim while in flight", claim(t, st, newRecord(scopeA, "key-1", "other", t0.Add(time.Second))), &inFlight)

		// Bytes that are not valid UTF-8 must come back as they were.
		finish(t, st, rec, 201, "{\"id\":\"cs_1\"}\n\x00\xff\xfe end")
		wantExisting(t, "claim after finish", claim(t, st, newRecord(scopeA, "key-1", "other", t0.Add(time.Minute))), rec)
	})

	t.Run("Release", func(t *testing.T) {
		st := s.seeded(t)
		r := newRecord(scopeA, "key-r", fp, t0)
		wantClaimed(t, "claim", claim(t, st, r))
		if err := st.ReleaseIdempotencyKey(t.Context(), r); err != nil {
			t.Fatalf("ReleaseIdempotencyKey: %v", err)
		}
		wantClaimed(t, "claim after release", claim(t, st, newRecord(scopeA, "key-r", fp, t0.Add(time.Second))))

		done := newRecord(scopeA, "key-done", fp, t0)
		wantClaimed(t, "claim", claim(t, st, done))
		finish(t, st, done, 200, "{}")
		if err := st.ReleaseIdempotencyKey(t.Context(), done); err != nil {
			t.Fatalf("ReleaseIdempotencyKey(finished): %v", err)
		}
		wantExisting(t, "claim after releasing a finished record", claim(t, st, newRecord(scopeA, "key-done", fp, t0.Add(time.Second))), done)

		if err := st.ReleaseIdempotencyKey(t.Context(), newRecord(scopeA, "key-unknown", fp, t0)); err != nil {
			t.Errorf("ReleaseIdempotencyKey(unknown): %v", err)
		}
	})

	t.Run("ExpiredRecordIsReplaced", func(t *testing.T) {
		st := s.seeded(t)
		old := newRecord(scopeA, "key-ttl", fp, t0)
		wantClaimed(t, "claim", claim(t, st, old))
		finish(t, st, old, 200, "old")
		wantExisting(t, "claim just inside the TTL", claim(t, st, newRecord(scopeA, "key-ttl", "new", t0.Add(checkout.IdempotencyTTL-time.Second))), old)
		fresh := newRecord(scopeA, "key-ttl", "new", t0.Add(checkout.IdempotencyTTL+time.Second))
		wantClaimed(t, "claim past the TTL", claim(t, st, fresh))
		wantExisting(t, "claim after the replacement", claim(t, st, newRecord(scopeA, "key-ttl", "newer", fresh.Created.Add(time.Second))), fresh)
	})

	t.Run("StaleLockIsReplaced", func(t *testing.T) {
		st := s.seeded(t)
		dead := newRecord(scopeA, "key-lock", fp, t0)
		wantClaimed(t, "claim", claim(t, st, dead))
		wantExisting(t, "claim inside the lock TTL", claim(t, st, newRecord(scopeA, "key-lock", "new", t0.Add(checkout.IdempotencyLockTTL-time.Second))), dead)
		fresh := newRecord(scopeA, "key-lock", "new", t0.Add(checkout.IdempotencyLockTTL+time.Second))
		wantClaimed(t, "claim past the lock TTL", claim(t, st, fresh))
		wantExisting(t, "claim after the replacement", claim(t, st, newRecord(scopeA, "key-lock", "newer", fresh.Created.Add(time.Second))), fresh)

		// A finished record is kept for the whole TTL, lock TTL or not.
		done := newRecord(scopeA, "key-lock-done", fp, t0)
		wantClaimed(t, "claim", claim(t, st, done))
		finish(t, st, done, 402, "declined")
		wantExisting(t, "finished record past the lock TTL", claim(t, st, newRecord(scopeA, "key-lock-done", "new", t0.Add(checkout.IdempotencyLockTTL+time.Hour))), done)
	})

	t.Run("LateReleaseKeepsNewerClaim", func(t *testing.T) {
		// A request whose lock lapsed, and whose key another request has
		// claimed since, must free only its own claim: freeing the newer
		// one would let a third request run beside it.
		st := s.seeded(t)
		dead := newRecord(scopeA, "key-late", fp, t0)
		wantClaimed(t, "claim", claim(t, st, dead))
		fresh := newRecord(scopeA, "key-late", fp, t0.Add(checkout.IdempotencyLockTTL+time.Second))
		wantClaimed(t, "claim past the lock TTL", claim(t, st, fresh))
		if err := st.ReleaseIdempotencyKey(t.Context(), dead); err != nil {
			t.Fatalf("ReleaseIdempotencyKey(the lapsed claim): %v", err)
		}
		inFlight := *fresh
		wantExisting(t, "claim after the lapsed claim's release", claim(t, st, newRecord(scopeA, "key-late", fp, fresh.Created.Add(time.Second))), &inFlight)
	})

	t.Run("KeysArePerScope", func(t *testing.T) {
		st := s.seeded(t)
		a := newRecord(scopeA, "key-shared", fp, t0)
		wantClaimed(t, "claim in A", claim(t, st, a))
		finish(t, st, a, 200, "a")
		live := newRecord(scopeALive, "key-shared", "live", t0)
		wantClaimed(t, "claim in A live", claim(t, st, live))
		b := newRecord(scopeB, "key-shared", "b", t0)
		wantClaimed(t, "claim in B", claim(t, st, b))
		wantExisting(t, "claim in B again", claim(t, st, newRecord(scopeB, "key-shared", "x", t0.Add(time.Second))), b)
		if err := st.ReleaseIdempotencyKey(t.Context(), b); err != nil {
			t.Fatalf("ReleaseIdempotencyKey: %v", err)
		}
		wantExisting(t, "claim in A after B released", claim(t, st, newRecord(scopeA, "key-shared", "x", t0.Add(time.Second))), a)
		wantExisting(t, "claim in A live after B released", claim(t, st, newRecord(scopeALive, "key-shared", "x", t0.Add(time.Second))), live)
	})

	t.Run("ConcurrentClaims", func(t *testing.T) {
		st := s.seeded(t)
		const n = 20
		ctx := t.Context()
		got := make([]*checkout.IdempotencyRecord, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				got[i], errs[i] = st.ClaimIdempotencyKey(ctx, newRecord(scopeA, "key-race", fmt.Sprintf("fp-%02d", i), t0))
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i := range n {
			switch {
			case errs[i] != nil:
				t.Errorf("claim %d: %v", i, errs[i])
			case got[i] == nil && winner >= 0:
				t.Errorf("claims %d and %d both won", winner, i)
			case got[i] == nil:
				winner = i
			}
		}
		if winner < 0 {
			t.Fatal("no claim won")
		}
		want := newRecord(scopeA, "key-race", fmt.Sprintf("fp-%02d", winner), t0)
		for i := range n {
			if i != winner && errs[i] == nil {
				wantExisting(t, fmt.Sprintf("claim %d", i), got[i], want)
			}
		}
	})

	t.Run("Prune", func(t *testing.T) {
		st := s.seeded(t)
		old := newRecord(scopeA, "key-old", fp, t0)
		edge := newRecord(scopeA, "key-edge", fp, t0.Add(time.Hour))
		newer := newRecord(scopeB, "key-new", fp, t0.Add(2*time.Hour))
		for _, r := range []*checkout.IdempotencyRecord{old, edge, newer} {
			wantClaimed(t, "claim "+r.Key, claim(t, st, r))
			finish(t, st, r, 200, r.Key)
		}
		if err := st.PruneIdempotencyKeys(t.Context(), edge.Created); err != nil {
			t.Fatalf("PruneIdempotencyKeys: %v", err)
		}
		at := t0.Add(2*time.Hour + time.Second)
		wantClaimed(t, "claim the pruned key", claim(t, st, newRecord(scopeA, "key-old", "again", at)))
		wantExisting(t, "claim the key created at the cut", claim(t, st, newRecord(scopeA, "key-edge", "again", at)), edge)
		wantExisting(t, "claim the newer key", claim(t, st, newRecord(scopeB, "key-new", "again", at)), newer)
	})
}
