//go:build unix

package main_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/provider/stripe/stripetest"
)

// TestStripeThroughTheBinary: the binary with --stripe-api-url at the real
// stripe-mock (loopback, so --webhook-allow-private) takes seed 000's
// /pay {"sourceToken": "pm_…"} for an account with Stripe test keys and
// charges through Stripe: the payment's charge is Stripe's intent, and the
// secret key is in no output.
func TestStripeThroughTheBinary(t *testing.T) {
	t.Parallel()
	mock := stripetest.Start(t)
	data := t.TempDir()
	const key = "sk_test_cliStripeBinary_0123456789ab"
	const secret = "sk_test_51BinaryStripeSecret4321"
	srv := startServer(t, data, "--bootstrap-key", key, "--stripe-api-url", mock.URL, "--webhook-allow-private")
	if _, stderr, code := runCLI(t, []string{"CHECKOUTD_PROVIDER_SECRET_KEY=" + secret}, "accounts", "providers", "set", "--data", data,
		"--account", "acct_default", "--provider", "stripe", "--publishable-key", "pk_test_51BinaryPublishable", "--default-for", "card"); code != 0 {
		t.Fatalf("providers set: %d %s", code, stderr)
	}
	post := func(path, auth string, body any) (int, map[string]any) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", srv.base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var v map[string]any
		json.NewDecoder(res.Body).Decode(&v)
		return res.StatusCode, v
	}
	code, sess := post("/v1/checkout/sessions", key, map[string]any{"amount": 1250, "currency": "eur",
		"success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/no"})
	if code != 200 {
		t.Fatalf("session: %d %v", code, sess)
	}
	code, pay := post("/api/sessions/"+sess["id"].(string)+"/pay", "", map[string]any{"sourceToken": "pm_card_visa"})
	// stripe-mock's fixture intent is a decline: what matters is that it
	// is Stripe's answer, not the simulator's (which takes pm_card_visa).
	if code != 200 || pay["provider"] != "stripe" || !strings.HasPrefix(pay["chargeId"].(string), "pi_") || pay["status"] != "failed" {
		t.Fatalf("pay: %d %v", code, pay)
	}
	if code, v := post("/api/sessions/"+sess["id"].(string)+"/pay", "", map[string]any{"sourceToken": "tok_visa"}); code != 400 {
		t.Fatalf("a token Stripe does not take: %d %v", code, v)
	}
	for _, out := range []string{srv.stdout.String(), srv.stderr.String()} {
		if strings.Contains(out, secret) {
			t.Fatal("the server printed the Stripe secret key")
		}
	}
}
