package easypay_test

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/netguard"
	"github.com/checkoutd/checkoutd/provider/easypay"
	"github.com/checkoutd/checkoutd/provider/easypay/easypaytest"
	"github.com/checkoutd/checkoutd/provider/gateway"
	"github.com/checkoutd/checkoutd/provider/sim"
)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

type tickingClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *tickingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Minute)
	return c.t
}

var now = time.Now().UTC().Truncate(time.Second)

var shop = &checkout.Account{ID: "acct_shop", Name: "Shop", Profile: checkout.Profile{DisplayName: "Loja do Bairro"}}

// options reach the stand-in (a loopback address, so the SSRF guard must
// allow private targets, as --webhook-allow-private does) with a short
// timeout and backoff, so that the timeout tests stay quick.
func options(srv *easypaytest.Server) easypay.Options {
	return easypay.Options{APIURL: srv.URL(), Clock: fixedClock{now}, Backoff: time.Millisecond,
		Gateway: gateway.Options{Timeout: 2 * time.Second, Policy: netguard.Policy{AllowPrivate: true}}}
}

type tenant struct {
	p            *easypay.Provider
	srv          *easypaytest.Server
	account, key string
	seenErrs     []error
}

func newTenant(t *testing.T, srv *easypaytest.Server, change func(*easypay.Options)) *tenant {
	t.Helper()
	acct, key := srv.NewAccount()
	o := options(srv)
	if change != nil {
		change(&o)
	}
	p, err := easypay.New(o, shop, false, checkout.Credentials{"account_id": acct, "api_key": key, "environment": "sandbox"})
	if err != nil {
		t.Fatal(err)
	}
	tn := &tenant{p: p, srv: srv, account: acct, key: key}
	// No error, whatever it says, may carry the tenant's API key.
	t.Cleanup(func() {
		for _, err := range tn.seenErrs {
			if strings.Contains(err.Error(), key) {
				t.Errorf("an error shows the API key: %v", err)
			}
		}
	})
	return tn
}

// saw remembers err for the credential check and returns it.
func (tn *tenant) saw(err error) error {
	if err != nil {
		tn.seenErrs = append(tn.seenErrs, err)
	}
	return err
}

func payment(amount int64, currency string) *checkout.Payment {
	return &checkout.Payment{ID: checkout.RandomIDs{}.New("pay"), Created: now,
		AccountID: "acct_shop", Provider: "easypay", Method: checkout.MethodMultibanco,
		Status: checkout.PaymentProcessing, Amount: amount, Currency: checkout.Currency(currency)}
}

func (tn *tenant) start(t *testing.T, pay *checkout.Payment, sess *checkout.Session) checkout.ProviderResult {
	t.Helper()
	res, err := tn.p.Start(context.Background(), checkout.StartRequest{Payment: pay, Session: sess, IdempotencyKey: "checkoutd_" + pay.ID})
	if tn.saw(err) != nil {
		t.Fatalf("Start: %v", err)
	}
	pay.Status, pay.ProviderRef, pay.Action = res.Status, res.ProviderRef, res.Action
	return res
}

var refRE = regexp.MustCompile(`^[0-9]{9}$`)

func TestStartIssuesAVoucher(t *testing.T) {
	srv := easypaytest.New(t)
	tn := newTenant(t, srv, nil)
	pay := payment(4550, "eur")
	sess := &checkout.Session{ID: "cs_1", CustomerEmail: "ana@example.pt", CustomerDetails: &checkout.CustomerDetails{Name: "Ana Sousa"}}
	res := tn.start(t, pay, sess)
	if res.Status != checkout.PaymentRequiresAction || !res.Async || res.Action == nil || res.Action.Kind != checkout.NextActionVoucher {
		t.Fatalf("result %+v", res)
	}
	v := res.Action.Voucher
	if v.Entity != easypaytest.Entity || !refRE.MatchString(v.Reference) {
		t.Fatalf("voucher %+v", v)
	}
	if want := now.Add(easypay.DefaultVoucherTTL); !res.Action.ExpiresAt.Equal(want) {
		t.Fatalf("expires %v, want %v", res.Action.ExpiresAt, want)
	}
	got, ok := srv.Payment(res.ProviderRef)
	if !ok {
		t.Fatalf("no payment %s at Easypay", res.ProviderRef)
	}
	// What Easypay was sent: the amount in euros, our payment id as the
	// merchant key, the deadline, the customer, the account's name.
	if got.Value != 45.50 || got.Key != pay.ID || got.Currency != "EUR" || !got.Expiration.Equal(res.Action.ExpiresAt) ||
		got.CustomerName != "Ana Sousa" || got.CustomerEmail != "ana@example.pt" || got.Descriptive != "Loja do Bairro" || got.Reference != v.Reference {
		t.Fatalf("at Easypay: %+v", got)
	}
}

