package browser_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/checkoutd/checkoutd/internal/testenv"
)

// chromiumPath is the Chromium the tests drive: chromium on PATH (Debian's
// package chromium installs it).
var chromiumPath string

// apiKey is the test key checkoutd gets with --bootstrap-key.
const apiKey = "sk_test_browser_tests_0123456789"

var (
	// skipReason is set when the tests cannot run here (no Chromium).
	skipReason string
	// setupErr is set when the tests should run but their setup failed.
	setupErr error

	server     string          // checkoutd's base URL
	merchant   string          // the merchant stand-in's base URL
	browserCtx context.Context // the one browser of the package
	artifacts  string          // test-artifacts/ at the repository root
	binPath    string          // the checkoutd binary the tests built
	dataPath   string          // its --data directory
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		skipReason = "chromium is not on PATH (apt-get install -y chromium); it runs the browser tests"
		return m.Run()
	}
	chromiumPath = chromium
	tmp, err := os.MkdirTemp("", "checkoutd-browser-")
	if err != nil {
		setupErr = err
		return m.Run()
	}
	defer os.RemoveAll(tmp)

	if artifacts, err = artifactsDir(); err != nil {
		setupErr = err
		return m.Run()
	}

	// The merchant's success and cancel pages.
	shop := httptest.NewServer(http.HandlerFunc(merchantPage))
	defer shop.Close()
	merchant = shop.URL

	// The real binary, as an operator runs it.
	bin := filepath.Join(tmp, "checkoutd")
	if err := buildBinary(bin); err != nil {
		setupErr = err
		return m.Run()
	}
	binPath, dataPath = bin, filepath.Join(tmp, "data")
	p, err := startServer(bin, dataPath)
	if err != nil {
		setupErr = err
		return m.Run()
	}
	defer func() {
		if err := p.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping checkoutd:", err)
		}
	}()
	server = p.base

	// One browser for every test; each test opens its own tabs.
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(chromiumPath),
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.NoFirstRun,
			chromedp.Flag("lang", "en-US"),
			chromedp.UserDataDir(filepath.Join(tmp, "profile")),
			chromedp.WindowSize(1024, 768),
		)...)
	defer cancelAlloc()
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	// The first action starts the browser, which lives as long as ctx: a
	// derived context with a timeout would stop it when the timeout ends.
	if err := chromedp.Do(ctx); err != nil {
		setupErr = fmt.Errorf("starting %s: %w", chromiumPath, err)
		return m.Run()
	}
	browserCtx = ctx
	return m.Run()
}

// needBrowser skips the test when Chromium is missing, except on CI
// (CI=true), where a missing browser must fail the build.
func needBrowser(t *testing.T) {
	t.Helper()
	if skipReason != "" {
		testenv.Need(t, "chromium", skipReason)
	}
	if setupErr != nil {
		t.Fatal(setupErr)
	}
}

// artifactsDir makes test-artifacts/ at the repository root.
func artifactsDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test's directory")
		}
		dir = parent
	}
	out := filepath.Join(dir, "test-artifacts")
	return out, os.MkdirAll(out, 0o755)
}

