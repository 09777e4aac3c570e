//go:build unix

package main_test

import (
	"strings"
	"testing"
)

// TestMigrate: `checkoutd migrate` applies what is missing, says what, and
// applies nothing the second time; a bad store URL is refused by flag name.
func TestMigrate(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		data := t.TempDir()
		for range 2 {
			stdout, stderr, code := runCLI(t, nil, "migrate", "--data", data)
			if code != 0 || !strings.Contains(stdout, "sqlite: schema is up to date") {
				t.Fatalf("migrate: exit %d\n%s%s", code, stdout, stderr)
			}
		}
	})
	t.Run("postgres", func(t *testing.T) {
		args := append([]string{"migrate"}, serverStore(t, "postgres")...)
		stdout, stderr, code := runCLI(t, nil, args...)
		if code != 0 || !strings.Contains(stdout, "postgres: applied 0001_init.sql") {
			t.Fatalf("first migrate: exit %d\n%s%s", code, stdout, stderr)
		}
		stdout, stderr, code = runCLI(t, nil, args...)
		if code != 0 || strings.TrimSpace(stdout) != "postgres: schema is up to date" {
			t.Fatalf("second migrate: exit %d\n%s%s", code, stdout, stderr)
		}
		// The server finds the schema current and starts on it.
		srv := launch(t, func(addr string) ([]string, []string) {
			return append([]string{"serve", "--addr", addr, "--data", t.TempDir(), "--bootstrap-key", "sk_test_migrated_0123456789abcde"}, args[1:]...), nil
		})
		if !strings.Contains(srv.stdout.String(), "(store postgres)") {
			t.Errorf("start-up line does not name the store:\n%s", srv.stdout)
		}
	})
	t.Run("bad URLs", func(t *testing.T) {
		for _, c := range [][]string{
			{"--store", "postgres"},
			{"--store", "postgres", "--postgres-url", "redis://127.0.0.1:6379"},
			{"--store", "redis", "--redis-url", "postgres://127.0.0.1/x"},
			{"--store", "cassandra"},
		} {
			_, stderr, code := runCLI(t, nil, append([]string{"migrate", "--data", t.TempDir()}, c...)...)
			if code == 0 || !strings.Contains(stderr, "--") {
				t.Errorf("migrate %q: exit %d, stderr %q; want a refusal naming the flag", c, code, stderr)
			}
		}
	})
}
