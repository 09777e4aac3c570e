package redis_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/redis"
	goredis "github.com/redis/go-redis/v9"
)

// TestSurvivesRedisRestartWithAOF tests what the README says Redis needs to
// keep a store across a restart. Each subtest runs a redis-server of its own
// (a free loopback port, a temporary directory), writes through the store,
// kills the server with SIGKILL, so it saves nothing on the way out, starts
// it again on the same directory and reads everything back.
//
// With appendonly yes, under either appendfsync the README names, every
// object, list page, idempotency record and undispatched event survives.
// (A SIGKILL loses only what Redis had not yet written to the kernel, which
// under both settings is nothing acknowledged; what everysec may lose on a
// power loss, at most the last second, a test cannot show.) Without AOF the
// sessions are gone: the failure the README warns of.
//
// It needs redis-server, not CHECKOUTD_TEST_REDIS_URL, and never touches
// another server.
func TestSurvivesRedisRestartWithAOF(t *testing.T) {
	bin := redisServerBin(t)
	for _, fsync := range []string{"always", "everysec"} {
		t.Run("appendfsync_"+fsync, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			srv := newRedisServer(t, bin, "--appendonly", "yes", "--appendfsync", fsync, "--save", "")
			srv.start(ctx)

			s := openRedis(t, ctx, srv.url())
			writeDurable(t, ctx, s)
			before := readDurable(t, ctx, s)
			checkWritten(t, before)
			s.Close()

			srv.kill()
			srv.start(ctx)
			for line := range strings.Lines(srv.log()) {
				if strings.Contains(line, "DB loaded from") {
					t.Log(strings.TrimSpace(line))
				}
			}

			s = openRedis(t, ctx, srv.url())
			defer s.Close()
			after := readDurable(t, ctx, s)
			compareDurable(t, before, after)

			// The event was committed undispatched: the outbox still has it.
			claimed, err := s.ClaimEvents(ctx, now.Add(2*time.Minute), now.Add(3*time.Minute), 10)
			if err != nil {
				t.Fatalf("ClaimEvents after the restart: %v", err)
			}
			if len(claimed) != 1 || !reflect.DeepEqual(claimed[0], before.Event) {
				t.Errorf("ClaimEvents after the restart: %d events %+v; want %s", len(claimed), claimed, before.Event.ID)
			}

			// And the store takes new writes (its scripts are loaded again).
			open, err := s.GetSession(ctx, scope, "cs_open")
			if err != nil {
				t.Fatalf("GetSession after the restart: %v", err)
			}
			ev, err := open.Apply(checkout.TransitionExpire, now.Add(5*time.Minute), "evt_expired")
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if err := s.Commit(ctx, checkout.Change{Session: open, Events: []*checkout.Event{ev}}); err != nil {
				t.Fatalf("Commit after the restart: %v", err)
			}
			if got, err := s.GetSession(ctx, scope, "cs_open"); err != nil || got.Version != 2 || got.Status != checkout.SessionExpired {
				t.Errorf("session written after the restart: %+v, %v; want expired, version 2", got, err)
			}
			d := &checkout.Delivery{ID: "whd_1", AccountID: scope.AccountID, EventID: before.Event.ID, EndpointID: "we_1",
				Status: checkout.DeliveryPending, NextAt: now, Created: now, Updated: now}
			if err := s.Dispatch(ctx, before.Event.ID, []*checkout.Delivery{d}); err != nil {
				t.Fatalf("Dispatch after the restart: %v", err)
			}
			if ds, err := s.ClaimDeliveries(ctx, now.Add(time.Minute), now.Add(2*time.Minute), 10); err != nil || len(ds) != 1 || ds[0].ID != d.ID {
				t.Errorf("ClaimDeliveries after the restart: %v, %v; want whd_1", ds, err)
			}
		})
	}

	// The opposite: no AOF and no snapshots, and a restart loses everything.
	t.Run("without_AOF_the_data_is_lost", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		srv := newRedisServer(t, bin, "--appendonly", "no", "--save", "")
		srv.start(ctx)

		s := openRedis(t, ctx, srv.url())
		writeDurable(t, ctx, s)
		checkWritten(t, readDurable(t, ctx, s))
		s.Close()

		srv.kill()
		srv.start(ctx)

		s = openRedis(t, ctx, srv.url())
		defer s.Close()
		if got, err := s.GetSession(ctx, scope, "cs_paid"); !checkout.IsKind(err, checkout.KindNotFound) {
			t.Errorf("GetSession after a restart without AOF: %+v, %v; want ErrNotFound", got, err)
		}
		if got, err := s.GetPayment(ctx, scope, "pay_1"); !checkout.IsKind(err, checkout.KindNotFound) {
			t.Errorf("GetPayment after a restart without AOF: %+v, %v; want ErrNotFound", got, err)
		}
		if got, err := s.ClaimEvents(ctx, now.Add(2*time.Minute), now.Add(3*time.Minute), 10); err != nil || len(got) != 0 {
			t.Errorf("ClaimEvents after a restart without AOF: %d events, %v; want none (the webhook is lost)", len(got), err)
		}
	})
}

