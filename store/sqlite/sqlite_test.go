package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/sqlite"
	"github.com/checkoutd/checkoutd/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) checkout.Store {
		return mustOpen(t, filepath.Join(t.TempDir(), "checkoutd.db"))
	})
}

// mustOpen opens the store at path and closes it when the test ends.
func mustOpen(tb testing.TB, path string) *sqlite.Store {
	tb.Helper()
	return mustOpenWith(tb, sqlite.Open, path)
}

func mustOpenWith(tb testing.TB, open func(string) (*sqlite.Store, error), path string) *sqlite.Store {
	tb.Helper()
	s, err := open(path)
	if err != nil {
		tb.Fatalf("opening %s: %v", path, err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

var (
	now   = time.Date(2026, 5, 4, 10, 30, 15, 123456000, time.UTC)
	scope = checkout.Scope{AccountID: "acct_1"}
)

func newSession(id string) *checkout.Session {
	return &checkout.Session{
		ID: id, AccountID: scope.AccountID, Livemode: scope.Livemode, Mode: checkout.ModePayment,
		Status: checkout.SessionOpen, PaymentStatus: checkout.PaymentUnpaid,
		Currency: "EUR", AmountSubtotal: 2000, AmountTotal: 2000,
		LineItems: []checkout.LineItem{{
			ID: "li_" + id, Name: "T-shirt", Quantity: 2, UnitAmount: 1000, Currency: "EUR",
			AmountSubtotal: 2000, AmountTotal: 2000,
		}},
		SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/cancel",
		CustomerEmail: "ama@example.com", PaymentMethodTypes: []string{"card"},
		Metadata: map[string]string{"order": id}, PublicToken: "pt_" + id,
		Version: 1, Created: now, Updated: now, ExpiresAt: now.Add(24 * time.Hour),
	}
}

func TestOpenCreatesDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "nested", "checkoutd.db")
	s := mustOpen(t, path)
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
}

// The files hold key hashes and sealed secrets; nobody but the owner may
// read them, whatever the umask.
func TestFilesArePrivate(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, filepath.Join(dir, "checkoutd.db"))
	if err := s.CreateAccount(t.Context(), &checkout.Account{ID: "acct_private", Name: "P", DefaultCurrency: "GHS",
		SessionTTL: time.Hour, Created: time.Now().UTC().Truncate(time.Microsecond)}, nil); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 2 {
		t.Fatalf("want the database and its WAL files, found %d files", len(entries))
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s has mode %v; want no access for group and others", e.Name(), perm)
		}
	}
}

// TestShared: two Stores on one file, as a server and a CLI command (or two
// processes) have: SQLite's locks, not the Store's mutexes, keep them apart.
func TestShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (checkout.Store, checkout.Store) {
		path := filepath.Join(t.TempDir(), "checkoutd.db")
		return mustOpen(t, path), mustOpen(t, path)
	})
}

// TestReopen: what a store wrote is read back the same by a store opened
// later on the same file.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkoutd.db")
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	d := storetest.WriteDurable(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	d.Check(t, mustOpen(t, path))
}

