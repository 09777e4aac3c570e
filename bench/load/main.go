// Command load measures checkoutd under closed-loop HTTP load on loopback and
// prints a Markdown report. Everything it needs it starts itself, in one run:
//
//	(a) bare:     a net/http server in a process of its own answering a fixed ~300-byte
//	              JSON body: the ceiling of this machine, client included;
//	(b) create:   POST /v1/checkout/sessions on the real binary, built from
//	              this checkout into a temporary directory;
//	(c) retrieve: GET /v1/checkout/sessions/{id} over ids made by (b);
//	(e) page:     GET /checkout/{id}, the hosted payment page, gzip accepted,
//	              over the same ids;
//	(f) flow:     the whole test-card payment: create a session (API), load
//	              its page, post the card form, expect the 303 to success_url;
//	(d) list:     GET /v1/checkout/sessions?limit=10, and the next page, on a
//	              store seeded with -small sessions and then with -big.
//
// Results are reported as ratios to the bare server measured in the same run,
// because absolute numbers on a shared machine say little; each throughput
// scenario runs in rounds that alternate with slices of the bare server, so
// that the machine's drift during the run cancels (see measurePaired). Run it from the
// repository:
//
//	go run ./bench/load                    # all scenarios, 1M-session list included
//	go run ./bench/load -big 0             # skip the 1M seeding
//	go run ./bench/load -idempotency       # also measure create with Idempotency-Key
//	go run ./bench/load -webhooks          # webhook delivery only (see webhooks.go)
//	go run ./bench/load -store redis -big 0 -scenarios create,retrieve
//	                                       # over Redis (or -store postgres), two scenarios
//
// With -store redis or postgres the server runs over that store instead of
// SQLite (see backend.go): under a Redis key prefix, or in PostgreSQL schemas,
// unique to the run and removed at the end.
//
// Every process it starts is stopped (SIGTERM, then kill) and every
// temporary directory removed, on success, error or Ctrl-C.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

type config struct {
	duration, warmup time.Duration
	conns            int
	// rounds: each throughput scenario runs in this many slices, each
	// right after a slice of the bare baseline (see measurePaired).
	rounds      int
	idempotency bool
	small, big  int
	seedWorkers int
	keepData    bool

	// -store and its URLs: what the server keeps its data in (see backend.go).
	store       string
	redisURL    string
	postgresURL string
	// -scenarios: which of (b) to (f) run.
	scenarioList string
	only         scenarios

	// -webhooks: the webhook delivery scenario alone (see webhooks.go).
	webhooks      bool
	hookEndpoints int
	hookSessions  int
	hookRate      float64
	pprofAddr     string
}

// benchKey is the test key the servers are bootstrapped with.
const benchKey = "sk_test_bench_load_0123456789abcdef"

