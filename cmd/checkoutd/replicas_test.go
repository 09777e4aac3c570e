//go:build unix

package main_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/client"
	"github.com/checkoutd/checkoutd/internal/testenv"
	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"
)

// serverStore returns the serve flags of a new, private store of kind
// ("postgres" or "redis") on the service named by its test variable: a
// schema of its own or a key prefix of its own, removed after the test.
// Without the variable the test skips, or fails under CI=true.
func serverStore(t *testing.T, kind string) []string {
	t.Helper()
	name := map[string]string{"postgres": "CHECKOUTD_TEST_POSTGRES_URL", "redis": "CHECKOUTD_TEST_REDIS_URL"}[kind]
	example := map[string]string{"postgres": "postgres://root@127.0.0.1:5432/test?sslmode=disable", "redis": "redis://127.0.0.1:6379/0"}[kind]
	dsn := testenv.Env(t, name, example, "the replica tests against "+kind)
	suffix := make([]byte, 6)
	rand.Read(suffix)
	tag := "ckd_replicas_" + hex.EncodeToString(suffix)
	ctx := context.Background()

	if kind == "postgres" {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatalf("connecting to %s: %v", name, err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "CREATE SCHEMA "+tag); err != nil {
			t.Fatalf("creating schema %s: %v", tag, err)
		}
		t.Cleanup(func() {
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Errorf("dropping schema %s: %v", tag, err)
				return
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, "DROP SCHEMA "+tag+" CASCADE"); err != nil {
				t.Errorf("dropping schema %s: %v", tag, err)
			}
		})
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		q := u.Query()
		q.Set("search_path", tag)
		u.RawQuery = q.Encode()
		return []string{"--store", "postgres", "--postgres-url", u.String()}
	}

	opts, err := goredis.ParseURL(dsn)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	prefix := tag + ":"
	t.Cleanup(func() {
		rdb := goredis.NewClient(opts)
		defer rdb.Close()
		iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("listing the test's Redis keys: %v", err)
		}
		for len(keys) > 0 {
			n := min(len(keys), 500)
			if err := rdb.Unlink(ctx, keys[:n]...).Err(); err != nil {
				t.Errorf("removing the test's Redis keys: %v", err)
				return
			}
			keys = keys[n:]
		}
	})
	return []string{"--store", "redis", "--redis-url", dsn, "--redis-prefix", prefix}
}

// eventLog is a webhook receiver that keeps every event it is sent.
type eventLog struct {
	mu       sync.Mutex
	received map[string]int               // event id → deliveries
	bySess   map[string]map[string]string // session id → event id → type
}

func (l *eventLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var ev struct {
		ID   string `json:"id"`
		Type string `json:"type"`
		Data struct {
			Object struct {
				ID     string `json:"id"`
				Object string `json:"object"`
			} `json:"object"`
		} `json:"data"`
	}
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &ev); err != nil || ev.ID == "" {
		http.Error(w, "not an event", http.StatusBadRequest)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.received[ev.ID]++
	if ev.Data.Object.Object == "checkout.session" {
		if l.bySess[ev.Data.Object.ID] == nil {
			l.bySess[ev.Data.Object.ID] = map[string]string{}
		}
		l.bySess[ev.Data.Object.ID][ev.ID] = ev.Type
	}
}

// missing returns the ids not received yet.
func (l *eventLog) missing(ids []string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, id := range ids {
		if l.received[id] == 0 {
			out = append(out, id)
		}
	}
	return out
}

// TestReplicas runs three checkoutd processes over one shared store, spreads
// creates, card payments through the page's forms (some paid from two
// replicas at once, as two tabs would) and expiries (by the API from two
// replicas at once, and by the replicas' sweepers) across them, kills one
// with SIGKILL half-way, and then checks what a merchant relies on: every
// session a client saw created exists, no session has two successful
// payments, every completed or expired session has exactly one event saying
// so, and each such event reached the webhook receiver under that one id.
func TestReplicas(t *testing.T) {
	for _, kind := range []string{"postgres", "redis"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			args := serverStore(t, kind)
			if kind == "redis" {
				// The test Redis (like CI's) keeps nothing on disk.
				args = append(args, "--redis-allow-volatile")
			}
			testReplicas(t, args)
		})
	}
}

