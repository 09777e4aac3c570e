package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// newEndpoint returns an enabled endpoint of scope receiving every event,
// with one current secret, as the service first stores it (Version 1).
func newEndpoint(scope checkout.Scope, id string, created time.Time) *checkout.WebhookEndpoint {
	return &checkout.WebhookEndpoint{
		ID:            id,
		AccountID:     scope.AccountID,
		Livemode:      scope.Livemode,
		URL:           "https://shop.example/hooks/" + id,
		EnabledEvents: []string{"*"},
		Secrets:       []checkout.EndpointSecret{{Sealed: []byte("sealed:" + id)}},
		Version:       1,
		Created:       created,
		Updated:       created,
	}
}

// fullEndpoint sets every field of an endpoint, with times at microsecond
// precision, to catch any field a backend forgets.
func fullEndpoint(scope checkout.Scope, id string) *checkout.WebhookEndpoint {
	e := newEndpoint(scope, id, t0)
	e.URL = "https://shop.example/hooks?from=checkoutd&x=%2F#frag"
	e.EnabledEvents = []string{checkout.EventSessionCompleted, checkout.EventPaymentSucceeded}
	e.Description = "Ünïcödé ☕ \"quoted\" <b>bold</b> \\ and a\nnewline"
	e.Metadata = map[string]string{"team": "payments", "empty": "", "ключ": "значение"}
	e.Disabled = true
	e.DisabledReason = "failing for 5 days"
	e.Secrets = []checkout.EndpointSecret{
		// Sealed secrets are binary: every byte value must survive.
		{Sealed: allBytes()},
		// Given in another zone: it comes back in UTC.
		{Sealed: []byte{0, 1, 2, 0xff}, ExpiresAt: t0.Add(24*time.Hour + 5*time.Microsecond).In(time.FixedZone("WAT", 3600))},
	}
	e.FailingSince = t0.Add(-72*time.Hour + 3*time.Microsecond)
	e.Updated = t0.Add(time.Second + 999999*time.Microsecond)
	return e
}

func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// cloneEndpoint is a deep copy of e.
func cloneEndpoint(e *checkout.WebhookEndpoint) *checkout.WebhookEndpoint {
	c := *e
	c.EnabledEvents = slices.Clone(e.EnabledEvents)
	if e.Metadata != nil {
		c.Metadata = make(map[string]string, len(e.Metadata))
		for k, v := range e.Metadata {
			c.Metadata[k] = v
		}
	}
	if e.Secrets != nil {
		c.Secrets = make([]checkout.EndpointSecret, len(e.Secrets))
		for i, s := range e.Secrets {
			c.Secrets[i] = checkout.EndpointSecret{Sealed: slices.Clone(s.Sealed), ExpiresAt: s.ExpiresAt}
		}
	}
	return &c
}

// roomyLimit is the limit the cases that do not test limits create
// against: more than any of them stores in one scope.
const roomyLimit = 100

func createEndpoints(t *testing.T, st checkout.Store, endpoints ...*checkout.WebhookEndpoint) {
	t.Helper()
	for _, e := range endpoints {
		if err := st.CreateEndpoint(t.Context(), cloneEndpoint(e), roomyLimit); err != nil {
			t.Fatalf("CreateEndpoint(%s): %v", e.ID, err)
		}
	}
}

func endpointIDs(items []*checkout.WebhookEndpoint) []string {
	out := make([]string, len(items))
	for i, e := range items {
		out[i] = e.ID
	}
	return out
}

func getEndpoint(t *testing.T, st checkout.Store, scope checkout.Scope, id string) *checkout.WebhookEndpoint {
	t.Helper()
	e, err := st.GetEndpoint(t.Context(), scope, id)
	if err != nil {
		t.Fatalf("GetEndpoint(%s): %v", id, err)
	}
	return e
}

func checkEndpoint(t *testing.T, what string, got, want *checkout.WebhookEndpoint) {
	t.Helper()
	if d := diffEndpoint(got, want); d != "" {
		t.Errorf("%s: endpoint differs:\n%s", what, d)
	}
}

