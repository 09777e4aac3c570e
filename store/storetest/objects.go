package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// widgetKind is the suite's own kind of checkout.Object, known to no
// backend by name: what a payment link, a coupon or a device will be.
const widgetKind = "storetest_widget"

// widget is the suite's test kind: an object with a name and optional
// lookup keys.
type widget struct {
	ID        string    `json:"id"`
	AccountID string    `json:"account_id"`
	Livemode  bool      `json:"livemode"`
	Name      string    `json:"name"`
	Keys      []string  `json:"keys"`
	Version   int64     `json:"version"`
	Created   time.Time `json:"created"`
}

func (w *widget) ObjectKind() string { return widgetKind }
func (w *widget) ObjectID() string   { return w.ID }
func (w *widget) Scope() checkout.Scope {
	return checkout.Scope{AccountID: w.AccountID, Livemode: w.Livemode}
}
func (w *widget) ObjectVersion() int64     { return w.Version }
func (w *widget) ObjectCreated() time.Time { return w.Created }
func (w *widget) LookupKeys() []string     { return w.Keys }

func init() { record.RegisterKind(widgetKind, record.JSONCodec[widget]()) }

func newWidget(scope checkout.Scope, id string, keys ...string) *widget {
	return &widget{ID: id, AccountID: scope.AccountID, Livemode: scope.Livemode, Name: "widget " + id,
		Keys: keys, Version: 1, Created: t0}
}

// next is a copy of w as its next write.
func (w *widget) next(name string) *widget {
	c := *w
	c.Keys = slices.Clone(w.Keys)
	c.Name, c.Version = name, w.Version+1
	return &c
}

func getWidget(t *testing.T, st checkout.Store, scope checkout.Scope, id string) *widget {
	t.Helper()
	o, err := st.GetObject(t.Context(), scope, widgetKind, id)
	if err != nil {
		t.Fatalf("GetObject(%s): %v", id, err)
	}
	w, ok := o.(*widget)
	if !ok {
		t.Fatalf("GetObject(%s) = %T, want *widget", id, o)
	}
	return w
}

func checkWidget(t *testing.T, what string, got checkout.Object, want *widget) {
	t.Helper()
	g, ok := got.(*widget)
	if !ok {
		t.Errorf("%s: got %T, want *widget", what, got)
		return
	}
	if g.ID != want.ID || g.Scope() != want.Scope() || g.Name != want.Name || g.Version != want.Version ||
		!g.Created.Equal(want.Created) || !slices.Equal(g.Keys, want.Keys) {
		t.Errorf("%s: got %+v, want %+v", what, *g, *want)
	}
}

func objectIDs(items []checkout.Object) []string {
	out := make([]string, len(items))
	for i, o := range items {
		out[i] = o.ObjectID()
	}
	return out
}

