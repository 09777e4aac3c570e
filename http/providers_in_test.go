package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	chttp "github.com/checkoutd/checkoutd/http"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/service"
)

// notifier is a gateway double that is told of outcomes: its multibanco
// payments get a voucher, and its messages are JSON signed by an
// X-Notifier-Signature header (or a sig query parameter, for a GET
// callback) holding the mode's secret, as a real gateway's webhook secret
// or anti-phishing key is per mode. The real gateways are written apart;
// this double stands for any of them at the route.
type notifier struct {
	live bool
}

// The secrets of each mode: a message signed with one verifies only with
// that mode's provider.
const (
	notifierTestSecret = "nt_test_secret_2f9c"
	notifierLiveSecret = "nt_live_secret_8a1d"
)

var _ checkout.Notified = notifier{}

func (notifier) Name() string                           { return "notifier" }
func (notifier) Methods() []checkout.Method             { return []checkout.Method{checkout.MethodMultibanco} }
func (notifier) Page(checkout.Method) checkout.PageSpec { return checkout.PageSpec{} }

func (notifier) Start(_ context.Context, req checkout.StartRequest) (checkout.ProviderResult, error) {
	return checkout.ProviderResult{Status: checkout.PaymentRequiresAction, Async: true, ProviderRef: "nt_" + req.Payment.ID,
		Action: &checkout.NextAction{Kind: checkout.NextActionVoucher, ExpiresAt: req.Payment.Created.Add(72 * 3600e9),
			Voucher: &checkout.Voucher{Entity: "12345", Reference: "123456789"}}}, nil
}

func (notifier) Confirm(context.Context, *checkout.Payment, checkout.ConfirmRequest) (checkout.ProviderResult, error) {
	return checkout.ProviderResult{}, checkout.Errorf(checkout.KindState, "no_confirm", "nothing to confirm")
}

func (notifier) Refund(context.Context, *checkout.Payment, int64, string) (checkout.RefundResult, error) {
	return checkout.RefundResult{}, checkout.Errorf(checkout.KindState, "refund_unsupported", "not supported by this provider")
}

// notifierMessage is the double's message body.
type notifierMessage struct {
	Event  string `json:"event,omitempty"`
	Ref    string `json:"ref"`
	Status string `json:"status"`
	Amount int64  `json:"amount,omitempty"`
}

func (n notifier) HandleNotification(_ context.Context, in checkout.Inbound) ([]checkout.Notification, error) {
	secret := notifierTestSecret
	if n.live {
		secret = notifierLiveSecret
	}
	sig := ""
	if v := in.Header["X-Notifier-Signature"]; len(v) == 1 {
		sig = v[0]
	} else if v := in.Query["sig"]; len(v) == 1 {
		sig = v[0]
	}
	if sig == "unreachable" {
		// Asking the gateway back failed: not a forgery, a retry later
		// may verify it. The error names a URL with a key, as an HTTP
		// client's does.
		return nil, &url.Error{Op: "Get", URL: "https://api.notifier.test/payments?key=" + secret, Err: context.DeadlineExceeded}
	}
	if sig != secret {
		return nil, checkout.Errorf(checkout.KindUnauthorized, "bad_signature", "the notifier's signature does not match")
	}
	var m notifierMessage
	if in.Method == "GET" {
		m = notifierMessage{Ref: firstOf(in.Query["ref"]), Status: firstOf(in.Query["status"])}
	} else if err := json.Unmarshal(in.Body, &m); err != nil {
		return nil, checkout.Errorf(checkout.KindInvalid, "bad_body", "not the notifier's JSON")
	}
	return []checkout.Notification{{ProviderRef: m.Ref, EventID: m.Event, Amount: m.Amount,
		Result: checkout.ProviderResult{Status: checkout.PaymentState(m.Status)}}}, nil
}

