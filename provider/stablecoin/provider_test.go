package stablecoin_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/evm"
	"github.com/checkoutd/checkoutd/internal/evm/evmtest"
	"github.com/checkoutd/checkoutd/provider/stablecoin"
)

// counter is a RefAllocator of one process, for the provider alone (the
// service's, over every store, is tested in service).
type counter struct {
	mu   sync.Mutex
	next map[string]int
}

func (c *counter) Next(_ context.Context, key string, modulo int, _ func(int) bool) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.next == nil {
		c.next = map[string]int{}
	}
	n := c.next[key]
	c.next[key] = (n + 1) % modulo
	return n, nil
}

func (c *counter) Held(context.Context, string) (bool, error) { return false, nil }

var expires = time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)

func session(cur checkout.Currency, amount int64, tokens ...checkout.TokenChain) *checkout.Session {
	return &checkout.Session{ID: "cs_1", Currency: cur, AmountTotal: amount, ExpiresAt: expires, SupportedTokens: tokens}
}

func payment(sess *checkout.Session) *checkout.Payment {
	return &checkout.Payment{ID: "pay_1", Method: checkout.MethodStablecoin, Amount: sess.AmountTotal, Currency: sess.Currency}
}

var (
	usdcBase = checkout.TokenChain{Chain: "base", Token: "USDC"}
	usdtEth  = checkout.TokenChain{Chain: "ethereum", Token: "USDT"}
)

func start(t *testing.T, p checkout.Provider, refs checkout.RefAllocator, sess *checkout.Session, sel checkout.TokenChain) (checkout.ProviderResult, error) {
	t.Helper()
	return p.Start(context.Background(), checkout.StartRequest{Payment: payment(sess), Session: sess, SharedRefs: refs, Stablecoin: sel})
}

func TestStartDerivesAddressAtNextIndex(t *testing.T) {
	cfg := stablecoin.SimulatedTest()
	cfg.Rates = map[string]string{"EUR": "1.0842"}
	p, err := stablecoin.Factory(stablecoin.Modes{Test: cfg})(&checkout.Account{ID: "acct_1"}, false, checkout.Credentials{"xpub": evmtest.AnvilXpub})
	if err != nil {
		t.Fatal(err)
	}
	refs := &counter{}
	sess := session("USD", 2500, usdcBase, usdtEth)
	for i, want := range evmtest.AnvilAddresses {
		res, err := start(t, p, refs, sess, checkout.TokenChain{Chain: "Base ", Token: "usdc"})
		if err != nil {
			t.Fatal(err)
		}
		d := res.Deposit
		if d == nil || d.Address != want || d.Index != uint32(i) {
			t.Fatalf("start %d: deposit %+v, want address %s at index %d (anvil's account %d)", i, d, want, i, i)
		}
		if res.ProviderRef != "base:"+strings.ToLower(want) {
			t.Errorf("ProviderRef %q", res.ProviderRef)
		}
		if res.Status != checkout.PaymentRequiresAction || res.Async || res.Action == nil ||
			res.Action.Kind != checkout.NextActionDepositAddress || !res.Action.ExpiresAt.Equal(expires) {
			t.Errorf("result %+v, want requires_action (not async) with a deposit_address action expiring with the session", res)
		}
		if d.Chain != "base" || d.ChainID != 8453 || d.Token != "USDC" || d.Contract != "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913" ||
			d.Decimals != 6 || d.Amount != "25000000" || d.ExchangeRate != "1" || d.Confirmations != 12 {
			t.Errorf("deposit %+v", d)
		}
		wantURI := "ethereum:0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913@8453/transfer?address=" + want + "&uint256=25000000"
		if d.URI != wantURI {
			t.Errorf("URI %s, want %s", d.URI, wantURI)
		}
	}

	// Another currency at the operator's rate, rounded up to a whole unit.
	eur := session("EUR", 2500, usdtEth)
	res, err := start(t, p, refs, eur, usdtEth)
	if err != nil {
		t.Fatal(err)
	}
	if res.Deposit.Amount != "27105000" || res.Deposit.ExchangeRate != "1.0842" || res.Deposit.Index != 3 {
		t.Errorf("EUR 25.00 at 1.0842: %+v, want 27105000 units at index 3", res.Deposit)
	}
}

