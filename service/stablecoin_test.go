package service_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/evm/evmtest"
	"github.com/checkoutd/checkoutd/internal/seal"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/provider/stablecoin"
	"github.com/checkoutd/checkoutd/service"
)

// coinModes is serve's configuration with `--chain ethereum=…` in live
// mode and `--stablecoin-rate EUR=1.0842`: test mode simulates every
// built-in chain.
func coinModes() stablecoin.Modes {
	live := stablecoin.Config{Chains: map[string]stablecoin.Chain{}, Rates: map[string]string{"EUR": "1.0842"}}
	eth := stablecoin.Builtin()["ethereum"]
	eth.RPCURL = "http://127.0.0.1:8545"
	live.Chains["ethereum"] = eth
	test := stablecoin.SimulatedTest()
	test.Rates = map[string]string{"EUR": "1.0842"}
	return stablecoin.Modes{Live: live, Test: test}
}

// coinService is a service over st with the simulator and the stablecoin
// provider registered as serve registers them, and an account acct_coin
// (EUR); opts change its configuration (a clock).
func coinService(t *testing.T, st checkout.Store, opts ...func(*service.Config)) (*service.Service, checkout.Scope) {
	t.Helper()
	sealer, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	modes := coinModes()
	reg := simRegistry(sim.New(checkout.SystemClock{}))
	reg.RegisterCredentialed(stablecoin.Name, stablecoin.Factory(modes))
	reg.Route(false, stablecoin.Name, checkout.MethodStablecoin)
	reg.Route(true, stablecoin.Name, checkout.MethodStablecoin)
	cfg := service.Config{Store: st, PublicURL: "http://checkout.test", Providers: reg, Sealer: sealer, Tokens: modes}
	for _, o := range opts {
		o(&cfg)
	}
	svc := service.New(cfg)
	a, _, err := svc.CreateAccount(context.Background(), service.AccountParams{ID: "acct_coin", Name: "Coin shop", DefaultCurrency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	return svc, checkout.Scope{AccountID: a.ID}
}

func coinSession(t *testing.T, svc *service.Service, scope checkout.Scope, currency string, amount int64, tokens []checkout.TokenChain) (*checkout.Session, error) {
	t.Helper()
	scheme := "http"
	if scope.Livemode {
		scheme = "https"
	}
	return svc.CreateSession(context.Background(), scope, &service.SessionParams{Amount: &amount, Currency: currency,
		SuccessURL: scheme + "://shop.example/ok", CancelURL: scheme + "://shop.example/no",
		PaymentMethodTypes: []string{"stablecoin"}, SupportedTokens: tokens})
}

func wantInvalid(t *testing.T, err error, param, msg string) {
	t.Helper()
	var e *checkout.Error
	if !errors.As(err, &e) || e.Kind != checkout.KindInvalid || e.Param != param || !strings.Contains(e.Message, msg) {
		t.Fatalf("err %v, want invalid %s saying %q", err, param, msg)
	}
}

var (
	usdcBase = checkout.TokenChain{Chain: "base", Token: "USDC"}
	usdtEth  = checkout.TokenChain{Chain: "ethereum", Token: "USDT"}
	usdcEth  = checkout.TokenChain{Chain: "ethereum", Token: "USDC"}
)

// Test mode without a node: a selection is a payment awaiting its deposit
// at a fresh address, the session stays open and shows the selection; a
// second selection is another payment at the next index; the test helper
// settles one, which completes the session.
func TestStablecoinSimulatedFlow(t *testing.T) {
	f := newFixture(t)
	svc, scope := coinService(t, f.store)
	ctx := context.Background()
	if _, err := svc.SetProvider(ctx, scope, stablecoin.Name, service.ProviderParams{Credentials: map[string]string{"xpub": evmtest.AnvilXpub}}); err != nil {
		t.Fatal(err)
	}
	sess, err := coinSession(t, svc, scope, "USD", 2500, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := checkout.FormatTokenChains(sess.SupportedTokens); got != "USDC@arbitrum,USDC@base,USDC@ethereum,USDT@ethereum,USDC@polygon,USDT@polygon" {
		t.Errorf("supported tokens %s, want every configured pair", got)
	}
	if sess.Provider != stablecoin.Name {
		t.Errorf("session provider %q", sess.Provider)
	}
	s1, p1, err := svc.Pay(ctx, sess.ID, service.PayParams{Method: checkout.MethodStablecoin, Stablecoin: checkout.TokenChain{Chain: "base", Token: "usdc"}})
	if err != nil {
		t.Fatal(err)
	}
	if p1.Status != checkout.PaymentRequiresAction || p1.Deposit == nil || p1.Deposit.Address != evmtest.AnvilAddresses[0] ||
		p1.Deposit.Amount != "25000000" || p1.ProviderRef != "base:"+strings.ToLower(evmtest.AnvilAddresses[0]) ||
		p1.Action == nil || p1.Action.Kind != checkout.NextActionDepositAddress {
		t.Fatalf("payment %+v deposit %+v", p1, p1.Deposit)
	}
	if s1.Status != checkout.SessionOpen || s1.PaymentInFlight != "" || s1.Chain != "base" || s1.SelectedToken != "USDC" || s1.ExchangeRate != "1" {
		t.Fatalf("session %s in flight %q selection %s %s %s", s1.Status, s1.PaymentInFlight, s1.Chain, s1.SelectedToken, s1.ExchangeRate)
	}
	s2, p2, err := svc.Pay(ctx, sess.ID, service.PayParams{Method: checkout.MethodStablecoin, Stablecoin: usdtEth})
	if err != nil {
		t.Fatal(err)
	}
	if p2.ID == p1.ID || p2.Deposit.Address != evmtest.AnvilAddresses[1] || p2.Deposit.Index != 1 || s2.Chain != "ethereum" || s2.SelectedToken != "USDT" {
		t.Fatalf("second selection: payment %s deposit %+v, session %s %s", p2.ID, p2.Deposit, s2.Chain, s2.SelectedToken)
	}
	stored, err := svc.GetPayment(ctx, scope, p1.ID)
	if err != nil || stored.Deposit == nil || stored.Deposit.Address != p1.Deposit.Address || stored.Status != checkout.PaymentRequiresAction {
		t.Fatalf("stored first payment %+v: %v", stored, err)
	}
	done, err := svc.SettlePayment(ctx, scope, p2.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != checkout.PaymentSucceeded || done.Deposit == nil {
		t.Fatalf("settled %+v", done)
	}
	final, err := svc.GetSession(ctx, scope, sess.ID)
	if err != nil || final.Status != checkout.SessionComplete || final.PaymentStatus != checkout.PaymentPaid || final.Payment != p2.ID {
		t.Fatalf("session after settlement %+v: %v", final, err)
	}
	if _, err := svc.CreateRefund(ctx, scope, &service.RefundParams{Payment: p2.ID}); !checkout.IsKind(err, checkout.KindState) {
		t.Errorf("refund of a stablecoin payment: %v, want refused", err)
	}
}

// A selection the session cannot take is refused naming its field, and
// writes nothing.
func TestStablecoinSelectionRefused(t *testing.T) {
	f := newFixture(t)
	svc, scope := coinService(t, f.store)
	ctx := context.Background()
	sess, err := coinSession(t, svc, scope, "USD", 2500, []checkout.TokenChain{usdcBase})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		sel   checkout.TokenChain
		param string
		msg   string
	}{
		{usdtEth, "selected_token", "does not take USDT"},
		{checkout.TokenChain{Chain: "ethereum", Token: "USDC"}, "chain", "does not take USDC on ethereum"},
		{checkout.TokenChain{Chain: "base"}, "selected_token", "choose a token"},
	} {
		_, _, err := svc.Pay(ctx, sess.ID, service.PayParams{Method: checkout.MethodStablecoin, Stablecoin: c.sel})
		wantInvalid(t, err, c.param, c.msg)
	}
	page, err := svc.ListPayments(ctx, scope, checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 10}})
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("payments after refusals: %d, %v", len(page.Items), err)
	}
	after, _ := svc.GetSession(ctx, scope, sess.ID)
	if after.Version != sess.Version || after.Chain != "" {
		t.Errorf("session written by a refused selection: version %d → %d", sess.Version, after.Version)
	}
}

