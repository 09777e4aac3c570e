package http_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
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