func TestStartWithoutCustomer(t *testing.T) {
	srv := easypaytest.New(t)
	tn := newTenant(t, srv, func(o *easypay.Options) { o.VoucherTTL = time.Hour })
	res := tn.start(t, payment(50, "EUR"), &checkout.Session{ID: "cs_2"})
	got, _ := srv.Payment(res.ProviderRef)
	if got.CustomerName != "" || got.CustomerEmail != "" || got.Value != 0.5 || !res.Action.ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("at Easypay: %+v, result %+v", got, res)
	}
}

// Refused before Easypay is asked: nothing is created.
func TestStartRefusesBadInputBeforeAnyCall(t *testing.T) {
	srv := easypaytest.New(t)
	tn := newTenant(t, srv, nil)
	for _, c := range []struct {
		pay   *checkout.Payment
		param string
	}{
		{payment(4500, "GBP"), "currency"},
		{payment(49, "EUR"), "amount"},
	} {
		_, err := tn.p.Start(context.Background(), checkout.StartRequest{Payment: c.pay, IdempotencyKey: "k_" + c.pay.ID})
		var e *checkout.Error
		if tn.saw(err) == nil || !asError(err, &e) || e.Kind != checkout.KindInvalid || e.Param != c.param {
			t.Errorf("%s: %v, want invalid %s", c.param, err, c.param)
		}
	}
	if n := srv.Requests(); n != 0 {
		t.Fatalf("%d requests reached Easypay", n)
	}
}

func asError(err error, e **checkout.Error) bool {
	ce, ok := err.(*checkout.Error)
	*e = ce
	return ok
}

// Easypay's 400 is an error naming its message; it is not retried.
func TestStartBadFieldAtEasypay(t *testing.T) {
	srv := easypaytest.New(t)
	tn := newTenant(t, srv, nil)
	pay := payment(1000, "EUR")
	_, err := tn.p.Start(context.Background(), checkout.StartRequest{Payment: pay, Session: &checkout.Session{CustomerEmail: "not an email"}, IdempotencyKey: "k_" + pay.ID})
	if tn.saw(err) == nil || !strings.Contains(err.Error(), "400") || !strings.Contains(err.Error(), "customer.email") {
		t.Fatalf("err %v", err)
	}
	if srv.Requests() != 1 || srv.Creates() != 0 {
		t.Fatalf("requests %d, creates %d", srv.Requests(), srv.Creates())
	}
}

func TestWrongCredentials(t *testing.T) {
	srv := easypaytest.New(t)
	acct, _ := srv.NewAccount()
	const wrongKey = "0b9a7c5e-1111-4222-8333-944455556666"
	p, err := easypay.New(options(srv), shop, false, checkout.Credentials{"account_id": acct, "api_key": wrongKey})
	if err != nil {
		t.Fatal(err)
	}
	pay := payment(1000, "EUR")
	_, err = p.Start(context.Background(), checkout.StartRequest{Payment: pay, IdempotencyKey: "k_" + pay.ID})
	if err == nil || !strings.Contains(err.Error(), "403") || strings.Contains(err.Error(), wrongKey) {
		t.Fatalf("err %v", err)
	}
	pay.ProviderRef = "5eca7446-14e9-47bb-aabb-5ee237159b8b"
	if _, err := p.Poll(context.Background(), pay); err == nil || strings.Contains(err.Error(), wrongKey) {
		t.Fatalf("poll: %v", err)
	}
	if srv.Creates() != 0 {
		t.Fatal("created with wrong credentials")
	}
}