// diffEndpoint compares two endpoints as the contract does: times by instant
// (and must come back in UTC), empty and nil slices and maps alike.
func diffEndpoint(got, want *checkout.WebhookEndpoint) string {
	if got == nil || want == nil {
		if got == want {
			return ""
		}
		return fmt.Sprintf("got %v, want %v", got, want)
	}
	g, w := canonEndpoint(got), canonEndpoint(want)
	var diffs []string
	diffs = append(diffs, diffTime("Created", g.Created, w.Created)...)
	diffs = append(diffs, diffTime("Updated", g.Updated, w.Updated)...)
	diffs = append(diffs, diffTime("FailingSince", g.FailingSince, w.FailingSince)...)
	g.Created, g.Updated, g.FailingSince = time.Time{}, time.Time{}, time.Time{}
	w.Created, w.Updated, w.FailingSince = time.Time{}, time.Time{}, time.Time{}
	if len(g.Secrets) == len(w.Secrets) {
		for i := range g.Secrets {
			diffs = append(diffs, diffTime(fmt.Sprintf("Secrets[%d].ExpiresAt", i), g.Secrets[i].ExpiresAt, w.Secrets[i].ExpiresAt)...)
			g.Secrets[i].ExpiresAt, w.Secrets[i].ExpiresAt = time.Time{}, time.Time{}
		}
	}
	if !reflect.DeepEqual(g, w) {
		diffs = append(diffs, fmt.Sprintf("got  %+v\nwant %+v", *g, *w))
	}
	slices.Sort(diffs)
	return strings.Join(diffs, "\n")
}

// canonEndpoint is a deep copy of e with empty slices, maps and byte
// strings made nil.
func canonEndpoint(e *checkout.WebhookEndpoint) *checkout.WebhookEndpoint {
	c := cloneEndpoint(e)
	if len(c.EnabledEvents) == 0 {
		c.EnabledEvents = nil
	}
	if len(c.Metadata) == 0 {
		c.Metadata = nil
	}
	if len(c.Secrets) == 0 {
		c.Secrets = nil
	}
	for i := range c.Secrets {
		if len(c.Secrets[i].Sealed) == 0 {
			c.Secrets[i].Sealed = nil
		}
	}
	return c
}

