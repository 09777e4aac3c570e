package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/internal/testenv"
	"github.com/checkoutd/checkoutd/store/postgres"
	"github.com/checkoutd/checkoutd/store/storetest"
)

// TestSurvivesServerRestart: what a Commit wrote is still there after
// PostgreSQL crashes and comes back. The test runs a cluster of its own
// (initdb in a temporary directory, on a free loopback port), stops it with
// `pg_ctl stop -m immediate`, which writes no shutdown checkpoint, so the
// restart has to recover the commits from the WAL, and checks the objects
// of storetest.Durable are there as they were before the crash.
//
// It needs the PostgreSQL server binaries, not CHECKOUTD_TEST_POSTGRES_URL,
// and never touches another server.
func TestSurvivesServerRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	pg := newCluster(t)
	pg.start(ctx)

	s := openRetry(t, ctx, pg.url())
	durable := storetest.WriteDurable(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	pg.stop(ctx, "immediate")
	pg.start(ctx)
	if log := pg.log(); !strings.Contains(log, "automatic recovery in progress") {
		t.Errorf("the restart did not recover from the WAL; server log:\n%s", log)
	} else {
		for line := range strings.Lines(log) {
			if strings.Contains(line, "recovery") || strings.Contains(line, "redo") {
				t.Log(strings.TrimSpace(line))
			}
		}
	}

	s = openRetry(t, ctx, pg.url())
	defer s.Close()
	durable.Check(t, s)
}

// openRetry opens the store, retrying while the server comes up.
func openRetry(t *testing.T, ctx context.Context, url string) *postgres.Store {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s, err := postgres.Open(ctx, url)
		if err == nil {
			return s
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("Open %s: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// cluster is a PostgreSQL cluster of the test's own: its data directory,
// socket and log in a temporary directory, served on a free loopback port.
type cluster struct {
	t    *testing.T
	bin  string   // the directory of initdb, pg_ctl and postgres
	as   []string // runs a command as the cluster's owner: runuser … when root
	dir  string
	port int
	pid  int // the postmaster's, while it runs
}

// newCluster finds the binaries and runs initdb. As root (initdb refuses to
// run as root) the cluster belongs to the postgres user. The server is
// stopped when the test ends.
func newCluster(t *testing.T) *cluster {
	t.Helper()
	c := &cluster{t: t, bin: pgBinDir(t), dir: t.TempDir(), port: freePort(t)}
	if os.Geteuid() == 0 {
		runuser, err := exec.LookPath("runuser")
		if err != nil {
			testenv.Need(t, "runuser", "runuser is not installed (Debian package util-linux); as root the PostgreSQL restart test runs the server as the postgres user with it")
		}
		u, err := user.Lookup("postgres")
		if err != nil {
			testenv.Need(t, "a postgres user", "there is no postgres user (made by the Debian package postgresql); as root the PostgreSQL restart test runs the server as that user")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(c.dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		// t.TempDir's parent is private to root: let the postgres user through.
		if err := os.Chmod(filepath.Dir(c.dir), 0o711); err != nil {
			t.Fatal(err)
		}
		c.as = []string{runuser, "-u", "postgres", "--"}
	}
	c.run(t.Context(), "initdb", "-D", c.data(), "-U", "postgres", "--auth=trust", "--locale=C", "--encoding=UTF8")
	t.Cleanup(c.cleanup)
	return c
}

func (c *cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *cluster) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// run runs one of the PostgreSQL binaries as the cluster's owner.
func (c *cluster) run(ctx context.Context, name string, args ...string) {
	c.t.Helper()
	argv := append(slices.Clone(c.as), filepath.Join(c.bin, name))
	argv = append(argv, args...)
	if err := runCmd(ctx, c.dir, argv); err != nil {
		c.t.Fatalf("%v\nserver log:\n%s", err, c.log())
	}
}

func runCmd(ctx context.Context, dir string, argv []string) error {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir // the postgres user may not enter the test's working directory
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return nil
}

// start starts the server on the cluster's port and waits until it accepts
// connections (after any recovery).
func (c *cluster) start(ctx context.Context) {
	c.t.Helper()
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=on -c synchronous_commit=on", c.port, c.dir)
	c.run(ctx, "pg_ctl", "-D", c.data(), "-l", filepath.Join(c.dir, "server.log"), "-o", opts, "-w", "-t", "60", "start")
	if c.pid = c.pidFromFile(); c.pid == 0 {
		c.t.Fatalf("the server started but left no PID in postmaster.pid")
	}
}

// pidFromFile is the PID in the cluster's postmaster.pid, 0 if there is none.
func (c *cluster) pidFromFile() int {
	b, err := os.ReadFile(filepath.Join(c.data(), "postmaster.pid"))
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(first))
	return pid
}

// stop stops the server with pg_ctl in the given mode: immediate is a crash
// (the server quits without a checkpoint), fast a clean shutdown.
func (c *cluster) stop(ctx context.Context, mode string) {
	c.t.Helper()
	c.run(ctx, "pg_ctl", "-D", c.data(), "-m", mode, "-w", "-t", "60", "stop")
	c.pid = 0
}

// cleanup stops the server if it runs, and kills it by its PID if pg_ctl
// cannot.
func (c *cluster) cleanup() {
	if c.pid == 0 {
		// A start that failed half-way may have left a server running.
		c.pid = c.pidFromFile()
	}
	if c.pid == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	argv := append(slices.Clone(c.as), filepath.Join(c.bin, "pg_ctl"), "-D", c.data(), "-m", "fast", "-w", "-t", "20", "stop")
	if err := runCmd(ctx, c.dir, argv); err != nil {
		c.t.Errorf("stopping the test's server: %v; killing it (pid %d)", err, c.pid)
		if err := syscall.Kill(c.pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			c.t.Errorf("kill %d: %v", c.pid, err)
		}
	}
	c.pid = 0
}

func (c *cluster) log() string {
	b, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
	return string(b)
}

// pgBinDir returns a directory with initdb, pg_ctl and postgres of one
// version: pg_ctl's on PATH, else the newest of /usr/lib/postgresql/*/bin.
func pgBinDir(t *testing.T) string {
	t.Helper()
	var dirs []string
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if p, err := filepath.EvalSymlinks(p); err == nil {
			dirs = append(dirs, filepath.Dir(p))
		}
	}
	installed, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(installed, func(a, b string) int { return pgVersion(b) - pgVersion(a) })
	dirs = append(dirs, installed...)
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "pg_ctl")) && isExecutable(filepath.Join(d, "postgres")) {
			return d
		}
	}
	testenv.Need(t, "initdb, pg_ctl and postgres", "not on PATH nor in /usr/lib/postgresql/*/bin (Debian package postgresql); they run the PostgreSQL restart test")
	return ""
}

// pgVersion is the major version in /usr/lib/postgresql/<version>/bin.
func pgVersion(dir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return v
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