func testReplicas(t *testing.T, storeArgs []string) {
	const key = "sk_test_replicas_0123456789abcde"
	keyFile := filepath.Join(t.TempDir(), "encryption.key")
	secret := make([]byte, 32)
	rand.Read(secret)
	if err := os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString(secret)), 0o600); err != nil {
		t.Fatal(err)
	}
	hooks := &eventLog{received: map[string]int{}, bySess: map[string]map[string]string{}}
	receiver := httptest.NewServer(hooks)
	defer receiver.Close()

	args := append([]string{
		"--encryption-key-file", keyFile, "--bootstrap-key", key,
		"--webhook-allow-private", "--webhook-retry-schedule", "200ms,500ms,1s,2s",
		"--pay-rate-limit", "0", "--sweep-interval", "200ms", "--log-level", "warn",
	}, storeArgs...)
	var replicas [3]*proc
	for i := range replicas {
		replicas[i] = launch(t, func(addr string) ([]string, []string) {
			return append([]string{"serve", "--addr", addr, "--data", t.TempDir()}, args...), nil
		})
	}
	apiPost(t, replicas[0].base, key, "/v1/webhook_endpoints", url.Values{
		"url": {receiver.URL + "/hooks"}, "enabled_events[0]": {"*"},
	})

	clients := make([]*client.Client, len(replicas))
	for i, p := range replicas {
		clients[i] = client.New(key, client.WithBaseURL(p.base), client.WithMaxRetries(0))
	}
	var killed atomic.Bool // replica 2 is gone
	alive := func(i int) int {
		i %= len(replicas)
		if i == 2 && killed.Load() {
			return 0
		}
		return i
	}

	ctx := t.Context()
	var (
		mu      sync.Mutex
		created []string        // sessions a client saw created
		paid    map[string]bool // sessions a pay form answered 303 to success
	)
	paid = map[string]bool{}
	create := func(r int, expiresAt time.Time) string {
		s, err := clients[alive(r)].Sessions.Create(ctx, &client.SessionParams{
			Amount: 5000, Currency: "GHS", SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/cart",
			ExpiresAt: expiresAt,
		})
		if err != nil {
			return "" // a replica killed mid-request: the client saw nothing
		}
		mu.Lock()
		created = append(created, s.ID)
		mu.Unlock()
		return s.ID
	}

	// Sessions that the sweepers expire while the rest runs.
	var swept []string
	for i := range 6 {
		if id := create(i, time.Now().Add(62*time.Second)); id != "" {
			swept = append(swept, id)
		}
	}

	const workers, rounds = 6, 12
	var ops atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				if ops.Add(1) == workers*rounds/2 {
					// Half-way: replica 2 dies without a chance to clean up.
					killed.Store(true)
					replicas[2].cmd.Process.Signal(syscall.SIGKILL)
				}
				r := w + i
				id := create(r, time.Time{})
				if id == "" {
					continue
				}
				switch i % 3 {
				case 0: // two tabs pay at once, through two replicas
					var tabs sync.WaitGroup
					for tab := 1; tab <= 2; tab++ {
						tabs.Go(func() {
							if payByForm(replicas[alive(r+tab)].base, id) {
								mu.Lock()
								paid[id] = true
								mu.Unlock()
							}
						})
					}
					tabs.Wait()
				case 1: // two replicas expire it at once
					var both sync.WaitGroup
					for k := 1; k <= 2; k++ {
						both.Go(func() { clients[alive(r+k)].Sessions.Expire(ctx, id) })
					}
					both.Wait()
				case 2:
					if payByForm(replicas[alive(r+1)].base, id) {
						mu.Lock()
						paid[id] = true
						mu.Unlock()
					}
				}
			}
		})
	}
	wg.Wait()
	if len(created) < workers*rounds/2 {
		t.Fatalf("only %d sessions were created; the replicas did not serve", len(created))
	}

	// Let the sweepers expire the short-lived sessions. A session reads as
	// expired from its expires_at on, whether or not a sweeper has run, so
	// what shows a sweeper's work is the checkout.session.expired event.
	c := clients[0]
	deadline := time.Now().Add(90 * time.Second)
	for {
		seen := map[string]bool{}
		for ev, err := range c.Events.All(ctx, &client.EventListParams{Type: "checkout.session.expired", Limit: 100}) {
			if err != nil {
				t.Fatalf("listing expired events: %v", err)
			}
			if s, err := ev.Session(); err == nil {
				seen[s.ID] = true
			}
		}
		var waiting []string
		for _, id := range swept {
			if !seen[id] {
				waiting = append(waiting, id)
			}
		}
		if len(waiting) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sessions %v have no checkout.session.expired event 90 s after the wait began; no sweeper expired them", waiting)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// Every session a client saw created exists, with at most one
	// successful payment.
	status := map[string]client.SessionStatus{}
	for _, id := range created {
		s, err := c.Sessions.Get(ctx, id)
		if err != nil {
			t.Errorf("session %s, which a client saw created, cannot be read: %v", id, err)
			continue
		}
		status[id] = s.Status
		succeeded := 0
		for _, p := range listPayments(t, replicas[0].base, key, id) {
			if p == "succeeded" {
				succeeded++
			}
		}
		if succeeded > 1 {
			t.Errorf("session %s has %d successful payments", id, succeeded)
		}
		if paid[id] && s.Status != client.SessionStatusComplete {
			t.Errorf("session %s: the customer was sent to success_url but the session is %s", id, s.Status)
		}
		if s.Status == client.SessionStatusComplete && succeeded != 1 {
			t.Errorf("session %s is complete with %d successful payments", id, succeeded)
		}
	}

	// Exactly one completed or expired event per session in that state.
	want := map[string]string{} // event id → session id
	for _, typ := range []string{"checkout.session.completed", "checkout.session.expired"} {
		per := map[string][]string{}
		for ev, err := range c.Events.All(ctx, &client.EventListParams{Type: typ, Limit: 100}) {
			if err != nil {
				t.Fatalf("listing %s events: %v", typ, err)
			}
			s, err := ev.Session()
			if err != nil {
				t.Fatal(err)
			}
			per[s.ID] = append(per[s.ID], ev.ID)
			want[ev.ID] = s.ID
		}
		wantStatus := map[string]client.SessionStatus{
			"checkout.session.completed": client.SessionStatusComplete,
			"checkout.session.expired":   client.SessionStatusExpired,
		}[typ]
		for id, st := range status {
			if st == wantStatus && len(per[id]) != 1 {
				t.Errorf("session %s is %s with %d %s events: %v", id, st, len(per[id]), typ, per[id])
			}
		}
	}
	if t.Failed() {
		return
	}
	var completed, expired int
	for _, st := range status {
		switch st {
		case client.SessionStatusComplete:
			completed++
		case client.SessionStatusExpired:
			expired++
		}
	}
	if completed == 0 || expired < len(swept) {
		t.Fatalf("the run made %d complete and %d expired sessions; it tests nothing", completed, expired)
	}

	// Every one of them reaches the receiver, each session's under one id.
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	// A delivery leased by the killed replica is taken over once its lease
	// lapses (the delivery timeout plus a margin).
	deadline = time.Now().Add(60 * time.Second)
	for miss := hooks.missing(ids); len(miss) > 0; miss = hooks.missing(ids) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d completed/expired events never reached the receiver, e.g. %s", len(miss), len(ids), miss[0])
		}
		time.Sleep(200 * time.Millisecond)
	}
	hooks.mu.Lock()
	defer hooks.mu.Unlock()
	for sess, evs := range hooks.bySess {
		byType := map[string][]string{}
		for ev, typ := range evs {
			byType[typ] = append(byType[typ], ev)
		}
		for typ, evs := range byType {
			if (typ == "checkout.session.completed" || typ == "checkout.session.expired") && len(evs) != 1 {
				t.Errorf("session %s: the receiver got %s under %d event ids: %v", sess, typ, len(evs), evs)
			}
		}
	}
	t.Logf("%d sessions created, %d complete, %d expired (%d by the sweepers); %d events delivered",
		len(created), completed, expired, len(swept), len(hooks.received))
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// payByForm pays a session with the test card that succeeds, through the
// hosted page's forms on base, as a browser without JavaScript would. It
// reports whether the answer sent the customer to the success URL.
func payByForm(base, sessionID string) bool {
	hc := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	res, err := hc.Get(base + "/checkout/" + sessionID)
	if err != nil {
		return false
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfField.FindSubmatch(page)
	if res.StatusCode != http.StatusOK || m == nil {
		return false
	}
	form := url.Values{"csrf_token": {string(m[1])}, "method": {"card"}, "email": {"buyer@example.com"},
		"card_number": {"4242424242424242"}, "card_expiry": {"12/34"}, "card_cvc": {"123"}}
	res, err = hc.PostForm(base+"/checkout/"+sessionID+"/pay", form)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "https://shop.example/ok")
}

// listPayments returns the statuses of a session's payments.
func listPayments(t *testing.T, base, key, sessionID string) []string {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/v1/payments?limit=100&checkout_session="+url.QueryEscape(sessionID), nil)
	req.SetBasicAuth(key, "")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var page struct {
		Data []struct {
			Status string `json:"status"`
		} `json:"data"`
	}
	if err := json.NewDecoder(res.Body).Decode(&page); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("listing the payments of %s: %d %v", sessionID, res.StatusCode, err)
	}
	out := make([]string, len(page.Data))
	for i, p := range page.Data {
		out[i] = p.Status
	}
	return out
}
