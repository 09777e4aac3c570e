package service_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/netguard"
	"github.com/checkoutd/checkoutd/provider/easypay"
	"github.com/checkoutd/checkoutd/provider/easypay/easypaytest"
	gw "github.com/checkoutd/checkoutd/provider/gateway"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/service"
)

// easypayTenant is an account paying through Easypay (the stand-in) with
// its own Easypay credentials.
type easypayTenant struct {
	scope   checkout.Scope
	apiKey  string
	account string
}

// easypayFixture serves easypay from the stand-in, as serve does with
// --easypay-api-url, for acct_shop and a second account.
func easypayFixture(t *testing.T) (*fixture, *easypaytest.Server, easypayTenant, easypayTenant) {
	t.Helper()
	f := newTenantFixture(t)
	srv := easypaytest.New(t)
	simulator := sim.New(checkout.SystemClock{})
	r := simRegistry(simulator)
	r.RegisterCredentialed("easypay", easypay.Factory(easypay.Options{APIURL: srv.URL(),
		Gateway: gw.Options{Policy: netguard.Policy{AllowPrivate: true}},
		StandIn: sim.StandIn(simulator, "easypay", checkout.MethodMultibanco)}))
	f.configure(func(c *service.Config) { c.Providers = r })
	if _, _, err := f.svc.CreateAccount(f.ctx, service.AccountParams{ID: "acct_other", Name: "Other", DefaultCurrency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	a := f.easypayTenant(t, srv, f.scope)
	b := f.easypayTenant(t, srv, checkout.Scope{AccountID: "acct_other"})
	// No log line holds a tenant's Easypay API key.
	t.Cleanup(func() {
		for _, k := range []string{a.apiKey, b.apiKey} {
			if strings.Contains(f.logs.String(), k) {
				t.Error("the logs hold an Easypay API key")
			}
		}
	})
	return f, srv, a, b
}

func (f *fixture) easypayTenant(t *testing.T, srv *easypaytest.Server, scope checkout.Scope) easypayTenant {
	t.Helper()
	acct, key := srv.NewAccount()
	f.setEasypay(t, scope, acct, key)
	return easypayTenant{scope: scope, apiKey: key, account: acct}
}

func (f *fixture) setEasypay(t *testing.T, scope checkout.Scope, account, key string) {
	t.Helper()
	if _, err := f.svc.SetProvider(f.ctx, scope, "easypay", service.ProviderParams{Credentials: map[string]string{
		"account_id": account, "api_key": key, "environment": "sandbox"}, DefaultFor: []string{"multibanco"}}); err != nil {
		t.Fatal(err)
	}
}

// payVoucher opens a multibanco session of tn and pays it: a reference.
func (f *fixture) payVoucher(t *testing.T, tn easypayTenant) *checkout.Payment {
	t.Helper()
	s, err := f.sessionWith(t, tn.scope, "easypay", "multibanco")
	if err != nil {
		t.Fatal(err)
	}
	sess, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: checkout.MethodMultibanco})
	if err != nil || p.Provider != "easypay" || p.Status != checkout.PaymentRequiresAction || p.Action == nil || p.Action.Voucher == nil || p.ProviderRef == "" {
		t.Fatalf("pay: %+v, %v", p, err)
	}
	if sess.Status != checkout.SessionComplete || sess.PaymentStatus != checkout.PaymentUnpaid {
		t.Fatalf("session %s/%s", sess.Status, sess.PaymentStatus)
	}
	return p
}

func (f *fixture) notify(tn easypayTenant, body []byte) (int, error) {
	return f.svc.HandleNotification(f.ctx, tn.scope.AccountID, tn.scope.Livemode, "easypay",
		checkout.Inbound{Method: "POST", Header: map[string][]string{"Content-Type": {"application/json"}}, Body: body})
}

func (f *fixture) eventsOf(t *testing.T, scope checkout.Scope) []string {
	t.Helper()
	saved := f.scope
	f.scope = scope
	defer func() { f.scope = saved }()
	return f.events(t)
}

func count(events []string, typ string) int {
	n := 0
	for _, e := range events {
		if e == typ {
			n++
		}
	}
	return n
}