// durable is everything the restart tests read back: each object, a list
// page of each kind, and the idempotency record a retry would meet.
type durable struct {
	Account   *checkout.Account
	Key       *checkout.APIKey
	Paid      *checkout.Session
	PaidByID  *checkout.Session // FindSession, as the payment page reads it
	Open      *checkout.Session
	Payment   *checkout.Payment
	Event     *checkout.Event
	Sessions  checkout.Page[*checkout.Session]
	FirstPage checkout.Page[*checkout.Session]
	NextPage  checkout.Page[*checkout.Session]
	Events    checkout.Page[*checkout.Event]
	Idem      *checkout.IdempotencyRecord
}

var durableKey = &checkout.APIKey{ID: "key_1", AccountID: "acct_1", Hash: checkout.HashKey("sk_test_restart"), Hint: "tart", Created: now}

// writeDurable writes an account with a key, two sessions, one of them paid
// in a Commit with its payment and event, and a finished idempotency record.
func writeDurable(t *testing.T, ctx context.Context, s checkout.Store) {
	t.Helper()
	acct := &checkout.Account{ID: "acct_1", Name: "Shop", DefaultCurrency: "EUR", SessionTTL: time.Hour, Created: now}
	if err := s.CreateAccount(ctx, acct, []*checkout.APIKey{durableKey}); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	for _, id := range []string{"cs_paid", "cs_open"} {
		if err := s.CreateSession(ctx, newSession(id, now.Add(24*time.Hour))); err != nil {
			t.Fatalf("CreateSession(%s): %v", id, err)
		}
	}
	sess, err := s.GetSession(ctx, scope, "cs_paid")
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	ev, err := sess.Apply(checkout.TransitionPay, now.Add(time.Minute), "evt_paid")
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	sess.Payment = "pay_1"
	pay := &checkout.Payment{ID: "pay_1", AccountID: "acct_1", SessionID: "cs_paid", Provider: "test", Method: "card",
		Status: checkout.PaymentSucceeded, Amount: 2000, Currency: "EUR", CardBrand: "visa", CardLast4: "4242",
		Version: 1, Created: now, Updated: now.Add(time.Minute)}
	if err := s.Commit(ctx, checkout.Change{Session: sess, Payment: pay, Events: []*checkout.Event{ev}}); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	rec := &checkout.IdempotencyRecord{Scope: scope, Key: "idem_1", Fingerprint: "fp", Created: now}
	if got, err := s.ClaimIdempotencyKey(ctx, rec); err != nil || got != nil {
		t.Fatalf("ClaimIdempotencyKey: %+v, %v", got, err)
	}
	rec.Done, rec.Status, rec.ContentType, rec.Body = true, 200, "application/json", []byte(`{"id":"cs_paid"}`)
	if err := s.FinishIdempotencyKey(ctx, rec); err != nil {
		t.Fatalf("FinishIdempotencyKey: %v", err)
	}
}

