//go:build unix

package main_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/internal/testenv"
	goredis "github.com/redis/go-redis/v9"
)

var commandWord = regexp.MustCompile(`^[a-z]+$`)

// commandsInHelp returns every "<cmd> [<sub>]" that checkoutd --help lists,
// so the tests below cover a command as soon as it is listed.
func commandsInHelp(t *testing.T) [][]string {
	t.Helper()
	stdout, stderr, code := runCLI(t, nil, "--help")
	if code != 0 {
		t.Fatalf("checkoutd --help: exit code %d\n%s", code, stderr)
	}
	var cmds [][]string
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		// "  checkoutd accounts create --name NAME [flags]   make an account…":
		// the command's words end at its arguments or at the wide gap
		// before its description.
		rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "checkoutd ")
		if !ok {
			continue
		}
		rest, _, _ = strings.Cut(rest, "  ")
		var words []string
		for _, w := range strings.Fields(rest) {
			if !commandWord.MatchString(w) {
				break
			}
			words = append(words, w)
		}
		if len(words) > 0 {
			cmds = append(cmds, words)
		}
	}
	if len(cmds) < 6 {
		t.Fatalf("checkoutd --help lists only %q:\n%s", cmds, stdout)
	}
	return cmds
}

// TestHelpEverywhere checks that help is an answer, not an error: every
// command and group listed by checkoutd --help answers --help with exit 0,
// a group's help lists its subcommands on stdout, and a group without a
// subcommand is a usage error (exit 2) that shows the same help on stderr.
func TestHelpEverywhere(t *testing.T) {
	t.Parallel()
	env := []string{"CHECKOUTD_DATA=" + t.TempDir(), "CHECKOUTD_ADDR=127.0.0.1:0"}
	groups := map[string][]string{}
	for _, c := range commandsInHelp(t) {
		for _, h := range []string{"--help", "-h"} {
			stdout, stderr, code := runCLI(t, env, append(c, h)...)
			if code != 0 || !strings.Contains(stdout+stderr, "Usage: checkoutd "+strings.Join(c, " ")) {
				t.Errorf("checkoutd %s %s: exit code %d\n%s%s", strings.Join(c, " "), h, code, stdout, stderr)
			}
		}
		if len(c) == 2 {
			groups[c[0]] = append(groups[c[0]], c[1])
		}
	}
	for _, g := range []string{"accounts", "keys"} {
		if len(groups[g]) == 0 {
			t.Errorf("checkoutd --help lists no %s subcommand", g)
		}
	}
	for g, subs := range groups {
		for _, h := range []string{"--help", "-h", "help"} {
			stdout, stderr, code := runCLI(t, env, g, h)
			if code != 0 {
				t.Errorf("checkoutd %s %s: exit code %d, want 0\n%s", g, h, code, stderr)
			}
			for _, sub := range subs {
				if !strings.Contains(stdout, "checkoutd "+g+" "+sub) {
					t.Errorf("checkoutd %s %s: stdout does not list %q:\n%s", g, h, g+" "+sub, stdout)
				}
			}
		}
		for _, args := range [][]string{{g}, {g, "frobnicate"}} {
			stdout, stderr, code := runCLI(t, env, args...)
			if code != 2 || stdout != "" || !strings.Contains(stderr, "checkoutd "+g+" "+subs[0]) || !strings.Contains(stderr, "checkoutd: ") {
				t.Errorf("checkoutd %q: exit code %d, stdout %q, stderr %q; want exit 2 with the group's help and the reason on stderr", args, code, stdout, stderr)
			}
		}
	}
	for _, args := range [][]string{{"frobnicate"}, {"serve", "--no-such-flag"}, {"accounts", "create", "extra"}} {
		_, stderr, code := runCLI(t, env, args...)
		if code != 2 || !strings.Contains(stderr, "checkoutd: ") {
			t.Errorf("checkoutd %q: exit code %d, stderr %q; want the usage error's exit code 2", args, code, stderr)
		}
	}
}

// goVersionM reads the build information go version -m finds in the binary.
func goVersionM(t *testing.T, bin string) (goVersion, mod string, build map[string]string) {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	out, err := exec.Command(goTool, "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	build = map[string]string{}
	for i, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		switch {
		case i == 0 && len(f) == 2:
			goVersion = f[1]
		case len(f) >= 3 && f[0] == "mod":
			mod = f[2]
		case len(f) >= 2 && f[0] == "build":
			k, v, _ := strings.Cut(f[1], "=")
			build[k] = v
		}
	}
	if goVersion == "" || mod == "" {
		t.Fatalf("go version -m %s: no Go or module version in\n%s", bin, out)
	}
	return goVersion, mod, build
}

