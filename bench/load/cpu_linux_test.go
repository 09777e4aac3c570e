package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// rusageSelf and rusageThread are the CPU time (user and system) the kernel
// has charged to this whole process and to the calling thread, to the
// microsecond: the same accounting /proc/PID/stat reports in ticks, read
// through another interface.
func rusageSelf() time.Duration { return rusage(syscall.RUSAGE_SELF) }

func rusageThread() time.Duration { return rusage(1) } // RUSAGE_THREAD, Linux only

func rusage(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// burn spins until this goroutine has used d of CPU time: an amount of
// work, not of wall time, so it is the same however busy the machine is.
// It hashes (user time) and reads /dev/zero (system time), so a reading
// that left out either would fall short.
func burn(d time.Duration) { burnUntil(d, time.Time{}) }

// burnUntil is burn that also stops at deadline, if one is given.
func burnUntil(d time.Duration, deadline time.Time) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	zero, err := os.Open("/dev/zero")
	if err != nil {
		panic(err)
	}
	defer zero.Close()
	b := make([]byte, 64<<10)
	for end := rusageThread() + d; rusageThread() < end && (deadline.IsZero() || time.Now().Before(deadline)); {
		for range 4 {
			sum := sha256.Sum256(b[:4096])
			b[0] = sum[0]
		}
		zero.Read(b)
	}
}

// processCPU must agree with getrusage over the same window, to the /proc
// ticks: reading another field (the children's time, the start time), in
// another unit, or of another process would not.
func TestProcessCPUCountsThisProcess(t *testing.T) {
	before, ok := processCPU(os.Getpid())
	if !ok {
		t.Fatal("cannot read this process's CPU time from /proc")
	}
	ru0 := rusageSelf()
	burn(300 * time.Millisecond)
	ru1 := rusageSelf()
	after, _ := processCPU(os.Getpid())
	got, want := after-before, ru1-ru0
	// Each reading is truncated to a tick in utime and in stime, and the
	// process runs a little between the getrusage and /proc reads.
	if want < 300*time.Millisecond || got < want-3*clockTick || got > want+3*clockTick {
		t.Errorf("getrusage says this process used %s, /proc says %s", want, got)
	}
	if _, ok := processCPU(1 << 30); ok {
		t.Error("a pid that does not exist has a CPU time")
	}
}

// TestProcessCPUCountsAnotherProcess has a child burn a known amount of CPU
// and checks processCPU(its pid) reports that amount, not this process's.
func TestProcessCPUCountsAnotherProcess(t *testing.T) {
	// The child's CPU time differs from this process's by 300ms or more,
	// so reading this process instead of the child could not pass.
	mine, _ := processCPU(os.Getpid())
	d := 300 * time.Millisecond
	if mine < 2*d {
		d += mine
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestBurnChild$")
	cmd.Env = append(os.Environ(), "CHECKOUTD_TEST_BURN_CHILD="+d.String())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	// The child prints its own CPU time once it has burned, then waits
	// for its stdin to close: it uses no CPU while it is read.
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the child: %v", err)
	}
	ns, err := strconv.ParseInt(strings.TrimSpace(line), 10, 64)
	if err != nil {
		t.Fatalf("the child printed %q", line)
	}
	got, ok := processCPU(cmd.Process.Pid)
	if !ok {
		t.Fatal("cannot read the child's CPU time")
	}
	want := time.Duration(ns)
	if want < d || got < want-3*clockTick || got > want+3*clockTick {
		t.Errorf("the child used %s (getrusage), processCPU(its pid) says %s (this process: %s)", want, got, mine)
	}
}

// TestBurnChild is the child of TestProcessCPUCountsAnotherProcess; run
// on its own it does nothing (it does not skip: a skip would show in the
// summary of skipped tests).
func TestBurnChild(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("CHECKOUTD_TEST_BURN_CHILD"))
	if err != nil {
		return
	}
	burn(d)
	fmt.Println(int64(rusageSelf()))
	var b [1]byte
	os.Stdin.Read(b[:])
}

// The server here is this process, so its CPU time per request is what its
// handler costs the process plus the HTTP round trip; the warm-up's
// requests, which burn all the CPU they get until the warm-up ends, must
// not count. A burn is an amount of the handler thread's CPU time, but the
// runtime spends more beside it (threads that spin while the burn is in a
// system call, more so on a busy machine), so each handler also measures
// what the whole process spent while it ran, and the round trip's own cost
// is measured by a run whose handler burns nothing. With one connection no
// warm-up request is still running when the measured window starts, so the
// bounds hold however busy the machine is.
func TestRunMeasuresServerCPU(t *testing.T) {
	const perRequest, warmup = 4 * time.Millisecond, 500 * time.Millisecond
	var handlerCPU, handled atomic.Int64 // of the /burn requests
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/warm":
			// Ending with the warm-up, so that a busy machine still
			// leaves the window its requests.
			burnUntil(50*perRequest, warmEnd(r))
		case "/burn":
			before := rusageSelf()
			burn(perRequest)
			handlerCPU.Add(int64(rusageSelf() - before))
			handled.Add(1)
		}
		w.Write([]byte("ok"))
	}))
	defer ts.Close()
	measure := func(path string) (*result, time.Duration) {
		end := time.Now().Add(warmup)
		sc := scenario{name: path, pid: os.Getpid(), req: get(func(int, int) string {
			if time.Now().Before(end) {
				return ts.URL + "/warm?until=" + strconv.FormatInt(end.UnixNano(), 10)
			}
			return ts.URL + path
		}, nil)}
		r, err := run(context.Background(), sc, 1, warmup, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		server, client, ok := r.cpuPerOK()
		if !ok {
			t.Fatalf("%s: CPU per request not measured (%d ok, known %v)", path, r.ok, r.cpuKnown)
		}
		if d := server - client; d > clockTick || d < -clockTick {
			t.Errorf("%s: server and client are one process here, yet %s and %s", path, server, client)
		}
		return r, server
	}
	rb, base := measure("/")
	r, server := measure("/burn")
	handler := time.Duration(handlerCPU.Load() / max(1, handled.Load()))
	// The /proc readings are truncated to ticks (two per reading, two
	// readings per run); what the process spends outside the handler's two
	// readings and the round trip's is allowed a quarter of the burn.
	// Counting the warm-up (~500ms of CPU on an idle machine, over ~150
	// requests) would add most of a burn per request.
	ticks := 4*clockTick/time.Duration(r.ok) + 4*clockTick/time.Duration(rb.ok)
	if want := handler + base; server < want-ticks-perRequest/4 || server > want+ticks+perRequest/4 {
		t.Errorf("server CPU per request %s; want the handler's %s plus the round trip's %s", server, handler, base)
	}
	t.Logf("server CPU per request %s over %d requests; the handler %s, the round trip alone %s over %d", server, r.ok, handler, base, rb.ok)
	if r, _ := run(context.Background(), scenario{name: "no pid", req: get(func(int, int) string { return ts.URL + "/" }, nil)}, 1, 0, 50*time.Millisecond); r.cpuKnown {
		t.Error("CPU measured without a server pid")
	}
}

// warmEnd is the end of the warm-up a /warm request carries.
func warmEnd(r *http.Request) time.Time {
	n, _ := strconv.ParseInt(r.URL.Query().Get("until"), 10, 64)
	return time.Unix(0, n)
}
