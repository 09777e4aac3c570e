package service_test

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/seal"
	"github.com/checkoutd/checkoutd/netguard"
	gwopts "github.com/checkoutd/checkoutd/provider/gateway"
	"github.com/checkoutd/checkoutd/provider/ifthenpay"
	"github.com/checkoutd/checkoutd/provider/ifthenpay/ifthenpaytest"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/service"
)

const (
	shopAntiKey  = "ShopAntiPhishing2026"
	otherAntiKey = "OtherAntiPhishing2026"
	ifthenMBKey  = "SHP-123456"
)

// ifthenpayFixture is a service over SQLite with the real Ifthenpay
// provider (as serve registers it), a clock the test moves, and two
// accounts: acct_shop with entity 12345 / sub-entity 123 and acct_other
// with entity 54321 / sub-entity 9, each with its own anti-phishing key.
type ifthenpayFixture struct {
	*fixture
	clock *setClock
	gw    *ifthenpaytest.Server
	other checkout.Scope
}

func newIfthenpayFixture(t *testing.T) *ifthenpayFixture {
	t.Helper()
	f := newFixture(t)
	clock := &setClock{now: time.Now().UTC().Truncate(time.Microsecond)}
	gw := ifthenpaytest.New(t, ifthenMBKey)
	gw.Now = clock.Now
	sealer, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	simulator := sim.New(clock)
	reg := simRegistry(simulator)
	reg.RegisterCredentialed(ifthenpay.Name, ifthenpay.Factory(ifthenpay.Options{APIURL: gw.URL, Clock: clock,
		Gateway: gwopts.Options{Timeout: 5 * time.Second, Policy: netguard.Policy{AllowPrivate: true}}},
		sim.StandIn(simulator, ifthenpay.Name, checkout.MethodMultibanco)))
	f.configure(func(c *service.Config) { c.Sealer, c.Providers, c.Clock = sealer, reg, clock })
	other, _, err := f.svc.CreateAccount(f.ctx, service.AccountParams{ID: "acct_other", Name: "Other", DefaultCurrency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	x := &ifthenpayFixture{fixture: f, clock: clock, gw: gw, other: checkout.Scope{AccountID: other.ID}}
	x.setCreds(t, f.scope, map[string]string{"entity": "12345", "sub_entity": "123", "anti_phishing_key": shopAntiKey})
	x.setCreds(t, x.other, map[string]string{"entity": "54321", "sub_entity": "9", "anti_phishing_key": otherAntiKey})
	return x
}

func (x *ifthenpayFixture) setCreds(t *testing.T, scope checkout.Scope, creds map[string]string) {
	t.Helper()
	if _, err := x.svc.SetProvider(x.ctx, scope, ifthenpay.Name, service.ProviderParams{Credentials: creds}); err != nil {
		t.Fatal(err)
	}
}

// pay starts a multibanco payment of amount through Ifthenpay in scope.
func (x *ifthenpayFixture) pay(t *testing.T, scope checkout.Scope, amount int64) *checkout.Payment {
	t.Helper()
	s, err := x.svc.CreateSession(x.ctx, scope, &service.SessionParams{Amount: &amount, SuccessURL: "https://shop.example/ok",
		CancelURL: "https://shop.example/no", PaymentMethodTypes: []string{"multibanco"}, Provider: ifthenpay.Name})
	if err != nil {
		t.Fatal(err)
	}
	_, p, err := x.svc.Pay(x.ctx, s.ID, service.PayParams{Method: checkout.MethodMultibanco})
	if err != nil {
		t.Fatal(err)
	}
	if p.Provider != ifthenpay.Name || p.Status != checkout.PaymentRequiresAction || p.Action == nil || p.Action.Voucher == nil {
		t.Fatalf("payment %+v (%s: %s)", p, p.FailureCode, p.FailureMessage)
	}
	return p
}

// callback delivers Ifthenpay's callback to scope's account, as the route
// /providers/ifthenpay/{account}/callback hands it to the service.
func (x *ifthenpayFixture) callback(scope checkout.Scope, q url.Values) (int, error) {
	return x.svc.HandleNotification(x.ctx, scope.AccountID, scope.Livemode, ifthenpay.Name, checkout.Inbound{Method: "GET", Query: q})
}

func paidQuery(key string, p *checkout.Payment, amount string) url.Values {
	return ifthenpaytest.OfflineCallback(key, p.Action.Voucher.Entity, p.Action.Voucher.Reference, amount, time.Now())
}

func (x *ifthenpayFixture) status(t *testing.T, scope checkout.Scope, p *checkout.Payment) checkout.PaymentState {
	t.Helper()
	got, err := x.svc.GetPayment(x.ctx, scope, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got.Status
}

// TestIfthenpayOfflineVoucherPaid: an offline reference is the published
// algorithm's for the account's entity, sub-entity, order id and amount;
// forged, wrong-amount and other tenants' callbacks change nothing; the
// genuine callback pays it once, however often it is delivered.
func TestIfthenpayOfflineVoucherPaid(t *testing.T) {
	x := newIfthenpayFixture(t)
	p := x.pay(t, x.scope, 9999)
	if v := p.Action.Voucher; v.Entity != "12345" || v.Reference != ifthenpay.Reference("12345", "123", 0, 9999) || p.ProviderRef != "12345:"+v.Reference {
		t.Fatalf("voucher %+v, ref %s", v, p.ProviderRef)
	}
	if want := x.clock.Now().Add(ifthenpay.DefaultVoucherTTL); !p.Action.ExpiresAt.Equal(want) {
		t.Errorf("deadline %v, want %v", p.Action.ExpiresAt, want)
	}
	if held, err := x.svc.Refs(x.scope, ifthenpay.Name).Held(x.ctx, p.ProviderRef); err != nil || !held {
		t.Fatalf("the unpaid reference is not held: %v %v", held, err)
	}

	// Forged: no key, another account's key, the key of the right account
	// sent to the other account's URL.
	for name, try := range map[string]func() (int, error){
		"no key": func() (int, error) {
			q := paidQuery(shopAntiKey, p, "99.99")
			q.Del("chave")
			return x.callback(x.scope, q)
		},
		"other's key":    func() (int, error) { return x.callback(x.scope, paidQuery(otherAntiKey, p, "99.99")) },
		"at other's URL": func() (int, error) { return x.callback(x.other, paidQuery(shopAntiKey, p, "99.99")) },
	} {
		if n, err := try(); checkout.ErrorKind(err) != checkout.KindUnauthorized || n != 0 {
			t.Errorf("%s: %d, %v; want unauthorized", name, n, err)
		}
	}
	// Verified but wrong: the amount, or the other account naming this
	// account's reference with its own key.
	if n, err := x.callback(x.scope, paidQuery(shopAntiKey, p, "1.00")); err != nil || n != 0 {
		t.Errorf("wrong amount: %d, %v", n, err)
	}
	// (The route answers it so Ifthenpay stops retrying; here it is a
	// payment this account does not have.)
	if n, err := x.callback(x.other, paidQuery(otherAntiKey, p, "99.99")); (err != nil && checkout.ErrorKind(err) != checkout.KindNotFound) || n != 0 {
		t.Errorf("other tenant naming this reference: %d, %v", n, err)
	}
	if st := x.status(t, x.scope, p); st != checkout.PaymentRequiresAction {
		t.Fatalf("after forged and wrong callbacks the payment is %s", st)
	}

	// Genuine, then delivered again: paid once.
	for i, want := range []int{1, 0, 0} {
		if n, err := x.callback(x.scope, paidQuery(shopAntiKey, p, "99.99")); err != nil || n != want {
			t.Fatalf("delivery %d: %d, %v; want %d", i+1, n, err, want)
		}
	}
	if st := x.status(t, x.scope, p); st != checkout.PaymentSucceeded {
		t.Fatalf("paid payment is %s", st)
	}
	sess, err := x.svc.GetSession(x.ctx, x.scope, p.SessionID)
	if err != nil || sess.Status != checkout.SessionComplete || sess.PaymentStatus != checkout.PaymentPaid {
		t.Fatalf("session %+v %v", sess, err)
	}
	if n := count(x.events(t), checkout.EventAsyncPaymentSucceeded); n != 1 {
		t.Errorf("%d async_payment_succeeded events, want 1", n)
	}
	if held, _ := x.svc.Refs(x.scope, ifthenpay.Name).Held(x.ctx, p.ProviderRef); held {
		t.Error("a paid reference is still held")
	}
}

// TestIfthenpayReorderedAndExpired: callbacks of two payments arriving in
// the other order each pay their own; a voucher whose deadline passed is
// failed by the sweep, and its late callback changes nothing.
func TestIfthenpayReorderedAndExpired(t *testing.T) {
	x := newIfthenpayFixture(t)
	a := x.pay(t, x.scope, 1500)
	b := x.pay(t, x.scope, 1500)
	if a.Action.Voucher.Reference == b.Action.Voucher.Reference {
		t.Fatalf("two unpaid payments share reference %s", a.Action.Voucher.Reference)
	}
	for _, p := range []*checkout.Payment{b, a, b} {
		if _, err := x.callback(x.scope, paidQuery(shopAntiKey, p, "15.00")); err != nil {
			t.Fatal(err)
		}
	}
	if x.status(t, x.scope, a) != checkout.PaymentSucceeded || x.status(t, x.scope, b) != checkout.PaymentSucceeded {
		t.Fatal("reordered callbacks did not pay both")
	}
	if n := count(x.events(t), checkout.EventAsyncPaymentSucceeded); n != 2 {
		t.Errorf("%d async_payment_succeeded events, want 2", n)
	}

	c := x.pay(t, x.scope, 2000)
	x.clock.Add(ifthenpay.DefaultVoucherTTL + time.Minute)
	if n, err := x.svc.SweepDuePayments(x.ctx); err != nil || n != 1 {
		t.Fatalf("sweep: %d, %v", n, err)
	}
	if st := x.status(t, x.scope, c); st != checkout.PaymentFailed {
		t.Fatalf("expired voucher is %s", st)
	}
	if n, err := x.callback(x.scope, paidQuery(shopAntiKey, c, "20.00")); err != nil || n != 0 {
		t.Errorf("callback of an expired voucher: %d, %v", n, err)
	}
	if st := x.status(t, x.scope, c); st != checkout.PaymentFailed {
		t.Fatalf("expired voucher became %s", st)
	}
	if n := count(x.events(t), checkout.EventAsyncPaymentFailed); n != 1 {
		t.Errorf("%d async_payment_failed events, want 1", n)
	}
	// The lapsed reference can still be paid at the bank: it is not
	// issued again for 90 days, so such a late payment can never settle a
	// newer customer's order.
	refs := x.svc.Refs(x.scope, ifthenpay.Name)
	if held, err := refs.Held(x.ctx, c.ProviderRef); err != nil || !held {
		t.Fatalf("a lapsed reference is free at once: %v %v", held, err)
	}
	x.clock.Add(91 * 24 * time.Hour)
	if held, err := refs.Held(x.ctx, c.ProviderRef); err != nil || held {
		t.Fatalf("a reference lapsed 91 days ago is still held: %v %v", held, err)
	}
}

// TestIfthenpayNeverTwoUnpaid: a reference must never be issued while the
// same one is unpaid. Test and live mode of one account number from
// counters of their own, so both start at order 0: the live payment skips
// the reference the test payment still waits on, and the live callback
// pays the live payment only.
func TestIfthenpayNeverTwoUnpaid(t *testing.T) {
	x := newIfthenpayFixture(t)
	live := checkout.Scope{AccountID: x.scope.AccountID, Livemode: true}
	x.setCreds(t, live, map[string]string{"entity": "12345", "sub_entity": "123", "anti_phishing_key": shopAntiKey})
	testPay := x.pay(t, x.scope, 4200)
	livePay := x.pay(t, live, 4200)
	if testPay.ProviderRef == livePay.ProviderRef {
		t.Fatalf("test and live payments both wait on %s", testPay.ProviderRef)
	}
	if want := ifthenpay.Reference("12345", "123", 1, 4200); livePay.Action.Voucher.Reference != want {
		t.Errorf("live reference %s, want order 1's %s (order 0's is held by the test payment)", livePay.Action.Voucher.Reference, want)
	}
	// The live callback pays the live payment only.
	if n, err := x.callback(live, paidQuery(shopAntiKey, livePay, "42.00")); err != nil || n != 1 {
		t.Fatalf("live callback: %d, %v", n, err)
	}
	if x.status(t, x.scope, testPay) != checkout.PaymentRequiresAction || x.status(t, live, livePay) != checkout.PaymentSucceeded {
		t.Fatal("the live callback paid the wrong payment")
	}
	// The callback URL names the account, not the mode, and both modes
	// have the same anti-phishing key: the live settings verify the test
	// payment's callback, but it is no live payment, so the test mode
	// takes it.
	rec, err := x.svc.ReceiveNotification(x.ctx, x.scope.AccountID, ifthenpay.Name, checkout.Inbound{Method: "GET", Query: paidQuery(shopAntiKey, testPay, "42.00")})
	if err != nil || rec.Livemode || len(rec.Outcomes) != 1 || rec.Outcomes[0] != checkout.NotificationApplied {
		t.Fatalf("the test payment's callback: %+v %v", rec, err)
	}
	if x.status(t, x.scope, testPay) != checkout.PaymentSucceeded {
		t.Fatal("the test payment's callback did not pay it")
	}
}

// TestIfthenpayAPIReference: with an MB key, the reference comes from
// Ifthenpay's API (its sandbox in test mode), shown as issued, and paid by
// the callback in the documented template.
func TestIfthenpayAPIReference(t *testing.T) {
	x := newIfthenpayFixture(t)
	x.setCreds(t, x.scope, map[string]string{"mb_key": ifthenMBKey, "entity": "", "sub_entity": "", "anti_phishing_key": shopAntiKey})
	p := x.pay(t, x.scope, 12345)
	if probs := x.gw.Problems(); len(probs) > 0 {
		t.Fatalf("the stand-in found problems: %v", probs)
	}
	refs := x.gw.References()
	if len(refs) != 1 || !refs[0].Sandbox || refs[0].Amount != "123.45" {
		t.Fatalf("references %+v", refs)
	}
	r := refs[0]
	if v := p.Action.Voucher; v.Entity != r.Entity || v.Reference != r.Reference || p.ProviderRef != r.Entity+":"+r.Reference {
		t.Fatalf("voucher %+v, ref %s, issued %+v", v, p.ProviderRef, r)
	}
	cb := ifthenpaytest.Callback(shopAntiKey, r, x.clock.Now())
	for i, want := range []int{1, 0} {
		if n, err := x.callback(x.scope, cb); err != nil || n != want {
			t.Fatalf("delivery %d: %d, %v", i+1, n, err)
		}
	}
	if st := x.status(t, x.scope, p); st != checkout.PaymentSucceeded {
		t.Fatalf("payment %s", st)
	}
}

// TestIfthenpayOutage: a gateway that does not answer in time fails the
// attempt with a processing error the customer can act on, once; nothing
// is retried and no credential reaches the log.
func TestIfthenpayOutage(t *testing.T) {
	x := newIfthenpayFixture(t)
	x.setCreds(t, x.scope, map[string]string{"mb_key": ifthenMBKey, "entity": "", "sub_entity": "", "anti_phishing_key": shopAntiKey})
	reg := service.NewRegistry()
	reg.Register("sim", sim.Factory(sim.New(x.clock)))
	reg.RegisterCredentialed(ifthenpay.Name, ifthenpay.Factory(ifthenpay.Options{APIURL: x.gw.URL, Clock: x.clock,
		Gateway: gwopts.Options{Timeout: 100 * time.Millisecond, Policy: netguard.Policy{AllowPrivate: true}}}, nil))
	x.configure(func(c *service.Config) { c.Providers = reg })
	x.gw.Delay = 2 * time.Second
	amount := int64(1000)
	s, err := x.svc.CreateSession(x.ctx, x.scope, &service.SessionParams{Amount: &amount, SuccessURL: "https://shop.example/ok",
		CancelURL: "https://shop.example/no", PaymentMethodTypes: []string{"multibanco"}, Provider: ifthenpay.Name})
	if err != nil {
		t.Fatal(err)
	}
	_, p, err := x.svc.Pay(x.ctx, s.ID, service.PayParams{Method: checkout.MethodMultibanco})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != checkout.PaymentFailed || p.FailureCode != "processing_error" || !strings.Contains(p.FailureMessage, "Try again") {
		t.Fatalf("payment %s %s %q", p.Status, p.FailureCode, p.FailureMessage)
	}
	if n := x.gw.Calls(); n > 1 {
		t.Errorf("%d calls: the reference request was retried", n)
	}
	for _, secret := range []string{ifthenMBKey, shopAntiKey} {
		if strings.Contains(x.logs.String(), secret) {
			t.Errorf("the log holds a credential: %s", x.logs.String())
		}
	}
	ps, err := x.store.ListPayments(x.ctx, x.scope, checkout.PaymentFilter{SessionID: s.ID, ListParams: checkout.ListParams{Limit: 10}})
	if err != nil || len(ps.Items) != 1 {
		t.Fatalf("%d payments recorded, want 1 (%v)", len(ps.Items), err)
	}
}
