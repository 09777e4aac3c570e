package storetest

import (
	"errors"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
)

// hostileIDs are strings no object id can be, and no stored text can hold on
// every store: NUL bytes, invalid UTF-8, a lone surrogate as WTF-8 (what
// some JSON encoders emit for "\ud800"), and ids of stored objects with such
// bytes appended. They reach a store from URL paths, cursors and filters.
var hostileIDs = []string{
	"\x00",
	"cs_\x00",
	"cs_\xff",
	"\xff\xfe",
	"evt_\xff",
	"pay_\x00",
	"\xed\xa0\x80",
	"cs_hostile\x00",
	"cs_hostile\xff",
	"we_hostile\x00",
	"evt_hostile\xc3",
}

// hostile: every read by id or cursor, with any string, answers not-found
// (for a cursor, the error naming the cursor parameter), and a filter by any
// string matches nothing: never an internal error. Stores that cannot hold
// such bytes in text (PostgreSQL refuses NUL and invalid UTF-8) must not
// pass them to the database.
func (s suite) hostile(t *testing.T) {
	st := s.seeded(t)
	ctx := t.Context()
	sess := newSession(scopeA, "cs_hostile", t0)
	sess.Customer, sess.CustomerEmail = "cus_hostile", "hostile@example.com"
	create(t, st, sess)
	pay := newPayment(scopeA, "pay_hostile", sess.ID, t0)
	ev := newEvent(scopeA, "evt_hostile", t0)
	commit(t, st, checkout.Change{Payment: pay, Events: []*checkout.Event{ev}})
	createEndpoints(t, st, newEndpoint(scopeA, "we_hostile", t0))

	notFound := func(what, id string, err error) {
		t.Helper()
		if !checkout.IsKind(err, checkout.KindNotFound) {
			t.Errorf("%s(%q): %v, want not found", what, id, err)
		}
	}
	cursorNotFound := func(what, id, param string, err error) {
		t.Helper()
		var e *checkout.Error
		if !checkout.IsKind(err, checkout.KindNotFound) || !errors.As(err, &e) || e.Param != param {
			t.Errorf("%s(%s=%q): %v, want not found naming %s", what, param, id, err, param)
		}
	}
	empty := func(what, v string, n int, err error) {
		t.Helper()
		if err != nil || n != 0 {
			t.Errorf("%s filtered by %q: %d items, %v; want none and no error", what, v, n, err)
		}
	}
	for _, id := range hostileIDs {
		_, err := st.GetAccount(ctx, id)
		notFound("GetAccount", id, err)
		notFound("UpdateAccount", id, st.UpdateAccount(ctx, &checkout.Account{ID: id, Name: "x", Version: 1}))
		_, err = st.GetSession(ctx, scopeA, id)
		notFound("GetSession", id, err)
		_, err = st.FindSession(ctx, id)
		notFound("FindSession", id, err)
		_, err = st.GetPayment(ctx, scopeA, id)
		notFound("GetPayment", id, err)
		_, err = st.FindPayment(ctx, id)
		notFound("FindPayment", id, err)
		_, err = st.GetEvent(ctx, scopeA, id)
		notFound("GetEvent", id, err)
		_, err = st.GetEndpoint(ctx, scopeA, id)
		notFound("GetEndpoint", id, err)
		_, err = st.GetAPIKey(ctx, scopeA, id)
		notFound("GetAPIKey", id, err)
		_, err = st.RevokeAPIKey(ctx, scopeA, id, t0)
		notFound("RevokeAPIKey", id, err)
		_, err = st.ListAPIKeys(ctx, scopeA, checkout.ListParams{Limit: 10, StartingAfter: id})
		cursorNotFound("ListAPIKeys", id, "starting_after", err)
		_, err = st.ListAPIKeys(ctx, scopeA, checkout.ListParams{Limit: 10, EndingBefore: id})
		cursorNotFound("ListAPIKeys", id, "ending_before", err)
		notFound("DeleteEndpoint", id, st.DeleteEndpoint(ctx, scopeA, id))
		notFound("Dispatch", id, st.Dispatch(ctx, id, nil))
		ds, err := st.ListDeliveries(ctx, scopeA, id)
		empty("ListDeliveries", id, len(ds), err)

		for _, c := range []struct {
			param string
			p     checkout.ListParams
		}{
			{"starting_after", checkout.ListParams{Limit: 10, StartingAfter: id}},
			{"ending_before", checkout.ListParams{Limit: 10, EndingBefore: id}},
		} {
			_, err = st.ListSessions(ctx, scopeA, checkout.SessionFilter{ListParams: c.p, Now: t0})
			cursorNotFound("ListSessions", id, c.param, err)
			_, err = st.ListPayments(ctx, scopeA, checkout.PaymentFilter{ListParams: c.p})
			cursorNotFound("ListPayments", id, c.param, err)
			_, err = st.ListEvents(ctx, scopeA, checkout.EventFilter{ListParams: c.p})
			cursorNotFound("ListEvents", id, c.param, err)
			_, err = st.ListEndpoints(ctx, scopeA, c.p)
			cursorNotFound("ListEndpoints", id, c.param, err)
		}

		for _, f := range []checkout.SessionFilter{{Customer: id}, {Payment: id}, {CustomerEmail: id}, {PaymentLink: id}} {
			f.Limit, f.Now = 10, t0
			p, err := st.ListSessions(ctx, scopeA, f)
			empty("ListSessions", id, len(p.Items), err)
		}
		pp, err := st.ListPayments(ctx, scopeA, checkout.PaymentFilter{ListParams: limit(10), SessionID: id})
		empty("ListPayments", id, len(pp.Items), err)
		_, err = st.PendingPayments(ctx, "sim", false, id, 10)
		cursorNotFound("PendingPayments", id, "after", err)
		pending, err := st.PendingPayments(ctx, id, false, "", 10)
		empty("PendingPayments", id, len(pending), err)
		for _, f := range []checkout.EventFilter{{Type: id}, {ObjectID: id}} {
			f.Limit = 10
			p, err := st.ListEvents(ctx, scopeA, f)
			empty("ListEvents", id, len(p.Items), err)
		}
	}

	// The objects themselves are still there, and found by their own ids.
	if _, err := st.GetSession(ctx, scopeA, sess.ID); err != nil {
		t.Errorf("GetSession(%s) after the hostile reads: %v", sess.ID, err)
	}
	if _, err := st.GetEndpoint(ctx, scopeA, "we_hostile"); err != nil {
		t.Errorf("GetEndpoint(we_hostile) after the hostile deletes: %v", err)
	}
}
