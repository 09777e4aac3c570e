package service_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/service"
	"github.com/checkoutd/checkoutd/store/sqlite"
)

type fixture struct {
	cfg   service.Config // what svc was built from (see configure)
	svc   *service.Service
	store checkout.Store
	dir   string
	logs  *bytes.Buffer
	scope checkout.Scope
	ctx   context.Context
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	store, err := sqlite.Open(filepath.Join(dir, "checkoutd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	logs := &bytes.Buffer{}
	cfg := service.Config{Store: store, PublicURL: "http://checkout.test",
		Log:       slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Providers: simRegistry(sim.New(checkout.SystemClock{}))}
	svc := service.New(cfg)
	ctx := context.Background()
	a, _, err := svc.CreateAccount(ctx, service.AccountParams{ID: "acct_shop", Name: "Shop", DefaultCurrency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{cfg: cfg, svc: svc, store: store, dir: dir, logs: logs, scope: checkout.Scope{AccountID: a.ID}, ctx: ctx}
}

// configure changes f's service config and builds a new service from it,
// over the same store.
func (f *fixture) configure(change func(*service.Config)) {
	change(&f.cfg)
	f.svc = service.New(f.cfg)
}

// simRegistry serves test mode with the simulator, as checkoutd serve does.
func simRegistry(p *sim.Provider) *service.Registry {
	r := service.NewRegistry()
	r.Register("sim", sim.Factory(p))
	r.Route(false, "sim", checkout.MethodCard, checkout.MethodMultibanco, checkout.MethodInStore)
	return r
}

func (f *fixture) session(t *testing.T, methods ...string) *checkout.Session {
	t.Helper()
	amount := int64(9999)
	s, err := f.svc.CreateSession(f.ctx, f.scope, &service.SessionParams{Amount: &amount, SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no", PaymentMethodTypes: methods})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func card(number, cvc string) *checkout.Card {
	return &checkout.Card{Number: number, ExpMonth: 12, ExpYear: time.Now().Year() + 3, CVC: cvc}
}

func (f *fixture) events(t *testing.T) []string {
	t.Helper()
	p, err := f.store.ListEvents(f.ctx, f.scope, checkout.EventFilter{ListParams: checkout.ListParams{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for i := len(p.Items) - 1; i >= 0; i-- {
		types = append(types, p.Items[i].Type)
	}
	return types
}

func TestPayWithCard(t *testing.T) {
	f := newFixture(t)
	s := f.session(t)
	sess, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123"), Email: "c@shop.example"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != checkout.PaymentSucceeded || p.CardBrand != "visa" || p.CardLast4 != "4242" || p.Amount != 9999 || p.Currency != "EUR" {
		t.Fatalf("payment %+v", p)
	}
	if sess.Status != checkout.SessionComplete || sess.PaymentStatus != checkout.PaymentPaid || sess.Payment != p.ID || sess.CustomerEmail != "c@shop.example" || sess.PaymentInFlight != "" {
		t.Fatalf("session %+v", sess)
	}
	if got := f.events(t); len(got) != 2 || got[0] != checkout.EventSessionCompleted || got[1] != checkout.EventPaymentSucceeded {
		t.Fatalf("events %v", got)
	}
	if _, _, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")}); checkout.ErrorKind(err) != checkout.KindState {
		t.Fatalf("paid twice: %v", err)
	}
}

func TestDeclineThenRetry(t *testing.T) {
	f := newFixture(t)
	s := f.session(t)
	for number, code := range map[string]string{
		"4000000000000002": "card_declined", "4000000000009995": "insufficient_funds",
		"4000000000000069": "expired_card", "4000000000000127": "incorrect_cvc",
	} {
		sess, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card(number, "123")})
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != checkout.PaymentFailed || p.FailureCode != code || p.FailureMessage == "" || sess.Status != checkout.SessionOpen {
			t.Fatalf("%s: payment %+v session %s", number, p, sess.Status)
		}
	}
	sess, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("5555555555554444", "123")})
	if err != nil || p.Status != checkout.PaymentSucceeded || sess.Status != checkout.SessionComplete || p.CardBrand != "mastercard" {
		t.Fatalf("retry: %v %+v", err, p)
	}
	list, _ := f.svc.ListPayments(f.ctx, f.scope, checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 10}, SessionID: s.ID})
	if len(list.Items) != 5 {
		t.Fatalf("%d payments", len(list.Items))
	}
}

func TestCardTestingLimit(t *testing.T) {
	f := newFixture(t)
	f.configure(func(c *service.Config) { c.MaxFailedAttempts = 2 })
	s := f.session(t)
	for range 2 {
		f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4000000000000002", "123")})
	}
	_, _, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")})
	if e, ok := err.(*checkout.Error); !ok || e.Code != "too_many_attempts" {
		t.Fatalf("third attempt: %v", err)
	}
}

// holdStore lets one Commit, made with a context carrying holdKey, wait
// until the test lets it go: a request that has read what it decides on and
// is about to write, with another request slipping in between.
type holdStore struct {
	checkout.Store
	once    sync.Once
	arrived chan struct{} // closed when the held Commit arrives
	release chan struct{} // closed by the test to let it through
}

type holdKey struct{}

func (h *holdStore) Commit(ctx context.Context, c checkout.Change) error {
	if ctx.Value(holdKey{}) != nil {
		h.once.Do(func() {
			close(h.arrived)
			<-h.release
		})
	}
	return h.Store.Commit(ctx, c)
}

// The card-testing limit holds when a declined attempt is recorded between
// another attempt's read of the session and its claim: the count is checked
// again on the copy the claim's compare-and-set writes over.
func TestCardTestingLimitRace(t *testing.T) {
	f := newFixture(t)
	f.configure(func(c *service.Config) { c.MaxFailedAttempts = 2 })
	s := f.session(t)
	declined := service.PayParams{Method: "card", Card: card("4000000000000002", "123")}
	if _, p, err := f.svc.Pay(f.ctx, s.ID, declined); err != nil || p.Status != checkout.PaymentFailed {
		t.Fatalf("first attempt: %v", err)
	}
	h := &holdStore{Store: f.store, arrived: make(chan struct{}), release: make(chan struct{})}
	f.configure(func(c *service.Config) { c.Store = h })
	late := make(chan error, 1)
	go func() {
		// Reads the session at one failed attempt, then waits to claim it.
		_, _, err := f.svc.Pay(context.WithValue(f.ctx, holdKey{}, true), s.ID, declined)
		late <- err
	}()
	<-h.arrived
	if _, p, err := f.svc.Pay(f.ctx, s.ID, declined); err != nil || p.Status != checkout.PaymentFailed {
		t.Fatalf("second attempt: %v", err)
	}
	close(h.release)
	if err := <-late; checkout.ErrorKind(err) != checkout.KindState || err.(*checkout.Error).Code != "too_many_attempts" {
		t.Errorf("the attempt that read the session before the limit was reached: %v, want too_many_attempts", err)
	}
	got, err := f.store.FindSession(f.ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	list, _ := f.svc.ListPayments(f.ctx, f.scope, checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 10}, SessionID: s.ID})
	if got.FailedAttempts != 2 || len(list.Items) != 2 {
		t.Errorf("%d failed attempts, %d payments; want 2 and 2", got.FailedAttempts, len(list.Items))
	}

	// Many at once: never more declined attempts than the limit.
	f.configure(func(c *service.Config) { c.Store = f.store })
	s = f.session(t)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for {
				_, _, err := f.svc.Pay(f.ctx, s.ID, declined)
				if e, ok := err.(*checkout.Error); ok && e.Code == "too_many_attempts" {
					return
				} else if err != nil && !checkout.IsKind(err, checkout.KindState) && !checkout.IsKind(err, checkout.KindConflict) {
					t.Errorf("Pay: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	list, _ = f.svc.ListPayments(f.ctx, f.scope, checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 100}, SessionID: s.ID})
	if got, _ := f.store.FindSession(f.ctx, s.ID); got.FailedAttempts != 2 || len(list.Items) != 2 {
		t.Errorf("16 at once: %d failed attempts, %d payments; want 2 and 2", got.FailedAttempts, len(list.Items))
	}
}

func TestInvalidCardWritesNothing(t *testing.T) {
	f := newFixture(t)
	s := f.session(t)
	for _, c := range []*checkout.Card{card("4242424242424241", "123"), card("4242424242424242", "12"), {Number: "4242424242424242", ExpMonth: 1, ExpYear: 2020, CVC: "123"}} {
		_, _, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: c})
		if checkout.ErrorKind(err) != checkout.KindCard || err.(*checkout.Error).Param == "" {
			t.Fatalf("%v: %v", c, err)
		}
	}
	if _, _, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "multibanco"}); checkout.ErrorKind(err) != checkout.KindInvalid {
		t.Fatalf("method not allowed: %v", err)
	}
	list, _ := f.svc.ListPayments(f.ctx, f.scope, checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 10}})
	if len(list.Items) != 0 || len(f.events(t)) != 0 {
		t.Fatal("a refused attempt wrote")
	}
}

