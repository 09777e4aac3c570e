package storetest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// The product's promise: however many tabs, replicas or retries race to pay
// one session, exactly one payment succeeds. The tests below run the
// service's pay protocol directly on the store, so they hold for every
// backend whatever the service does on top.

// tabsResult is what a race of tabs did.
type tabsResult struct {
	claims int // claims committed
	paid   int // payments that completed the session
}

// payTabs races n tabs to pay session id of scopeA at now with the pay
// protocol: load the session, claim it for a new payment and store both in
// one compare-and-set (reloading and claiming again on a conflict, giving up
// when the session refuses the claim); then mark the payment succeeded,
// complete the session and store both with the completed event. Every tab
// loads the session before any of them writes, so all race on one version.
func payTabs(t *testing.T, st checkout.Store, id string, n int, now time.Time) tabsResult {
	t.Helper()
	ctx := t.Context()
	var holder atomic.Pointer[string] // the payment holding the claim, as the tabs see it
	var claims, paid atomic.Int32
	var loaded, wg sync.WaitGroup
	start := make(chan struct{})
	loaded.Add(n)
	for i := range n {
		wg.Go(func() {
			p := newPayment(scopeA, fmt.Sprintf("pay_%s_tab%02d", id, i), id, now)
			sess, err := st.GetSession(ctx, scopeA, id)
			loaded.Done()
			<-start
			for attempt := 0; ; attempt++ {
				if err != nil {
					t.Errorf("tab %d: GetSession: %v", i, err)
					return
				}
				if attempt == 1000 {
					t.Errorf("tab %d: still conflicting after %d attempts", i, attempt)
					return
				}
				if err := sess.Claim(p.ID, now); checkout.IsKind(err, checkout.KindState) {
					return // another tab holds the session, or finished it
				} else if err != nil {
					t.Errorf("tab %d: Claim: %v", i, err)
					return
				}
				err = st.Commit(ctx, checkout.Change{Session: sess, Payment: p})
				if checkout.IsKind(err, checkout.KindConflict) {
					sess, err = st.GetSession(ctx, scopeA, id)
					continue
				}
				if err != nil {
					t.Errorf("tab %d: Commit(claim): %v", i, err)
					return
				}
				break
			}

			// This tab holds the claim until its next write.
			claims.Add(1)
			if !holder.CompareAndSwap(nil, &p.ID) {
				t.Errorf("tab %d claimed the session while %s held it", i, *holder.Load())
			}
			p.Status, p.Version, p.Updated = checkout.PaymentSucceeded, p.Version+1, now
			sess.Payment = p.ID
			ev, err := sess.Apply(checkout.TransitionPay, now, "evt_"+p.ID)
			if err != nil {
				t.Errorf("tab %d: Apply: %v", i, err)
				return
			}
			// The session is complete once this write lands, so no claim
			// can follow it: the holder is cleared only afterwards.
			err = st.Commit(ctx, checkout.Change{Session: sess, Payment: p, Events: []*checkout.Event{ev}})
			holder.Store(nil)
			if err != nil {
				t.Errorf("tab %d: Commit(pay) while holding the claim: %v", i, err)
				return
			}
			paid.Add(1)
		})
	}
	loaded.Wait()
	close(start)
	wg.Wait()
	return tabsResult{claims: int(claims.Load()), paid: int(paid.Load())}
}

// sessionPayments returns every payment of session id in scopeA.
func sessionPayments(t *testing.T, st checkout.Store, id string) []*checkout.Payment {
	t.Helper()
	p, err := st.ListPayments(t.Context(), scopeA, checkout.PaymentFilter{SessionID: id, ListParams: limit(100)})
	if err != nil {
		t.Fatalf("ListPayments: %v", err)
	}
	return p.Items
}

