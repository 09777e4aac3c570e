// Package storetest is the conformance suite of checkout.Store, one suite
// per role (RunAccounts, RunSessions, …) and Run for all. Every backend
// runs it from its own tests and must pass it unchanged, so it tests only what
// the Store contract promises, never how one backend keeps it:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) checkout.Store { return mustOpen(t) })
//	}
package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// Run runs the whole suite: every role's, then the cases that span roles.
// open must return a new, empty store for each call and register its own
// cleanup (t.Cleanup) to close it.
func Run(t *testing.T, open func(t *testing.T) checkout.Store) {
	s := suite{open: open}
	t.Run("Ping", s.ping)
	RunAccounts(t, open)
	RunSessions(t, open)
	RunPayments(t, open)
	RunEvents(t, open)
	RunEndpoints(t, open)
	RunIdempotency(t, open)
	RunObjects(t, open)
	t.Run("Hostile", s.hostile)
}

// The suites of the roles of checkout.Store, each runnable on its own (a
// backend being built, or a test of one role). open is as for Run: the
// suites store accounts and sessions to set up their cases, so it returns
// a whole Store.

// RunAccounts tests checkout.AccountStore: accounts and API keys.
func RunAccounts(t *testing.T, open func(t *testing.T) checkout.Store) {
	s := suite{open: open}
	t.Run("Accounts", s.accounts)
	t.Run("AccountUpdates", s.accountUpdates)
	t.Run("APIKeys", s.apiKeys)
}

// RunSessions tests checkout.SessionStore and the Commit of sessions, and
// the paging, filter and isolation rules every list follows (shown on
// sessions, payments, events and endpoints).
func RunSessions(t *testing.T, open func(t *testing.T) checkout.Store) {
	s := suite{open: open}
	t.Run("Sessions", s.sessions)
	t.Run("CompareAndSet", s.compareAndSet)
	t.Run("Commit", s.commit)
	t.Run("TwoTabs", s.twoTabs)
	t.Run("Pagination", s.pagination)
	t.Run("Filters", s.filters)
	t.Run("Isolation", s.isolation)
	t.Run("DueSessions", s.dueSessions)
}

// RunPayments tests checkout.PaymentStore.
func RunPayments(t *testing.T, open func(t *testing.T) checkout.Store) {
	s := suite{open: open}
	t.Run("Payments", s.payments)
	t.Run("DuePayments", s.duePayments)
	t.Run("PaymentByRef", s.paymentByRef)
	t.Run("PendingPayments", s.pendingPayments)
}

// RunEvents tests checkout.EventStore: events and the outbox.
func RunEvents(t *testing.T, open func(t *testing.T) checkout.Store) {
	s := suite{open: open}
	t.Run("Events", s.events)
	t.Run("Outbox", s.outbox)
}

// RunEndpoints tests checkout.EndpointStore: endpoints and deliveries.
func RunEndpoints(t *testing.T, open func(t *testing.T) checkout.Store) {
	s := suite{open: open}
	t.Run("Endpoints", s.endpoints)
	t.Run("EndpointLimits", s.endpointLimits)
	t.Run("EndpointCommit", s.endpointCommit)
}

// RunObjects tests checkout.ObjectStore with a kind of its own, which it
// registers with store/internal/record.
func RunObjects(t *testing.T, open func(t *testing.T) checkout.Store) {
	s := suite{open: open}
	t.Run("Objects", s.objects)
	t.Run("ProviderSettings", s.providerSettings)
}

// RunIdempotency tests checkout.IdempotencyStore.
func RunIdempotency(t *testing.T, open func(t *testing.T) checkout.Store) {
	s := suite{open: open}
	t.Run("Idempotency", s.idempotency)
}

type suite struct {
	open func(t *testing.T) checkout.Store
}