// TestUpgradeFromVersion1: a file written by a checkoutd without payments
// gains the payments table on open and keeps its data.
func TestUpgradeFromVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkoutd.db")
	schema, err := os.ReadFile(filepath.Join("migrations", "0001_init.sql"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"PRAGMA journal_mode = WAL",
		string(schema),
		`INSERT INTO accounts (id, data) VALUES ('acct_1', CAST('{"ID":"acct_1","Name":"Shop"}' AS BLOB))`,
		"PRAGMA user_version = 1",
	} {
		if _, err := db.Exec(q); err != nil {
			db.Close()
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	db.Close()

	ctx := t.Context()
	s := mustOpen(t, path)
	if a, err := s.GetAccount(ctx, "acct_1"); err != nil || a.Name != "Shop" {
		t.Errorf("GetAccount after the upgrade: %+v, %v", a, err)
	}
	pay := &checkout.Payment{ID: "pay_1", AccountID: "acct_1", SessionID: "cs_1", Status: checkout.PaymentProcessing, Version: 1, Created: now}
	if err := s.Commit(ctx, checkout.Change{Payment: pay}); err != nil {
		t.Fatalf("Commit(payment): %v", err)
	}
	p, err := s.ListPayments(ctx, scope, checkout.PaymentFilter{SessionID: "cs_1", ListParams: checkout.ListParams{Limit: 10}})
	if err != nil || len(p.Items) != 1 {
		t.Errorf("ListPayments after the upgrade: %d, %v; want 1", len(p.Items), err)
	}
}

// TestUpgradeFromVersion3: events stored before webhooks existed are not
// dispatched as new once the file gains the outbox; events committed after
// the upgrade are.
func TestUpgradeFromVersion3(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkoutd.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	queries := []string{"PRAGMA journal_mode = WAL"}
	for _, name := range []string{"0001_init.sql", "0002_payments.sql", "0003_due_payments.sql"} {
		b, err := os.ReadFile(filepath.Join("migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		queries = append(queries, string(b))
	}
	queries = append(queries,
		`INSERT INTO events (id, account_id, livemode, type, object_id, created, data)
			VALUES ('evt_old', 'acct_1', 0, 'checkout.session.completed', 'cs_1', 0,
			CAST('{"ID":"evt_old","AccountID":"acct_1","Type":"checkout.session.completed"}' AS BLOB))`,
		"PRAGMA user_version = 3",
	)
	for _, q := range queries {
		if _, err := db.Exec(q); err != nil {
			db.Close()
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	db.Close()

	ctx := t.Context()
	s := mustOpen(t, path)
	if _, err := s.GetEvent(ctx, scope, "evt_old"); err != nil {
		t.Fatalf("GetEvent after the upgrade: %v", err)
	}
	if got, err := s.ClaimEvents(ctx, now, now.Add(time.Minute), 10); err != nil || len(got) != 0 {
		t.Fatalf("ClaimEvents after the upgrade: %d events, %v; want none", len(got), err)
	}
	wantKind := func(what string, err error, k checkout.Kind) {
		t.Helper()
		if !checkout.IsKind(err, k) {
			t.Errorf("%s: %v, want kind %s", what, err, k)
		}
	}
	wantKind("Dispatch(old event)", s.Dispatch(ctx, "evt_old", nil), checkout.KindConflict)
	ev := &checkout.Event{ID: "evt_new", AccountID: scope.AccountID, Type: checkout.EventSessionCompleted, Created: now, Sequence: 1, ObjectID: "cs_2"}
	if err := s.Commit(ctx, checkout.Change{Events: []*checkout.Event{ev}}); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	got, err := s.ClaimEvents(ctx, now, now.Add(time.Minute), 10)
	if err != nil || len(got) != 1 || got[0].ID != ev.ID {
		t.Fatalf("ClaimEvents after a commit: %v, %v; want %s", got, err, ev.ID)
	}
}

// TestNewerSchemaRefused: a file migrated by a newer checkoutd is not
// opened by an older one, which would not know its tables.
func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkoutd.db")
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if s, err := sqlite.Open(path); err == nil {
		s.Close()
		t.Fatal("Open of a newer schema succeeded")
	}
}

// TestConcurrentOpen: a CLI command and the server may open a new file at
// the same moment; both must come up with one schema.
func TestConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkoutd.db")
	const n = 4
	stores := make([]*sqlite.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = sqlite.Open(path) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Open %d: %v", i, errs[i])
		}
		t.Cleanup(func() { stores[i].Close() })
		if err := stores[i].CreateSession(t.Context(), newSession(fmt.Sprintf("cs_%d", i))); err != nil {
			t.Errorf("CreateSession on store %d: %v", i, err)
		}
	}
	p, err := stores[0].ListSessions(t.Context(), scope, checkout.SessionFilter{ListParams: checkout.ListParams{Limit: 10}})
	if err != nil || len(p.Items) != n {
		t.Errorf("ListSessions: %d sessions, %v; want %d", len(p.Items), err, n)
	}
}

// TestTwoHandles: two Stores on one file behave like two processes: each
// sees the other's writes, and compare-and-set still has one winner.
// Two handles on one file (two processes, as the CLI beside serve) each
// have a writer of their own; the endpoint limit holds across them, since
// the count is taken under the file's write lock.
func TestEndpointLimitTwoHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkoutd.db")
	a, b := mustOpen(t, path), mustOpen(t, path)
	const n, max = 40, 16
	var created, refused atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		st := a
		if i%2 == 1 {
			st = b
		}
		wg.Go(func() {
			<-start
			e := &checkout.WebhookEndpoint{ID: fmt.Sprintf("we_%02d", i), AccountID: scope.AccountID, URL: "https://shop.example/hooks",
				EnabledEvents: []string{"*"}, Version: 1, Created: now, Updated: now}
			switch err := st.CreateEndpoint(t.Context(), e, max); {
			case err == nil:
				created.Add(1)
			case errors.Is(err, checkout.ErrLimit):
				refused.Add(1)
			default:
				t.Errorf("CreateEndpoint: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	p, err := a.ListEndpoints(t.Context(), scope, checkout.ListParams{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if created.Load() != max || refused.Load() != n-max || len(p.Items) != max {
		t.Errorf("%d created, %d refused, %d stored; want %d, %d, %d", created.Load(), refused.Load(), len(p.Items), max, n-max, max)
	}
}

func TestTwoHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkoutd.db")
	a, b := mustOpen(t, path), mustOpen(t, path)
	ctx := t.Context()
	if err := a.CreateSession(ctx, newSession("cs_shared")); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	if _, err := b.GetSession(ctx, scope, "cs_shared"); err != nil {
		t.Fatalf("GetSession through the other handle: %v", err)
	}

	const n = 20
	var wins, conflicts atomic.Int32
	var loaded, wg sync.WaitGroup
	start := make(chan struct{})
	loaded.Add(n)
	for i := range n {
		st := a
		if i%2 == 1 {
			st = b
		}
		wg.Go(func() {
			sess, err := st.GetSession(ctx, scope, "cs_shared")
			loaded.Done()
			if err != nil {
				t.Errorf("GetSession: %v", err)
				return
			}
			<-start
			ev, err := sess.Apply(checkout.TransitionPay, now.Add(time.Minute), fmt.Sprintf("evt_%02d", i))
			if err != nil {
				t.Errorf("Apply: %v", err)
				return
			}
			switch err := st.Commit(ctx, checkout.Change{Session: sess, Events: []*checkout.Event{ev}}); {
			case err == nil:
				wins.Add(1)
			case checkout.IsKind(err, checkout.KindConflict):
				conflicts.Add(1)
			default:
				t.Errorf("Commit: %v", err)
			}
		})
	}
	loaded.Wait()
	close(start)
	wg.Wait()
	if wins.Load() != 1 || conflicts.Load() != n-1 {
		t.Errorf("%d wins and %d conflicts, want 1 and %d", wins.Load(), conflicts.Load(), n-1)
	}
	for name, st := range map[string]*sqlite.Store{"a": a, "b": b} {
		p, err := st.ListEvents(ctx, scope, checkout.EventFilter{ObjectID: "cs_shared", ListParams: checkout.ListParams{Limit: 10}})
		if err != nil || len(p.Items) != 1 {
			t.Errorf("events through %s: %d, %v; want 1", name, len(p.Items), err)
		}
	}

	// Sessions created through both handles share one insertion order.
	for i := range 10 {
		st := a
		if i%2 == 1 {
			st = b
		}
		if err := st.CreateSession(ctx, newSession(fmt.Sprintf("cs_order_%d", i))); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
	}
	p, err := b.ListSessions(ctx, scope, checkout.SessionFilter{ListParams: checkout.ListParams{Limit: 10}})
	if err != nil {
		t.Fatalf("ListSessions: %v", err)
	}
	for i, s := range p.Items {
		if want := fmt.Sprintf("cs_order_%d", 9-i); s.ID != want {
			t.Errorf("item %d: %s, want %s", i, s.ID, want)
		}
	}
}

// TestFinishAfterLostClaim: a request whose claim expired and was taken over
// must not overwrite the new owner's record when it finally finishes.
func TestFinishAfterLostClaim(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "checkoutd.db"))
	ctx := t.Context()
	slow := &checkout.IdempotencyRecord{Scope: scope, Key: "k", Fingerprint: "fp", Created: now}
	if rec, err := s.ClaimIdempotencyKey(ctx, slow); rec != nil || err != nil {
		t.Fatalf("claim: %+v, %v", rec, err)
	}
	next := &checkout.IdempotencyRecord{Scope: scope, Key: "k", Fingerprint: "fp", Created: now.Add(checkout.IdempotencyLockTTL + time.Second)}
	if rec, err := s.ClaimIdempotencyKey(ctx, next); rec != nil || err != nil {
		t.Fatalf("claim after the lock TTL: %+v, %v", rec, err)
	}
	slow.Done, slow.Status, slow.Body = true, 200, []byte("late")
	if err := s.FinishIdempotencyKey(ctx, slow); !checkout.IsKind(err, checkout.KindConflict) {
		t.Errorf("FinishIdempotencyKey of a lost claim: %v, want a conflict", err)
	}
	rec, err := s.ClaimIdempotencyKey(ctx, &checkout.IdempotencyRecord{Scope: scope, Key: "k", Created: next.Created.Add(time.Second)})
	if err != nil || rec == nil || rec.Done || !rec.Created.Equal(next.Created) {
		t.Errorf("record after the late finish: %+v, %v; want the new claim, in flight", rec, err)
	}
}

// The store benchmarks are storetest's, so every backend's figures compare.
var openBench = func(b *testing.B) checkout.Store { return mustOpen(b, filepath.Join(b.TempDir(), "checkoutd.db")) }

func BenchmarkCreateSession(b *testing.B) { storetest.BenchCreateSession(b, openBench(b)) }

func BenchmarkGetSession(b *testing.B) { storetest.BenchGetSession(b, openBench(b)) }

// The same reads through the serving process's cache (see owner.go).
func BenchmarkGetSessionOwner(b *testing.B) {
	storetest.BenchGetSession(b, mustOpenOwner(b, filepath.Join(b.TempDir(), "checkoutd.db")))
}

func BenchmarkListSessions(b *testing.B) { storetest.BenchListSessions(b, openBench) }

// TestGroupCommitIsolatesFailures sends many concurrent changes, so that the
// writer groups them into shared transactions, with every third one failing
// half-way: its session update is written, then its event's id is taken.
// Each failure must write nothing, not even its session; each success all
// of it.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "checkoutd.db"))
	ctx := context.WithoutCancel(t.Context()) // writes with a context that cannot end are the ones grouped
	const n = 300
	for i := range n {
		if err := s.CreateSession(ctx, newSession(fmt.Sprintf("cs_g%03d", i))); err != nil {
			t.Fatal(err)
		}
	}
	taken := &checkout.Event{ID: "evt_taken", AccountID: scope.AccountID, Type: "checkout.session.created",
		Created: now, Sequence: 1, ObjectID: "cs_g000", Session: newSession("cs_g000")}
	if err := s.Commit(ctx, checkout.Change{Events: []*checkout.Event{taken}}); err != nil {
		t.Fatal(err)
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			sess, err := s.GetSession(ctx, scope, fmt.Sprintf("cs_g%03d", i))
			if err != nil {
				errs[i] = err
				return
			}
			next := *sess
			next.Version++
			next.Status = checkout.SessionExpired
			ev := &checkout.Event{ID: fmt.Sprintf("evt_g%03d", i), AccountID: scope.AccountID, Type: "checkout.session.expired",
				Created: now, Sequence: 2, ObjectID: sess.ID, Session: &next}
			if i%3 == 0 {
				ev.ID = taken.ID
			}
			errs[i] = s.Commit(ctx, checkout.Change{Session: &next, Events: []*checkout.Event{ev}})
		})
	}
	wg.Wait()
	for i := range n {
		id := fmt.Sprintf("cs_g%03d", i)
		sess, err := s.GetSession(ctx, scope, id)
		if err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			if !errors.Is(errs[i], checkout.ErrConflict) {
				t.Errorf("%s: a change with a taken event id answered %v, want ErrConflict", id, errs[i])
			}
			if sess.Status != checkout.SessionOpen || sess.Version != 1 {
				t.Errorf("%s: a failed change left its session %s at version %d", id, sess.Status, sess.Version)
			}
			continue
		}
		_, evErr := s.GetEvent(ctx, scope, fmt.Sprintf("evt_g%03d", i))
		if errs[i] != nil {
			t.Errorf("%s: %v", id, errs[i])
		}
		if sess.Status != checkout.SessionExpired || sess.Version != 2 || evErr != nil {
			t.Errorf("%s: a committed change left status %s, version %d, event lookup %v", id, sess.Status, sess.Version, evErr)
		}
	}
}

