package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

func (s suite) accounts(t *testing.T) {
	t.Run("CreateWithKeys", func(t *testing.T) {
		st := s.open(t)
		a := newAccount("acct_1", t0)
		keys := []*checkout.APIKey{
			newKey(a.ID, false, "sk_test_first0001", t0),
			newKey(a.ID, true, "sk_live_first0002", t0.Add(time.Microsecond)),
		}
		if err := st.CreateAccount(t.Context(), a, keys); err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		got, err := st.GetAccount(t.Context(), a.ID)
		if err != nil {
			t.Fatalf("GetAccount: %v", err)
		}
		checkAccount(t, got, a)
		for _, k := range keys {
			got, err := st.FindAPIKey(t.Context(), k.Hash)
			if err != nil {
				t.Fatalf("FindAPIKey(%s): %v", k.ID, err)
			}
			checkKey(t, got, k)
		}
	})

	t.Run("CreateWithoutKeys", func(t *testing.T) {
		st := s.open(t)
		a := newAccount("acct_1", t0)
		if err := st.CreateAccount(t.Context(), a, nil); err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		got, err := st.GetAccount(t.Context(), a.ID)
		if err != nil {
			t.Fatalf("GetAccount: %v", err)
		}
		checkAccount(t, got, a)
	})

	t.Run("DuplicateID", func(t *testing.T) {
		st := s.open(t)
		a := newAccount("acct_1", t0)
		if err := st.CreateAccount(t.Context(), a, nil); err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		dup := newAccount("acct_1", t0.Add(time.Hour))
		dup.Name = "Impostor"
		key := newKey(dup.ID, false, "sk_test_dup00001", t0)
		err := st.CreateAccount(t.Context(), dup, []*checkout.APIKey{key})
		wantKind(t, "CreateAccount(duplicate id)", err, checkout.KindConflict)
		got, err := st.GetAccount(t.Context(), a.ID)
		if err != nil {
			t.Fatalf("GetAccount: %v", err)
		}
		checkAccount(t, got, a)
		_, err = st.FindAPIKey(t.Context(), key.Hash)
		wantKind(t, "FindAPIKey(key of the refused account)", err, checkout.KindNotFound)
	})

	t.Run("DuplicateKeyIsAtomic", func(t *testing.T) {
		st := s.open(t)
		a := newAccount("acct_1", t0)
		key := newKey(a.ID, false, "sk_test_shared001", t0)
		if err := st.CreateAccount(t.Context(), a, []*checkout.APIKey{key}); err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		b := newAccount("acct_2", t0)
		fresh := newKey(b.ID, false, "sk_test_fresh0001", t0)
		clash := newKey(b.ID, false, "sk_test_shared001", t0)
		clash.ID = "key_other"
		err := st.CreateAccount(t.Context(), b, []*checkout.APIKey{fresh, clash})
		wantKind(t, "CreateAccount(existing key hash)", err, checkout.KindConflict)
		_, err = st.GetAccount(t.Context(), b.ID)
		wantKind(t, "GetAccount(refused account)", err, checkout.KindNotFound)
		_, err = st.FindAPIKey(t.Context(), fresh.Hash)
		wantKind(t, "FindAPIKey(key of the refused account)", err, checkout.KindNotFound)
		got, err := st.FindAPIKey(t.Context(), key.Hash)
		if err != nil {
			t.Fatalf("FindAPIKey(first key): %v", err)
		}
		checkKey(t, got, key)
	})

	t.Run("GetUnknown", func(t *testing.T) {
		st := s.open(t)
		_, err := st.GetAccount(t.Context(), "acct_missing")
		wantKind(t, "GetAccount(unknown)", err, checkout.KindNotFound)
	})

	t.Run("ListOldestFirst", func(t *testing.T) {
		st := s.open(t)
		got, err := st.ListAccounts(t.Context())
		if err != nil {
			t.Fatalf("ListAccounts(empty): %v", err)
		}
		if len(got) != 0 {
			t.Fatalf("ListAccounts(empty) = %d accounts", len(got))
		}
		// Ids deliberately out of lexical order.
		var want []*checkout.Account
		for i, id := range []string{"acct_c", "acct_a", "acct_b"} {
			a := newAccount(id, t0.Add(time.Duration(i)*time.Second))
			if err := st.CreateAccount(t.Context(), a, nil); err != nil {
				t.Fatalf("CreateAccount(%s): %v", id, err)
			}
			want = append(want, a)
		}
		got, err = st.ListAccounts(t.Context())
		if err != nil {
			t.Fatalf("ListAccounts: %v", err)
		}
		if len(got) != len(want) {
			t.Fatalf("ListAccounts = %d accounts, want %d", len(got), len(want))
		}
		for i := range want {
			checkAccount(t, got[i], want[i])
		}
	})

	t.Run("CreateAPIKey", func(t *testing.T) {
		st := s.open(t)
		a := newAccount("acct_1", t0)
		if err := st.CreateAccount(t.Context(), a, nil); err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		k := newKey(a.ID, true, "sk_live_added0001", t0.Add(time.Minute))
		if err := st.CreateAPIKey(t.Context(), k); err != nil {
			t.Fatalf("CreateAPIKey: %v", err)
		}
		got, err := st.FindAPIKey(t.Context(), k.Hash)
		if err != nil {
			t.Fatalf("FindAPIKey: %v", err)
		}
		checkKey(t, got, k)

		dup := newKey(a.ID, false, "sk_live_added0001", t0)
		dup.ID = "key_dup"
		wantKind(t, "CreateAPIKey(existing hash)", st.CreateAPIKey(t.Context(), dup), checkout.KindConflict)

		orphan := newKey("acct_missing", false, "sk_test_orphan001", t0)
		wantKind(t, "CreateAPIKey(missing account)", st.CreateAPIKey(t.Context(), orphan), checkout.KindNotFound)
		_, err = st.FindAPIKey(t.Context(), orphan.Hash)
		wantKind(t, "FindAPIKey(key of missing account)", err, checkout.KindNotFound)
	})

	t.Run("FindUnknownKey", func(t *testing.T) {
		st := s.open(t)
		_, err := st.FindAPIKey(t.Context(), checkout.HashKey("sk_test_nobody0001"))
		wantKind(t, "FindAPIKey(unknown)", err, checkout.KindNotFound)
	})
}