func TestThreeDSecure(t *testing.T) {
	f := newFixture(t)
	s := f.session(t)
	_, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4000002760003184", "123")})
	if err != nil || p.Status != checkout.PaymentRequiresAction || !p.Action.IsChallenge() {
		t.Fatalf("%v %+v", err, p)
	}
	_, failed, err := f.svc.ConfirmPayment(f.ctx, s.ID, p.ID, checkout.ConfirmRequest{Completed: false})
	if err != nil || failed.Status != checkout.PaymentFailed || failed.FailureCode != "authentication_failed" {
		t.Fatalf("fail: %v %+v", err, failed)
	}
	_, p2, _ := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4000002760003184", "123")})
	sess, ok, err := f.svc.ConfirmPayment(f.ctx, s.ID, p2.ID, checkout.ConfirmRequest{Completed: true})
	if err != nil || ok.Status != checkout.PaymentSucceeded || sess.Status != checkout.SessionComplete {
		t.Fatalf("complete: %v %+v", err, ok)
	}
	if _, _, err := f.svc.ConfirmPayment(f.ctx, s.ID, p2.ID, checkout.ConfirmRequest{Completed: true}); checkout.ErrorKind(err) != checkout.KindState {
		t.Fatalf("confirmed twice: %v", err)
	}
}