// merchantPage stands in for the merchant's success and cancel pages, and
// its product images (/img/NAME.png).
func merchantPage(w http.ResponseWriter, r *http.Request) {
	if name, ok := strings.CutPrefix(r.URL.Path, "/img/"); ok && strings.HasSuffix(name, ".png") {
		w.Header().Set("Content-Type", "image/png")
		w.Write(productImage(name))
		return
	}
	switch r.URL.Path {
	case "/success", "/cancel":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><title>Shop</title><h1 id="merchant">%s</h1><p>Session <span id="merchant-session">%s</span></p></html>`,
			strings.TrimPrefix(r.URL.Path, "/"), html.EscapeString(r.URL.Query().Get("session_id")))
	default:
		http.NotFound(w, r)
	}
}

func buildBinary(out string) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	build := exec.Command(goTool, "build", "-o", out, "../cmd/checkoutd")
	var stderr bytes.Buffer
	build.Stdout, build.Stderr = &stderr, &stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building checkoutd: %v\n%s", err, stderr.String())
	}
	return nil
}

// lockedBuffer collects a process's output while it runs.
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

type proc struct {
	cmd    *exec.Cmd
	output *lockedBuffer
	done   chan struct{}
	base   string
}

// startServer runs checkoutd serve on a free loopback port, retrying should
// another process take the port first.
func startServer(bin, data string) (*proc, error) {
	return startServerWith(bin, data, nil)
}

// startServerWith is startServer with env added to the server's
// environment and extra flags after the usual ones.
func startServerWith(bin, data string, env []string, extra ...string) (*proc, error) {
	for attempt := 1; ; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		addr := l.Addr().String()
		l.Close()
		cmd := exec.Command(bin, "serve", "--addr", addr, "--data", data, "--bootstrap-key", apiKey,
			"--pay-rate-limit", "0", "--log-level", "warn",
			// Line items' images come from the merchant stand-in, on
			// loopback, which the SSRF guard refuses unless told.
			"--webhook-allow-private")
		cmd.Args = append(cmd.Args, extra...)
		cmd.Dir = filepath.Dir(data)
		cmd.Env = append(withoutCheckoutdVars(), env...)
		dieWithTest(cmd)
		p := &proc{cmd: cmd, output: &lockedBuffer{}, done: make(chan struct{}), base: "http://" + addr}
		cmd.Stdout, cmd.Stderr = p.output, p.output
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		go func() { _ = cmd.Wait(); close(p.done) }()
		if p.waitReady() {
			return p, nil
		}
		p.stop()
		if attempt < 5 && strings.Contains(p.output.String(), "address already in use") {
			continue
		}
		return nil, fmt.Errorf("checkoutd did not become ready:\n%s", p.output)
	}
}

// withoutCheckoutdVars is the environment without CHECKOUTD_ variables, so
// the developer's shell cannot change what the tests run.
func withoutCheckoutdVars() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CHECKOUTD_") {
			env = append(env, kv)
		}
	}
	return env
}

func (p *proc) waitReady() bool {
	hc := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case <-p.done:
			return false
		default:
		}
		res, err := hc.Get(p.base + "/healthz")
		if err != nil {
			continue
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			return true
		}
	}
	return false
}

// stop asks checkoutd to shut down and kills it if it does not within 10 s.
func (p *proc) stop() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		_ = p.cmd.Process.Kill()
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("checkoutd (pid %d) ignored SIGTERM for 10s", p.cmd.Process.Pid)
	}
}

// api calls checkoutd's API with the test key and decodes the JSON reply.
func api(t *testing.T, method, path string, body map[string]any) map[string]any {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, server+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+apiKey)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	return out
}

// createSession creates a session paying back to the merchant stand-in, with
// fields added to a 50.00 GHS default, and returns its id and page URL.
func createSession(t *testing.T, fields map[string]any) (id, pageURL string) {
	t.Helper()
	body := map[string]any{
		"amount": 5000, "currency": "GHS",
		"success_url": merchant + "/success?session_id={CHECKOUT_SESSION_ID}",
		"cancel_url":  merchant + "/cancel",
	}
	for k, v := range fields {
		if v == nil {
			delete(body, k)
		} else {
			body[k] = v
		}
	}
	s := api(t, "POST", "/v1/checkout/sessions", body)
	id, _ = s["id"].(string)
	pageURL, _ = s["url"].(string)
	if id == "" || !strings.HasPrefix(pageURL, server+"/") {
		t.Fatalf("created %v", s)
	}
	return id, pageURL
}

func session(t *testing.T, id string) map[string]any {
	t.Helper()
	return api(t, "GET", "/v1/checkout/sessions/"+id, nil)
}

// newTab opens a tab in the package's browser for the test and checks, when
// the test ends, that its pages threw no error and broke no CSP rule. The
// tab's context ends after 20 s.
func newTab(t *testing.T) context.Context {
	t.Helper()
	return newTabFor(t, 20*time.Second)
}

// newTabFor is newTab for a test that needs the tab for longer than 20 s.
func newTabFor(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	needBrowser(t)
	tab, cancelTab := chromedp.NewContext(browserCtx)
	t.Cleanup(cancelTab)
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	showOnFailure(t, tab)
	ctx, cancel := context.WithTimeout(tab, d)
	t.Cleanup(cancel)
	var mu sync.Mutex
	var problems []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			// A favicon's 404 is the network's business; anything the
			// page's script or the CSP says is a problem.
			if m.Source == "network" || m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleException && m.Type != chromedp.ConsoleWarning {
				continue
			}
			mu.Lock()
			problems = append(problems, m.String()+" ("+m.URL+")")
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Errorf("browser console: %s", p)
		}
	})
	return ctx
}

// showOnFailure shows, when the test fails, where the tab was: its address,
// its text and a screenshot (test-artifacts/FAILED-<test>.png).
func showOnFailure(t *testing.T, tab context.Context) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		ctx, cancel := context.WithTimeout(tab, 5*time.Second)
		defer cancel()
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		txt, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		t.Logf("the tab was at %s, showing:\n%s", loc, txt)
		if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			name := "FAILED-" + strings.NewReplacer("/", "-", " ", "_").Replace(t.Name()) + ".png"
			_ = os.WriteFile(filepath.Join(artifacts, name), png, 0o644)
		}
	})
}

// do runs actions in the tab or fails the test.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// get runs one action that returns a value or fails the test.
func get[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// text is the visible text of the element with id, spaces normalized.
func text(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	return strings.Join(strings.Fields(strings.ReplaceAll(get(t, ctx, chromedp.Text(chromedp.ID(id))), "\u00a0", " ")), " ")
}

// bodyText is the page's visible text, spaces normalized.
func bodyText(t *testing.T, ctx context.Context) string {
	t.Helper()
	s := get(t, ctx, chromedp.Evaluate[string](`document.body.innerText`))
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\u00a0", " ")), " ")
}

func mustContain(t *testing.T, ctx context.Context, parts ...string) {
	t.Helper()
	txt := bodyText(t, ctx)
	for _, p := range parts {
		if !strings.Contains(txt, p) {
			t.Errorf("the page lacks %q; it says:\n%s", p, txt)
		}
	}
}

// shot saves a full-page screenshot as test-artifacts/<name>.png.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png := get(t, ctx, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(artifacts, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// activeID is the id of the focused element.
func activeID(t *testing.T, ctx context.Context) string {
	t.Helper()
	return get(t, ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
}

// noHorizontalScroll checks that the page fits the viewport's width.
func noHorizontalScroll(t *testing.T, ctx context.Context) {
	t.Helper()
	w := get(t, ctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
	if len(w) != 2 || w[0] > w[1] {
		t.Errorf("the page is %v px wide in a %v px viewport", w[0], w[1])
	}
}
