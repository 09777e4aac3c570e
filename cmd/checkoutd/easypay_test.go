package main_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/provider/easypay/easypaytest"
)

// TestEasypayEndToEnd: the real binary, pointed at the Easypay stand-in
// with --easypay-api-url, issues a tenant's Multibanco voucher through
// Easypay once the tenant's credentials are set with accounts providers
// set; the voucher is Easypay's reference, and no output holds the key.
func TestEasypayEndToEnd(t *testing.T) {
	t.Parallel()
	ep := easypaytest.New(t)
	epAccount, epKey := ep.NewAccount()
	data := t.TempDir()
	const key = "sk_test_easypay_end_to_end_012345"
	if out, errOut, code := runCLI(t, nil, "accounts", "create", "--data", data, "--id", "org_mb", "--name", "Loja MB", "--default-currency", "EUR", "--secret-key", key); code != 0 {
		t.Fatalf("accounts create: %d\n%s%s", code, out, errOut)
	}
	const secret = "seed-000-server-secret-easypay-0001"
	p := launch(t, func(addr string) ([]string, []string) {
		return []string{"serve", "--addr", addr, "--data", data, "--webhook-allow-private"},
			[]string{"CHECKOUT_API_SECRET=" + secret, "CHECKOUTD_EASYPAY_API_URL=" + ep.URL()}
	})
	call := func(path string, hdr map[string]string, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("POST", p.base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	voucher := func(order string) map[string]any {
		t.Helper()
		code, created := call("/api/sessions", map[string]string{"x-checkout-secret": secret}, `{"orderId":"`+order+`","amount":4500,"currency":"EUR",
			"tenantId":"org_mb","returnUrl":"http://localhost:3000/done","provider":"easypay","customerInfo":{"email":"ana@example.pt","firstName":"Ana","lastName":"Sousa"}}`)
		id, _ := created["id"].(string)
		if code != 200 || id == "" {
			t.Fatalf("create: %d %v", code, created)
		}
		code, v := call("/api/sessions/"+id+"/pay", nil, `{"method":"multibanco"}`)
		if code != 200 || v["status"] != "requires_action" || v["provider"] != "easypay" {
			t.Fatalf("pay: %d %v", code, v)
		}
		return v
	}

	// Without credentials, test mode's easypay is the simulator.
	voucher("ord_sim")
	if ep.Requests() != 0 {
		t.Fatal("a payment without credentials reached Easypay")
	}

	stdout, stderr, code := runCLI(t, []string{"CHECKOUTD_PROVIDER_API_KEY=" + epKey}, "accounts", "providers", "set", "--data", data,
		"--account", "org_mb", "--provider", "easypay", "--account-id", epAccount, "--environment", "sandbox", "--default-for", "multibanco")
	if code != 0 || !strings.Contains(stdout, "environment") {
		t.Fatalf("providers set: exit %d\n%s\n%s", code, stdout, stderr)
	}
	v := voucher("ord_easypay")
	mb, _ := v["voucher"].(map[string]any)
	if mb == nil || mb["entity"] != easypaytest.Entity || mb["amount"] != 4500.0 || ep.Creates() != 1 {
		t.Fatalf("voucher %v; creates at Easypay %d", v, ep.Creates())
	}
	ref, _ := mb["reference"].(string)
	ref = strings.ReplaceAll(ref, " ", "")
	// The reference shown is the one Easypay issued for this payment, with
	// the session's customer.
	pay, _ := v["id"].(string)
	if !ep.Has(func(x easypaytest.Payment) bool {
		return x.Key == pay && x.Reference == ref && x.Value == 45 && x.CustomerName == "Ana Sousa" && x.CustomerEmail == "ana@example.pt"
	}) {
		t.Fatalf("Easypay holds no payment matching %v", v)
	}
	for _, out := range []string{stdout, stderr, p.stdout.String(), p.stderr.String()} {
		if bytes.Contains([]byte(out), []byte(epKey)) {
			t.Fatal("an output holds the Easypay API key")
		}
	}
}
