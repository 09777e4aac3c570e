package storetest

import (
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// endpointCommit: an endpoint written by Commit is compare-and-set like
// UpdateEndpoint, and atomic with the rest of the change: the service
// disables an endpoint and writes its webhook_endpoint.disabled event in one
// Commit, so a lost version check must write neither.
func (s suite) endpointCommit(t *testing.T) {
	st := s.seeded(t)
	ctx := t.Context()
	createEndpoints(t, st, newEndpoint(scopeA, "we_commit", t0))

	disabledEvent := func(id string, e *checkout.WebhookEndpoint) *checkout.Event {
		ev := newEvent(scopeA, id, t0)
		ev.Type, ev.ObjectID, ev.Sequence = checkout.EventEndpointDisabled, e.ID, e.Version
		ev.Endpoint = cloneEndpoint(e)
		return ev
	}

	t.Run("Written", func(t *testing.T) {
		e := getEndpoint(t, st, scopeA, "we_commit")
		e.Disabled, e.DisabledReason, e.Version, e.Updated = true, "410 Gone", 2, t0.Add(time.Minute)
		ev := disabledEvent("evt_we_commit_v2", e)
		commit(t, st, checkout.Change{Endpoint: e, Events: []*checkout.Event{ev}})
		checkEndpoint(t, "endpoint after Commit", getEndpoint(t, st, scopeA, e.ID), e)
		got, err := st.GetEvent(ctx, scopeA, ev.ID)
		if err != nil {
			t.Fatalf("GetEvent(%s): %v", ev.ID, err)
		}
		if got.Endpoint == nil || !got.Endpoint.Disabled {
			t.Errorf("event endpoint snapshot = %+v, want the disabled endpoint", got.Endpoint)
		}
		live, err := st.EndpointsFor(ctx, scopeA)
		if err != nil || len(live) != 0 {
			t.Errorf("EndpointsFor after the disable: %v, %v; want none", endpointIDs(live), err)
		}
	})

	t.Run("ConflictWritesNothing", func(t *testing.T) {
		stale := getEndpoint(t, st, scopeA, "we_commit") // version 2
		stale.DisabledReason, stale.Updated = "again", t0.Add(2*time.Minute)
		// Version 2 again: the stored version is 2, not 1.
		sess := newSession(scopeA, "cs_we_commit", t0)
		create(t, st, sess)
		next := sess.Clone()
		next.Version, next.Customer = 2, "cus_we_commit"
		ev := disabledEvent("evt_we_commit_stale", stale)
		err := st.Commit(ctx, checkout.Change{Session: next, Endpoint: stale, Events: []*checkout.Event{ev}})
		wantKind(t, "Commit of a stale endpoint", err, checkout.KindConflict)
		if _, err := st.GetEvent(ctx, scopeA, ev.ID); !checkout.IsKind(err, checkout.KindNotFound) {
			t.Errorf("GetEvent(%s) after the lost version check: %v, want not found", ev.ID, err)
		}
		if got := getEndpoint(t, st, scopeA, "we_commit"); got.DisabledReason != "410 Gone" || got.Version != 2 {
			t.Errorf("endpoint after the lost version check: reason %q version %d, want 410 Gone at 2", got.DisabledReason, got.Version)
		}
		got, err := st.GetSession(ctx, scopeA, sess.ID)
		if err != nil || got.Version != 1 || got.Customer != "" {
			t.Errorf("session after the lost version check: %+v, %v; want version 1 unchanged", got, err)
		}
	})

	t.Run("OtherScopeOrMissing", func(t *testing.T) {
		e := getEndpoint(t, st, scopeA, "we_commit")
		e.Version++
		for _, c := range []struct {
			what string
			edit func(*checkout.WebhookEndpoint)
		}{
			{"other account", func(e *checkout.WebhookEndpoint) { e.AccountID = scopeB.AccountID }},
			{"other mode", func(e *checkout.WebhookEndpoint) { e.Livemode = true }},
			{"missing", func(e *checkout.WebhookEndpoint) { e.ID = "we_missing" }},
		} {
			x := cloneEndpoint(e)
			c.edit(x)
			ev := newEvent(scopeA, "evt_we_"+c.what, t0)
			err := st.Commit(ctx, checkout.Change{Endpoint: x, Events: []*checkout.Event{ev}})
			wantKind(t, "Commit of an endpoint, "+c.what, err, checkout.KindConflict)
			if _, err := st.GetEvent(ctx, scopeA, ev.ID); !checkout.IsKind(err, checkout.KindNotFound) {
				t.Errorf("%s: event written despite the conflict (%v)", c.what, err)
			}
		}
	})
}
