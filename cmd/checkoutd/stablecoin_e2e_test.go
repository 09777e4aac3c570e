//go:build unix

package main_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/internal/evm/evmtest"
)

// TestStablecoinServe: the binary as an operator runs it on a laptop, no
// chain configured. The CLI sets the account's xpub and tokens, checked
// against the chains serve would take; a session takes USDC, the page's
// selection derives the xpub's first address, and the test helper
// completes it.
func TestStablecoinServe(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	const key = "sk_test_cliStablecoin_0123456789ab"
	srv := startServer(t, data, "--bootstrap-key", key, "--stablecoin-rate", "EUR=1.0842")
	call := func(method, path string, body any) (int, map[string]any) {
		t.Helper()
		var b []byte
		if body != nil {
			b, _ = json.Marshal(body)
		}
		req, _ := http.NewRequest(method, srv.base+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var v map[string]any
		json.NewDecoder(res.Body).Decode(&v)
		return res.StatusCode, v
	}

	// A pair no chain of the mode has names its flag and writes nothing.
	_, stderr, code := runCLI(t, nil, "accounts", "providers", "set", "--data", data, "--account", "acct_default",
		"--provider", "stablecoin", "--xpub", evmtest.AnvilXpub, "--supported-tokens", "USDC@gnosis")
	if code != 1 || !strings.Contains(stderr, "USDC@gnosis is not configured") {
		t.Fatalf("an unknown chain: exit %d, %s", code, stderr)
	}
	// A private key is refused, saying why.
	_, stderr, code = runCLI(t, nil, "accounts", "providers", "set", "--data", data, "--account", "acct_default",
		"--provider", "stablecoin", "--xpub", "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi")
	if code != 1 || !strings.Contains(stderr, "--xpub") || !strings.Contains(stderr, "never hold a key that can spend") {
		t.Fatalf("an xprv: exit %d, %s", code, stderr)
	}
	if _, stderr, code := runCLI(t, nil, "accounts", "providers", "set", "--data", data, "--account", "acct_default",
		"--provider", "stablecoin", "--xpub", evmtest.AnvilXpub, "--supported-tokens", "USDC@base,USDT@ethereum"); code != 0 {
		t.Fatalf("set: exit %d %s", code, stderr)
	}

	code, s := call("POST", "/v1/checkout/sessions", map[string]any{"amount": 2500, "currency": "eur", "payment_method_types": []string{"stablecoin"},
		"success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/no"})
	if code != 200 || len(s["supported_tokens"].([]any)) != 2 {
		t.Fatalf("session: %d %v", code, s)
	}
	id := s["id"].(string)
	page, _ := getPage(t, s["url"].(string))
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, "USDC on Base") {
		t.Fatalf("page:\n%s", page)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.PostForm(srv.base+"/checkout/"+id+"/pay", url.Values{"csrf_token": {m[1]}, "method": {"stablecoin"}, "stablecoin": {"USDC@base"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/checkout/"+id+"/deposit/") {
		t.Fatalf("pay: %d %s", res.StatusCode, loc)
	}
	deposit, _ := getPage(t, srv.base+loc)
	if !strings.Contains(deposit, evmtest.AnvilAddresses[0]) || !strings.Contains(deposit, "27.105000 USDC on Base") || !strings.Contains(deposit, `<svg class="qr"`) {
		t.Fatalf("deposit page:\n%s", deposit)
	}
	payment := strings.TrimPrefix(loc, "/checkout/"+id+"/deposit/")
	if code, p := call("POST", "/v1/test_helpers/payments/"+payment+"/succeed", nil); code != 200 || p["status"] != "succeeded" {
		t.Fatalf("succeed: %d %v", code, p)
	}
	if code, s := call("GET", "/v1/checkout/sessions/"+id, nil); code != 200 || s["status"] != "complete" || s["payment_status"] != "paid" || s["exchange_rate"] != "1.0842" {
		t.Fatalf("session after the transfer: %d %v", code, s)
	}
}
