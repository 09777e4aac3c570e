package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// listSessions returns the ids of one page and its HasMore.
func listSessions(t *testing.T, st checkout.Store, scope checkout.Scope, f checkout.SessionFilter) ([]string, bool) {
	t.Helper()
	p, err := st.ListSessions(t.Context(), scope, f)
	if err != nil {
		t.Fatalf("ListSessions(%+v): %v", f, err)
	}
	return sessionIDs(p.Items), p.HasMore
}

// walk lists every session matching f by following starting_after from the
// first page, and returns their ids in the order seen.
func walk(t *testing.T, st checkout.Store, scope checkout.Scope, f checkout.SessionFilter) []string {
	t.Helper()
	var all []string
	for pages := 0; ; pages++ {
		if pages > 10000 {
			t.Fatal("walk: too many pages")
		}
		ids, more := listSessions(t, st, scope, f)
		all = append(all, ids...)
		if !more {
			return all
		}
		if len(ids) == 0 {
			t.Fatal("walk: empty page with HasMore")
		}
		f.StartingAfter = ids[len(ids)-1]
	}
}

func limit(n int) checkout.ListParams { return checkout.ListParams{Limit: n} }

func (s suite) pagination(t *testing.T) {
	t.Run("Empty", func(t *testing.T) {
		st := s.seeded(t)
		ids, more := listSessions(t, st, scopeA, checkout.SessionFilter{ListParams: limit(10)})
		if len(ids) != 0 || more {
			t.Errorf("empty store: %v, has more %v", ids, more)
		}
	})

	t.Run("NewestFirstWithoutDistinctTimes", func(t *testing.T) {
		// Every session has the same Created: the order is the order of
		// insertion, which backends must keep.
		st := s.seeded(t)
		sessions := createN(t, st, scopeA, "cs", 25)
		want := newestFirst(sessions...)
		id := func(i int) string { return sessions[i].ID }

		for _, tc := range []struct {
			name          string
			limit         int
			after, before string
			want          []string
			more          bool
		}{
			{"first page", 10, "", "", want[:10], true},
			{"second page", 10, id(15), "", want[10:20], true},
			{"last page", 10, id(5), "", want[20:], false},
			{"past the end", 10, id(0), "", []string{}, false},
			{"all in one", 100, "", "", want, false},
			{"exact fit", 25, "", "", want, false},
			{"limit one", 1, "", "", want[:1], true},
			{"ending_before: the page just newer", 10, "", id(5), want[9:19], true},
			{"ending_before: near the top", 10, "", id(20), want[:4], false},
			{"ending_before: newest", 10, "", id(24), []string{}, false},
			{"ending_before: exact fit", 4, "", id(20), want[:4], false},
			{"ending_before: from the oldest", 3, "", id(0), want[21:24], true},
		} {
			f := checkout.SessionFilter{ListParams: checkout.ListParams{Limit: tc.limit, StartingAfter: tc.after, EndingBefore: tc.before}}
			got, more := listSessions(t, st, scopeA, f)
			wantIDs(t, tc.name, got, tc.want)
			if more != tc.more {
				t.Errorf("%s: HasMore %v, want %v", tc.name, more, tc.more)
			}
		}

		// Lists return whole sessions, as stored.
		p, err := st.ListSessions(t.Context(), scopeA, checkout.SessionFilter{ListParams: limit(1)})
		if err != nil || len(p.Items) != 1 {
			t.Fatalf("ListSessions: %d items, %v", len(p.Items), err)
		}
		checkSession(t, "listed session", p.Items[0], sessions[24])

		if got := walk(t, st, scopeA, checkout.SessionFilter{ListParams: limit(7)}); !slices.Equal(got, want) {
			t.Errorf("walk: got %v, want %v", got, want)
		}
		// And back up with ending_before from the oldest.
		var back []string
		f := checkout.SessionFilter{ListParams: checkout.ListParams{Limit: 7, EndingBefore: id(0)}}
		for {
			ids, more := listSessions(t, st, scopeA, f)
			back = append(slices.Clone(ids), back...)
			if !more {
				break
			}
			f.EndingBefore = ids[0]
		}
		wantIDs(t, "walk back", back, want[:24])
	})

	t.Run("UnknownCursor", func(t *testing.T) {
		st := s.seeded(t)
		createN(t, st, scopeA, "cs_a", 3)
		live := createN(t, st, scopeALive, "cs_live", 1)
		other := createN(t, st, scopeB, "cs_b", 1)
		for _, id := range []string{"cs_missing", live[0].ID, other[0].ID} {
			_, err := st.ListSessions(t.Context(), scopeA, checkout.SessionFilter{ListParams: checkout.ListParams{Limit: 10, StartingAfter: id}})
			wantCursorNotFound(t, "starting_after "+id, err, "starting_after")
			_, err = st.ListSessions(t.Context(), scopeA, checkout.SessionFilter{ListParams: checkout.ListParams{Limit: 10, EndingBefore: id}})
			wantCursorNotFound(t, "ending_before "+id, err, "ending_before")
		}
	})

	t.Run("CursorOutsideTheFilter", func(t *testing.T) {
		// A cursor is any session of the list's scope, whether or not it
		// matches the filter (the one the caller saw may have changed).
		st := s.seeded(t)
		sessions := createN(t, st, scopeA, "cs", 6)
		for _, i := range []int{0, 2, 4} {
			transition(t, st, scopeA, sessions[i].ID, checkout.TransitionCancel, t0.Add(time.Minute), nil)
		}
		f := checkout.SessionFilter{Now: t0.Add(time.Minute), Status: checkout.SessionCanceled, ListParams: checkout.ListParams{Limit: 10, StartingAfter: sessions[3].ID}}
		got, _ := listSessions(t, st, scopeA, f)
		wantIDs(t, "canceled after an open one", got, newestFirst(sessions[0], sessions[2]))
		f.ListParams = checkout.ListParams{Limit: 10, EndingBefore: sessions[1].ID}
		got, _ = listSessions(t, st, scopeA, f)
		wantIDs(t, "canceled before an open one", got, newestFirst(sessions[2], sessions[4]))
	})

	t.Run("StableUnderConcurrentInserts", func(t *testing.T) {
		st := s.seeded(t)
		initial := createN(t, st, scopeA, "cs_init", 60)

		ctx, stop := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		var made atomic.Int64
		for w := range 3 {
			wg.Go(func() {
				// Bounded, so that the backward walk, which chases the
				// newest sessions, ends.
				for i := 0; i < 300 && ctx.Err() == nil; i++ {
					// Same Created as the initial sessions: order may not
					// lean on timestamps.
					sess := newSession(scopeA, fmt.Sprintf("cs_new_%d_%05d", w, i), t0)
					if err := st.CreateSession(ctx, sess); err != nil {
						if ctx.Err() == nil {
							t.Errorf("CreateSession: %v", err)
						}
						return
					}
					made.Add(1)
				}
			})
		}
		// Let the writers get going, so the walks below overlap them.
		for made.Load() < 5 && ctx.Err() == nil {
			time.Sleep(time.Millisecond)
		}
		forward := walk(t, st, scopeA, checkout.SessionFilter{ListParams: limit(7)})

		var backward []string
		f := checkout.SessionFilter{ListParams: checkout.ListParams{Limit: 7, EndingBefore: initial[0].ID}}
		for pages := 0; pages < 10000; pages++ {
			ids, more := listSessions(t, st, scopeA, f)
			backward = append(backward, ids...)
			if !more {
				break
			}
			f.EndingBefore = ids[0]
		}
		stop()
		wg.Wait()

		for name, seen := range map[string][]string{"forward": forward, "backward": backward} {
			count := map[string]int{}
			for _, id := range seen {
				count[id]++
				if count[id] == 2 {
					t.Errorf("%s walk: %s seen twice", name, id)
				}
			}
			for _, sess := range initial[1:] {
				if count[sess.ID] != 1 {
					t.Errorf("%s walk: %s seen %d times, want once", name, sess.ID, count[sess.ID])
				}
			}
		}
		// The initial sessions appear in order, newest first, in the forward walk.
		var order []string
		for _, id := range forward {
			if slices.ContainsFunc(initial, func(s *checkout.Session) bool { return s.ID == id }) {
				order = append(order, id)
			}
		}
		wantIDs(t, "initial sessions in the forward walk", order, newestFirst(initial...))
	})
}

