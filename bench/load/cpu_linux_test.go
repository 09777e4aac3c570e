package main

import (
	"context"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"
)

// burn spins on this goroutine's CPU for about d of CPU time.
func burn(d time.Duration) {
	b := make([]byte, 4096)
	for end := time.Now().Add(d); time.Now().Before(end); {
		sum := sha256.Sum256(b)
		b[0] = sum[0]
	}
}

func TestProcessCPUCountsThisProcess(t *testing.T) {
	before, ok := processCPU(os.Getpid())
	if !ok {
		t.Fatal("cannot read this process's CPU time from /proc")
	}
	start := time.Now()
	burn(200 * time.Millisecond)
	wall := time.Since(start)
	after, _ := processCPU(os.Getpid())
	// One busy goroutine: at least most of the wall time, at most all of
	// it on every CPU, plus a tick either side.
	if got := after - before; got < 100*time.Millisecond || got > wall*time.Duration(2)+3*clockTick {
		t.Errorf("burned 200ms of CPU in %s, /proc says %s", wall, got)
	}
	if _, ok := processCPU(1 << 30); ok {
		t.Error("a pid that does not exist has a CPU time")
	}
}

// The server here is this process, so its CPU time per request is about
// what its handler burns per request; the warm-up's requests, which burn 20
// times as much, must not count.
func TestRunMeasuresServerCPU(t *testing.T) {
	const perRequest, warmup = 5 * time.Millisecond, 500 * time.Millisecond
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/warm" {
			burn(20 * perRequest)
		} else {
			burn(perRequest)
		}
		w.Write([]byte("ok"))
	}))
	defer ts.Close()
	warmEnd := time.Now().Add(warmup)
	sc := scenario{name: "burn", pid: os.Getpid(), req: get(func(int, int) string {
		if time.Now().Before(warmEnd) {
			return ts.URL + "/warm"
		}
		return ts.URL + "/"
	}, nil)}
	r, err := run(context.Background(), sc, 1, warmup, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	server, client, ok := r.cpuPerOK()
	if !ok {
		t.Fatal("CPU per request not measured")
	}
	// Counting the warm-up would add ~500ms over ~60 requests: 8ms each.
	if server < perRequest*7/10 || server > perRequest*18/10 {
		t.Errorf("server CPU per request %s: want about %s", server, perRequest)
	}
	if d := server - client; d > clockTick || d < -clockTick {
		t.Errorf("server and client are one process here, yet %s and %s", server, client)
	}
	if r, _ := run(context.Background(), scenario{name: "no pid", req: sc.req}, 1, 0, 50*time.Millisecond); r.cpuKnown {
		t.Error("CPU measured without a server pid")
	}
}