// A voucher issued by Easypay, paid, notified: the session is paid once,
// however often and in whatever order Easypay's notifications come.
func TestEasypayVoucherPaidByNotification(t *testing.T) {
	f, srv, a, _ := easypayFixture(t)
	p := f.payVoucher(t, a)
	at, ok := srv.Payment(p.ProviderRef)
	if !ok || at.Key != p.ID || at.Value != 15 || at.Reference != p.Action.Voucher.Reference || p.Action.Voucher.Entity != easypaytest.Entity {
		t.Fatalf("at Easypay %+v; payment %+v", at, p)
	}

	// An earlier notification (the reference created) names the payment
	// while it is pending: nothing to record.
	early := easypaytest.Notification(p.ProviderRef, p.ID, "capture", "success")
	if n, err := f.notify(a, early); err != nil || n != 0 {
		t.Fatalf("pending: %d, %v", n, err)
	}
	paidBody := srv.MarkPaid(p.ProviderRef)
	if n, err := f.notify(a, paidBody); err != nil || n != 1 {
		t.Fatalf("paid: %d, %v", n, err)
	}
	// Duplicated, and the earlier one delivered late: nothing more.
	for _, body := range [][]byte{paidBody, early, paidBody} {
		if n, err := f.notify(a, body); err != nil || n != 0 {
			t.Fatalf("again: %d, %v", n, err)
		}
	}
	got, err := f.svc.GetPayment(f.ctx, a.scope, p.ID)
	if err != nil || got.Status != checkout.PaymentSucceeded {
		t.Fatalf("payment %+v, %v", got, err)
	}
	sess, err := f.svc.GetSession(f.ctx, a.scope, got.SessionID)
	if err != nil || sess.Status != checkout.SessionComplete || sess.PaymentStatus != checkout.PaymentPaid {
		t.Fatalf("session %+v, %v", sess, err)
	}
	ev := f.eventsOf(t, a.scope)
	if count(ev, checkout.EventAsyncPaymentSucceeded) != 1 || count(ev, checkout.EventPaymentSucceeded) != 1 || count(ev, checkout.EventAsyncPaymentFailed) != 0 {
		t.Fatalf("events %v", ev)
	}

	// Easypay cannot refund Multibanco: refused, saying so, before
	// anything is written or Easypay is asked.
	before := srv.Requests()
	if _, err := f.svc.CreateRefund(f.ctx, a.scope, &service.RefundParams{Payment: p.ID}); checkout.ErrorKind(err) != checkout.KindState {
		t.Fatalf("refund: %v", err)
	}
	if got, _ := f.svc.GetPayment(f.ctx, a.scope, p.ID); got.AmountRefunded != 0 || len(f.eventsOf(t, a.scope)) != len(ev) || srv.Requests() != before {
		t.Fatalf("a refused refund wrote or asked Easypay: %+v", got)
	}
}

// A forged notification ("paid", for a reference Easypay has pending)
// changes nothing; a failed reference fails the payment once.
func TestEasypayForgedNotificationChangesNothing(t *testing.T) {
	f, srv, a, _ := easypayFixture(t)
	p := f.payVoucher(t, a)
	for _, body := range [][]byte{
		easypaytest.Notification(p.ProviderRef, p.ID, "capture", "success"),
		easypaytest.Notification(p.ProviderRef, "pay_forged", "capture", "success"),
	} {
		if n, err := f.notify(a, body); err != nil || n != 0 {
			t.Fatalf("forged: %d, %v", n, err)
		}
	}
	// An id Easypay does not have is refused.
	if n, err := f.notify(a, easypaytest.Notification("5eca7446-14e9-47bb-aabb-5ee237159b8b", p.ID, "capture", "success")); err == nil || n != 0 {
		t.Fatalf("unknown id: %d, %v", n, err)
	}
	got, _ := f.svc.GetPayment(f.ctx, a.scope, p.ID)
	if got.Status != checkout.PaymentRequiresAction {
		t.Fatalf("payment %s after forged notifications", got.Status)
	}
	failed := srv.MarkFailed(p.ProviderRef)
	for i, want := range []int{1, 0} {
		if n, err := f.notify(a, failed); err != nil || n != want {
			t.Fatalf("failed #%d: %d, %v", i, n, err)
		}
	}
	// A "paid" arriving after the failure (Easypay says failed) changes
	// nothing either.
	if n, err := f.notify(a, easypaytest.Notification(p.ProviderRef, p.ID, "capture", "success")); err != nil || n != 0 {
		t.Fatalf("paid after failed: %d, %v", n, err)
	}
	got, _ = f.svc.GetPayment(f.ctx, a.scope, p.ID)
	ev := f.eventsOf(t, a.scope)
	if got.Status != checkout.PaymentFailed || got.FailureCode != "voucher_expired" || count(ev, checkout.EventAsyncPaymentFailed) != 1 || count(ev, checkout.EventPaymentSucceeded) != 0 {
		t.Fatalf("payment %+v, events %v", got, ev)
	}
}