// readDurable reads back what writeDurable wrote, failing on any error.
func readDurable(t *testing.T, ctx context.Context, s checkout.Store) durable {
	t.Helper()
	var d durable
	var err error
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	d.Account, err = s.GetAccount(ctx, "acct_1")
	must("GetAccount", err)
	d.Key, err = s.FindAPIKey(ctx, durableKey.Hash)
	must("FindAPIKey", err)
	d.Paid, err = s.GetSession(ctx, scope, "cs_paid")
	must("GetSession(cs_paid)", err)
	d.PaidByID, err = s.FindSession(ctx, "cs_paid")
	must("FindSession(cs_paid)", err)
	d.Open, err = s.GetSession(ctx, scope, "cs_open")
	must("GetSession(cs_open)", err)
	d.Payment, err = s.GetPayment(ctx, scope, "pay_1")
	must("GetPayment", err)
	d.Event, err = s.GetEvent(ctx, scope, "evt_paid")
	must("GetEvent", err)
	d.Sessions, err = s.ListSessions(ctx, scope, checkout.SessionFilter{ListParams: checkout.ListParams{Limit: 10}})
	must("ListSessions", err)
	d.FirstPage, err = s.ListSessions(ctx, scope, checkout.SessionFilter{ListParams: checkout.ListParams{Limit: 1}})
	must("ListSessions(limit 1)", err)
	if len(d.FirstPage.Items) == 1 {
		d.NextPage, err = s.ListSessions(ctx, scope, checkout.SessionFilter{ListParams: checkout.ListParams{Limit: 1, StartingAfter: d.FirstPage.Items[0].ID}})
		must("ListSessions(starting_after)", err)
	}
	d.Events, err = s.ListEvents(ctx, scope, checkout.EventFilter{ListParams: checkout.ListParams{Limit: 10}})
	must("ListEvents", err)
	// A retry of the request with another body meets the finished record
	// (and a live record is not replaced, so this writes nothing).
	d.Idem, err = s.ClaimIdempotencyKey(ctx, &checkout.IdempotencyRecord{Scope: scope, Key: "idem_1", Fingerprint: "other", Created: now.Add(time.Hour)})
	must("ClaimIdempotencyKey", err)
	return d
}

// checkWritten checks the reads before the restart against what was written,
// so that the comparison after it compares the right things.
func checkWritten(t *testing.T, d durable) {
	t.Helper()
	if d.Account.Name != "Shop" || d.Key.ID != "key_1" {
		t.Errorf("account %+v, key %+v", d.Account, d.Key)
	}
	if d.Paid.Status != checkout.SessionComplete || d.Paid.PaymentStatus != checkout.PaymentPaid || d.Paid.Version != 2 || d.Paid.Payment != "pay_1" {
		t.Errorf("paid session: %s/%s version %d payment %q; want complete/paid version 2 pay_1", d.Paid.Status, d.Paid.PaymentStatus, d.Paid.Version, d.Paid.Payment)
	}
	if d.Open.Status != checkout.SessionOpen || d.Open.Version != 1 {
		t.Errorf("open session: %s version %d", d.Open.Status, d.Open.Version)
	}
	if d.Payment.Status != checkout.PaymentSucceeded || d.Payment.Version != 1 || d.Payment.Amount != 2000 {
		t.Errorf("payment: %+v", d.Payment)
	}
	if d.Event.Type != checkout.EventSessionCompleted || d.Event.Sequence != 1 || d.Event.Session == nil || d.Event.Session.Version != 2 {
		t.Errorf("event: %+v", d.Event)
	}
	if len(d.Sessions.Items) != 2 || len(d.FirstPage.Items) != 1 || !d.FirstPage.HasMore || len(d.NextPage.Items) != 1 || len(d.Events.Items) != 1 {
		t.Errorf("lists: %d sessions, pages of %d (more %v) and %d, %d events; want 2, 1 (more), 1, 1",
			len(d.Sessions.Items), len(d.FirstPage.Items), d.FirstPage.HasMore, len(d.NextPage.Items), len(d.Events.Items))
	}
	if d.Idem == nil || !d.Idem.Done || d.Idem.Fingerprint != "fp" || d.Idem.Status != 200 || string(d.Idem.Body) != `{"id":"cs_paid"}` {
		t.Errorf("idempotency record: %+v", d.Idem)
	}
}