// TestWALStaysBounded writes steadily from many goroutines, as a busy server
// does, and checks the -wal file never grows past what the writer's own
// checkpoint allows: walPages frames, plus what the one group that crossed
// that size appended, plus the frames of one write (the most a create
// here appends, measured first). The writer checks the size after every
// group, so the bound holds whatever else runs on the machine; it is
// checked also with the background checkpointer stopped, as a loaded
// machine may never schedule it. With no reader holding an old snapshot,
// as here, nothing can keep the writer's checkpoint from finishing.
func TestWALStaysBounded(t *testing.T) {
	const frame = 4096 + 24 // a WAL frame: one page and its header
	for _, background := range []bool{true, false} {
		t.Run(fmt.Sprintf("background=%v", background), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "checkoutd.db")
			s := mustOpen(t, path)
			if !background {
				sqlite.StopBackgroundCheckpoints(s)
			}
			ctx := context.WithoutCancel(t.Context())
			walSize := func() int64 {
				fi, err := os.Stat(path + "-wal")
				if err != nil {
					return 0
				}
				return fi.Size()
			}
			// The frames one create appends on its own: every page it
			// touches, written again by its commit.
			before := walSize()
			if err := s.CreateSession(ctx, newSession("cs_first")); err != nil {
				t.Fatal(err)
			}
			perWrite := max(walSize()-before, frame)
			limit := int64(sqlite.WALPages)*frame + int64(sqlite.MaxBatch+1)*perWrite + 32

			const writers, each = 8, 2500
			var wg sync.WaitGroup
			var maxWAL atomic.Int64
			for w := range writers {
				wg.Go(func() {
					for i := range each {
						if err := s.CreateSession(ctx, newSession(fmt.Sprintf("cs_w%d_%05d", w, i))); err != nil {
							t.Error(err)
							return
						}
						if n := walSize(); n > maxWAL.Load() {
							maxWAL.Store(n)
						}
					}
				})
			}
			wg.Wait()
			db, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if maxWAL.Load() > limit {
				t.Errorf("the WAL grew to %d bytes (database %d bytes); want at most %d", maxWAL.Load(), db.Size(), limit)
			}
			t.Logf("%d sessions: database %d bytes, largest WAL seen %d bytes, bound %d (a create appends %d)",
				writers*each, db.Size(), maxWAL.Load(), limit, perWrite)
		})
	}
}

