//go:build unix

package main_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the checkoutd executable built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "checkoutd-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "making a temporary directory:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "checkoutd")
	// go test puts the toolchain that runs it first on PATH.
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	build := exec.Command(goTool, "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building checkoutd:", err)
		return 1
	}
	return m.Run()
}

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// proc is one running checkoutd process.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr *lockedBuffer
	done           chan struct{} // closed when the process has exited
	addr           string        // host:port it was told to listen on
	base           string        // http://addr
}

// baseEnv is the test's environment without any CHECKOUTD_ variable, so the
// developer's shell cannot change what a test runs.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CHECKOUTD_") {
			env = append(env, kv)
		}
	}
	return env
}

// startProc starts checkoutd and makes sure the test stops it.
func startProc(t *testing.T, args, env []string) *proc {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(baseEnv(), env...)
	cmd.Dir = t.TempDir() // a forgotten --data must not litter the source tree
	dieWithTest(cmd)
	p := &proc{cmd: cmd, stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting checkoutd: %v", err)
	}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop sends SIGTERM, waits for the exit (killing the process after 10 s) and
// returns its exit code and how long it took. It may be called again.
func (p *proc) stop(t *testing.T) (code int, took time.Duration) {
	start := time.Now()
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			t.Errorf("checkoutd (pid %d) did not exit within 10s of SIGTERM; killing it", p.cmd.Process.Pid)
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
	return p.cmd.ProcessState.ExitCode(), time.Since(start)
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitReady waits until /healthz answers 200 and the banner is printed; false
// when the process exits or 15 s pass first.
func (p *proc) waitReady() bool {
	hc := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if p.exited() {
			return false
		}
		resp, err := hc.Get(p.base + "/healthz")
		if err != nil {
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && strings.Contains(p.stdout.String(), "checkoutd listening on") {
			return true
		}
	}
	return false
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// launch starts a server on a free port: mk gives the arguments and extra
// environment for that address. A lost race for the port is retried.
func launch(t *testing.T, mk func(addr string) (args, env []string)) *proc {
	t.Helper()
	for attempt := 1; ; attempt++ {
		addr := freeAddr(t)
		args, env := mk(addr)
		p := startProc(t, args, env)
		p.addr, p.base = addr, "http://"+addr
		if p.waitReady() {
			return p
		}
		p.stop(t)
		if attempt < 5 && strings.Contains(p.stderr.String(), "address already in use") {
			continue
		}
		t.Fatalf("checkoutd %q did not become ready (exit code %d)\nstdout:\n%s\nstderr:\n%s",
			args, p.cmd.ProcessState.ExitCode(), p.stdout, p.stderr)
	}
}

// startServer runs "checkoutd serve" over data on a free port.
func startServer(t *testing.T, data string, extra ...string) *proc {
	t.Helper()
	return launch(t, func(addr string) ([]string, []string) {
		return append([]string{"serve", "--addr", addr, "--data", data}, extra...), nil
	})
}

// runCLI runs a command that is expected to finish on its own.
func runCLI(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(baseEnv(), env...)
	cmd.Dir = t.TempDir()
	dieWithTest(cmd)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("checkoutd %q did not finish within 15s\nstdout:\n%s\nstderr:\n%s", args, o.String(), e.String())
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("running checkoutd %q: %v", args, err)
	}
	return o.String(), e.String(), cmd.ProcessState.ExitCode()
}

// field returns the value of the first "name: value" line of out.
func field(out, name string) string {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+": "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