func (s suite) twoTabs(t *testing.T) {
	t.Run("ExactlyOneSucceededPayment", func(t *testing.T) {
		st := s.seeded(t)
		const rounds, tabs = 5, 10
		now := t0.Add(time.Minute)
		for r := range rounds {
			id := fmt.Sprintf("cs_tabs_%d", r)
			create(t, st, newSession(scopeA, id, t0))
			res := payTabs(t, st, id, tabs, now)
			if res.claims != 1 || res.paid != 1 {
				t.Errorf("%s: %d claims and %d payments completed, want 1 and 1", id, res.claims, res.paid)
			}

			var succeeded []*checkout.Payment
			for _, p := range sessionPayments(t, st, id) {
				if p.Status == checkout.PaymentSucceeded {
					succeeded = append(succeeded, p)
				}
			}
			if len(succeeded) != 1 {
				t.Fatalf("%s: %d succeeded payments %v, want exactly 1", id, len(succeeded), paymentIDs(succeeded))
			}
			winner := succeeded[0]
			if winner.Version != 2 {
				t.Errorf("%s: winning payment at version %d, want 2", id, winner.Version)
			}

			sess, err := st.GetSession(t.Context(), scopeA, id)
			if err != nil {
				t.Fatalf("GetSession: %v", err)
			}
			if sess.Status != checkout.SessionComplete || sess.PaymentStatus != checkout.PaymentPaid ||
				sess.Payment != winner.ID || sess.PaymentInFlight != "" || sess.Version != 3 || sess.EventSeq != 1 {
				t.Errorf("%s: session %s/%s payment %q in flight %q version %d event seq %d; want complete/paid, %q, none, 3, 1",
					id, sess.Status, sess.PaymentStatus, sess.Payment, sess.PaymentInFlight, sess.Version, sess.EventSeq, winner.ID)
			}

			events, err := st.ListEvents(t.Context(), scopeA, checkout.EventFilter{ObjectID: id, ListParams: limit(100)})
			if err != nil {
				t.Fatalf("ListEvents: %v", err)
			}
			if len(events.Items) != 1 || events.Items[0].Type != checkout.EventSessionCompleted {
				t.Fatalf("%s: events %v, want exactly one %s", id, eventIDs(events.Items), checkout.EventSessionCompleted)
			}
			if snap := events.Items[0].Session; snap == nil || snap.Payment != winner.ID {
				t.Errorf("%s: completed event's snapshot %+v, want one naming payment %s", id, snap, winner.ID)
			}
		}
	})

	t.Run("ExpiredSessionNeverClaimed", func(t *testing.T) {
		st := s.seeded(t)
		sess := newSession(scopeA, "cs_tabs_expired", t0)
		sess.ExpiresAt = t0.Add(30 * time.Second)
		create(t, st, sess)
		for _, now := range []time.Time{sess.ExpiresAt, sess.ExpiresAt.Add(time.Hour)} {
			if res := payTabs(t, st, sess.ID, 10, now); res.claims != 0 || res.paid != 0 {
				t.Errorf("at %v: %d claims and %d payments completed, want none", now, res.claims, res.paid)
			}
		}
		if ps := sessionPayments(t, st, sess.ID); len(ps) != 0 {
			t.Errorf("payments stored for an expired session: %v", paymentIDs(ps))
		}
		got, err := st.GetSession(t.Context(), scopeA, sess.ID)
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		checkSession(t, "expired session", got, sess)
	})

	t.Run("ClaimLosesToWrittenExpiry", func(t *testing.T) {
		// A tab loads the session a moment before it expires and claims it;
		// the sweeper writes the expiry first. The claim must fail, and on
		// reload the session refuses it.
		st := s.seeded(t)
		sess := newSession(scopeA, "cs_tabs_sweep", t0)
		create(t, st, sess)
		before := sess.ExpiresAt.Add(-time.Microsecond)
		tab, err := st.GetSession(t.Context(), scopeA, sess.ID)
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		p := newPayment(scopeA, "pay_late", sess.ID, before)
		if err := tab.Claim(p.ID, before); err != nil {
			t.Fatalf("Claim before expiry: %v", err)
		}
		transition(t, st, scopeA, sess.ID, checkout.TransitionExpire, sess.ExpiresAt, nil)

		wantKind(t, "Commit(claim over a written expiry)", st.Commit(t.Context(), checkout.Change{Session: tab, Payment: p}), checkout.KindConflict)
		if ps := sessionPayments(t, st, sess.ID); len(ps) != 0 {
			t.Errorf("payments stored for an expired session: %v", paymentIDs(ps))
		}
		tab, err = st.GetSession(t.Context(), scopeA, sess.ID)
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		wantKind(t, "Claim of the reloaded session", tab.Claim(p.ID, before), checkout.KindState)
		if tab.Status != checkout.SessionExpired || tab.PaymentInFlight != "" {
			t.Errorf("session %s, in flight %q; want expired, none", tab.Status, tab.PaymentInFlight)
		}
	})
}