// TestWALShrinksAfterAnOldReader: a reader holding an old snapshot keeps
// any checkpoint from emptying the WAL, so it grows meanwhile, and writes
// go on (the writer waits for the reader only briefly, now and then). Once
// the reader is gone, the writer's checkpoint empties the WAL again within
// another walPages frames of writes.
func TestWALShrinksAfterAnOldReader(t *testing.T) {
	const frame = 4096 + 24
	path := filepath.Join(t.TempDir(), "checkoutd.db")
	s := mustOpen(t, path)
	sqlite.StopBackgroundCheckpoints(s)
	ctx := context.WithoutCancel(t.Context())
	walSize := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	n := 0
	create := func() {
		n++
		if err := s.CreateSession(ctx, newSession(fmt.Sprintf("cs_r%06d", n))); err != nil {
			t.Fatal(err)
		}
	}
	create()

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var count int
	if err := tx.QueryRow("SELECT count(*) FROM sessions").Scan(&count); err != nil {
		t.Fatal(err)
	}
	limit := int64(sqlite.WALPages) * frame
	for walSize() < 2*limit {
		create()
	}
	tx.Rollback()

	grown := walSize()
	for walSize() >= grown {
		create()
		if walSize() > grown+limit+int64(sqlite.MaxBatch)*8*frame {
			t.Fatalf("the reader is gone, yet the WAL grew from %d to %d bytes", grown, walSize())
		}
	}
	t.Logf("%d creates; the WAL reached %d bytes under the old reader, then shrank to %d", n, grown, walSize())
}

