package service_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

func (f *fixture) link(t *testing.T, p service.LinkParams) *checkout.PaymentLink {
	t.Helper()
	if p.Amount == nil && p.LineItems == nil {
		amount := int64(1500)
		p.Amount = &amount
	}
	l, err := f.svc.CreatePaymentLink(f.ctx, f.scope, &p)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func (f *fixture) visit(t *testing.T, id string) *checkout.Session {
	t.Helper()
	sess, _, err := f.svc.VisitPaymentLink(f.ctx, id)
	if err != nil {
		t.Fatalf("visit %s: %v", id, err)
	}
	return sess
}

func unavailable(t *testing.T, err error) string {
	t.Helper()
	var u *service.LinkUnavailable
	if !errors.As(err, &u) {
		t.Fatalf("want the link unavailable, got %v", err)
	}
	return u.Reason
}

func TestPaymentLinkVisitsMintSessions(t *testing.T) {
	f := newFixture(t)
	l := f.link(t, service.LinkParams{})
	if !l.Active || !l.Reusable || l.Amount != 1500 || l.Currency != "EUR" {
		t.Fatalf("link %+v", l)
	}
	a, b := f.visit(t, l.ID), f.visit(t, l.ID)
	if a.ID == b.ID {
		t.Fatal("two visits of a reusable link gave one session")
	}
	for _, s := range []*checkout.Session{a, b} {
		if s.PaymentLink != l.ID || s.AmountTotal != 1500 || s.Status != checkout.SessionOpen {
			t.Fatalf("minted session %+v", s)
		}
		if s.SuccessURL != "http://checkout.test/checkout/{CHECKOUT_SESSION_ID}" || s.CancelURL != "http://checkout.test/l/"+l.ID {
			t.Fatalf("minted session's URLs %q %q", s.SuccessURL, s.CancelURL)
		}
	}
	if got := f.events(t); len(got) != 1 || got[0] != checkout.EventPaymentLinkCreated {
		t.Fatalf("events %v", got)
	}
}

func TestPaymentLinkLimitCountsCompletedSessions(t *testing.T) {
	f := newFixture(t)
	limit := int64(1)
	l := f.link(t, service.LinkParams{Limit: &limit})
	a, b := f.visit(t, l.ID), f.visit(t, l.ID)
	// A decline frees the place it held.
	if _, p, err := f.svc.Pay(f.ctx, a.ID, service.PayParams{Method: "card", Card: card("4000000000000002", "123")}); err != nil || p.Status != checkout.PaymentFailed {
		t.Fatalf("declined pay: %v %+v", err, p)
	}
	if _, p, err := f.svc.Pay(f.ctx, b.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")}); err != nil || p.Status != checkout.PaymentSucceeded {
		t.Fatalf("pay: %v %+v", err, p)
	}
	_, _, err := f.svc.Pay(f.ctx, a.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")})
	if checkout.ErrorKind(err) != checkout.KindState || err.(*checkout.Error).Code != "payment_link_exhausted" {
		t.Fatalf("paying past the limit: %v", err)
	}
	got, err := f.svc.GetPaymentLink(f.ctx, f.scope, l.ID)
	if err != nil || got.CompletedSessions != 1 || len(got.Slots) != 0 {
		t.Fatalf("link after: %+v %v", got, err)
	}
	if _, _, err := f.svc.VisitPaymentLink(f.ctx, l.ID); unavailable(t, err) != checkout.LinkExhausted {
		t.Fatalf("visit of an exhausted link: %v", err)
	}
}

// TestPaymentLinkLastPlaceRace: two customers pay the last place at once;
// exactly one completes and the other is refused before any payment (and
// so any charge) is made.
func TestPaymentLinkLastPlaceRace(t *testing.T) {
	f := newFixture(t)
	limit := int64(1)
	l := f.link(t, service.LinkParams{Limit: &limit})
	sessions := []*checkout.Session{f.visit(t, l.ID), f.visit(t, l.ID)}
	if ok, refused := f.payAll(t, sessions, "payment_link_exhausted"); ok != 1 || refused != 1 {
		t.Fatalf("%d paid, %d refused", ok, refused)
	}
	pays, err := f.store.ListPayments(f.ctx, f.scope, checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 10}})
	if err != nil || len(pays.Items) != 1 {
		t.Fatalf("payments made: %d %v", len(pays.Items), err)
	}
	got, _ := f.svc.GetPaymentLink(f.ctx, f.scope, l.ID)
	if got.CompletedSessions != 1 {
		t.Fatalf("completed_sessions %d", got.CompletedSessions)
	}
}

func TestPaymentLinkInactiveAndExpired(t *testing.T) {
	f := newFixture(t)
	clk := &setClock{now: time.Now().UTC().Truncate(time.Second)}
	f.configure(func(c *service.Config) { c.Clock = clk })
	inactive := false
	l := f.link(t, service.LinkParams{Active: &inactive})
	if _, _, err := f.svc.VisitPaymentLink(f.ctx, l.ID); unavailable(t, err) != checkout.LinkInactive {
		t.Fatalf("visit of an inactive link: %v", err)
	}
	active := true
	if _, err := f.svc.UpdatePaymentLink(f.ctx, f.scope, l.ID, &service.LinkParams{Active: &active}); err != nil {
		t.Fatal(err)
	}
	f.visit(t, l.ID)

	at := clk.Now().Add(time.Hour)
	e := f.link(t, service.LinkParams{ExpiresAt: &at})
	f.visit(t, e.ID)
	clk.Add(time.Hour)
	if _, _, err := f.svc.VisitPaymentLink(f.ctx, e.ID); unavailable(t, err) != checkout.LinkExpired {
		t.Fatalf("visit of an expired link: %v", err)
	}
	if _, _, err := f.svc.VisitPaymentLink(f.ctx, "plink_nope"); !checkout.IsKind(err, checkout.KindNotFound) {
		t.Fatalf("visit of no link: %v", err)
	}
	if got := f.events(t); len(got) != 3 || got[1] != checkout.EventPaymentLinkUpdated {
		t.Fatalf("events %v", got)
	}
}

