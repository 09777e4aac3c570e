package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/checkoutd/checkoutd/webhook"
)

// listen is the local-development loop: it follows the account's events on
// GET /v1/events/stream and forwards each to a URL on the developer's
// machine, signed like a real delivery with a secret made for this session.
func listen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("listen", "Follows your account's events as they happen and forwards each to a local URL, signed with a webhook secret made for this session (printed at start), so a webhook handler can be developed without a public endpoint. Stops on Ctrl-C.", stdout, stderr)
	forwardTo := fs.String("forward-to", "", "URL each event is POSTed to, e.g. http://127.0.0.1:3000/webhooks (required; http or https)")
	apiKey := fs.String("api-key", "", "secret API key (sk_test_… or sk_live_…) whose account's events are forwarded (required)")
	base := fs.String("url", "http://127.0.0.1:8080", "base URL of the checkoutd server")
	events := fs.String("events", "", "comma-separated event types to forward, e.g. checkout.session.completed,checkout.session.expired (default all)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *apiKey == "" {
		return fmt.Errorf("--api-key is required (or set %s)", envName(fs.Name(), "api-key"))
	}
	if *forwardTo == "" {
		return fmt.Errorf("--forward-to is required (or set %s), e.g. --forward-to http://127.0.0.1:3000/webhooks", envName(fs.Name(), "forward-to"))
	}
	target, err := httpURL(*forwardTo)
	if err != nil {
		return fmt.Errorf("--forward-to: %v", err)
	}
	server, err := httpURL(*base)
	if err != nil {
		return fmt.Errorf("--url: %v", err)
	}
	l := &listener{
		streamURL: strings.TrimRight(server.String(), "/") + "/v1/events/stream",
		apiKey:    *apiKey,
		target:    target.String(),
		secret:    webhook.NewSecret(),
		stdout:    stdout,
		stderr:    stderr,
		// No timeout: the stream is read for as long as it lasts (the
		// idle watchdog in follow catches a dead connection).
		stream: &http.Client{},
		forward: &http.Client{
			Timeout: 30 * time.Second,
			// A redirect is the handler's answer; following it would
			// turn the POST into a GET somewhere else.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	for _, t := range strings.Split(*events, ",") {
		if t = strings.TrimSpace(t); t != "" && t != "*" {
			if l.types == nil {
				l.types = map[string]bool{}
			}
			l.types[t] = true
		}
	}
	err = l.run(ctx)
	if ctx.Err() != nil {
		return nil // SIGINT or SIGTERM: a normal end
	}
	return err
}

// httpURL parses an absolute http or https URL.
func httpURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("want an http:// or https:// URL, got %q", s)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q has no host", s)
	}
	return u, nil
}

// Reconnection waits and the idle limit of the stream (the server sends a
// keep-alive every 15 s, so 45 s of silence means the connection is dead).
const (
	listenMinBackoff = 500 * time.Millisecond
	listenMaxBackoff = 10 * time.Second
	listenIdle       = 45 * time.Second
)

type listener struct {
	streamURL, apiKey, target, secret string
	types                             map[string]bool // nil: every type
	stdout, stderr                    io.Writer
	stream, forward                   *http.Client

	last  string // id of the last event received, where a reconnect resumes
	ready bool   // the banner is printed once, on the first connection
}

// fatalError is a refusal that retrying cannot fix (a bad key, say).
type fatalError struct{ err error }

func (e fatalError) Error() string { return e.err.Error() }