// The first answer is lost to the timeout; the retry carries the same
// Idempotency-Key and body, and Easypay answers the same payment again.
func TestRetryAfterTimeoutIsTheSamePayment(t *testing.T) {
	srv := easypaytest.New(t)
	// A clock a minute later at every reading: a Start repeated later must
	// still send the same body.
	tn := newTenant(t, srv, func(o *easypay.Options) {
		o.Gateway.Timeout = 300 * time.Millisecond
		o.Clock = &tickingClock{t: now}
	})
	srv.Slow(5 * time.Second)
	pay := payment(2000, "EUR")
	pay.Created = time.Now().Add(-time.Minute)
	res := tn.start(t, pay, nil)
	if srv.Requests() != 2 || srv.Creates() != 1 {
		t.Fatalf("requests %d, creates %d", srv.Requests(), srv.Creates())
	}
	if got, ok := srv.Payment(res.ProviderRef); !ok || got.Key != pay.ID {
		t.Fatalf("result %+v is not the payment made", res)
	}
	// A second Start of the same attempt (the service's own retry) is the
	// same payment too.
	again := tn.start(t, pay, nil)
	if again.ProviderRef != res.ProviderRef || again.Action.Voucher.Reference != res.Action.Voucher.Reference || srv.Creates() != 1 ||
		!again.Action.ExpiresAt.Equal(pay.Created.Add(easypay.DefaultVoucherTTL).Truncate(time.Second)) {
		t.Fatalf("second start %+v, first %+v, creates %d", again, res, srv.Creates())
	}
}

func TestTransientErrorsRetried(t *testing.T) {
	srv := easypaytest.New(t)
	tn := newTenant(t, srv, nil)
	srv.FailNext(503, 502)
	tn.start(t, payment(2000, "EUR"), nil)
	if srv.Requests() != 3 || srv.Creates() != 1 {
		t.Fatalf("requests %d, creates %d", srv.Requests(), srv.Creates())
	}
}

// Easypay never answering in time is an error, after a bounded number of
// tries, and still one payment at most.
func TestTimeoutIsAnError(t *testing.T) {
	srv := easypaytest.New(t)
	tn := newTenant(t, srv, func(o *easypay.Options) { o.Gateway.Timeout = 100 * time.Millisecond })
	srv.Slow(5*time.Second, 5*time.Second, 5*time.Second, 5*time.Second)
	pay := payment(2000, "EUR")
	_, err := tn.p.Start(context.Background(), checkout.StartRequest{Payment: pay, IdempotencyKey: "k_" + pay.ID})
	if tn.saw(err) == nil {
		t.Fatal("no error")
	}
	if srv.Requests() != 3 || srv.Creates() != 1 {
		t.Fatalf("requests %d, creates %d", srv.Requests(), srv.Creates())
	}
	pay.ProviderRef = "5eca7446-14e9-47bb-aabb-5ee237159b8b"
	srv.Slow(5*time.Second, 5*time.Second, 5*time.Second)
	if _, err := tn.p.Poll(context.Background(), pay); tn.saw(err) == nil {
		t.Fatal("poll: no error")
	}
}

func TestPoll(t *testing.T) {
	srv := easypaytest.New(t)
	tn := newTenant(t, srv, nil)
	ctx := context.Background()

	paid := payment(4500, "EUR")
	tn.start(t, paid, nil)
	res, err := tn.p.Poll(ctx, paid)
	if tn.saw(err) != nil || res.Status != checkout.PaymentRequiresAction || !res.Async || res.Action.Voucher.Reference != paid.Action.Voucher.Reference {
		t.Fatalf("pending: %+v %v", res, err)
	}
	srv.MarkPaid(paid.ProviderRef)
	if res, err = tn.p.Poll(ctx, paid); tn.saw(err) != nil || res.Status != checkout.PaymentSucceeded {
		t.Fatalf("paid: %+v %v", res, err)
	}
	// Paid, but not the payment's amount: never believed; the payment
	// keeps awaiting its voucher.
	short := *paid
	short.Amount = 4600
	if res, err := tn.p.Poll(ctx, &short); tn.saw(err) != nil || res.Status != checkout.PaymentRequiresAction {
		t.Fatalf("paid a different amount: %+v %v", res, err)
	}
	// A payment whose create got no answer has no reference anyone could
	// pay: it fails rather than being asked about for ever.
	unstarted := *paid
	unstarted.ProviderRef = ""
	if res, err := tn.p.Poll(ctx, &unstarted); err != nil || res.Status != checkout.PaymentFailed || res.FailureCode != "processing_error" {
		t.Fatalf("never started: %+v %v", res, err)
	}
	// Another payment's Easypay id.
	other := *paid
	other.ID = "pay_other"
	if _, err := tn.p.Poll(ctx, &other); tn.saw(err) == nil {
		t.Fatal("another payment's Easypay id: no error")
	}

	lapsed := payment(4500, "EUR")
	tn.start(t, lapsed, nil)
	srv.MarkFailed(lapsed.ProviderRef)
	if res, err = tn.p.Poll(ctx, lapsed); tn.saw(err) != nil || res.Status != checkout.PaymentFailed || res.FailureCode != "voucher_expired" {
		t.Fatalf("failed: %+v %v", res, err)
	}
	deleted := payment(4500, "EUR")
	tn.start(t, deleted, nil)
	srv.MarkDeleted(deleted.ProviderRef)
	if res, err = tn.p.Poll(ctx, deleted); tn.saw(err) != nil || res.Status != checkout.PaymentFailed || res.FailureCode != "voucher_canceled" {
		t.Fatalf("deleted: %+v %v", res, err)
	}
}

