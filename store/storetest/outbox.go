package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// newEvent returns an event of scope about session cs_<id>, without a snapshot.
func newEvent(scope checkout.Scope, id string, created time.Time) *checkout.Event {
	return &checkout.Event{
		ID:        id,
		AccountID: scope.AccountID,
		Livemode:  scope.Livemode,
		Type:      checkout.EventSessionCompleted,
		Created:   created,
		Sequence:  1,
		ObjectID:  "cs_" + id,
	}
}

// commitEvents appends events, each in its own Commit, in order.
func commitEvents(t *testing.T, st checkout.Store, events ...*checkout.Event) {
	t.Helper()
	for _, e := range events {
		commit(t, st, checkout.Change{Events: []*checkout.Event{e}})
	}
}

// newDelivery returns the pending delivery of ev to endpoint e, due at next.
func newDelivery(ev *checkout.Event, e *checkout.WebhookEndpoint, id string, next time.Time) *checkout.Delivery {
	return &checkout.Delivery{
		ID:         id,
		AccountID:  ev.AccountID,
		Livemode:   ev.Livemode,
		EventID:    ev.ID,
		EndpointID: e.ID,
		Status:     checkout.DeliveryPending,
		NextAt:     next,
		Version:    1,
		Created:    ev.Created,
		Updated:    ev.Created,
	}
}

// fullDelivery sets every field of a delivery, with times at microsecond
// precision, to catch any field a backend forgets.
func fullDelivery(ev *checkout.Event, e *checkout.WebhookEndpoint, id string) *checkout.Delivery {
	d := newDelivery(ev, e, id, t0.Add(5*time.Minute+7*time.Microsecond))
	d.LeaseUntil = t0.Add(-time.Minute + 3*time.Microsecond)
	d.Attempts = []checkout.DeliveryAttempt{
		{At: t0.Add(time.Microsecond), StatusCode: 0, Latency: 30*time.Second + 1, Error: "dial tcp: i/o timeout"},
		{At: t0.Add(time.Minute + 999999*time.Microsecond), StatusCode: 503, Latency: 1234567 * time.Nanosecond,
			Error: "Ünïcödé ☕ \"quoted\" <b>bold</b> \\ and a\nnewline"},
		// Given in another zone: it comes back in UTC.
		{At: t0.Add(2 * time.Minute).In(time.FixedZone("WAT", 3600)), StatusCode: 200, Latency: 42 * time.Millisecond},
	}
	d.Updated = t0.Add(2*time.Minute + time.Microsecond)
	return d
}

// cloneDelivery is a deep copy of d.
func cloneDelivery(d *checkout.Delivery) *checkout.Delivery {
	c := *d
	c.Attempts = slices.Clone(d.Attempts)
	return &c
}

func cloneDeliveries(ds []*checkout.Delivery) []*checkout.Delivery {
	out := make([]*checkout.Delivery, len(ds))
	for i, d := range ds {
		out[i] = cloneDelivery(d)
	}
	return out
}

// dispatch fans event id out into ds, failing the test on any error.
func dispatch(t *testing.T, st checkout.Store, id string, ds ...*checkout.Delivery) {
	t.Helper()
	if err := st.Dispatch(t.Context(), id, cloneDeliveries(ds)); err != nil {
		t.Fatalf("Dispatch(%s): %v", id, err)
	}
}

func claimEvents(t *testing.T, st checkout.Store, now, until time.Time, n int) []*checkout.Event {
	t.Helper()
	got, err := st.ClaimEvents(t.Context(), now, until, n)
	if err != nil {
		t.Fatalf("ClaimEvents: %v", err)
	}
	return got
}

func claimDeliveries(t *testing.T, st checkout.Store, now, until time.Time, n int) []*checkout.Delivery {
	t.Helper()
	got, err := st.ClaimDeliveries(t.Context(), now, until, n)
	if err != nil {
		t.Fatalf("ClaimDeliveries: %v", err)
	}
	return got
}

func listDeliveries(t *testing.T, st checkout.Store, scope checkout.Scope, eventID string) []*checkout.Delivery {
	t.Helper()
	got, err := st.ListDeliveries(t.Context(), scope, eventID)
	if err != nil {
		t.Fatalf("ListDeliveries(%s): %v", eventID, err)
	}
	return got
}

