package redis_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/internal/testenv"
	"github.com/checkoutd/checkoutd/store/redis"
	"github.com/checkoutd/checkoutd/store/storetest"
	goredis "github.com/redis/go-redis/v9"
)

// TestSurvivesRedisRestartWithAOF tests what the README says Redis needs to
// keep a store across a restart. Each subtest runs a redis-server of its own
// (a free loopback port, a temporary directory), writes through the store,
// kills the server with SIGKILL, so it saves nothing on the way out, starts
// it again on the same directory and reads everything back.
//
// With appendonly yes, under either appendfsync the README names, every
// object, list page, idempotency record and undispatched event survives.
// A SIGKILL loses only what Redis had not yet written to the kernel: under
// always, nothing acknowledged; under everysec, Redis may answer writes and
// hold them back for up to 2 s while an earlier fsync is slow (a busy
// disk), so the test lets 2.5 s pass before the kill, and the README says
// everysec can lose the last seconds. (What a power loss takes, a test
// cannot show.) Without AOF the sessions are gone: the failure the README
// warns of.
//
// It needs redis-server, not CHECKOUTD_TEST_REDIS_URL, and never touches
// another server.
func TestSurvivesRedisRestartWithAOF(t *testing.T) {
	bin := redisServerBin(t)
	for _, fsync := range []string{"always", "everysec"} {
		t.Run("appendfsync_"+fsync, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			srv := newRedisServer(t, bin, "--appendonly", "yes", "--appendfsync", fsync, "--save", "")
			srv.start(ctx)

			s := openRedis(t, ctx, srv.url())
			durable := storetest.WriteDurable(t, s)
			s.Close()

			if fsync == "everysec" {
				time.Sleep(2500 * time.Millisecond) // see above: the longest Redis holds a write back
			}
			srv.kill()
			srv.start(ctx)
			for line := range strings.Lines(srv.log()) {
				if strings.Contains(line, "DB loaded from") {
					t.Log(strings.TrimSpace(line))
				}
			}

			s = openRedis(t, ctx, srv.url())
			defer s.Close()
			durable.Check(t, s)
		})
	}

	// The opposite: no AOF and no snapshots, and a restart loses everything.
	t.Run("without_AOF_the_data_is_lost", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		srv := newRedisServer(t, bin, "--appendonly", "no", "--save", "")
		srv.start(ctx)

		s := openRedis(t, ctx, srv.url())
		durable := storetest.WriteDurable(t, s)
		s.Close()

		srv.kill()
		srv.start(ctx)

		s = openRedis(t, ctx, srv.url())
		defer s.Close()
		durable.CheckLost(t, s)
	})
}

// openRedis opens the store on the test's server, with the default prefix.
func openRedis(t *testing.T, ctx context.Context, url string) *redis.Store {
	t.Helper()
	s, err := redis.Open(ctx, url, redis.Options{})
	if err != nil {
		t.Fatalf("Open %s: %v", url, err)
	}
	return s
}

// redisServer is a redis-server of the test's own, on a free loopback port
// with its files in a temporary directory. It is killed when the test ends.
type redisServer struct {
	t    *testing.T
	bin  string
	dir  string
	port int
	args []string // the persistence settings
	// tls, when set, is how a client trusts the server, which then speaks
	// only TLS on port (args carry its certificate: see tls_test.go).
	tls    *tls.Config
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has been waited for
}

func newRedisServer(t *testing.T, bin string, args ...string) *redisServer {
	r := &redisServer{t: t, bin: bin, dir: t.TempDir(), port: freePort(t), args: args}
	t.Cleanup(func() {
		if r.cmd != nil {
			r.kill()
		}
	})
	return r
}

func (r *redisServer) url() string {
	if r.tls != nil {
		return fmt.Sprintf("rediss://127.0.0.1:%d/0", r.port)
	}
	return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port)
}

func (r *redisServer) addr() string { return fmt.Sprintf("127.0.0.1:%d", r.port) }

// start starts the server and waits until it answers PING, which it does
// only once it has loaded its files.
func (r *redisServer) start(ctx context.Context) {
	r.t.Helper()
	logFile, err := os.OpenFile(filepath.Join(r.dir, "redis.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		r.t.Fatal(err)
	}
	defer logFile.Close()
	ports := []string{"--port", strconv.Itoa(r.port)}
	if r.tls != nil {
		ports = []string{"--port", "0", "--tls-port", strconv.Itoa(r.port)}
	}
	args := append(append(ports, "--bind", "127.0.0.1", "--dir", r.dir, "--daemonize", "no"), r.args...)
	cmd := exec.Command(r.bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	r.cmd, r.exited = cmd, make(chan struct{})
	exited := r.exited
	go func() {
		cmd.Wait()
		close(exited)
	}()

	c := goredis.NewClient(&goredis.Options{Addr: r.addr(), TLSConfig: r.tls, MaxRetries: -1, DialTimeout: time.Second})
	defer c.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := c.Ping(ctx).Err()
		if err == nil {
			return
		}
		select {
		case <-exited:
			r.cmd = nil
			r.t.Fatalf("redis-server %s exited: %v\nlog:\n%s", strings.Join(args, " "), cmd.ProcessState, r.log())
		default:
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			r.t.Fatalf("redis-server does not answer PING: %v\nlog:\n%s", err, r.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill kills the server with SIGKILL, by its PID, and waits for it to exit.
func (r *redisServer) kill() {
	r.t.Helper()
	if err := r.cmd.Process.Kill(); err != nil {
		r.t.Errorf("kill redis-server (pid %d): %v", r.cmd.Process.Pid, err)
	}
	select {
	case <-r.exited:
	case <-time.After(10 * time.Second):
		r.t.Errorf("redis-server (pid %d) did not exit after SIGKILL", r.cmd.Process.Pid)
	}
	r.cmd = nil
}

func (r *redisServer) log() string {
	b, _ := os.ReadFile(filepath.Join(r.dir, "redis.log"))
	return string(b)
}

// redisServerBin finds redis-server; without it the test is skipped, or on
// CI fails.
func redisServerBin(t *testing.T) string {
	t.Helper()
	return testenv.Program(t, "redis-server", "redis-server", "the Redis restart test")
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