func (s suite) filters(t *testing.T) {
	t.Run("StatusAsSeenAtNow", func(t *testing.T) {
		st := s.seeded(t)
		now := t0.Add(time.Hour)
		mk := func(id string, expires time.Time) *checkout.Session {
			sess := newSession(scopeA, id, t0)
			sess.ExpiresAt = expires
			create(t, st, sess)
			return sess
		}
		openFuture := mk("cs_open_future", now.Add(time.Microsecond))
		openPast := mk("cs_open_past", now.Add(-30*time.Minute))
		openNow := mk("cs_open_now", now)
		expired := mk("cs_expired", now.Add(2*time.Hour))
		complete := mk("cs_complete", now.Add(2*time.Hour))
		canceled := mk("cs_canceled", now.Add(2*time.Hour))
		transition(t, st, scopeA, expired.ID, checkout.TransitionExpire, t0.Add(time.Minute), nil)
		transition(t, st, scopeA, complete.ID, checkout.TransitionPay, t0.Add(time.Minute), nil)
		transition(t, st, scopeA, canceled.ID, checkout.TransitionCancel, t0.Add(time.Minute), nil)

		for _, tc := range []struct {
			status checkout.SessionStatus
			want   []string
		}{
			{"", newestFirst(openFuture, openPast, openNow, expired, complete, canceled)},
			{checkout.SessionOpen, newestFirst(openFuture)},
			{checkout.SessionExpired, newestFirst(openPast, openNow, expired)},
			{checkout.SessionComplete, newestFirst(complete)},
			{checkout.SessionCanceled, newestFirst(canceled)},
		} {
			got, more := listSessions(t, st, scopeA, checkout.SessionFilter{Now: now, Status: tc.status, ListParams: limit(10)})
			wantIDs(t, "status "+string(tc.status), got, tc.want)
			if more {
				t.Errorf("status %s: HasMore", tc.status)
			}
		}
		// Paging through sessions of every status, one and two at a time,
		// forward with starting_after and back with ending_before: every
		// session once, newest first (a store may read each status from an
		// index of its own and merge them).
		all := newestFirst(openFuture, openPast, openNow, expired, complete, canceled)
		for _, n := range []int{1, 2} {
			wantIDs(t, fmt.Sprintf("every status, walked %d at a time", n), walk(t, st, scopeA, checkout.SessionFilter{Now: now, ListParams: limit(n)}), all)
			var back []string
			f := checkout.SessionFilter{Now: now, ListParams: checkout.ListParams{Limit: n, EndingBefore: all[len(all)-1]}}
			for range len(all) {
				ids, more := listSessions(t, st, scopeA, f)
				back = append(ids, back...)
				if !more {
					break
				}
				f.EndingBefore = ids[0]
			}
			wantIDs(t, fmt.Sprintf("every status, walked back %d at a time", n), back, all[:len(all)-1])
		}

		// Paging through a status filter.
		f := checkout.SessionFilter{Now: now, Status: checkout.SessionExpired, ListParams: limit(2)}
		got, more := listSessions(t, st, scopeA, f)
		wantIDs(t, "expired, page 1", got, newestFirst(openNow, expired))
		if !more {
			t.Error("expired, page 1: no HasMore")
		}
		f.StartingAfter = openNow.ID
		got, more = listSessions(t, st, scopeA, f)
		wantIDs(t, "expired, page 2", got, newestFirst(openPast))
		if more {
			t.Error("expired, page 2: HasMore")
		}
	})

	t.Run("CustomerPaymentEmail", func(t *testing.T) {
		st := s.seeded(t)
		mk := func(id, customer, email string) *checkout.Session {
			sess := newSession(scopeA, id, t0)
			sess.Customer, sess.CustomerEmail = customer, email
			create(t, st, sess)
			return sess
		}
		s1 := mk("cs_1", "cus_1", "ama@example.com")
		s2 := mk("cs_2", "cus_2", "kofi@example.com")
		s3 := mk("cs_3", "cus_1", "")
		s4 := mk("cs_4", "", "ama@example.com")
		transition(t, st, scopeA, s2.ID, checkout.TransitionPay, t0.Add(time.Minute), func(s *checkout.Session) { s.Payment = "pay_2" })

		for _, tc := range []struct {
			name string
			f    checkout.SessionFilter
			want []string
		}{
			{"customer", checkout.SessionFilter{Customer: "cus_1"}, newestFirst(s1, s3)},
			{"customer unknown", checkout.SessionFilter{Customer: "cus_9"}, []string{}},
			{"email", checkout.SessionFilter{CustomerEmail: "ama@example.com"}, newestFirst(s1, s4)},
			{"payment", checkout.SessionFilter{Payment: "pay_2"}, newestFirst(s2)},
			{"customer and email", checkout.SessionFilter{Customer: "cus_1", CustomerEmail: "ama@example.com"}, newestFirst(s1)},
			{"customer and status", checkout.SessionFilter{Customer: "cus_2", Status: checkout.SessionComplete, Now: t0}, newestFirst(s2)},
			{"customer and other status", checkout.SessionFilter{Customer: "cus_2", Status: checkout.SessionOpen, Now: t0}, []string{}},
		} {
			tc.f.Limit = 10
			got, _ := listSessions(t, st, scopeA, tc.f)
			wantIDs(t, tc.name, got, tc.want)
		}

		// Fields changed by an update are filtered on their new values.
		sess, err := st.GetSession(t.Context(), scopeA, s4.ID)
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		sess.Version++
		sess.CustomerEmail = "kofi@example.com"
		sess.Customer = "cus_2"
		if err := st.Commit(t.Context(), checkout.Change{Session: sess}); err != nil {
			t.Fatalf("Commit: %v", err)
		}
		got, _ := listSessions(t, st, scopeA, checkout.SessionFilter{CustomerEmail: "kofi@example.com", ListParams: limit(10)})
		wantIDs(t, "email after update", got, newestFirst(s2, s4))
		got, _ = listSessions(t, st, scopeA, checkout.SessionFilter{CustomerEmail: "ama@example.com", ListParams: limit(10)})
		wantIDs(t, "old email after update", got, newestFirst(s1))
		got, _ = listSessions(t, st, scopeA, checkout.SessionFilter{Customer: "cus_2", ListParams: limit(10)})
		wantIDs(t, "customer after update", got, newestFirst(s2, s4))
	})

	// PaymentLink lists the sessions a payment link minted: set when a
	// session is created, never changed, and kept through its updates.
	t.Run("PaymentLink", func(t *testing.T) {
		st := s.seeded(t)
		mk := func(id, link string) *checkout.Session {
			sess := newSession(scopeA, id, t0)
			sess.PaymentLink = link
			create(t, st, sess)
			return sess
		}
		s1 := mk("cs_l1", "plink_1")
		s2 := mk("cs_l2", "plink_2")
		s3 := mk("cs_l3", "plink_1")
		mk("cs_l4", "")
		other := newSession(scopeB, "cs_l5", t0)
		other.PaymentLink = "plink_1"
		create(t, st, other)
		transition(t, st, scopeA, s3.ID, checkout.TransitionPay, t0.Add(time.Minute), func(s *checkout.Session) { s.Payment = "pay_l3" })

		for _, tc := range []struct {
			name string
			f    checkout.SessionFilter
			want []string
		}{
			{"link", checkout.SessionFilter{PaymentLink: "plink_1"}, newestFirst(s1, s3)},
			{"other link", checkout.SessionFilter{PaymentLink: "plink_2"}, newestFirst(s2)},
			{"unknown link", checkout.SessionFilter{PaymentLink: "plink_9"}, []string{}},
			{"link and status", checkout.SessionFilter{PaymentLink: "plink_1", Status: checkout.SessionComplete, Now: t0}, newestFirst(s3)},
			{"link, one per page", checkout.SessionFilter{PaymentLink: "plink_1", ListParams: limit(1)}, newestFirst(s3)},
		} {
			if tc.f.Limit == 0 {
				tc.f.Limit = 10
			}
			got, _ := listSessions(t, st, scopeA, tc.f)
			wantIDs(t, tc.name, got, tc.want)
		}
		got, _ := listSessions(t, st, scopeB, checkout.SessionFilter{PaymentLink: "plink_1", ListParams: limit(10)})
		wantIDs(t, "link in another scope", got, newestFirst(other))
		got = walk(t, st, scopeA, checkout.SessionFilter{PaymentLink: "plink_1", ListParams: limit(1)})
		wantIDs(t, "link, walked a page at a time", got, newestFirst(s1, s3))
	})

	t.Run("CreatedRangeInclusive", func(t *testing.T) {
		st := s.seeded(t)
		var sessions []*checkout.Session
		for i := range 4 {
			sess := newSession(scopeA, fmt.Sprintf("cs_%d", i), t0.Add(time.Duration(i)*time.Second))
			create(t, st, sess)
			sessions = append(sessions, sess)
		}
		at := func(i int) time.Time { return sessions[i].Created }
		for _, tc := range []struct {
			name     string
			gte, lte time.Time
			want     []string
		}{
			{"both bounds", at(1), at(2), newestFirst(sessions[1:3]...)},
			{"gte", at(2), time.Time{}, newestFirst(sessions[2:]...)},
			{"lte", time.Time{}, at(1), newestFirst(sessions[:2]...)},
			{"one instant", at(3), at(3), newestFirst(sessions[3])},
			{"between instants", at(1).Add(time.Microsecond), at(2).Add(-time.Microsecond), []string{}},
		} {
			got, _ := listSessions(t, st, scopeA, checkout.SessionFilter{CreatedGTE: tc.gte, CreatedLTE: tc.lte, ListParams: limit(10)})
			wantIDs(t, tc.name, got, tc.want)
		}
	})
}

