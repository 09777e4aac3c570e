package service_test

import (
	"context"
	"sync"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// listHook is a store that runs a hook once, right after the first list
// of a session's payments: another request landing between a check and
// the write that follows it.
type listHook struct {
	checkout.Store
	mu    sync.Mutex
	after func()
}

func (s *listHook) ListPayments(ctx context.Context, scope checkout.Scope, f checkout.PaymentFilter) (checkout.Page[*checkout.Payment], error) {
	page, err := s.Store.ListPayments(ctx, scope, f)
	s.mu.Lock()
	hook := s.after
	s.after = nil
	s.mu.Unlock()
	if hook != nil && f.SessionID != "" {
		hook()
	}
	return page, err
}

func pushSession(t *testing.T, f *fixture, device string) *checkout.Session {
	t.Helper()
	amount := int64(1200)
	s, err := f.svc.CreateSession(f.ctx, f.scope, &service.SessionParams{Amount: &amount, SuccessURL: "https://shop.example/ok",
		CancelURL: "https://shop.example/no", PaymentMethodTypes: []string{"in_store", "card"}, CompanionDevice: device})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func pushes(t *testing.T, f *fixture, sessionID string) int {
	t.Helper()
	page, err := f.store.ListPayments(f.ctx, f.scope, checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 100}, SessionID: sessionID})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range page.Items {
		if p.Status == checkout.PaymentRequiresAction && p.Action != nil && p.Action.Kind == checkout.NextActionDevice {
			n++
		}
	}
	return n
}

// TestOnePushWhenAnotherLandsBetween: a whole in_store choice lands after
// another one's one-push check and before its claim: the second is
// refused, one push only.
func TestOnePushWhenAnotherLandsBetween(t *testing.T) {
	f := newFixture(t)
	hook := &listHook{Store: f.store}
	f.configure(func(c *service.Config) { c.Store = hook })
	sess := pushSession(t, f, checkout.TestDeviceTimeout)
	var inner error
	hook.after = func() { _, _, inner = f.svc.Pay(f.ctx, sess.ID, service.PayParams{Method: checkout.MethodInStore}) }
	_, _, err := f.svc.Pay(f.ctx, sess.ID, service.PayParams{Method: checkout.MethodInStore})
	if inner != nil {
		t.Fatalf("the push that landed between: %v", inner)
	}
	wantState(t, err, "payment_in_progress")
	if n := pushes(t, f, sess.ID); n != 1 {
		t.Fatalf("%d pushes waiting on the device, want 1", n)
	}
}

// TestOnePushConcurrent: in_store chosen at once from several tabs: one
// push waits on the device, the others are refused.
func TestOnePushConcurrent(t *testing.T) {
	f := newFixture(t)
	sess := pushSession(t, f, checkout.TestDeviceTimeout)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = f.svc.Pay(f.ctx, sess.ID, service.PayParams{Method: checkout.MethodInStore})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !checkout.IsKind(err, checkout.KindState) {
			t.Errorf("a refused push: %v, want a state error", err)
		}
	}
	if n := pushes(t, f, sess.ID); ok != 1 || n != 1 {
		t.Fatalf("%d choices taken, %d pushes waiting, want 1 and 1", ok, n)
	}
}

// TestNoPushToRevokedDevice: a device revoked after a session named it
// gets no push; the choice is refused and nothing waits on it.
func TestNoPushToRevokedDevice(t *testing.T) {
	f := newFixture(t)
	nd, err := f.svc.CreateDevice(f.ctx, f.scope, "Till 1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.PairDevice(f.ctx, nd.PairingCode); err != nil {
		t.Fatal(err)
	}
	sess := pushSession(t, f, nd.Device.ID)
	if _, err := f.svc.RevokeDevice(f.ctx, f.scope, nd.Device.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.svc.Pay(f.ctx, sess.ID, service.PayParams{Method: checkout.MethodInStore})
	wantState(t, err, "device_unavailable")
	if n := pushes(t, f, sess.ID); n != 0 {
		t.Fatalf("%d pushes to a revoked device", n)
	}
	if got, err := f.svc.DevicePushes(f.ctx, f.scope, nd.Device.ID); err != nil || len(got) != 0 {
		t.Fatalf("pushes listed for the revoked device: %v %d", err, len(got))
	}
}

// TestRevokeCancelsPushes: pushes waiting on a device are canceled when
// it is revoked (it can no longer report them): the session is free for
// another way to pay at once, and no attempt is counted.
func TestRevokeCancelsPushes(t *testing.T) {
	f := newFixture(t)
	nd, err := f.svc.CreateDevice(f.ctx, f.scope, "Till 1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.PairDevice(f.ctx, nd.PairingCode); err != nil {
		t.Fatal(err)
	}
	sess := pushSession(t, f, nd.Device.ID)
	_, p, err := f.svc.Pay(f.ctx, sess.ID, service.PayParams{Method: checkout.MethodInStore})
	if err != nil || p.Status != checkout.PaymentRequiresAction {
		t.Fatalf("push: %v %+v", err, p)
	}
	if _, err := f.svc.RevokeDevice(f.ctx, f.scope, nd.Device.ID); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.GetPayment(f.ctx, f.scope, p.ID)
	if err != nil || got.Status != checkout.PaymentCanceled || got.FailureCode != "device_revoked" {
		t.Fatalf("push after the device was revoked: %v %+v", err, got)
	}
	s, err := f.svc.GetSession(f.ctx, f.scope, sess.ID)
	if err != nil || s.Status != checkout.SessionOpen || s.FailedAttempts != 0 {
		t.Fatalf("session %v %+v", err, s)
	}
	if _, pc, err := f.svc.Pay(f.ctx, sess.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")}); err != nil || pc.Status != checkout.PaymentSucceeded {
		t.Fatalf("card after the revoked push: %v %+v", err, pc)
	}
}
