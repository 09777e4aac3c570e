package main

import (
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/provider/ifthenpay"
)

// TestServeConfigIfthenpayAPIURL: --ifthenpay-api-url defaults to
// Ifthenpay's documented API, is read from CHECKOUTD_IFTHENPAY_API_URL, and
// anything but an absolute http(s) URL stops serve naming the flag.
func TestServeConfigIfthenpayAPIURL(t *testing.T) {
	parse := func(args ...string) (*serveConfig, error) {
		var cfg serveConfig
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg.register(fs)
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		return &cfg, cfg.Validate()
	}
	cfg, err := parse()
	if err != nil || cfg.ifthenpay.apiURL != ifthenpay.DefaultAPIURL || ifthenpay.DefaultAPIURL != "https://ifthenpay.com/api" {
		t.Fatalf("default: %v, %+v", err, cfg)
	}
	t.Setenv("CHECKOUTD_IFTHENPAY_API_URL", "http://127.0.0.1:9999/api")
	if cfg, err := parse(); err != nil || cfg.ifthenpay.apiURL != "http://127.0.0.1:9999/api" {
		t.Fatalf("from the environment: %v, %+v", err, cfg)
	}
	if cfg, err := parse("--ifthenpay-api-url", "http://127.0.0.1:1"); err != nil || cfg.ifthenpay.apiURL != "http://127.0.0.1:1" {
		t.Fatalf("the flag wins over the environment: %v, %+v", err, cfg)
	}
	for _, bad := range []string{"ftp://ifthenpay.com", "ifthenpay.com/api", "https://", "https://ifthenpay.com/api?x=1", ""} {
		if _, err := parse("--ifthenpay-api-url", bad); err == nil || !strings.Contains(err.Error(), "--ifthenpay-api-url") {
			t.Errorf("%q: %v, want an error naming --ifthenpay-api-url", bad, err)
		}
	}
}