func TestStartRefusals(t *testing.T) {
	live := stablecoin.Config{Chains: stablecoin.Builtin()}
	ch := live.Chains["ethereum"]
	ch.RPCURL = "http://127.0.0.1:8545"
	live.Chains["ethereum"] = ch
	modes := stablecoin.Modes{Live: live, Test: stablecoin.SimulatedTest()}
	acct := &checkout.Account{ID: "acct_1"}
	creds := checkout.Credentials{"xpub": evmtest.AnvilXpub}
	test, err := stablecoin.Factory(modes)(acct, false, creds)
	if err != nil {
		t.Fatal(err)
	}
	liveP, err := stablecoin.Factory(modes)(acct, true, creds)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		p     checkout.Provider
		sess  *checkout.Session
		sel   checkout.TokenChain
		param string
		msg   string
	}{
		{"NoToken", test, session("USD", 100, usdcBase), checkout.TokenChain{Chain: "base"}, "selected_token", "choose a token"},
		{"NoChain", test, session("USD", 100, usdcBase), checkout.TokenChain{Token: "USDC"}, "chain", "choose the chain"},
		{"TokenNotInSession", test, session("USD", 100, usdcBase), usdtEth, "selected_token", "does not take USDT"},
		{"ChainNotInSession", test, session("USD", 100, usdcBase), checkout.TokenChain{Chain: "polygon", Token: "USDC"}, "chain", "does not take USDC on polygon"},
		{"NotConfigured", test, session("USD", 100, checkout.TokenChain{Chain: "gnosis", Token: "USDC"}), checkout.TokenChain{Chain: "gnosis", Token: "USDC"}, "chain", "not configured"},
		{"LiveWithoutNode", liveP, session("USD", 100, usdcBase), usdcBase, "chain", "not watched"},
		{"NoRate", test, session("EUR", 100, usdcBase), usdcBase, "currency", "no exchange rate configured for EUR"},
	} {
		t.Run(c.name, func(t *testing.T) {
			refs := &counter{}
			_, err := start(t, c.p, refs, c.sess, c.sel)
			var e *checkout.Error
			if !errors.As(err, &e) || e.Kind != checkout.KindInvalid || e.Param != c.param || !strings.Contains(e.Message, c.msg) {
				t.Fatalf("err %v, want KindInvalid on %s saying %q", err, c.param, c.msg)
			}
			if len(refs.next) != 0 {
				t.Error("an index was taken for a refused selection")
			}
		})
	}
}

func TestFactory(t *testing.T) {
	modes := stablecoin.Modes{Live: stablecoin.Config{Chains: stablecoin.Builtin()}, Test: stablecoin.SimulatedTest()}
	acct := &checkout.Account{ID: "acct_1"}
	t.Run("LiveNeedsXpub", func(t *testing.T) {
		_, err := stablecoin.Factory(modes)(acct, true, nil)
		if !checkout.IsKind(err, checkout.KindState) || !strings.Contains(err.Error(), "xpub") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("TestWithoutXpub", func(t *testing.T) {
		p, err := stablecoin.Factory(modes)(acct, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := evm.ParseExtendedKey(stablecoin.TestXpub)
		if p.(*stablecoin.Provider).KeyID() != want.ID() {
			t.Error("test mode without an xpub does not derive from TestXpub")
		}
	})
	t.Run("LiveRefusesTestXpub", func(t *testing.T) {
		_, err := stablecoin.Factory(modes)(acct, true, checkout.Credentials{"xpub": stablecoin.TestXpub})
		if !checkout.IsKind(err, checkout.KindState) || !strings.Contains(err.Error(), "built-in test key") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("PrivateKeyRefused", func(t *testing.T) {
		xprv := "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi"
		_, err := stablecoin.Factory(modes)(acct, false, checkout.Credentials{"xpub": xprv})
		if err == nil || !strings.Contains(err.Error(), "never hold a key that can spend") || strings.Contains(err.Error(), xprv) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("NoChains", func(t *testing.T) {
		_, err := stablecoin.Factory(stablecoin.Modes{})(acct, true, checkout.Credentials{"xpub": evmtest.AnvilXpub})
		if !checkout.IsKind(err, checkout.KindState) || !strings.Contains(err.Error(), "--chain") {
			t.Fatalf("err %v", err)
		}
	})
}

func TestRefundRefused(t *testing.T) {
	p, err := stablecoin.Factory(stablecoin.Modes{Test: stablecoin.SimulatedTest()})(&checkout.Account{ID: "a"}, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	pay := &checkout.Payment{ID: "pay_1", Method: checkout.MethodStablecoin, Status: checkout.PaymentSucceeded}
	if err := p.(checkout.RefundChecker).CanRefund(pay); !checkout.IsKind(err, checkout.KindState) || !strings.Contains(err.Error(), "merchant's own wallet") {
		t.Errorf("CanRefund: %v", err)
	}
	if _, err := p.Refund(context.Background(), pay, 100, "k"); !checkout.IsKind(err, checkout.KindState) {
		t.Errorf("Refund: %v", err)
	}
	if _, err := p.Confirm(context.Background(), pay, checkout.ConfirmRequest{Completed: true}); !checkout.IsKind(err, checkout.KindState) {
		t.Errorf("Confirm: %v", err)
	}
}

func TestParseTokenChains(t *testing.T) {
	got, err := checkout.ParseTokenChains(" usdc@Base , USDT@ethereum")
	if err != nil || len(got) != 2 || got[0] != usdcBase || got[1] != usdtEth {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"", "USDC", "USDC@", "@base", "USDC@base,USDC@base", "USDC@base;USDT@ethereum", "U$DC@base"} {
		if _, err := checkout.ParseTokenChains(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