// logBuffer keeps every log line, at every level, for tests that read
// what the server logged.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// newNotifierEnv is a server over a store of kind whose test-mode
// multibanco payments (and live ones) go to the notifier, with the
// service's log kept.
func newNotifierEnv(t *testing.T, kind string) (*env, *logBuffer) {
	t.Helper()
	e := newEnvOn(t, openStore(t, kind))
	logs := &logBuffer{}
	e.configure(func(c *service.Config) {
		r := service.NewRegistry()
		r.Register("sim", sim.Factory(sim.New(e.clock)))
		r.Register("notifier", func(_ *checkout.Account, live bool) (checkout.Provider, error) { return notifier{live: live}, nil })
		r.Route(false, "sim", checkout.MethodCard)
		r.Route(false, "notifier", checkout.MethodMultibanco)
		r.Route(true, "notifier", checkout.MethodMultibanco)
		c.Providers = r
		c.Log = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	return e, logs
}

// voucher makes a session of account acct in a mode paid by multibanco
// through the notifier and returns its payment, awaiting the voucher.
func (e *env) voucher(acct string, live bool) *checkout.Payment {
	e.t.Helper()
	ctx := context.Background()
	amount := int64(2450)
	s, err := e.svc.CreateSession(ctx, checkout.Scope{AccountID: acct, Livemode: live}, &service.SessionParams{Amount: &amount, Currency: "eur",
		SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no", PaymentMethodTypes: []string{"multibanco"}})
	if err != nil {
		e.t.Fatal(err)
	}
	_, p, err := e.svc.Pay(ctx, s.ID, service.PayParams{Method: checkout.MethodMultibanco})
	if err != nil || p.Provider != "notifier" || p.Status != checkout.PaymentRequiresAction {
		e.t.Fatalf("pay: %v %+v", err, p)
	}
	return p
}

// notify posts m to the notifier's webhook route of acct, signed with sig.
func (e *env) notify(acct, sig string, m notifierMessage) *response {
	e.t.Helper()
	b, _ := json.Marshal(m)
	return e.do("POST", "/providers/notifier/"+acct+"/webhooks", "", "application/json", b, "X-Notifier-Signature", sig)
}

// notes are the provider notifications recorded for a scope, newest first.
func (e *env) notes(scope checkout.Scope) []*checkout.ProviderNotification {
	e.t.Helper()
	page, err := e.store.ListObjects(context.Background(), scope, checkout.ProviderNotificationKind, checkout.ListParams{Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	out := make([]*checkout.ProviderNotification, 0, len(page.Items))
	for _, o := range page.Items {
		out = append(out, o.(*checkout.ProviderNotification))
	}
	return out
}

func (e *env) payment(id string) *checkout.Payment {
	e.t.Helper()
	p, err := e.store.FindPayment(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func outcomes(r *response) string {
	var out []string
	if os, ok := r.get("outcomes").([]any); ok {
		for _, o := range os {
			s, _ := o.(string)
			out = append(out, s)
		}
	}
	return strings.Join(out, ",")
}

func TestGatewayNotifications(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) { testGatewayNotifications(t, kind) })
}

func testGatewayNotifications(t *testing.T, kind string) {
	e, logs := newNotifierEnv(t, kind)
	testA := checkout.Scope{AccountID: "acct_a"}
	p := e.voucher("acct_a", false)
	_, events0 := e.counts()

	t.Run("Forged", func(t *testing.T) {
		// A bad signature, or none: no mode verifies it. Refused, nothing
		// written, and logged without the body or a secret.
		for _, sig := range []string{"forged", ""} {
			r := e.notify("acct_a", sig, notifierMessage{Event: "evt_forged", Ref: "nt_" + p.ID, Status: "succeeded"})
			if r.status != 400 || r.str("error", "code") != "notification_unverified" {
				t.Fatalf("forged (%q): %d %s", sig, r.status, r.body)
			}
		}
		if got := e.payment(p.ID); got.Status != checkout.PaymentRequiresAction {
			t.Fatalf("a forged message changed the payment: %s", got.Status)
		}
		if _, events := e.counts(); events != events0 {
			t.Fatalf("a forged message wrote events: %d, want %d", events, events0)
		}
		if n := len(e.notes(testA)) + len(e.notes(checkout.Scope{AccountID: "acct_a", Livemode: true})); n != 0 {
			t.Fatalf("a forged message was recorded (%d)", n)
		}
		log := logs.String()
		if !strings.Contains(log, "gateway notification not verified") || !strings.Contains(log, `"level":"WARN"`) {
			t.Fatalf("the refusal was not logged at WARN:\n%s", log)
		}
		for _, leak := range []string{"evt_forged", notifierTestSecret, notifierLiveSecret} {
			if strings.Contains(log, leak) {
				t.Errorf("the log holds %q:\n%s", leak, log)
			}
		}
	})

	t.Run("GatewayUnreachable", func(t *testing.T) {
		// The provider could not check the message: 500, so that the
		// gateway delivers it again; nothing written, no key logged.
		r := e.notify("acct_a", "unreachable", notifierMessage{Event: "evt_later", Ref: "nt_" + p.ID, Status: "succeeded"})
		if r.status != 500 {
			t.Fatalf("unreachable gateway: %d %s", r.status, r.body)
		}
		if got := e.payment(p.ID); got.Status != checkout.PaymentRequiresAction {
			t.Fatalf("payment %s", got.Status)
		}
		if n := len(e.notes(testA)); n != 0 {
			t.Fatalf("%d records", n)
		}
		log := logs.String() + strings.Join(e.errs.take(), "\n")
		if strings.Contains(log, notifierTestSecret) || strings.Contains(log, notifierLiveSecret) || !strings.Contains(log, "api.notifier.test") {
			t.Fatalf("the log:\n%s", log)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		if r := e.notify("acct_nobody", notifierTestSecret, notifierMessage{Ref: "nt_" + p.ID, Status: "succeeded"}); r.status != 404 {
			t.Errorf("unknown account: %d %s", r.status, r.body)
		}
		r := e.do("POST", "/providers/nope/acct_a/webhooks", "", "application/json", []byte(`{}`), "X-Notifier-Signature", notifierTestSecret)
		if r.status != 404 {
			t.Errorf("unknown provider: %d %s", r.status, r.body)
		}
		// The simulator is never told anything: it is not a gateway.
		if r := e.do("POST", "/providers/sim/acct_a/webhooks", "", "application/json", []byte(`{}`)); r.status != 404 {
			t.Errorf("the simulator: %d %s", r.status, r.body)
		}
	})

	t.Run("AppliedOnce", func(t *testing.T) {
		m := notifierMessage{Event: "evt_paid_1", Ref: "nt_" + p.ID, Status: "succeeded", Amount: p.Amount}
		r := e.notify("acct_a", notifierTestSecret, m)
		if r.status != 200 || outcomes(r) != "applied" {
			t.Fatalf("first delivery: %d %s", r.status, r.body)
		}
		got := e.payment(p.ID)
		if got.Status != checkout.PaymentSucceeded {
			t.Fatalf("payment %s after the notification", got.Status)
		}
		sess, err := e.store.FindSession(context.Background(), got.SessionID)
		if err != nil || sess.PaymentStatus != checkout.PaymentPaid {
			t.Fatalf("session after the notification: %v %+v", err, sess)
		}
		_, events1 := e.counts()
		// The gateway delivers it again: answered, changes nothing.
		r = e.notify("acct_a", notifierTestSecret, m)
		if r.status != 200 || outcomes(r) != "duplicate" {
			t.Fatalf("second delivery: %d %s", r.status, r.body)
		}
		if again := e.payment(p.ID); again.Version != got.Version {
			t.Fatalf("the repeat wrote the payment: version %d, was %d", again.Version, got.Version)
		}
		if _, events := e.counts(); events != events1 {
			t.Fatalf("the repeat wrote events: %d, was %d", events, events1)
		}
		notes := e.notes(testA)
		if len(notes) != 1 || notes[0].Outcome != checkout.NotificationApplied || notes[0].PaymentID != p.ID ||
			notes[0].EventID != "evt_paid_1" || notes[0].Provider != "notifier" || notes[0].Amount != p.Amount || notes[0].Livemode {
			t.Fatalf("recorded %+v", notes)
		}
		// Another event about the paid payment: recorded, changes nothing.
		r = e.notify("acct_a", notifierTestSecret, notifierMessage{Event: "evt_paid_2", Ref: "nt_" + p.ID, Status: "failed"})
		if r.status != 200 || outcomes(r) != "already_final" {
			t.Fatalf("a result for a final payment: %d %s", r.status, r.body)
		}
		if again := e.payment(p.ID); again.Status != checkout.PaymentSucceeded || again.Version != got.Version {
			t.Fatalf("a result for a final payment changed it: %+v", again)
		}
		if notes := e.notes(testA); len(notes) != 2 || notes[0].Outcome != checkout.NotificationAlreadyFinal {
			t.Fatalf("recorded %+v", notes[0])
		}
	})

	t.Run("ChangesNothing", func(t *testing.T) {
		q := e.voucher("acct_a", false)
		before := e.payment(q.ID)
		_, events0 := e.counts()
		n0 := len(e.notes(testA))
		for _, c := range []struct {
			m    notifierMessage
			want checkout.NotificationOutcome
		}{
			{notifierMessage{Event: "evt_wrong", Ref: "nt_" + q.ID, Status: "succeeded", Amount: q.Amount - 1}, checkout.NotificationWrongAmount},
			{notifierMessage{Event: "evt_unknown", Ref: "nt_pay_nobody", Status: "succeeded"}, checkout.NotificationUnknownPayment},
			// No event id: recorded each time.
			{notifierMessage{Ref: "nt_pay_nobody", Status: "succeeded"}, checkout.NotificationUnknownPayment},
			{notifierMessage{Event: "evt_nostatus", Ref: "nt_" + q.ID}, checkout.NotificationIgnored},
		} {
			r := e.notify("acct_a", notifierTestSecret, c.m)
			if r.status != 200 || outcomes(r) != string(c.want) {
				t.Errorf("%+v: %d %s, want 200 %s", c.m, r.status, r.body, c.want)
			}
			notes := e.notes(testA)
			if len(notes) != n0+1 || notes[0].Outcome != c.want || notes[0].EventID != c.m.Event || notes[0].ProviderRef != c.m.Ref {
				t.Errorf("%+v: recorded %+v", c.m, notes[0])
			}
			n0 = len(notes)
		}
		if after := e.payment(q.ID); after.Version != before.Version || after.Status != checkout.PaymentRequiresAction {
			t.Fatalf("the payment changed: %+v", after)
		}
		if _, events := e.counts(); events != events0 {
			t.Fatalf("events written: %d, was %d", events, events0)
		}
		// The right amount then pays it.
		if r := e.notify("acct_a", notifierTestSecret, notifierMessage{Event: "evt_right", Ref: "nt_" + q.ID, Status: "succeeded", Amount: q.Amount}); outcomes(r) != "applied" {
			t.Fatalf("the right amount: %d %s", r.status, r.body)
		}
	})

	t.Run("LateSuccess", func(t *testing.T) {
		// A success for a payment that failed: recorded, nothing changes,
		// and an operator is told at ERROR that money sits at the gateway.
		q := e.voucher("acct_a", false)
		if r := e.notify("acct_a", notifierTestSecret, notifierMessage{Event: "evt_fail_" + q.ID, Ref: "nt_" + q.ID, Status: "failed"}); outcomes(r) != "applied" {
			t.Fatalf("failure: %d %s", r.status, r.body)
		}
		if strings.Contains(logs.String(), "money taken") {
			t.Fatal("logged money taken before any success")
		}
		r := e.notify("acct_a", notifierTestSecret, notifierMessage{Event: "evt_late_" + q.ID, Ref: "nt_" + q.ID, Status: "succeeded"})
		if r.status != 200 || outcomes(r) != "already_final" || e.payment(q.ID).Status != checkout.PaymentFailed {
			t.Fatalf("late success: %d %s", r.status, r.body)
		}
		if log := logs.String(); !strings.Contains(log, "money taken") || !strings.Contains(log, q.ID) {
			t.Fatalf("the late success was not logged:\n%s", log)
		}
	})

	t.Run("Modes", func(t *testing.T) {
		// The live secret verifies with the live provider, which finds no
		// test payment: another mode's payment is never reached.
		q := e.voucher("acct_a", false)
		r := e.notify("acct_a", notifierLiveSecret, notifierMessage{Event: "evt_live", Ref: "nt_" + q.ID, Status: "succeeded"})
		if r.status != 200 || outcomes(r) != "unknown_payment" {
			t.Fatalf("live message about a test payment: %d %s", r.status, r.body)
		}
		if got := e.payment(q.ID); got.Status != checkout.PaymentRequiresAction {
			t.Fatalf("a live message paid a test payment")
		}
		live := e.notes(checkout.Scope{AccountID: "acct_a", Livemode: true})
		if len(live) != 1 || !live[0].Livemode || live[0].Outcome != checkout.NotificationUnknownPayment {
			t.Fatalf("live records %+v", live)
		}
		// Nor another account's: B's URL with B's (same) secret.
		r = e.notify("acct_b", notifierTestSecret, notifierMessage{Event: "evt_b", Ref: "nt_" + q.ID, Status: "succeeded"})
		if r.status != 200 || outcomes(r) != "unknown_payment" {
			t.Fatalf("B's message about A's payment: %d %s", r.status, r.body)
		}
		if got := e.payment(q.ID); got.Status != checkout.PaymentRequiresAction {
			t.Fatalf("B's message paid A's payment")
		}
		// A live payment is paid through the same URL with the live secret.
		lp := e.voucher("acct_a", true)
		if r := e.notify("acct_a", notifierLiveSecret, notifierMessage{Event: "evt_live_paid", Ref: "nt_" + lp.ID, Status: "succeeded"}); outcomes(r) != "applied" {
			t.Fatalf("live payment: %d %s", r.status, r.body)
		}
		// A GET callback (Ifthenpay's shape) reaches the provider too.
		r = e.do("GET", "/providers/notifier/acct_a/callback?sig="+notifierTestSecret+"&ref=nt_"+q.ID+"&status=succeeded", "", "", nil)
		if r.status != 200 || outcomes(r) != "applied" || e.payment(q.ID).Status != checkout.PaymentSucceeded {
			t.Fatalf("GET callback: %d %s", r.status, r.body)
		}
	})

	t.Run("TooLarge", func(t *testing.T) {
		big := bytes.Repeat([]byte("x"), 64<<10+1)
		r := e.do("POST", "/providers/notifier/acct_a/webhooks", "", "application/json", big, "X-Notifier-Signature", notifierTestSecret)
		if r.status != 413 {
			t.Fatalf("a body over 64 KiB: %d", r.status)
		}
	})
}

// TestGatewayNotificationRace: deliveries of one gateway event racing on
// every store (a gateway's retry, two replicas) change the payment once;
// and two events about one payment racing apply one and find the payment
// final for the other.
func TestGatewayNotificationRace(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e, logs := newNotifierEnv(t, kind)
		for _, sameEvent := range []bool{true, false} {
			p := e.voucher("acct_a", false)
			const n = 6
			var wg sync.WaitGroup
			results := make([]string, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ev := "evt_race_" + p.ID
					if !sameEvent {
						ev += "_" + string(rune('a'+i))
					}
					b, _ := json.Marshal(notifierMessage{Event: ev, Ref: "nt_" + p.ID, Status: "succeeded"})
					req, _ := http.NewRequest("POST", e.srv.URL+"/providers/notifier/acct_a/webhooks", bytes.NewReader(b))
					req.Header.Set("X-Notifier-Signature", notifierTestSecret)
					res, err := e.client.Do(req)
					if err != nil {
						results[i] = err.Error()
						return
					}
					defer res.Body.Close()
					var body struct{ Outcomes []string }
					json.NewDecoder(res.Body).Decode(&body)
					results[i] = strings.Join(body.Outcomes, ",")
				}()
			}
			wg.Wait()
			counts := map[string]int{}
			for _, r := range results {
				counts[r]++
			}
			other := "duplicate"
			if !sameEvent {
				other = "already_final"
			}
			if counts["applied"] != 1 || counts[other] != n-1 {
				t.Fatalf("same event %v: outcomes %v", sameEvent, counts)
			}
			// One payment.succeeded and one async_payment_succeeded event.
			page, err := e.store.ListEvents(context.Background(), checkout.Scope{AccountID: "acct_a"}, checkout.EventFilter{ListParams: checkout.ListParams{Limit: 100}})
			if err != nil {
				t.Fatal(err)
			}
			succeeded := 0
			for _, ev := range page.Items {
				if ev.ObjectID == p.ID && ev.Type == checkout.EventPaymentSucceeded {
					succeeded++
				}
			}
			if succeeded != 1 {
				t.Fatalf("same event %v: %d payment.succeeded events", sameEvent, succeeded)
			}
			// The losers found the payment paid: no false alarm.
			if strings.Contains(logs.String(), "money taken") {
				t.Fatalf("same event %v: a repeat of a success was taken for a late one:\n%s", sameEvent, logs.String())
			}
		}
	})
}

// TestForgedNotificationsThrottled: unverified messages count as failed
// authentications of their address, so a guesser of an anti-phishing key
// (or a flood of forgeries that would each be asked back at the gateway)
// is answered 429 once the address used its budget, before any provider
// is asked; verified messages cost nothing of it.
func TestForgedNotificationsThrottled(t *testing.T) {
	e, _ := newNotifierEnv(t, "sqlite")
	p := e.voucher("acct_a", false)
	// Verified messages, as many as the budget and more: never throttled.
	for i := range chttp.DefaultAuthFailuresPerMinute + 2 {
		r := e.notify("acct_a", notifierTestSecret, notifierMessage{Event: "evt_unknown_" + string(rune('a'+i)), Ref: "nt_pay_nobody", Status: "succeeded"})
		if r.status != 200 {
			t.Fatalf("verified message %d: %d %s", i, r.status, r.body)
		}
	}
	for i := range chttp.DefaultAuthFailuresPerMinute {
		if r := e.notify("acct_a", "guess", notifierMessage{Ref: "nt_" + p.ID, Status: "succeeded"}); r.status != 400 {
			t.Fatalf("forgery %d: %d %s", i, r.status, r.body)
		}
	}
	r := e.notify("acct_a", notifierTestSecret, notifierMessage{Ref: "nt_" + p.ID, Status: "succeeded"})
	if r.status != 429 || r.header.Get("Retry-After") == "" {
		t.Fatalf("after the budget of forgeries: %d %s", r.status, r.body)
	}
	if got := e.payment(p.ID); got.Status != checkout.PaymentRequiresAction {
		t.Fatalf("a throttled message changed the payment: %s", got.Status)
	}
	// Another account's messages from the same gateway address are not
	// throttled by this one's forgeries.
	if r := e.notify("acct_b", notifierTestSecret, notifierMessage{Event: "evt_b_unknown", Ref: "nt_pay_nobody", Status: "succeeded"}); r.status != 200 {
		t.Fatalf("another account's message: %d %s", r.status, r.body)
	}
	// The budget refills with time.
	e.clock.Add(time.Minute)
	if r := e.notify("acct_a", notifierTestSecret, notifierMessage{Ref: "nt_" + p.ID, Status: "succeeded"}); r.status != 200 || outcomes(r) != "applied" {
		t.Fatalf("a minute later: %d %s", r.status, r.body)
	}
}

// TestOpenAPIGatewayNotifications: the gateways' route and the list of
// recorded results answer as the document says, and the list shows each
// account and mode only its own.
func TestOpenAPIGatewayNotifications(t *testing.T) {
	v, _ := oaValidator(t)
	ne, _ := newNotifierEnv(t, "sqlite")
	o := &oaEnv{env: ne, v: v}
	p := o.voucher("acct_a", false)
	signed := func(m notifierMessage, sig string) oaRequest {
		b, _ := json.Marshal(m)
		return oaRequest{method: "POST", path: "/providers/notifier/acct_a/webhooks", contentType: "application/json", body: b,
			header: []string{"X-Notifier-Signature", sig}}
	}
	ok := signed(notifierMessage{Event: "evt_oa", Ref: "nt_" + p.ID, Status: "succeeded", Amount: p.Amount}, notifierTestSecret)
	ok.status = 200
	if r := o.exchange(ok); outcomes(r) != "applied" {
		t.Fatalf("verified: %s", r.body)
	}
	forged := signed(notifierMessage{Ref: "nt_" + p.ID, Status: "succeeded"}, "forged")
	forged.status = 400
	o.exchange(forged)
	unknown := ok
	unknown.path, unknown.status = "/providers/notifier/acct_nobody/webhooks", 404
	o.exchange(unknown)
	o.exchange(oaRequest{method: "GET", path: "/providers/notifier/acct_a/callback?sig=" + notifierTestSecret + "&ref=nt_pay_nobody&status=succeeded", status: 200})

	list := o.exchange(oaRequest{method: "GET", path: "/v1/provider_notifications", auth: oaBearer(o.key), status: 200})
	data, _ := list.get("data").([]any)
	if len(data) != 2 {
		t.Fatalf("list: %s", list.body)
	}
	first, second := data[0].(map[string]any), data[1].(map[string]any)
	if first["outcome"] != "unknown_payment" || first["payment"] != nil || second["outcome"] != "applied" ||
		second["payment"] != p.ID || second["event_id"] != "evt_oa" || second["amount"] != float64(p.Amount) {
		t.Fatalf("list: %s", list.body)
	}
	for _, key := range []string{o.keyB, o.liveA} {
		if r := o.exchange(oaRequest{method: "GET", path: "/v1/provider_notifications", auth: oaBearer(key), status: 200}); len(r.get("data").([]any)) != 0 {
			t.Fatalf("another scope sees A's test results: %s", r.body)
		}
	}
	o.exchange(oaRequest{method: "GET", path: "/v1/provider_notifications?outcome=applied", auth: oaBearer(o.key), status: 400, request: oaSkip})
	o.exchange(oaRequest{method: "GET", path: "/v1/provider_notifications", status: 401, request: oaInvalid})
}