// TestGroupCommitIsolatesFailedCreates: a create is one statement and runs
// without a savepoint in a shared transaction; one that fails (its id is
// taken) must fail alone, and leave the session it collided with as it was,
// also in the owner's cache.
func TestGroupCommitIsolatesFailedCreates(t *testing.T) {
	for name, open := range map[string]func(testing.TB, string) *sqlite.Store{"Open": mustOpen, "OpenOwner": mustOpenOwner} {
		t.Run(name, func(t *testing.T) {
			s := open(t, filepath.Join(t.TempDir(), "checkoutd.db"))
			ctx := context.WithoutCancel(t.Context())
			const n = 300
			for i := 0; i < n; i += 3 {
				if err := s.CreateSession(ctx, newSession(fmt.Sprintf("cs_c%03d", i))); err != nil {
					t.Fatal(err)
				}
			}
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					sess := newSession(fmt.Sprintf("cs_c%03d", i))
					sess.Description = "second"
					errs[i] = s.CreateSession(ctx, sess)
				})
			}
			wg.Wait()
			for i := range n {
				id := fmt.Sprintf("cs_c%03d", i)
				sess, err := s.GetSession(ctx, scope, id)
				if err != nil {
					t.Fatalf("%s: %v", id, err)
				}
				if i%3 == 0 {
					if !errors.Is(errs[i], checkout.ErrConflict) {
						t.Errorf("%s: a create with a taken id answered %v, want ErrConflict", id, errs[i])
					}
					if sess.Description != "" {
						t.Errorf("%s: the failed create replaced the session", id)
					}
					continue
				}
				if errs[i] != nil || sess.Description != "second" {
					t.Errorf("%s: create answered %v and stored description %q", id, errs[i], sess.Description)
				}
			}
		})
	}
}