// A challenge completed after another tab paid must not succeed.
func TestThreeDSecureAfterOtherTabPaid(t *testing.T) {
	f := newFixture(t)
	s := f.session(t)
	_, p, _ := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4000002760003184", "123")})
	if _, p2, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")}); err != nil || p2.Status != checkout.PaymentSucceeded {
		t.Fatalf("other tab: %v", err)
	}
	_, late, err := f.svc.ConfirmPayment(f.ctx, s.ID, p.ID, checkout.ConfirmRequest{Completed: true})
	if err != nil || late.Status != checkout.PaymentCanceled {
		t.Fatalf("late challenge: %v %+v", err, late)
	}
}

func TestMultibanco(t *testing.T) {
	f := newFixture(t)
	for _, succeed := range []bool{true, false} {
		s := f.session(t, "card", "multibanco")
		sess, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "multibanco"})
		if err != nil || p.Status != checkout.PaymentRequiresAction || p.Action.Kind != checkout.NextActionVoucher || len(p.Action.Voucher.Reference) != 9 || p.Action.Voucher.Entity == "" {
			t.Fatalf("%v %+v", err, p)
		}
		if sess.Status != checkout.SessionComplete || sess.PaymentStatus != checkout.PaymentUnpaid {
			t.Fatalf("session %s/%s", sess.Status, sess.PaymentStatus)
		}
		p, err = f.svc.SettlePayment(f.ctx, f.scope, p.ID, succeed)
		if err != nil {
			t.Fatal(err)
		}
		after, _ := f.svc.GetSession(f.ctx, f.scope, s.ID)
		if succeed && (p.Status != checkout.PaymentSucceeded || after.PaymentStatus != checkout.PaymentPaid) {
			t.Fatalf("settled: %+v %s", p, after.PaymentStatus)
		}
		if !succeed && (p.Status != checkout.PaymentFailed || after.PaymentStatus != checkout.PaymentUnpaid || p.FailureCode != service.TestHelperFailureCode) {
			t.Fatalf("failed: %+v %s", p, after.PaymentStatus)
		}
		if _, err := f.svc.SettlePayment(f.ctx, f.scope, p.ID, true); checkout.ErrorKind(err) != checkout.KindState {
			t.Fatalf("settled twice: %v", err)
		}
	}
	want := []string{
		checkout.EventSessionCompleted, checkout.EventAsyncPaymentSucceeded, checkout.EventPaymentSucceeded,
		checkout.EventSessionCompleted, checkout.EventAsyncPaymentFailed, checkout.EventPaymentFailed,
	}
	if got := f.events(t); len(got) != len(want) {
		t.Fatalf("events %v", got)
	} else {
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("events %v, want %v", got, want)
			}
		}
	}
	if _, err := f.svc.SettlePayment(f.ctx, checkout.Scope{AccountID: "acct_shop", Livemode: true}, "pay_x", true); checkout.ErrorKind(err) != checkout.KindForbidden {
		t.Fatalf("live settle: %v", err)
	}
}

