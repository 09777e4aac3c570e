package service_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/evm/evmtest"
	"github.com/checkoutd/checkoutd/provider/stablecoin"
	"github.com/checkoutd/checkoutd/service"
)

// TestStablecoinSharedKeyDistinctAddresses: accounts deriving from one key
// — two test-mode accounts without a key of their own (both on the
// built-in TestXpub), two live accounts given the same xpub, and a third
// account's test mode given it too — select at once, through the real
// provider and the service's allocator, and every deposit address differs
// on every store. (A counter per account and mode gave each index 0.)
func TestStablecoinSharedKeyDistinctAddresses(t *testing.T) {
	openEveryStore(t, func(t *testing.T, st checkout.Store) {
		svc, first := coinService(t, st)
		ctx := context.Background()
		scopes := []checkout.Scope{first}
		for _, id := range []string{"acct_coin_b", "acct_coin_c"} {
			a, _, err := svc.CreateAccount(ctx, service.AccountParams{ID: id, Name: id, DefaultCurrency: "EUR"})
			if err != nil {
				t.Fatal(err)
			}
			scopes = append(scopes, checkout.Scope{AccountID: a.ID})
		}
		setKey := func(scope checkout.Scope) {
			t.Helper()
			if _, err := svc.SetProvider(ctx, scope, stablecoin.Name, service.ProviderParams{Credentials: map[string]string{"xpub": evmtest.AnvilXpub}}); err != nil {
				t.Fatalf("xpub of %+v: %v", scope, err)
			}
		}
		liveA := checkout.Scope{AccountID: scopes[0].AccountID, Livemode: true}
		liveB := checkout.Scope{AccountID: scopes[1].AccountID, Livemode: true}
		setKey(liveA)
		setKey(liveB)
		setKey(scopes[2]) // test mode of the third account: the live accounts' key
		type pick struct {
			scope checkout.Scope
			sel   checkout.TokenChain
		}
		picks := []pick{{scopes[0], usdcBase}, {scopes[1], usdcBase}, {scopes[2], usdcBase}, {liveA, usdcEth}, {liveB, usdcEth}}
		const each = 3
		var sessions []*checkout.Session
		var sels []checkout.TokenChain
		for _, pk := range picks {
			for i := 0; i < each; i++ {
				s, err := coinSession(t, svc, pk.scope, "USD", 1000+int64(i), []checkout.TokenChain{pk.sel})
				if err != nil {
					t.Fatal(err)
				}
				sessions, sels = append(sessions, s), append(sels, pk.sel)
			}
		}
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			seen = map[string]string{}
			errs []error
		)
		for i, s := range sessions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, p, err := svc.Pay(ctx, s.ID, service.PayParams{Method: checkout.MethodStablecoin, Stablecoin: sels[i]})
				mu.Lock()
				defer mu.Unlock()
				if err != nil || p.Deposit == nil {
					errs = append(errs, fmt.Errorf("pay %s: %v", s.ID, err))
					return
				}
				if other, dup := seen[p.Deposit.Address]; dup {
					errs = append(errs, fmt.Errorf("address %s (index %d) given to %s and %s", p.Deposit.Address, p.Deposit.Index, other, p.ID))
				}
				seen[p.Deposit.Address] = p.ID
			}()
		}
		wg.Wait()
		for _, err := range errs {
			t.Error(err)
		}
		if len(seen) != len(sessions) {
			t.Errorf("%d distinct addresses for %d selections", len(seen), len(sessions))
		}
	})
}