func checkAccount(t *testing.T, got, want *checkout.Account) {
	t.Helper()
	g, w := *got, *want
	diffs := diffTime("Created", g.Created, w.Created)
	g.Created, w.Created = time.Time{}, time.Time{}
	if !reflect.DeepEqual(g, w) {
		diffs = append(diffs, "fields differ")
	}
	if len(diffs) > 0 {
		t.Errorf("account %s: got %+v, want %+v: %v", want.ID, *got, *want, diffs)
	}
}

func checkKey(t *testing.T, got, want *checkout.APIKey) {
	t.Helper()
	g, w := *got, *want
	diffs := diffTime("Created", g.Created, w.Created)
	diffs = append(diffs, diffTime("LastUsed", g.LastUsed, w.LastUsed)...)
	diffs = append(diffs, diffTime("Revoked", g.Revoked, w.Revoked)...)
	diffs = append(diffs, diffTime("ExpiresAt", g.ExpiresAt, w.ExpiresAt)...)
	g.Created, w.Created = time.Time{}, time.Time{}
	g.LastUsed, w.LastUsed = time.Time{}, time.Time{}
	g.Revoked, w.Revoked = time.Time{}, time.Time{}
	g.ExpiresAt, w.ExpiresAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(g, w) {
		diffs = append(diffs, "fields differ")
	}
	if len(diffs) > 0 {
		t.Errorf("key %s: got %+v, want %+v: %v", want.ID, *got, *want, diffs)
	}
}
