package http_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	chttp "github.com/checkoutd/checkoutd/http"
)

// A body of unknown length (chunked) is read whole; a body shorter than its
// Content-Length, because the client stopped sending, is a 400 that says
// the body could not be read, and creates nothing.
func TestBodyLengths(t *testing.T) {
	e := newEnv(t)
	b, err := json.Marshal(validSession())
	if err != nil {
		t.Fatal(err)
	}
	// A reader of unknown length makes the client send the body chunked.
	req, err := http.NewRequest("POST", e.srv.URL+"/v1/checkout/sessions", io.MultiReader(bytes.NewReader(b)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.key)
	req.Header.Set("Content-Type", "application/json")
	res, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("chunked create: status %d, want 200", res.StatusCode)
	}

	conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/checkout/sessions HTTP/1.1\r\nHost: checkoutd\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", e.key, len(b), b[:len(b)/2])
	conn.(*net.TCPConn).CloseWrite()
	res, err = http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var out struct {
		Error struct{ Type, Code string }
	}
	json.Unmarshal(body, &out)
	if res.StatusCode != http.StatusBadRequest || out.Error.Code != "body_unreadable" || out.Error.Type != "invalid_request_error" {
		t.Errorf("truncated body: %d %s, want 400 invalid_request_error body_unreadable", res.StatusCode, body)
	}
	if n := len(e.get("/v1/checkout/sessions?limit=100", e.key).json["data"].([]any)); n != 1 {
		t.Errorf("%d sessions after one create and one truncated body, want 1", n)
	}
}

// sendWhole writes a request and its whole body to a new connection before
// reading anything, as Python's urllib and many SDKs do, then reads the
// response. A server that answers without reading the body and closes
// leaves such a client with a reset instead of the answer.
func sendWhole(t *testing.T, addr, head string, body []byte) (*http.Response, []byte, net.Conn, *bufio.Reader, error) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	// Generous: only a server that never reads the body runs into it.
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	// Small buffers, so the body cannot hide in them as it can on loopback:
	// the client's write ends only when the server reads, as over a network.
	conn.(*net.TCPConn).SetWriteBuffer(128 << 10)
	if _, err := io.WriteString(conn, head); err != nil {
		return nil, nil, conn, nil, err
	}
	if _, err := conn.Write(body); err != nil {
		return nil, nil, conn, nil, err
	}
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, nil, conn, br, err
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	return res, b, conn, br, err
}

// chunked encodes b as one chunk and the last chunk.
func chunked(b []byte) []byte {
	return append(fmt.Appendf(nil, "%x\r\n", len(b)), append(b, "\r\n0\r\n\r\n"...)...)
}

func wantTooLarge(t *testing.T, what string, res *http.Response, body []byte) {
	t.Helper()
	var out struct {
		Error struct{ Type, Code string }
	}
	json.Unmarshal(body, &out)
	if res.StatusCode != http.StatusRequestEntityTooLarge || out.Error.Code != "request_too_large" || out.Error.Type != "invalid_request_error" {
		t.Errorf("%s: %d %s, want 413 invalid_request_error request_too_large", what, res.StatusCode, body)
	}
}

// A client that sends a whole 2 MiB body before reading gets the 413 (and
// can go on using the connection); one that sends 6 MiB may be cut off,
// but gets a 413 if it gets an answer at all; nothing is created.
func TestBodyTooLargeSentWhole(t *testing.T) {
	e := newEnv(t)
	smallReadBuffers(t, e)
	addr := e.srv.Listener.Addr().String()
	big := bytes.Repeat([]byte(" "), 2<<20)
	big[0] = '{'
	head := "POST /v1/checkout/sessions HTTP/1.1\r\nHost: checkoutd\r\nAuthorization: Bearer " + e.key + "\r\nContent-Type: application/json\r\n"

	res, body, conn, br, err := sendWhole(t, addr, head+fmt.Sprintf("Content-Length: %d\r\n\r\n", len(big)), big)
	if err != nil {
		t.Fatalf("2 MiB with Content-Length, sent whole: %v, want a 413", err)
	}
	wantTooLarge(t, "2 MiB with Content-Length", res, body)
	// The body was read to its end, so the connection is still in step.
	fmt.Fprintf(conn, "GET /v1/checkout/sessions HTTP/1.1\r\nHost: checkoutd\r\nAuthorization: Bearer %s\r\n\r\n", e.key)
	if res, err := http.ReadResponse(br, nil); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("next request on the connection: %v %v, want 200", res, err)
	} else {
		res.Body.Close()
	}

	res, body, _, _, err = sendWhole(t, addr, head+"Transfer-Encoding: chunked\r\n\r\n", chunked(big))
	if err != nil {
		t.Fatalf("2 MiB chunked, sent whole: %v, want a 413", err)
	}
	wantTooLarge(t, "2 MiB chunked", res, body)

	huge := bytes.Repeat([]byte(" "), 6<<20)
	for _, c := range []struct{ name, head string }{
		{"6 MiB with Content-Length", head + fmt.Sprintf("Content-Length: %d\r\n\r\n", len(huge))},
		{"6 MiB chunked", head + "Transfer-Encoding: chunked\r\n\r\n"},
	} {
		b := huge
		if strings.Contains(c.head, "chunked") {
			b = chunked(huge)
		}
		res, body, _, _, err := sendWhole(t, addr, c.head, b)
		t.Logf("%s: %v", c.name, err) // what the wire did: a 413, or a reset
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Errorf("%s: %v: the server neither answered nor closed", c.name, err)
		}
		if err == nil {
			wantTooLarge(t, c.name, res, body)
			if !res.Close {
				t.Errorf("%s: the answer does not close the connection, whose body is unread", c.name)
			}
		}
	}

	// A client that waits for 100 Continue is told 413 without sending.
	conn2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	conn2.SetDeadline(time.Now().Add(60 * time.Second))
	fmt.Fprintf(conn2, "%sExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", head, len(big))
	res, err = http.ReadResponse(bufio.NewReader(conn2), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	wantTooLarge(t, "2 MiB after Expect: 100-continue", res, body)

	if n := len(e.get("/v1/checkout/sessions?limit=100", e.key).json["data"].([]any)); n != 0 {
		t.Errorf("%d sessions after bodies too large, want 0", n)
	}
}

