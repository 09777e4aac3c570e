package storetest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// RunShared checks what replicas (or a server and a CLI) rely on when
// several Stores share one backend: compare-and-set, leases and idempotency
// claims hold across Stores, not only across goroutines of one. openPair
// returns two Stores, with connections of their own, over one new, empty
// backend, and registers their cleanup.
func RunShared(t *testing.T, openPair func(t *testing.T) (a, b checkout.Store)) {
	t.Run("CommitOneWinner", func(t *testing.T) { sharedCommit(t, openPair) })
	t.Run("ClaimDeliveriesOnce", func(t *testing.T) { sharedClaimDeliveries(t, openPair) })
	t.Run("IdempotencyOneWinner", func(t *testing.T) { sharedIdempotency(t, openPair) })
	t.Run("KeyRevokedForOthers", func(t *testing.T) { sharedRevoke(t, openPair) })
}

// sharedRevoke: a key revoked or rolled through one Store reads as such
// through the other at once, which is what lets every replica refuse it
// once its short key cache lapses; of rolls through both, one wins.
func sharedRevoke(t *testing.T, openPair func(t *testing.T) (a, b checkout.Store)) {
	a, b := openPair(t)
	ctx := t.Context()
	if err := a.CreateAccount(ctx, newAccount(scopeA.AccountID, t0), nil); err != nil {
		t.Fatal(err)
	}
	k1 := newKey(scopeA.AccountID, false, "sk_test_shared1_0123456789abcdefghij", t0)
	k2 := newKey(scopeA.AccountID, false, "sk_test_shared2_0123456789abcdefghij", t0)
	for _, k := range []*checkout.APIKey{k1, k2} {
		if err := a.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		if _, err := b.FindAPIKey(ctx, k.Hash); err != nil {
			t.Fatalf("FindAPIKey through the other store: %v", err)
		}
	}
	if _, err := a.RevokeAPIKey(ctx, scopeA, k1.ID, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err := b.FindAPIKey(ctx, k1.Hash)
	if err != nil || !got.Revoked.Equal(t0.Add(time.Minute)) {
		t.Errorf("the other store reads the revoked key as %+v, %v", got, err)
	}
	n1 := newKey(scopeA.AccountID, false, "sk_test_sharedn1_0123456789abcdefghij", t0)
	n2 := newKey(scopeA.AccountID, false, "sk_test_sharedn2_0123456789abcdefghij", t0)
	_, err1 := a.RollAPIKey(ctx, scopeA, k2.ID, t0.Add(time.Hour), n1)
	_, err2 := b.RollAPIKey(ctx, scopeA, k2.ID, t0.Add(time.Hour), n2)
	if err1 != nil || !checkout.IsKind(err2, checkout.KindConflict) {
		t.Errorf("rolls through both stores: %v, %v; want the first to win and the second to conflict", err1, err2)
	}
	if got, err := b.FindAPIKey(ctx, k2.Hash); err != nil || !got.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("the other store reads the rolled key as %+v, %v", got, err)
	}
}

// sharedCommit: of writers on both Stores committing over the same
// version, exactly one wins, and only its event is written.
func sharedCommit(t *testing.T, openPair func(t *testing.T) (a, b checkout.Store)) {
	a, b := openPair(t)
	ctx := t.Context()
	create(t, a, newSession(scopeA, "cs_shared", t0))

	const n = 20
	var wins, conflicts atomic.Int32
	var loaded, wg sync.WaitGroup
	start := make(chan struct{})
	loaded.Add(n)
	for i := range n {
		st := []checkout.Store{a, b}[i%2]
		wg.Go(func() {
			sess, err := st.GetSession(ctx, scopeA, "cs_shared")
			loaded.Done()
			if err != nil {
				t.Errorf("GetSession: %v", err)
				return
			}
			<-start
			ev, err := sess.Apply(checkout.TransitionPay, t0.Add(time.Minute), fmt.Sprintf("evt_shared_%02d", i))
			if err != nil {
				t.Errorf("Apply: %v", err)
				return
			}
			switch err := st.Commit(ctx, checkout.Change{Session: sess, Events: []*checkout.Event{ev}}); {
			case err == nil:
				wins.Add(1)
			case checkout.IsKind(err, checkout.KindConflict):
				conflicts.Add(1)
			default:
				t.Errorf("Commit: %v", err)
			}
		})
	}
	loaded.Wait()
	close(start)
	wg.Wait()
	if wins.Load() != 1 || conflicts.Load() != n-1 {
		t.Errorf("%d wins and %d conflicts, want 1 and %d", wins.Load(), conflicts.Load(), n-1)
	}
	p, err := b.ListEvents(ctx, scopeA, checkout.EventFilter{ObjectID: "cs_shared", ListParams: checkout.ListParams{Limit: 10}})
	if err != nil || len(p.Items) != 1 {
		t.Errorf("events of the session: %d, %v; want 1", len(p.Items), err)
	}
}

// sharedClaimDeliveries: workers on both Stores drain one delivery queue,
// and no delivery is claimed twice.
func sharedClaimDeliveries(t *testing.T, openPair func(t *testing.T) (a, b checkout.Store)) {
	a, b := openPair(t)
	ctx := t.Context()
	ev := &checkout.Event{ID: "evt_shared", AccountID: scopeA.AccountID, Type: checkout.EventSessionCompleted,
		Created: t0, Sequence: 1, ObjectID: "cs_shared"}
	commit(t, a, checkout.Change{Events: []*checkout.Event{ev}})
	const n = 300
	ds := make([]*checkout.Delivery, n)
	for i := range ds {
		ds[i] = &checkout.Delivery{ID: fmt.Sprintf("whd_%03d", i), AccountID: scopeA.AccountID, EventID: ev.ID, EndpointID: "we_1",
			Status: checkout.DeliveryPending, NextAt: t0.Add(time.Duration(i%13) * time.Second), Created: t0, Updated: t0}
	}
	if err := b.Dispatch(ctx, ev.ID, ds); err != nil {
		t.Fatalf("Dispatch: %v", err)
	}

	var mu sync.Mutex
	count := map[string]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range 8 {
		st := []checkout.Store{a, b}[w%2]
		wg.Go(func() {
			<-start
			for {
				got, err := st.ClaimDeliveries(ctx, t0.Add(time.Minute), t0.Add(2*time.Minute), 5)
				if err != nil {
					t.Errorf("ClaimDeliveries: %v", err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, d := range got {
					count[d.ID]++
				}
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	for _, d := range ds {
		if count[d.ID] != 1 {
			t.Errorf("%s claimed %d times, want once", d.ID, count[d.ID])
		}
	}
}

// sharedIdempotency: requests on both Stores racing to claim one key:
// exactly one wins, round after round.
func sharedIdempotency(t *testing.T, openPair func(t *testing.T) (a, b checkout.Store)) {
	a, b := openPair(t)
	const rounds, n = 20, 8
	for r := range rounds {
		var wins atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			st := []checkout.Store{a, b}[i%2]
			wg.Go(func() {
				<-start
				rec := &checkout.IdempotencyRecord{Scope: scopeA, Key: fmt.Sprintf("key-%d", r), Fingerprint: fmt.Sprint(i), Created: t0}
				got, err := st.ClaimIdempotencyKey(t.Context(), rec)
				if err != nil {
					t.Errorf("ClaimIdempotencyKey: %v", err)
				} else if got == nil {
					wins.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("round %d: %d claims won, want 1", r, wins.Load())
		}
	}
}
