//go:build unix

package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/client"
)

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encoding %T: %v", v, err)
	}
	return string(b)
}

// apiError asserts that err is a *client.Error with the given status and code
// (code "" matches any) and returns it.
func apiError(t *testing.T, what string, err error, status int, code string) *client.Error {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: got error %v (%T), want a *client.Error", what, err, err)
	}
	if e.HTTPStatusCode != status || code != "" && e.Code != code {
		t.Fatalf("%s: got %d %q (%v), want %d %q", what, e.HTTPStatusCode, e.Code, e, status, code)
	}
	if !strings.HasPrefix(e.RequestID, "req_") {
		t.Errorf("%s: RequestID = %q, want req_…", what, e.RequestID)
	}
	return e
}

func sessionIDs(ss []*client.Session) []string {
	ids := make([]string, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	return ids
}

func allSessions(ctx context.Context, t *testing.T, c *client.Client, p *client.SessionListParams) []*client.Session {
	t.Helper()
	var out []*client.Session
	for s, err := range c.Sessions.All(ctx, p) {
		if err != nil {
			t.Fatalf("Sessions.All(%+v): %v", p, err)
		}
		out = append(out, s)
		if len(out) > 1000 {
			t.Fatalf("Sessions.All(%+v) does not end", p)
		}
	}
	return out
}

func allEvents(ctx context.Context, t *testing.T, c *client.Client, p *client.EventListParams) []*client.Event {
	t.Helper()
	var out []*client.Event
	for e, err := range c.Events.All(ctx, p) {
		if err != nil {
			t.Fatalf("Events.All(%+v): %v", p, err)
		}
		out = append(out, e)
		if len(out) > 1000 {
			t.Fatalf("Events.All(%+v) does not end", p)
		}
	}
	return out
}

// logLine is one line of the server's JSON log.
type logLine struct {
	Time      string `json:"time"`
	Level     string `json:"level"`
	Msg       string `json:"msg"`
	RequestID string `json:"request_id"`
	Method    string `json:"method"`
	Path      string `json:"path"`
	Status    int    `json:"status"`
}

// parseLog parses every line of stderr as a JSON object and indexes the
// request lines by request_id.
func parseLog(t *testing.T, stderr string) (lines []logLine, byRequest map[string]logLine) {
	t.Helper()
	byRequest = map[string]logLine{}
	sc := bufio.NewScanner(strings.NewReader(stderr))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		text := sc.Text()
		if strings.TrimSpace(text) == "" {
			continue
		}
		var raw map[string]any
		if err := json.Unmarshal([]byte(text), &raw); err != nil {
			t.Errorf("log line is not a JSON object: %q: %v", text, err)
			continue
		}
		var l logLine
		if err := json.Unmarshal([]byte(text), &l); err != nil {
			t.Errorf("log line %q: %v", text, err)
			continue
		}
		if l.Time == "" || l.Level == "" || l.Msg == "" {
			t.Errorf("log line lacks time, level or msg: %q", text)
		}
		lines = append(lines, l)
		if l.Msg == "request" {
			if l.RequestID == "" {
				t.Errorf("request log line without request_id: %q", text)
			}
			byRequest[l.RequestID] = l
		}
	}
	return lines, byRequest
}

