package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// Durable is the fixture of a backend's restart test: a known set of
// objects written through a store, and every read of them before the
// restart. The conformance suite (Run) never restarts anything, so it
// cannot tell whether what a store acknowledged survives a crash of its
// server; that takes a server of the test's own, which each backend starts
// and kills its own way. What is written and how it is compared is the same
// for every backend, and lives here:
//
//	d := storetest.WriteDurable(t, st) // an empty store
//	st.Close(); crash and restart the server; st = reopen()
//	d.Check(t, st)
//
// The objects: an account with an API key, two sessions in DurableScope,
// cs_paid paid in one Commit with its payment pay_1 and its event
// evt_paid, which is left undispatched in the outbox, and cs_open still
// open, and a finished idempotency record.
type Durable struct {
	before durableReads
}

// DurableScope is the scope of the Durable objects.
var DurableScope = checkout.Scope{AccountID: "acct_1"}

// durableReads is everything read back: each object, a list page of each
// kind, and the idempotency record a retry would meet.
type durableReads struct {
	Account   *checkout.Account
	Key       *checkout.APIKey
	Paid      *checkout.Session
	PaidByID  *checkout.Session // FindSession, as the payment page reads it
	Open      *checkout.Session
	Payment   *checkout.Payment
	Event     *checkout.Event
	Sessions  checkout.Page[*checkout.Session]
	FirstPage checkout.Page[*checkout.Session]
	NextPage  checkout.Page[*checkout.Session]
	Events    checkout.Page[*checkout.Event]
	Idem      *checkout.IdempotencyRecord
}

var durableKey = &checkout.APIKey{ID: "key_1", AccountID: "acct_1", Hash: checkout.HashKey("sk_test_restart"), Hint: "tart", Created: t0}

// WriteDurable writes the Durable objects into st, which must be empty,
// reads them back and checks the reads against what was written, so that
// Check compares the right things.
func WriteDurable(t *testing.T, st checkout.Store) *Durable {
	t.Helper()
	ctx, scope := t.Context(), DurableScope
	acct := &checkout.Account{ID: "acct_1", Name: "Shop", DefaultCurrency: "EUR", SessionTTL: time.Hour, Created: t0}
	if err := st.CreateAccount(ctx, acct, []*checkout.APIKey{durableKey}); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	for _, id := range []string{"cs_paid", "cs_open"} {
		sess := newSession(scope, id, t0)
		sess.CustomerEmail, sess.Metadata = "ama@example.com", map[string]string{"order": id}
		if err := st.CreateSession(ctx, sess); err != nil {
			t.Fatalf("CreateSession(%s): %v", id, err)
		}
	}
	sess, err := st.GetSession(ctx, scope, "cs_paid")
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	ev, err := sess.Apply(checkout.TransitionPay, t0.Add(time.Minute), "evt_paid")
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	sess.Payment = "pay_1"
	pay := &checkout.Payment{ID: "pay_1", AccountID: "acct_1", SessionID: "cs_paid", Provider: "test", Method: "card",
		Status: checkout.PaymentSucceeded, Amount: 2000, Currency: "EUR", CardBrand: "visa", CardLast4: "4242",
		Version: 1, Created: t0, Updated: t0.Add(time.Minute)}
	if err := st.Commit(ctx, checkout.Change{Session: sess, Payment: pay, Events: []*checkout.Event{ev}}); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	rec := &checkout.IdempotencyRecord{Scope: scope, Key: "idem_1", Fingerprint: "fp", Created: t0}
	if got, err := st.ClaimIdempotencyKey(ctx, rec); err != nil || got != nil {
		t.Fatalf("ClaimIdempotencyKey: %+v, %v", got, err)
	}
	rec.Done, rec.Status, rec.ContentType, rec.Body = true, 200, "application/json", []byte(`{"id":"cs_paid"}`)
	if err := st.FinishIdempotencyKey(ctx, rec); err != nil {
		t.Fatalf("FinishIdempotencyKey: %v", err)
	}

	d := &Durable{before: readDurable(t, st)}
	d.before.checkWritten(t)
	return d
}