func (s suite) ping(t *testing.T) {
	st := s.open(t)
	if err := st.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// The scopes the suite stores objects in: two modes of one account, and
// another account.
var (
	scopeA     = checkout.Scope{AccountID: "acct_storetest_a", Livemode: false}
	scopeALive = checkout.Scope{AccountID: "acct_storetest_a", Livemode: true}
	scopeB     = checkout.Scope{AccountID: "acct_storetest_b", Livemode: false}
)

// t0 is the suite's "now": UTC with microseconds, the precision every store
// keeps (see checkout.SystemClock).
var t0 = time.Date(2026, 5, 4, 10, 30, 15, 123456000, time.UTC)

// seeded opens a store holding the accounts of the suite's scopes, so that a
// backend may insist that a session's account exists.
func (s suite) seeded(t *testing.T) checkout.Store {
	t.Helper()
	st := s.open(t)
	for _, id := range []string{scopeA.AccountID, scopeB.AccountID} {
		if err := st.CreateAccount(t.Context(), newAccount(id, t0), nil); err != nil {
			t.Fatalf("CreateAccount(%s): %v", id, err)
		}
	}
	return st
}

func newAccount(id string, created time.Time) *checkout.Account {
	return &checkout.Account{
		ID:              id,
		Name:            "Shop " + id,
		DefaultCurrency: "GHS",
		SessionTTL:      2 * time.Hour,
		Created:         created,
	}
}

func newKey(accountID string, livemode bool, secret string, created time.Time) *checkout.APIKey {
	return &checkout.APIKey{
		ID:        "key_" + strings.TrimPrefix(strings.TrimPrefix(secret, checkout.TestKeyPrefix), checkout.LiveKeyPrefix),
		AccountID: accountID,
		Livemode:  livemode,
		Hash:      checkout.HashKey(secret),
		Hint:      secret[len(secret)-4:],
		Created:   created,
	}
}

// newSession returns a valid open session of scope, created at created and
// expiring a day later, as the service would store it.
func newSession(scope checkout.Scope, id string, created time.Time) *checkout.Session {
	return &checkout.Session{
		ID:             id,
		AccountID:      scope.AccountID,
		Livemode:       scope.Livemode,
		Mode:           checkout.ModePayment,
		Status:         checkout.SessionOpen,
		PaymentStatus:  checkout.PaymentUnpaid,
		Currency:       "EUR",
		AmountSubtotal: 2000,
		AmountTotal:    2000,
		LineItems: []checkout.LineItem{{
			ID: "li_" + id, Name: "T-shirt", Quantity: 2, UnitAmount: 1000, Currency: "EUR",
			AmountSubtotal: 2000, AmountTotal: 2000,
		}},
		SuccessURL:         "https://shop.example/ok",
		CancelURL:          "https://shop.example/cancel",
		PaymentMethodTypes: []string{"card"},
		PublicToken:        "pt_" + id,
		Version:            1,
		Created:            created,
		Updated:            created,
		ExpiresAt:          created.Add(24 * time.Hour),
	}
}

// create stores sessions, failing the test on any error.
func create(t *testing.T, st checkout.Store, sessions ...*checkout.Session) {
	t.Helper()
	for _, sess := range sessions {
		if err := st.CreateSession(t.Context(), sess); err != nil {
			t.Fatalf("CreateSession(%s): %v", sess.ID, err)
		}
	}
}

// createN stores n sessions of scope with ids prefix_000…, all created at the
// same instant, and returns them oldest first.
func createN(t *testing.T, st checkout.Store, scope checkout.Scope, prefix string, n int) []*checkout.Session {
	t.Helper()
	out := make([]*checkout.Session, n)
	for i := range out {
		out[i] = newSession(scope, fmt.Sprintf("%s_%03d", prefix, i), t0)
		create(t, st, out[i])
	}
	return out
}

// transition loads the session, applies tr at now and stores it with its
// event, as the service does; edit, if not nil, changes the session first.
func transition(t *testing.T, st checkout.Store, scope checkout.Scope, id string, tr checkout.Transition, now time.Time, edit func(*checkout.Session)) *checkout.Event {
	t.Helper()
	sess, err := st.GetSession(t.Context(), scope, id)
	if err != nil {
		t.Fatalf("GetSession(%s): %v", id, err)
	}
	if edit != nil {
		edit(sess)
	}
	ev, err := sess.Apply(tr, now, eventID(id, sess.Version+1))
	if err != nil {
		t.Fatalf("Apply(%s, %s): %v", id, tr, err)
	}
	if err := st.Commit(t.Context(), checkout.Change{Session: sess, Events: []*checkout.Event{ev}}); err != nil {
		t.Fatalf("Commit(%s, %s): %v", id, tr, err)
	}
	return ev
}

// newPayment returns a processing card payment of scope for session
// sessionID, as the service first stores it (Version 1).
func newPayment(scope checkout.Scope, id, sessionID string, created time.Time) *checkout.Payment {
	return &checkout.Payment{
		ID:        id,
		AccountID: scope.AccountID,
		Livemode:  scope.Livemode,
		SessionID: sessionID,
		Provider:  "sim",
		Method:    "card",
		Status:    checkout.PaymentProcessing,
		Amount:    2000,
		Currency:  "EUR",
		CardBrand: "visa",
		CardLast4: "4242",
		Version:   1,
		Created:   created,
		Updated:   created,
	}
}

// commit writes c, failing the test on any error.
func commit(t *testing.T, st checkout.Store, c checkout.Change) {
	t.Helper()
	if err := st.Commit(t.Context(), c); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

// insertPayments stores payments (each at Version 1), failing the test on any error.
func insertPayments(t *testing.T, st checkout.Store, payments ...*checkout.Payment) {
	t.Helper()
	for _, p := range payments {
		if err := st.Commit(t.Context(), checkout.Change{Payment: p}); err != nil {
			t.Fatalf("Commit(payment %s): %v", p.ID, err)
		}
	}
}

func eventID(sessionID string, version int64) string {
	return fmt.Sprintf("evt_%s_v%d", sessionID, version)
}

func sessionIDs(items []*checkout.Session) []string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = s.ID
	}
	return out
}