// Another tenant's payment, notified to this tenant's endpoint, changes
// nothing anywhere: with separate Easypay accounts Easypay does not know
// it for this tenant; with one Easypay account shared by two tenants the
// payment is not this tenant's.
func TestEasypayOtherTenantsPayment(t *testing.T) {
	f, srv, a, b := easypayFixture(t)
	theirs := f.payVoucher(t, b)
	body := srv.MarkPaid(theirs.ProviderRef)
	if n, err := f.notify(a, body); err == nil || n != 0 {
		t.Fatalf("to the other tenant: %d, %v", n, err)
	} else if strings.Contains(err.Error(), a.apiKey) || strings.Contains(err.Error(), b.apiKey) {
		t.Fatalf("the error shows an API key: %v", err)
	}
	if _, _, err := f.svc.CreateAccount(f.ctx, service.AccountParams{ID: "acct_shared", Name: "Shared", DefaultCurrency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	shared := easypayTenant{scope: checkout.Scope{AccountID: "acct_shared"}, apiKey: b.apiKey, account: b.account}
	f.setEasypay(t, shared.scope, b.account, b.apiKey)
	// Easypay knows the payment for these credentials, so the message is
	// verified; the payment is not this tenant's: recorded as
	// unknown_payment, it changes nothing (checked below).
	if n, err := f.notify(shared, body); err != nil || n != 0 {
		t.Fatalf("to a tenant sharing the Easypay account: %d, %v", n, err)
	}
	got, _ := f.svc.GetPayment(f.ctx, b.scope, theirs.ID)
	if got.Status != checkout.PaymentRequiresAction {
		t.Fatalf("payment %s after another tenant's notification", got.Status)
	}
	for _, scope := range []checkout.Scope{a.scope, b.scope, shared.scope} {
		if ev := f.eventsOf(t, scope); count(ev, checkout.EventPaymentSucceeded) != 0 {
			t.Fatalf("%s events %v", scope.AccountID, ev)
		}
	}
	// Its own endpoint takes it.
	if n, err := f.notify(b, body); err != nil || n != 1 {
		t.Fatalf("own: %d, %v", n, err)
	}
}

// Test mode without Easypay credentials stays on the simulator.
func TestEasypayWithoutCredentialsIsSimulated(t *testing.T) {
	f, srv, _, _ := easypayFixture(t)
	if _, _, err := f.svc.CreateAccount(f.ctx, service.AccountParams{ID: "acct_new", Name: "New", DefaultCurrency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	fresh := easypayTenant{scope: checkout.Scope{AccountID: "acct_new"}}
	before := srv.Requests()
	p := f.payVoucher(t, fresh)
	if srv.Requests() != before {
		t.Fatal("a payment without credentials reached Easypay")
	}
	if _, err := f.svc.SettlePayment(f.ctx, fresh.scope, p.ID, true); err != nil {
		t.Fatal(err)
	}
}

// Easypay delivering the same notification several times at once (its
// retries racing one another) pays the session once.
func TestEasypayConcurrentNotifications(t *testing.T) {
	f, srv, a, _ := easypayFixture(t)
	p := f.payVoucher(t, a)
	body := srv.MarkPaid(p.ProviderRef)
	var wg sync.WaitGroup
	applied := make([]int, 6)
	errs := make([]error, len(applied))
	for i := range applied {
		wg.Add(1)
		go func() {
			defer wg.Done()
			applied[i], errs[i] = f.notify(a, body)
		}()
	}
	wg.Wait()
	total := 0
	for i, n := range applied {
		if errs[i] != nil {
			t.Fatalf("notification %d: %v", i, errs[i])
		}
		total += n
	}
	ev := f.eventsOf(t, a.scope)
	if total != 1 || count(ev, checkout.EventAsyncPaymentSucceeded) != 1 || count(ev, checkout.EventPaymentSucceeded) != 1 {
		t.Fatalf("applied %d times; events %v", total, ev)
	}
}
