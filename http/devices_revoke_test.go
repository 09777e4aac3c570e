package http_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// openDeviceStream opens path with a device's credentials (a bearer
// token, or the terminal's cookie) and returns the response; the context
// bounds a stream that never ends (no timing assertion: a generous cap).
func openDeviceStream(t *testing.T, e *env, path, auth, cookie string) *http.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+path, nil)
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	if cookie != "" {
		req.Header.Set("Cookie", "checkoutd_terminal="+cookie)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != 200 {
		t.Fatalf("%s: %d", path, res.StatusCode)
	}
	return res
}

// TestRevokedDeviceStreamEnds: a device's open stream, and its terminal's,
// end when the device is revoked: it gets no more pushes.
func TestRevokedDeviceStreamEnds(t *testing.T) {
	e := newEnv(t)
	dev, tok := e.pairedDevice(e.key, "Till")
	stream := openDeviceStream(t, e, "/v2/devices/me/stream", tok, "")
	terminal := openDeviceStream(t, e, "/terminal/stream", "", tok)
	if r := e.v2("POST", "/v2/devices/"+dev+"/revoke", e.key, nil); r.status != 200 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	body, err := io.ReadAll(stream.Body)
	if err != nil {
		t.Fatalf("the revoked device's stream did not end: %v (read %q)", err, body)
	}
	if strings.Contains(string(body), "event: checkout") {
		t.Fatalf("the revoked device was sent %q", body)
	}
	tb, err := io.ReadAll(terminal.Body)
	if err != nil || !strings.Contains(string(tb), "event: change") {
		t.Fatalf("the revoked terminal's stream: %v %q", err, tb)
	}
}