// Check reads the Durable objects back from st, a store on the restarted
// server, and reports each read that differs from the one before the
// restart. It then checks that the event committed undispatched is still in
// the outbox, and that st takes new writes: a Commit, a Dispatch, a claim.
func (d *Durable) Check(t *testing.T, st checkout.Store) {
	t.Helper()
	ctx, scope := t.Context(), DurableScope
	after := readDurable(t, st)
	b, a := reflect.ValueOf(d.before), reflect.ValueOf(after)
	for i := range b.NumField() {
		if bf, af := b.Field(i).Interface(), a.Field(i).Interface(); !reflect.DeepEqual(bf, af) {
			t.Errorf("%s differs after the restart:\nbefore %s\nafter  %s", b.Type().Field(i).Name, show(bf), show(af))
		}
	}

	claimed, err := st.ClaimEvents(ctx, t0.Add(2*time.Minute), t0.Add(3*time.Minute), 10)
	if err != nil {
		t.Fatalf("ClaimEvents after the restart: %v", err)
	}
	if len(claimed) != 1 || !reflect.DeepEqual(claimed[0], d.before.Event) {
		t.Errorf("ClaimEvents after the restart: %d events %+v; want %s", len(claimed), claimed, d.before.Event.ID)
	}

	open, err := st.GetSession(ctx, scope, "cs_open")
	if err != nil {
		t.Fatalf("GetSession after the restart: %v", err)
	}
	ev, err := open.Apply(checkout.TransitionExpire, t0.Add(5*time.Minute), "evt_expired")
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if err := st.Commit(ctx, checkout.Change{Session: open, Events: []*checkout.Event{ev}}); err != nil {
		t.Fatalf("Commit after the restart: %v", err)
	}
	if got, err := st.GetSession(ctx, scope, "cs_open"); err != nil || got.Version != 2 || got.Status != checkout.SessionExpired {
		t.Errorf("session written after the restart: %+v, %v; want expired, version 2", got, err)
	}
	del := &checkout.Delivery{ID: "whd_1", AccountID: scope.AccountID, EventID: d.before.Event.ID, EndpointID: "we_1",
		Status: checkout.DeliveryPending, NextAt: t0, Created: t0, Updated: t0}
	if err := st.Dispatch(ctx, d.before.Event.ID, []*checkout.Delivery{del}); err != nil {
		t.Fatalf("Dispatch after the restart: %v", err)
	}
	if ds, err := st.ClaimDeliveries(ctx, t0.Add(time.Minute), t0.Add(2*time.Minute), 10); err != nil || len(ds) != 1 || ds[0].ID != del.ID {
		t.Errorf("ClaimDeliveries after the restart: %v, %v; want whd_1", ds, err)
	}
}

// CheckLost checks that st, a store on a server restarted without the
// persistence it needs, lost the Durable objects: the failure a backend's
// documentation warns of, shown to be real.
func (d *Durable) CheckLost(t *testing.T, st checkout.Store) {
	t.Helper()
	ctx, scope := t.Context(), DurableScope
	if got, err := st.GetSession(ctx, scope, "cs_paid"); !checkout.IsKind(err, checkout.KindNotFound) {
		t.Errorf("GetSession after the restart: %+v, %v; want ErrNotFound", got, err)
	}
	if got, err := st.GetPayment(ctx, scope, "pay_1"); !checkout.IsKind(err, checkout.KindNotFound) {
		t.Errorf("GetPayment after the restart: %+v, %v; want ErrNotFound", got, err)
	}
	if got, err := st.ClaimEvents(ctx, t0.Add(2*time.Minute), t0.Add(3*time.Minute), 10); err != nil || len(got) != 0 {
		t.Errorf("ClaimEvents after the restart: %d events, %v; want none (the webhook is lost)", len(got), err)
	}
}