// TestVersion checks that checkoutd version and --version print what the
// binary was built from, as go version -m reads it from the same binary,
// and that -ldflags -X main.version names a release.
func TestVersion(t *testing.T) {
	t.Parallel()
	goVersion, mod, build := goVersionM(t, binary)
	var first string
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		stdout, stderr, code := runCLI(t, nil, args...)
		if code != 0 || stderr != "" {
			t.Fatalf("checkoutd %s: exit code %d, stderr %q", args[0], code, stderr)
		}
		if first == "" {
			first = stdout
		} else if stdout != first {
			t.Errorf("checkoutd %s printed %q, checkoutd version %q", args[0], stdout, first)
		}
	}
	line := strings.TrimSpace(first)
	if !strings.HasPrefix(line, "checkoutd "+mod+" ") || !strings.Contains(line, goVersion) {
		t.Errorf("checkoutd version = %q; want it to start with %q and name %s", line, "checkoutd "+mod+" ", goVersion)
	}
	if rev := build["vcs.revision"]; rev != "" {
		if !strings.Contains(line, rev) {
			t.Errorf("checkoutd version = %q; want the revision %s", line, rev)
		}
		if modified := build["vcs.modified"] == "true"; modified != strings.Contains(line, "modified") {
			t.Errorf("checkoutd version = %q; vcs.modified is %v", line, modified)
		}
	} else if !strings.Contains(line, "revision unknown") {
		t.Errorf("checkoutd version = %q; the binary has no VCS revision, so it should say so", line)
	}

	// A release build names its version.
	release := filepath.Join(t.TempDir(), "checkoutd")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, goTool, "build", "-o", release, "-ldflags", "-X main.version=v9.8.7-test", ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -ldflags -X main.version: %v\n%s", err, out)
	}
	out, err := exec.Command(release, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "checkoutd v9.8.7-test ") || !strings.Contains(string(out), goVersion) {
		t.Errorf("checkoutd version of a release build = %q, %v; want checkoutd v9.8.7-test …", out, err)
	}
}

