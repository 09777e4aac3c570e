package main

import (
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
	"time"
)

// moduleRoot is the directory of this module's go.mod, so the command works
// from any directory inside the repository.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the checkoutd module: run from the repository")
	}
	return filepath.Dir(mod), nil
}

// buildServer compiles ./cmd/checkoutd into dir and returns the binary's path.
func buildServer(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "checkoutd")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/checkoutd")
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/checkoutd: %w\n%s", err, out.String())
	}
	return bin, nil
}

// freeAddr returns a loopback address nobody listens on right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr, nil
}

// server is a running checkoutd process.
type server struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port
	log  string // its stdout and stderr
	done chan struct{}
	err  error // of Wait, once done is closed

	stopOnce sync.Once
}

// procs is every process started, so that cleanup stops them on any exit.
var (
	procsMu sync.Mutex
	procs   []*server
)

// startServer runs bin serve over dataDir on a free loopback port, with
// extra flags, and waits until /healthz answers 200.
func startServer(ctx context.Context, bin, dataDir, logDir, key string, extra ...string) (*server, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // the free port may be taken between the probe and the bind
		s, err := startServerOnce(ctx, bin, dataDir, logDir, key, attempt, extra)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if ctx.Err() != nil || !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	return nil, lastErr
}

func startServerOnce(ctx context.Context, bin, dataDir, logDir, key string, attempt int, extra []string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(logDir, fmt.Sprintf("checkoutd-%d-%d.log", time.Now().UnixNano(), attempt))
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	s := &server{base: "http://" + addr, log: logPath, done: make(chan struct{})}
	s.cmd = exec.Command(bin, append([]string{"serve",
		"--addr", addr,
		"--data", dataDir,
		"--public-url", s.base,
		"--bootstrap-key", key,
		// Every flow pays from 127.0.0.1: the per-IP limit on payment
		// attempts (20 a minute by default) would refuse nearly all.
		"--pay-rate-limit", "0",
		"--log-level", "warn"}, extra...)...)
	s.cmd.Stdout, s.cmd.Stderr = lf, lf
	s.cmd.Env = cleanEnv()
	s.cmd.SysProcAttr = sysProcAttr()
	if err := s.cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("starting checkoutd: %w", err)
	}
	s.track(lf)

	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil}}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-s.done:
			return nil, fmt.Errorf("checkoutd exited before it was healthy (%v):\n%s", s.err, tail(logPath, 2000))
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		default:
		}
		resp, err := client.Get(s.base + "/healthz")
		if err == nil {
			drain(resp)
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("checkoutd not healthy after 60s:\n%s", tail(logPath, 2000))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cleanEnv is the environment without CHECKOUTD_* variables, so that only the
// flags given here configure the server.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CHECKOUTD_") {
			env = append(env, kv)
		}
	}
	return env
}

// measured returns sc with s as the server whose CPU time it records.
func (s *server) measured(sc scenario) scenario {
	sc.pid = s.cmd.Process.Pid
	return sc
}

// stop sends SIGTERM, waits up to 15s for a clean exit, then kills. It
// returns an error if the server had to be killed or exited badly.
func (s *server) stop() error {
	var err error
	s.stopOnce.Do(func() {
		select {
		case <-s.done:
		default:
			s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.done:
			case <-time.After(15 * time.Second):
				s.cmd.Process.Kill()
				<-s.done
				err = errors.New("checkoutd did not stop within 15s of SIGTERM; killed")
				return
			}
		}
		if s.err != nil {
			err = fmt.Errorf("checkoutd exited with %v:\n%s", s.err, tail(s.log, 2000))
		}
	})
	return err
}

// track registers the started s for stopAll, and notes its exit; closer,
// if not nil, is closed when it has exited.
func (s *server) track(closer io.Closer) {
	procsMu.Lock()
	procs = append(procs, s)
	procsMu.Unlock()
	go func() {
		s.err = s.cmd.Wait()
		if closer != nil {
			closer.Close()
		}
		close(s.done)
	}()
}

// stopAll stops every process still running; used on every way out.
func stopAll() {
	procsMu.Lock()
	ps := procs
	procs = nil
	procsMu.Unlock()
	for _, s := range ps {
		s.stop()
	}
}

// tail returns the last n bytes of the file at path.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// warnings returns the lines checkoutd logged at warn or above, at most n.
func (s *server) warnings(n int) []string {
	b, err := os.ReadFile(s.log)
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, `"level":"WARN"`) || strings.Contains(line, `"level":"ERROR"`) {
			out = append(out, line)
			if len(out) == n {
				break
			}
		}
	}
	return out
}
