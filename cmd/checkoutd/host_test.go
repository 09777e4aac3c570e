package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestHostEndToEnd drives seed 000's flow through the real binary, with the
// secret in seed 000's own variable: create, pay with a card that needs 3-D
// Secure, follow redirectUrl to the challenge, complete it, confirm; the
// session is paid, its events are written and the tenant's webhook gets
// them.
func TestHostEndToEnd(t *testing.T) {
	data := t.TempDir()
	const key = "sk_test_host_end_to_end_0123456789"
	if out, errOut, code := runCLI(t, nil, "accounts", "create", "--data", data, "--id", "org_demo", "--name", "Demo Org", "--default-currency", "EUR", "--secret-key", key); code != 0 {
		t.Fatalf("accounts create --id org_demo: %d\n%s%s", code, out, errOut)
	}
	rcv := &hookReceiver{seen: map[string]int{}}
	hs := httptest.NewServer(rcv)
	t.Cleanup(hs.Close)
	const secret = "seed-000-server-secret-0123456789"
	p := launch(t, func(addr string) ([]string, []string) {
		return []string{"serve", "--addr", addr, "--data", data, "--webhook-allow-private", "--webhook-retry-schedule", "100ms"},
			[]string{"CHECKOUT_API_SECRET=" + secret}
	})
	apiPost(t, p.base, key, "/v1/webhook_endpoints", url.Values{"url": {hs.URL + "/hooks"}, "enabled_events[]": {"*"}})

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
	created := call("/api/sessions", map[string]string{"x-checkout-secret": secret}, `{"orderId":"ord_abc123","amount":9999,"currency":"EUR","tenantId":"org_demo",
		"returnUrl":"http://localhost:3000/order-confirmation?order=ord_abc123","customerInfo":{"email":"customer@example.com","firstName":"Maria","lastName":"Silva"},
		"fulfillment":"shipping","provider":"stripe"}`)
	id, _ := created["id"].(string)
	if created["checkoutUrl"] != p.base+"/c/"+id {
		t.Fatalf("created %v", created)
	}
	pay := call("/api/sessions/"+id+"/pay", nil, `{"sourceToken":"pm_card_threeDSecure2Required"}`)
	redirect, _ := pay["redirectUrl"].(string)
	if pay["status"] != "requires_action" || !strings.HasPrefix(redirect, p.base+"/checkout/"+id+"/3ds/") {
		t.Fatalf("pay: %v", pay)
	}

	// The challenge, as the customer's browser does it.
	res, err := http.Get(redirect)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no challenge form at %s:\n%s", redirect, page)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err = noFollow.PostForm(redirect, url.Values{"csrf_token": {string(m[1])}, "result": {"complete"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "http://localhost:3000/order-confirmation") {
		t.Fatalf("after the challenge: %d %s", res.StatusCode, loc)
	}

	confirmed := call("/api/sessions/"+id+"/confirm", nil, `{"chargeId":"`+pay["id"].(string)+`"}`)
	if confirmed["status"] != "succeeded" {
		t.Fatalf("confirm: %v", confirmed)
	}
	if s := apiGet(t, p.base, key, "/v1/checkout/sessions/"+id); s["status"] != "complete" || s["payment_status"] != "paid" || s["client_reference_id"] != "ord_abc123" {
		t.Fatalf("canonical read: %v", s)
	}
	// Multibanco through easypay and through ifthenpay: the voucher, settled
	// by the test helper, then confirmed.
	for _, provider := range []string{"easypay", "ifthenpay"} {
		mb := call("/api/sessions", map[string]string{"x-checkout-secret": secret}, `{"orderId":"ord_`+provider+`","amount":4500,"currency":"EUR",
			"tenantId":"org_demo","returnUrl":"http://localhost:3000/done","provider":"`+provider+`"}`)
		mid, _ := mb["id"].(string)
		v := call("/api/sessions/"+mid+"/pay", nil, `{"method":"multibanco"}`)
		voucher, _ := v["voucher"].(map[string]any)
		if v["status"] != "requires_action" || v["provider"] != provider || voucher == nil || voucher["entity"] == "" || voucher["amount"] != 4500.0 {
			t.Fatalf("%s: %v", provider, v)
		}
		apiPost(t, p.base, key, "/v1/test_helpers/payments/"+v["id"].(string)+"/succeed", url.Values{})
		if c := call("/api/sessions/"+mid+"/confirm", nil, `{"chargeId":"`+v["id"].(string)+`"}`); c["status"] != "succeeded" {
			t.Errorf("%s confirmed: %v", provider, c)
		}
	}

	evs := apiGet(t, p.base, key, "/v1/events?type=checkout.session.completed")["data"].([]any)
	if len(evs) != 3 {
		t.Fatalf("%d checkout.session.completed events", len(evs))
	}
	evID := evs[len(evs)-1].(map[string]any)["id"].(string) // the card's, the oldest
	deadline := time.Now().Add(20 * time.Second)
	for {
		rcv.mu.Lock()
		n := rcv.seen[evID]
		rcv.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tenant's webhook never got %s", evID)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
