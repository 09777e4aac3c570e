package http_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
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
