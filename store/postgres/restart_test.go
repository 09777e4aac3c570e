package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/postgres"
)

// TestSurvivesServerRestart: what a Commit wrote is still there after
// PostgreSQL crashes and comes back. The test runs a cluster of its own
// (initdb in a temporary directory, on a free loopback port), stops it with
// `pg_ctl stop -m immediate`, which writes no shutdown checkpoint, so the
// restart has to recover the commits from the WAL, and compares every read
// before the crash with the same read after it.
//
// It needs the PostgreSQL server binaries, not CHECKOUTD_TEST_POSTGRES_URL,
// and never touches another server.
func TestSurvivesServerRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	pg := newCluster(t)
	pg.start(ctx)

	s := openRetry(t, ctx, pg.url())
	writeDurable(t, ctx, s)
	before := readDurable(t, ctx, s)
	checkWritten(t, before)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	pg.stop(ctx, "immediate")
	pg.start(ctx)
	if log := pg.log(); !strings.Contains(log, "automatic recovery in progress") {
		t.Errorf("the restart did not recover from the WAL; server log:\n%s", log)
	} else {
		for line := range strings.Lines(log) {
			if strings.Contains(line, "recovery") || strings.Contains(line, "redo") {
				t.Log(strings.TrimSpace(line))
			}
		}
	}

	s = openRetry(t, ctx, pg.url())
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

	// And the store takes new writes.
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
		if err := s.CreateSession(ctx, newSession(id)); err != nil {
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

// openRetry opens the store, retrying while the server comes up.
func openRetry(t *testing.T, ctx context.Context, url string) *postgres.Store {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s, err := postgres.Open(ctx, url)
		if err == nil {
			return s
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("Open %s: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// cluster is a PostgreSQL cluster of the test's own: its data directory,
// socket and log in a temporary directory, served on a free loopback port.
type cluster struct {
	t    *testing.T
	bin  string   // the directory of initdb, pg_ctl and postgres
	as   []string // runs a command as the cluster's owner: runuser … when root
	dir  string
	port int
	pid  int // the postmaster's, while it runs
}

// newCluster finds the binaries and runs initdb. As root (initdb refuses to
// run as root) the cluster belongs to the postgres user. The server is
// stopped when the test ends.
func newCluster(t *testing.T) *cluster {
	t.Helper()
	c := &cluster{t: t, bin: pgBinDir(t), dir: t.TempDir(), port: freePort(t)}
	if os.Geteuid() == 0 {
		runuser, err := exec.LookPath("runuser")
		if err != nil {
			need(t, "runuser is not installed (Debian package util-linux); as root the PostgreSQL restart test runs the server as the postgres user with it")
		}
		u, err := user.Lookup("postgres")
		if err != nil {
			need(t, "there is no postgres user (made by the Debian package postgresql); as root the PostgreSQL restart test runs the server as that user")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(c.dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		// t.TempDir's parent is private to root: let the postgres user through.
		if err := os.Chmod(filepath.Dir(c.dir), 0o711); err != nil {
			t.Fatal(err)
		}
		c.as = []string{runuser, "-u", "postgres", "--"}
	}
	c.run(t.Context(), "initdb", "-D", c.data(), "-U", "postgres", "--auth=trust", "--locale=C", "--encoding=UTF8")
	t.Cleanup(c.cleanup)
	return c
}

func (c *cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *cluster) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// run runs one of the PostgreSQL binaries as the cluster's owner.
func (c *cluster) run(ctx context.Context, name string, args ...string) {
	c.t.Helper()
	argv := append(slices.Clone(c.as), filepath.Join(c.bin, name))
	argv = append(argv, args...)
	if err := runCmd(ctx, c.dir, argv); err != nil {
		c.t.Fatalf("%v\nserver log:\n%s", err, c.log())
	}
}

func runCmd(ctx context.Context, dir string, argv []string) error {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir // the postgres user may not enter the test's working directory
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return nil
}

// start starts the server on the cluster's port and waits until it accepts
// connections (after any recovery).
func (c *cluster) start(ctx context.Context) {
	c.t.Helper()
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=on -c synchronous_commit=on", c.port, c.dir)
	c.run(ctx, "pg_ctl", "-D", c.data(), "-l", filepath.Join(c.dir, "server.log"), "-o", opts, "-w", "-t", "60", "start")
	if c.pid = c.pidFromFile(); c.pid == 0 {
		c.t.Fatalf("the server started but left no PID in postmaster.pid")
	}
}

// pidFromFile is the PID in the cluster's postmaster.pid, 0 if there is none.
func (c *cluster) pidFromFile() int {
	b, err := os.ReadFile(filepath.Join(c.data(), "postmaster.pid"))
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(first))
	return pid
}

// stop stops the server with pg_ctl in the given mode: immediate is a crash
// (the server quits without a checkpoint), fast a clean shutdown.
func (c *cluster) stop(ctx context.Context, mode string) {
	c.t.Helper()
	c.run(ctx, "pg_ctl", "-D", c.data(), "-m", mode, "-w", "-t", "60", "stop")
	c.pid = 0
}

// cleanup stops the server if it runs, and kills it by its PID if pg_ctl
// cannot.
func (c *cluster) cleanup() {
	if c.pid == 0 {
		// A start that failed half-way may have left a server running.
		c.pid = c.pidFromFile()
	}
	if c.pid == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	argv := append(slices.Clone(c.as), filepath.Join(c.bin, "pg_ctl"), "-D", c.data(), "-m", "fast", "-w", "-t", "20", "stop")
	if err := runCmd(ctx, c.dir, argv); err != nil {
		c.t.Errorf("stopping the test's server: %v; killing it (pid %d)", err, c.pid)
		if err := syscall.Kill(c.pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			c.t.Errorf("kill %d: %v", c.pid, err)
		}
	}
	c.pid = 0
}

func (c *cluster) log() string {
	b, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
	return string(b)
}

// pgBinDir returns a directory with initdb, pg_ctl and postgres of one
// version: pg_ctl's on PATH, else the newest of /usr/lib/postgresql/*/bin.
func pgBinDir(t *testing.T) string {
	t.Helper()
	var dirs []string
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if p, err := filepath.EvalSymlinks(p); err == nil {
			dirs = append(dirs, filepath.Dir(p))
		}
	}
	installed, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(installed, func(a, b string) int { return pgVersion(b) - pgVersion(a) })
	dirs = append(dirs, installed...)
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "pg_ctl")) && isExecutable(filepath.Join(d, "postgres")) {
			return d
		}
	}
	need(t, "the PostgreSQL restart test needs initdb, pg_ctl and postgres (on PATH or in /usr/lib/postgresql/*/bin; Debian package postgresql)")
	return ""
}

// pgVersion is the major version in /usr/lib/postgresql/<version>/bin.
func pgVersion(dir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return v
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// need skips the test for want of what msg names, or on CI fails it.
func need(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
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
