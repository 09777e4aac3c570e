package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The webhook scenario (-webhooks) measures delivery: checkoutd (the real
// binary, SQLite, --webhook-allow-private) delivers to a receiver in this
// process on loopback, while closed-loop clients make state changes through
// the API: POST /v1/checkout/sessions/{id}/expire of sessions made
// beforehand, one checkout.session.expired event each. It reports
//
//   - deliveries/s: first arrivals at the receiver inside the measured
//     window, divided by the window;
//   - latency: from the state change to the first arrival of its event, two
//     ways: from the expire's answer (the change is committed by then, so
//     this is at most a little short) and from the moment the expire was
//     sent (this includes the API call, so it is long);
//   - the same latency at a paced rate (-webhook-rate) well below
//     saturation, where queueing does not dominate;
//   - the receiver alone: closed-loop POSTs of a real event body to the same
//     kind of receiver, the ceiling of delivery on this machine.

// hookReceiver records the first arrival of every (endpoint path, session).
type hookReceiver struct {
	srv *http.Server
	url string

	mu      sync.Mutex
	first   map[string]time.Time // path + " " + session id → first arrival
	repeats int                  // arrivals of an event already seen
	other   int                  // arrivals that are not session events
	sample  []byte               // one event body, for the bare run
	total   atomic.Int64
}

func startReceiver() (*hookReceiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h := &hookReceiver{url: "http://" + ln.Addr().String(), first: map[string]time.Time{}}
	h.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	go h.srv.Serve(ln)
	return h, nil
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	h.total.Add(1)
	var ev struct {
		Type string `json:"type"`
		Data struct {
			Object struct {
				ID string `json:"id"`
			} `json:"object"`
		} `json:"data"`
	}
	json.Unmarshal(body, &ev)
	h.mu.Lock()
	if h.sample == nil {
		h.sample = body
	}
	switch key := r.URL.Path + " " + ev.Data.Object.ID; {
	case !strings.HasPrefix(ev.Type, "checkout.session."):
		h.other++
	case !h.first[key].IsZero():
		h.repeats++
	default:
		h.first[key] = now
	}
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (h *hookReceiver) arrived() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.first)
}

func (h *hookReceiver) close() { h.srv.Close() }

// change is one state change made through the API.
type change struct {
	session    string
	sent, done time.Time
	counted    bool
}

// webhookRun is one phase's measurements.
type webhookRun struct {
	name                string
	changes             int           // counted expires answered 200
	failed              int           // counted expires that were not
	window              time.Duration // the measured window
	delivered           int           // first arrivals inside the window, all endpoints
	lost                int           // counted changes whose event never arrived
	fromAnswer, fromReq []time.Duration
	drain               time.Duration // from the last answer until every event arrived
}

func (w *webhookRun) deliveriesPerSec() float64 { return float64(w.delivered) / w.window.Seconds() }
func (w *webhookRun) changesPerSec() float64    { return float64(w.changes) / w.window.Seconds() }

type webhookReport struct {
	cfg       config
	env       []string
	endpoints int
	bare      *result
	runs      []*webhookRun
	repeats   int
	other     int
	notes     []string
}