func (s suite) endpoints(t *testing.T) {
	t.Run("RoundTripAllFields", func(t *testing.T) {
		st := s.seeded(t)
		want := fullEndpoint(scopeALive, "we_full")
		createEndpoints(t, st, want)
		checkEndpoint(t, "GetEndpoint", getEndpoint(t, st, scopeALive, want.ID), want)
		p, err := st.ListEndpoints(t.Context(), scopeALive, limit(10))
		if err != nil || len(p.Items) != 1 {
			t.Fatalf("ListEndpoints: %v, %v; want one endpoint", endpointIDs(p.Items), err)
		}
		checkEndpoint(t, "listed endpoint", p.Items[0], want)

		// Enabled, it is part of the fan-out, as stored.
		want.Version++
		want.Disabled, want.DisabledReason = false, ""
		if err := st.UpdateEndpoint(t.Context(), cloneEndpoint(want)); err != nil {
			t.Fatalf("UpdateEndpoint: %v", err)
		}
		fan, err := st.EndpointsFor(t.Context(), scopeALive)
		if err != nil || len(fan) != 1 {
			t.Fatalf("EndpointsFor: %v, %v; want one endpoint", endpointIDs(fan), err)
		}
		checkEndpoint(t, "EndpointsFor", fan[0], want)
	})

	t.Run("RoundTripZeroTimesAndEmpties", func(t *testing.T) {
		st := s.seeded(t)
		bare := newEndpoint(scopeA, "we_bare", t0)
		bare.Updated = time.Time{}
		bare.EnabledEvents, bare.Secrets, bare.Metadata = nil, nil, nil
		current := newEndpoint(scopeA, "we_current", t0)
		current.Secrets = []checkout.EndpointSecret{{Sealed: []byte("current")}} // ExpiresAt zero
		createEndpoints(t, st, bare, current)
		for _, want := range []*checkout.WebhookEndpoint{bare, current} {
			got := getEndpoint(t, st, scopeA, want.ID)
			checkEndpoint(t, "GetEndpoint("+want.ID+")", got, want)
			if !got.Updated.IsZero() && want.Updated.IsZero() {
				t.Errorf("%s: Updated = %v, want the zero time", want.ID, got.Updated)
			}
			if !got.FailingSince.IsZero() {
				t.Errorf("%s: FailingSince = %v, want the zero time", want.ID, got.FailingSince)
			}
			for i, sec := range got.Secrets {
				if !sec.ExpiresAt.IsZero() {
					t.Errorf("%s: Secrets[%d].ExpiresAt = %v, want the zero time", want.ID, i, sec.ExpiresAt)
				}
			}
		}

		// A time set and then cleared comes back zero.
		e := getEndpoint(t, st, scopeA, current.ID)
		e.Version++
		e.FailingSince = t0.Add(time.Minute)
		if err := st.UpdateEndpoint(t.Context(), e); err != nil {
			t.Fatalf("UpdateEndpoint: %v", err)
		}
		e = getEndpoint(t, st, scopeA, current.ID)
		e.Version++
		e.FailingSince = time.Time{}
		if err := st.UpdateEndpoint(t.Context(), e); err != nil {
			t.Fatalf("UpdateEndpoint: %v", err)
		}
		if got := getEndpoint(t, st, scopeA, current.ID); !got.FailingSince.IsZero() || got.Version != 3 {
			t.Errorf("after clearing: FailingSince %v version %d, want zero and 3", got.FailingSince, got.Version)
		}
	})

	t.Run("CreateStoresVersion1", func(t *testing.T) {
		st := s.seeded(t)
		e := newEndpoint(scopeA, "we_v", t0)
		e.Version = 0
		if err := st.CreateEndpoint(t.Context(), e, roomyLimit); err != nil {
			t.Fatalf("CreateEndpoint: %v", err)
		}
		if e.Version != 1 {
			t.Errorf("caller's Version = %d, want 1", e.Version)
		}
		if got := getEndpoint(t, st, scopeA, e.ID); got.Version != 1 {
			t.Errorf("stored Version = %d, want 1", got.Version)
		}
	})

	t.Run("DuplicateID", func(t *testing.T) {
		st := s.seeded(t)
		createEndpoints(t, st, newEndpoint(scopeA, "we_dup", t0))
		for _, scope := range []checkout.Scope{scopeA, scopeALive, scopeB} {
			dup := newEndpoint(scope, "we_dup", t0)
			dup.URL = "https://evil.example/"
			wantKind(t, fmt.Sprintf("CreateEndpoint(duplicate in %+v)", scope), st.CreateEndpoint(t.Context(), dup, roomyLimit), checkout.KindConflict)
		}
		if got := getEndpoint(t, st, scopeA, "we_dup"); got.URL != newEndpoint(scopeA, "we_dup", t0).URL {
			t.Errorf("URL after duplicate creates: %s", got.URL)
		}
	})

	t.Run("CompareAndSet", func(t *testing.T) {
		st := s.seeded(t)
		want := newEndpoint(scopeA, "we_cas", t0)
		createEndpoints(t, st, want)

		first := getEndpoint(t, st, scopeA, want.ID)
		stale := cloneEndpoint(first)
		first.Version++
		first.URL = "https://shop.example/v2"
		first.Secrets = append([]checkout.EndpointSecret{{Sealed: []byte("rotated")}},
			checkout.EndpointSecret{Sealed: first.Secrets[0].Sealed, ExpiresAt: t0.Add(24 * time.Hour)})
		first.Updated = t0.Add(time.Hour)
		if err := st.UpdateEndpoint(t.Context(), cloneEndpoint(first)); err != nil {
			t.Fatalf("UpdateEndpoint: %v", err)
		}
		checkEndpoint(t, "after the update", getEndpoint(t, st, scopeA, want.ID), first)

		for _, tc := range []struct {
			name string
			edit func(e *checkout.WebhookEndpoint)
		}{
			{"stale", func(e *checkout.WebhookEndpoint) { *e = *cloneEndpoint(stale); e.Version++ }},
			{"same version", func(e *checkout.WebhookEndpoint) {}},
			{"skipping a version", func(e *checkout.WebhookEndpoint) { e.Version += 2 }},
			{"other mode", func(e *checkout.WebhookEndpoint) { e.Version++; e.Livemode = true }},
			{"other account", func(e *checkout.WebhookEndpoint) { e.Version++; e.AccountID = scopeB.AccountID }},
			{"missing", func(e *checkout.WebhookEndpoint) { e.Version++; e.ID = "we_ghost" }},
		} {
			e := cloneEndpoint(first)
			tc.edit(e)
			e.URL = "https://evil.example/" + tc.name
			wantKind(t, "UpdateEndpoint("+tc.name+")", st.UpdateEndpoint(t.Context(), e), checkout.KindConflict)
		}
		checkEndpoint(t, "after the failed updates", getEndpoint(t, st, scopeA, want.ID), first)
		_, err := st.GetEndpoint(t.Context(), scopeA, "we_ghost")
		wantKind(t, "GetEndpoint(after updating a missing endpoint)", err, checkout.KindNotFound)
	})

	t.Run("Isolation", func(t *testing.T) {
		st := s.seeded(t)
		scopes := []checkout.Scope{scopeA, scopeALive, scopeB}
		for i, scope := range scopes {
			createEndpoints(t, st, newEndpoint(scope, fmt.Sprintf("we_%d", i), t0))
		}
		for i, scope := range scopes {
			name := fmt.Sprintf("%s livemode=%v", scope.AccountID, scope.Livemode)
			p, err := st.ListEndpoints(t.Context(), scope, limit(10))
			if err != nil {
				t.Fatalf("ListEndpoints: %v", err)
			}
			wantIDs(t, name+" endpoints", endpointIDs(p.Items), []string{fmt.Sprintf("we_%d", i)})
			fan, err := st.EndpointsFor(t.Context(), scope)
			if err != nil {
				t.Fatalf("EndpointsFor: %v", err)
			}
			wantIDs(t, name+" fan-out", endpointIDs(fan), []string{fmt.Sprintf("we_%d", i)})
			for j := range scopes {
				if j == i {
					continue
				}
				other := fmt.Sprintf("we_%d", j)
				_, err := st.GetEndpoint(t.Context(), scope, other)
				wantKind(t, name+": GetEndpoint of another scope's endpoint", err, checkout.KindNotFound)
				wantKind(t, name+": DeleteEndpoint of another scope's endpoint", st.DeleteEndpoint(t.Context(), scope, other), checkout.KindNotFound)
				_, err = st.ListEndpoints(t.Context(), scope, checkout.ListParams{Limit: 10, StartingAfter: other})
				wantCursorNotFound(t, name+": starting_after another scope's endpoint", err, "starting_after")
				_, err = st.ListEndpoints(t.Context(), scope, checkout.ListParams{Limit: 10, EndingBefore: other})
				wantCursorNotFound(t, name+": ending_before another scope's endpoint", err, "ending_before")
			}
		}
		// The failed deletes deleted nothing.
		for i, scope := range scopes {
			getEndpoint(t, st, scope, fmt.Sprintf("we_%d", i))
		}
	})

	t.Run("Pagination", func(t *testing.T) {
		st := s.seeded(t)
		// Same Created for all: the order is the order of insertion.
		var ids []string
		for i := range 25 {
			e := newEndpoint(scopeA, fmt.Sprintf("we_%03d", i), t0)
			createEndpoints(t, st, e)
			ids = append(ids, e.ID)
		}
		createEndpoints(t, st, newEndpoint(scopeB, "we_other", t0))
		want := slices.Clone(ids)
		slices.Reverse(want)
		for _, tc := range []struct {
			name          string
			limit         int
			after, before string
			want          []string
			more          bool
		}{
			{"first page", 10, "", "", want[:10], true},
			{"second page", 10, ids[15], "", want[10:20], true},
			{"last page", 10, ids[5], "", want[20:], false},
			{"past the end", 10, ids[0], "", []string{}, false},
			{"all in one", 100, "", "", want, false},
			{"exact fit", 25, "", "", want, false},
			{"ending_before", 10, "", ids[5], want[9:19], true},
			{"ending_before: near the top", 10, "", ids[20], want[:4], false},
			{"ending_before: newest", 10, "", ids[24], []string{}, false},
		} {
			p, err := st.ListEndpoints(t.Context(), scopeA, checkout.ListParams{Limit: tc.limit, StartingAfter: tc.after, EndingBefore: tc.before})
			if err != nil {
				t.Fatalf("%s: ListEndpoints: %v", tc.name, err)
			}
			wantIDs(t, tc.name, endpointIDs(p.Items), tc.want)
			if p.HasMore != tc.more {
				t.Errorf("%s: HasMore %v, want %v", tc.name, p.HasMore, tc.more)
			}
		}
		_, err := st.ListEndpoints(t.Context(), scopeA, checkout.ListParams{Limit: 10, StartingAfter: "we_missing"})
		wantCursorNotFound(t, "unknown starting_after", err, "starting_after")
		_, err = st.ListEndpoints(t.Context(), scopeA, checkout.ListParams{Limit: 10, EndingBefore: "we_missing"})
		wantCursorNotFound(t, "unknown ending_before", err, "ending_before")
		p, err := st.ListEndpoints(t.Context(), scopeALive, limit(10))
		if err != nil || len(p.Items) != 0 || p.HasMore {
			t.Errorf("empty scope: %v (has more %v), %v", endpointIDs(p.Items), p.HasMore, err)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		st := s.seeded(t)
		gone, kept := newEndpoint(scopeA, "we_gone", t0), newEndpoint(scopeA, "we_kept", t0)
		createEndpoints(t, st, gone, kept)
		ev := newEvent(scopeA, "evt_del", t0)
		commitEvents(t, st, ev)
		now := t0.Add(time.Minute)
		pending := newDelivery(ev, gone, "whd_pending", now)
		delivered := newDelivery(ev, gone, "whd_delivered", now)
		delivered.Status = checkout.DeliveryDelivered
		failed := newDelivery(ev, gone, "whd_failed", now)
		failed.Status = checkout.DeliveryFailed
		other := newDelivery(ev, kept, "whd_other", now)
		dispatch(t, st, ev.ID, pending, delivered, failed, other)

		if err := st.DeleteEndpoint(t.Context(), scopeA, gone.ID); err != nil {
			t.Fatalf("DeleteEndpoint: %v", err)
		}
		_, err := st.GetEndpoint(t.Context(), scopeA, gone.ID)
		wantKind(t, "GetEndpoint(deleted)", err, checkout.KindNotFound)
		wantKind(t, "DeleteEndpoint(deleted)", st.DeleteEndpoint(t.Context(), scopeA, gone.ID), checkout.KindNotFound)
		wantKind(t, "DeleteEndpoint(missing)", st.DeleteEndpoint(t.Context(), scopeA, "we_ghost"), checkout.KindNotFound)
		p, err := st.ListEndpoints(t.Context(), scopeA, limit(10))
		if err != nil {
			t.Fatalf("ListEndpoints: %v", err)
		}
		wantIDs(t, "endpoints after the delete", endpointIDs(p.Items), []string{kept.ID})
		fan, err := st.EndpointsFor(t.Context(), scopeA)
		if err != nil {
			t.Fatalf("EndpointsFor: %v", err)
		}
		wantIDs(t, "fan-out after the delete", endpointIDs(fan), []string{kept.ID})

		// Its pending delivery went with it; its history stays.
		wantIDs(t, "deliveries after the delete", deliveryIDs(listDeliveries(t, st, scopeA, ev.ID)),
			[]string{delivered.ID, failed.ID, other.ID})
		claimed, err := st.ClaimDeliveries(t.Context(), now, now.Add(time.Minute), 10)
		if err != nil {
			t.Fatalf("ClaimDeliveries: %v", err)
		}
		wantIDs(t, "claimed after the delete", deliveryIDs(claimed), []string{other.ID})
	})

	t.Run("EndpointsFor", func(t *testing.T) {
		st := s.seeded(t)
		first := newEndpoint(scopeA, "we_first", t0)
		disabled := newEndpoint(scopeA, "we_disabled", t0)
		disabled.Disabled, disabled.DisabledReason = true, "disabled by the merchant"
		second := newEndpoint(scopeA, "we_second", t0)
		second.EnabledEvents = []string{checkout.EventPaymentFailed}
		createEndpoints(t, st, first, disabled, second,
			newEndpoint(scopeALive, "we_live", t0), newEndpoint(scopeB, "we_b", t0))
		fanOut := func() []string {
			t.Helper()
			fan, err := st.EndpointsFor(t.Context(), scopeA)
			if err != nil {
				t.Fatalf("EndpointsFor: %v", err)
			}
			return endpointIDs(fan)
		}
		wantIDs(t, "fan-out", fanOut(), []string{first.ID, second.ID})

		// Disabling and enabling are seen at once.
		e := getEndpoint(t, st, scopeA, first.ID)
		e.Version++
		e.Disabled, e.DisabledReason = true, "410 Gone"
		if err := st.UpdateEndpoint(t.Context(), e); err != nil {
			t.Fatalf("UpdateEndpoint: %v", err)
		}
		e = getEndpoint(t, st, scopeA, disabled.ID)
		e.Version++
		e.Disabled, e.DisabledReason = false, ""
		if err := st.UpdateEndpoint(t.Context(), e); err != nil {
			t.Fatalf("UpdateEndpoint: %v", err)
		}
		wantIDs(t, "fan-out after disabling and enabling", fanOut(), []string{disabled.ID, second.ID})

		fan, err := st.EndpointsFor(t.Context(), checkout.Scope{AccountID: "acct_none"})
		if err != nil || len(fan) != 0 {
			t.Errorf("EndpointsFor(scope without endpoints) = %v, %v; want none", endpointIDs(fan), err)
		}
	})
}

// endpointLimit is the limit the suite's limit cases create against, the
// service's own (16 per account and mode).
const endpointLimit = 16

func (s suite) endpointLimits(t *testing.T) {
	t.Run("Concurrent", func(t *testing.T) {
		st := s.seeded(t)
		// Other scopes, one empty and one a place short of its limit, create
		// at the same time: the race in scopeA must not touch them.
		for i := range endpointLimit - 1 {
			createLimited(t, st, endpointLimit, newEndpoint(scopeB, fmt.Sprintf("we_b_%02d", i), t0))
		}
		const n, others = 40, 5
		type result struct {
			id  string
			err error
		}
		res := map[checkout.Scope][]result{scopeA: make([]result, n), scopeALive: make([]result, others), scopeB: make([]result, others)}
		start := make(chan struct{})
		var wg sync.WaitGroup
		for scope, rs := range res {
			for i := range rs {
				id := fmt.Sprintf("we_race_%s_%v_%02d", scope.AccountID, scope.Livemode, i)
				wg.Go(func() {
					<-start
					rs[i] = result{id, st.CreateEndpoint(t.Context(), newEndpoint(scope, id, t0), endpointLimit)}
				})
			}
		}
		close(start)
		wg.Wait()

		for scope, want := range map[checkout.Scope]struct{ ok, refused, total int }{
			scopeA:     {endpointLimit, n - endpointLimit, endpointLimit},
			scopeALive: {others, 0, others},
			scopeB:     {1, others - 1, endpointLimit},
		} {
			name := fmt.Sprintf("%s livemode=%v", scope.AccountID, scope.Livemode)
			var created []string
			refused := 0
			for _, r := range res[scope] {
				switch {
				case r.err == nil:
					created = append(created, r.id)
				case errors.Is(r.err, checkout.ErrLimit):
					refused++
					// A refused create wrote nothing.
					_, err := st.GetEndpoint(t.Context(), scope, r.id)
					wantKind(t, name+": GetEndpoint of a refused endpoint", err, checkout.KindNotFound)
				default:
					t.Errorf("%s: CreateEndpoint(%s): %v, want nil or ErrLimit", name, r.id, r.err)
				}
			}
			if len(created) != want.ok || refused != want.refused {
				t.Errorf("%s: %d created and %d refused, want %d and %d", name, len(created), refused, want.ok, want.refused)
			}
			p, err := st.ListEndpoints(t.Context(), scope, limit(100))
			if err != nil {
				t.Fatalf("ListEndpoints: %v", err)
			}
			if len(p.Items) != want.total {
				t.Errorf("%s: %d endpoints stored, want %d", name, len(p.Items), want.total)
			}
			for _, id := range created {
				if !slices.Contains(endpointIDs(p.Items), id) {
					t.Errorf("%s: created endpoint %s is not listed", name, id)
				}
			}
		}
	})

	t.Run("Sequential", func(t *testing.T) {
		st := s.seeded(t)
		const max = 3
		first := newEndpoint(scopeA, "we_lim_0", t0)
		disabled := newEndpoint(scopeA, "we_lim_1", t0)
		disabled.Disabled, disabled.DisabledReason = true, "disabled by the merchant"
		createLimited(t, st, max, first, disabled, newEndpoint(scopeA, "we_lim_2", t0))

		// Full, disabled endpoints included.
		refuse := func(what string, e *checkout.WebhookEndpoint, max int) {
			t.Helper()
			if err := st.CreateEndpoint(t.Context(), e, max); !errors.Is(err, checkout.ErrLimit) {
				t.Errorf("%s: CreateEndpoint: %v, want ErrLimit", what, err)
			}
			if _, err := st.GetEndpoint(t.Context(), e.Scope(), e.ID); !checkout.IsKind(err, checkout.KindNotFound) {
				t.Errorf("%s: the refused endpoint was stored (%v)", what, err)
			}
		}
		refuse("full scope", newEndpoint(scopeA, "we_lim_3", t0), max)
		refuse("lower limit", newEndpoint(scopeA, "we_lim_3", t0), 2)
		refuse("limit 0", newEndpoint(scopeB, "we_lim_b", t0), 0)
		refuse("negative limit", newEndpoint(scopeB, "we_lim_b", t0), -1)
		// The limit is per scope: the other mode and account still have room.
		createLimited(t, st, max, newEndpoint(scopeALive, "we_lim_live", t0), newEndpoint(scopeB, "we_lim_b", t0))

		// A taken id is a conflict, as without a limit.
		wantKind(t, "CreateEndpoint(taken id, room left)", st.CreateEndpoint(t.Context(), newEndpoint(scopeB, "we_lim_b", t0), max), checkout.KindConflict)

		// A deleted endpoint frees its place, once.
		if err := st.DeleteEndpoint(t.Context(), scopeA, first.ID); err != nil {
			t.Fatalf("DeleteEndpoint: %v", err)
		}
		createLimited(t, st, max, newEndpoint(scopeA, "we_lim_4", t0))
		refuse("full again", newEndpoint(scopeA, "we_lim_5", t0), max)
		// An update takes no place.
		e := getEndpoint(t, st, scopeA, disabled.ID)
		e.Version++
		e.Disabled, e.DisabledReason = false, ""
		if err := st.UpdateEndpoint(t.Context(), e); err != nil {
			t.Fatalf("UpdateEndpoint at the limit: %v", err)
		}
		p, err := st.ListEndpoints(t.Context(), scopeA, limit(10))
		if err != nil {
			t.Fatalf("ListEndpoints: %v", err)
		}
		wantIDs(t, "endpoints at the end", endpointIDs(p.Items), []string{"we_lim_4", "we_lim_2", "we_lim_1"})
	})
}

// createLimited creates endpoints against limit max, failing the test on
// any error.
func createLimited(t *testing.T, st checkout.Store, max int, endpoints ...*checkout.WebhookEndpoint) {
	t.Helper()
	for _, e := range endpoints {
		if err := st.CreateEndpoint(t.Context(), cloneEndpoint(e), max); err != nil {
			t.Fatalf("CreateEndpoint(%s, max %d): %v", e.ID, max, err)
		}
	}
}
