//go:build unix

package main_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIAccountsProviders sets, lists and removes a provider's
// credentials beside a running server on the same store: the server's
// next session sees each change, the secret never appears in any output
// or in the store, and a bad flag writes nothing.
func TestCLIAccountsProviders(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	const key = "sk_test_cliProviders_0123456789ab"
	const secret = "sk_test_51CliSecretValue9876"
	srv := startServer(t, data, "--bootstrap-key", key)

	call := func(method, path string, body any) (int, map[string]any) {
		t.Helper()
		var rd *bytes.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		} else {
			rd = bytes.NewReader(nil)
		}
		req, _ := http.NewRequest(method, srv.base+path, rd)
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
	stripeSession := func() (int, map[string]any) {
		return call("POST", "/v1/checkout/sessions", map[string]any{"amount": 500, "currency": "eur", "provider": "stripe",
			"success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/no"})
	}
	// Without credentials, test mode's stripe is the simulator: its page
	// loads nothing of Stripe's.
	if code, v := stripeSession(); code != 200 || v["provider"] != "stripe" {
		t.Fatalf("a stripe session before any setting: %d %v", code, v)
	} else if page, csp := getPage(t, v["url"].(string)); strings.Contains(page, "js.stripe.com") || strings.Contains(csp, "stripe.com") {
		t.Fatalf("the simulator's page loads Stripe (CSP %s)", csp)
	}

	// A bad key names its flag and writes nothing.
	_, stderr, code := runCLI(t, nil, "accounts", "providers", "set", "--data", data, "--account", "acct_default",
		"--provider", "stripe", "--secret-key", "sk_live_51WrongModeKey0000")
	if code != 1 || !strings.Contains(stderr, "--secret-key") {
		t.Fatalf("a live key in test mode: exit %d, %s", code, stderr)
	}
	if _, v := call("GET", "/v1/account/providers/stripe", nil); v["configured"] != false {
		t.Fatalf("a refused set wrote: %v", v)
	}

	// The secret comes from its variable, the rest from flags.
	stdout, stderr, code := runCLI(t, []string{"CHECKOUTD_PROVIDER_SECRET_KEY=" + secret, "CHECKOUTD_ACCOUNT_SECRET_KEY=sk_test_notTheProvidersKey0000"}, "accounts", "providers", "set",
		"--data", data, "--account", "acct_default", "--provider", "stripe", "--publishable-key", "pk_test_51CliPublishable", "--default-for", "card")
	if code != 0 || !strings.Contains(stdout, "secret_key: …9876") || !strings.Contains(stdout, "default_for: card") {
		t.Fatalf("set: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if _, v := call("GET", "/v1/account/providers/stripe", nil); v["configured"] != true ||
		v["secrets"].(map[string]any)["secret_key"].(map[string]any)["last4"] != "9876" {
		t.Fatalf("the server reads: %v", v)
	}
	// With credentials, stripe is Stripe's sandbox, no longer the
	// simulator: the running server takes a session naming it at once
	// (making one asks nothing of Stripe).
	code, v := stripeSession()
	if code != 200 || v["provider"] != "stripe" {
		t.Fatalf("a stripe session with credentials: %d %v", code, v)
	}
	// Its page loads Stripe.js, and Stripe's origins only there.
	if page, csp := getPage(t, v["url"].(string)); !strings.Contains(page, "https://js.stripe.com/") ||
		!strings.Contains(csp, "https://js.stripe.com") || strings.Contains(page, secret) {
		t.Fatalf("the page of a stripe session with credentials (CSP %s):\n%s", csp, page)
	}
	list, _, code := runCLI(t, nil, "accounts", "providers", "list", "--data", data, "--account", "acct_default")
	if code != 0 || !strings.Contains(list, "stripe") || !strings.Contains(list, "secret_key=…9876") || !strings.Contains(list, "pk_test_51CliPublishable") {
		t.Fatalf("list: exit %d\n%s", code, list)
	}
	for _, out := range []string{stdout, stderr, list} {
		if strings.Contains(out, secret) {
			t.Fatalf("the CLI printed the secret: %s", out)
		}
	}
	files, _ := filepath.Glob(filepath.Join(data, "*"))
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte(secret)) {
			t.Fatalf("%s holds the secret", f)
		}
	}

	if _, stderr, code := runCLI(t, nil, "accounts", "providers", "remove", "--data", data, "--account", "acct_default", "--provider", "stripe"); code != 0 {
		t.Fatalf("remove: exit %d %s", code, stderr)
	}
	if code, v := stripeSession(); code != 200 || v["provider"] != "stripe" {
		t.Fatalf("a stripe session after the removal: %d %v", code, v)
	}
	if _, stderr, code := runCLI(t, nil, "accounts", "providers", "remove", "--data", data, "--account", "acct_default", "--provider", "stripe"); code != 1 || !strings.Contains(stderr, "--provider") {
		t.Fatalf("remove twice: exit %d %s", code, stderr)
	}
}

// getPage returns the hosted page at url and its Content-Security-Policy.
func getPage(t *testing.T, url string) (string, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, res.StatusCode)
	}
	return string(b), res.Header.Get("Content-Security-Policy")
}
