package storetest

import (
	"sync"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
)

// accountUpdates tests AccountStore.UpdateAccount: a compare-and-set on the
// account's version, so that concurrent updates never undo each other.
func (s suite) accountUpdates(t *testing.T) {
	branded := func(a *checkout.Account) {
		a.Name = "Renamed"
		a.Profile = checkout.Profile{DisplayName: "Kofi Roasters", SupportEmail: "help@kofi.example",
			URL: "https://kofi.example", TermsURL: "https://kofi.example/terms", PrivacyURL: "https://kofi.example/privacy",
			Branding: checkout.Branding{Logo: "file_1", BrandColor: "#0a2540", AccentColor: "#635bff", ButtonShape: "pill", FontFamily: "serif"}}
	}

	t.Run("WritesEveryField", func(t *testing.T) {
		st := s.open(t)
		a := newAccount("acct_1", t0)
		a.Version = 1
		if err := st.CreateAccount(t.Context(), a, nil); err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		next := *a
		branded(&next)
		next.Version = 2
		if err := st.UpdateAccount(t.Context(), &next); err != nil {
			t.Fatalf("UpdateAccount: %v", err)
		}
		got, err := st.GetAccount(t.Context(), a.ID)
		if err != nil {
			t.Fatalf("GetAccount: %v", err)
		}
		checkAccount(t, got, &next)
		list, err := st.ListAccounts(t.Context())
		if err != nil || len(list) != 1 {
			t.Fatalf("ListAccounts = %d accounts, %v", len(list), err)
		}
		checkAccount(t, list[0], &next)
	})

	t.Run("StaleVersionWritesNothing", func(t *testing.T) {
		st := s.open(t)
		a := newAccount("acct_1", t0)
		a.Version = 1
		if err := st.CreateAccount(t.Context(), a, nil); err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		for _, v := range []int64{1, 3, 0} {
			stale := *a
			branded(&stale)
			stale.Version = v
			wantKind(t, "UpdateAccount(wrong version)", st.UpdateAccount(t.Context(), &stale), checkout.KindConflict)
		}
		got, err := st.GetAccount(t.Context(), a.ID)
		if err != nil {
			t.Fatalf("GetAccount: %v", err)
		}
		checkAccount(t, got, a)
	})

	t.Run("UnversionedRecord", func(t *testing.T) {
		// An account stored before accounts had versions reads as
		// version 0, and its first update is version 1.
		st := s.open(t)
		a := newAccount("acct_1", t0)
		if err := st.CreateAccount(t.Context(), a, nil); err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		next := *a
		branded(&next)
		next.Version = 1
		if err := st.UpdateAccount(t.Context(), &next); err != nil {
			t.Fatalf("UpdateAccount(version 1 over none): %v", err)
		}
		got, err := st.GetAccount(t.Context(), a.ID)
		if err != nil {
			t.Fatalf("GetAccount: %v", err)
		}
		checkAccount(t, got, &next)
	})

	t.Run("Unknown", func(t *testing.T) {
		st := s.open(t)
		a := newAccount("acct_missing", t0)
		a.Version = 2
		wantKind(t, "UpdateAccount(unknown)", st.UpdateAccount(t.Context(), a), checkout.KindNotFound)
		_, err := st.GetAccount(t.Context(), a.ID)
		wantKind(t, "GetAccount(after update of unknown)", err, checkout.KindNotFound)
	})

	t.Run("ConcurrentOneWins", func(t *testing.T) {
		st := s.open(t)
		a := newAccount("acct_1", t0)
		a.Version = 1
		if err := st.CreateAccount(t.Context(), a, nil); err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				next := *a
				next.Name = "Writer " + string(rune('A'+i))
				next.Version = 2
				errs[i] = st.UpdateAccount(t.Context(), &next)
			}()
		}
		wg.Wait()
		won := -1
		for i, err := range errs {
			switch {
			case err == nil && won >= 0:
				t.Fatalf("writers %d and %d both updated version 1", won, i)
			case err == nil:
				won = i
			default:
				wantKind(t, "UpdateAccount(lost race)", err, checkout.KindConflict)
			}
		}
		if won < 0 {
			t.Fatal("no writer updated the account")
		}
		got, err := st.GetAccount(t.Context(), a.ID)
		if err != nil {
			t.Fatalf("GetAccount: %v", err)
		}
		if want := "Writer " + string(rune('A'+won)); got.Name != want || got.Version != 2 {
			t.Errorf("stored %q at version %d, want the winner's %q at 2", got.Name, got.Version, want)
		}
	})
}