// run follows the stream until ctx ends or the server refuses for good,
// reconnecting with backoff when a connection fails or drops.
func (l *listener) run(ctx context.Context) error {
	wait := listenMinBackoff
	for {
		connected, err := l.follow(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var fatal fatalError
		if errors.As(err, &fatal) {
			return fatal.err
		}
		if connected {
			wait = listenMinBackoff
		}
		if err == nil {
			err = errors.New("the server closed the stream")
		}
		fmt.Fprintf(l.stderr, "%s connection to %s lost: %v; reconnecting in %s\n", stamp(), l.streamURL, err, wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, listenMaxBackoff)
	}
}

// follow makes one connection and handles its events until it ends.
// connected says whether the server accepted the stream.
func (l *listener) follow(ctx context.Context) (connected bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	u := l.streamURL
	if l.last != "" {
		u += "?starting_after=" + url.QueryEscape(l.last)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false, fatalError{err}
	}
	req.Header.Set("Authorization", "Bearer "+l.apiKey)
	req.Header.Set("Accept", "text/event-stream")
	res, err := l.stream.Do(req)
	if err != nil {
		return false, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		msg := apiErrorMessage(res)
		switch {
		case res.StatusCode == http.StatusNotFound && l.last != "" && strings.Contains(msg, l.last):
			// The event to resume after is gone: the server's data
			// was reset. Carry on from its newest event.
			fmt.Fprintf(l.stderr, "%s event %s no longer exists on the server; continuing from its newest event\n", stamp(), l.last)
			l.last = ""
			return false, errors.New(msg)
		case res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusRequestTimeout || res.StatusCode >= 500:
			return false, fmt.Errorf("%s: %s", res.Status, msg)
		case res.StatusCode == http.StatusNotFound:
			return false, fatalError{fmt.Errorf("%s answered %s: %s (is --url a checkoutd server with GET /v1/events/stream?)", l.streamURL, res.Status, msg)}
		}
		return false, fatalError{fmt.Errorf("%s answered %s: %s", l.streamURL, res.Status, msg)}
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		return false, fatalError{fmt.Errorf("%s answered with %q, not an event stream (is --url a checkoutd server?)", l.streamURL, ct)}
	}
	if !l.ready {
		l.ready = true
		fmt.Fprintf(l.stdout, "Ready! Your webhook signing secret is %s (forwarding to %s)\n", l.secret, l.target)
	} else {
		fmt.Fprintf(l.stderr, "%s reconnected\n", stamp())
	}

	// A connection that goes silent (a laptop's sleep, a dead NAT entry)
	// never reports an error: cut it when even keep-alives stop.
	var stalled atomic.Bool
	idle := time.AfterFunc(listenIdle, func() { stalled.Store(true); cancel() })
	defer idle.Stop()
	r := bufio.NewReader(res.Body)
	var id, typ string
	var data []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			if stalled.Load() {
				return true, fmt.Errorf("nothing received for %s", listenIdle)
			}
			if err == io.EOF {
				return true, nil // the server ended the stream (a restart, say)
			}
			return true, err
		}
		idle.Reset(listenIdle)
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		if line == "" { // the end of an event
			if len(data) > 0 {
				l.handle(ctx, id, typ, []byte(strings.Join(data, "\n")))
			}
			id, typ, data = "", "", nil
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue // a comment: keep-alive
		}
		name, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch name {
		case "id":
			id = value
		case "event":
			typ = value
		case "data":
			data = append(data, value)
		}
	}
}

// handle forwards one event, unless --events leaves its type out, and prints
// the outcome.
func (l *listener) handle(ctx context.Context, id, typ string, body []byte) {
	if id == "" || typ == "" {
		var ev struct{ ID, Type string }
		if json.Unmarshal(body, &ev) == nil {
			id, typ = cmp.Or(id, ev.ID), cmp.Or(typ, ev.Type)
		}
	}
	if id != "" {
		l.last = id
	}
	if l.types != nil && !l.types[typ] {
		return
	}
	status, err := l.post(ctx, id, body)
	if err != nil {
		fmt.Fprintf(l.stdout, "%s %s %s -> error: %v\n", stamp(), typ, id, err)
		return
	}
	fmt.Fprintf(l.stdout, "%s %s %s -> %d\n", stamp(), typ, id, status)
}

// post sends one event to the target the way checkoutd delivers webhooks:
// the raw event JSON, with Checkout-Signature and the Standard Webhooks
// headers.
func (l *listener) post(ctx context.Context, id string, body []byte) (int, error) {
	headers, err := webhook.Sign(id, time.Now(), body, l.secret)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.target, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header = headers
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "checkoutd-listen")
	res, err := l.forward.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20))
	res.Body.Close()
	return res.StatusCode, nil
}

// apiErrorMessage reads an API error response's message, or its status line.
func apiErrorMessage(res *http.Response) string {
	b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	var e struct {
		Error struct{ Message string } `json:"error"`
	}
	if json.Unmarshal(b, &e) == nil && e.Error.Message != "" {
		return e.Error.Message
	}
	if s := strings.TrimSpace(string(b)); s != "" && len(s) < 200 {
		return s
	}
	return res.Status
}

func stamp() string { return time.Now().Format("2006-01-02 15:04:05") }
