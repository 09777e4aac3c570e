package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"
)

// A scenario is one closed loop of requests against one server.
type scenario struct {
	name string
	// req makes the i-th request of worker w. It must return a fresh
	// request every time (bodies are read once).
	req func(ctx context.Context, w, i int) (*http.Request, error)
	// want is the expected status; 0 means any 2xx.
	want int
	// check, when set, is given every recorded answer with the expected
	// status; an error makes it unexpected (an error, not throughput).
	check func(resp *http.Response, body []byte) error
	// body, when set, is given the body of every expected answer that is
	// recorded, on the worker's goroutine; the slice is reused afterwards.
	body func(w int, b []byte)
	// pid, when not 0, is the server's process, whose CPU time in the
	// measured window is recorded.
	pid int
}

// expected reports whether status is what sc expects.
func (sc *scenario) expected(status int) bool {
	if sc.want != 0 {
		return status == sc.want
	}
	return status >= 200 && status <= 299
}

// result is what one scenario measured. Only requests started after the
// warm-up count; every one of them is in exactly one of ok, unexpected,
// transport.
type result struct {
	name       string
	ok         int   // the expected status (2xx unless the scenario says otherwise) and, if checked, a right answer
	unexpected int   // any other status, or the expected one with a wrong answer
	transport  int   // no response at all (dial, reset, timeout)
	bytes      int64 // body bytes of the ok answers, as they came over the wire
	statuses   map[int]int
	samples    []string // a few distinct error descriptions
	elapsed    time.Duration
	lat        []time.Duration // of every counted request, ok or not, sorted
	// ratios, for a scenario measured in rounds beside the baseline, are
	// each round's req/s ÷ the bare req/s just before it.
	ratios []float64
	// The CPU time the server and this load generator used in the
	// measured window, when cpuKnown (Linux, and the server's pid given).
	serverCPU, clientCPU time.Duration
	cpuKnown             bool
}

// ratio is the median of r.ratios: the scenario's rate as a share of the
// baseline's.
func (r *result) ratio() float64 {
	if len(r.ratios) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(r.ratios))
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

func (r *result) requests() int { return r.ok + r.unexpected + r.transport }
func (r *result) errors() int   { return r.unexpected + r.transport }

// rps is the rate of ok requests: an error is never throughput.
func (r *result) rps() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ok) / r.elapsed.Seconds()
}

// cpuPerOK returns the server's and the load generator's CPU time per ok
// request, or false if they were not measured.
func (r *result) cpuPerOK() (server, client time.Duration, ok bool) {
	if !r.cpuKnown || r.ok == 0 {
		return 0, 0, false
	}
	return r.serverCPU / time.Duration(r.ok), r.clientCPU / time.Duration(r.ok), true
}

// pct returns the q-quantile (0 < q ≤ 1) of the latencies, nearest rank.
func (r *result) pct(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(r.lat)))) - 1
	return r.lat[min(max(i, 0), len(r.lat)-1)]
}