func deliveryIDs(items []*checkout.Delivery) []string {
	out := make([]string, len(items))
	for i, d := range items {
		out[i] = d.ID
	}
	return out
}

func checkDelivery(t *testing.T, what string, got, want *checkout.Delivery) {
	t.Helper()
	if d := diffDelivery(got, want); d != "" {
		t.Errorf("%s: delivery differs:\n%s", what, d)
	}
}

// diffDelivery compares two deliveries as the contract does: times by
// instant (and must come back in UTC), empty and nil attempts alike.
func diffDelivery(got, want *checkout.Delivery) string {
	if got == nil || want == nil {
		if got == want {
			return ""
		}
		return fmt.Sprintf("got %v, want %v", got, want)
	}
	g, w := cloneDelivery(got), cloneDelivery(want)
	var diffs []string
	for _, f := range []struct {
		name string
		g, w *time.Time
	}{
		{"NextAt", &g.NextAt, &w.NextAt},
		{"LeaseUntil", &g.LeaseUntil, &w.LeaseUntil},
		{"Created", &g.Created, &w.Created},
		{"Updated", &g.Updated, &w.Updated},
	} {
		diffs = append(diffs, diffTime(f.name, *f.g, *f.w)...)
		*f.g, *f.w = time.Time{}, time.Time{}
	}
	if len(g.Attempts) == len(w.Attempts) {
		for i := range g.Attempts {
			diffs = append(diffs, diffTime(fmt.Sprintf("Attempts[%d].At", i), g.Attempts[i].At, w.Attempts[i].At)...)
			g.Attempts[i].At, w.Attempts[i].At = time.Time{}, time.Time{}
		}
	}
	if len(g.Attempts) == 0 {
		g.Attempts = nil
	}
	if len(w.Attempts) == 0 {
		w.Attempts = nil
	}
	if !reflect.DeepEqual(g, w) {
		diffs = append(diffs, fmt.Sprintf("got  %+v\nwant %+v", *g, *w))
	}
	slices.Sort(diffs)
	return strings.Join(diffs, "\n")
}

