package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// Every third answer is a 500 and every fifth a 404: they must be counted as
// errors, never as throughput, and every request must be in exactly one bucket.
func TestRunCountsNon2xxAsErrors(t *testing.T) {
	var n atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch i := n.Add(1); {
		case i%3 == 0:
			http.Error(w, "boom", http.StatusInternalServerError)
		case i%5 == 0:
			http.NotFound(w, r)
		default:
			w.Write([]byte(`{"ok":true}`))
		}
	}))
	defer ts.Close()

	var bodies atomic.Int64
	sc := scenario{
		name: "mixed",
		req:  get(func(int, int) string { return ts.URL }, nil),
		body: func(int, []byte) { bodies.Add(1) },
	}
	r, err := run(context.Background(), sc, 4, 50*time.Millisecond, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if r.ok == 0 || r.unexpected == 0 {
		t.Fatalf("ok %d, unexpected %d: want both", r.ok, r.unexpected)
	}
	if r.statuses[500] == 0 || r.statuses[404] == 0 {
		t.Errorf("statuses %v: want 500s and 404s", r.statuses)
	}
	if got := r.ok + r.unexpected + r.transport; got != len(r.lat) {
		t.Errorf("%d requests counted but %d latencies recorded", got, len(r.lat))
	}
	if int(bodies.Load()) != r.ok {
		t.Errorf("body callback ran %d times for %d 2xx answers", bodies.Load(), r.ok)
	}
	if want := float64(r.ok) / r.elapsed.Seconds(); r.rps() != want {
		t.Errorf("rps %f, want %f (2xx only)", r.rps(), want)
	}
	if r.pct(.5) <= 0 || r.pct(.99) < r.pct(.5) || r.pct(1) < r.pct(.99) {
		t.Errorf("percentiles out of order: %v %v %v", r.pct(.5), r.pct(.99), r.pct(1))
	}
}

// A server that is gone is a transport error, not a success.
func TestRunCountsTransportErrors(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close()
	r, err := run(context.Background(), scenario{name: "down", req: get(func(int, int) string { return url }, nil)},
		2, 0, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if r.transport == 0 || r.ok != 0 || r.rps() != 0 {
		t.Errorf("transport %d, ok %d, rps %f: want only transport errors", r.transport, r.ok, r.rps())
	}
}

// A scenario that wants a 303 gets it unfollowed; an answer with the wanted
// status that fails the check is unexpected, as is any other status.
func TestRunWantAndCheck(t *testing.T) {
	var n atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch i := n.Add(1); {
		case r.URL.Path == "/elsewhere":
			t.Error("the redirect was followed")
		case i%4 == 0:
			w.WriteHeader(http.StatusOK)
		case i%4 == 1:
			w.Header().Set("Location", "/elsewhere?bad")
			w.WriteHeader(http.StatusSeeOther)
		default:
			http.Redirect(w, r, "/elsewhere", http.StatusSeeOther)
		}
	}))
	defer ts.Close()
	sc := scenario{
		name: "redirect",
		req:  get(func(int, int) string { return ts.URL + "/" }, nil),
		want: http.StatusSeeOther,
		check: func(resp *http.Response, _ []byte) error {
			if resp.Header.Get("Location") != "/elsewhere" {
				return errors.New("wrong Location")
			}
			return nil
		},
	}
	r, err := run(context.Background(), sc, 2, 0, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if r.ok == 0 || r.statuses[http.StatusOK] == 0 || r.statuses[http.StatusSeeOther] == 0 {
		t.Errorf("ok %d, statuses %v: want ok answers and both 200s and bad 303s as unexpected", r.ok, r.statuses)
	}
	if r.ok+r.unexpected+r.transport != len(r.lat) || r.unexpected != r.statuses[200]+r.statuses[303] {
		t.Errorf("ok %d unexpected %d transport %d, %d latencies, statuses %v", r.ok, r.unexpected, r.transport, len(r.lat), r.statuses)
	}
}

// A scenario measured in rounds: its slices add up as one run of their total
// time, and its ratio is the median of the rounds', so one round that hit a
// burst on the machine does not move it.
func TestCombineAndMedianRatio(t *testing.T) {
	a := &result{ok: 100, unexpected: 1, bytes: 10, elapsed: time.Second, statuses: map[int]int{500: 1},
		lat: []time.Duration{3, 1}, samples: []string{"x"}, serverCPU: 100 * time.Millisecond, clientCPU: 40 * time.Millisecond, cpuKnown: true}
	b := &result{ok: 300, transport: 2, bytes: 30, elapsed: time.Second, statuses: map[int]int{500: 2},
		lat: []time.Duration{2}, samples: []string{"x", "y"}, serverCPU: 300 * time.Millisecond, clientCPU: 40 * time.Millisecond, cpuKnown: true}
	r := combine("s", []*result{a, b})
	if server, client, ok := r.cpuPerOK(); !ok || server != time.Millisecond || client != 200*time.Microsecond {
		t.Errorf("combined CPU per request %s, %s (%v): want 1ms, 200µs", server, client, ok)
	}
	b.cpuKnown = false
	if _, _, ok := combine("s", []*result{a, b}).cpuPerOK(); ok {
		t.Error("CPU per request from a combination with an unmeasured part")
	}
	if r.ok != 400 || r.errors() != 3 || r.bytes != 40 || r.rps() != 200 || r.statuses[500] != 3 {
		t.Errorf("combined %+v: want 400 ok, 3 errors, 40 bytes, 200 req/s, 3 × 500", r)
	}
	if len(r.lat) != 3 || r.lat[0] != 1 || r.lat[2] != 3 || len(r.samples) != 2 {
		t.Errorf("combined latencies %v, samples %v: want 3 sorted, 2 distinct samples", r.lat, r.samples)
	}
	for _, c := range []struct {
		ratios []float64
		want   float64
	}{{[]float64{0.9, 0.3, 0.35}, 0.35}, {[]float64{0.2, 0.4, 0.3, 0.9}, 0.35}, {nil, 0}} {
		if got := (&result{ratios: c.ratios}).ratio(); got != c.want {
			t.Errorf("ratio of %v = %v, want %v", c.ratios, got, c.want)
		}
	}
}
