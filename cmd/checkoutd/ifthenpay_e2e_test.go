package main_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/provider/ifthenpay/ifthenpaytest"
)

// TestIfthenpayThroughServe: the real binary, pointed at an Ifthenpay
// stand-in by --ifthenpay-api-url, issues a test-mode payment's voucher
// through the stand-in's sandbox endpoint once the account has set its MB
// key, with the documented request.
func TestIfthenpayThroughServe(t *testing.T) {
	data := t.TempDir()
	const key = "sk_test_ifthenpay_end_to_end_012345"
	if out, errOut, code := runCLI(t, nil, "accounts", "create", "--data", data, "--id", "org_mb", "--name", "MB Org", "--default-currency", "EUR", "--secret-key", key); code != 0 {
		t.Fatalf("accounts create: %d\n%s%s", code, out, errOut)
	}
	gw := ifthenpaytest.New(t, "MBK-654321")
	const secret = "seed-000-server-secret-0123456789"
	p := launch(t, func(addr string) ([]string, []string) {
		return []string{"serve", "--addr", addr, "--data", data, "--webhook-allow-private", "--ifthenpay-api-url", gw.URL},
			[]string{"CHECKOUT_API_SECRET=" + secret}
	})
	apiPost(t, p.base, key, "/v1/account/providers/ifthenpay", url.Values{"mb_key": {"MBK-654321"}, "anti_phishing_key": {"EndToEndAntiPhishing1"}})

	call := func(path string, hdr map[string]string, body string) map[string]any {
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
		if res.StatusCode != 200 {
			t.Fatalf("POST %s: %d %v", path, res.StatusCode, out)
		}
		return out
	}
	s := call("/api/sessions", map[string]string{"x-checkout-secret": secret}, `{"orderId":"ord_mb","amount":4500,"currency":"EUR",
		"tenantId":"org_mb","returnUrl":"http://localhost:3000/done","provider":"ifthenpay"}`)
	v := call("/api/sessions/"+s["id"].(string)+"/pay", nil, `{"method":"multibanco"}`)
	refs := gw.References()
	if probs := gw.Problems(); len(probs) > 0 || len(refs) != 1 {
		t.Fatalf("stand-in: %d references, problems %v", len(refs), probs)
	}
	voucher, _ := v["voucher"].(map[string]any)
	if v["status"] != "requires_action" || v["provider"] != "ifthenpay" || voucher == nil ||
		voucher["entity"] != refs[0].Entity || voucher["reference"] != refs[0].Reference || !refs[0].Sandbox || refs[0].Amount != "45.00" {
		t.Fatalf("pay: %v; issued %+v", v, refs[0])
	}
}
