package service_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/teststore"
	"github.com/checkoutd/checkoutd/service"
)

// openEveryStore runs f over a new, empty store of each kind
// (internal/teststore).
func openEveryStore(t *testing.T, f func(t *testing.T, st checkout.Store)) {
	teststore.Each(t, f)
}

func never(int) bool { return false }

// TestRefAllocatorConcurrent: payments allocating from one counter at once
// all get distinct values, the values the counter gave in order (none
// skipped, none twice), on every store; another key, and the same key in
// the other mode, count on their own.
func TestRefAllocatorConcurrent(t *testing.T) {
	openEveryStore(t, func(t *testing.T, st checkout.Store) {
		ctx := context.Background()
		svc := service.New(service.Config{Store: st, PublicURL: "http://checkout.test"})
		refs := svc.Refs(checkout.Scope{AccountID: "acct_a"}, "ifthenpay")
		const workers, each = 6, 8
		var (
			mu  sync.Mutex
			got []int
			wg  sync.WaitGroup
		)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					n, err := refs.Next(ctx, "mb:12345:123", 10000, never)
					if err != nil {
						t.Errorf("next: %v", err)
						return
					}
					mu.Lock()
					got = append(got, n)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		slices.Sort(got)
		for i, n := range got {
			if n != i {
				t.Fatalf("values %v: want 0..%d, each once", got, workers*each-1)
			}
		}
		if len(got) != workers*each {
			t.Fatalf("%d values, want %d", len(got), workers*each)
		}
		for _, other := range []struct {
			scope checkout.Scope
			key   string
		}{{checkout.Scope{AccountID: "acct_a"}, "mb:12345:124"}, {checkout.Scope{AccountID: "acct_a", Livemode: true}, "mb:12345:123"}, {checkout.Scope{AccountID: "acct_b"}, "mb:12345:123"}} {
			if n, err := svc.Refs(other.scope, "ifthenpay").Next(ctx, other.key, 10000, never); err != nil || n != 0 {
				t.Errorf("%+v %s: first value %d, %v; want 0", other.scope, other.key, n, err)
			}
		}
	})
}

// TestRefAllocatorSkipsHeld: a counter that wraps skips the values still
// in use, and when every value is, the allocation is refused as a state
// error that changes nothing.
func TestRefAllocatorSkipsHeld(t *testing.T) {
	f := newFixture(t)
	refs := f.svc.Refs(f.scope, "ifthenpay")
	held := map[int]bool{1: true}
	inUse := func(n int) bool { return held[n] }
	var seq []int
	for i := 0; i < 4; i++ {
		n, err := refs.Next(f.ctx, "k", 3, inUse)
		if err != nil {
			t.Fatal(err)
		}
		seq = append(seq, n)
	}
	if want := []int{0, 2, 0, 2}; !slices.Equal(seq, want) {
		t.Fatalf("values %v, want %v (1 is held)", seq, want)
	}
	held[0], held[2] = true, true
	if _, err := refs.Next(f.ctx, "k", 3, inUse); checkout.ErrorKind(err) != checkout.KindState {
		t.Fatalf("every value held: %v, want a state error", err)
	}
	held[2] = false
	if n, err := refs.Next(f.ctx, "k", 3, inUse); err != nil || n != 2 {
		t.Fatalf("after 2 was freed: %d, %v; want 2", n, err)
	}
}
