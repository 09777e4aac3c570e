package storetest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// apiKeys: keys can be listed and read in their scope only, revoked, rolled
// (the new key and the old one's expiry in one write, of concurrent rollers
// one winner) and touched without undoing any of that.
func (s suite) apiKeys(t *testing.T) {
	// keyed opens a store with accounts A and B and these keys, made in
	// order, each a microsecond after the last: four test keys of A, one
	// live key of A, one test key of B.
	keyed := func(t *testing.T) (checkout.Store, []*checkout.APIKey) {
		st := s.open(t)
		for _, id := range []string{scopeA.AccountID, scopeB.AccountID} {
			if err := st.CreateAccount(t.Context(), newAccount(id, t0), nil); err != nil {
				t.Fatalf("CreateAccount: %v", err)
			}
		}
		var keys []*checkout.APIKey
		for i, sc := range []checkout.Scope{scopeA, scopeA, scopeA, scopeA, scopeALive, scopeB} {
			secret := fmt.Sprintf("sk_test_keys%02d_0123456789abcdefghij", i)
			k := newKey(sc.AccountID, sc.Livemode, secret, t0.Add(time.Duration(i)*time.Microsecond))
			if err := st.CreateAPIKey(t.Context(), k); err != nil {
				t.Fatalf("CreateAPIKey(%s): %v", k.ID, err)
			}
			keys = append(keys, k)
		}
		return st, keys
	}
	ids := func(p checkout.Page[*checkout.APIKey]) []string {
		out := []string{}
		for _, k := range p.Items {
			out = append(out, k.ID)
		}
		return out
	}

	t.Run("ListAndGet", func(t *testing.T) {
		st, keys := keyed(t)
		ctx := t.Context()
		p, err := st.ListAPIKeys(ctx, scopeA, checkout.ListParams{Limit: 3})
		if err != nil {
			t.Fatalf("ListAPIKeys: %v", err)
		}
		wantIDs(t, "first page", ids(p), []string{keys[3].ID, keys[2].ID, keys[1].ID})
		if !p.HasMore {
			t.Error("first page: HasMore false")
		}
		checkKey(t, p.Items[0], keys[3])
		p, err = st.ListAPIKeys(ctx, scopeA, checkout.ListParams{Limit: 3, StartingAfter: keys[1].ID})
		if err != nil {
			t.Fatalf("ListAPIKeys(starting_after): %v", err)
		}
		wantIDs(t, "second page", ids(p), []string{keys[0].ID})
		if p.HasMore {
			t.Error("second page: HasMore true")
		}
		p, err = st.ListAPIKeys(ctx, scopeA, checkout.ListParams{Limit: 2, EndingBefore: keys[0].ID})
		if err != nil {
			t.Fatalf("ListAPIKeys(ending_before): %v", err)
		}
		wantIDs(t, "ending_before", ids(p), []string{keys[2].ID, keys[1].ID})
		p, err = st.ListAPIKeys(ctx, scopeALive, checkout.ListParams{Limit: 10})
		if err != nil {
			t.Fatalf("ListAPIKeys(live): %v", err)
		}
		wantIDs(t, "live keys", ids(p), []string{keys[4].ID})
		p, err = st.ListAPIKeys(ctx, checkout.Scope{AccountID: "acct_none"}, checkout.ListParams{Limit: 10})
		if err != nil || len(p.Items) != 0 {
			t.Errorf("ListAPIKeys(unknown account) = %v, %v; want an empty page", ids(p), err)
		}
		// Cursors of another scope are unknown, like missing ones.
		for _, c := range []string{"key_missing", keys[4].ID, keys[5].ID} {
			_, err = st.ListAPIKeys(ctx, scopeA, checkout.ListParams{Limit: 10, StartingAfter: c})
			wantKind(t, "ListAPIKeys(starting_after "+c+")", err, checkout.KindNotFound)
			if e, ok := err.(*checkout.Error); ok && e.Param != "" && e.Param != "starting_after" {
				t.Errorf("unknown cursor names %q, want starting_after", e.Param)
			}
		}

		got, err := st.GetAPIKey(ctx, scopeA, keys[2].ID)
		if err != nil {
			t.Fatalf("GetAPIKey: %v", err)
		}
		checkKey(t, got, keys[2])
		_, err = st.GetAPIKey(ctx, scopeA, keys[4].ID)
		wantKind(t, "GetAPIKey(live key, test scope)", err, checkout.KindNotFound)
		_, err = st.GetAPIKey(ctx, scopeA, keys[5].ID)
		wantKind(t, "GetAPIKey(other account's key)", err, checkout.KindNotFound)
		_, err = st.GetAPIKey(ctx, scopeA, "key_missing")
		wantKind(t, "GetAPIKey(missing)", err, checkout.KindNotFound)
	})

	t.Run("Revoke", func(t *testing.T) {
		st, keys := keyed(t)
		ctx := t.Context()
		at := t0.Add(time.Hour)
		got, err := st.RevokeAPIKey(ctx, scopeA, keys[1].ID, at)
		if err != nil {
			t.Fatalf("RevokeAPIKey: %v", err)
		}
		want := *keys[1]
		want.Revoked = at
		checkKey(t, got, &want)
		found, err := st.FindAPIKey(ctx, keys[1].Hash)
		if err != nil {
			t.Fatalf("FindAPIKey(revoked): %v", err)
		}
		checkKey(t, found, &want)
		// Revoking again leaves the first revocation as it was.
		got, err = st.RevokeAPIKey(ctx, scopeA, keys[1].ID, at.Add(time.Hour))
		if err != nil {
			t.Fatalf("RevokeAPIKey(again): %v", err)
		}
		checkKey(t, got, &want)
		p, err := st.ListAPIKeys(ctx, scopeA, checkout.ListParams{Limit: 10})
		if err != nil || len(p.Items) != 4 {
			t.Fatalf("ListAPIKeys after a revocation: %v, %v; want the 4 keys, revoked included", ids(p), err)
		}
		checkKey(t, p.Items[2], &want)

		for _, c := range []struct {
			scope checkout.Scope
			id    string
		}{{scopeA, keys[4].ID}, {scopeA, keys[5].ID}, {scopeA, "key_missing"}, {scopeB, keys[0].ID}} {
			_, err := st.RevokeAPIKey(ctx, c.scope, c.id, at)
			wantKind(t, "RevokeAPIKey("+c.id+") outside its scope", err, checkout.KindNotFound)
		}
		for _, k := range []*checkout.APIKey{keys[0], keys[4], keys[5]} {
			found, err := st.FindAPIKey(ctx, k.Hash)
			if err != nil {
				t.Fatalf("FindAPIKey: %v", err)
			}
			checkKey(t, found, k)
		}
	})

	t.Run("Roll", func(t *testing.T) {
		st, keys := keyed(t)
		ctx := t.Context()
		exp := t0.Add(24 * time.Hour)
		next := newKey(scopeA.AccountID, false, "sk_test_rolled_0123456789abcdefghij", t0.Add(time.Minute))
		old, err := st.RollAPIKey(ctx, scopeA, keys[0].ID, exp, next)
		if err != nil {
			t.Fatalf("RollAPIKey: %v", err)
		}
		want := *keys[0]
		want.ExpiresAt = exp
		checkKey(t, old, &want)
		found, err := st.FindAPIKey(ctx, keys[0].Hash)
		if err != nil {
			t.Fatalf("FindAPIKey(old): %v", err)
		}
		checkKey(t, found, &want)
		found, err = st.FindAPIKey(ctx, next.Hash)
		if err != nil {
			t.Fatalf("FindAPIKey(new): %v", err)
		}
		checkKey(t, found, next)
		p, err := st.ListAPIKeys(ctx, scopeA, checkout.ListParams{Limit: 1})
		if err != nil || len(p.Items) != 1 || p.Items[0].ID != next.ID {
			t.Errorf("ListAPIKeys after a roll = %v, %v; want the new key first", ids(p), err)
		}

		// What cannot be rolled writes nothing.
		if _, err := st.RevokeAPIKey(ctx, scopeA, keys[1].ID, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		clash := newKey(scopeA.AccountID, false, "sk_test_keys03_0123456789abcdefghij", t0)
		clash.ID = "key_clash"
		for i, c := range []struct {
			what  string
			scope checkout.Scope
			id    string
			next  *checkout.APIKey
			kind  checkout.Kind
		}{
			{"a key rolled already", scopeA, keys[0].ID, nil, checkout.KindConflict},
			{"a revoked key", scopeA, keys[1].ID, nil, checkout.KindConflict},
			{"a new key whose hash exists", scopeA, keys[2].ID, clash, checkout.KindConflict},
			{"a new key whose id exists", scopeA, keys[2].ID, &checkout.APIKey{ID: keys[3].ID, AccountID: scopeA.AccountID,
				Hash: checkout.HashKey("sk_test_idclash_0123456789abcdefghij"), Hint: "ghij", Created: t0}, checkout.KindConflict},
			{"a live key in test mode", scopeA, keys[4].ID, nil, checkout.KindNotFound},
			{"another account's key", scopeA, keys[5].ID, nil, checkout.KindNotFound},
			{"a missing key", scopeA, "key_missing", nil, checkout.KindNotFound},
		} {
			n := c.next
			if n == nil {
				n = newKey(scopeA.AccountID, false, fmt.Sprintf("sk_test_refused%d_0123456789abcdefghij", i), t0)
			}
			_, err := st.RollAPIKey(ctx, c.scope, c.id, exp, n)
			wantKind(t, "RollAPIKey("+c.what+")", err, c.kind)
			if c.next == nil {
				_, err = st.FindAPIKey(ctx, n.Hash)
				wantKind(t, "FindAPIKey(new key of a refused roll: "+c.what+")", err, checkout.KindNotFound)
			}
		}
		for _, k := range []*checkout.APIKey{keys[2], keys[3], keys[4], keys[5]} {
			found, err := st.FindAPIKey(ctx, k.Hash)
			if err != nil {
				t.Fatalf("FindAPIKey: %v", err)
			}
			checkKey(t, found, k)
		}
		p, err = st.ListAPIKeys(ctx, scopeA, checkout.ListParams{Limit: 10})
		if err != nil || len(p.Items) != 5 {
			t.Errorf("ListAPIKeys after the refused rolls = %v, %v; want 5 keys", ids(p), err)
		}
	})

	t.Run("RollOneWinner", func(t *testing.T) {
		st, keys := keyed(t)
		ctx := t.Context()
		const n = 16
		var wins atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		nexts := make([]*checkout.APIKey, n)
		for i := range n {
			nexts[i] = newKey(scopeA.AccountID, false, fmt.Sprintf("sk_test_racer%02d_0123456789abcdefghij", i), t0.Add(time.Minute))
			wg.Go(func() {
				<-start
				_, err := st.RollAPIKey(ctx, scopeA, keys[0].ID, t0.Add(time.Hour), nexts[i])
				switch {
				case err == nil:
					wins.Add(1)
				case !checkout.IsKind(err, checkout.KindConflict):
					t.Errorf("RollAPIKey: %v; want nil or a conflict", err)
				}
			})
		}
		close(start)
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d concurrent rolls of one key succeeded, want 1", wins.Load())
		}
		stored := 0
		for _, k := range nexts {
			if _, err := st.FindAPIKey(ctx, k.Hash); err == nil {
				stored++
			}
		}
		if stored != 1 {
			t.Errorf("%d new keys stored, want 1", stored)
		}
	})

	t.Run("Touch", func(t *testing.T) {
		st, keys := keyed(t)
		ctx := t.Context()
		t1, t2 := t0.Add(time.Minute), t0.Add(2*time.Minute)
		k := keys[0]
		for _, at := range []time.Time{t1, t0, t2, t1} {
			if err := st.TouchAPIKey(ctx, k.ID, at); err != nil {
				t.Fatalf("TouchAPIKey(%v): %v", at, err)
			}
		}
		want := *k
		want.LastUsed = t2
		got, err := st.GetAPIKey(ctx, scopeA, k.ID)
		if err != nil {
			t.Fatalf("GetAPIKey: %v", err)
		}
		checkKey(t, got, &want)
		// A touch after a revocation keeps it revoked.
		if _, err := st.RevokeAPIKey(ctx, scopeA, k.ID, t2); err != nil {
			t.Fatal(err)
		}
		if err := st.TouchAPIKey(ctx, k.ID, t2.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		want.Revoked, want.LastUsed = t2, t2.Add(time.Minute)
		got, err = st.FindAPIKey(ctx, k.Hash)
		if err != nil {
			t.Fatalf("FindAPIKey: %v", err)
		}
		checkKey(t, got, &want)
		if err := st.TouchAPIKey(ctx, "key_missing", t2); err != nil {
			t.Errorf("TouchAPIKey(missing): %v; want nil", err)
		}
		if _, err := st.GetAPIKey(ctx, scopeA, "key_missing"); !checkout.IsKind(err, checkout.KindNotFound) {
			t.Errorf("a touch made a missing key: %v", err)
		}
	})
}