func TestStablecoinCurrencies(t *testing.T) {
	f := newFixture(t)
	svc, scope := coinService(t, f.store)
	ctx := context.Background()
	_, err := coinSession(t, svc, scope, "GBP", 2500, nil)
	wantInvalid(t, err, "currency", "no exchange rate configured for GBP")

	sess, err := coinSession(t, svc, scope, "EUR", 2500, []checkout.TokenChain{usdcBase})
	if err != nil {
		t.Fatal(err)
	}
	s, p, err := svc.Pay(ctx, sess.ID, service.PayParams{Method: checkout.MethodStablecoin, Stablecoin: usdcBase})
	if err != nil {
		t.Fatal(err)
	}
	if p.Deposit.Amount != "27105000" || p.Deposit.ExchangeRate != "1.0842" || s.ExchangeRate != "1.0842" {
		t.Errorf("EUR 25.00: deposit %+v, session rate %s", p.Deposit, s.ExchangeRate)
	}
	// Other methods are untouched by a currency without a rate.
	amount := int64(500)
	if _, err := svc.CreateSession(ctx, scope, &service.SessionParams{Amount: &amount, Currency: "GBP", SuccessURL: "http://shop.example/ok",
		CancelURL: "http://shop.example/no", PaymentMethodTypes: []string{"card"}}); err != nil {
		t.Errorf("card session in GBP: %v", err)
	}
}

