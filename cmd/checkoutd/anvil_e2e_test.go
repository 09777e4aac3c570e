//go:build unix

package main_test

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/internal/anviltest"
	"github.com/checkoutd/checkoutd/internal/evm/evmtest"
	"github.com/checkoutd/checkoutd/webhook"
)

// signedHooks keeps every webhook request's raw body and headers, to verify
// the signatures as a merchant would.
type signedHooks struct {
	mu  sync.Mutex
	got []signedHook
}

type signedHook struct {
	body   []byte
	header http.Header
	event  struct {
		ID   string `json:"id"`
		Type string `json:"type"`
		Data struct {
			Object map[string]any `json:"object"`
		} `json:"data"`
	}
}

func (s *signedHooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := signedHook{header: r.Header.Clone()}
	h.body, _ = io.ReadAll(r.Body)
	if err := json.Unmarshal(h.body, &h.event); err != nil {
		http.Error(w, "not JSON", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.got = append(s.got, h)
	s.mu.Unlock()
}

// ofType returns the first request carrying an event of type typ.
func (s *signedHooks) ofType(typ string) (signedHook, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.got {
		if h.event.Type == typ {
			return h, true
		}
	}
	return signedHook{}, false
}

// TestStablecoinOnAnvil: the binary as an operator runs it against a real
// chain (anvil) with the test token as test mode's USDC. The CLI sets the
// account's xpub and tokens, a session made through seed 003's API selects
// USDC on anvil, the customer first sends too little (the session stays
// open, payment.underpaid) and then the rest; the chain watcher completes
// the session once the top-up has its confirmations, the payment records
// the transfers, and a webhook endpoint of format checkout_sessions
// receives the completion in seed 003's shape, signed.
func TestStablecoinOnAnvil(t *testing.T) {
	t.Parallel()
	chain := anviltest.Start(t)
	token := chain.Deploy()
	customer := chain.Accounts[1]
	chain.Mint(token, customer, 100_000_000)
	chain.Mine(1)

	hooks := &signedHooks{}
	hs := httptest.NewServer(hooks)
	defer hs.Close()

	data := t.TempDir()
	const key = "sk_test_anvilStablecoin_0123456789ab"
	chainFlags := []string{"--test-chain", "anvil=" + chain.URL, "--chain-id", "anvil=" + strconv.Itoa(anviltest.ChainID),
		"--chain-token", "anvil:USDC=" + token.String() + ":6", "--chain-confirmations", "anvil=2"}
	srv := startServer(t, data, append([]string{"--bootstrap-key", key, "--webhook-allow-private",
		"--webhook-retry-schedule", strings.Repeat("200ms,", 29) + "200ms"}, chainFlags...)...)
	// The log line is written before serve answers, but reaches the test
	// through a pipe that another goroutine copies: wait for it.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(srv.stderr.String(), `"msg":"watching a chain","chain":"anvil"`); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("serve does not say it watches anvil:\n%s", srv.stderr)
		}
	}

	// The account's test xpub and its one pair, through the CLI, which
	// checks the pair against the same chain flags as serve.
	args := append([]string{"accounts", "providers", "set", "--data", data, "--account", "acct_default",
		"--provider", "stablecoin", "--xpub", evmtest.AnvilXpub, "--supported-tokens", "USDC@anvil"}, chainFlags...)
	if _, stderr, code := runCLI(t, nil, args...); code != 0 {
		t.Fatalf("providers set: exit %d %s", code, stderr)
	}

	call := func(method, path string, body any) map[string]any {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, srv.base+path, rd)
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
		}
		return v
	}
	// until polls the API for what cond wants: the watcher ticks every 2 s
	// and a busy machine may be slower, so only a generous overall
	// deadline fails the test, never how long one step took.
	until := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(90 * time.Second); !cond(); time.Sleep(200 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s did not happen within 90s\nserver log:\n%s", what, srv.stderr)
			}
		}
	}

	ep := call("POST", "/v1/webhook_endpoints", map[string]any{"url": hs.URL + "/hooks", "enabled_events": []string{"*"}, "format": "checkout_sessions"})
	secret, _ := ep["secret"].(string)
	if ep["format"] != "checkout_sessions" || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("webhook endpoint: %v", ep)
	}

	s := call("POST", "/v1/checkout_sessions", map[string]any{"currency": "USD", "amount": "25.00",
		"success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/cart",
		"supported_tokens": []map[string]string{{"chain": "anvil", "token": "USDC"}}, "metadata": map[string]string{"order": "42"}})
	id, _ := s["id"].(string)
	if !strings.HasPrefix(id, "chk_test_") || s["status"] != "open" || s["amount_total"] != "25.00" {
		t.Fatalf("session: %v", s)
	}
	toks, _ := s["supported_tokens"].([]any)
	if len(toks) != 1 {
		t.Fatalf("supported_tokens: %v", s["supported_tokens"])
	}
	if tok := toks[0].(map[string]any); tok["chain"] != "anvil" || tok["token"] != "USDC" || tok["contract_address"] != token.String() ||
		tok["chain_id"] != float64(anviltest.ChainID) || tok["decimals"] != float64(6) {
		t.Errorf("supported token: %v, want USDC at %s on chain %d", tok, token, anviltest.ChainID)
	}

	// The custom integration's selection: the xpub's first address, the
	// exact amount in token units.
	sel := call("POST", "/v1/checkout_sessions/"+id, map[string]any{"selected_token": "USDC", "chain": "anvil"})
	dep, _ := sel["deposit"].(map[string]any)
	payment, _ := sel["payment_intent_id"].(string)
	if dep == nil || payment == "" || sel["chain"] != "anvil" || sel["selected_token"] != "USDC" || sel["exchange_rate"] != "1" {
		t.Fatalf("selection: %v", sel)
	}
	if dep["address"] != evmtest.AnvilAddresses[0] || dep["amount"] != "25000000" || dep["confirmations_required"] != float64(2) {
		t.Fatalf("deposit: %v, want 25000000 units to %s after 2 confirmations", dep, evmtest.AnvilAddresses[0])
	}
	if uri, _ := dep["uri"].(string); !strings.HasPrefix(uri, "ethereum:"+token.String()+"@31337/transfer?") {
		t.Errorf("payment URI %q", uri)
	}
	to := chain.Accounts[0] // anvil's account 0 is the xpub's child 0
	if to.String() != evmtest.AnvilAddresses[0] {
		t.Fatalf("anvil's account 0 is %s", to)
	}
	pay := func() map[string]any { return call("GET", "/v1/payments/"+payment, nil) }
	transfers := func(p map[string]any) []map[string]any {
		d, _ := p["deposit"].(map[string]any)
		list, _ := d["transfers"].([]any)
		out := make([]map[string]any, len(list))
		for i, x := range list {
			out[i], _ = x.(map[string]any)
		}
		return out
	}
	events := func(typ string) []any {
		l, _ := call("GET", "/v1/events?type="+typ, nil)["data"].([]any)
		return l
	}

	// Too little: seen with one confirmation, then confirmed and short.
	under := chain.Transfer(token, customer, to, 10_000_000)
	chain.Mine(1)
	if !chain.Succeeded(under) {
		t.Fatal("the first transfer reverted")
	}
	until("the underpayment seen", func() bool {
		tr := transfers(pay())
		return len(tr) == 1 && tr[0]["confirmations"] == float64(1)
	})
	if s := call("GET", "/v1/checkout_sessions/"+id, nil); s["status"] != "open" {
		t.Fatalf("a transfer confirming: session %v", s["status"])
	}
	chain.Mine(1)
	until("payment.underpaid", func() bool { return len(events("payment.underpaid")) == 1 })
	if s := call("GET", "/v1/checkout_sessions/"+id, nil); s["status"] != "open" || s["used_at"] != nil {
		t.Fatalf("underpaid: session %v used_at %v, want open", s["status"], s["used_at"])
	}
	if p := pay(); p["status"] != "requires_action" {
		t.Fatalf("underpaid: payment %v", p["status"])
	}
	if n := len(events("checkout.session.completed")); n != 0 {
		t.Fatalf("underpaid: %d completed events", n)
	}

	// The rest, in another block; two confirmations complete the session.
	topUp := chain.Transfer(token, customer, to, 15_000_000)
	chain.Mine(1)
	topUpBlock := chain.Head()
	chain.Mine(1)
	until("the session completed", func() bool {
		return call("GET", "/v1/checkout_sessions/"+id, nil)["status"] == "completed"
	})
	done := call("GET", "/v1/checkout_sessions/"+id, nil)
	if done["payment_intent_id"] != payment || done["used_at"] == nil || done["amount_total"] != "25.00" {
		t.Errorf("completed session: %v", done)
	}
	if c := call("GET", "/v1/checkout/sessions/"+id, nil); c["status"] != "complete" || c["payment_status"] != "paid" {
		t.Errorf("the canonical API shows %v/%v", c["status"], c["payment_status"])
	}
	p := pay()
	tr := transfers(p)
	if p["status"] != "succeeded" || len(tr) != 2 {
		t.Fatalf("payment: %v", p)
	}
	for i, want := range []struct {
		hash, amount string
		block        uint64
	}{{under, "10000000", topUpBlock - 2}, {topUp, "15000000", topUpBlock}} {
		if !strings.EqualFold(tr[i]["tx_hash"].(string), want.hash) || tr[i]["from"] != customer.String() ||
			tr[i]["block"] != float64(want.block) || tr[i]["amount"] != want.amount {
			t.Errorf("transfer %d: %v, want %s of %s from %s in block %d", i, tr[i], want.amount, want.hash, customer, want.block)
		}
	}
	if d := p["deposit"].(map[string]any); d["late"] != false || d["address"] != evmtest.AnvilAddresses[0] {
		t.Errorf("deposit: %v", d)
	}
	for _, typ := range []string{"checkout.session.completed", "payment.succeeded"} {
		if n := len(events(typ)); n != 1 {
			t.Errorf("%d %s events, want 1", n, typ)
		}
	}
	if n := len(events("payment.overpaid")); n != 0 {
		t.Errorf("%d payment.overpaid events for the exact sum", n)
	}

	// The webhook, as the merchant's receiver sees it.
	var hook signedHook
	until("the completed webhook", func() (ok bool) { hook, ok = hooks.ofType("checkout.session.completed"); return ok })
	if _, err := webhook.ConstructEvent(hook.body, hook.header.Get(webhook.HeaderCheckoutSignature), secret); err != nil {
		t.Errorf("Checkout-Signature: %v", err)
	}
	if err := webhook.VerifyStandard(hook.body, hook.header, secret, 0); err != nil {
		t.Errorf("Standard Webhooks signature: %v", err)
	}
	obj := hook.event.Data.Object
	if obj["id"] != id || obj["object"] != "checkout_session" || obj["status"] != "completed" || obj["amount_total"] != "25.00" ||
		obj["currency"] != "USD" || obj["payment_intent_id"] != payment || obj["selected_token"] != "USDC" || obj["chain"] != "anvil" {
		t.Errorf("the webhook's data.object is not the completed session in seed 003's shape: %v", obj)
	}
	// It is the session as GET /v1/checkout_sessions/{id} shows it, but
	// for the deposit, which a webhook does not carry.
	want := maps.Clone(done)
	delete(want, "deposit")
	if got, w := jsonOf(t, withoutKey(obj, "deposit")), jsonOf(t, want); got != w {
		t.Errorf("webhook data.object:\n%s\nGET /v1/checkout_sessions/%s:\n%s", got, id, w)
	}
	if probs := chkSessionProblems(t, srv.base, key, id, obj); probs != "" {
		t.Errorf("the webhook's data.object does not validate as openapi.json's seed 003 session:%s", probs)
	}
	// The same check refuses the canonical shape of the same session.
	if chkSessionProblems(t, srv.base, key, id, call("GET", "/v1/checkout/sessions/"+id, nil)) == "" {
		t.Error("the canonical session validates as a seed 003 one: the shape check checks nothing")
	}
	// Payments keep their canonical shape in this format.
	for _, typ := range []string{"payment.underpaid", "payment.succeeded"} {
		var h signedHook
		until("the "+typ+" webhook", func() (ok bool) { h, ok = hooks.ofType(typ); return ok })
		if _, err := webhook.ConstructEvent(h.body, h.header.Get(webhook.HeaderCheckoutSignature), secret); err != nil {
			t.Errorf("%s: Checkout-Signature: %v", typ, err)
		}
		if o := h.event.Data.Object; o["id"] != payment || o["object"] != "payment" || o["deposit"] == nil {
			t.Errorf("%s: data.object is not the canonical payment %s: %v", typ, payment, o)
		}
	}
}

func withoutKey(m map[string]any, k string) map[string]any {
	c := maps.Clone(m)
	delete(c, k)
	return c
}