func main() {
	if addr := os.Getenv(bareAddrEnv); addr != "" {
		serveBare(addr) // this process is the baseline server (see startBare)
		return
	}
	var c config
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "measured time of each scenario")
	flag.DurationVar(&c.warmup, "warmup", 2*time.Second, "unmeasured load before each scenario's measured time (before each later round of a scenario: at most 500ms)")
	flag.IntVar(&c.rounds, "rounds", 10, "slices each throughput scenario is measured in, each right after a slice of the bare baseline (ratios are the median of the slices')")
	flag.IntVar(&c.conns, "conns", 16, "concurrent closed-loop clients (one keep-alive connection each)")
	flag.BoolVar(&c.idempotency, "idempotency", false, "also measure create with a unique Idempotency-Key per request")
	flag.IntVar(&c.small, "small", 10000, "sessions in the store of the first list measurement")
	flag.IntVar(&c.big, "big", 1000000, "sessions in the store of the second list measurement (0 skips it)")
	flag.IntVar(&c.seedWorkers, "seed-workers", 2, "goroutines seeding the store")
	flag.BoolVar(&c.keepData, "keep", false, "keep the temporary directory (binary, data, server logs) and print its path")
	flag.BoolVar(&c.webhooks, "webhooks", false, "measure webhook delivery instead of the API scenarios (see bench/load/webhooks.go)")
	flag.IntVar(&c.hookEndpoints, "webhook-endpoints", 1, "with -webhooks: endpoints registered, each receiving every event")
	flag.IntVar(&c.hookSessions, "webhook-sessions", 60000, "with -webhooks: sessions made beforehand for the saturated phase (its window ends early if they run out)")
	flag.Float64Var(&c.hookRate, "webhook-rate", 1000, "with -webhooks: state changes a second in the paced phase (0 skips it)")
	flag.StringVar(&c.pprofAddr, "pprof-addr", "", "passed to checkoutd serve (the webhook server, or the server of create to flow), to profile it during the run")
	flag.StringVar(&c.store, "store", "sqlite", "the store the server runs over: sqlite, redis or postgres (the API scenarios only)")
	flag.StringVar(&c.redisURL, "redis-url", "redis://127.0.0.1:6379/0", "with -store redis: the Redis to use (keys under a prefix unique to the run, deleted at the end)")
	flag.StringVar(&c.postgresURL, "postgres-url", "postgres://root@127.0.0.1:5432/test?sslmode=disable", "with -store postgres: the database to use (in schemas unique to the run, dropped at the end)")
	flag.StringVar(&c.scenarioList, "scenarios", allScenarios, "the scenarios to run, comma-separated, or all (the bare baseline always runs)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./bench/load [flags] > report.md\n\nThe report goes to stdout, progress to stderr.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if c.conns < 1 || c.duration <= 0 || c.warmup < 0 || c.rounds < 1 || c.small < 11 || (c.big != 0 && c.big <= c.small) || c.seedWorkers < 1 {
		fmt.Fprintln(os.Stderr, "load: need -conns ≥ 1, -duration > 0, -warmup ≥ 0, -rounds ≥ 1, -small ≥ 11, -big 0 or > -small, -seed-workers ≥ 1")
		os.Exit(2)
	}

	var err error
	if c.only, err = parseScenarios(c.scenarioList); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(2)
	}
	if err := c.backend().check(); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(2)
	}
	if c.webhooks && c.store != "sqlite" {
		fmt.Fprintln(os.Stderr, "load: -webhooks runs over SQLite only; -store applies to the API scenarios")
		os.Exit(2)
	}

	if c.webhooks && (c.hookEndpoints < 1 || c.hookSessions < 1 || c.hookRate < 0) {
		fmt.Fprintln(os.Stderr, "load: need -webhook-endpoints ≥ 1, -webhook-sessions ≥ 1, -webhook-rate ≥ 0")
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	run := runAll
	if c.webhooks {
		run = runWebhooks
	}
	err = run(ctx, c)
	stop()
	stopAll() // in case a path above returned without stopping its server
	if cerr := runCleanups(); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// report is everything measured, for the Markdown output.
type report struct {
	cfg     config
	started time.Time
	stores  []string // what the store of each part was
	env     []string
	bare    []*result // every slice of the baseline, in the order run
	// bareSrv is the baseline server, started once for the whole run.
	bareSrv  *server
	create   *result
	idem     *result
	retrieve *result
	page     *result
	pageSize pageSize
	flow     *flowResult
	lists    []listRun
	notes    []string
}

type listRun struct {
	size          int
	seedTook      time.Duration
	first, second *result
}

func runAll(ctx context.Context, c config) (err error) {
	rep := &report{cfg: c, started: time.Now()}

	tmp, err := os.MkdirTemp("", "checkoutd-bench-")
	if err != nil {
		return err
	}
	defer func() {
		stopAll() // servers first: they hold files in tmp, and use the stores
		if cerr := runCleanups(); cerr != nil && err == nil {
			err = cerr
		}
		if c.keepData {
			logf("kept %s", tmp)
			return
		}
		if rerr := os.RemoveAll(tmp); rerr != nil && err == nil {
			err = rerr
		}
	}()

	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	rep.env = environment(ctx, root)
	logf("building ./cmd/checkoutd")
	bin, err := buildServer(ctx, root, tmp)
	if err != nil {
		return err
	}

	// (a) bare net/http, the ceiling of this machine with this client,
	// measured in slices beside every throughput scenario.
	if rep.bareSrv, err = startBare(ctx); err != nil {
		return err
	}

	be := c.backend()
	auth := http.Header{"Authorization": {"Bearer " + benchKey}}
	if c.only.api() {
		if err := runAPI(ctx, c, rep, be, bin, tmp, auth); err != nil {
			return err
		}
	} else {
		rep.notes = append(rep.notes, "create, retrieve, page and flow were not run (-scenarios).")
	}

	if !c.only.list {
		rep.notes = append(rep.notes, "(d) list was not run (-scenarios).")
		rep.write(os.Stdout)
		return nil
	}

	// (d) list latency over a small store, then the same store grown.
	listDir := filepath.Join(tmp, "data-list")
	if err := be.prepare(ctx, "list"); err != nil {
		return err
	}
	rep.stores = append(rep.stores, "(d): "+be.describe("list"))
	listArgs, err := be.serveArgs("list")
	if err != nil {
		return err
	}
	openList := func(ctx context.Context) (checkout.Store, error) { return be.open(ctx, "list", listDir) }
	sizes := []int{c.small}
	if c.big > 0 {
		sizes = append(sizes, c.big)
	}
	have := 0
	for _, size := range sizes {
		logf("seeding the store up to %d sessions (through service.CreateSession and store/%s)", size, c.store)
		took, err := seed(ctx, openList, benchKey, have, size-have, c.seedWorkers)
		if err != nil {
			return err
		}
		logf("seeded %d sessions in %s (%.0f/s)", size-have, took.Round(time.Millisecond), float64(size-have)/took.Seconds())
		have = size
		if size == c.small {
			n, err := countSessions(ctx, openList, benchKey)
			if err != nil {
				return err
			}
			if n != size {
				return fmt.Errorf("seeded %d sessions but the store lists %d", size, n)
			}
		}
		lr, err := measureList(ctx, c, bin, listDir, tmp, auth, size, listArgs)
		if err != nil {
			return err
		}
		lr.seedTook = took
		rep.lists = append(rep.lists, lr)
	}
	if fi, err := os.Stat(filepath.Join(listDir, dbFile)); err == nil && c.store == "sqlite" {
		rep.notes = append(rep.notes, fmt.Sprintf("the list store's SQLite file is %.0f MiB at %d sessions.", float64(fi.Size())/(1<<20), have))
	}

	rep.write(os.Stdout)
	return nil
}

// backend is the store -store and its URLs name, for this run.
func (c config) backend() *backend {
	return &backend{kind: c.store, redisURL: c.redisURL, postgresURL: c.postgresURL, runID: runID}
}

// runAPI starts the server over a fresh store and runs the selected
// scenarios of (b), (c), (e) and (f) on it.
func runAPI(ctx context.Context, c config, rep *report, be *backend, bin, tmp string, auth http.Header) error {
	if err := be.prepare(ctx, "api"); err != nil {
		return err
	}
	rep.stores = append(rep.stores, "(b) to (f): "+be.describe("api"))
	extra, err := be.serveArgs("api")
	if err != nil {
		return err
	}
	if c.pprofAddr != "" {
		extra = append(extra, "--pprof-addr", c.pprofAddr)
	}
	srv, err := startServer(ctx, bin, filepath.Join(tmp, "data-api"), tmp, benchKey, extra...)
	if err != nil {
		return err
	}
	defer srv.stop()
	ids := newIDPool(c.conns, 20000)
	var pool []string
	if c.only.create {
		if rep.create, err = measurePaired(ctx, c, rep, srv.measured(createScenario("create", srv.base, auth, false, ids))); err != nil {
			return err
		}
		pool = ids.all()
	}
	if c.idempotency {
		if rep.idem, err = measurePaired(ctx, c, rep, srv.measured(createScenario("create + Idempotency-Key", srv.base, auth, true, nil))); err != nil {
			return err
		}
	}
	if (c.only.retrieve || c.only.page) && len(pool) == 0 {
		return errors.New("the create scenario made no session: nothing to retrieve")
	}
	if c.only.retrieve {
		rep.retrieve, err = measurePaired(ctx, c, rep, srv.measured(scenario{
			name: "retrieve",
			req: get(func(w, i int) string {
				return srv.base + "/v1/checkout/sessions/" + pool[(w*7919+i)%len(pool)]
			}, auth),
		}))
		if err != nil {
			return err
		}
		rep.notes = append(rep.notes, fmt.Sprintf("retrieve cycled over %d session ids made by create.", len(pool)))
	}

	// (e) the hosted page of the same sessions, as a browser asks for it.
	if c.only.page {
		if rep.pageSize, err = measurePageSize(ctx, srv.base+"/checkout/"+pool[0]); err != nil {
			return err
		}
		if rep.page, err = measurePaired(ctx, c, rep, srv.measured(pageScenario(srv.base, pool))); err != nil {
			return err
		}
	}

	// (f) the whole test-card payment flow, closed loop.
	if c.only.flow {
		if rep.flow, err = measureFlow(ctx, c, srv.base, auth); err != nil {
			return err
		}
	}
	for _, w := range srv.warnings(5) {
		rep.notes = append(rep.notes, "checkoutd logged: `"+clip([]byte(w), 300)+"`")
	}
	return srv.stop()
}

// measure runs one scenario, with progress on stderr.
func measure(ctx context.Context, c config, sc scenario) (*result, error) {
	logf("%s: %d conns, %s warm-up + %s", sc.name, c.conns, c.warmup, c.duration)
	r, err := run(ctx, sc, c.conns, c.warmup, c.duration)
	if err != nil {
		return nil, err
	}
	logf("%s: %d requests, %d errors, %.0f req/s, p50 %s, p99 %s", sc.name, r.requests(), r.errors(), r.rps(), ms(r.pct(.50)), ms(r.pct(.99)))
	for _, s := range r.samples {
		logf("  error: %s", s)
	}
	return r, nil
}

// measurePaired measures sc in c.rounds slices of c.duration/c.rounds, each
// right after an equal slice of the bare baseline, and returns sc's slices
// merged, with the ratio of each slice to the bare slice before it. The
// machine's speed drifts by tens of percent within a minute (other tenants
// of the host), so a scenario measured at one moment against a baseline
// measured at another says more about the drift than about the code; a
// ratio of two adjacent slices cancels what drifts slowly, and their median
// drops a slice that hit a burst. The bare slices go to rep.bare.
func measurePaired(ctx context.Context, c config, rep *report, sc scenario) (*result, error) {
	bare := rep.bareSrv.measured(scenario{name: "bare net/http", req: get(func(int, int) string { return rep.bareSrv.base + "/" }, nil)})
	slice := c.duration / time.Duration(c.rounds)
	logf("%s: %d conns, %d rounds of %s bare + %s %s", sc.name, c.conns, c.rounds, slice, slice, sc.name)
	var parts []*result
	var ratios []float64
	warmup := c.warmup
	for range c.rounds {
		b, err := run(ctx, bare, c.conns, warmup, slice)
		if err != nil {
			return nil, err
		}
		r, err := run(ctx, sc, c.conns, warmup, slice)
		if err != nil {
			return nil, err
		}
		rep.bare = append(rep.bare, b)
		parts = append(parts, r)
		ratios = append(ratios, r.rps()/b.rps())
		logf("  bare %.0f req/s%s, %s %.0f req/s%s: %.3f", b.rps(), cpuNote(b), sc.name, r.rps(), cpuNote(r), r.rps()/b.rps())
		// After the first round the servers are warm: a slice needs only
		// its connections opened and the loop filled.
		warmup = min(c.warmup, 500*time.Millisecond)
	}
	r := combine(sc.name, parts)
	r.ratios = ratios
	logf("%s: %d requests, %d errors, %.0f req/s, p50 %s, p99 %s, ÷ bare %.3f (median of %d rounds)",
		sc.name, r.requests(), r.errors(), r.rps(), ms(r.pct(.50)), ms(r.pct(.99)), r.ratio(), len(ratios))
	for _, s := range r.samples {
		logf("  error: %s", s)
	}
	return r, nil
}

// cpuNote is r's CPU per request for the progress lines, or "" if unknown.
func cpuNote(r *result) string {
	server, client, ok := r.cpuPerOK()
	if !ok {
		return ""
	}
	return fmt.Sprintf(" (CPU per request: server %s, load generator %s)", us(server), us(client))
}

// measureFlow runs the payment flow, with progress on stderr.
func measureFlow(ctx context.Context, c config, base string, auth http.Header) (*flowResult, error) {
	logf("payment flow: %d conns, %s warm-up + %s", c.conns, c.warmup, c.duration)
	fr, err := runFlow(ctx, base, auth, c.conns, c.warmup, c.duration)
	if err != nil {
		return nil, err
	}
	f := fr.flow
	logf("payment flow: %d flows, %d errors, %.0f flows/s, p50 %s, p99 %s", f.requests(), f.errors(), f.rps(), ms(f.pct(.50)), ms(f.pct(.99)))
	for _, r := range fr.steps {
		logf("  %s: %d requests, %d errors, p50 %s, p99 %s", r.name, r.requests(), r.errors(), ms(r.pct(.50)), ms(r.pct(.99)))
	}
	for _, s := range f.samples {
		logf("  error: %s", s)
	}
	return fr, nil
}

// bareBody is the baseline's answer: a fixed JSON object of about 300 bytes,
// shaped like a small session.
var bareBody = []byte(`{"id":"cs_test_a1B2c3D4e5F6g7H8i9J0kLmN","object":"checkout.session","livemode":false,` +
	`"status":"open","payment_status":"unpaid","amount_total":5000,"currency":"GHS",` +
	`"url":"http://127.0.0.1/checkout/cs_test_a1B2c3D4e5F6g7H8i9J0kLmN",` +
	`"metadata":{"order_id":"1234"},"created_at":"2025-01-01T00:00:00Z"}`)

// bareAddrEnv, when set, makes this program the baseline server on that address.
const bareAddrEnv = "CHECKOUTD_BENCH_BARE_ADDR"

// serveBare answers every request with bareBody, with the server settings
// checkoutd uses, until killed.
func serveBare(addr string) {
	hs := &http.Server{
		Addr: addr,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(bareBody)
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	if err := hs.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, "bare server:", err)
		os.Exit(1)
	}
}

