package main_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestMisuse checks that operator mistakes fail loudly instead of doing
// something surprising.
func TestMisuse(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "typo")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"ListWithoutStore", []string{"accounts", "list", "--data", missing}, "no store at"},
		{"KeysWithoutStore", []string{"keys", "create", "--data", missing, "--account", "acct_default"}, "no store at"},
		{"PublicURLWithoutScheme", []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--public-url", "pay.example.com"}, "--public-url"},
		{"BadCurrency", []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--default-currency", "XXX"}, "--default-currency"},
		{"UnknownCommand", []string{"frobnicate"}, "unknown command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, nil, tc.args...)
			if code == 0 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want failure mentioning %q", code, stderr, tc.want)
			}
		})
	}
}