func TestStablecoinSettings(t *testing.T) {
	f := newFixture(t)
	svc, scope := coinService(t, f.store)
	ctx := context.Background()
	live := checkout.Scope{AccountID: scope.AccountID, Livemode: true}
	set := func(scope checkout.Scope, creds map[string]string) error {
		_, err := svc.SetProvider(ctx, scope, stablecoin.Name, service.ProviderParams{Credentials: creds})
		return err
	}

	// Live mode without settings cannot take stablecoins.
	_, err := coinSession(t, svc, live, "USD", 2500, nil)
	wantInvalid(t, err, "payment_method_types[0]", "no live payment provider for 'stablecoin'")

	xprv := "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi"
	wantInvalid(t, set(live, map[string]string{"xpub": xprv}), "xpub", "never hold a key that can spend")
	wantInvalid(t, set(live, map[string]string{"supported_tokens": "USDC@ethereum"}), "xpub", "live mode needs the account's extended public key")
	// The built-in test key's private key is public: never a live key.
	wantInvalid(t, set(live, map[string]string{"xpub": stablecoin.TestXpub}), "xpub", "built-in test key")
	wantInvalid(t, set(live, map[string]string{"xpub": evmtest.AnvilXpub, "supported_tokens": "USDC@base"}), "supported_tokens", "USDC@base is not configured on this server in live mode")
	wantInvalid(t, set(live, map[string]string{"xpub": evmtest.AnvilXpub, "supported_tokens": "USDC:base"}), "supported_tokens", "TOKEN@chain")

	if err := set(live, map[string]string{"xpub": evmtest.AnvilXpub, "supported_tokens": "usdc@ethereum"}); err != nil {
		t.Fatal(err)
	}
	v, err := svc.GetProvider(ctx, live, stablecoin.Name)
	if err != nil || v.Plain["xpub"] != "" || v.Hints["xpub"] == "" || v.Plain["supported_tokens"] != "usdc@ethereum" {
		t.Errorf("view %+v: %v (the xpub is sealed and shown as a hint)", v, err)
	}
	// The same key in test mode would count indexes twice.
	wantInvalid(t, set(scope, map[string]string{"xpub": evmtest.AnvilXpub}), "xpub", "already the account's live mode key")

	sess, err := coinSession(t, svc, live, "USD", 2500, nil)
	if err != nil {
		t.Fatal(err)
	}
	if checkout.FormatTokenChains(sess.SupportedTokens) != "USDC@ethereum" {
		t.Errorf("live session takes %v, want the account's USDC@ethereum", sess.SupportedTokens)
	}
	_, err = coinSession(t, svc, live, "USD", 2500, []checkout.TokenChain{usdtEth})
	wantInvalid(t, err, "supported_tokens[0]", "does not accept USDT@ethereum")
	_, err = coinSession(t, svc, live, "USD", 2500, []checkout.TokenChain{usdcBase})
	wantInvalid(t, err, "supported_tokens[0]", "not configured on this server in live mode")
	_, p, err := svc.Pay(ctx, sess.ID, service.PayParams{Method: checkout.MethodStablecoin, Stablecoin: usdcEth})
	if err != nil || p.Deposit == nil || p.Deposit.Confirmations != 12 || p.Deposit.ChainID != 1 {
		t.Fatalf("live payment %+v: %v", p, err)
	}
	// Test helpers never settle live payments.
	if _, err := svc.SettlePayment(ctx, live, p.ID, true); !checkout.IsKind(err, checkout.KindForbidden) {
		t.Errorf("settle live: %v", err)
	}
}

// Selections made at once, on every store, each get their own index: an
// address is never given to two payments.
func TestStablecoinIndexesConcurrent(t *testing.T) {
	openEveryStore(t, func(t *testing.T, st checkout.Store) {
		svc, scope := coinService(t, st)
		ctx := context.Background()
		const n = 8
		sessions := make([]*checkout.Session, n)
		for i := range sessions {
			s, err := coinSession(t, svc, scope, "USD", 1000+int64(i), []checkout.TokenChain{usdcBase})
			if err != nil {
				t.Fatal(err)
			}
			sessions[i] = s
		}
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			seen = map[uint32]string{}
			errs []error
		)
		for _, s := range sessions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, p, err := svc.Pay(ctx, s.ID, service.PayParams{Method: checkout.MethodStablecoin, Stablecoin: usdcBase})
				mu.Lock()
				defer mu.Unlock()
				if err != nil || p.Deposit == nil {
					errs = append(errs, fmt.Errorf("pay %s: %v", s.ID, err))
					return
				}
				if other, dup := seen[p.Deposit.Index]; dup {
					errs = append(errs, fmt.Errorf("index %d given to %s and %s", p.Deposit.Index, other, p.ID))
				}
				seen[p.Deposit.Index] = p.ID
			}()
		}
		wg.Wait()
		for _, err := range errs {
			t.Error(err)
		}
		for i := uint32(0); i < n; i++ {
			if _, ok := seen[i]; !ok {
				t.Errorf("indexes %v: %d skipped", seen, i)
			}
		}
	})
}