// runWebhooks is the whole -webhooks mode.
func runWebhooks(ctx context.Context, c config) (err error) {
	rep := &webhookReport{cfg: c, endpoints: c.hookEndpoints}
	tmp, err := os.MkdirTemp("", "checkoutd-bench-webhooks-")
	if err != nil {
		return err
	}
	defer func() {
		stopAll()
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
	rcv, err := startReceiver()
	if err != nil {
		return err
	}
	defer rcv.close()
	extra := []string{"--webhook-allow-private"}
	if c.pprofAddr != "" {
		extra = append(extra, "--pprof-addr", c.pprofAddr)
	}
	srv, err := startServer(ctx, bin, filepath.Join(tmp, "data-webhooks"), tmp, benchKey, extra...)
	if err != nil {
		return err
	}
	auth := http.Header{"Authorization": {"Bearer " + benchKey}}
	for i := range c.hookEndpoints {
		body := `{"url":"` + rcv.url + "/hooks/" + strconv.Itoa(i) + `","enabled_events":["*"]}`
		if _, err := apiCall(ctx, http.MethodPost, srv.base+"/v1/webhook_endpoints", auth, body); err != nil {
			return fmt.Errorf("registering the endpoint: %w", err)
		}
	}

	// Sessions for both phases, made before anything is measured.
	paced := int(c.hookRate * (c.warmup + c.duration).Seconds())
	logf("webhooks: making %d + %d sessions", c.hookSessions, paced)
	pool, err := makeSessions(ctx, srv.base, auth, c.conns, c.hookSessions+paced)
	if err != nil {
		return err
	}
	satPool, pacedPool := pool[:c.hookSessions], pool[c.hookSessions:]

	logf("webhooks, saturated: %d conns expiring sessions, %s warm-up + %s", c.conns, c.warmup, c.duration)
	sat, err := expireClosedLoop(ctx, c, srv.base, auth, satPool, rcv)
	if err != nil {
		return err
	}
	sat.name = fmt.Sprintf("saturated: %d closed-loop clients", c.conns)
	rep.runs = append(rep.runs, sat)
	logf("webhooks, saturated: %.0f changes/s, %.0f deliveries/s, p50 %s, p99 %s from the answer; drained in %s",
		sat.changesPerSec(), sat.deliveriesPerSec(), ms(pctOf(sat.fromAnswer, .5)), ms(pctOf(sat.fromAnswer, .99)), sat.drain.Round(time.Millisecond))

	if c.hookRate > 0 {
		logf("webhooks, paced: %.0f changes/s, %s warm-up + %s", c.hookRate, c.warmup, c.duration)
		pr, err := expirePaced(ctx, c, srv.base, auth, pacedPool, rcv)
		if err != nil {
			return err
		}
		pr.name = fmt.Sprintf("paced: %.0f changes/s", c.hookRate)
		rep.runs = append(rep.runs, pr)
		logf("webhooks, paced: %.0f changes/s, %.0f deliveries/s, p50 %s, p99 %s from the answer",
			pr.changesPerSec(), pr.deliveriesPerSec(), ms(pctOf(pr.fromAnswer, .5)), ms(pctOf(pr.fromAnswer, .99)))
	}
	for _, w := range srv.warnings(5) {
		rep.notes = append(rep.notes, "checkoutd logged: `"+clip([]byte(w), 300)+"`")
	}
	if err := srv.stop(); err != nil {
		return err
	}
	rcv.mu.Lock()
	rep.repeats, rep.other = rcv.repeats, rcv.other
	sample := rcv.sample
	rcv.mu.Unlock()

	// The receiver alone, with the same client settings as checkoutd's
	// (one keep-alive connection per worker).
	if sample != nil {
		bare, err := startReceiver()
		if err != nil {
			return err
		}
		defer bare.close()
		rep.bare, err = measure(ctx, c, scenario{name: "bare receiver", req: func(ctx context.Context, w, i int) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, bare.url+"/hooks/0", bytes.NewReader(sample))
			if err == nil {
				req.Header.Set("Content-Type", "application/json")
			}
			return req, err
		}})
		if err != nil {
			return err
		}
	}
	rep.write(os.Stdout)
	return nil
}

// apiCall makes one API request and returns the body of its 200 answer.
func apiCall(ctx context.Context, method, url string, auth http.Header, body string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header["Authorization"] = auth["Authorization"]
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, clip(b, 300))
	}
	return b, err
}

// makeSessions creates n open sessions with conns workers.
func makeSessions(ctx context.Context, base string, auth http.Header, conns, n int) ([]string, error) {
	ids := make([]string, n)
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				b, err := apiCall(ctx, http.MethodPost, base+"/v1/checkout/sessions", auth, createBody("hook-"+strconv.Itoa(i)))
				var s struct{ ID string }
				if err == nil {
					err = json.Unmarshal(b, &s)
				}
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				ids[i] = s.ID
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return ids, ctx.Err()
}

// expire posts the expiry of one session and records when it was sent and
// answered; ok is false for anything but a 200.
func expire(ctx context.Context, client *http.Client, base string, auth http.Header, id string) (change, bool) {
	ch := change{session: id, sent: time.Now()}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/checkout/sessions/"+id+"/expire", nil)
	if err != nil {
		return ch, false
	}
	req.Header["Authorization"] = auth["Authorization"]
	resp, err := client.Do(req)
	if err != nil {
		return ch, false
	}
	drain(resp)
	ch.done = time.Now()
	return ch, resp.StatusCode == http.StatusOK
}