// TestEnvNames checks that the per-command flags read variables named for
// their command, not generic ones such as CHECKOUTD_NAME that a shell may
// hold for something else, and that the shared ones keep their names.
func TestEnvNames(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	if _, stderr, code := runCLI(t, nil, "migrate", "--data", data); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}

	_, stderr, code := runCLI(t, []string{"CHECKOUTD_DATA=" + data, "CHECKOUTD_NAME=Generic", "CHECKOUTD_ID=acct_generic"}, "accounts", "create")
	if code == 0 || !strings.Contains(stderr, "--name is required") || !strings.Contains(stderr, "CHECKOUTD_ACCOUNT_NAME") {
		t.Errorf("accounts create with only CHECKOUTD_NAME: exit code %d, stderr %q; want --name required, naming CHECKOUTD_ACCOUNT_NAME", code, stderr)
	}
	stdout, stderr, code := runCLI(t, []string{"CHECKOUTD_DATA=" + data, "CHECKOUTD_ACCOUNT_NAME=Specific",
		"CHECKOUTD_ACCOUNT_ID=acct_specific", "CHECKOUTD_ID=acct_generic", "CHECKOUTD_DEFAULT_CURRENCY=JPY",
		"CHECKOUTD_ACCOUNT_DEFAULT_CURRENCY=EUR"}, "accounts", "create")
	if code != 0 || field(stdout, "account_id") != "acct_specific" {
		t.Fatalf("accounts create with CHECKOUTD_ACCOUNT_NAME and _ID: exit code %d\n%s%s", code, stdout, stderr)
	}
	stdout, _, _ = runCLI(t, []string{"CHECKOUTD_DATA=" + data}, "accounts", "list")
	if !strings.Contains(stdout, "acct_specific\tEUR\tSpecific\n") {
		t.Errorf("accounts list:\n%s\nwant acct_specific EUR Specific (CHECKOUTD_DEFAULT_CURRENCY is serve's)", stdout)
	}
	_, stderr, code = runCLI(t, []string{"CHECKOUTD_DATA=" + data, "CHECKOUTD_ACCOUNT=acct_specific"}, "keys", "create")
	if code == 0 || !strings.Contains(stderr, "--account is required") {
		t.Errorf("keys create with only CHECKOUTD_ACCOUNT: exit code %d, stderr %q", code, stderr)
	}
	stdout, stderr, code = runCLI(t, []string{"CHECKOUTD_DATA=" + data, "CHECKOUTD_KEY_ACCOUNT=acct_specific"}, "keys", "create")
	if code != 0 || !strings.HasPrefix(field(stdout, "secret_key"), "sk_test_") {
		t.Errorf("keys create with CHECKOUTD_KEY_ACCOUNT: exit code %d\n%s%s", code, stdout, stderr)
	}
	_, stderr, code = runCLI(t, []string{"CHECKOUTD_URL=http://127.0.0.1:1", "CHECKOUTD_API_KEY=sk_test_x", "CHECKOUTD_FORWARD_TO=http://127.0.0.1:2/"}, "listen")
	if code == 0 || !strings.Contains(stderr, "CHECKOUTD_LISTEN_API_KEY") {
		t.Errorf("listen with generic variables: exit code %d, stderr %q; want --api-key required, naming CHECKOUTD_LISTEN_API_KEY", code, stderr)
	}

	// Every variable of every command, as --help shows it: the shared
	// ones (store and serve) keep their names; the others carry their
	// command's name; the README lists each.
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	shared := map[string]bool{"data": true, "store": true, "redis-url": true, "redis-retention": true, "redis-prefix": true, "redis-ca-file": true, "postgres-url": true}
	prefix := map[string]string{"accounts": "CHECKOUTD_ACCOUNT_", "keys": "CHECKOUTD_KEY_", "listen": "CHECKOUTD_LISTEN_"}
	flagEnv := regexp.MustCompile(`(?m)^  --([a-z0-9-]+)\n.*\n(?:.*\n)*?        env (CHECKOUTD_[A-Z0-9_]+)$`)
	for _, c := range commandsInHelp(t) {
		_, help, _ := runCLI(t, nil, append(c, "--help")...)
		pairs := flagEnv.FindAllStringSubmatch(help, -1)
		if n := strings.Count(help, "\n  --"); len(pairs) != n {
			t.Errorf("checkoutd %s --help shows %d variables for %d flags:\n%s", strings.Join(c, " "), len(pairs), n, help)
		}
		for _, p := range pairs {
			flag, env := p[1], p[2]
			want := "CHECKOUTD_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
			if pre, ok := prefix[c[0]]; ok && !shared[flag] {
				want = pre + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
			}
			if env != want {
				t.Errorf("checkoutd %s --%s reads %s, want %s", strings.Join(c, " "), flag, env, want)
			}
			if !strings.Contains(string(readme), "`"+env+"`") {
				t.Errorf("README.md does not list `%s` (checkoutd %s --%s)", env, strings.Join(c, " "), flag)
			}
		}
	}
}