// A pay form over 64 KiB is a 413 page, not a 403 (the form could not be
// read, so its CSRF token could not either), also for a client that sends
// it whole before reading; the session is untouched.
func TestPageFormTooLarge(t *testing.T) {
	e := newPageEnv(t)
	smallReadBuffers(t, e)
	id := e.newSession(t)
	page := e.openOK(t, "/checkout/"+id)
	before := e.state(t, id)
	fields := []string{"email", "customer@example.com", "card_number", "4242424242424242", "card_expiry", futureExpiry(), "card_cvc", "123",
		"padding", strings.Repeat("x", 70<<10)}
	res := page.submit("card", fields)
	if res.status != http.StatusRequestEntityTooLarge {
		t.Errorf("a 70 KiB pay form: %d, want 413\n%s", res.status, res.text())
	}
	if !strings.Contains(res.text(), "too large") {
		t.Errorf("the 413 page does not say why:\n%s", res.text())
	}

	f := page.form("card")
	f.values.Set("padding", strings.Repeat("x", 2<<20))
	form := f.values.Encode()
	u, _ := url.Parse(f.action)
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", u.Path, u.Host, len(form))
	r, _, _, _, err := sendWhole(t, e.srv.Listener.Addr().String(), head, []byte(form))
	if err != nil {
		t.Fatalf("a 2 MiB pay form sent whole: %v, want a 413", err)
	}
	if r.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a 2 MiB pay form sent whole: %d, want 413", r.StatusCode)
	}
	if after := e.state(t, id); after != before {
		t.Errorf("a pay form too large wrote:\n%s\n%s", before, after)
	}
	if len(e.payments(t, id)) != 0 {
		t.Error("a pay form too large made a payment")
	}
}

// smallReadBuffers points e at a server of its own whose connections have
// small receive buffers.
func smallReadBuffers(t *testing.T, e *env) {
	srv := httptest.NewUnstartedServer(chttp.New(e.svc, nil, nil))
	srv.Listener = smallBufListener{srv.Listener}
	srv.Start()
	t.Cleanup(srv.Close)
	e.srv = srv
}

type smallBufListener struct{ net.Listener }

func (l smallBufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetReadBuffer(128 << 10)
	}
	return c, err
}

// TestRefusedBeforeBodySentWhole: an answer decided before the body is read
// (a wrong key, the guessing limit) reaches a client that sends its whole
// body before reading, as the 413 does: the body is read to its end first.
func TestRefusedBeforeBodySentWhole(t *testing.T) {
	e := newEnv(t)
	smallReadBuffers(t, e)
	addr := e.srv.Listener.Addr().String()
	big := bytes.Repeat([]byte(" "), 2<<20)
	big[0] = '{'
	for _, c := range []struct {
		name, te string
		body     []byte
	}{
		{"with Content-Length", fmt.Sprintf("Content-Length: %d\r\n", len(big)), big},
		{"chunked", "Transfer-Encoding: chunked\r\n", chunked(big)},
	} {
		head := "POST /v1/checkout/sessions HTTP/1.1\r\nHost: checkoutd\r\nAuthorization: Bearer sk_test_notAKeyOfAnyAccount_0123456789\r\nContent-Type: application/json\r\n" + c.te + "\r\n"
		res, _, _, _, err := sendWhole(t, addr, head, c.body)
		if err != nil {
			t.Fatalf("2 MiB %s under a wrong key, sent whole: %v, want a 401", c.name, err)
		}
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("2 MiB %s under a wrong key: %d, want 401", c.name, res.StatusCode)
		}
	}
}