func post(body []byte) checkout.Inbound {
	return checkout.Inbound{Method: "POST", Header: map[string][]string{"Content-Type": {"application/json"}}, Body: body}
}

func TestNotificationIsVerifiedByAskingEasypay(t *testing.T) {
	srv := easypaytest.New(t)
	tn := newTenant(t, srv, nil)
	ctx := context.Background()
	pay := payment(4500, "EUR")
	tn.start(t, pay, nil)

	// A forged "paid" for a payment Easypay still has pending: no result.
	forged := easypaytest.Notification(pay.ProviderRef, pay.ID, "capture", "success")
	ns, err := tn.p.HandleNotification(ctx, post(forged))
	if tn.saw(err) != nil || len(ns) != 0 {
		t.Fatalf("forged: %+v %v", ns, err)
	}

	body := srv.MarkPaid(pay.ProviderRef)
	ns, err = tn.p.HandleNotification(ctx, post(body))
	if tn.saw(err) != nil || len(ns) != 1 {
		t.Fatalf("paid: %+v %v", ns, err)
	}
	n := ns[0]
	if n.ProviderRef != pay.ProviderRef || n.PaymentID != pay.ID || n.Amount != 4500 || n.Result.Status != checkout.PaymentSucceeded {
		t.Fatalf("notification %+v", n)
	}
	// The body's own words count for nothing: a "failed" naming a paid
	// payment reports it paid, and a key naming another payment is ignored.
	ns, err = tn.p.HandleNotification(ctx, post(easypaytest.Notification(pay.ProviderRef, "pay_someone_else", "capture", "failed")))
	if tn.saw(err) != nil || len(ns) != 1 || ns[0].PaymentID != pay.ID || ns[0].Result.Status != checkout.PaymentSucceeded {
		t.Fatalf("lying body: %+v %v", ns, err)
	}

	// A customer who paid another amount: the notification says what was
	// paid (the service refuses it), and Poll refuses it itself.
	odd := payment(4500, "EUR")
	tn.start(t, odd, nil)
	ns, err = tn.p.HandleNotification(ctx, post(srv.MarkPaidAmount(odd.ProviderRef, 40)))
	if tn.saw(err) != nil || len(ns) != 1 || ns[0].Amount != 4000 || ns[0].PaymentID != odd.ID {
		t.Fatalf("another amount: %+v %v", ns, err)
	}
	if res, err := tn.p.Poll(ctx, odd); tn.saw(err) != nil || res.Status != checkout.PaymentRequiresAction {
		t.Fatalf("poll of a payment paid another amount: %+v %v", res, err)
	}

	lapsed := payment(4500, "EUR")
	tn.start(t, lapsed, nil)
	ns, err = tn.p.HandleNotification(ctx, post(srv.MarkFailed(lapsed.ProviderRef)))
	if tn.saw(err) != nil || len(ns) != 1 || ns[0].Result.Status != checkout.PaymentFailed || ns[0].Amount != 0 {
		t.Fatalf("failed: %+v %v", ns, err)
	}
}

