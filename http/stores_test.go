package http_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/teststore"
)

// storeKinds are the stores a test can run the server over.
var storeKinds = teststore.Kinds

// forEachStore runs f as a subtest over each kind of store. Without a
// store's variable its subtest skips, naming it (or fails under CI=true).
func forEachStore(t *testing.T, f func(t *testing.T, kind string)) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) { f(t, kind) })
	}
}

// openStore opens a new, empty store of kind, removed when tb ends
// (internal/teststore).
func openStore(tb testing.TB, kind string) checkout.Store {
	return teststore.Open(tb, kind)
}

// errorLog keeps the messages of the records logged at ERROR or above: a
// bad request is the client's fault and must never log one.
type errorLog struct {
	mu   sync.Mutex
	msgs []string
}

func (h *errorLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }

func (h *errorLog) Handle(_ context.Context, r slog.Record) error {
	msg := r.Message
	r.Attrs(func(a slog.Attr) bool { msg += " " + a.String(); return true })
	h.mu.Lock()
	h.msgs = append(h.msgs, msg)
	h.mu.Unlock()
	return nil
}

func (h *errorLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *errorLog) WithGroup(string) slog.Handler      { return h }

// take returns the messages logged since the last call.
func (h *errorLog) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.msgs
	h.msgs = nil
	return out
}