func TestExpiredSessionCannotBePaid(t *testing.T) {
	f := newFixture(t)
	s := f.session(t)
	if _, err := f.svc.ExpireSession(f.ctx, f.scope, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")}); checkout.ErrorKind(err) != checkout.KindState {
		t.Fatalf("paid an expired session: %v", err)
	}
}

func TestTwoTabsPayAtOnce(t *testing.T) {
	f := newFixture(t)
	for round := range 5 {
		s := f.session(t)
		var wg sync.WaitGroup
		var mu sync.Mutex
		succeeded := 0
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")})
				if err == nil && p.Status == checkout.PaymentSucceeded {
					mu.Lock()
					succeeded++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		list, _ := f.svc.ListPayments(f.ctx, f.scope, checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 100}, SessionID: s.ID})
		stored := 0
		for _, p := range list.Items {
			if p.Status == checkout.PaymentSucceeded {
				stored++
			}
		}
		if succeeded != 1 || stored != 1 {
			t.Fatalf("round %d: %d callers saw success, %d succeeded payments stored", round, succeeded, stored)
		}
	}
}

// TestNoCardDataAtRest pays with every test card and then looks for the full
// numbers and CVCs in every file of the data directory and in the logs.
func TestNoCardDataAtRest(t *testing.T) {
	f := newFixture(t)
	numbers := []string{"4242424242424242", "5555555555554444", "4000000000000002", "4000000000009995", "4000000000000069", "4000000000000127", "4000000000000119", "4000002760003184"}
	const cvc = "739"
	for _, n := range numbers {
		s := f.session(t)
		_, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card(n, cvc)})
		if err != nil {
			t.Fatal(err)
		}
		if p.Status == checkout.PaymentRequiresAction {
			f.svc.ConfirmPayment(f.ctx, s.ID, p.ID, checkout.ConfirmRequest{Completed: true})
		}
	}
	f.store.Close() // flush the WAL into the main file too
	var blobs [][]byte
	entries, _ := os.ReadDir(f.dir)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(f.dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		blobs = append(blobs, b)
	}
	blobs = append(blobs, f.logs.Bytes())
	for _, b := range blobs {
		for _, n := range numbers {
			if bytes.Contains(b, []byte(n)) {
				t.Fatalf("card number %s found at rest", n)
			}
		}
		if bytes.Contains(b, []byte(`"739"`)) || bytes.Contains(b, []byte(`:739`)) {
			t.Fatal("a CVC found at rest")
		}
	}
}

func TestUnpaidVoucherFailsWhenDue(t *testing.T) {
	f := newFixture(t)
	prov := sim.New(checkout.SystemClock{})
	prov.VoucherTTL = time.Millisecond
	f.configure(func(c *service.Config) { c.Providers = simRegistry(prov) })
	s := f.session(t, "multibanco")
	_, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "multibanco"})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if n, err := f.svc.SweepDuePayments(f.ctx); err != nil || n != 1 {
		t.Fatalf("SweepDuePayments = %d, %v", n, err)
	}
	p, _ = f.svc.GetPayment(f.ctx, f.scope, p.ID)
	if p.Status != checkout.PaymentFailed || p.FailureCode != "voucher_expired" {
		t.Fatalf("payment %+v", p)
	}
	if n, _ := f.svc.SweepDuePayments(f.ctx); n != 0 {
		t.Fatalf("failed again: %d", n)
	}
	if got := f.events(t); got[len(got)-2] != checkout.EventAsyncPaymentFailed {
		t.Fatalf("events %v", got)
	}
}

