package http

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// GET /v1/events/stream sends the caller's new events as Server-Sent Events,
// oldest first, for "checkoutd listen" (and any EventSource client):
//
//	id: evt_…
//	event: checkout.session.completed
//	data: {…the event exactly as GET /v1/events/{id} returns it…}
//
// It starts after the newest event at connection time, or after the event
// named by ?starting_after= (or, for EventSource reconnects, Last-Event-ID),
// and polls the store: events are rows, not messages, so a stream that
// resumes from a cursor misses nothing and needs no broker.

// Stream timing; variables so that tests in this package could shorten them.
var (
	streamPollInterval = 200 * time.Millisecond
	streamKeepAlive    = 15 * time.Second
)

// streamEvents is an authedFunc, not an apiFunc: its response is written
// over minutes, as events happen.
func (s *Server) streamEvents(w http.ResponseWriter, r *http.Request, scope checkout.Scope) {
	v, err := requestParams(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	after, _ := v.String("starting_after")
	if err := v.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	param := "starting_after"
	if after == "" {
		after, param = r.Header.Get("Last-Event-ID"), "Last-Event-ID"
	}
	// Store calls run detached from the connection, as every API call does
	// (see api); the loop below watches the connection instead.
	ctx := context.WithoutCancel(r.Context())
	last, err := s.streamStart(ctx, scope, after, param)
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	rc, shutdown, ok := s.openStream(w, r)
	if !ok {
		return
	}
	poll := time.NewTicker(streamPollInterval)
	defer poll.Stop()
	keepAlive := time.NewTicker(streamKeepAlive)
	defer keepAlive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-shutdown:
			return
		case <-keepAlive.C:
			if _, err := io.WriteString(w, ": keep-alive\n\n"); err != nil {
				return
			}
			if rc.Flush() != nil {
				return
			}
		case <-poll.C:
			evs, err := s.eventsAfter(ctx, scope, last)
			if err != nil {
				// The headers are gone: end the stream and let the
				// client reconnect from its last id.
				s.log.Error("event stream: listing events failed", "err", err, "request_id", requestID(r.Context()))
				return
			}
			for _, ev := range evs {
				b, err := json.Marshal(s.renderEvent(ev))
				if err != nil {
					s.log.Error("event stream: encoding an event failed", "err", err, "event", ev.ID)
					return
				}
				// json.Marshal escapes newlines inside strings, so the
				// event fits one data line.
				if _, err := fmt.Fprintf(w, "id: %s\nevent: %s\ndata: %s\n\n", ev.ID, ev.Type, b); err != nil {
					return
				}
				if rc.Flush() != nil {
					return
				}
				last = ev.ID
			}
		}
	}
}

// streamStart returns the id the stream starts after: after itself once it is
// known to be one of scope's events, else the newest event ("" when there is
// none yet). param names where after came from, for errors.
func (s *Server) streamStart(ctx context.Context, scope checkout.Scope, after, param string) (string, error) {
	if after != "" {
		if len(after) > 255 {
			return "", checkout.Invalid(param, "parameter_invalid", "%s is longer than 255 characters", param)
		}
		if _, err := s.svc.GetEvent(ctx, scope, after); err != nil {
			if checkout.IsKind(err, checkout.KindNotFound) {
				return "", checkout.NotFound(param, "event", after)
			}
			return "", err
		}
		return after, nil
	}
	page, err := s.svc.ListEvents(ctx, scope, checkout.EventFilter{ListParams: checkout.ListParams{Limit: 1}})
	if err != nil || len(page.Items) == 0 {
		return "", err
	}
	return page.Items[0].ID, nil
}

// eventsAfter returns scope's events newer than last, oldest first; with no
// last (the account had no events when the stream began), all of them.
func (s *Server) eventsAfter(ctx context.Context, scope checkout.Scope, last string) ([]*checkout.Event, error) {
	var out []*checkout.Event
	if last == "" {
		// No cursor to page upward from: page down from the newest,
		// then reverse. This happens until the account's first event.
		p := checkout.ListParams{Limit: service.MaxListLimit}
		for {
			page, err := s.svc.ListEvents(ctx, scope, checkout.EventFilter{ListParams: p})
			if err != nil {
				return nil, err
			}
			out = append(out, page.Items...)
			if !page.HasMore || len(page.Items) == 0 {
				break
			}
			p.StartingAfter = page.Items[len(page.Items)-1].ID
		}
		slices.Reverse(out)
		return out, nil
	}
	// An ending_before page is the oldest events just newer than its
	// cursor, newest first.
	for {
		page, err := s.svc.ListEvents(ctx, scope, checkout.EventFilter{ListParams: checkout.ListParams{Limit: service.MaxListLimit, EndingBefore: last}})
		if err != nil {
			return nil, err
		}
		slices.Reverse(page.Items)
		out = append(out, page.Items...)
		if !page.HasMore || len(page.Items) == 0 {
			return out, nil
		}
		last = page.Items[len(page.Items)-1].ID
	}
}

// shutdowns maps each *http.Server that has served this handler to a
// channel closed when it begins shutting down. Shutdown waits for handlers
// to return, and a stream's never would on its own. The hook is registered
// with the first request a server serves (Server.ServeHTTP), not with its
// first stream: a hook registered once Shutdown has run its hooks is never
// called, which would leave a stream begun during the shutdown waiting for
// its client. A closed channel stays in the map, so a stream begun after the
// shutdown began ends at once.
var shutdowns sync.Map // *http.Server → chan struct{}

func shutdownSignal(hs *http.Server) <-chan struct{} {
	if ch, ok := shutdowns.Load(hs); ok {
		return ch.(chan struct{})
	}
	ch := make(chan struct{})
	if prev, loaded := shutdowns.LoadOrStore(hs, ch); loaded {
		return prev.(chan struct{})
	}
	hs.RegisterOnShutdown(func() { close(ch) })
	return ch
}

// openStream begins a server-sent events response. It learns of the
// server's shutdown before it sends anything, so a client that has the
// response's headers can count on the stream ending when the server shuts
// down (learnt after, a Shutdown called meanwhile would wait for the
// client to hang up); then it lifts the write deadline (the server's
// WriteTimeout bounds whole responses; a stream lasts as long as its
// client stays) and sends the headers. ok is false when the client is
// gone.
func (s *Server) openStream(w http.ResponseWriter, r *http.Request) (rc *http.ResponseController, shutdown <-chan struct{}, ok bool) {
	if hs, ok := r.Context().Value(http.ServerContextKey).(*http.Server); ok {
		shutdown = shutdownSignal(hs)
	}
	rc = http.NewResponseController(w)
	if err := rc.SetWriteDeadline(time.Time{}); err != nil {
		s.log.Warn("stream: cannot clear the write deadline", "err", err, "path", r.URL.Path, "request_id", requestID(r.Context()))
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Accel-Buffering", "no") // tell nginx-style proxies not to buffer
	w.WriteHeader(http.StatusOK)
	return rc, shutdown, rc.Flush() == nil
}