// compareDurable reports each read that differs after the restart.
func compareDurable(t *testing.T, before, after durable) {
	t.Helper()
	b, a := reflect.ValueOf(before), reflect.ValueOf(after)
	for i := range b.NumField() {
		if bf, af := b.Field(i).Interface(), a.Field(i).Interface(); !reflect.DeepEqual(bf, af) {
			t.Errorf("%s differs after the restart:\nbefore %s\nafter  %s", b.Type().Field(i).Name, show(bf), show(af))
		}
	}
}

// show prints v, following the pointers in pages.
func show(v any) string {
	switch v := v.(type) {
	case checkout.Page[*checkout.Session]:
		var items []string
		for _, s := range v.Items {
			items = append(items, fmt.Sprintf("%+v", *s))
		}
		return fmt.Sprintf("%v has more %v", items, v.HasMore)
	case checkout.Page[*checkout.Event]:
		var items []string
		for _, e := range v.Items {
			items = append(items, fmt.Sprintf("%+v", *e))
		}
		return fmt.Sprintf("%v has more %v", items, v.HasMore)
	}
	return fmt.Sprintf("%+v", v)
}

// openRedis opens the store on the test's server, with the default prefix.
func openRedis(t *testing.T, ctx context.Context, url string) *redis.Store {
	t.Helper()
	s, err := redis.Open(ctx, url, redis.Options{})
	if err != nil {
		t.Fatalf("Open %s: %v", url, err)
	}
	return s
}

// redisServer is a redis-server of the test's own, on a free loopback port
// with its files in a temporary directory. It is killed when the test ends.
type redisServer struct {
	t      *testing.T
	bin    string
	dir    string
	port   int
	args   []string // the persistence settings
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has been waited for
}

func newRedisServer(t *testing.T, bin string, args ...string) *redisServer {
	r := &redisServer{t: t, bin: bin, dir: t.TempDir(), port: freePort(t), args: args}
	t.Cleanup(func() {
		if r.cmd != nil {
			r.kill()
		}
	})
	return r
}

func (r *redisServer) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

// start starts the server and waits until it answers PING, which it does
// only once it has loaded its files.
func (r *redisServer) start(ctx context.Context) {
	r.t.Helper()
	logFile, err := os.OpenFile(filepath.Join(r.dir, "redis.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		r.t.Fatal(err)
	}
	defer logFile.Close()
	args := append([]string{"--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--dir", r.dir, "--daemonize", "no"}, r.args...)
	cmd := exec.Command(r.bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	r.cmd, r.exited = cmd, make(chan struct{})
	exited := r.exited
	go func() {
		cmd.Wait()
		close(exited)
	}()

	c := goredis.NewClient(&goredis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.port), MaxRetries: -1, DialTimeout: time.Second})
	defer c.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := c.Ping(ctx).Err()
		if err == nil {
			return
		}
		select {
		case <-exited:
			r.cmd = nil
			r.t.Fatalf("redis-server %s exited: %v\nlog:\n%s", strings.Join(args, " "), cmd.ProcessState, r.log())
		default:
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			r.t.Fatalf("redis-server does not answer PING: %v\nlog:\n%s", err, r.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill kills the server with SIGKILL, by its PID, and waits for it to exit.
func (r *redisServer) kill() {
	r.t.Helper()
	if err := r.cmd.Process.Kill(); err != nil {
		r.t.Errorf("kill redis-server (pid %d): %v", r.cmd.Process.Pid, err)
	}
	select {
	case <-r.exited:
	case <-time.After(10 * time.Second):
		r.t.Errorf("redis-server (pid %d) did not exit after SIGKILL", r.cmd.Process.Pid)
	}
	r.cmd = nil
}

func (r *redisServer) log() string {
	b, _ := os.ReadFile(filepath.Join(r.dir, "redis.log"))
	return string(b)
}

// redisServerBin finds redis-server; without it the test is skipped, or on
// CI fails.
func redisServerBin(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		msg := "the Redis restart test needs redis-server on PATH (Debian package redis-server)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return bin
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