// TestMerchantEmailIsLocked: a customer_email the merchant set is the
// session's for good, as on Stripe: a pay request with another address is
// refused (KindInvalid naming customer_email) and writes nothing; the same
// address, in any case, or none, pays and keeps the merchant's.
func TestMerchantEmailIsLocked(t *testing.T) {
	f := newFixture(t)
	amount := int64(9999)
	s, err := f.svc.CreateSession(f.ctx, f.scope, &service.SessionParams{Amount: &amount, SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no",
		CustomerEmail: "ama@shop.example", PaymentMethodTypes: []string{"card", "multibanco"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, method := range []checkout.Method{"card", "multibanco"} {
		pp := service.PayParams{Method: method, Email: "thief@attacker.example"}
		if method == "card" {
			pp.Card = card("4242424242424242", "123")
		}
		_, _, err := f.svc.Pay(f.ctx, s.ID, pp)
		if e, ok := err.(*checkout.Error); !ok || e.Kind != checkout.KindInvalid || e.Param != "customer_email" || e.Code != "email_locked" {
			t.Fatalf("%s with another email: %v, want KindInvalid email_locked on customer_email", method, err)
		}
	}
	got, err := f.store.FindSession(f.ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.CustomerEmail != "ama@shop.example" || got.Version != s.Version || got.PaymentInFlight != "" {
		t.Fatalf("a refused attempt wrote: email %q, version %d (was %d), in flight %q", got.CustomerEmail, got.Version, s.Version, got.PaymentInFlight)
	}
	list, _ := f.svc.ListPayments(f.ctx, f.scope, checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 10}})
	if len(list.Items) != 0 || len(f.events(t)) != 0 {
		t.Fatal("a refused attempt made a payment or an event")
	}

	// The same address in another case is the same address; a decline keeps it.
	if sess, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4000000000000002", "123"), Email: "AMA@shop.example"}); err != nil || p.Status != checkout.PaymentFailed || sess.CustomerEmail != "ama@shop.example" {
		t.Fatalf("declined with the same email: %v %+v %+v", err, p, sess)
	}
	sess, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")})
	if err != nil || p.Status != checkout.PaymentSucceeded || sess.CustomerEmail != "ama@shop.example" {
		t.Fatalf("paid without an email: %v %+v %+v", err, p, sess)
	}
}

// TestCustomerEmailCanBeCorrected: an email the customer typed is not
// locked: after a decline they may pay with another.
func TestCustomerEmailCanBeCorrected(t *testing.T) {
	f := newFixture(t)
	s := f.session(t)
	if _, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4000000000000002", "123"), Email: "typo@shop.exmaple"}); err != nil || p.Status != checkout.PaymentFailed {
		t.Fatalf("decline: %v %+v", err, p)
	}
	sess, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123"), Email: "kofi@shop.example"})
	if err != nil || p.Status != checkout.PaymentSucceeded || sess.CustomerEmail != "kofi@shop.example" {
		t.Fatalf("retry with a corrected email: %v %+v %+v", err, p, sess)
	}
}

// payAll pays every session at once with a good card and counts the
// payments that went through and those refused with a state error of one
// of codes; any other error fails the test.
func (f *fixture) payAll(t *testing.T, sessions []*checkout.Session, codes ...string) (paid, refused int) {
	t.Helper()
	errs := make([]error, len(sessions))
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Go(func() {
			_, _, errs[i] = f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123")})
		})
	}
	wg.Wait()
	for _, err := range errs {
		var e *checkout.Error
		switch {
		case err == nil:
			paid++
		case errors.As(err, &e) && e.Kind == checkout.KindState && slices.Contains(codes, e.Code):
			refused++
		default:
			t.Fatalf("pay: %v", err)
		}
	}
	return paid, refused
}
