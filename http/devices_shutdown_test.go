package http_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	chttp "github.com/checkoutd/checkoutd/http"
)

// TestDeviceStreamEndsOnShutdown: a device's open stream ends when the
// server shuts down, so Shutdown does not wait for the device to hang up.
func TestDeviceStreamEndsOnShutdown(t *testing.T) {
	e := newEnv(t)
	_, tok := e.pairedDevice(e.key, "Till")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: chttp.New(e.svc, slog.New(slog.DiscardHandler), chttp.NewMetrics())}
	go hs.Serve(ln)
	req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/v2/devices/me/stream", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("stream: %d", res.StatusCode)
	}
	ended := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, res.Body)
		ended <- err
	}()
	// A generous bound, not a timing assertion: Shutdown must return
	// before it because the stream ends, not because the bound passed.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with a device stream open: %v", err)
	}
	if err := <-ended; err != nil {
		t.Fatalf("the stream did not end cleanly: %v", err)
	}
}

// TestStreamBegunAfterShutdownEnds: a stream whose request is handled once
// the server's shutdown has begun (read on a kept-alive connection just
// before) ends at once, instead of holding Shutdown until its client hangs
// up: the shutdown hook is registered with the server's first request, and
// its signal stays given.
func TestStreamBegunAfterShutdownEnds(t *testing.T) {
	e := newEnv(t)
	h := chttp.New(e.svc, slog.New(slog.DiscardHandler), chttp.NewMetrics())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: h}
	go hs.Serve(ln)
	// A first stream, open while Shutdown begins: Shutdown returns once
	// it has ended, so the shutdown has been signalled by then.
	first, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/v1/events/stream", nil)
	first.Header.Set("Authorization", "Bearer "+e.key)
	res, err := http.DefaultClient.Do(first)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	go io.Copy(io.Discard, res.Body)
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		t.Fatalf("Shutdown with a stream open: %v", err)
	}

	req := httptest.NewRequest("GET", "/v1/events/stream", nil)
	req.Header.Set("Authorization", "Bearer "+e.key)
	req = req.WithContext(context.WithValue(req.Context(), http.ServerContextKey, hs))
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { defer close(done); h.ServeHTTP(rec, req) }()
	// A generous bound, not a timing assertion: the stream must end
	// because the shutdown was signalled, not because the bound passed.
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("a stream begun after the shutdown began did not end")
	}
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %v", rec.Code, rec.Header())
	}
}