func TestNotificationRefusedUnlessEasypayKnowsThePayment(t *testing.T) {
	srv := easypaytest.New(t)
	tn := newTenant(t, srv, nil)
	other := newTenant(t, srv, nil)
	ctx := context.Background()

	theirs := payment(4500, "EUR")
	other.start(t, theirs, nil)
	body := srv.MarkPaid(theirs.ProviderRef)

	for name, c := range map[string]struct {
		in   checkout.Inbound
		kind checkout.Kind
	}{
		"unknown id":            {post(easypaytest.Notification("5eca7446-14e9-47bb-aabb-5ee237159b8b", "pay_x", "capture", "success")), checkout.KindUnauthorized},
		"another tenant's":      {post(body), checkout.KindUnauthorized},
		"an id that is no id":   {post([]byte(`{"id":"../config","type":"capture","status":"success"}`)), checkout.KindInvalid},
		"not JSON":              {post([]byte(`id=1`)), checkout.KindInvalid},
		"a GET":                 {checkout.Inbound{Method: "GET", Body: body}, checkout.KindInvalid},
		"an empty notification": {post([]byte(`{}`)), checkout.KindInvalid},
	} {
		before := srv.Requests()
		ns, err := tn.p.HandleNotification(ctx, c.in)
		var e *checkout.Error
		if tn.saw(err) == nil || len(ns) != 0 || !asError(err, &e) || e.Kind != c.kind {
			t.Errorf("%s: %+v %v, want a %s error", name, ns, err, c.kind)
		}
		if c.kind == checkout.KindInvalid && srv.Requests() != before {
			t.Errorf("%s: Easypay was asked", name)
		}
	}
}

func TestConfirmAndRefundRefused(t *testing.T) {
	srv := easypaytest.New(t)
	tn := newTenant(t, srv, nil)
	pay := payment(4500, "EUR")
	_, err := tn.p.Refund(context.Background(), pay, 4500, "re_1")
	if e, ok := err.(*checkout.Error); !ok || e.Kind != checkout.KindState || e.Code != "refund_unsupported" {
		t.Fatalf("refund: %v", err)
	}
	if _, err := tn.p.Confirm(context.Background(), pay, checkout.ConfirmRequest{Completed: true}); checkout.ErrorKind(err) != checkout.KindState {
		t.Fatalf("confirm: %v", err)
	}
	if srv.Requests() != 0 {
		t.Fatal("Easypay was asked")
	}
}

func TestFactory(t *testing.T) {
	srv := easypaytest.New(t)
	acct, key := srv.NewAccount()
	simulator := sim.New(fixedClock{now})
	o := options(srv)
	o.StandIn = sim.StandIn(simulator, "easypay", checkout.MethodMultibanco)
	f := easypay.Factory(o)

	// Test mode without credentials: the simulator under Easypay's name.
	p, err := f(shop, false, nil)
	if err != nil || p.Name() != "easypay" {
		t.Fatalf("stand-in: %v %v", p, err)
	}
	if _, ok := p.(*easypay.Provider); ok {
		t.Fatal("no credentials built the gateway")
	}
	// Live without credentials: unavailable.
	if _, err := f(shop, true, nil); checkout.ErrorKind(err) != checkout.KindState {
		t.Fatalf("live without credentials: %v", err)
	}
	// With credentials: the gateway, in either mode.
	creds := checkout.Credentials{"account_id": acct, "api_key": key}
	for _, live := range []bool{false, true} {
		if p, err := f(shop, live, creds); err != nil {
			t.Fatalf("live=%v: %v", live, err)
		} else if _, ok := p.(*easypay.Provider); !ok {
			t.Fatalf("live=%v: %T", live, p)
		}
	}
	// A sandbox account never takes live payments.
	if _, err := f(shop, true, checkout.Credentials{"account_id": acct, "api_key": key, "environment": "sandbox"}); checkout.ErrorKind(err) != checkout.KindState {
		t.Fatalf("sandbox live: %v", err)
	}
	// A stand-in on loopback is refused unless the guard allows private
	// targets; the documented hosts need no such allowance.
	o.Gateway.Policy.AllowPrivate = false
	if _, err := easypay.Factory(o)(shop, false, creds); err == nil {
		t.Fatal("loopback base accepted without AllowPrivate")
	}
	o.APIURL = ""
	for _, env := range []string{"", "production", "sandbox"} {
		if _, err := easypay.Factory(o)(shop, false, checkout.Credentials{"account_id": acct, "api_key": key, "environment": env}); err != nil {
			t.Fatalf("environment %q: %v", env, err)
		}
	}
}