func (s suite) isolation(t *testing.T) {
	st := s.seeded(t)
	scopes := []checkout.Scope{scopeA, scopeALive, scopeB}
	want := map[checkout.Scope][]string{}
	for i, scope := range scopes {
		for j := range 3 {
			sess := newSession(scope, fmt.Sprintf("cs_%d_%d", i, j), t0)
			sess.Customer = "cus_shared"
			sess.CustomerEmail = "shared@example.com"
			create(t, st, sess)
			want[scope] = append([]string{sess.ID}, want[scope]...)
		}
		transition(t, st, scope, fmt.Sprintf("cs_%d_0", i), checkout.TransitionPay, t0.Add(time.Minute), func(s *checkout.Session) {
			s.Payment = "pay_shared"
		})
	}
	for _, scope := range scopes {
		name := fmt.Sprintf("%s livemode=%v", scope.AccountID, scope.Livemode)
		for _, f := range []checkout.SessionFilter{
			{},
			{Customer: "cus_shared"},
			{CustomerEmail: "shared@example.com"},
			{Status: checkout.SessionOpen, Now: t0},
		} {
			f.Limit = 100
			got, _ := listSessions(t, st, scope, f)
			w := want[scope]
			if f.Status == checkout.SessionOpen {
				w = w[:2]
			}
			wantIDs(t, fmt.Sprintf("%s sessions %+v", name, f), got, w)
		}
		got, _ := listSessions(t, st, scope, checkout.SessionFilter{Payment: "pay_shared", ListParams: limit(100)})
		wantIDs(t, name+" sessions by payment", got, want[scope][2:])

		for _, f := range []checkout.EventFilter{{}, {Type: checkout.EventSessionCompleted}} {
			f.Limit = 100
			p, err := st.ListEvents(t.Context(), scope, f)
			if err != nil {
				t.Fatalf("ListEvents: %v", err)
			}
			if len(p.Items) != 1 || p.Items[0].ObjectID != want[scope][2] || p.Items[0].AccountID != scope.AccountID || p.Items[0].Livemode != scope.Livemode {
				t.Errorf("%s events %+v: got %v, want the one event of %s", name, f, eventIDs(p.Items), want[scope][2])
			}
		}
		for _, other := range scopes {
			if other == scope {
				continue
			}
			p, err := st.ListEvents(t.Context(), scope, checkout.EventFilter{ObjectID: want[other][2], ListParams: limit(100)})
			if err != nil {
				t.Fatalf("ListEvents: %v", err)
			}
			if len(p.Items) != 0 {
				t.Errorf("%s: events of another scope's session: %v", name, eventIDs(p.Items))
			}
			otherEvent := eventID(want[other][2], 2)
			_, err = st.ListEvents(t.Context(), scope, checkout.EventFilter{ListParams: checkout.ListParams{Limit: 10, StartingAfter: otherEvent}})
			wantCursorNotFound(t, name+": starting_after another scope's event", err, "starting_after")
			_, err = st.ListEvents(t.Context(), scope, checkout.EventFilter{ListParams: checkout.ListParams{Limit: 10, EndingBefore: otherEvent}})
			wantCursorNotFound(t, name+": ending_before another scope's event", err, "ending_before")
			_, err = st.GetEvent(t.Context(), scope, otherEvent)
			wantKind(t, name+": GetEvent of another scope's event", err, checkout.KindNotFound)
		}
	}
}
