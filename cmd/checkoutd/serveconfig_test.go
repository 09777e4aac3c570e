package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Every serve setting that needs no store or network is checked by
// Validate, which names the flag; serve then stops before it listens or
// makes its data directory.
func TestServeConfigValidate(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--log-level", "loud"}, "--log-level"},
		{[]string{"--sweep-interval", "5ms"}, "--sweep-interval"},
		{[]string{"--bootstrap-key", "sk_test_short"}, "--bootstrap-key"},
		{[]string{"--default-currency", "XYZ"}, "--default-currency"},
		{[]string{"--trusted-proxies", "10.0.0.1/8"}, "--trusted-proxies"},
		{[]string{"--auth-failure-limit", "-1"}, "--auth-failure-limit"},
		{[]string{"--public-url", "ftp://pay.example.com"}, "--public-url"},
		{[]string{"--max-failed-attempts", "0"}, "--max-failed-attempts"},
		{[]string{"--webhook-retry-schedule", "1m,soon"}, "--webhook-retry-schedule"},
		{[]string{"--webhook-disable-after", "0s"}, "--webhook-disable-after"},
		{[]string{"--webhook-timeout", "-1s"}, "--webhook-timeout"},
		{[]string{"--provider-timeout", "0s"}, "--provider-timeout"},
		{[]string{"--provider-timeout", "-5s"}, "--provider-timeout"},
		{[]string{"--provider-timeout", "2m"}, "--provider-timeout"},
		{[]string{"--pay-rate-limit", "-1"}, "--pay-rate-limit"},
		{[]string{"--api-rate-limit", "-1"}, "--api-rate-limit"},
		{[]string{"--image-max-bytes", "10"}, "--image-max-bytes"},
		{[]string{"--image-max-bytes", "1000000000"}, "--image-max-bytes"},
		{[]string{"--reconcile-after", "0s"}, "--reconcile-after"},
		{[]string{"--reconcile-after", "500ms"}, "--reconcile-after"},
		{[]string{"--reconcile-after", "25h"}, "--reconcile-after"},
		{[]string{"--device-push-timeout", "5s"}, "--device-push-timeout"},
		{[]string{"--device-push-timeout", "2h"}, "--device-push-timeout"},
		{[]string{"--stripe-api-url", "api.stripe.com"}, "--stripe-api-url"},
		{[]string{"--stripe-api-url", "ftp://api.stripe.com"}, "--stripe-api-url"},
		// stripe-mock on loopback needs --webhook-allow-private.
		{[]string{"--stripe-api-url", "http://127.0.0.1:12111"}, "--stripe-api-url"},
		{[]string{"--easypay-api-url", "ftp://127.0.0.1/2.0"}, "--easypay-api-url"},
		{[]string{"--easypay-api-url", "127.0.0.1:9000"}, "--easypay-api-url"},
		{[]string{"--easypay-voucher-ttl", "5m"}, "--easypay-voucher-ttl"},
	} {
		t.Run(c.want, func(t *testing.T) {
			var cfg serveConfig
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			cfg.register(fs)
			if err := fs.Parse(c.args); err != nil {
				t.Fatal(err)
			}
			if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Validate() = %v, want an error naming %s", err, c.want)
			}
			data := filepath.Join(t.TempDir(), "data")
			err := serve(t.Context(), append([]string{"--data", data, "--addr", "127.0.0.1:0"}, c.args...), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("serve: %v, want an error naming %s", err, c.want)
			}
			if _, err := os.Stat(data); !os.IsNotExist(err) {
				t.Errorf("serve refused its configuration but made %s", data)
			}
		})
	}
	// The defaults are valid, and so is stripe-mock with private targets allowed.
	for _, args := range [][]string{nil, {"--stripe-api-url", "http://127.0.0.1:12111", "--webhook-allow-private"}} {
		var cfg serveConfig
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		cfg.register(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
}

// TestReconcileAfterFromEnv: CHECKOUTD_RECONCILE_AFTER sets
// --reconcile-after, checked like the flag; a valid one is taken.
func TestReconcileAfterFromEnv(t *testing.T) {
	t.Setenv("CHECKOUTD_RECONCILE_AFTER", "-1m")
	data := filepath.Join(t.TempDir(), "data")
	if err := serve(t.Context(), []string{"--data", data, "--addr", "127.0.0.1:0"}, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "--reconcile-after") {
		t.Errorf("serve with CHECKOUTD_RECONCILE_AFTER=-1m: %v, want an error naming --reconcile-after", err)
	}
	t.Setenv("CHECKOUTD_RECONCILE_AFTER", "90s")
	var cfg serveConfig
	fs := newFlags("serve", "", io.Discard, io.Discard)
	cfg.register(fs)
	if err := parseFlags(fs, nil); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil || cfg.reconcileAfter != 90*time.Second {
		t.Errorf("CHECKOUTD_RECONCILE_AFTER=90s: %v, %v", cfg.reconcileAfter, err)
	}
}

// --easypay-api-url and --easypay-voucher-ttl are read from their flags or
// CHECKOUTD_EASYPAY_API_URL / CHECKOUTD_EASYPAY_VOUCHER_TTL.
func TestServeConfigEasypay(t *testing.T) {
	parse := func(args ...string) serveConfig {
		t.Helper()
		var cfg serveConfig
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg.register(fs)
		if err := parseFlags(fs, args); err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	if c := parse(); c.easypayURL != "" || c.easypayTTL != 72*time.Hour {
		t.Fatalf("defaults: %q %s", c.easypayURL, c.easypayTTL)
	}
	t.Setenv("CHECKOUTD_EASYPAY_API_URL", "http://127.0.0.1:9000/2.0")
	t.Setenv("CHECKOUTD_EASYPAY_VOUCHER_TTL", "24h")
	if c := parse(); c.easypayURL != "http://127.0.0.1:9000/2.0" || c.easypayTTL != 24*time.Hour {
		t.Fatalf("from the environment: %q %s", c.easypayURL, c.easypayTTL)
	}
	if c := parse("--easypay-api-url", "https://easypay.test/2.0"); c.easypayURL != "https://easypay.test/2.0" {
		t.Fatalf("flag over environment: %q", c.easypayURL)
	}
}

// TestGatewayOptions: the gateways' timeout comes from --provider-timeout
// or CHECKOUTD_PROVIDER_TIMEOUT (default 20 s), and the guard of their
// non-documented API URLs lets private addresses through only with
// --webhook-allow-private.
func TestGatewayOptions(t *testing.T) {
	parse := func(args ...string) *serveConfig {
		t.Helper()
		var cfg serveConfig
		fs := newFlags("serve", "", io.Discard, io.Discard)
		cfg.register(fs)
		if err := parseFlags(fs, args); err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		return &cfg
	}
	if o := parse().gatewayOptions(); o.Timeout != 20*time.Second || o.Policy.AllowPrivate {
		t.Errorf("defaults: %+v", o)
	}
	if o := parse("--provider-timeout", "7s", "--webhook-allow-private").gatewayOptions(); o.Timeout != 7*time.Second || !o.Policy.AllowPrivate {
		t.Errorf("flags: %+v", o)
	}
	t.Setenv("CHECKOUTD_PROVIDER_TIMEOUT", "3s")
	if o := parse().gatewayOptions(); o.Timeout != 3*time.Second {
		t.Errorf("CHECKOUTD_PROVIDER_TIMEOUT=3s: %+v", o)
	}
	// The command line wins over the variable.
	if o := parse("--provider-timeout", "9s").gatewayOptions(); o.Timeout != 9*time.Second {
		t.Errorf("flag over variable: %+v", o)
	}
}
