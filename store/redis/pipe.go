package redis

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"

	"github.com/checkoutd/checkoutd/store/internal/batch"
	goredis "github.com/redis/go-redis/v9"
)

// Pipelining. A lone command costs both processes more in the round trip
// than in the work: checkoutd a write and a read syscall and a wake-up,
// Redis an event-loop wake-up, a read and a write, for every script. So the
// store's commands (every script, and the GETs) are queued to a few
// goroutines, each of which sends what queued up while its previous
// pipeline was in flight as one pipeline: one write, one read and one
// wake-up on each side serve them all. Redis runs a pipeline's commands one
// after another, each script still alone and atomic, and answers each on
// its own: a script that fails (CONFLICT, NOTFOUND, …) fails only its own
// caller. A command that finds the queue empty is sent at once, so light
// load waits for nothing.

// pipelines is how many pipelines may be in flight at once. With two, one
// is filled and sent while the other waits for its answer, and a slow one
// (a long list page) does not hold up every other caller. One, two and
// three measured alike under bench/load's create (pipelines of about 6, 4
// and 3 commands).
const pipelines = 2

// maxPipeline bounds a pipeline: Redis runs it without serving anyone
// else, and each caller's answer waits for the whole of it.
const maxPipeline = 64

var errClosed = errors.New("redis: store is closed")

// call is one command on its way through a pipeline.
type call struct {
	ctx    context.Context
	script *goredis.Script // the script to run, or nil for cmd
	args   []any           // the script's ARGV
	// cmd is the command, with its answer once done is closed: the
	// caller's plain command, or the script's EVALSHA (or EVAL) made by the
	// sender.
	cmd   goredis.Cmder
	state atomic.Int32 // queued, sent or withdrawn
	done  chan struct{}
}

const (
	queued int32 = iota
	sent
	withdrawn
)

// run runs sc with the key prefix as ARGV[1], as every script
// expects, in a pipeline.
func (s *Store) run(ctx context.Context, sc *goredis.Script, args ...any) *goredis.Cmd {
	c := &call{ctx: ctx, script: sc, args: append([]any{s.k.p}, args...)}
	if err := s.do(c); err != nil {
		cmd := goredis.NewCmd(ctx)
		cmd.SetErr(err)
		return cmd
	}
	return c.cmd.(*goredis.Cmd)
}

// get reads a string key in a pipeline.
func (s *Store) get(ctx context.Context, key string) *goredis.StringCmd {
	cmd := goredis.NewStringCmd(ctx, "get", key)
	if err := s.do(&call{ctx: ctx, cmd: cmd}); err != nil {
		cmd.SetErr(err)
	}
	return cmd
}

// do queues c and waits for its answer. A caller whose context ends while
// c is still queued withdraws it and gets the context's error: such a
// command was never sent. Once sent, it waits for the answer, which the
// client's read timeout bounds, so an error other than the context's means
// what it means for a lone command.
func (s *Store) do(c *call) error {
	if err := c.ctx.Err(); err != nil {
		return err
	}
	c.done = make(chan struct{})
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return errClosed
	}
	s.calls <- c
	s.closeMu.RUnlock()
	select {
	case <-c.done:
		return nil
	case <-c.ctx.Done():
		if c.state.CompareAndSwap(queued, withdrawn) {
			return c.ctx.Err()
		}
		<-c.done
		return nil
	}
}

// sender is one of the pipelines goroutines; it stops when s.calls is
// closed and drained, so every queued call is answered.
func (s *Store) sender() {
	defer s.senders.Done()
	pending := make([]*call, 0, maxPipeline)
	for c := range s.calls {
		pending = append(pending[:0], c)
		// Let the goroutines that are about to send a command (handlers
		// encoding a session) queue it before this pipeline closes. Idle,
		// this returns at once.
		runtime.Gosched()
		pending = batch.Fill(pending, s.calls, maxPipeline)
		s.send(pending)
	}
}

// send sends batch as one pipeline and answers each call. Commands whose
// script Redis does not have (it restarted, or SCRIPT FLUSH) come back
// NOSCRIPT without having run, and are sent again as EVAL, which also
// caches the script for the next ones.
func (s *Store) send(batch []*call) {
	// The pipeline serves many callers, so no one caller's context may end
	// it; the client's timeouts bound it instead.
	ctx := context.Background()
	p := s.c.Pipeline()
	n := 0
	for _, c := range batch {
		if !c.state.CompareAndSwap(queued, sent) {
			continue // withdrawn: its caller has already returned
		}
		batch[n] = c
		n++
		if c.script != nil {
			c.cmd = c.script.EvalSha(ctx, p, nil, c.args...)
		} else {
			p.Process(ctx, c.cmd)
		}
	}
	batch = batch[:n]
	// Each command's error is its own (cmd.Err); the one Exec returns is
	// the first of them.
	p.Exec(ctx)
	for _, c := range batch {
		if c.script != nil && goredis.HasErrorPrefix(c.cmd.Err(), "NOSCRIPT") {
			c.cmd = c.script.Eval(ctx, p, nil, c.args...)
		}
	}
	if p.Len() > 0 {
		p.Exec(ctx)
	}
	for _, c := range batch {
		close(c.done)
	}
}