// TestServeRefusesVolatileRedis checks that serve does not run money
// through a Redis that would lose it: without the append-only file, or
// with an evicting maxmemory-policy, or when it cannot tell, it refuses to
// start, saying which setting and the flag that overrides it; with
// --redis-allow-volatile it starts; a Redis configured as the README says
// is accepted without the flag.
func TestServeRefusesVolatileRedis(t *testing.T) {
	t.Parallel()
	serveOn := func(url string, extra ...string) []string {
		prefix := fmt.Sprintf("ckd_volatile_%d:", time.Now().UnixNano())
		t.Cleanup(func() { deleteRedisPrefix(t, url, prefix) })
		return append([]string{"serve", "--addr", freeAddr(t), "--data", t.TempDir(), "--store", "redis", "--redis-url", url, "--redis-prefix", prefix}, extra...)
	}
	refused := func(name, url string, says ...string) {
		t.Helper()
		stdout, stderr, code := runCLI(t, nil, serveOn(url)...)
		if code == 0 || testKeyRE.MatchString(stdout) || strings.Contains(stdout, "listening") {
			t.Errorf("%s: serve exit code %d, stdout %q; want a refusal before serving", name, code, stdout)
		}
		for _, s := range append(says, "--redis-allow-volatile") {
			if !strings.Contains(stderr, s) {
				t.Errorf("%s: stderr %q does not mention %q", name, stderr, s)
			}
		}
	}
	// accepted starts serve; a server let onto a Redis that can lose data
	// (volatile) says so in its log, and only such a server does.
	accepted := func(name, url string, volatile bool, extra ...string) {
		t.Helper()
		p := launch(t, func(addr string) ([]string, []string) {
			args := serveOn(url, extra...)
			args[2] = addr
			return args, nil
		})
		if code, _ := p.stop(t); code != 0 {
			t.Errorf("%s: serve exit code %d\n%s", name, code, p.stderr)
		}
		if warned := strings.Contains(p.stderr.String(), "never run money this way"); warned != volatile {
			t.Errorf("%s: warned of a volatile Redis: %v, want %v\n%s", name, warned, volatile, p.stderr)
		}
	}

	// The shared test Redis keeps nothing (no AOF), like CI's.
	if url := os.Getenv("CHECKOUTD_TEST_REDIS_URL"); url != "" {
		rdb := goredis.NewClient(mustParseRedisURL(t, url))
		info, err := rdb.Info(context.Background(), "persistence").Result()
		rdb.Close()
		if err == nil && strings.Contains(info, "aof_enabled:0") {
			refused("CHECKOUTD_TEST_REDIS_URL without AOF", url, "appendonly")
			accepted("CHECKOUTD_TEST_REDIS_URL with --redis-allow-volatile", url, true, "--redis-allow-volatile")
		} else {
			t.Logf("CHECKOUTD_TEST_REDIS_URL has AOF on (%v); its refusal is not tested", err)
		}
	} else if os.Getenv("CI") == "true" {
		t.Fatal("CHECKOUTD_TEST_REDIS_URL is not set; CI requires redis")
	}

	bin := testenv.Program(t, "redis-server", "redis-server", "the test of serve on Redis configurations")
	accepted("appendonly yes, noeviction", startRedis(t, bin, "--appendonly", "yes", "--maxmemory-policy", "noeviction", "--save", ""), false)
	refused("appendonly no", startRedis(t, bin, "--appendonly", "no", "--save", "60 1"), "appendonly no", "appendonly yes")
	refused("allkeys-lru", startRedis(t, bin, "--appendonly", "yes", "--maxmemory-policy", "allkeys-lru", "--save", ""), "maxmemory-policy", "allkeys-lru", "noeviction")
	refused("volatile-ttl", startRedis(t, bin, "--appendonly", "yes", "--maxmemory-policy", "volatile-ttl", "--save", ""), "volatile-ttl", "noeviction")
	// A managed Redis may hide INFO (and CONFIG): then nobody can tell.
	hidden := startRedis(t, bin, "--appendonly", "yes", "--maxmemory-policy", "noeviction", "--save", "", "--rename-command", "INFO", "", "--rename-command", "CONFIG", "")
	refused("INFO and CONFIG disabled", hidden, "cannot read")
	accepted("INFO and CONFIG disabled, --redis-allow-volatile", hidden, true, "--redis-allow-volatile")
}

func mustParseRedisURL(t *testing.T, url string) *goredis.Options {
	t.Helper()
	o, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return o
}

// deleteRedisPrefix removes the keys a test wrote under prefix.
func deleteRedisPrefix(t *testing.T, url, prefix string) {
	ctx := context.Background()
	rdb := goredis.NewClient(mustParseRedisURL(t, url))
	defer rdb.Close()
	iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		rdb.Unlink(ctx, iter.Val())
	}
}

// startRedis runs a redis-server of the test's own on a free loopback port,
// in a temporary directory, with the given settings, until the test ends.
// A lost race for the port is retried.
func startRedis(t *testing.T, bin string, settings ...string) string {
	t.Helper()
	for attempt := 1; ; attempt++ {
		url, log, ok := tryRedis(t, bin, settings)
		if ok {
			return url
		}
		if attempt >= 5 || !strings.Contains(log, "Address already in use") {
			t.Fatalf("redis-server %q did not start:\n%s", settings, log)
		}
	}
}

func tryRedis(t *testing.T, bin string, settings []string) (url, log string, ok bool) {
	t.Helper()
	addr := freeAddr(t)
	_, port, _ := strings.Cut(addr, ":")
	dir := t.TempDir()
	logPath := filepath.Join(dir, "redis.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"--port", port, "--bind", "127.0.0.1", "--dir", dir, "--daemonize", "no"}, settings...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	dieWithTest(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting redis-server: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); logFile.Close(); close(done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-done })
	rdb := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	defer rdb.Close()
	for deadline := time.Now().Add(15 * time.Second); rdb.Ping(context.Background()).Err() != nil; time.Sleep(50 * time.Millisecond) {
		select {
		case <-done:
			b, _ := os.ReadFile(logPath)
			return "", string(b), false
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server %q does not answer PING", settings)
		}
	}
	return "redis://" + addr + "/0", "", true
}