func TestSingleUseLink(t *testing.T) {
	f := newFixture(t)
	once := false
	l := f.link(t, service.LinkParams{Reusable: &once})
	a, b := f.visit(t, l.ID), f.visit(t, l.ID)
	if a.ID != b.ID {
		t.Fatalf("a single-use link minted %s and %s", a.ID, b.ID)
	}
	if _, _, err := f.svc.Pay(f.ctx, a.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.VisitPaymentLink(f.ctx, l.ID); unavailable(t, err) != service.LinkUsed {
		t.Fatalf("visit of a used link: %v", err)
	}
}

func TestPaymentLinkBadInputWritesNothing(t *testing.T) {
	f := newFixture(t)
	amount, zero, big := int64(1500), int64(0), int64(service.MaxLinkLimit+1)
	past := time.Now().Add(-time.Hour)
	for param, p := range map[string]service.LinkParams{
		"amount":   {},
		"currency": {Amount: &amount, Currency: "xyz"},
		"restrictions[completed_sessions][limit]": {Amount: &amount, Limit: &zero},
		"expires_at":                      {Amount: &amount, ExpiresAt: &past},
		"after_completion[redirect][url]": {Amount: &amount, SuccessURL: "javascript:alert(1)"},
		"line_items[0][quantity]":         {LineItems: []service.LineItemParams{{Currency: "eur", UnitAmount: &amount, Name: "x"}}},
		"payment_method_types[0]":         {Amount: &amount, PaymentMethodTypes: []string{"bitcorn"}},
	} {
		_, err := f.svc.CreatePaymentLink(f.ctx, f.scope, &p)
		var e *checkout.Error
		if !errors.As(err, &e) || e.Param != param {
			t.Errorf("%s: %v", param, err)
		}
	}
	if _, err := f.svc.CreatePaymentLink(f.ctx, f.scope, &service.LinkParams{Amount: &amount, Limit: &big}); checkout.ErrorKind(err) != checkout.KindInvalid {
		t.Errorf("limit too big: %v", err)
	}
	page, err := f.svc.ListPaymentLinks(f.ctx, f.scope, checkout.ListParams{Limit: 10})
	if err != nil || len(page.Items) != 0 || len(f.events(t)) != 0 {
		t.Fatalf("bad input wrote %d links: %v", len(page.Items), err)
	}
}

// TestPaymentLinkPlaceHeldThroughThreeDSecure: a payment waiting on 3-D
// Secure keeps its place under the limit; once the place lapses another
// customer may take it, and the first one's confirmation is then refused
// (its payment canceled) before it can be charged.
func TestPaymentLinkPlaceHeldThroughThreeDSecure(t *testing.T) {
	f := newFixture(t)
	clk := &setClock{now: time.Now().UTC().Truncate(time.Second)}
	f.configure(func(c *service.Config) { c.Clock = clk })
	limit := int64(1)
	l := f.link(t, service.LinkParams{Limit: &limit})
	a, b := f.visit(t, l.ID), f.visit(t, l.ID)
	_, pa, err := f.svc.Pay(f.ctx, a.ID, service.PayParams{Method: "card", Card: card("4000002760003184", "123")})
	if err != nil || pa.Status != checkout.PaymentRequiresAction {
		t.Fatalf("3-D Secure pay: %v %+v", err, pa)
	}
	if _, _, err := f.svc.Pay(f.ctx, b.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")}); checkout.ErrorKind(err) != checkout.KindState {
		t.Fatalf("the held place was taken: %v", err)
	}
	clk.Add(checkout.ClaimTTL)
	if _, pb, err := f.svc.Pay(f.ctx, b.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")}); err != nil || pb.Status != checkout.PaymentSucceeded {
		t.Fatalf("pay after the place lapsed: %v %+v", err, pb)
	}
	sess, p, err := f.svc.ConfirmPayment(f.ctx, a.ID, pa.ID, checkout.ConfirmRequest{Completed: true})
	if err != nil || p.Status != checkout.PaymentCanceled || sess.Status != checkout.SessionOpen {
		t.Fatalf("late confirmation: %v %+v %+v", err, p, sess)
	}
	got, _ := f.svc.GetPaymentLink(f.ctx, f.scope, l.ID)
	if got.CompletedSessions != 1 {
		t.Fatalf("completed_sessions %d", got.CompletedSessions)
	}
}

// TestUnlimitedLinkCountsConcurrentCompletions: many customers of a link
// without a limit paying at once all pay (a race on the link never fails
// a payment's recording), and each completion is counted.
func TestUnlimitedLinkCountsConcurrentCompletions(t *testing.T) {
	f := newFixture(t)
	l := f.link(t, service.LinkParams{})
	const n = 8
	var sessions []*checkout.Session
	for range n {
		sessions = append(sessions, f.visit(t, l.ID))
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("pay %d: %v", i, err)
		}
	}
	got, _ := f.svc.GetPaymentLink(f.ctx, f.scope, l.ID)
	if got.CompletedSessions != n {
		t.Fatalf("completed_sessions %d, want %d", got.CompletedSessions, n)
	}
}
