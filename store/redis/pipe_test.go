package redis_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/redis"
)

// The store sends concurrent commands in shared pipelines (pipe.go). These
// tests load it with many callers at once, so that pipelines hold many
// commands, and check that each caller still gets its own answer.

// createAll creates a session of each id, each from a goroutine of its own,
// all at once, and returns each one's error. ctxOf, if not nil, gives each
// its context.
func createAll(ctx context.Context, s *redis.Store, ids []string, ctxOf func(i int) context.Context) []error {
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, id := range ids {
		c := ctx
		if ctxOf != nil {
			c = ctxOf(i)
		}
		wg.Go(func() {
			<-start
			errs[i] = s.CreateSession(c, newSession(id, now.Add(time.Hour)))
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// TestPipelineConflict: of many concurrent creates, the one whose id is
// taken fails with the conflict, alone; the others are stored.
func TestPipelineConflict(t *testing.T) {
	s, prefix := mustOpenPrefix(t, redis.Options{})
	c := client(t)
	ctx := t.Context()
	if err := s.CreateSession(ctx, newSession("cs_taken", now.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	for round := range 5 {
		ids := make([]string, 300)
		for i := range ids {
			ids[i] = fmt.Sprintf("cs_%d_%d", round, i)
		}
		dup := 100 + round*37
		ids[dup] = "cs_taken"
		errs := createAll(ctx, s, ids, nil)
		for i, err := range errs {
			switch {
			case i == dup && !errors.Is(err, checkout.ErrConflict):
				t.Errorf("round %d: create of the taken id: %v, want the conflict", round, err)
			case i != dup && err != nil:
				t.Errorf("round %d: create of %s: %v", round, ids[i], err)
			case i != dup:
				if _, err := s.GetSession(ctx, scope, ids[i]); err != nil {
					t.Errorf("round %d: GetSession(%s): %v", round, ids[i], err)
				}
			}
		}
	}
	// The taken id is indexed once, by its own create, and every other once.
	if n, err := c.ZCard(ctx, prefix+"sessions:acct_1:0").Result(); err != nil || n != 1+5*299 {
		t.Errorf("sessions index holds %d (%v), want %d", n, err, 1+5*299)
	}
}

// TestPipelineCancel: callers whose context ends while their command waits
// get the context's error and their command is not run; it neither takes
// the others' writes with it nor runs twice.
func TestPipelineCancel(t *testing.T) {
	s, prefix := mustOpenPrefix(t, redis.Options{})
	c := client(t)
	ctx := t.Context()
	const n = 600
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("cs_%d", i)
	}
	// The third kind of caller is cancelled while the creates run (once
	// the first are stored), one after another.
	var mu sync.Mutex
	var cancels []context.CancelFunc
	go func() {
		for {
			if n, err := c.ZCard(ctx, prefix+"sessions:acct_1:0").Result(); err != nil || n >= 20 {
				break
			}
			time.Sleep(50 * time.Microsecond)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, cancel := range cancels {
			cancel()
			time.Sleep(20 * time.Microsecond)
		}
	}()
	errs := createAll(ctx, s, ids, func(i int) context.Context {
		cctx, cancel := context.WithCancel(ctx)
		switch i % 3 {
		case 1: // cancelled before the call
			cancel()
		case 2:
			mu.Lock()
			cancels = append(cancels, cancel)
			mu.Unlock()
		default:
			t.Cleanup(cancel)
		}
		return cctx
	})
	stored, withdrawn := 0, 0
	for i, err := range errs {
		_, gerr := s.GetSession(ctx, scope, ids[i])
		switch {
		case err == nil:
			stored++
			if gerr != nil {
				t.Errorf("%s: created, but GetSession: %v", ids[i], gerr)
			}
		case i%3 != 0 && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
			withdrawn++
			if !errors.Is(gerr, checkout.ErrNotFound) {
				t.Errorf("%s: create returned %v, yet GetSession: %v", ids[i], err, gerr)
			}
		default:
			t.Errorf("%s (case %d): %v", ids[i], i%3, err)
		}
	}
	if withdrawn < n/3 {
		t.Errorf("%d creates gave the context's error, want at least the %d cancelled before", withdrawn, n/3)
	}
	if n, err := c.ZCard(ctx, prefix+"sessions:acct_1:0").Result(); err != nil || int(n) != stored {
		t.Errorf("sessions index holds %d (%v), want the %d stored", n, err, stored)
	}
	t.Logf("%d stored, %d withdrawn", stored, withdrawn)
}

// TestPipelineConnectionDrop: when the server dies under a pipeline, every
// caller gets an answer (an error for what the dead server did not
// acknowledge), none hangs; and what was acknowledged was written.
func TestPipelineConnectionDrop(t *testing.T) {
	bin := redisServerBin(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	// appendfsync always: what the server acknowledged is on disk when it
	// is killed, so the restarted one must hold every acknowledged create.
	srv := newRedisServer(t, bin, "--appendonly", "yes", "--appendfsync", "always", "--save", "")
	srv.start(ctx)
	s := openRedis(t, ctx, srv.url())
	defer s.Close()

	const workers, per = 32, 400
	type result struct {
		id  string
		err error
	}
	results := make(chan result, workers*per)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range per {
				id := fmt.Sprintf("cs_%d_%d", w, i)
				err := s.CreateSession(ctx, newSession(id, now.Add(time.Hour)))
				results <- result{id, err}
				if err != nil {
					return // the server is gone
				}
			}
		})
	}
	// Kill the server once creates are flowing.
	for len(results) < 500 {
		time.Sleep(time.Millisecond)
	}
	srv.kill()
	answered := make(chan struct{})
	go func() {
		wg.Wait()
		close(answered)
	}()
	select {
	case <-answered:
	case <-time.After(30 * time.Second):
		t.Fatal("callers still waiting 30s after the server died")
	}
	close(results)
	var ok []string
	failed := 0
	for r := range results {
		if r.err == nil {
			ok = append(ok, r.id)
		} else {
			failed++
		}
	}
	if failed != workers {
		t.Errorf("%d creates failed, want one per worker (%d): each worker's create under the kill", failed, workers)
	}

	srv.start(ctx)
	s2 := openRedis(t, ctx, srv.url())
	defer s2.Close()
	for _, id := range ok {
		if _, err := s2.FindSession(ctx, id); err != nil {
			t.Errorf("acknowledged create of %s: after the restart, %v", id, err)
		}
	}
	t.Logf("%d acknowledged before the kill", len(ok))
}

// TestClose: Close answers the commands already queued; later calls fail,
// and none hangs or panics.
func TestClose(t *testing.T) {
	url := redisURL(t)
	prefix := "ct:" + checkout.RandomString(12) + ":"
	t.Cleanup(func() { deleteKeys(t, url, prefix) })
	s, err := redis.Open(t.Context(), url, redis.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 200)
	for i := range ids {
		ids[i] = fmt.Sprintf("cs_%d", i)
	}
	closed := make(chan error, 1)
	errs := createAll(t.Context(), s, ids, func(i int) context.Context {
		if i == len(ids)/2 {
			go func() { closed <- s.Close() }()
		}
		return t.Context()
	})
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
	c := client(t)
	for i, err := range errs {
		n, xerr := c.Exists(t.Context(), prefix+"session:"+ids[i]).Result()
		if xerr != nil {
			t.Fatal(xerr)
		}
		if (err == nil) != (n == 1) {
			t.Errorf("%s: create returned %v, and the key exists: %v", ids[i], err, n == 1)
		}
	}
	if err := s.CreateSession(t.Context(), newSession("cs_after", now.Add(time.Hour))); err == nil {
		t.Error("CreateSession after Close succeeded")
	}
	if _, err := s.GetSession(t.Context(), scope, ids[0]); err == nil || errors.Is(err, checkout.ErrNotFound) {
		t.Errorf("GetSession after Close: %v, want an error other than not found", err)
	}
}

// The pipelines also serve reads: concurrent GETs of present and absent
// sessions each get their own answer.
func TestPipelineReads(t *testing.T) {
	s := mustOpen(t)
	ctx := t.Context()
	for i := range 50 {
		if err := s.CreateSession(ctx, newSession(fmt.Sprintf("cs_%d", i), now.Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := range 400 {
		wg.Go(func() {
			id := fmt.Sprintf("cs_%d", i%100)
			sess, err := s.GetSession(ctx, scope, id)
			switch {
			case i%100 < 50 && (err != nil || sess.ID != id):
				t.Errorf("GetSession(%s): %v, %v", id, sess, err)
			case i%100 >= 50 && !errors.Is(err, checkout.ErrNotFound):
				t.Errorf("GetSession(%s) of an absent id: %v", id, err)
			}
		})
	}
	wg.Wait()
}