// startBare starts the baseline server as a separate process (this program
// again, with bareAddrEnv set), as checkoutd runs, so both are measured
// across the same process boundary and compete with the load generator the
// same way. It is stopped with the other servers (stopAll).
func startBare(ctx context.Context) (*server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(cleanEnv(), bareAddrEnv+"="+addr)
	cmd.SysProcAttr = sysProcAttr()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{base: "http://" + addr, cmd: cmd, done: make(chan struct{})}
	s.track(nil)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(s.base + "/"); err == nil {
			drain(resp)
			return s, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("the bare server did not start on %s", addr)
		}
	}
}

// createBody is a realistic create request; order ids differ per request.
func createBody(order string) string {
	return `{"amount":5000,"currency":"GHS",` +
		`"success_url":"https://shop.example.com/success?session_id={CHECKOUT_SESSION_ID}",` +
		`"cancel_url":"https://shop.example.com/cart",` +
		`"metadata":{"order_id":"` + order + `"}}`
}

// idPool keeps the ids of sessions the create scenario made, per worker
// (no lock on the hot path), up to a bound.
type idPool struct {
	per [][]string
	max int
}

func newIDPool(workers, total int) *idPool {
	return &idPool{per: make([][]string, workers), max: max(1, total/workers)}
}

func (p *idPool) add(w int, body []byte) {
	if len(p.per[w]) >= p.max {
		return
	}
	var s struct {
		ID     string `json:"id"`
		Object string `json:"object"`
	}
	if json.Unmarshal(body, &s) == nil && s.Object == "checkout.session" && s.ID != "" {
		p.per[w] = append(p.per[w], s.ID)
	}
}