// readDurable reads back what WriteDurable wrote, failing on any error.
func readDurable(t *testing.T, st checkout.Store) durableReads {
	t.Helper()
	ctx, scope := t.Context(), DurableScope
	var d durableReads
	var err error
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	d.Account, err = st.GetAccount(ctx, "acct_1")
	must("GetAccount", err)
	d.Key, err = st.FindAPIKey(ctx, durableKey.Hash)
	must("FindAPIKey", err)
	d.Paid, err = st.GetSession(ctx, scope, "cs_paid")
	must("GetSession(cs_paid)", err)
	d.PaidByID, err = st.FindSession(ctx, "cs_paid")
	must("FindSession(cs_paid)", err)
	d.Open, err = st.GetSession(ctx, scope, "cs_open")
	must("GetSession(cs_open)", err)
	d.Payment, err = st.GetPayment(ctx, scope, "pay_1")
	must("GetPayment", err)
	d.Event, err = st.GetEvent(ctx, scope, "evt_paid")
	must("GetEvent", err)
	d.Sessions, err = st.ListSessions(ctx, scope, checkout.SessionFilter{ListParams: limit(10)})
	must("ListSessions", err)
	d.FirstPage, err = st.ListSessions(ctx, scope, checkout.SessionFilter{ListParams: limit(1)})
	must("ListSessions(limit 1)", err)
	if len(d.FirstPage.Items) == 1 {
		d.NextPage, err = st.ListSessions(ctx, scope, checkout.SessionFilter{ListParams: checkout.ListParams{Limit: 1, StartingAfter: d.FirstPage.Items[0].ID}})
		must("ListSessions(starting_after)", err)
	}
	d.Events, err = st.ListEvents(ctx, scope, checkout.EventFilter{ListParams: limit(10)})
	must("ListEvents", err)
	// A retry of the request with another body meets the finished record
	// (and a live record is not replaced, so this writes nothing).
	d.Idem, err = st.ClaimIdempotencyKey(ctx, &checkout.IdempotencyRecord{Scope: scope, Key: "idem_1", Fingerprint: "other", Created: t0.Add(time.Hour)})
	must("ClaimIdempotencyKey", err)
	return d
}

// checkWritten checks the reads before the restart against what was written.
func (d durableReads) checkWritten(t *testing.T) {
	t.Helper()
	if d.Account.Name != "Shop" || d.Key.ID != "key_1" {
		t.Errorf("account %+v, key %+v", d.Account, d.Key)
	}
	if d.Paid.Status != checkout.SessionComplete || d.Paid.PaymentStatus != checkout.PaymentPaid || d.Paid.Version != 2 || d.Paid.Payment != "pay_1" {
		t.Errorf("paid session: %s/%s version %d payment %q; want complete/paid version 2 pay_1", d.Paid.Status, d.Paid.PaymentStatus, d.Paid.Version, d.Paid.Payment)
	}
	if d.Open.Status != checkout.SessionOpen || d.Open.Version != 1 {
		t.Errorf("open session: %s version %d", d.Open.Status, d.Open.Version)
	}
	if d.Payment.Status != checkout.PaymentSucceeded || d.Payment.Version != 1 || d.Payment.Amount != 2000 {
		t.Errorf("payment: %+v", d.Payment)
	}
	if d.Event.Type != checkout.EventSessionCompleted || d.Event.Sequence != 1 || d.Event.Session == nil || d.Event.Session.Version != 2 {
		t.Errorf("event: %+v", d.Event)
	}
	if len(d.Sessions.Items) != 2 || len(d.FirstPage.Items) != 1 || !d.FirstPage.HasMore || len(d.NextPage.Items) != 1 || len(d.Events.Items) != 1 {
		t.Errorf("lists: %d sessions, pages of %d (more %v) and %d, %d events; want 2, 1 (more), 1, 1",
			len(d.Sessions.Items), len(d.FirstPage.Items), d.FirstPage.HasMore, len(d.NextPage.Items), len(d.Events.Items))
	}
	if d.Idem == nil || !d.Idem.Done || d.Idem.Fingerprint != "fp" || d.Idem.Status != 200 || string(d.Idem.Body) != `{"id":"cs_paid"}` {
		t.Errorf("idempotency record: %+v", d.Idem)
	}
}

// show prints v, following the pointers in pages.
func show(v any) string {
	switch v := v.(type) {
	case checkout.Page[*checkout.Session]:
		var items []string
		for _, s := range v.Items {
			items = append(items, fmt.Sprintf("%+v", *s))
		}
		return fmt.Sprintf("%v has more %v", items, v.HasMore)
	case checkout.Page[*checkout.Event]:
		var items []string
		for _, e := range v.Items {
			items = append(items, fmt.Sprintf("%+v", *e))
		}
		return fmt.Sprintf("%v has more %v", items, v.HasMore)
	}
	return fmt.Sprintf("%+v", v)
}