// newClient is one worker's client: its own transport, so each worker holds
// its own keep-alive connection, as a real client fleet would.
func newClient(conns int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               nil, // loopback only: never a proxy from the environment
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
		// A redirect is an answer to check, never followed (the payment's
		// 303 points at the merchant's site).
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

// workerStats is one worker's share, merged at the end so the hot loop takes
// no lock.
type workerStats struct {
	ok, unexpected, transport int
	bytes                     int64
	statuses                  map[int]int
	samples                   []string
	lat                       []time.Duration
}

func newWorkerStats() workerStats {
	return workerStats{statuses: map[int]int{}, lat: make([]time.Duration, 0, 4096)}
}

func (ws *workerStats) sample(s string) {
	if len(ws.samples) < 3 && !slices.Contains(ws.samples, s) {
		ws.samples = append(ws.samples, s)
	}
}

// fail records an unexpected answer.
func (ws *workerStats) fail(status int, d time.Duration, why string) {
	ws.unexpected++
	ws.statuses[status]++
	ws.lat = append(ws.lat, d)
	ws.sample(why)
}

// drive runs conns closed-loop workers for warmup+duration, each with its
// own client (one keep-alive connection). Each calls iter again as soon as it
// returns, with counted false for iterations started during the warm-up and
// true for those started in the measured window (which count whenever they
// finish); iter returns false to stop its worker. drive returns the measured
// time: from the end of the warm-up until the last worker is done.
func drive(ctx context.Context, conns int, warmup, duration time.Duration,
	iter func(client *http.Client, w, i int, t0 time.Time, counted bool) bool) (time.Duration, error) {
	start := time.Now()
	measureFrom := start.Add(warmup)
	end := measureFrom.Add(duration)
	var wg sync.WaitGroup
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := newClient(conns)
			defer client.CloseIdleConnections()
			for i := 0; ; i++ {
				t0 := time.Now()
				if !t0.Before(end) || ctx.Err() != nil {
					return
				}
				if !iter(client, w, i, t0, !t0.Before(measureFrom)) {
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return time.Since(measureFrom), nil
}

// run drives sc with conns closed-loop workers for warmup+duration. Requests
// started during the warm-up are made but not counted; those started during
// the measured window are counted whenever they finish.
func run(ctx context.Context, sc scenario, conns int, warmup, duration time.Duration) (*result, error) {
	stats := make([]workerStats, conns)
	bufs := make([]bytes.Buffer, conns)
	for w := range stats {
		stats[w] = newWorkerStats()
	}
	// CPU times are read when the first counted request is about to start
	// and when the last worker is done: the window drive measures. Read
	// there rather than by a timer, which a busy machine runs late, so with
	// one connection no warm-up request runs inside the window and no
	// counted one outside it.
	var c0 cpuTimes
	var startCPU sync.Once
	elapsed, err := drive(ctx, conns, warmup, duration, func(client *http.Client, w, i int, t0 time.Time, counted bool) bool {
		if counted {
			startCPU.Do(func() {
				c0 = readCPU(sc.pid)
				t0 = time.Now() // the reads are not the request's latency
			})
		}
		ws, buf := &stats[w], &bufs[w]
		req, err := sc.req(ctx, w, i)
		if err != nil {
			ws.transport++
			ws.sample("building the request: " + err.Error())
			return false
		}
		resp, err := client.Do(req)
		if err != nil {
			if counted && ctx.Err() == nil {
				ws.transport++
				ws.lat = append(ws.lat, time.Since(t0))
				ws.sample(err.Error())
			}
			return true
		}
		buf.Reset()
		_, rerr := buf.ReadFrom(resp.Body)
		resp.Body.Close()
		d := time.Since(t0)
		if !counted {
			return true
		}
		switch {
		case rerr != nil:
			ws.transport++
			ws.lat = append(ws.lat, d)
			ws.sample("reading the body: " + rerr.Error())
		case !sc.expected(resp.StatusCode):
			ws.fail(resp.StatusCode, d, fmt.Sprintf("%d %s", resp.StatusCode, clip(buf.Bytes(), 160)))
		default:
			if sc.check != nil {
				if err := sc.check(resp, buf.Bytes()); err != nil {
					ws.fail(resp.StatusCode, d, fmt.Sprintf("%d but %v", resp.StatusCode, err))
					return true
				}
			}
			ws.ok++
			ws.bytes += int64(buf.Len())
			ws.lat = append(ws.lat, d)
			if sc.body != nil {
				sc.body(w, buf.Bytes())
			}
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	r := merge(sc.name, elapsed, stats)
	c1 := readCPU(sc.pid)
	if c0.known && c1.known {
		r.serverCPU, r.clientCPU, r.cpuKnown = c1.server-c0.server, c1.client-c0.client, true
	}
	return r, nil
}

// cpuTimes is the CPU time used so far by a server and by this process.
type cpuTimes struct {
	server, client time.Duration
	known          bool
}

func readCPU(pid int) cpuTimes {
	if pid == 0 {
		return cpuTimes{}
	}
	s, ok1 := processCPU(pid)
	c, ok2 := processCPU(os.Getpid())
	return cpuTimes{server: s, client: c, known: ok1 && ok2}
}

// merge adds up the workers' shares of one scenario (or one step of a flow).
func merge(name string, elapsed time.Duration, stats []workerStats) *result {
	r := &result{name: name, statuses: map[int]int{}, elapsed: elapsed}
	for _, ws := range stats {
		r.add(ws.ok, ws.unexpected, ws.transport, ws.bytes, ws.statuses, ws.samples, ws.lat)
	}
	slices.Sort(r.lat)
	return r
}

// combine adds up results of one scenario measured in several runs, as if
// one run of their total time.
func combine(name string, rs []*result) *result {
	r := &result{name: name, statuses: map[int]int{}, cpuKnown: len(rs) > 0}
	for _, p := range rs {
		r.elapsed += p.elapsed
		r.serverCPU += p.serverCPU
		r.clientCPU += p.clientCPU
		r.cpuKnown = r.cpuKnown && p.cpuKnown
		r.add(p.ok, p.unexpected, p.transport, p.bytes, p.statuses, p.samples, p.lat)
	}
	slices.Sort(r.lat)
	return r
}

// add counts a share of requests into r; the caller sorts r.lat when done.
func (r *result) add(ok, unexpected, transport int, bytes int64, statuses map[int]int, samples []string, lat []time.Duration) {
	r.ok += ok
	r.unexpected += unexpected
	r.transport += transport
	r.bytes += bytes
	for k, v := range statuses {
		r.statuses[k] += v
	}
	for _, s := range samples {
		if len(r.samples) < 3 && !slices.Contains(r.samples, s) {
			r.samples = append(r.samples, s)
		}
	}
	r.lat = append(r.lat, lat...)
}

func clip(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// get returns a scenario request maker for a GET of url(w, i).
func get(url func(w, i int) string, header http.Header) func(ctx context.Context, w, i int) (*http.Request, error) {
	return func(ctx context.Context, w, i int) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url(w, i), nil)
		if err != nil {
			return nil, err
		}
		for k, v := range header {
			req.Header[k] = v
		}
		return req, nil
	}
}

// drain reads and closes a response body so its connection is reused.
func drain(resp *http.Response) {
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}