func eventIDs(items []*checkout.Event) []string {
	out := make([]string, len(items))
	for i, e := range items {
		out[i] = e.ID
	}
	return out
}

func paymentIDs(items []*checkout.Payment) []string {
	out := make([]string, len(items))
	for i, p := range items {
		out[i] = p.ID
	}
	return out
}

// newestFirst returns the ids of sessions, given oldest first, newest first.
func newestFirst(sessions ...*checkout.Session) []string {
	ids := sessionIDs(sessions)
	slices.Reverse(ids)
	return ids
}

func wantIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

// wantKind fails unless err is a checkout error of kind k.
func wantKind(t *testing.T, what string, err error, k checkout.Kind) {
	t.Helper()
	if !checkout.IsKind(err, k) {
		t.Errorf("%s: got error %v, want kind %s", what, err, k)
	}
}

// wantCursorNotFound fails unless err is a not-found error naming param.
func wantCursorNotFound(t *testing.T, what string, err error, param string) {
	t.Helper()
	var e *checkout.Error
	if !errors.As(err, &e) || e.Kind != checkout.KindNotFound || e.Param != param {
		t.Errorf("%s: got error %#v, want kind %s with param %q", what, err, checkout.KindNotFound, param)
	}
}

func checkSession(t *testing.T, what string, got, want *checkout.Session) {
	t.Helper()
	if d := diffSession(got, want); d != "" {
		t.Errorf("%s: session differs:\n%s", what, d)
	}
}

// diffSession compares two sessions as the contract does: times by instant
// (and must come back in UTC), empty and nil slices and maps alike.
func diffSession(got, want *checkout.Session) string {
	if got == nil || want == nil {
		if got == want {
			return ""
		}
		return fmt.Sprintf("got %v, want %v", got, want)
	}
	var diffs []string
	g, w := canon(got), canon(want)
	gt, wt := sessionTimes(g), sessionTimes(w)
	for name, gv := range gt {
		diffs = append(diffs, diffTime(name, *gv, *wt[name])...)
		*gv, *wt[name] = time.Time{}, time.Time{}
	}
	if !reflect.DeepEqual(g, w) {
		diffs = append(diffs, fmt.Sprintf("got  %+v\nwant %+v", *g, *w))
	}
	slices.Sort(diffs)
	return strings.Join(diffs, "\n")
}

