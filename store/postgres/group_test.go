package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/postgres"
	"github.com/jackc/pgx/v5"
)

// The group commit of CreateSession (group.go): concurrent creates share
// transactions, and each still gets its own answer.

// createAll runs CreateSession for every session at once, ctxs[i] (or
// t.Context()) for sessions[i], and returns each error.
func createAll(t *testing.T, s *postgres.Store, sessions []*checkout.Session, ctxs []context.Context) []error {
	t.Helper()
	errs := make([]error, len(sessions))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, sess := range sessions {
		ctx := t.Context()
		if ctxs != nil && ctxs[i] != nil {
			ctx = ctxs[i]
		}
		wg.Go(func() {
			<-start
			errs[i] = s.CreateSession(ctx, sess)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// storedRows returns the number of rows of each session id, and the number
// of distinct transactions (xmin) that wrote them.
func storedRows(t *testing.T, u string) (rows map[string]int, txs int) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows = map[string]int{}
	r, _ := conn.Query(t.Context(), `SELECT id, count(*) FROM sessions GROUP BY id`)
	for r.Next() {
		var id string
		var n int
		if err := r.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		rows[id] = n
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(t.Context(), `SELECT count(DISTINCT xmin::text) FROM sessions`).Scan(&txs); err != nil {
		t.Fatal(err)
	}
	return rows, txs
}

// TestCreateGroupShares: concurrent creates are stored in fewer
// transactions than rows, and each reads back as written.
func TestCreateGroupShares(t *testing.T) {
	u := newSchema(t)
	s := mustOpen(t, u)
	const n = 300
	sessions := make([]*checkout.Session, n)
	for i := range sessions {
		sessions[i] = newSession(fmt.Sprintf("cs_%03d", i))
	}
	for i, err := range createAll(t, s, sessions, nil) {
		if err != nil {
			t.Errorf("CreateSession %s: %v", sessions[i].ID, err)
		}
	}
	rows, txs := storedRows(t, u)
	if len(rows) != n {
		t.Fatalf("%d sessions stored, want %d", len(rows), n)
	}
	if txs >= n {
		t.Errorf("%d creates took %d transactions: none was shared", n, txs)
	}
	for _, want := range sessions {
		got, err := s.GetSession(t.Context(), scope, want.ID)
		if err != nil {
			t.Fatalf("GetSession %s: %v", want.ID, err)
		}
		if got.Metadata["order"] != want.ID || got.Version != 1 || got.PublicToken != want.PublicToken {
			t.Errorf("GetSession %s: got %+v", want.ID, got)
		}
	}
}

// TestCreateGroupFailsAlone: among concurrent creates, those that cannot
// be stored (an id stored before, an id two of them share, a value
// PostgreSQL refuses) fail, each with its own error, and every other one
// is stored, once.
func TestCreateGroupFailsAlone(t *testing.T) {
	u := newSchema(t)
	s := mustOpen(t, u)
	for i := range 30 {
		if err := s.CreateSession(t.Context(), newSession(fmt.Sprintf("cs_old_%02d", i))); err != nil {
			t.Fatal(err)
		}
	}
	const n = 300
	sessions := make([]*checkout.Session, n)
	want := make([]string, n) // "ok", "conflict", "twin" (one of two ok) or "internal"
	for i := range sessions {
		switch {
		case i%10 == 3: // an id stored before
			sessions[i], want[i] = newSession(fmt.Sprintf("cs_old_%02d", i/10)), "conflict"
		case i%50 == 7: // a twin of the next create
			sessions[i], want[i] = newSession(fmt.Sprintf("cs_twin_%03d", i)), "twin"
		case i%50 == 8:
			sessions[i], want[i] = newSession(fmt.Sprintf("cs_twin_%03d", i-1)), "twin"
		case i%50 == 21: // text may not hold a NUL: PostgreSQL refuses the row
			sessions[i], want[i] = newSession(fmt.Sprintf("cs_%03d", i)), "internal"
			sessions[i].CustomerEmail = "nul\x00@example.com"
		default:
			sessions[i], want[i] = newSession(fmt.Sprintf("cs_%03d", i)), "ok"
		}
	}
	errs := createAll(t, s, sessions, nil)
	twins := map[string]int{}
	for i, err := range errs {
		id := sessions[i].ID
		switch want[i] {
		case "ok":
			if err != nil {
				t.Errorf("CreateSession %s: %v", id, err)
			}
		case "conflict":
			if !checkout.IsKind(err, checkout.KindConflict) {
				t.Errorf("CreateSession %s (stored before): %v, want a conflict", id, err)
			}
		case "twin":
			if err == nil {
				twins[id]++
			} else if !checkout.IsKind(err, checkout.KindConflict) {
				t.Errorf("CreateSession %s (twin): %v, want nil or a conflict", id, err)
			}
		case "internal":
			if err == nil || checkout.IsKind(err, checkout.KindConflict) {
				t.Errorf("CreateSession %s (NUL in a text column): %v, want an internal error", id, err)
			}
		}
	}
	rows, _ := storedRows(t, u)
	for i, sess := range sessions {
		switch want[i] {
		case "ok":
			if rows[sess.ID] != 1 {
				t.Errorf("session %s: %d rows, want 1", sess.ID, rows[sess.ID])
			}
		case "twin":
			if twins[sess.ID] != 1 || rows[sess.ID] != 1 {
				t.Errorf("twin %s: %d creates succeeded and %d rows, want 1 and 1", sess.ID, twins[sess.ID], rows[sess.ID])
			}
		case "internal":
			if rows[sess.ID] != 0 {
				t.Errorf("refused session %s is stored", sess.ID)
			}
		}
	}
	// The sessions stored before are unchanged.
	for i := range 30 {
		got, err := s.GetSession(t.Context(), scope, fmt.Sprintf("cs_old_%02d", i))
		if err != nil || got.Metadata["order"] != got.ID {
			t.Errorf("session stored before: %+v, %v", got, err)
		}
	}
}

// TestCreateGroupCancel: creates whose context ends, before or while they
// wait, do not lose or duplicate the writes they were grouped with; a
// create that was cancelled before it was called is not stored, and one
// that was answered nil is.
func TestCreateGroupCancel(t *testing.T) {
	u := newSchema(t)
	s := mustOpen(t, u)
	const n = 400
	sessions := make([]*checkout.Session, n)
	ctxs := make([]context.Context, n)
	for i := range sessions {
		sessions[i] = newSession(fmt.Sprintf("cs_%03d", i))
		switch i % 4 {
		case 1: // cancelled before the call
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			ctxs[i] = ctx
		case 2: // cancelled while it waits, at some moment
			ctx, cancel := context.WithTimeout(t.Context(), time.Duration(rand.IntN(3000))*time.Microsecond)
			t.Cleanup(cancel)
			ctxs[i] = ctx
		}
	}
	errs := createAll(t, s, sessions, ctxs)
	rows, _ := storedRows(t, u)
	for i, err := range errs {
		id := sessions[i].ID
		switch {
		case rows[id] > 1:
			t.Errorf("session %s: %d rows", id, rows[id])
		case err == nil && rows[id] != 1:
			t.Errorf("CreateSession %s returned nil but it is not stored", id)
		case i%4 == 0 || i%4 == 3:
			if err != nil {
				t.Errorf("CreateSession %s: %v", id, err)
			}
		case i%4 == 1:
			if !errors.Is(err, context.Canceled) || rows[id] != 0 {
				t.Errorf("CreateSession %s, cancelled before: %v, %d rows; want context.Canceled and none", id, err, rows[id])
			}
		case err != nil && !errors.Is(err, context.DeadlineExceeded):
			t.Errorf("CreateSession %s, cancelled while waiting: %v", id, err)
		}
	}
}

// TestCreateGroupClose: Close answers every create it accepted, and what
// was answered nil is stored; creates after Close fail.
func TestCreateGroupClose(t *testing.T) {
	u := newSchema(t)
	s, err := postgres.Open(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = s.CreateSession(t.Context(), newSession(fmt.Sprintf("cs_%03d", i))) })
	}
	time.Sleep(time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()
	rows, _ := storedRows(t, u)
	for i, err := range errs {
		id := fmt.Sprintf("cs_%03d", i)
		if err == nil && rows[id] != 1 {
			t.Errorf("CreateSession %s returned nil before Close, but it is not stored", id)
		}
	}
	if err := s.CreateSession(t.Context(), newSession("cs_late")); err == nil {
		t.Error("CreateSession after Close succeeded")
	}
}