// TestEndToEnd drives the real binary through the Go SDK: create, read, list,
// filter, expire, events, typed errors, logs, graceful shutdown, and the data
// surviving a restart.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()

	data := t.TempDir()
	const key = "sk_test_endToEndBootstrap_012345"
	// A fast sweep runs throughout: it must not touch sessions that are not
	// due, nor write a second event for one expired by hand.
	srv := startServer(t, data, "--bootstrap-key", key, "--sweep-interval", "100ms")
	if out := srv.stdout.String(); !strings.Contains(out, "checkoutd listening on "+srv.base) || !strings.Contains(out, key) {
		t.Errorf("first start should print the address and the bootstrap key; stdout:\n%s", out)
	}
	c := client.New(key, client.WithBaseURL(srv.base), client.WithBackoff(10*time.Millisecond))

	// Create: amount, metadata, and the session-id placeholder kept verbatim.
	successURL := "https://shop.example.com/thanks?session_id={CHECKOUT_SESSION_ID}&src=e2e"
	cancelURL := "https://shop.example.com/cart"
	a, err := c.Sessions.Create(ctx, &client.SessionParams{
		Amount: 5000, Currency: "GHS", SuccessURL: successURL, CancelURL: cancelURL,
		Customer: "cus_alice", CustomerEmail: "alice@example.com",
		Metadata:          map[string]string{"order_id": "1234", "note": "gift wrap"},
		ClientReferenceID: "order-1234", Description: "Order 1234",
	})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if !strings.HasPrefix(a.ID, "cs_") || a.Object != "checkout.session" || a.Livemode || a.Mode != client.ModePayment {
		t.Errorf("created session header: id %q object %q livemode %v mode %q", a.ID, a.Object, a.Livemode, a.Mode)
	}
	if a.Status != client.SessionStatusOpen || a.PaymentStatus != client.PaymentStatusUnpaid {
		t.Errorf("new session is %s/%s, want open/unpaid", a.Status, a.PaymentStatus)
	}
	if a.Amount != 5000 || a.AmountTotal != 5000 || a.AmountSubtotal != 5000 || a.Currency != "GHS" {
		t.Errorf("amounts: amount %d total %d subtotal %d %s, want 5000 GHS", a.Amount, a.AmountTotal, a.AmountSubtotal, a.Currency)
	}
	if a.SuccessURL != successURL || a.CancelURL != cancelURL {
		t.Errorf("success_url %q cancel_url %q, want them unchanged", a.SuccessURL, a.CancelURL)
	}
	if !reflect.DeepEqual(a.Metadata, map[string]string{"order_id": "1234", "note": "gift wrap"}) {
		t.Errorf("metadata = %v", a.Metadata)
	}
	if a.Customer != "cus_alice" || a.CustomerEmail != "alice@example.com" || a.ClientReferenceID != "order-1234" || a.Description != "Order 1234" {
		t.Errorf("customer fields: %q %q %q %q", a.Customer, a.CustomerEmail, a.ClientReferenceID, a.Description)
	}
	if a.URL != srv.base+"/checkout/"+a.ID {
		t.Errorf("url = %q, want %s/checkout/%s", a.URL, srv.base, a.ID)
	}
	if d := a.ExpiresAt.Sub(a.CreatedAt); d < 24*time.Hour-2*time.Second || d > 24*time.Hour+2*time.Second {
		t.Errorf("default lifetime = %v, want 24h", d)
	}
	if since := time.Since(a.CreatedAt); since < -5*time.Second || since > time.Minute {
		t.Errorf("created_at %v is not now", a.CreatedAt)
	}

	// Line items without a session currency: the items' currency and total.
	b, err := c.Sessions.Create(ctx, &client.SessionParams{
		SuccessURL: successURL, CancelURL: cancelURL, Customer: "cus_bob",
		LineItems: []client.LineItemParams{
			{Quantity: 2, PriceData: &client.PriceDataParams{Currency: "EUR", UnitAmount: 2500, ProductData: &client.ProductDataParams{Name: "Tee", Description: "Blue, M"}}},
			{Quantity: 1, PriceData: &client.PriceDataParams{Currency: "EUR", UnitAmount: 1000, ProductData: &client.ProductDataParams{Name: "Mug"}}},
		},
	})
	if err != nil {
		t.Fatalf("Create with line items: %v", err)
	}
	if b.Currency != "EUR" || b.AmountTotal != 6000 || b.AmountSubtotal != 6000 {
		t.Errorf("line-item session: %s total %d subtotal %d, want EUR 6000", b.Currency, b.AmountTotal, b.AmountSubtotal)
	}
	if b.LineItems == nil || len(b.LineItems.Data) != 2 {
		t.Fatalf("line_items = %s, want 2 items", jsonOf(t, b.LineItems))
	}
	for i, want := range []struct {
		name        string
		qty, unit   int64
		total       int64
		description string
	}{{"Tee", 2, 2500, 5000, "Blue, M"}, {"Mug", 1, 1000, 1000, ""}} {
		li := b.LineItems.Data[i]
		if li.Price == nil || li.Price.ProductData.Name != want.name || li.Quantity != want.qty || li.Price.UnitAmount != want.unit ||
			li.AmountTotal != want.total || li.Currency != "EUR" || li.Price.ProductData.Description != want.description {
			t.Errorf("line item %d = %s, want %+v", i, jsonOf(t, li), want)
		}
	}

	// More sessions, so that lists span several pages; one with expires_at.
	created := []*client.Session{a, b}
	for i := range 5 {
		p := &client.SessionParams{Amount: int64(100 * (i + 1)), SuccessURL: successURL, CancelURL: cancelURL, Customer: []string{"cus_alice", "cus_bob"}[i%2]}
		var wantExpiry time.Time
		if i == 2 {
			wantExpiry = time.Now().Add(2 * time.Hour)
			p.ExpiresAt = wantExpiry
		}
		s, err := c.Sessions.Create(ctx, p)
		if err != nil {
			t.Fatalf("Create #%d: %v", i, err)
		}
		if s.Currency != "GHS" {
			t.Errorf("session without currency got %s, want the account's GHS", s.Currency)
		}
		if !wantExpiry.IsZero() && s.ExpiresAt.Sub(wantExpiry).Abs() > 2*time.Second {
			t.Errorf("expires_at = %v, want %v", s.ExpiresAt, wantExpiry)
		}
		created = append(created, s)
	}
	newestFirst := sessionIDs(created)
	slices.Reverse(newestFirst)

	// Get returns what Create returned.
	for _, s := range created {
		got, err := c.Sessions.Get(ctx, s.ID)
		if err != nil {
			t.Fatalf("Get(%s): %v", s.ID, err)
		}
		if jsonOf(t, got) != jsonOf(t, s) {
			t.Errorf("Get(%s) = %s\nCreate returned %s", s.ID, jsonOf(t, got), jsonOf(t, s))
		}
	}

	// List page by page with a limit, then with All.
	var paged []string
	after, pages := "", 0
	for {
		page, err := c.Sessions.List(ctx, &client.SessionListParams{Limit: 3, StartingAfter: after})
		if err != nil {
			t.Fatalf("List page %d: %v", pages+1, err)
		}
		pages++
		if len(page.Data) > 3 {
			t.Fatalf("page of %d with limit 3", len(page.Data))
		}
		paged = append(paged, sessionIDs(page.Data)...)
		if !page.HasMore || pages > 10 {
			break
		}
		after = page.Data[len(page.Data)-1].ID
	}
	if pages != 3 || !slices.Equal(paged, newestFirst) {
		t.Errorf("List with limit 3: %d pages %v, want 3 pages %v", pages, paged, newestFirst)
	}
	if got := sessionIDs(allSessions(ctx, t, c, &client.SessionListParams{Limit: 2})); !slices.Equal(got, newestFirst) {
		t.Errorf("All with limit 2 = %v, want %v", got, newestFirst)
	}
	if got := sessionIDs(allSessions(ctx, t, c, nil)); !slices.Equal(got, newestFirst) {
		t.Errorf("All = %v, want %v", got, newestFirst)
	}
	// ending_before: the page just after the oldest session, newest first;
	// All walks from there towards the newest, oldest first.
	page, err := c.Sessions.List(ctx, &client.SessionListParams{Limit: 2, EndingBefore: created[0].ID})
	if err != nil {
		t.Fatalf("List ending_before: %v", err)
	}
	if got, want := sessionIDs(page.Data), []string{created[2].ID, created[1].ID}; !slices.Equal(got, want) || !page.HasMore {
		t.Errorf("List ending_before oldest, limit 2 = %v has_more %v, want %v true", got, page.HasMore, want)
	}
	if got, want := sessionIDs(allSessions(ctx, t, c, &client.SessionListParams{Limit: 2, EndingBefore: created[0].ID})), sessionIDs(created[1:]); !slices.Equal(got, want) {
		t.Errorf("All ending_before oldest = %v, want %v", got, want)
	}

	// Filters.
	var alice []string
	for _, id := range newestFirst {
		if i := slices.IndexFunc(created, func(s *client.Session) bool { return s.ID == id }); created[i].Customer == "cus_alice" {
			alice = append(alice, id)
		}
	}
	if got := sessionIDs(allSessions(ctx, t, c, &client.SessionListParams{Customer: "cus_alice", Limit: 2})); !slices.Equal(got, alice) {
		t.Errorf("customer=cus_alice: %v, want %v", got, alice)
	}
	if got := sessionIDs(allSessions(ctx, t, c, &client.SessionListParams{CustomerEmail: "alice@example.com"})); !slices.Equal(got, []string{a.ID}) {
		t.Errorf("customer_email filter: %v, want [%s]", got, a.ID)
	}
	if got := sessionIDs(allSessions(ctx, t, c, &client.SessionListParams{Status: client.SessionStatusOpen})); !slices.Equal(got, newestFirst) {
		t.Errorf("status=open before any expiry: %v, want %v", got, newestFirst)
	}
	if got := allSessions(ctx, t, c, &client.SessionListParams{Status: client.SessionStatusExpired}); len(got) != 0 {
		t.Errorf("status=expired before any expiry: %v", sessionIDs(got))
	}

	// Expire: the session, the lists and the event agree.
	exp, err := c.Sessions.Expire(ctx, a.ID)
	if err != nil {
		t.Fatalf("Expire: %v", err)
	}
	if exp.ID != a.ID || exp.Status != client.SessionStatusExpired || exp.PaymentStatus != client.PaymentStatusUnpaid {
		t.Errorf("Expire returned %s %s/%s, want %s expired/unpaid", exp.ID, exp.Status, exp.PaymentStatus, a.ID)
	}
	if got, err := c.Sessions.Get(ctx, a.ID); err != nil || jsonOf(t, got) != jsonOf(t, exp) {
		t.Errorf("Get after Expire = %v, %v\nExpire returned %s", jsonOf(t, got), err, jsonOf(t, exp))
	}
	if got := sessionIDs(allSessions(ctx, t, c, &client.SessionListParams{Status: client.SessionStatusExpired})); !slices.Equal(got, []string{a.ID}) {
		t.Errorf("status=expired: %v, want [%s]", got, a.ID)
	}
	stillOpen := slices.DeleteFunc(slices.Clone(newestFirst), func(id string) bool { return id == a.ID })
	if got := sessionIDs(allSessions(ctx, t, c, &client.SessionListParams{Status: client.SessionStatusOpen})); !slices.Equal(got, stillOpen) {
		t.Errorf("status=open: %v, want %v", got, stillOpen)
	}

	evs, err := c.Events.List(ctx, nil)
	if err != nil {
		t.Fatalf("Events.List: %v", err)
	}
	if len(evs.Data) != 1 || evs.HasMore {
		t.Fatalf("events after one expiry: %s", jsonOf(t, evs))
	}
	ev := evs.Data[0]
	if !strings.HasPrefix(ev.ID, "evt_") || ev.Object != "event" || ev.Type != "checkout.session.expired" || ev.Sequence != 1 || ev.Livemode {
		t.Errorf("event = %s, want a test-mode checkout.session.expired with sequence 1", jsonOf(t, ev))
	}
	if ev.Created != ev.CreatedAt.Unix() || time.Since(ev.CreatedAt) > time.Minute {
		t.Errorf("event created %d / %v", ev.Created, ev.CreatedAt)
	}
	evSess, err := ev.Session()
	if err != nil {
		t.Fatalf("event.Session: %v", err)
	}
	if jsonOf(t, evSess) != jsonOf(t, exp) {
		t.Errorf("event data.object = %s\nwant the expired session %s", jsonOf(t, evSess), jsonOf(t, exp))
	}
	if got, err := c.Events.Get(ctx, ev.ID); err != nil || jsonOf(t, got) != jsonOf(t, ev) {
		t.Errorf("Events.Get(%s) = %s, %v\nwant %s", ev.ID, jsonOf(t, got), err, jsonOf(t, ev))
	}
	if got := allEvents(ctx, t, c, &client.EventListParams{Type: "checkout.session.expired"}); len(got) != 1 {
		t.Errorf("type=checkout.session.expired: %d events, want 1", len(got))
	}
	if got := allEvents(ctx, t, c, &client.EventListParams{Type: "checkout.session.completed"}); len(got) != 0 {
		t.Errorf("type=checkout.session.completed: %d events, want 0", len(got))
	}

	// Typed errors.
	_, err = c.Sessions.Create(ctx, &client.SessionParams{Amount: 5000, CancelURL: cancelURL})
	badReq := apiError(t, "Create without success_url", err, http.StatusBadRequest, "")
	if badReq.Param != "success_url" || badReq.Type != client.ErrorTypeInvalidRequest || badReq.Message == "" {
		t.Errorf("Create without success_url: %+v, want invalid_request_error naming success_url", badReq)
	}
	_, err = c.Sessions.Create(ctx, &client.SessionParams{Amount: 5000, Currency: "XYZ", SuccessURL: successURL, CancelURL: cancelURL})
	if e := apiError(t, "Create with currency XYZ", err, http.StatusBadRequest, "currency_invalid"); e.Param != "currency" {
		t.Errorf("Create with currency XYZ names %q, want currency", e.Param)
	}
	_, err = c.Sessions.Get(ctx, "cs_doesNotExist")
	notFound := apiError(t, "Get unknown", err, http.StatusNotFound, "resource_missing")
	if notFound.Type != client.ErrorTypeInvalidRequest {
		t.Errorf("404 type = %q", notFound.Type)
	}
	_, err = c.Events.Get(ctx, "evt_doesNotExist")
	apiError(t, "Events.Get unknown", err, http.StatusNotFound, "resource_missing")
	_, err = c.Sessions.Expire(ctx, "cs_doesNotExist")
	apiError(t, "Expire unknown", err, http.StatusNotFound, "resource_missing")
	_, err = c.Sessions.Expire(ctx, a.ID)
	if e := apiError(t, "second Expire", err, http.StatusBadRequest, "checkout_session_expired"); e.Type != client.ErrorTypeInvalidRequest {
		t.Errorf("second Expire type = %q", e.Type)
	}
	_, err = client.New("sk_test_wrongKey", client.WithBaseURL(srv.base)).Sessions.List(ctx, nil)
	if e := apiError(t, "wrong key", err, http.StatusUnauthorized, ""); e.Type != client.ErrorTypeAuthentication {
		t.Errorf("wrong key type = %q", e.Type)
	}

	// The sweep (every 100ms) leaves undue sessions open and writes no
	// second event for the session expired by hand.
	time.Sleep(350 * time.Millisecond)
	if got := allEvents(ctx, t, c, nil); len(got) != 1 {
		t.Errorf("after some sweeps: %d events, want 1: %s", len(got), jsonOf(t, got))
	}
	if got := sessionIDs(allSessions(ctx, t, c, &client.SessionListParams{Status: client.SessionStatusOpen})); !slices.Equal(got, stillOpen) {
		t.Errorf("after some sweeps, open sessions: %v, want %v", got, stillOpen)
	}

	// A plain request, to find its Request-Id in the log.
	resp, err := http.Get(srv.base + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	healthID := resp.Header.Get("Request-Id")
	if !strings.HasPrefix(healthID, "req_") {
		t.Errorf("GET /healthz: Request-Id %q", healthID)
	}

	// Everything as it is now, to compare after the restart.
	before := allSessions(ctx, t, c, nil)
	beforeEvents := allEvents(ctx, t, c, nil)

	// Graceful shutdown.
	code, took := srv.stop(t)
	if code != 0 || took > 5*time.Second {
		t.Errorf("after SIGTERM: exit code %d after %v, want 0 within 5s\nstderr:\n%s", code, took, srv.stderr)
	}

	// Logs: JSON lines, one per request under the id sent as Request-Id.
	lines, byRequest := parseLog(t, srv.stderr.String())
	for _, want := range []struct {
		id, method, path string
		status           int
	}{
		{healthID, "GET", "/healthz", 200},
		{notFound.RequestID, "GET", "/v1/checkout/sessions/cs_doesNotExist", 404},
		{badReq.RequestID, "POST", "/v1/checkout/sessions", 400},
	} {
		l, ok := byRequest[want.id]
		if !ok {
			t.Errorf("no request log line with request_id %q", want.id)
			continue
		}
		if l.Method != want.method || l.Path != want.path || l.Status != want.status {
			t.Errorf("log of %s: %s %s %d, want %s %s %d", want.id, l.Method, l.Path, l.Status, want.method, want.path, want.status)
		}
	}
	if !slices.ContainsFunc(lines, func(l logLine) bool { return l.Msg == "shutting down" }) {
		t.Errorf("no \"shutting down\" log line on SIGTERM")
	}

	// Restart over the same store with the same key: everything is still there.
	srv2 := startServer(t, data, "--bootstrap-key", key, "--sweep-interval", "100ms")
	if out := srv2.stdout.String(); strings.Contains(out, key) || strings.Contains(out, "created account") {
		t.Errorf("second start printed a key or made an account:\n%s", out)
	}
	c2 := client.New(key, client.WithBaseURL(srv2.base), client.WithBackoff(10*time.Millisecond))
	// Session URLs are built from the (new) address; everything else is stored.
	rebase := func(s string) string { return strings.ReplaceAll(s, srv.base, srv2.base) }
	restored := allSessions(ctx, t, c2, &client.SessionListParams{Limit: 3})
	if len(restored) != len(before) {
		t.Fatalf("after restart: %d sessions, want %d", len(restored), len(before))
	}
	for i := range before {
		if got, want := jsonOf(t, restored[i]), rebase(jsonOf(t, before[i])); got != want {
			t.Errorf("after restart, session %d:\n got %s\nwant %s", i, got, want)
		}
	}
	if got, err := c2.Sessions.Get(ctx, a.ID); err != nil || got.Status != client.SessionStatusExpired {
		t.Errorf("after restart, Get(%s) = %v, %v; want expired", a.ID, got, err)
	}
	afterEvents := allEvents(ctx, t, c2, nil)
	if got, want := jsonOf(t, afterEvents), rebase(jsonOf(t, beforeEvents)); got != want {
		t.Errorf("after restart, events:\n got %s\nwant %s", got, want)
	}
	_, err = c2.Sessions.Expire(ctx, a.ID)
	apiError(t, "Expire after restart", err, http.StatusBadRequest, "checkout_session_expired")
	n, err := c2.Sessions.Create(ctx, &client.SessionParams{Amount: 700, SuccessURL: successURL, CancelURL: cancelURL})
	if err != nil {
		t.Fatalf("Create after restart: %v", err)
	}
	if page, err := c2.Sessions.List(ctx, &client.SessionListParams{Limit: 1}); err != nil || len(page.Data) != 1 || page.Data[0].ID != n.ID || !page.HasMore {
		t.Errorf("after restart, the new session should list first: %v, %v", jsonOf(t, page), err)
	}
	if code, took := srv2.stop(t); code != 0 || took > 5*time.Second {
		t.Errorf("second server after SIGTERM: exit code %d after %v", code, took)
	}
}
