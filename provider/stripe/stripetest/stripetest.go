// Package stripetest runs the real stripe-mock (github.com/stripe/stripe-mock)
// for tests: it answers Stripe's API on loopback and refuses any request
// whose shape Stripe's OpenAPI document does not allow, so a test that
// passes against it sends what Stripe takes. A recording proxy in front of
// it lets a test see the headers and form fields that were sent.
package stripetest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/internal/testenv"
)

// Version is the stripe-mock .ci/run installs.
const Version = "v0.203.0"

// Mock is a running stripe-mock.
type Mock struct {
	// URL is its HTTP base, http://127.0.0.1:port.
	URL string
	cmd *exec.Cmd
}

// hint says how to install stripe-mock, for a skipped test.
const hint = "go install github.com/stripe/stripe-mock@" + Version + " (looked for on PATH and in $(go env GOPATH)/bin)"

// ErrMissing says stripe-mock is not installed.
var ErrMissing = errors.New("stripe-mock is not installed (go install github.com/stripe/stripe-mock@" + Version + ")")

// binary finds stripe-mock on PATH or in $(go env GOPATH)/bin.
func binary() (string, error) {
	if p, err := exec.LookPath("stripe-mock"); err == nil {
		return p, nil
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gopath = strings.TrimSpace(string(out))
		}
	}
	if gopath != "" {
		p := filepath.Join(filepath.SplitList(gopath)[0], "bin", "stripe-mock")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", ErrMissing
}

var listenRE = regexp.MustCompile(`Listening for HTTP at address: (127\.0\.0\.1:\d+)`)

// Launch starts stripe-mock on free loopback ports (HTTP and HTTPS both on
// 127.0.0.1: it listens on every interface otherwise). ErrMissing when it
// is not installed.
func Launch() (*Mock, error) {
	bin, err := binary()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:", "-https-addr", "127.0.0.1:")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			cmd.Process.Kill()
			cmd.Wait()
			return nil, errors.New("stripe-mock exited before listening")
		}
		return &Mock{URL: "http://" + a, cmd: cmd}, nil
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		return nil, errors.New("stripe-mock did not say where it listens within a minute")
	}
}

// Close stops stripe-mock (its own process, by PID).
func (m *Mock) Close() {
	m.cmd.Process.Kill()
	m.cmd.Wait()
}

// Main is TestMain's body for a package whose tests use stripe-mock: it
// launches it into *mock, runs the tests and stops it. Without stripe-mock
// the tests run with *mock nil (they skip through Need), except under
// CI=true, where a missing stripe-mock fails the package.
func Main(m *testing.M, mock **Mock) {
	mk, err := Launch()
	switch {
	case err == nil:
		*mock = mk
	case errors.Is(err, ErrMissing) && os.Getenv("CI") != "true":
	default:
		fmt.Fprintln(os.Stderr, "stripetest:", err)
		os.Exit(1)
	}
	code := m.Run()
	if mk != nil {
		mk.Close()
	}
	os.Exit(code)
}

// Need skips the test when stripe-mock is not running (not installed,
// outside CI), saying it needs stripe-mock (internal/testrun counts it).
func Need(tb testing.TB, m *Mock) *Mock {
	tb.Helper()
	if m == nil {
		testenv.Need(tb, "stripe-mock", hint)
	}
	return m
}

// Request is one request the proxy passed on.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Form   url.Values // the body's form fields (POST) or the query (GET)
}

// Recorder is a proxy in front of stripe-mock that keeps every request.
type Recorder struct {
	URL      string
	mu       sync.Mutex
	req      []Request
	rewrites map[string]func(map[string]any)
	answers  map[string]answer
}

// answer is what the proxy says itself for a path; status 0 stalls.
type answer struct {
	status int
	body   string
}

// Answer makes the proxy answer requests for path itself from now on, with
// status and body (an error in the shape Stripe's API reference documents:
// {"error": {"type", "code", "message", …}}), as Stripe does for what
// stripe-mock never answers: a decline, a refused key, an outage. The
// request is still recorded.
func (r *Recorder) Answer(path string, status int, body string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.answers == nil {
		r.answers = map[string]answer{}
	}
	r.answers[path] = answer{status, body}
}

// Forget ends what Answer (or Stall) set for path: its requests reach
// stripe-mock again, as Stripe back after an outage.
func (r *Recorder) Forget(path string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.answers, path)
}

// Stall makes the proxy never answer requests for path (it waits until the
// client gives up), as Stripe unreachable mid-request.
func (r *Recorder) Stall(path string) { r.Answer(path, 0, "") }

// Rewrite changes stripe-mock's JSON answers to requests for path with f
// from now on. stripe-mock keeps no state (every intent is the same
// fixture, its metadata empty), so this is how a test gives the fixture
// the state a real Stripe would have (the metadata checkoutd sent).
func (r *Recorder) Rewrite(path string, f func(obj map[string]any)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rewrites == nil {
		r.rewrites = map[string]func(map[string]any){}
	}
	r.rewrites[path] = f
}

func (r *Recorder) rewrite(res *http.Response) error {
	r.mu.Lock()
	f := r.rewrites[res.Request.URL.Path]
	r.mu.Unlock()
	if f == nil {
		return nil
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return err
	}
	var obj map[string]any
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	f(obj)
	if b, err = json.Marshal(obj); err != nil {
		return err
	}
	res.Body = io.NopCloser(bytes.NewReader(b))
	res.ContentLength = int64(len(b))
	res.Header.Set("Content-Length", strconv.Itoa(len(b)))
	return nil
}

// Requests returns what was sent so far.
func (r *Recorder) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.req...)
}

// Proxy starts a recording proxy to m on loopback, stopped when tb ends.
func (m *Mock) Proxy(tb testing.TB) *Recorder {
	target, _ := url.Parse(m.URL)
	rp := httputil.NewSingleHostReverseProxy(target)
	rec := &Recorder{}
	rp.ModifyResponse = rec.rewrite
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		if r.Method == http.MethodGet {
			form = r.URL.Query()
		}
		rec.mu.Lock()
		rec.req = append(rec.req, Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Form: form})
		a, ok := rec.answers[r.URL.Path]
		rec.mu.Unlock()
		if ok && a.status == 0 {
			<-r.Context().Done()
			return
		}
		if ok {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Request-Id", "req_forced")
			// Stripe's advice to its libraries; false keeps stripe-go
			// from retrying (and sleeping) in tests.
			w.Header().Set("Stripe-Should-Retry", "false")
			w.WriteHeader(a.status)
			io.WriteString(w, a.body)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		rp.ServeHTTP(w, r)
	}))
	tb.Cleanup(srv.Close)
	rec.URL = srv.URL
	return rec
}

// Start launches a stripe-mock for one test and stops it when the test
// ends; it skips the test without stripe-mock (testenv.Need), or fails it
// under CI=true.
// (A package with many such tests launches one in TestMain: see Main.)
func Start(tb testing.TB) *Mock {
	tb.Helper()
	m, err := Launch()
	switch {
	case errors.Is(err, ErrMissing):
		testenv.Need(tb, "stripe-mock", hint)
	case err != nil:
		tb.Fatal(err)
	}
	tb.Cleanup(m.Close)
	return m
}
