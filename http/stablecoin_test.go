package http_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/client"
	"github.com/checkoutd/checkoutd/internal/evm/evmtest"
	"github.com/checkoutd/checkoutd/internal/seal"
	"github.com/checkoutd/checkoutd/provider/stablecoin"
	"github.com/checkoutd/checkoutd/service"
)

// newCoinEnv is newPageEnv with stablecoins as serve sets them up with no
// chain configured: test mode simulates the built-in chains; live mode
// has none. rates are --stablecoin-rate's.
func newCoinEnv(t *testing.T, rates map[string]string) *env {
	t.Helper()
	e := newPageEnv(t)
	modes := stablecoin.Modes{Live: stablecoin.Config{Rates: rates}, Test: stablecoin.SimulatedTest()}
	modes.Test.Rates = rates
	sealer, err := seal.New(bytes.Repeat([]byte{9}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	e.configure(func(c *service.Config) {
		reg := simProviders(e.clock)
		reg.RegisterCredentialed(stablecoin.Name, stablecoin.Factory(modes))
		reg.Route(false, stablecoin.Name, "stablecoin")
		reg.Route(true, stablecoin.Name, "stablecoin")
		c.Providers, c.Tokens, c.Sealer = reg, modes, sealer
	})
	return e
}

func coinSessionJSON(kv ...any) map[string]any {
	m := validSession()
	m["amount"], m["currency"], m["payment_method_types"] = 2500, "USD", []string{"stablecoin"}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// The whole test-mode flow on the page, without a chain: choose a token,
// see where and what to send, simulate the transfer, land on success.
func TestPageStablecoin(t *testing.T) {
	e := newCoinEnv(t, nil)
	if r := e.postJSON("/v1/account/providers/stablecoin", e.key, map[string]any{"xpub": evmtest.AnvilXpub}); r.status != 200 {
		t.Fatalf("set xpub: %d %s", r.status, r.body)
	}
	r := e.create(e.key, coinSessionJSON("supported_tokens", []map[string]string{{"chain": "base", "token": "USDC"}, {"chain": "ethereum", "token": "usdt"}}))
	id := r.str("id")
	if toks, _ := r.get("supported_tokens").([]any); len(toks) != 2 || toks[1].(map[string]any)["token"] != "USDT" || toks[1].(map[string]any)["chain"] != "ethereum" {
		t.Fatalf("supported_tokens %v", r.get("supported_tokens"))
	}
	if r.get("chain") != nil || r.get("selected_token") != nil || r.get("exchange_rate") != nil {
		t.Errorf("selection before any: %s", r.body)
	}

	page := e.openOK(t, "/checkout/"+id)
	page.mustContain("Token and network", "USDC on Base", "USDT on Ethereum", "Get the deposit address", "Test mode: no real money moves.")
	if strings.Contains(page.text(), "4242") {
		t.Error("a page without cards offers the test card")
	}
	for _, in := range all(page.doc, "input") {
		if attr(in, "type") == "radio" && labelFor(page, attr(in, "id")) == "" {
			t.Errorf("radio %s has no label", attr(in, "id"))
		}
	}

	sent := page.submit("stablecoin", []string{"stablecoin", "USDT@ethereum"})
	loc := sent.location()
	if !strings.HasPrefix(loc, "/checkout/"+id+"/deposit/pay_") {
		t.Fatalf("after choosing: redirect to %s", loc)
	}
	dep := sent.follow()
	dep.mustContain("Send exactly 25.000000 USDT on Ethereum", "Waiting for your transfer", "Simulate transfer", "Choose another token")
	if got := textOf(dep.byID("coin-address")); got != evmtest.AnvilAddresses[0] {
		t.Errorf("address %q, want %s", got, evmtest.AnvilAddresses[0])
	}
	if got := textOf(dep.byID("coin-amount")); got != "25.000000" {
		t.Errorf("amount %q", got)
	}
	svg := first(dep.doc, "svg")
	for _, s := range all(dep.doc, "svg") {
		if strings.Contains(attr(s, "class"), "qr") {
			svg = s
		}
	}
	if svg == nil || attr(svg, "role") != "img" || !strings.Contains(attr(svg, "aria-label"), "25.000000 USDT on Ethereum") || first(svg, "path") == nil {
		t.Errorf("no QR code drawn inline: %v", svg)
	}
	if a := dep.byID("coin-wallet"); !strings.HasPrefix(attr(a, "href"), "ethereum:0xdAC17F958D2ee523a2206206994597C13D831ec7@1/transfer?address="+evmtest.AnvilAddresses[0]+"&uint256=25000000") {
		t.Errorf("wallet link %q", attr(a, "href"))
	}
	if !strings.Contains(dep.body, `<noscript><meta http-equiv="refresh" content="10"></noscript>`) ||
		!strings.Contains(dep.header.Get("Content-Security-Policy"), "connect-src 'self'") || !strings.Contains(dep.body, `data-poll-state="waiting"`) {
		t.Errorf("the waiting deposit does not follow itself: CSP %q", dep.header.Get("Content-Security-Policy"))
	}

	s := e.session(t, id)
	if s.str("status") != "open" || s.str("chain") != "ethereum" || s.str("selected_token") != "USDT" || s.str("exchange_rate") != "1" {
		t.Errorf("session after the choice: %s", s.body)
	}
	pays := e.payments(t, id)
	if len(pays) != 1 {
		t.Fatalf("payments %v", pays)
	}
	d, _ := pays[0]["deposit"].(map[string]any)
	want := map[string]any{"chain": "ethereum", "chain_id": float64(1), "token": "USDT", "contract": "0xdAC17F958D2ee523a2206206994597C13D831ec7",
		"decimals": float64(6), "address": evmtest.AnvilAddresses[0], "index": float64(0), "amount": "25000000", "amount_decimal": "25.000000", "exchange_rate": "1",
		"confirmations_required": float64(12), "late": false, "excess": "0"}
	for k, v := range want {
		if d[k] != v {
			t.Errorf("deposit.%s = %v, want %v", k, d[k], v)
		}
	}
	if tr, ok := d["transfers"].([]any); !ok || len(tr) != 0 || !strings.HasPrefix(d["uri"].(string), "ethereum:") {
		t.Errorf("deposit %v", d)
	}
	if na := pays[0]["next_action"].(map[string]any); na["type"] != "deposit_address" || na["expires_at"] != s.str("expires_at") {
		t.Errorf("next_action %v", na)
	}

	// Back on the form, the deposit waiting is one click away.
	again := e.openOK(t, "/checkout/"+id)
	if a := again.byID("pending-deposit"); attr(a, "href") != loc {
		t.Errorf("pending deposit link %q, want %s", attr(a, "href"), loc)
	}

	done := dep.submit("simulate", nil)
	if done.location() != "/checkout/"+id {
		t.Fatalf("after simulating: %s", done.location())
	}
	final := done.follow()
	final.mustContain("Paid $25.00 with 25.000000 USDT on Ethereum.")
	if s := e.session(t, id); s.str("status") != "complete" || s.str("payment_status") != "paid" {
		t.Errorf("session after the transfer: %s", s.body)
	}
	// The deposit page of a paid payment leads to the session's.
	if p := e.open(t, loc); p.location() != "/checkout/"+id {
		t.Errorf("deposit page after payment: %d %s", p.status, p.location())
	}
}

// A choice the session does not take goes back to the form, saying so,
// and writes nothing.
func TestPageStablecoinBadChoice(t *testing.T) {
	e := newCoinEnv(t, nil)
	id := e.create(e.key, coinSessionJSON("supported_tokens", []map[string]string{{"chain": "base", "token": "USDC"}})).str("id")
	page := e.openOK(t, "/checkout/"+id)
	before := e.state(t, id)
	back := page.submit("stablecoin", []string{"stablecoin", "USDT@base"}).back()
	back.mustContain("does not take USDT")
	if got := attr(back.byID("coin"), "aria-describedby"); got != "coin-error" {
		t.Errorf("the choice is not marked invalid: %q", got)
	}
	if after := e.state(t, id); after != before {
		t.Errorf("a refused choice wrote:\n%s\n%s", before, after)
	}
}

func TestAPIStablecoin(t *testing.T) {
	t.Run("Currencies", func(t *testing.T) {
		e := newCoinEnv(t, nil)
		r := e.postJSON("/v1/checkout/sessions", e.key, coinSessionJSON("currency", "EUR"))
		if r.status != 400 || r.str("error", "param") != "currency" || !strings.Contains(r.str("error", "message"), "no exchange rate configured for EUR") {
			t.Errorf("EUR without a rate: %d %s", r.status, r.body)
		}
		e = newCoinEnv(t, map[string]string{"EUR": "1.0842"})
		id := e.create(e.key, coinSessionJSON("currency", "EUR")).str("id")
		if r := e.session(t, id); len(r.get("supported_tokens").([]any)) != 6 {
			t.Errorf("a session naming none takes every configured pair: %s", r.body)
		}
		sent := e.openOK(t, "/checkout/"+id).submit("stablecoin", []string{"stablecoin", "USDC@polygon"}).follow()
		sent.mustContain("Send exactly 27.105000 USDC on Polygon")
		if s := e.session(t, id); s.str("exchange_rate") != "1.0842" {
			t.Errorf("rate %s", s.body)
		}
	})
	t.Run("Live", func(t *testing.T) {
		e := newCoinEnv(t, nil)
		r := e.postJSON("/v1/checkout/sessions", e.liveA, coinSessionJSON())
		if r.status != 400 || r.str("error", "param") != "payment_method_types[0]" {
			t.Errorf("live without settings: %d %s", r.status, r.body)
		}
		r = e.postJSON("/v1/account/providers/stablecoin", e.liveA, map[string]any{"supported_tokens": "USDC@base"})
		if r.status != 400 || r.str("error", "param") != "xpub" {
			t.Errorf("live settings without an xpub: %d %s", r.status, r.body)
		}
	})
	t.Run("PrivateKeyRefused", func(t *testing.T) {
		e := newCoinEnv(t, nil)
		xprv := "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi"
		r := e.postJSON("/v1/account/providers/stablecoin", e.key, map[string]any{"xpub": xprv})
		if r.status != 400 || r.str("error", "param") != "xpub" || !strings.Contains(r.str("error", "message"), "a server must never hold a key that can spend") ||
			strings.Contains(string(r.body), xprv) {
			t.Errorf("xprv: %d %s", r.status, r.body)
		}
		r = e.postJSON("/v1/account/providers/stablecoin", e.key, map[string]any{"supported_tokens": "USDC@base,DAI@base"})
		if r.status != 400 || r.str("error", "param") != "supported_tokens" || !strings.Contains(r.str("error", "message"), "DAI@base is not configured") {
			t.Errorf("unknown token: %d %s", r.status, r.body)
		}
	})
	t.Run("SupportedTokensRefused", func(t *testing.T) {
		e := newCoinEnv(t, nil)
		r := e.postJSON("/v1/checkout/sessions", e.key, coinSessionJSON("supported_tokens", []map[string]string{{"chain": "base", "token": "DAI"}}))
		if r.status != 400 || r.str("error", "param") != "supported_tokens[0]" {
			t.Errorf("DAI: %d %s", r.status, r.body)
		}
		r = e.postJSON("/v1/checkout/sessions", e.key, coinSessionJSON("payment_method_types", []string{"card"}, "supported_tokens", []map[string]string{{"chain": "base", "token": "USDC"}}))
		if r.status != 400 || r.str("error", "param") != "supported_tokens" {
			t.Errorf("tokens without the method: %d %s", r.status, r.body)
		}
	})
}

// The stablecoin shapes match the document: a session with supported
// tokens and a selection, a payment's deposit with a transfer seen (as
// the watcher reports one), and its settlement by the test helper.
func TestOpenAPIStablecoin(t *testing.T) {
	v, _ := oaValidator(t)
	o := &oaEnv{env: newCoinEnv(t, nil), v: v}
	o.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	body := coinSessionJSON("supported_tokens", []map[string]string{{"chain": "base", "token": "USDC"}})
	id := o.exchange(oaRequest{method: "POST", path: "/v1/checkout/sessions", auth: oaBearer(o.key), contentType: "application/json",
		body: oaJSON(t, body), status: 200}).str("id")
	ctx := context.Background()
	_, p, err := o.svc.Pay(ctx, id, service.PayParams{Method: checkout.MethodStablecoin, Stablecoin: checkout.TokenChain{Chain: "base", Token: "USDC"}})
	if err != nil {
		t.Fatal(err)
	}
	d := p.Deposit.Clone()
	d.Transfers = []checkout.Transfer{{TxHash: "0x" + strings.Repeat("ab", 32), LogIndex: 3, From: evmtest.AnvilAddresses[2], Block: 120,
		BlockHash: "0x" + strings.Repeat("cd", 32), Amount: "10000000", Confirmations: 4}}
	if _, err := o.svc.ApplyProviderResult(ctx, p.Scope(), stablecoin.Name, checkout.Notification{PaymentID: p.ID,
		Result: checkout.ProviderResult{Status: checkout.PaymentRequiresAction, Deposit: d}}); err != nil {
		t.Fatal(err)
	}
	r := o.exchange(oaRequest{method: "GET", path: "/v1/payments/" + p.ID, auth: oaBearer(o.key), status: 200})
	if r.str("method") != "stablecoin" || r.str("next_action", "type") != "deposit_address" || r.str("deposit", "amount_decimal") != "25.000000" {
		t.Errorf("payment %s", r.body)
	}
	if tr, _ := r.get("deposit", "transfers").([]any); len(tr) != 1 || tr[0].(map[string]any)["confirmations"] != float64(4) {
		t.Errorf("transfers %v", r.get("deposit", "transfers"))
	}
	s := o.exchange(oaRequest{method: "GET", path: "/v1/checkout/sessions/" + id, auth: oaBearer(o.key), status: 200})
	if s.str("selected_token") != "USDC" || s.str("chain") != "base" {
		t.Errorf("session %s", s.body)
	}
	// The deposit page shows what arrived, and what is still due.
	page := o.openOK(t, "/checkout/"+id+"/deposit/"+p.ID)
	page.mustContain("Received 10.000000 USDC: send the remaining 15.000000 USDC to the same address.")
	o.exchange(oaRequest{method: "POST", path: "/v1/test_helpers/payments/" + p.ID + "/succeed", auth: oaBearer(o.key), status: 200})
	s = o.exchange(oaRequest{method: "GET", path: "/v1/checkout/sessions/" + id, auth: oaBearer(o.key), status: 200})
	if s.str("status") != "complete" || s.str("payment_status") != "paid" {
		t.Errorf("after the test helper: %s", s.body)
	}
}

// The Go SDK sets an account's stablecoin settings and makes and reads a
// session that takes stablecoins.
func TestSDKStablecoin(t *testing.T) {
	e := newCoinEnv(t, nil)
	ctx := context.Background()
	c := client.New(e.key, client.WithBaseURL(e.srv.URL), client.WithMaxRetries(0))
	xpub, pairs := evmtest.AnvilXpub, "USDC@base,USDT@ethereum"
	if _, err := c.Accounts.Providers.Set(ctx, "stablecoin", &client.AccountProviderParams{Xpub: &xpub, SupportedTokens: &pairs}); err != nil {
		t.Fatal(err)
	}
	s, err := c.Sessions.Create(ctx, &client.SessionParams{Amount: 2500, Currency: "USD", SuccessURL: "https://shop.example/ok",
		CancelURL: "https://shop.example/no", PaymentMethodTypes: []string{"stablecoin"}, SupportedTokens: []client.TokenChain{{Chain: "ethereum", Token: "USDT"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.SupportedTokens) != 1 || s.SupportedTokens[0] != (client.TokenChain{Chain: "ethereum", Token: "USDT"}) || s.SelectedToken != "" {
		t.Errorf("session %+v", s)
	}
	if _, err := c.Sessions.Create(ctx, &client.SessionParams{Amount: 2500, Currency: "USD", SuccessURL: "https://shop.example/ok",
		CancelURL: "https://shop.example/no", PaymentMethodTypes: []string{"stablecoin"}, SupportedTokens: []client.TokenChain{{Chain: "polygon", Token: "USDC"}}}); err == nil ||
		!strings.Contains(err.Error(), "does not accept USDC@polygon") {
		t.Errorf("a pair the account does not accept: %v", err)
	}
	e.openOK(t, "/checkout/"+s.ID).submit("stablecoin", []string{"stablecoin", "USDT@ethereum"}).follow()
	got, err := c.Sessions.Get(ctx, s.ID)
	if err != nil || got.Chain != "ethereum" || got.SelectedToken != "USDT" || got.ExchangeRate != "1" {
		t.Errorf("after the selection: %+v %v", got, err)
	}
}