// objects: objects of a kind the store does not know by name are created,
// compare-and-set, found by their lookup keys and listed like every other
// object, and commit atomically with sessions and events.
func (s suite) objects(t *testing.T) {
	ctx := t.Context()

	t.Run("CreateAndUpdate", func(t *testing.T) {
		st := s.seeded(t)
		w := newWidget(scopeA, "wid_1", "slug-1")
		ev := newEvent(scopeA, "evt_wid_1", t0)
		commit(t, st, checkout.Change{Objects: []checkout.Object{w}, Events: []*checkout.Event{ev}})
		checkWidget(t, "created", getWidget(t, st, scopeA, w.ID), w)
		if _, err := st.GetEvent(ctx, scopeA, ev.ID); err != nil {
			t.Errorf("GetEvent of the create's event: %v", err)
		}

		w2 := w.next("renamed")
		w2.Keys = []string{"slug-2"}
		commit(t, st, checkout.Change{Objects: []checkout.Object{w2}})
		checkWidget(t, "updated", getWidget(t, st, scopeA, w.ID), w2)
		found, err := st.FindObject(ctx, widgetKind, "slug-2")
		if err != nil {
			t.Fatalf("FindObject(slug-2): %v", err)
		}
		checkWidget(t, "found by its new key", found, w2)
		_, err = st.FindObject(ctx, widgetKind, "slug-1")
		wantKind(t, "FindObject by the key the update dropped", err, checkout.KindNotFound)

		// The dropped key is free for another object.
		commit(t, st, checkout.Change{Objects: []checkout.Object{newWidget(scopeA, "wid_2", "slug-1")}})
		found, err = st.FindObject(ctx, widgetKind, "slug-1")
		if err != nil || found.ObjectID() != "wid_2" {
			t.Errorf("FindObject(slug-1) after reuse: %v, %v; want wid_2", found, err)
		}
	})

	t.Run("ConflictWritesNothing", func(t *testing.T) {
		st := s.seeded(t)
		w := newWidget(scopeA, "wid_c", "slug-c")
		commit(t, st, checkout.Change{Objects: []checkout.Object{w}})
		sess := newSession(scopeA, "cs_wid_c", t0)
		create(t, st, sess)
		nextSess := sess.Clone()
		nextSess.Version, nextSess.Customer = 2, "cus_wid"

		for _, c := range []struct {
			what string
			obj  *widget
		}{
			{"the id exists", newWidget(scopeA, "wid_c")},
			{"a stale version", w.next("stale").next("stale")},
			{"the same version again", w},
			{"another account", func() *widget { x := w.next("x"); x.AccountID = scopeB.AccountID; return x }()},
			{"another mode", func() *widget { x := w.next("x"); x.Livemode = true; return x }()},
			{"missing", func() *widget { x := w.next("x"); x.ID = "wid_missing"; return x }()},
		} {
			ev := newEvent(scopeA, "evt_wid_conflict", t0)
			err := st.Commit(ctx, checkout.Change{Session: nextSess, Objects: []checkout.Object{c.obj}, Events: []*checkout.Event{ev}})
			wantKind(t, "Commit when "+c.what, err, checkout.KindConflict)
			if _, err := st.GetEvent(ctx, scopeA, ev.ID); !checkout.IsKind(err, checkout.KindNotFound) {
				t.Errorf("%s: the change's event was written (%v)", c.what, err)
			}
			if got, err := st.GetSession(ctx, scopeA, sess.ID); err != nil || got.Version != 1 {
				t.Errorf("%s: the change's session was written (%v)", c.what, err)
			}
		}
		checkWidget(t, "after the conflicts", getWidget(t, st, scopeA, w.ID), w)

		// A conflict on the second object leaves the first unwritten, and
		// its lookup keys free.
		a, b := newWidget(scopeA, "wid_a", "slug-a"), newWidget(scopeA, "wid_b", "slug-c")
		err := st.Commit(ctx, checkout.Change{Objects: []checkout.Object{a, b}})
		wantKind(t, "Commit of a key another object holds", err, checkout.KindConflict)
		_, err = st.GetObject(ctx, scopeA, widgetKind, "wid_a")
		wantKind(t, "GetObject of the first object of a failed change", err, checkout.KindNotFound)
		_, err = st.FindObject(ctx, widgetKind, "slug-a")
		wantKind(t, "FindObject of its key", err, checkout.KindNotFound)
		found, err := st.FindObject(ctx, widgetKind, "slug-c")
		if err != nil || found.ObjectID() != w.ID {
			t.Errorf("FindObject(slug-c) after the failed change: %v, %v; want %s", found, err, w.ID)
		}
	})

	t.Run("LookupKeysUnique", func(t *testing.T) {
		st := s.seeded(t)
		commit(t, st, checkout.Change{Objects: []checkout.Object{newWidget(scopeA, "wid_k1", "k1", "k1", "shared")}})
		// Unique across scopes too: a key finds one object whoever asks.
		err := st.Commit(ctx, checkout.Change{Objects: []checkout.Object{newWidget(scopeB, "wid_k2", "shared")}})
		wantKind(t, "Commit of a key held in another scope", err, checkout.KindConflict)
		// Two objects of one change with one key.
		err = st.Commit(ctx, checkout.Change{Objects: []checkout.Object{newWidget(scopeA, "wid_k3", "k3"), newWidget(scopeA, "wid_k4", "k3")}})
		wantKind(t, "Commit of two objects with one key", err, checkout.KindConflict)
		for _, id := range []string{"wid_k2", "wid_k3", "wid_k4"} {
			_, err := st.FindObject(ctx, widgetKind, id)
			wantKind(t, "FindObject after the conflicts", err, checkout.KindNotFound)
		}
		// An update keeps its own keys.
		w := getWidget(t, st, scopeA, "wid_k1")
		commit(t, st, checkout.Change{Objects: []checkout.Object{w.next("again")}})
		if found, err := st.FindObject(ctx, widgetKind, "shared"); err != nil || found.ObjectID() != "wid_k1" {
			t.Errorf("FindObject(shared) after an update keeping it: %v, %v", found, err)
		}
		// Keys are per kind: another kind's object is no match.
		_, err = st.FindObject(ctx, widgetKind+"_other", "shared")
		wantKind(t, "FindObject of another kind", err, checkout.KindNotFound)
		_, err = st.GetObject(ctx, scopeA, widgetKind+"_other", "wid_k1")
		wantKind(t, "GetObject of another kind", err, checkout.KindNotFound)
	})

	t.Run("ScopeAndList", func(t *testing.T) {
		st := s.seeded(t)
		var inA []string
		for i := range 5 {
			id := fmt.Sprintf("wid_l%d", i)
			commit(t, st, checkout.Change{Objects: []checkout.Object{newWidget(scopeA, id)}})
			inA = append(inA, id)
		}
		commit(t, st, checkout.Change{Objects: []checkout.Object{newWidget(scopeALive, "wid_live"), newWidget(scopeB, "wid_b")}})
		// An update keeps an object's place in the list.
		commit(t, st, checkout.Change{Objects: []checkout.Object{getWidget(t, st, scopeA, "wid_l1").next("moved?")}})
		slices.Reverse(inA)

		_, err := st.GetObject(ctx, scopeB, widgetKind, "wid_l0")
		wantKind(t, "GetObject from another account", err, checkout.KindNotFound)
		_, err = st.GetObject(ctx, scopeALive, widgetKind, "wid_l0")
		wantKind(t, "GetObject from another mode", err, checkout.KindNotFound)

		p, err := st.ListObjects(ctx, scopeA, widgetKind, checkout.ListParams{Limit: 2})
		if err != nil {
			t.Fatalf("ListObjects: %v", err)
		}
		wantIDs(t, "first page", objectIDs(p.Items), inA[:2])
		if !p.HasMore {
			t.Error("first page: HasMore false")
		}
		p, err = st.ListObjects(ctx, scopeA, widgetKind, checkout.ListParams{Limit: 10, StartingAfter: inA[1]})
		if err != nil {
			t.Fatalf("ListObjects after %s: %v", inA[1], err)
		}
		wantIDs(t, "starting_after", objectIDs(p.Items), inA[2:])
		if p.HasMore {
			t.Error("last page: HasMore true")
		}
		p, err = st.ListObjects(ctx, scopeA, widgetKind, checkout.ListParams{Limit: 2, EndingBefore: inA[4]})
		if err != nil {
			t.Fatalf("ListObjects before %s: %v", inA[4], err)
		}
		wantIDs(t, "ending_before", objectIDs(p.Items), inA[2:4])

		all, err := st.ListObjects(ctx, scopeB, widgetKind, checkout.ListParams{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "other account's list", objectIDs(all.Items), []string{"wid_b"})
		_, err = st.ListObjects(ctx, scopeB, widgetKind, checkout.ListParams{Limit: 10, StartingAfter: "wid_l0"})
		wantCursorNotFound(t, "cursor of another account", err, "starting_after")
		_, err = st.ListObjects(ctx, scopeA, widgetKind+"_other", checkout.ListParams{Limit: 10, EndingBefore: "wid_l0"})
		wantCursorNotFound(t, "cursor of another kind", err, "ending_before")
		none, err := st.ListObjects(ctx, scopeA, widgetKind+"_other", checkout.ListParams{Limit: 10})
		if err != nil || len(none.Items) != 0 {
			t.Errorf("list of a kind with no objects: %v, %v", objectIDs(none.Items), err)
		}
	})

	t.Run("Hostile", func(t *testing.T) {
		st := s.seeded(t)
		commit(t, st, checkout.Change{Objects: []checkout.Object{newWidget(scopeA, "wid_hostile", "key_hostile")}})
		for _, id := range append(hostileIDs, "wid_hostile\x00", "wid_hostile\xff", "key_hostile\x00") {
			_, err := st.GetObject(ctx, scopeA, widgetKind, id)
			wantKind(t, fmt.Sprintf("GetObject(%q)", id), err, checkout.KindNotFound)
			_, err = st.GetObject(ctx, scopeA, id, "wid_hostile")
			wantKind(t, fmt.Sprintf("GetObject(kind %q)", id), err, checkout.KindNotFound)
			_, err = st.FindObject(ctx, widgetKind, id)
			wantKind(t, fmt.Sprintf("FindObject(%q)", id), err, checkout.KindNotFound)
			_, err = st.FindObject(ctx, id, "key_hostile")
			wantKind(t, fmt.Sprintf("FindObject(kind %q)", id), err, checkout.KindNotFound)
			_, err = st.ListObjects(ctx, scopeA, widgetKind, checkout.ListParams{Limit: 10, StartingAfter: id})
			wantCursorNotFound(t, fmt.Sprintf("ListObjects(starting_after=%q)", id), err, "starting_after")
			_, err = st.ListObjects(ctx, scopeA, id, checkout.ListParams{Limit: 10, EndingBefore: "wid_hostile"})
			wantCursorNotFound(t, fmt.Sprintf("ListObjects(kind %q, ending_before)", id), err, "ending_before")
			p, err := st.ListObjects(ctx, scopeA, id, checkout.ListParams{Limit: 10})
			if err != nil || len(p.Items) != 0 {
				t.Errorf("ListObjects(kind %q): %v, %v; want none", id, objectIDs(p.Items), err)
			}
		}
	})

	t.Run("ConcurrentWriters", func(t *testing.T) {
		st := s.seeded(t)
		w := newWidget(scopeA, "wid_race", "race")
		commit(t, st, checkout.Change{Objects: []checkout.Object{w}})
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				x := w.next(fmt.Sprintf("writer %d", i))
				ev := newEvent(scopeA, fmt.Sprintf("evt_race_%d", i), t0)
				errs[i] = st.Commit(ctx, checkout.Change{Objects: []checkout.Object{x}, Events: []*checkout.Event{ev}})
			}()
		}
		wg.Wait()
		won := -1
		for i, err := range errs {
			switch {
			case err == nil && won >= 0:
				t.Errorf("writers %d and %d both won", won, i)
			case err == nil:
				won = i
			case !checkout.IsKind(err, checkout.KindConflict):
				t.Errorf("writer %d: %v, want a conflict", i, err)
			}
		}
		if won < 0 {
			t.Fatal("no writer won")
		}
		got := getWidget(t, st, scopeA, w.ID)
		if want := fmt.Sprintf("writer %d", won); got.Name != want || got.Version != 2 {
			t.Errorf("stored %q at version %d, want %q at 2", got.Name, got.Version, want)
		}
		for i := range n {
			_, err := st.GetEvent(ctx, scopeA, fmt.Sprintf("evt_race_%d", i))
			if (i == won) != (err == nil) {
				t.Errorf("event of writer %d: %v (winner %d)", i, err, won)
			}
		}
	})
}