// expireClosedLoop expires sessions of pool as fast as c.conns clients can.
func expireClosedLoop(ctx context.Context, c config, base string, auth http.Header, pool []string, rcv *hookReceiver) (*webhookRun, error) {
	per := make([][]change, c.conns)
	failed := make([]int, c.conns)
	var next atomic.Int64
	measureFrom := time.Now().Add(c.warmup)
	elapsed, err := drive(ctx, c.conns, c.warmup, c.duration, func(client *http.Client, w, i int, t0 time.Time, counted bool) bool {
		k := int(next.Add(1)) - 1
		if k >= len(pool) {
			return false // out of sessions: the window ends early (see -webhook-sessions)
		}
		ch, ok := expire(ctx, client, base, auth, pool[k])
		ch.counted = counted
		if ok {
			per[w] = append(per[w], ch)
		} else if counted {
			failed[w]++
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	if int(next.Load()) >= len(pool) {
		logf("webhooks: the %d sessions ran out before the window ended; raise -webhook-sessions", len(pool))
	}
	return collect(ctx, per, failed, measureFrom, elapsed, c.hookEndpoints, rcv)
}

// expirePaced expires sessions of pool at c.hookRate a second, open loop,
// with at most c.conns requests in flight.
func expirePaced(ctx context.Context, c config, base string, auth http.Header, pool []string, rcv *hookReceiver) (*webhookRun, error) {
	start := time.Now()
	measureFrom := start.Add(c.warmup)
	end := measureFrom.Add(c.duration)
	per := make([][]change, c.conns)
	failed := make([]int, c.conns)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := range c.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := newClient(c.conns)
			defer client.CloseIdleConnections()
			for k := range jobs {
				ch, ok := expire(ctx, client, base, auth, pool[k])
				ch.counted = !ch.sent.Before(measureFrom)
				if ok {
					per[w] = append(per[w], ch)
				} else if ch.counted {
					failed[w]++
				}
			}
		}()
	}
	interval := time.Duration(float64(time.Second) / c.hookRate)
	for k := 0; k < len(pool); k++ {
		at := start.Add(time.Duration(k) * interval)
		if !at.Before(end) || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Until(at))
		jobs <- k
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return collect(ctx, per, failed, measureFrom, time.Since(measureFrom), c.hookEndpoints, rcv)
}

// collect waits (up to a minute) for every event to arrive at every
// endpoint, then matches changes with arrivals.
func collect(ctx context.Context, per [][]change, failed []int, measureFrom time.Time, window time.Duration, endpoints int, rcv *hookReceiver) (*webhookRun, error) {
	var all []change
	var lastDone time.Time
	for _, p := range per {
		all = append(all, p...)
	}
	for _, ch := range all {
		if ch.done.After(lastDone) {
			lastDone = ch.done
		}
	}
	r := &webhookRun{window: window}
	for _, f := range failed {
		r.failed += f
	}
	want := func() bool {
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		for _, ch := range all {
			for e := range endpoints {
				if rcv.first["/hooks/"+strconv.Itoa(e)+" "+ch.session].IsZero() {
					return false
				}
			}
		}
		return true
	}
	deadline := time.Now().Add(time.Minute)
	for !want() {
		if time.Now().After(deadline) {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		time.Sleep(20 * time.Millisecond)
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	windowEnd := measureFrom.Add(window)
	var lastArrival time.Time
	for _, ch := range all {
		for e := range endpoints {
			at := rcv.first["/hooks/"+strconv.Itoa(e)+" "+ch.session]
			if at.IsZero() {
				if ch.counted {
					r.lost++
				}
				continue
			}
			if at.After(lastArrival) {
				lastArrival = at
			}
			if !at.Before(measureFrom) && at.Before(windowEnd) {
				r.delivered++
			}
			if ch.counted {
				r.fromAnswer = append(r.fromAnswer, at.Sub(ch.done))
				r.fromReq = append(r.fromReq, at.Sub(ch.sent))
			}
		}
		if ch.counted {
			r.changes++
		}
	}
	if r.lost == 0 && lastArrival.After(lastDone) {
		r.drain = lastArrival.Sub(lastDone)
	}
	slices.Sort(r.fromAnswer)
	slices.Sort(r.fromReq)
	if len(all) == 0 {
		return nil, errors.New("no state change succeeded")
	}
	return r, nil
}

// pctOf is the q-quantile of sorted durations, nearest rank.
func pctOf(d []time.Duration, q float64) time.Duration {
	r := result{lat: d}
	return r.pct(q)
}

func (rep *webhookReport) write(out io.Writer) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "## Webhook delivery (bench/load -webhooks)\n\n")
	for _, e := range rep.env {
		fmt.Fprintf(&b, "- %s\n", e)
	}
	fmt.Fprintf(&b, "- %d endpoint(s) on one loopback receiver in the load generator; %d clients; %s warm-up + %s per phase\n\n",
		rep.endpoints, rep.cfg.conns, rep.cfg.warmup, rep.cfg.duration)
	fmt.Fprintf(&b, "| phase | changes/s | deliveries/s | p50 from answer | p99 from answer | max | p50 from request | p99 from request | not delivered | drain |\n")
	fmt.Fprintf(&b, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rep.runs {
		drain := "—"
		if r.drain > 0 {
			drain = r.drain.Round(time.Millisecond).String()
		}
		fmt.Fprintf(&b, "| %s | %.0f | %.0f | %s | %s | %s | %s | %s | %d | %s |\n", r.name, r.changesPerSec(), r.deliveriesPerSec(),
			ms(pctOf(r.fromAnswer, .5)), ms(pctOf(r.fromAnswer, .99)), ms(pctOf(r.fromAnswer, 1)),
			ms(pctOf(r.fromReq, .5)), ms(pctOf(r.fromReq, .99)), r.lost, drain)
	}
	if rep.bare != nil {
		fmt.Fprintf(&b, "\nBare receiver (the same handler, POSTed a real event body of %s by %d closed-loop clients): %.0f req/s, p50 %s, p99 %s, %d errors.\n",
			"one captured delivery", rep.cfg.conns, rep.bare.rps(), ms(rep.bare.pct(.5)), ms(rep.bare.pct(.99)), rep.bare.errors())
	}
	fmt.Fprintf(&b, "\nRepeated arrivals (at-least-once duplicates): %d; non-session events: %d.\n", rep.repeats, rep.other)
	for _, n := range rep.notes {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	out.Write(b.Bytes())
}
