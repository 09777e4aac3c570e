//go:build unix

package main_test

import (
	"context"
	"crypto/tls"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/internal/testenv"
	"github.com/checkoutd/checkoutd/internal/testtls"
	goredis "github.com/redis/go-redis/v9"
)

// TestRedisTLS runs the binary on a redis-server of the test's own that
// speaks only TLS, with a certificate a private CA signs, as a managed
// Redis does: --redis-ca-file (or CHECKOUTD_REDIS_CA_FILE) with a
// rediss:// URL connects; without it, or with another CA, the command
// stops saying what is wrong with the certificate and naming the flag; and
// the flag's mistakes are refused before anything connects.
func TestRedisTLS(t *testing.T) {
	t.Parallel()
	bin := testenv.Program(t, "redis-server", "redis-server", "the test of Redis over TLS")
	dir := t.TempDir()
	ca := testtls.NewCA(t, "private-ca")
	caFile := ca.WriteFile(t, dir)
	url := startTLSRedis(t, bin, ca)
	otherCA := testtls.NewCA(t, "other-ca").WriteFile(t, dir)
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	migrate := func(env []string, extra ...string) (string, string, int) {
		t.Helper()
		return runCLI(t, env, append([]string{"migrate", "--store", "redis"}, extra...)...)
	}
	if stdout, stderr, code := migrate(nil, "--redis-url", url, "--redis-ca-file", caFile); code != 0 || !strings.Contains(stdout, "redis: nothing to migrate") {
		t.Errorf("migrate with --redis-ca-file: exit code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if stdout, stderr, code := runCLI(t, []string{"CHECKOUTD_STORE=redis", "CHECKOUTD_REDIS_URL=" + url, "CHECKOUTD_REDIS_CA_FILE=" + caFile}, "accounts", "list"); code != 0 {
		t.Errorf("accounts list with CHECKOUTD_REDIS_CA_FILE: exit code %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	for _, c := range []struct {
		name string
		args []string
		says []string
	}{
		{"no_CA_file", []string{"--redis-url", url}, []string{"certificate signed by unknown authority", "--redis-ca-file"}},
		{"another_CA", []string{"--redis-url", url, "--redis-ca-file", otherCA}, []string{"certificate signed by unknown authority", "--redis-ca-file", "did not sign"}},
		{"skip_verify", []string{"--redis-url", url + "?skip_verify=true", "--redis-ca-file", caFile}, []string{"skip_verify", "--redis-ca-file"}},
		{"CA_file_without_TLS", []string{"--redis-url", strings.Replace(url, "rediss://", "redis://", 1), "--redis-ca-file", caFile}, []string{"--redis-ca-file", "rediss://"}},
		{"missing_CA_file", []string{"--redis-url", url, "--redis-ca-file", filepath.Join(dir, "nope.pem")}, []string{"--redis-ca-file", "nope.pem"}},
		{"CA_file_not_PEM", []string{"--redis-url", url, "--redis-ca-file", notPEM}, []string{"--redis-ca-file", "no PEM certificate"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, code := migrate(nil, c.args...)
			if code == 0 {
				t.Fatalf("migrate %q: exit code 0, stdout %q; want a refusal", c.args, stdout)
			}
			for _, w := range c.says {
				if !strings.Contains(stderr, w) {
					t.Errorf("migrate %q: stderr %q does not mention %q", c.args, stderr, w)
				}
			}
		})
	}
}

// startTLSRedis runs a redis-server of the test's own that listens only
// with TLS, on a free loopback port, with a certificate ca signs for
// 127.0.0.1, until the test ends; it returns its rediss:// URL.
func startTLSRedis(t *testing.T, bin string, ca *testtls.CA) string {
	t.Helper()
	dir := t.TempDir()
	cert, key := ca.Server(t, dir, "redis")
	caFile := ca.WriteFile(t, dir)
	for attempt := 1; ; attempt++ {
		addr := freeAddr(t)
		_, port, _ := strings.Cut(addr, ":")
		logPath := filepath.Join(dir, "redis.log")
		logFile, err := os.Create(logPath)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "--port", "0", "--tls-port", port, "--bind", "127.0.0.1", "--dir", dir, "--daemonize", "no",
			"--save", "", "--appendonly", "no",
			"--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-cert-file", caFile, "--tls-auth-clients", "no")
		cmd.Stdout, cmd.Stderr = logFile, logFile
		dieWithTest(cmd)
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting redis-server: %v", err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); logFile.Close(); close(done) }()
		t.Cleanup(func() { cmd.Process.Kill(); <-done })
		rdb := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second,
			TLSConfig: &tls.Config{RootCAs: ca.Pool(), ServerName: "127.0.0.1"}})
		up := false
		for deadline := time.Now().Add(15 * time.Second); !up; time.Sleep(50 * time.Millisecond) {
			if rdb.Ping(context.Background()).Err() == nil {
				up = true
				break
			}
			select {
			case <-done:
				deadline = time.Time{}
			default:
			}
			if time.Now().After(deadline) {
				break
			}
		}
		rdb.Close()
		if up {
			return "rediss://" + addr + "/0"
		}
		log, _ := os.ReadFile(logPath)
		if attempt >= 5 || !strings.Contains(string(log), "Address already in use") {
			t.Fatalf("redis-server with TLS did not start:\n%s", log)
		}
	}
}
