package ifthenpay_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/netguard"
	"github.com/checkoutd/checkoutd/provider/gateway"
	"github.com/checkoutd/checkoutd/provider/ifthenpay"
	"github.com/checkoutd/checkoutd/provider/ifthenpay/ifthenpaytest"
)

const (
	mbKey    = "ABC-123456"
	antiKey  = "AntiPhish1234567"
	otherKey = "AntiPhish7654321"
)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

// options point the provider at the stand-in, reached through the SSRF
// guard with private targets allowed, as --ifthenpay-api-url and
// --webhook-allow-private would.
func options(base string) ifthenpay.Options {
	return ifthenpay.Options{APIURL: base, Clock: fixedClock{t0},
		Gateway: gateway.Options{Timeout: 2 * time.Second, Policy: netguard.Policy{AllowPrivate: true}}}
}

func payment(amount int64, currency string) *checkout.Payment {
	return &checkout.Payment{ID: "pay_0AbCdEfGhIjKlMnOpQrStUvWxYz0123", AccountID: "acct_a", Method: checkout.MethodMultibanco,
		Amount: amount, Currency: checkout.Currency(currency), Status: checkout.PaymentProcessing}
}

func apiProvider(t *testing.T, base string, livemode bool) *ifthenpay.Provider {
	t.Helper()
	p, err := ifthenpay.New(options(base), livemode, checkout.Credentials{"mb_key": mbKey, "anti_phishing_key": antiKey})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestStartAPI: a reference is requested with the documented body (test
// mode at the sandbox, live at init) and shown as the voucher Ifthenpay
// issued, due at the end of its expiry day.
func TestStartAPI(t *testing.T) {
	for _, livemode := range []bool{false, true} {
		gw := ifthenpaytest.New(t, mbKey)
		gw.Now = func() time.Time { return t0 }
		p := apiProvider(t, gw.URL, livemode)
		res, err := p.Start(context.Background(), checkout.StartRequest{Payment: payment(9999, "EUR"), IdempotencyKey: "checkoutd_pay_x"})
		if err != nil {
			t.Fatalf("live=%v: %v", livemode, err)
		}
		if probs := gw.Problems(); len(probs) > 0 {
			t.Fatalf("the stand-in found problems: %v", probs)
		}
		refs := gw.References()
		if len(refs) != 1 {
			t.Fatalf("%d references requested", len(refs))
		}
		r := refs[0]
		if r.Sandbox == livemode {
			t.Errorf("live=%v went to the sandbox=%v endpoint", livemode, r.Sandbox)
		}
		if r.Amount != "99.99" || r.MBKey != mbKey || r.OrderID != "fGhIjKlMnOpQrStUvWxYz0123" || r.ExpiryDays == nil || *r.ExpiryDays != 3 {
			t.Errorf("request %+v", r)
		}
		v := res.Action.Voucher
		if res.Status != checkout.PaymentRequiresAction || !res.Async || res.Action.Kind != checkout.NextActionVoucher ||
			v.Entity != ifthenpaytest.Entity || v.Reference != r.Reference || res.ProviderRef != r.Entity+":"+r.Reference {
			t.Errorf("result %+v, voucher %+v", res, v)
		}
		// Issued on 7 Dec with 3 days: payable to the end of 10 Dec.
		if want := time.Date(2026, 12, 11, 0, 0, 0, 0, time.UTC); !res.Action.ExpiresAt.Equal(want) {
			t.Errorf("expires %v, want %v", res.Action.ExpiresAt, want)
		}
	}
}

// TestStartAPIRefusedAndTimeout: a refused request and a gateway that does
// not answer in time are errors, neither retried (Ifthenpay's reference
// request has no idempotency: a retry would issue a second reference), and
// no error carries a credential.
func TestStartAPIRefusedAndTimeout(t *testing.T) {
	gw := ifthenpaytest.New(t) // knows no key
	p := apiProvider(t, gw.URL, false)
	_, err := p.Start(context.Background(), checkout.StartRequest{Payment: payment(1000, "EUR")})
	if err == nil || strings.Contains(err.Error(), mbKey) || strings.Contains(err.Error(), antiKey) {
		t.Fatalf("refused key: %v", err)
	}
	if gw.Calls() != 1 {
		t.Errorf("%d calls for one refused request", gw.Calls())
	}

	slow := ifthenpaytest.New(t, mbKey)
	slow.Delay = 3 * time.Second
	o := options(slow.URL)
	o.Gateway.Timeout = 200 * time.Millisecond
	p2, err := ifthenpay.New(o, false, checkout.Credentials{"mb_key": mbKey, "anti_phishing_key": antiKey})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p2.Start(context.Background(), checkout.StartRequest{Payment: payment(1000, "EUR")})
	if err == nil || strings.Contains(err.Error(), mbKey) {
		t.Fatalf("timeout: %v", err)
	}
	if n := slow.Calls(); n > 1 {
		t.Errorf("%d calls: the request was retried", n)
	}
}

// TestStartRefusesBeforeCalling: a payment in another currency, or an
// amount one reference cannot take, is bad input naming the field, and
// nothing is sent.
func TestStartRefusesBeforeCalling(t *testing.T) {
	gw := ifthenpaytest.New(t, mbKey)
	p := apiProvider(t, gw.URL, false)
	for field, pay := range map[string]*checkout.Payment{"currency": payment(1000, "USD"), "amount": payment(10_000_000, "EUR")} {
		_, err := p.Start(context.Background(), checkout.StartRequest{Payment: pay})
		var ce *checkout.Error
		if !errors.As(err, &ce) || ce.Kind != checkout.KindInvalid || ce.Param != field {
			t.Errorf("%s: %v, want invalid naming %s", field, err, field)
		}
	}
	if gw.Calls() != 0 {
		t.Errorf("%d calls for refused payments", gw.Calls())
	}
}

// refs is an in-memory checkout.RefAllocator (the service keeps the real
// one in the store).
type refs struct {
	mu   sync.Mutex
	next map[string]int
	held map[string]bool
}

func (r *refs) Next(ctx context.Context, key string, modulo int, inUse func(int) bool) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := 0; i < modulo; i++ {
		n := (r.next[key] + i) % modulo
		if !inUse(n) {
			r.next[key] = (n + 1) % modulo
			return n, nil
		}
	}
	return 0, checkout.Errorf(checkout.KindState, "references_exhausted", "all in use")
}

func (r *refs) Held(ctx context.Context, ref string) (bool, error) { return r.held[ref], nil }

// TestStartOffline: references computed from the entity and sub-entity,
// numbered by the allocator under the entity and sub-entity, the ones still
// held skipped; the deadline is the voucher lifetime.
func TestStartOffline(t *testing.T) {
	p, err := ifthenpay.New(options(""), true, checkout.Credentials{"entity": "12345", "sub_entity": "123", "anti_phishing_key": antiKey})
	if err != nil {
		t.Fatal(err)
	}
	a := &refs{next: map[string]int{}, held: map[string]bool{"12345:" + ifthenpay.Reference("12345", "123", 0, 2000): true}}
	res, err := p.Start(context.Background(), checkout.StartRequest{Payment: payment(2000, "eur"), Refs: a})
	if err != nil {
		t.Fatal(err)
	}
	// Order 0 is held: order 1, REFERENCE.md's first vector.
	if v := res.Action.Voucher; v.Entity != "12345" || v.Reference != "123000125" || res.ProviderRef != "12345:123000125" {
		t.Errorf("voucher %+v, ref %s", v, res.ProviderRef)
	}
	if !res.Action.ExpiresAt.Equal(t0.Add(ifthenpay.DefaultVoucherTTL)) || !res.Async || res.Status != checkout.PaymentRequiresAction {
		t.Errorf("result %+v", res)
	}
	if a.next["mb:12345:123"] != 2 {
		t.Errorf("counters %v", a.next)
	}
	if _, err := p.Start(context.Background(), checkout.StartRequest{Payment: payment(2000, "EUR")}); err == nil {
		t.Error("offline start without an allocator")
	}
}

// TestCallback: the callback is believed only with the account's key; it
// names the voucher's reference and the amount paid, in either the current
// or the older parameter names; a malformed one names its bad parameter.
func TestCallback(t *testing.T) {
	p := apiProvider(t, "http://127.0.0.1:1", true)
	r := ifthenpaytest.Reference{Entity: "11604", Reference: "123456789", Amount: "99.99", RequestID: "req1", OrderID: "o1"}
	in := func(q url.Values) checkout.Inbound { return checkout.Inbound{Method: "GET", Query: q} }

	ns, err := p.HandleNotification(context.Background(), in(ifthenpaytest.Callback(antiKey, r, t0)))
	if err != nil || len(ns) != 1 {
		t.Fatalf("%v %v", ns, err)
	}
	if n := ns[0]; n.ProviderRef != "11604:123456789" || n.Amount != 9999 || n.EventID != "req1" || n.Result.Status != checkout.PaymentSucceeded {
		t.Errorf("notification %+v", n)
	}
	ns, err = p.HandleNotification(context.Background(), in(ifthenpaytest.OfflineCallback(antiKey, "12345", "123000125", "20.00", t0)))
	if err != nil || len(ns) != 1 || ns[0].ProviderRef != "12345:123000125" || ns[0].Amount != 2000 || ns[0].EventID != "" {
		t.Errorf("older names: %+v %v", ns, err)
	}

	for name, q := range map[string]url.Values{
		"wrong key":   ifthenpaytest.Callback(otherKey, r, t0),
		"no key":      {"entity": {"11604"}, "reference": {"123456789"}, "amount": {"99.99"}},
		"empty key":   ifthenpaytest.Callback("", r, t0),
		"key prefix":  ifthenpaytest.Callback(antiKey[:8], r, t0),
		"two keys":    {"key": {otherKey, antiKey}, "entity": {"11604"}, "reference": {"123456789"}, "amount": {"99.99"}},
		"key + chave": {"key": {otherKey}, "chave": {antiKey}, "entity": {"11604"}, "reference": {"123456789"}, "amount": {"99.99"}},
	} {
		if _, err := p.HandleNotification(context.Background(), in(q)); checkout.ErrorKind(err) != checkout.KindUnauthorized {
			t.Errorf("%s: %v, want unauthorized", name, err)
		}
	}
	for param, q := range map[string]url.Values{
		"amount":    {"key": {antiKey}, "entity": {"11604"}, "reference": {"123456789"}, "amount": {"99,99"}},
		"valor":     {"chave": {antiKey}, "entidade": {"11604"}, "referencia": {"123456789"}, "valor": {"-1"}},
		"entity":    {"key": {antiKey}, "entity": {"1160"}, "reference": {"123456789"}, "amount": {"99.99"}},
		"reference": {"key": {antiKey}, "entity": {"11604"}, "reference": {"12345678x"}, "amount": {"99.99"}},
	} {
		_, err := p.HandleNotification(context.Background(), in(q))
		var ce *checkout.Error
		if !errors.As(err, &ce) || ce.Kind != checkout.KindInvalid || ce.Param != param {
			t.Errorf("bad %s: %v", param, err)
		}
	}
}

// TestRefundUnsupported: Ifthenpay refunds no Multibanco payment.
func TestRefundUnsupported(t *testing.T) {
	p := apiProvider(t, "http://127.0.0.1:1", true)
	_, err := p.Refund(context.Background(), payment(1000, "EUR"), 1000, "k")
	var ce *checkout.Error
	if !errors.As(err, &ce) || ce.Kind != checkout.KindState || ce.Code != "refund_unsupported" || !strings.Contains(ce.Message, "not supported by this provider") {
		t.Fatalf("refund: %v", err)
	}
}

// TestFactory: test mode without credentials is the stand-in; live without
// them is refused; with credentials it is Ifthenpay; bad credentials are
// refused without being echoed.
func TestFactory(t *testing.T) {
	standIn := func(*checkout.Account, bool, checkout.Credentials) (checkout.Provider, error) {
		return standInProvider{}, nil
	}
	f := ifthenpay.Factory(options("http://127.0.0.1:1"), standIn)
	acct := &checkout.Account{ID: "acct_a"}
	if p, err := f(acct, false, nil); err != nil || p.Name() != "standin" {
		t.Errorf("test mode without credentials: %v %v", p, err)
	}
	if _, err := f(acct, true, nil); checkout.ErrorKind(err) != checkout.KindState {
		t.Errorf("live without credentials: %v", err)
	}
	for _, livemode := range []bool{false, true} {
		if p, err := f(acct, livemode, checkout.Credentials{"entity": "12345", "sub_entity": "1", "anti_phishing_key": antiKey}); err != nil || p.Name() != ifthenpay.Name {
			t.Errorf("live=%v with credentials: %v %v", livemode, p, err)
		}
	}
	for _, c := range []checkout.Credentials{
		{"entity": "12345", "sub_entity": "1"},
		{"mb_key": "bad-key", "anti_phishing_key": antiKey},
		{"mb_key": mbKey, "entity": "12345", "sub_entity": "1", "anti_phishing_key": antiKey},
		{"entity": "1234", "sub_entity": "1", "anti_phishing_key": antiKey},
		{"entity": "12345", "sub_entity": "1234", "anti_phishing_key": antiKey},
	} {
		_, err := f(acct, true, c)
		if checkout.ErrorKind(err) != checkout.KindState || strings.Contains(err.Error(), antiKey) || strings.Contains(err.Error(), "bad-key") {
			t.Errorf("%v: %v", c, err)
		}
	}
	// A base URL the SSRF guard refuses (loopback without AllowPrivate).
	o := options("http://127.0.0.1:1")
	o.Gateway.Policy = netguard.Policy{}
	if _, err := ifthenpay.Factory(o, nil)(acct, true, checkout.Credentials{"mb_key": mbKey, "anti_phishing_key": antiKey}); checkout.ErrorKind(err) != checkout.KindState {
		t.Errorf("guarded base URL: %v", err)
	}
}

type standInProvider struct{ checkout.Provider }

func (standInProvider) Name() string { return "standin" }