func (s suite) outbox(t *testing.T) {
	t.Run("ClaimEventsOnceOldestFirst", func(t *testing.T) {
		st := s.seeded(t)
		// Events of every scope, interleaved, with Created out of order:
		// the order is the order of insertion.
		create(t, st, newSession(scopeA, "cs_snap", t0))
		var events []*checkout.Event
		for i, scope := range []checkout.Scope{scopeB, scopeA, scopeALive, scopeA, scopeB} {
			e := newEvent(scope, fmt.Sprintf("evt_%d", i), t0.Add(time.Duration(5-i)*time.Second))
			commitEvents(t, st, e)
			events = append(events, e)
		}
		// An event written with its session, carrying its snapshot.
		events = append(events, transition(t, st, scopeA, "cs_snap", checkout.TransitionPay, t0.Add(time.Minute), nil))

		now, until := t0.Add(time.Hour), t0.Add(time.Hour+time.Minute)
		first := claimEvents(t, st, now, until, 4)
		wantIDs(t, "first claim", eventIDs(first), eventIDs(events[:4]))
		second := claimEvents(t, st, now, until, 10)
		wantIDs(t, "second claim", eventIDs(second), eventIDs(events[4:]))
		for i, e := range append(first, second...) {
			checkEvent(t, "claimed "+events[i].ID, e, events[i])
		}
		wantIDs(t, "claim while every lease is live", eventIDs(claimEvents(t, st, now, until, 10)), []string{})
		wantIDs(t, "claim a moment before the leases lapse",
			eventIDs(claimEvents(t, st, until.Add(-time.Microsecond), until.Add(time.Hour), 10)), []string{})
		if got, err := st.ClaimEvents(t.Context(), now, until, 0); err != nil || len(got) != 0 {
			t.Errorf("ClaimEvents(limit 0) = %v, %v; want none", eventIDs(got), err)
		}

		// The leases lapse at until: the events are claimable again, in order.
		later := until.Add(time.Minute)
		again := claimEvents(t, st, until, later, 10)
		wantIDs(t, "claim after the leases lapsed", eventIDs(again), eventIDs(events))

		// Once dispatched, they are never claimed again.
		for _, e := range events {
			dispatch(t, st, e.ID)
		}
		wantIDs(t, "claim after dispatching", eventIDs(claimEvents(t, st, later.Add(24*time.Hour), later.Add(25*time.Hour), 10)), []string{})

		// A new event is.
		fresh := newEvent(scopeA, "evt_fresh", t0)
		commitEvents(t, st, fresh)
		wantIDs(t, "claim of a new event", eventIDs(claimEvents(t, st, now, until, 10)), []string{fresh.ID})
	})

	t.Run("ConcurrentClaimEvents", func(t *testing.T) {
		st := s.seeded(t)
		const n, claimers = 120, 8
		want := make([]string, n)
		for i := range n {
			e := newEvent([]checkout.Scope{scopeA, scopeALive, scopeB}[i%3], fmt.Sprintf("evt_%03d", i), t0)
			commitEvents(t, st, e)
			want[i] = e.ID
		}
		now, until := t0.Add(time.Minute), t0.Add(2*time.Minute)
		var mu sync.Mutex
		count := map[string]int{}
		var wg sync.WaitGroup
		for range claimers {
			wg.Go(func() {
				for {
					got, err := st.ClaimEvents(t.Context(), now, until, 7)
					if err != nil {
						t.Errorf("ClaimEvents: %v", err)
						return
					}
					if len(got) == 0 {
						return
					}
					if !slices.IsSortedFunc(got, func(a, b *checkout.Event) int { return strings.Compare(a.ID, b.ID) }) {
						t.Errorf("claimed out of order: %v", eventIDs(got))
					}
					mu.Lock()
					for _, e := range got {
						count[e.ID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		for _, id := range want {
			if count[id] != 1 {
				t.Errorf("%s claimed %d times, want once", id, count[id])
			}
		}
		if len(count) != n {
			t.Errorf("%d events claimed, want %d", len(count), n)
		}
	})

	t.Run("Dispatch", func(t *testing.T) {
		st := s.seeded(t)
		e1, e2 := newEndpoint(scopeA, "we_1", t0), newEndpoint(scopeA, "we_2", t0)
		createEndpoints(t, st, e1, e2)
		ev := newEvent(scopeA, "evt_1", t0)
		quiet := newEvent(scopeA, "evt_quiet", t0)
		commitEvents(t, st, ev, quiet)
		now, until := t0.Add(time.Minute), t0.Add(2*time.Minute)
		wantIDs(t, "claim", eventIDs(claimEvents(t, st, now, until, 10)), []string{ev.ID, quiet.ID})

		ds := []*checkout.Delivery{newDelivery(ev, e1, "whd_1", now), fullDelivery(ev, e2, "whd_2")}
		dispatched := cloneDeliveries(ds)
		dispatched[1].Version = 0
		if err := st.Dispatch(t.Context(), ev.ID, dispatched); err != nil {
			t.Fatalf("Dispatch: %v", err)
		}
		if dispatched[1].Version != 1 {
			t.Errorf("caller's delivery Version = %d, want 1", dispatched[1].Version)
		}
		// An event no endpoint wants is dispatched with no deliveries.
		dispatch(t, st, quiet.ID)

		got := listDeliveries(t, st, scopeA, ev.ID)
		wantIDs(t, "deliveries", deliveryIDs(got), deliveryIDs(ds))
		if len(got) == 2 {
			checkDelivery(t, "delivery", got[0], ds[0])
			checkDelivery(t, "full delivery", got[1], ds[1])
		}
		if got := listDeliveries(t, st, scopeA, quiet.ID); len(got) != 0 {
			t.Errorf("deliveries of the quiet event: %v", deliveryIDs(got))
		}

		// Dispatched events are not claimed once their leases lapse.
		wantIDs(t, "claim after the leases lapsed", eventIDs(claimEvents(t, st, until, until.Add(time.Minute), 10)), []string{})

		// A second fan-out (its lease lapsed and another worker repeated
		// it) inserts nothing.
		again := []*checkout.Delivery{newDelivery(ev, e1, "whd_1_again", now), newDelivery(ev, e2, "whd_2_again", now)}
		wantKind(t, "Dispatch(dispatched event)", st.Dispatch(t.Context(), ev.ID, again), checkout.KindConflict)
		wantKind(t, "Dispatch(dispatched event, no deliveries)", st.Dispatch(t.Context(), quiet.ID, nil), checkout.KindConflict)
		wantIDs(t, "deliveries after the second fan-out", deliveryIDs(listDeliveries(t, st, scopeA, ev.ID)), deliveryIDs(ds))

		wantKind(t, "Dispatch(missing event)", st.Dispatch(t.Context(), "evt_ghost", nil), checkout.KindNotFound)
	})

	t.Run("DispatchAfterTakeover", func(t *testing.T) {
		// Worker a claims an event and stalls past its lease; worker b
		// claims it and fans it out; a's fan-out then conflicts.
		st := s.seeded(t)
		e := newEndpoint(scopeB, "we_b", t0)
		createEndpoints(t, st, e)
		ev := newEvent(scopeB, "evt_b", t0)
		commitEvents(t, st, ev)
		now := t0.Add(time.Minute)
		wantIDs(t, "a's claim", eventIDs(claimEvents(t, st, now, now.Add(time.Minute), 1)), []string{ev.ID})
		later := now.Add(time.Minute)
		wantIDs(t, "b's claim", eventIDs(claimEvents(t, st, later, later.Add(time.Minute), 1)), []string{ev.ID})
		dispatch(t, st, ev.ID, newDelivery(ev, e, "whd_b", later))
		wantKind(t, "a's Dispatch", st.Dispatch(t.Context(), ev.ID, []*checkout.Delivery{newDelivery(ev, e, "whd_a", now)}), checkout.KindConflict)
		wantIDs(t, "deliveries", deliveryIDs(listDeliveries(t, st, scopeB, ev.ID)), []string{"whd_b"})
	})

	t.Run("DispatchIsAtomic", func(t *testing.T) {
		st := s.seeded(t)
		e := newEndpoint(scopeA, "we_1", t0)
		createEndpoints(t, st, e)
		first, second := newEvent(scopeA, "evt_1", t0), newEvent(scopeA, "evt_2", t0)
		commitEvents(t, st, first, second)
		dispatch(t, st, first.ID, newDelivery(first, e, "whd_taken", t0))
		// One of the deliveries' ids exists: nothing is written, and the
		// event stays undispatched.
		ds := []*checkout.Delivery{newDelivery(second, e, "whd_new", t0), newDelivery(second, e, "whd_taken", t0)}
		wantKind(t, "Dispatch(duplicate delivery id)", st.Dispatch(t.Context(), second.ID, ds), checkout.KindConflict)
		if got := listDeliveries(t, st, scopeA, second.ID); len(got) != 0 {
			t.Errorf("deliveries after the failed dispatch: %v", deliveryIDs(got))
		}
		wantIDs(t, "claim after the failed dispatch", eventIDs(claimEvents(t, st, t0, t0.Add(time.Minute), 10)), []string{second.ID})
		dispatch(t, st, second.ID, ds[0])
		wantIDs(t, "deliveries", deliveryIDs(listDeliveries(t, st, scopeA, second.ID)), []string{"whd_new"})
	})

	t.Run("ClaimDeliveries", func(t *testing.T) {
		st := s.seeded(t)
		now, until := t0.Add(time.Hour), t0.Add(time.Hour+time.Minute)
		var all []*checkout.Delivery
		mk := func(scope checkout.Scope, id string, next time.Time, edit func(*checkout.Delivery)) *checkout.Delivery {
			ev := newEvent(scope, "evt_"+id, t0)
			commitEvents(t, st, ev)
			d := newDelivery(ev, newEndpoint(scope, "we_"+id, t0), id, next)
			if edit != nil {
				edit(d)
			}
			dispatch(t, st, ev.ID, d)
			all = append(all, d)
			return d
		}
		// Created out of NextAt order, in every scope.
		dueNow := mk(scopeB, "whd_due_now", now, nil) // NextAt == now is due
		early := mk(scopeA, "whd_early", now.Add(-50*time.Minute), nil)
		lapsed := mk(scopeALive, "whd_lapsed", now.Add(-10*time.Minute), func(d *checkout.Delivery) { d.LeaseUntil = now })
		mk(scopeA, "whd_future", now.Add(time.Microsecond), nil)
		mk(scopeA, "whd_leased", now.Add(-40*time.Minute), func(d *checkout.Delivery) { d.LeaseUntil = now.Add(time.Microsecond) })
		mk(scopeB, "whd_delivered", now.Add(-30*time.Minute), func(d *checkout.Delivery) { d.Status = checkout.DeliveryDelivered })
		mk(scopeALive, "whd_failed", now.Add(-20*time.Minute), func(d *checkout.Delivery) { d.Status = checkout.DeliveryFailed })

		if got, err := st.ClaimDeliveries(t.Context(), now, until, 0); err != nil || len(got) != 0 {
			t.Errorf("ClaimDeliveries(limit 0) = %v, %v; want none", deliveryIDs(got), err)
		}
		first := claimDeliveries(t, st, now, until, 2)
		wantIDs(t, "first claim", deliveryIDs(first), []string{early.ID, lapsed.ID})
		rest := claimDeliveries(t, st, now, until, 10)
		wantIDs(t, "second claim", deliveryIDs(rest), []string{dueNow.ID})
		wantIDs(t, "claim while the leases are live", deliveryIDs(claimDeliveries(t, st, now, until, 10)), []string{})

		// Claimed: leased until until, one version on, and stored so.
		for i, want := range []*checkout.Delivery{early, lapsed, dueNow} {
			want = cloneDelivery(want)
			want.LeaseUntil, want.Version = until, 2
			got := append(first, rest...)[i]
			checkDelivery(t, "claimed "+want.ID, got, want)
			stored := listDeliveries(t, st, checkout.Scope{AccountID: want.AccountID, Livemode: want.Livemode}, want.EventID)
			if len(stored) != 1 {
				t.Fatalf("ListDeliveries(%s): %v", want.EventID, deliveryIDs(stored))
			}
			checkDelivery(t, "stored "+want.ID, stored[0], want)
		}

		// The leases lapse at until; the delivery leased before the claims
		// and the future one are due by then too.
		again := claimDeliveries(t, st, until, until.Add(time.Minute), 10)
		wantIDs(t, "claim after the leases lapsed", deliveryIDs(again),
			[]string{early.ID, "whd_leased", lapsed.ID, dueNow.ID, "whd_future"})
		for _, d := range again {
			if want := map[bool]int64{true: 2, false: 3}[d.ID == "whd_leased" || d.ID == "whd_future"]; d.Version != want {
				t.Errorf("%s: Version %d after the claim, want %d", d.ID, d.Version, want)
			}
		}
	})

	t.Run("ConcurrentClaimDeliveries", func(t *testing.T) {
		st := s.seeded(t)
		const n, claimers = 200, 8
		e := newEndpoint(scopeA, "we_1", t0)
		createEndpoints(t, st, e)
		ev := newEvent(scopeA, "evt_1", t0)
		commitEvents(t, st, ev)
		ds := make([]*checkout.Delivery, n)
		for i := range ds {
			ds[i] = newDelivery(ev, e, fmt.Sprintf("whd_%03d", i), t0.Add(time.Duration(i%17)*time.Second))
		}
		dispatch(t, st, ev.ID, ds...)

		now, until := t0.Add(time.Minute), t0.Add(2*time.Minute)
		var mu sync.Mutex
		count := map[string]int{}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range claimers {
			wg.Go(func() {
				<-start
				for {
					got, err := st.ClaimDeliveries(t.Context(), now, until, 7)
					if err != nil {
						t.Errorf("ClaimDeliveries: %v", err)
						return
					}
					if len(got) == 0 {
						return
					}
					if !slices.IsSortedFunc(got, func(a, b *checkout.Delivery) int { return a.NextAt.Compare(b.NextAt) }) {
						t.Errorf("claimed out of NextAt order: %v", deliveryIDs(got))
					}
					mu.Lock()
					for _, d := range got {
						count[d.ID]++
						if d.Version != 2 || !d.LeaseUntil.Equal(until) {
							t.Errorf("%s claimed at version %d leased until %v, want 2 and %v", d.ID, d.Version, d.LeaseUntil, until)
						}
					}
					mu.Unlock()
				}
			})
		}
		close(start)
		wg.Wait()
		for _, d := range ds {
			if count[d.ID] != 1 {
				t.Errorf("%s claimed %d times, want once", d.ID, count[d.ID])
			}
		}
		if len(count) != n {
			t.Errorf("%d deliveries claimed, want %d", len(count), n)
		}
	})

	t.Run("UpdateDelivery", func(t *testing.T) {
		st := s.seeded(t)
		e := newEndpoint(scopeA, "we_1", t0)
		createEndpoints(t, st, e)
		ev := newEvent(scopeA, "evt_1", t0)
		commitEvents(t, st, ev)
		now := t0.Add(time.Minute)
		dispatch(t, st, ev.ID, newDelivery(ev, e, "whd_1", now))

		// Worker a claims the delivery and stalls past its lease; b claims
		// it and records an attempt. a's write conflicts.
		a := claimDeliveries(t, st, now, now.Add(time.Minute), 1)
		later := now.Add(time.Minute)
		b := claimDeliveries(t, st, later, later.Add(time.Minute), 1)
		if len(a) != 1 || len(b) != 1 {
			t.Fatalf("claims: %v and %v, want the delivery each", deliveryIDs(a), deliveryIDs(b))
		}
		if a[0].Version != 2 || b[0].Version != 3 {
			t.Errorf("claimed at versions %d and %d, want 2 and 3", a[0].Version, b[0].Version)
		}
		retry := b[0]
		retry.Version++
		retry.Attempts = append(retry.Attempts, checkout.DeliveryAttempt{At: later, StatusCode: 500, Latency: 250 * time.Millisecond, Error: "500 Internal Server Error"})
		retry.NextAt, retry.LeaseUntil, retry.Updated = later.Add(time.Hour), time.Time{}, later
		if err := st.UpdateDelivery(t.Context(), cloneDelivery(retry)); err != nil {
			t.Fatalf("UpdateDelivery: %v", err)
		}
		stale := a[0]
		stale.Version++
		stale.Status = checkout.DeliveryDelivered
		wantKind(t, "UpdateDelivery(after a takeover)", st.UpdateDelivery(t.Context(), stale), checkout.KindConflict)
		for _, tc := range []struct {
			name string
			edit func(d *checkout.Delivery)
		}{
			{"same version", func(d *checkout.Delivery) {}},
			{"skipping a version", func(d *checkout.Delivery) { d.Version += 2 }},
			{"other mode", func(d *checkout.Delivery) { d.Version++; d.Livemode = true }},
			{"other account", func(d *checkout.Delivery) { d.Version++; d.AccountID = scopeB.AccountID }},
			{"missing", func(d *checkout.Delivery) { d.Version++; d.ID = "whd_ghost" }},
		} {
			d := cloneDelivery(retry)
			tc.edit(d)
			d.Status = checkout.DeliveryFailed
			wantKind(t, "UpdateDelivery("+tc.name+")", st.UpdateDelivery(t.Context(), d), checkout.KindConflict)
		}
		got := listDeliveries(t, st, scopeA, ev.ID)
		if len(got) != 1 {
			t.Fatalf("ListDeliveries: %v", deliveryIDs(got))
		}
		checkDelivery(t, "after the updates", got[0], retry)

		// Not due until its NextAt; then delivered, never again.
		wantIDs(t, "claim before NextAt", deliveryIDs(claimDeliveries(t, st, retry.NextAt.Add(-time.Microsecond), retry.NextAt.Add(time.Hour), 10)), []string{})
		c := claimDeliveries(t, st, retry.NextAt, retry.NextAt.Add(time.Minute), 10)
		if len(c) != 1 {
			t.Fatalf("claim at NextAt: %v", deliveryIDs(c))
		}
		done := c[0]
		done.Version++
		done.Status, done.LeaseUntil = checkout.DeliveryDelivered, time.Time{}
		done.Attempts = append(done.Attempts, checkout.DeliveryAttempt{At: retry.NextAt, StatusCode: 204, Latency: time.Millisecond})
		if err := st.UpdateDelivery(t.Context(), cloneDelivery(done)); err != nil {
			t.Fatalf("UpdateDelivery(delivered): %v", err)
		}
		wantIDs(t, "claim after delivery", deliveryIDs(claimDeliveries(t, st, retry.NextAt.Add(24*time.Hour), retry.NextAt.Add(25*time.Hour), 10)), []string{})
		got = listDeliveries(t, st, scopeA, ev.ID)
		if len(got) == 1 {
			checkDelivery(t, "delivered", got[0], done)
		}
	})

	t.Run("InsertDeliveries", func(t *testing.T) {
		st := s.seeded(t)
		e := newEndpoint(scopeALive, "we_1", t0)
		createEndpoints(t, st, e)
		ev := newEvent(scopeALive, "evt_1", t0)
		commitEvents(t, st, ev)
		dispatch(t, st, ev.ID, newDelivery(ev, e, "whd_1", t0))
		if err := st.InsertDeliveries(t.Context(), nil); err != nil {
			t.Errorf("InsertDeliveries(none): %v", err)
		}

		// A resend: a new delivery of the dispatched event.
		resend := fullDelivery(ev, e, "whd_resend")
		resend.Attempts = nil
		ins := cloneDelivery(resend)
		ins.Version = 0
		if err := st.InsertDeliveries(t.Context(), []*checkout.Delivery{ins}); err != nil {
			t.Fatalf("InsertDeliveries: %v", err)
		}
		if ins.Version != 1 {
			t.Errorf("caller's Version = %d, want 1", ins.Version)
		}
		got := listDeliveries(t, st, scopeALive, ev.ID)
		wantIDs(t, "deliveries", deliveryIDs(got), []string{"whd_1", resend.ID})
		if len(got) == 2 {
			checkDelivery(t, "resend", got[1], resend)
		}

		// All or none: one id of the batch exists.
		batch := []*checkout.Delivery{newDelivery(ev, e, "whd_new", t0), newDelivery(ev, e, "whd_1", t0)}
		wantKind(t, "InsertDeliveries(duplicate id)", st.InsertDeliveries(t.Context(), batch), checkout.KindConflict)
		wantIDs(t, "deliveries after the failed insert", deliveryIDs(listDeliveries(t, st, scopeALive, ev.ID)), []string{"whd_1", resend.ID})
	})

	t.Run("ListDeliveries", func(t *testing.T) {
		st := s.seeded(t)
		scopes := []checkout.Scope{scopeA, scopeALive, scopeB}
		for i, scope := range scopes {
			e1, e2 := newEndpoint(scope, fmt.Sprintf("we_%d_1", i), t0), newEndpoint(scope, fmt.Sprintf("we_%d_2", i), t0)
			ev := newEvent(scope, fmt.Sprintf("evt_%d", i), t0)
			commitEvents(t, st, ev)
			// NextAt out of insertion order: the list is in insertion order.
			dispatch(t, st, ev.ID,
				newDelivery(ev, e2, fmt.Sprintf("whd_%d_b", i), t0.Add(time.Hour)),
				newDelivery(ev, e1, fmt.Sprintf("whd_%d_a", i), t0))
			if err := st.InsertDeliveries(t.Context(), []*checkout.Delivery{newDelivery(ev, e1, fmt.Sprintf("whd_%d_resend", i), t0)}); err != nil {
				t.Fatalf("InsertDeliveries: %v", err)
			}
		}
		for i, scope := range scopes {
			name := fmt.Sprintf("%s livemode=%v", scope.AccountID, scope.Livemode)
			got := listDeliveries(t, st, scope, fmt.Sprintf("evt_%d", i))
			wantIDs(t, name, deliveryIDs(got), []string{fmt.Sprintf("whd_%d_b", i), fmt.Sprintf("whd_%d_a", i), fmt.Sprintf("whd_%d_resend", i)})
			for j := range scopes {
				if j != i {
					if got := listDeliveries(t, st, scope, fmt.Sprintf("evt_%d", j)); len(got) != 0 {
						t.Errorf("%s: deliveries of another scope's event: %v", name, deliveryIDs(got))
					}
				}
			}
		}
		got, err := st.ListDeliveries(t.Context(), scopeA, "evt_ghost")
		if err != nil || len(got) != 0 {
			t.Errorf("ListDeliveries(missing event) = %v, %v; want none and no error", deliveryIDs(got), err)
		}
	})
}
