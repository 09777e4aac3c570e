package service_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/seal"
	"github.com/checkoutd/checkoutd/service"
)

// TestIdempotencyKeys: a key claimed is in flight for a second claim; its
// finished response is kept sealed and comes back opened; a released key
// can be claimed again.
func TestIdempotencyKeys(t *testing.T) {
	f := newFixture(t)
	clock := &setClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	sealer, err := seal.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	f.configure(func(c *service.Config) { c.Clock, c.Sealer = clock, sealer })
	claim := func(key, fp string) (*checkout.IdempotencyRecord, *checkout.IdempotencyRecord) {
		t.Helper()
		rec := &checkout.IdempotencyRecord{Scope: f.scope, Key: key, Fingerprint: fp}
		prev, err := f.svc.ClaimIdempotencyKey(f.ctx, rec)
		if err != nil {
			t.Fatal(err)
		}
		return rec, prev
	}

	rec, prev := claim("k1", "fp1")
	if prev != nil || !rec.Created.Equal(clock.now) {
		t.Fatalf("first claim: prev %+v, created %v; want none, dated by the service's clock", prev, rec.Created)
	}
	if _, prev := claim("k1", "fp1"); prev == nil || prev.Done {
		t.Fatalf("second claim while in flight: %+v, want the in-flight record", prev)
	}
	body := []byte(`{"secret":"whsec_x"}`)
	rec.Status, rec.ContentType, rec.Body = 200, "application/json", body
	if err := f.svc.FinishIdempotencyKey(f.ctx, rec); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec.Body, body) || rec.Done {
		t.Errorf("FinishIdempotencyKey changed its argument: %+v", rec)
	}
	// The store holds the body sealed.
	clock.Add(time.Second)
	raw, err := f.store.ClaimIdempotencyKey(f.ctx, &checkout.IdempotencyRecord{Scope: f.scope, Key: "k1", Fingerprint: "fp1", Created: clock.Now()})
	if err != nil || raw == nil || !raw.Done {
		t.Fatalf("stored record: %+v, %v", raw, err)
	}
	if bytes.Contains(raw.Body, []byte("whsec_x")) {
		t.Errorf("the stored body is plain text: %s", raw.Body)
	}
	if _, prev := claim("k1", "fp1"); prev == nil || !prev.Done || prev.Status != 200 || !bytes.Equal(prev.Body, body) {
		t.Fatalf("claim of a finished key: %+v, want the response opened", prev)
	}

	rec2, _ := claim("k2", "fp2")
	if err := f.svc.ReleaseIdempotencyKey(f.ctx, rec2); err != nil {
		t.Fatal(err)
	}
	if _, prev := claim("k2", "fp3"); prev != nil {
		t.Errorf("claim after release: %+v, want a fresh claim", prev)
	}
}

// failingPing is a store that has lost its database.
type failingPing struct{ checkout.Store }

var errGone = errors.New("database gone")

func (failingPing) Ping(ctx context.Context) error { return errGone }

func TestReady(t *testing.T) {
	f := newFixture(t)
	if err := f.svc.Ready(f.ctx); err != nil {
		t.Errorf("Ready over a working store: %v", err)
	}
	down := service.New(service.Config{Store: failingPing{f.store}})
	if err := down.Ready(f.ctx); !errors.Is(err, errGone) {
		t.Errorf("Ready over a store that fails: %v, want its error", err)
	}
}
