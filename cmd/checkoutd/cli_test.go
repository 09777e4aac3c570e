//go:build unix

package main_test

import (
	"cmp"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/client"
)

var testKeyRE = regexp.MustCompile(`sk_test_[A-Za-z0-9_-]+`)

// envVar is the variable of a command's flag: the store flags and serve's
// keep CHECKOUTD_<FLAG>; the other commands' flags carry the command's name
// (see TestEnvNames).
func envVar(cmd []string, flag string) string {
	prefix := map[string]string{"accounts": "CHECKOUTD_ACCOUNT_", "keys": "CHECKOUTD_KEY_", "listen": "CHECKOUTD_LISTEN_"}[cmd[0]]
	switch flag {
	case "data", "store", "redis-url", "redis-retention", "redis-prefix", "redis-ca-file", "postgres-url":
		prefix = ""
	}
	return cmp.Or(prefix, "CHECKOUTD_") + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

func newClient(key string, p *proc) *client.Client {
	return client.New(key, client.WithBaseURL(p.base), client.WithBackoff(10*time.Millisecond))
}

// TestCLI runs the subcommands of the real binary: accounts and keys against
// a running server, flags and their environment variables, --help, and the
// bootstrap key on first and later starts.
func TestCLI(t *testing.T) {
	t.Parallel()

	t.Run("help", func(t *testing.T) {
		for _, c := range []struct {
			args  []string
			flags []string
		}{
			{[]string{"serve"}, []string{"addr", "data", "public-url", "bootstrap-key", "default-currency", "log-level", "sweep-interval", "store", "redis-url", "postgres-url"}},
			{[]string{"accounts", "create"}, []string{"data", "name", "id", "secret-key", "default-currency", "session-ttl", "store", "redis-url", "postgres-url"}},
			{[]string{"accounts", "list"}, []string{"data", "store", "redis-url", "postgres-url"}},
			{[]string{"keys", "create"}, []string{"data", "account", "live", "store", "redis-url", "postgres-url"}},
			{[]string{"migrate"}, []string{"data", "store", "redis-url", "redis-prefix", "redis-retention", "postgres-url"}},
		} {
			for _, h := range []string{"--help", "-h"} {
				// Should --help wrongly run the command, it must not touch ./data.
				stdout, stderr, code := runCLI(t, []string{"CHECKOUTD_DATA=" + t.TempDir(), "CHECKOUTD_ADDR=127.0.0.1:0"}, append(c.args, h)...)
				text := stdout + stderr
				if code != 0 {
					t.Errorf("checkoutd %s %s: exit code %d\n%s", strings.Join(c.args, " "), h, code, text)
				}
				// Help asked for is an answer, on stdout, as a group's is.
				if stderr != "" || !strings.HasPrefix(stdout, "Usage: checkoutd "+c.args[0]) {
					t.Errorf("checkoutd %s %s: stdout %q, stderr %q; want the help on stdout alone", strings.Join(c.args, " "), h, stdout, stderr)
				}
				for _, f := range c.flags {
					if !strings.Contains(text, "--"+f) || !strings.Contains(text, envVar(c.args, f)) {
						t.Errorf("checkoutd %s %s does not mention --%s and %s:\n%s", strings.Join(c.args, " "), h, f, envVar(c.args, f), text)
					}
				}
			}
		}
		for _, args := range [][]string{{"--help"}, {"help"}} {
			stdout, stderr, code := runCLI(t, nil, args...)
			if code != 0 {
				t.Errorf("checkoutd %s: exit code %d", args[0], code)
			}
			for _, cmd := range []string{"serve", "accounts create", "accounts list", "keys create", "migrate"} {
				if !strings.Contains(stdout+stderr, cmd) {
					t.Errorf("checkoutd %s does not mention %q:\n%s%s", args[0], cmd, stdout, stderr)
				}
			}
		}
		for _, args := range [][]string{{"bogus"}, {"accounts"}, {"accounts", "delete"}, {"keys"}, {"serve", "extra"}} {
			_, stderr, code := runCLI(t, []string{"CHECKOUTD_DATA=" + t.TempDir(), "CHECKOUTD_ADDR=127.0.0.1:0"}, args...)
			if code == 0 || !strings.Contains(stderr, "checkoutd:") {
				t.Errorf("checkoutd %q: exit code %d, stderr %q; want a failure that says why", args, code, stderr)
			}
		}
		// A flag that cannot be parsed: the error and the usage go to
		// stderr, nothing to stdout.
		stdout, stderr, code := runCLI(t, []string{"CHECKOUTD_DATA=" + t.TempDir()}, "accounts", "create", "--nope")
		if code != 2 || stdout != "" || !strings.Contains(stderr, "-nope") || !strings.Contains(stderr, "Usage: checkoutd accounts create") {
			t.Errorf("accounts create --nope: exit %d, stdout %q, stderr %q; want 2 and the error with the usage on stderr", code, stdout, stderr)
		}
	})

	t.Run("accounts and keys against a running server", func(t *testing.T) {
		ctx := context.Background()
		data := t.TempDir()
		const defaultKey = "sk_test_cliDefault_0123456789abc"
		srv := startServer(t, data, "--bootstrap-key", defaultKey)
		session := &client.SessionParams{Amount: 1000, SuccessURL: "http://shop.example.com/ok", CancelURL: "http://shop.example.com/cancel"}

		stdout, stderr, code := runCLI(t, nil, "accounts", "create", "--data", data, "--name", "X", "--id", "acct_x", "--default-currency", "EUR")
		if code != 0 {
			t.Fatalf("accounts create: exit code %d\n%s", code, stderr)
		}
		xKey := field(stdout, "secret_key")
		if field(stdout, "account_id") != "acct_x" || !strings.HasPrefix(xKey, "sk_test_") {
			t.Fatalf("accounts create printed:\n%s", stdout)
		}
		cx := newClient(xKey, srv)
		s, err := cx.Sessions.Create(ctx, session)
		if err != nil {
			t.Fatalf("Create with the new account's key: %v", err)
		}
		if s.Currency != "EUR" {
			t.Errorf("session of acct_x has currency %s, want its default EUR", s.Currency)
		}
		// Other accounts do not see it.
		cd := newClient(defaultKey, srv)
		_, err = cd.Sessions.Get(ctx, s.ID)
		apiError(t, "default account reading acct_x's session", err, http.StatusNotFound, "resource_missing")
		if page, err := cd.Sessions.List(ctx, nil); err != nil || len(page.Data) != 0 {
			t.Errorf("default account's list: %v, %v; want empty", jsonOf(t, page), err)
		}

		// Another test key for the same account.
		stdout, stderr, code = runCLI(t, nil, "keys", "create", "--data", data, "--account", "acct_x")
		key2 := field(stdout, "secret_key")
		if code != 0 || !strings.HasPrefix(key2, "sk_test_") || key2 == xKey {
			t.Fatalf("keys create: exit code %d, stdout %q, stderr %q", code, stdout, stderr)
		}
		if got, err := newClient(key2, srv).Sessions.Get(ctx, s.ID); err != nil || got.ID != s.ID {
			t.Errorf("second test key: Get = %v, %v", got, err)
		}

		// A live key sees no test objects and requires https redirects.
		stdout, stderr, code = runCLI(t, nil, "keys", "create", "--data", data, "--account", "acct_x", "--live")
		liveKey := field(stdout, "secret_key")
		if code != 0 || !strings.HasPrefix(liveKey, "sk_live_") {
			t.Fatalf("keys create --live: exit code %d, stdout %q, stderr %q", code, stdout, stderr)
		}
		cl := newClient(liveKey, srv)
		if page, err := cl.Sessions.List(ctx, nil); err != nil || len(page.Data) != 0 || page.HasMore {
			t.Errorf("live key's list: %s, %v; want empty", jsonOf(t, page), err)
		}
		_, err = cl.Sessions.Get(ctx, s.ID)
		apiError(t, "live key reading a test session", err, http.StatusNotFound, "resource_missing")
		_, err = cl.Sessions.Create(ctx, session)
		if e := apiError(t, "live Create with http URLs", err, http.StatusBadRequest, ""); e.Param != "success_url" {
			t.Errorf("live Create with http URLs names %q, want success_url", e.Param)
		}
		// Live mode has no provider yet: a live session, which nobody could
		// pay, is refused with what to configure.
		_, err = cl.Sessions.Create(ctx, &client.SessionParams{Amount: 1000, SuccessURL: "https://shop.example.com/ok", CancelURL: "https://shop.example.com/cancel"})
		if e := apiError(t, "live Create with https URLs", err, http.StatusBadRequest, "live_provider_missing"); e.Param != "payment_method_types[0]" || !strings.Contains(e.Message, "live provider") {
			t.Errorf("live Create without a live provider: %v", e)
		}
		if page, err := cx.Sessions.List(ctx, nil); err != nil || len(page.Data) != 1 || page.Data[0].ID != s.ID {
			t.Errorf("test key's list after a refused live session: %s, %v; want only %s", jsonOf(t, page), err, s.ID)
		}

		// An operator-chosen key.
		stdout, _, code = runCLI(t, nil, "accounts", "create", "--data", data, "--name", "Chosen", "--secret-key", "sk_test_chosenKey_0123456789abcd", "--session-ttl", "2h")
		chosenID := field(stdout, "account_id")
		if code != 0 || field(stdout, "secret_key") != "sk_test_chosenKey_0123456789abcd" || !strings.HasPrefix(chosenID, "acct_") {
			t.Fatalf("accounts create --secret-key: exit code %d\n%s", code, stdout)
		}
		if cs, err := newClient("sk_test_chosenKey_0123456789abcd", srv).Sessions.Create(ctx, session); err != nil {
			t.Errorf("chosen key: %v", err)
		} else if d := cs.ExpiresAt.Sub(cs.CreatedAt); d < 2*time.Hour-2*time.Second || d > 2*time.Hour+2*time.Second || cs.Currency != "GHS" {
			t.Errorf("account with --session-ttl 2h: lifetime %v, currency %s; want 2h GHS", d, cs.Currency)
		}

		stdout, stderr, code = runCLI(t, nil, "accounts", "list", "--data", data)
		for _, want := range []string{"acct_default\tGHS\tDefault account", "acct_x\tEUR\tX", chosenID + "\tGHS\tChosen"} {
			if code != 0 || !strings.Contains(stdout, want+"\n") {
				t.Errorf("accounts list (exit %d) lacks %q:\n%s%s", code, want, stdout, stderr)
			}
		}

		// Failures: non-zero exit, a message that says why, no key printed.
		for _, c := range []struct {
			args []string
			says []string
		}{
			{[]string{"accounts", "create", "--name", "Y", "--id", "acct_x"}, []string{"acct_x", "exists"}},
			{[]string{"accounts", "create", "--name", "Y", "--secret-key", "sk_test_chosenKey_0123456789abcd"}, []string{"exists"}},
			{[]string{"accounts", "create", "--id", "acct_y"}, []string{"--name"}},
			{[]string{"accounts", "create", "--name", "Y", "--default-currency", "XYZ"}, []string{"XYZ"}},
			{[]string{"accounts", "create", "--name", "Y", "--secret-key", "sk_live_abc"}, []string{"sk_test_"}},
			{[]string{"accounts", "create", "--name", "Y", "--secret-key", "sk_test_short"}, []string{"24"}},
			{[]string{"accounts", "create", "--name", "Y", "--id", "bad id!"}, []string{"account id"}},
			{[]string{"keys", "create", "--account", "nope"}, []string{"nope"}},
			{[]string{"keys", "create"}, []string{"--account"}},
		} {
			args := append(c.args, "--data", data)
			stdout, stderr, code := runCLI(t, nil, args...)
			if code == 0 || strings.Contains(stdout, "secret_key") {
				t.Errorf("checkoutd %q: exit code %d, stdout %q; want a failure", args, code, stdout)
				continue
			}
			for _, w := range c.says {
				if !strings.Contains(stderr, w) {
					t.Errorf("checkoutd %q: stderr %q does not mention %q", args, stderr, w)
				}
			}
		}
		stdout, _, _ = runCLI(t, nil, "accounts", "list", "--data", data)
		if n := strings.Count(stdout, "\n"); n != 3 {
			t.Errorf("after the failed commands, accounts list has %d lines, want 3:\n%s", n, stdout)
		}
		// The server is unharmed by all this.
		if _, err := cx.Sessions.Get(ctx, s.ID); err != nil {
			t.Errorf("server after the CLI runs: %v", err)
		}
	})

	t.Run("one server per SQLite store", func(t *testing.T) {
		data := t.TempDir()
		startServer(t, data)
		_, stderr, code := runCLI(t, nil, "serve", "--addr", freeAddr(t), "--data", data)
		if code == 0 || !strings.Contains(stderr, "another process is serving") || !strings.Contains(stderr, "--store postgres or redis") {
			t.Errorf("a second serve on the same --data: exit code %d, stderr:\n%s\nwant a failure naming the other process and the stores for replicas", code, stderr)
		}
	})

	t.Run("bad serve flags are refused", func(t *testing.T) {
		for _, c := range []struct {
			args []string
			env  []string
			says string
		}{
			{[]string{"--bootstrap-key", "sk_live_abc"}, nil, "sk_test_"},
			{[]string{"--bootstrap-key", "abc"}, nil, "sk_test_"},
			{[]string{"--bootstrap-key", "sk_test_short"}, nil, "24"},
			{nil, []string{"CHECKOUTD_BOOTSTRAP_KEY=pk_test_abc"}, "sk_test_"},
			{[]string{"--sweep-interval", "5ms"}, nil, "sweep-interval"},
			{nil, []string{"CHECKOUTD_SWEEP_INTERVAL=soon"}, "CHECKOUTD_SWEEP_INTERVAL"},
			{[]string{"--log-level", "chatty"}, nil, "log-level"},
			{[]string{"--default-currency", "XYZ"}, nil, "XYZ"},
			{[]string{"--no-such-flag"}, nil, "no-such-flag"},
			{[]string{"--store", "mysql"}, nil, "--store"},
			{nil, []string{"CHECKOUTD_STORE=memory"}, "--store"},
			{[]string{"--store", "postgres"}, nil, "--postgres-url"},
			{[]string{"--store", "redis"}, nil, "--redis-url"},
			{[]string{"--store", "redis", "--redis-url", "http://127.0.0.1:6379"}, nil, "--redis-url"},
			{[]string{"--store", "postgres", "--postgres-url", "mysql://127.0.0.1/x"}, nil, "--postgres-url"},
			{[]string{"--store", "redis", "--redis-url", "redis://127.0.0.1:6379/0", "--redis-retention", "10m"}, nil, "1h"},
		} {
			data := t.TempDir()
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data}, c.args...)
			stdout, stderr, code := runCLI(t, c.env, args...)
			if code == 0 || !strings.Contains(stderr, c.says) {
				t.Errorf("checkoutd %q %q: exit code %d, stderr %q; want a failure mentioning %q", args, c.env, code, stderr, c.says)
			}
			if testKeyRE.MatchString(stdout) {
				t.Errorf("checkoutd %q %q printed a key:\n%s", args, c.env, stdout)
			}
		}
	})

	t.Run("every flag from the environment; no subcommand serves", func(t *testing.T) {
		ctx := context.Background()
		data := filepath.Join(t.TempDir(), "store")
		srv := launch(t, func(addr string) ([]string, []string) {
			return nil, []string{
				"CHECKOUTD_ADDR=" + addr, "CHECKOUTD_DATA=" + data, "CHECKOUTD_BOOTSTRAP_KEY=sk_test_fromEnv_0123456789abcdef",
				"CHECKOUTD_DEFAULT_CURRENCY=JPY", "CHECKOUTD_PUBLIC_URL=https://pay.example.com/base/",
				"CHECKOUTD_LOG_LEVEL=warn", "CHECKOUTD_SWEEP_INTERVAL=50ms",
			}
		})
		if out := srv.stdout.String(); !strings.Contains(out, "checkoutd listening on https://pay.example.com/base ") || !strings.Contains(out, "sk_test_fromEnv_0123456789abcdef") {
			t.Errorf("stdout:\n%s", out)
		}
		if _, err := os.Stat(filepath.Join(data, "checkoutd.db")); err != nil {
			t.Errorf("store not made in CHECKOUTD_DATA: %v", err)
		}
		c := newClient("sk_test_fromEnv_0123456789abcdef", srv)
		s, err := c.Sessions.Create(ctx, &client.SessionParams{Amount: 500, SuccessURL: "http://shop.example.com/ok", CancelURL: "http://shop.example.com/cancel"})
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		if s.Currency != "JPY" || s.URL != "https://pay.example.com/base/checkout/"+s.ID {
			t.Errorf("session: currency %s url %q; want JPY and the public URL", s.Currency, s.URL)
		}

		// The account commands read theirs too.
		env := []string{"CHECKOUTD_DATA=" + data, "CHECKOUTD_ACCOUNT_NAME=Envy", "CHECKOUTD_ACCOUNT_ID=acct_env",
			"CHECKOUTD_ACCOUNT_DEFAULT_CURRENCY=BHD", "CHECKOUTD_ACCOUNT_SESSION_TTL=3h", "CHECKOUTD_ACCOUNT_SECRET_KEY=sk_test_envAccount_0123456789abc"}
		stdout, stderr, code := runCLI(t, env, "accounts", "create")
		if code != 0 || field(stdout, "account_id") != "acct_env" || field(stdout, "secret_key") != "sk_test_envAccount_0123456789abc" {
			t.Fatalf("accounts create from env: exit code %d\n%s%s", code, stdout, stderr)
		}
		es, err := newClient("sk_test_envAccount_0123456789abc", srv).Sessions.Create(ctx, &client.SessionParams{Amount: 1500, SuccessURL: "http://shop.example.com/ok", CancelURL: "http://shop.example.com/cancel"})
		if err != nil {
			t.Fatalf("Create with the env account's key: %v", err)
		}
		if d := es.ExpiresAt.Sub(es.CreatedAt); es.Currency != "BHD" || d < 3*time.Hour-2*time.Second || d > 3*time.Hour+2*time.Second {
			t.Errorf("env account's session: %s, lifetime %v; want BHD, 3h", es.Currency, d)
		}
		stdout, stderr, code = runCLI(t, []string{"CHECKOUTD_DATA=" + data, "CHECKOUTD_KEY_ACCOUNT=acct_env", "CHECKOUTD_KEY_LIVE=true"}, "keys", "create")
		if code != 0 || !strings.HasPrefix(field(stdout, "secret_key"), "sk_live_") {
			t.Errorf("keys create from env: exit code %d\n%s%s", code, stdout, stderr)
		}
		_, stderr, code = runCLI(t, []string{"CHECKOUTD_DATA=" + data, "CHECKOUTD_KEY_ACCOUNT=acct_env", "CHECKOUTD_KEY_LIVE=maybe"}, "keys", "create")
		if code == 0 || !strings.Contains(stderr, "CHECKOUTD_KEY_LIVE") {
			t.Errorf("CHECKOUTD_KEY_LIVE=maybe: exit code %d, stderr %q", code, stderr)
		}
		stdout, _, code = runCLI(t, []string{"CHECKOUTD_DATA=" + data}, "accounts", "list")
		if code != 0 || !strings.Contains(stdout, "acct_default\tJPY\t") || !strings.Contains(stdout, "acct_env\tBHD\tEnvy") {
			t.Errorf("accounts list from env: exit code %d\n%s", code, stdout)
		}

		// CHECKOUTD_LOG_LEVEL=warn: no info lines (requests, shutdown).
		if code, _ := srv.stop(t); code != 0 {
			t.Errorf("exit code %d", code)
		}
		lines, _ := parseLog(t, srv.stderr.String())
		for _, l := range lines {
			if l.Level == "INFO" || l.Level == "DEBUG" {
				t.Errorf("log level warn from the environment, yet: %+v", l)
			}
		}
	})

	t.Run("a flag beats its environment variable", func(t *testing.T) {
		ctx := context.Background()
		envData, flagData := t.TempDir(), t.TempDir()
		srv := launch(t, func(addr string) ([]string, []string) {
			return []string{"serve", "--addr", addr, "--data", flagData, "--bootstrap-key", "sk_test_fromFlag_0123456789abcde",
					"--default-currency", "EUR", "--public-url", "http://flag.example.com", "--log-level", "info", "--sweep-interval", "1s"},
				[]string{"CHECKOUTD_ADDR=256.0.0.1:1", "CHECKOUTD_DATA=" + envData, "CHECKOUTD_BOOTSTRAP_KEY=sk_test_fromEnv_0123456789abcdef",
					"CHECKOUTD_DEFAULT_CURRENCY=JPY", "CHECKOUTD_PUBLIC_URL=https://env.example.com", "CHECKOUTD_LOG_LEVEL=error",
					"CHECKOUTD_SWEEP_INTERVAL=1ms"}
		})
		if _, err := os.Stat(filepath.Join(flagData, "checkoutd.db")); err != nil {
			t.Errorf("store not in --data: %v", err)
		}
		if _, err := os.Stat(filepath.Join(envData, "checkoutd.db")); err == nil {
			t.Errorf("store made in CHECKOUTD_DATA although --data was given")
		}
		s, err := newClient("sk_test_fromFlag_0123456789abcde", srv).Sessions.Create(ctx, &client.SessionParams{Amount: 500, SuccessURL: "http://shop.example.com/ok", CancelURL: "http://shop.example.com/cancel"})
		if err != nil {
			t.Fatalf("Create with --bootstrap-key: %v", err)
		}
		if s.Currency != "EUR" || s.URL != "http://flag.example.com/checkout/"+s.ID {
			t.Errorf("session: currency %s url %q; want EUR and the --public-url", s.Currency, s.URL)
		}
		_, err = newClient("sk_test_fromEnv_0123456789abcdef", srv).Sessions.List(ctx, nil)
		apiError(t, "the environment's bootstrap key", err, http.StatusUnauthorized, "")

		env := []string{"CHECKOUTD_DATA=" + envData, "CHECKOUTD_ACCOUNT_NAME=EnvName", "CHECKOUTD_ACCOUNT_DEFAULT_CURRENCY=JPY"}
		stdout, stderr, code := runCLI(t, env, "accounts", "create", "--data", flagData, "--name", "FlagName", "--id", "acct_flag", "--default-currency", "BHD")
		if code != 0 {
			t.Fatalf("accounts create: exit code %d\n%s", code, stderr)
		}
		stdout, _, _ = runCLI(t, env, "accounts", "list", "--data", flagData)
		if !strings.Contains(stdout, "acct_flag\tBHD\tFlagName\n") {
			t.Errorf("accounts list --data (flags over env):\n%s", stdout)
		}
		if _, err := os.Stat(filepath.Join(envData, "checkoutd.db")); err == nil {
			t.Errorf("account commands used CHECKOUTD_DATA although --data was given")
		}

		if code, _ := srv.stop(t); code != 0 {
			t.Errorf("exit code %d", code)
		}
		if _, byRequest := parseLog(t, srv.stderr.String()); len(byRequest) == 0 {
			t.Errorf("--log-level info should log requests despite CHECKOUTD_LOG_LEVEL=error:\n%s", srv.stderr)
		}
	})

	t.Run("bootstrap key on first start only; flags without subcommand serve", func(t *testing.T) {
		ctx := context.Background()
		data := t.TempDir()
		// No subcommand, only flags, no --bootstrap-key: a random key is printed.
		srv := launch(t, func(addr string) ([]string, []string) {
			return []string{"--addr", addr, "--data", data}, nil
		})
		out := srv.stdout.String()
		key := testKeyRE.FindString(out)
		if key == "" || !strings.Contains(out, "acct_default") {
			t.Fatalf("first start without --bootstrap-key should print the default account's key:\n%s", out)
		}
		s, err := newClient(key, srv).Sessions.Create(ctx, &client.SessionParams{Amount: 500, SuccessURL: "http://shop.example.com/ok", CancelURL: "http://shop.example.com/cancel"})
		if err != nil {
			t.Fatalf("Create with the printed key: %v", err)
		}
		if code, _ := srv.stop(t); code != 0 {
			t.Errorf("exit code %d", code)
		}

		srv2 := startServer(t, data, "--bootstrap-key", "sk_test_tooLate_0123456789abcdef")
		if out := srv2.stdout.String(); testKeyRE.MatchString(out) || strings.Contains(out, "created account") {
			t.Errorf("second start over a non-empty store printed a key:\n%s", out)
		}
		if got, err := newClient(key, srv2).Sessions.Get(ctx, s.ID); err != nil || got.ID != s.ID {
			t.Errorf("first key after restart: %v, %v", got, err)
		}
		_, err = newClient("sk_test_tooLate_0123456789abcdef", srv2).Sessions.List(ctx, nil)
		apiError(t, "--bootstrap-key on a non-empty store", err, http.StatusUnauthorized, "")
		stdout, _, _ := runCLI(t, nil, "accounts", "list", "--data", data)
		if strings.Count(stdout, "\n") != 1 {
			t.Errorf("after two starts, accounts:\n%s", stdout)
		}
	})
}
