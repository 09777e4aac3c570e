package main_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// --trusted-proxies and --auth-failure-limit reach the server, and a list
// that is not CIDRs stops serve naming the flag.
func TestTrustedProxiesFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  []string
		says string
	}{
		{[]string{"--trusted-proxies", "10.0.0/8"}, nil, "--trusted-proxies"},
		{[]string{"--trusted-proxies", "10.0.0.0/8,proxy.example"}, nil, "proxy.example"},
		{nil, []string{"CHECKOUTD_TRUSTED_PROXIES=10.0.0.1/8"}, "--trusted-proxies"},
		{[]string{"--auth-failure-limit", "-1"}, nil, "--auth-failure-limit"},
	} {
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, c.args...)
		_, stderr, code := runCLI(t, c.env, args...)
		if code == 0 || !strings.Contains(stderr, c.says) {
			t.Errorf("checkoutd %q %q: exit code %d, stderr %q; want a failure mentioning %q", args, c.env, code, stderr, c.says)
		}
	}

	srv := startServer(t, t.TempDir(), "--trusted-proxies", "127.0.0.1/32, 10.0.0.0/8", "--auth-failure-limit", "2")
	get := func(xff string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.base+"/v1/checkout/sessions", nil)
		req.Header.Set("Authorization", "Bearer sk_test_"+strings.Repeat("x", 32))
		req.Header.Set("X-Forwarded-For", xff)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	var got []string
	for _, xff := range []string{"203.0.113.1", "203.0.113.1, 10.0.0.1", "203.0.113.1", "203.0.113.2"} {
		got = append(got, fmt.Sprint(get(xff)))
	}
	if strings.Join(got, " ") != "401 401 429 401" {
		t.Errorf("wrong keys from two clients behind a trusted proxy: %v, want 401 401 429 401", got)
	}
}