func (p *idPool) all() []string {
	var out []string
	for _, ids := range p.per {
		out = append(out, ids...)
	}
	return out
}

var runID = strconv.FormatInt(time.Now().UnixNano(), 36)

func createScenario(name, base string, auth http.Header, idem bool, ids *idPool) scenario {
	url := base + "/v1/checkout/sessions"
	var n atomic.Int64
	sc := scenario{
		name: name,
		req: func(ctx context.Context, w, i int) (*http.Request, error) {
			order := "bench-" + strconv.FormatInt(n.Add(1), 10)
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(createBody(order)))
			if err != nil {
				return nil, err
			}
			req.Header["Authorization"] = auth["Authorization"]
			req.Header.Set("Content-Type", "application/json")
			if idem {
				req.Header.Set("Idempotency-Key", "bench-"+runID+"-"+strconv.Itoa(w)+"-"+strconv.Itoa(i))
			}
			return req, nil
		},
	}
	if ids != nil {
		sc.body = ids.add
	}
	return sc
}

// measureList starts a server on the seeded store and measures the first
// page of the list and the page after it.
func measureList(ctx context.Context, c config, bin, dataDir, logDir string, auth http.Header, size int, extra []string) (listRun, error) {
	lr := listRun{size: size}
	srv, err := startServer(ctx, bin, dataDir, logDir, benchKey, extra...)
	if err != nil {
		return lr, err
	}
	defer srv.stop()
	url := srv.base + "/v1/checkout/sessions?limit=10"

	// The cursor of the second page: the last id of the first.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header["Authorization"] = auth["Authorization"]
	client := newClient(1)
	resp, err := client.Do(req)
	if err != nil {
		return lr, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	client.CloseIdleConnections()
	if err != nil {
		return lr, err
	}
	var page struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
		HasMore bool `json:"has_more"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &page) != nil || len(page.Data) != 10 || !page.HasMore {
		return lr, fmt.Errorf("list on %d sessions: unexpected first page (%d): %s", size, resp.StatusCode, clip(body, 300))
	}
	cursor := page.Data[9].ID

	label := sizeLabel(size)
	if lr.first, err = measure(ctx, c, srv.measured(scenario{name: "list@" + label, req: get(func(int, int) string { return url }, auth)})); err != nil {
		return lr, err
	}
	next := url + "&starting_after=" + cursor
	if lr.second, err = measure(ctx, c, srv.measured(scenario{name: "list@" + label + " page 2", req: get(func(int, int) string { return next }, auth)})); err != nil {
		return lr, err
	}
	return lr, srv.stop()
}

func sizeLabel(n int) string {
	switch {
	case n >= 1000000 && n%1000000 == 0:
		return strconv.Itoa(n/1000000) + "M"
	case n >= 1000 && n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

// environment describes the machine and the code measured.
func environment(ctx context.Context, root string) []string {
	env := []string{
		fmt.Sprintf("CPUs: %d (GOMAXPROCS %d), %s/%s", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH),
	}
	if out, err := exec.CommandContext(ctx, "go", "version").Output(); err == nil {
		env = append(env, "toolchain: "+strings.TrimSpace(string(out)))
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				env = append(env, "CPU: "+strings.TrimSpace(v))
				break
			}
		}
	}
	cmd := exec.CommandContext(ctx, "git", "describe", "--always", "--dirty")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		code := strings.TrimSpace(string(out))
		if strings.HasSuffix(code, "-dirty") {
			code += " (uncommitted changes: the files as they were at run time were measured)"
		}
		env = append(env, "code: "+code)
	}
	return env
}