func diffTime(name string, got, want time.Time) []string {
	var diffs []string
	if !got.Equal(want) {
		diffs = append(diffs, fmt.Sprintf("%s: got %v, want %v", name, got, want))
	}
	if !got.IsZero() && got.Location() != time.UTC {
		diffs = append(diffs, fmt.Sprintf("%s: got location %v, want UTC", name, got.Location()))
	}
	return diffs
}

func sessionTimes(s *checkout.Session) map[string]*time.Time {
	return map[string]*time.Time{
		"Created": &s.Created, "Updated": &s.Updated, "ExpiresAt": &s.ExpiresAt,
		"AccessedAt": &s.AccessedAt, "CompletedAt": &s.CompletedAt, "ExpiredAt": &s.ExpiredAt,
	}
}

// canon is a deep copy of s with empty slices and maps made nil.
func canon(s *checkout.Session) *checkout.Session {
	c := s.Clone()
	if len(c.LineItems) == 0 {
		c.LineItems = nil
	}
	for i := range c.LineItems {
		if len(c.LineItems[i].Images) == 0 {
			c.LineItems[i].Images = nil
		}
	}
	if len(c.PaymentMethodTypes) == 0 {
		c.PaymentMethodTypes = nil
	}
	if len(c.Metadata) == 0 {
		c.Metadata = nil
	}
	return c
}

func checkEvent(t *testing.T, what string, got, want *checkout.Event) {
	t.Helper()
	if got == nil || want == nil {
		if got != want {
			t.Errorf("%s: got event %v, want %v", what, got, want)
		}
		return
	}
	g, w := *got, *want
	diffs := diffTime("Created", g.Created, w.Created)
	g.Created, w.Created = time.Time{}, time.Time{}
	if d := diffSession(g.Session, w.Session); d != "" {
		diffs = append(diffs, "Session: "+d)
	}
	g.Session, w.Session = nil, nil
	if d := diffPayment(g.Payment, w.Payment); d != "" {
		diffs = append(diffs, "Payment: "+d)
	}
	g.Payment, w.Payment = nil, nil
	if !reflect.DeepEqual(g, w) {
		diffs = append(diffs, fmt.Sprintf("got  %+v\nwant %+v", g, w))
	}
	if len(diffs) > 0 {
		t.Errorf("%s: event differs:\n%s", what, strings.Join(diffs, "\n"))
	}
}

func checkPayment(t *testing.T, what string, got, want *checkout.Payment) {
	t.Helper()
	if d := diffPayment(got, want); d != "" {
		t.Errorf("%s: payment differs:\n%s", what, d)
	}
}

// diffPayment compares two payments as the contract does: times by instant
// (and must come back in UTC), the zero time as the zero time.
func diffPayment(got, want *checkout.Payment) string {
	if got == nil || want == nil {
		if got == want {
			return ""
		}
		return fmt.Sprintf("got %v, want %v", got, want)
	}
	g, w := got.Clone(), want.Clone()
	var diffs []string
	diffs = append(diffs, diffTime("Created", g.Created, w.Created)...)
	diffs = append(diffs, diffTime("Updated", g.Updated, w.Updated)...)
	diffs = append(diffs, diffTime("CheckAt", g.CheckAt, w.CheckAt)...)
	g.Created, w.Created, g.Updated, w.Updated = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	g.CheckAt, w.CheckAt = time.Time{}, time.Time{}
	if g.Action != nil && w.Action != nil {
		diffs = append(diffs, diffTime("Action.ExpiresAt", g.Action.ExpiresAt, w.Action.ExpiresAt)...)
		g.Action.ExpiresAt, w.Action.ExpiresAt = time.Time{}, time.Time{}
	}
	if !reflect.DeepEqual(g, w) {
		diffs = append(diffs, fmt.Sprintf("got  %+v (action %+v)\nwant %+v (action %+v)", *g, g.Action, *w, w.Action))
	}
	slices.Sort(diffs)
	return strings.Join(diffs, "\n")
}
