package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	chttp "github.com/checkoutd/checkoutd/http"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/service"
	"github.com/checkoutd/checkoutd/store/sqlite"
)

// keyed is a gateway double built from an account's credentials, under a
// real gateway's name: it verifies messages with its secret (a Stripe
// webhook secret, an Easypay API key standing for asking the gateway back,
// an Ifthenpay anti-phishing key) and, for an amount of failAmount, fails
// its Start the way a careless HTTP client would: with an error naming a
// URL that carries its API key. The real gateways are written apart; what
// this test holds is that nothing checkoutd does around a provider shows
// its credentials.
type keyed struct {
	name   string
	secret string // what verifies its messages
	apiKey string // what its (pretend) API calls carry
}

const failAmount = 6666

func keyedFactory(sp *sim.Provider, name string, method checkout.Method) checkout.CredentialedFactory {
	standIn := sim.StandIn(sp, name, method)
	return func(acct *checkout.Account, live bool, c checkout.Credentials) (checkout.Provider, error) {
		if len(c) == 0 {
			return standIn(acct, live, c)
		}
		switch name {
		case "stripe":
			return keyed{name: name, secret: c["webhook_secret"], apiKey: c["secret_key"]}, nil
		case "easypay":
			return keyed{name: name, secret: c["api_key"], apiKey: c["api_key"]}, nil
		}
		return keyed{name: name, secret: c["anti_phishing_key"], apiKey: c["mb_key"]}, nil
	}
}

func (k keyed) Name() string { return k.name }
func (k keyed) Methods() []checkout.Method {
	if k.name == "stripe" {
		return []checkout.Method{checkout.MethodCard}
	}
	return []checkout.Method{checkout.MethodMultibanco}
}

func (k keyed) Page(m checkout.Method) checkout.PageSpec {
	if m == checkout.MethodCard {
		return checkout.PageSpec{Fields: []checkout.PageField{checkout.FieldToken}, APITokens: true}
	}
	return checkout.PageSpec{}
}

func (k keyed) Start(_ context.Context, req checkout.StartRequest) (checkout.ProviderResult, error) {
	if req.Payment.Amount == failAmount {
		return checkout.ProviderResult{}, &url.Error{Op: "Post", URL: "https://api.gateway.test/v1/pay?key=" + url.QueryEscape(k.apiKey),
			Err: context.DeadlineExceeded}
	}
	ref := k.name + "_" + req.Payment.ID
	if req.Payment.Method == checkout.MethodCard {
		return checkout.ProviderResult{Status: checkout.PaymentSucceeded, ProviderRef: ref, CardBrand: "visa", CardLast4: "4242"}, nil
	}
	return checkout.ProviderResult{Status: checkout.PaymentRequiresAction, Async: true, ProviderRef: ref,
		Action: &checkout.NextAction{Kind: checkout.NextActionVoucher, ExpiresAt: req.Payment.Created.Add(72 * 3600e9),
			Voucher: &checkout.Voucher{Entity: "11111", Reference: "222333444"}}}, nil
}

func (keyed) Confirm(context.Context, *checkout.Payment, checkout.ConfirmRequest) (checkout.ProviderResult, error) {
	return checkout.ProviderResult{}, checkout.Errorf(checkout.KindState, "no_confirm", "nothing to confirm")
}

func (keyed) Refund(context.Context, *checkout.Payment, int64, string) (checkout.RefundResult, error) {
	return checkout.RefundResult{}, checkout.Errorf(checkout.KindState, "refund_unsupported", "not supported by this provider")
}

func (k keyed) HandleNotification(_ context.Context, in checkout.Inbound) ([]checkout.Notification, error) {
	sig := ""
	if v := in.Header["X-Sig"]; len(v) == 1 {
		sig = v[0]
	} else if v := in.Query["key"]; len(v) == 1 {
		sig = v[0]
	}
	if sig != k.secret {
		return nil, checkout.Errorf(checkout.KindUnauthorized, "bad_signature", "the message is not signed by %s", k.name)
	}
	m := notifierMessage{Ref: firstOf(in.Query["ref"]), Status: firstOf(in.Query["status"])}
	if in.Method == "POST" {
		if err := json.Unmarshal(in.Body, &m); err != nil {
			return nil, checkout.Errorf(checkout.KindInvalid, "bad_body", "unreadable")
		}
	}
	return []checkout.Notification{{ProviderRef: m.Ref, EventID: m.Event, Result: checkout.ProviderResult{Status: checkout.PaymentState(m.Status)}}}, nil
}

func firstOf(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// bodies keeps what a webhook receiver was sent.
type bodies struct {
	mu  sync.Mutex
	all [][]byte
}

func (b *bodies) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	b.mu.Lock()
	b.all = append(b.all, body)
	b.mu.Unlock()
}

func (b *bodies) joined() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Join(b.all, []byte("\n"))
}

// TestCredentialsNeverLeak sets every gateway's secret credentials to
// recognisable values, drives payments, notifications (accepted and
// forged), the providers API, events, webhook deliveries and a provider
// failure whose error names its API key, and then looks for each secret in
// everything the server logged, every API answer, the pages, the webhook
// bodies and the SQLite files: none may hold one.
func TestCredentialsNeverLeak(t *testing.T) {
	dir := t.TempDir()
	st, err := sqlite.Open(filepath.Join(dir, "checkoutd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := newEnvOn(t, st)
	logs := &logBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.configure(func(c *service.Config) {
		sp := sim.New(e.clock)
		r := service.NewRegistry()
		r.Register("sim", sim.Factory(sp))
		r.RegisterCredentialed("stripe", keyedFactory(sp, "stripe", checkout.MethodCard))
		r.RegisterCredentialed("easypay", keyedFactory(sp, "easypay", checkout.MethodMultibanco))
		r.RegisterCredentialed("ifthenpay", keyedFactory(sp, "ifthenpay", checkout.MethodMultibanco))
		r.Route(false, "sim", checkout.MethodCard, checkout.MethodMultibanco)
		c.Providers, c.Log = r, logger
	})
	e.webhooks(true)
	// The server logs to the same buffer as the service, at every level.
	e.srv.Close()
	e.srv = httptest.NewServer(chttp.New(e.svc, logger, nil))
	t.Cleanup(e.srv.Close)

	secrets := map[string]string{
		"stripe secret_key":           "sk_test_LeakCanaryStripeKey0001",
		"stripe webhook_secret":       "whsec_LeakCanaryWebhook0002",
		"stripe live secret_key":      "sk_live_LeakCanaryLiveKey0003",
		"stripe live webhook_secret":  "whsec_LeakCanaryLiveHook0004",
		"easypay api_key":             "5ec2e700-c0de-4bad-beef-deadbeef0005",
		"ifthenpay mb_key":            "LKC-918273",
		"ifthenpay anti_phishing_key": "LeakCanaryAntiPhishing0007",
	}
	var seen bytes.Buffer // every answer the server gave
	keep := func(r *response) *response { seen.Write(r.body); seen.WriteByte('\n'); return r }
	mustOK := func(what string, r *response) *response {
		t.Helper()
		keep(r)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", what, r.status, r.body)
		}
		return r
	}

	recv := &bodies{}
	hooks := httptest.NewServer(recv)
	t.Cleanup(hooks.Close)
	mustOK("endpoint", e.postJSON("/v1/webhook_endpoints", e.key, map[string]any{"url": hooks.URL, "enabled_events": []string{"*"}}))

	mustOK("set stripe", e.postJSON("/v1/account/providers/stripe", e.key, map[string]any{"secret_key": secrets["stripe secret_key"],
		"publishable_key": "pk_test_51Publishable1234", "webhook_secret": secrets["stripe webhook_secret"]}))
	mustOK("set live stripe", e.postJSON("/v1/account/providers/stripe", e.liveA, map[string]any{"secret_key": secrets["stripe live secret_key"],
		"publishable_key": "pk_live_51Publishable1234", "webhook_secret": secrets["stripe live webhook_secret"]}))
	mustOK("set easypay", e.postJSON("/v1/account/providers/easypay", e.key, map[string]any{"account_id": "2b0f63e2-9fb5-4e52-aca0-b4bf0339bbe6",
		"api_key": secrets["easypay api_key"]}))
	mustOK("set ifthenpay", e.postJSON("/v1/account/providers/ifthenpay", e.key, map[string]any{"mb_key": secrets["ifthenpay mb_key"],
		"anti_phishing_key": secrets["ifthenpay anti_phishing_key"]}))
	// A bad value is refused by name, without echoing it.
	keep(e.postJSON("/v1/account/providers/stripe", e.key, map[string]any{"webhook_secret": "nothook_" + secrets["stripe webhook_secret"]}))
	mustOK("list", e.get("/v1/account/providers", e.key))
	mustOK("list live", e.get("/v1/account/providers", e.liveA))
	for _, name := range []string{"stripe", "easypay", "ifthenpay"} {
		mustOK("get "+name, e.get("/v1/account/providers/"+name, e.key))
	}

	session := func(provider, method string, amount int) string {
		t.Helper()
		s := validSession()
		s["currency"], s["amount"], s["provider"], s["payment_method_types"] = "eur", amount, provider, []string{method}
		return mustOK("session "+provider, e.postJSON("/v1/checkout/sessions", e.key, s)).str("id")
	}
	pay := func(id string, pp service.PayParams) *checkout.Payment {
		t.Helper()
		_, p, err := e.svc.Pay(context.Background(), id, pp)
		if err != nil {
			t.Fatalf("pay %s: %v", id, err)
		}
		return p
	}

	// Stripe: a card payment, then its webhook (tried with the live
	// secret first, which refuses it, then the test one).
	card := pay(session("stripe", "card", 1500), service.PayParams{Method: checkout.MethodCard, Token: "pm_card_visa"})
	hook, _ := json.Marshal(notifierMessage{Event: "evt_leak_1", Ref: card.ProviderRef, Status: "succeeded"})
	if r := keep(e.do("POST", "/providers/stripe/acct_a/webhooks", "", "application/json", hook, "X-Sig", secrets["stripe webhook_secret"])); r.status != 200 {
		t.Fatalf("stripe webhook: %d %s", r.status, r.body)
	}
	if r := keep(e.do("POST", "/providers/stripe/acct_a/webhooks", "", "application/json", hook, "X-Sig", "whsec_forged")); r.status != 400 {
		t.Fatalf("forged stripe webhook: %d %s", r.status, r.body)
	}
	// Easypay: a voucher, then its notification; a forged one.
	ep := pay(session("easypay", "multibanco", 2000), service.PayParams{Method: checkout.MethodMultibanco})
	note, _ := json.Marshal(notifierMessage{Ref: ep.ProviderRef, Status: "succeeded"})
	if r := keep(e.do("POST", "/providers/easypay/acct_a/notifications", "", "application/json", note, "X-Sig", secrets["easypay api_key"])); r.status != 200 {
		t.Fatalf("easypay notification: %d %s", r.status, r.body)
	}
	keep(e.do("POST", "/providers/easypay/acct_a/notifications", "", "application/json", note, "X-Sig", "forged"))
	// Ifthenpay: a voucher, then its callback; a forged one.
	ip := pay(session("ifthenpay", "multibanco", 2500), service.PayParams{Method: checkout.MethodMultibanco})
	cb := "/providers/ifthenpay/acct_a/callback?ref=" + url.QueryEscape(ip.ProviderRef) + "&status=succeeded&key="
	if r := keep(e.do("GET", cb+url.QueryEscape(secrets["ifthenpay anti_phishing_key"]), "", "", nil)); r.status != 200 {
		t.Fatalf("ifthenpay callback: %d %s", r.status, r.body)
	}
	keep(e.do("GET", cb+"wrongwrongwrong", "", "", nil))
	for _, p := range []*checkout.Payment{card, ep, ip} {
		if got := e.payment(p.ID); got.Status != checkout.PaymentSucceeded {
			t.Fatalf("%s payment %s: %s", p.Provider, p.ID, got.Status)
		}
	}

	// The error path: the provider fails with an error that names its
	// key. The customer is told to try again, in words; the payment
	// records processing_error, once.
	failing := session("easypay", "multibanco", failAmount)
	page := e.openOK(t, "/checkout/"+failing)
	seen.WriteString(page.body)
	res := e.fetch(t, "POST", "/checkout/"+failing+"/pay", page.form("multibanco").values)
	if res.status != http.StatusSeeOther {
		t.Fatalf("pay on the page: %d %s", res.status, res.body)
	}
	after := e.openOK(t, res.header.Get("Location"))
	seen.WriteString(after.body)
	if !strings.Contains(after.body, "could not be processed") {
		t.Errorf("the page after a provider failure does not say so:\n%s", after.body)
	}
	pays := e.payments(t, failing)
	if len(pays) != 1 || pays[0]["status"] != "failed" || pays[0]["failure_code"] != "processing_error" ||
		!strings.Contains(pays[0]["failure_message"].(string), "Try again") {
		t.Fatalf("payments after a provider failure: %v", pays)
	}
	seen.WriteString(jsonOf(t, pays))

	// Events and their deliveries.
	evs := mustOK("events", e.get("/v1/events?limit=100", e.key))
	for _, ev := range evs.get("data").([]any) {
		id := ev.(map[string]any)["id"].(string)
		mustOK("event", e.get("/v1/events/"+id, e.key))
		e.attempted(checkout.Scope{AccountID: "acct_a"}, id, 1)
		mustOK("deliveries", e.get("/v1/events/"+id+"/deliveries", e.key))
	}
	if len(recv.joined()) == 0 {
		t.Fatal("no webhook was delivered")
	}

	// The SQLite files as they are on disk (the WAL too).
	var files bytes.Buffer
	entries, _ := os.ReadDir(dir)
	for _, f := range entries {
		b, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err == nil {
			files.Write(b)
		}
	}
	if !strings.Contains(logs.String(), "gateway notification not verified") || !strings.Contains(logs.String(), "payment provider failed") {
		t.Fatalf("the log lacks the refusals or the failure:\n%s", logs.String())
	}
	for what, secret := range secrets {
		for where, text := range map[string][]byte{"the log": []byte(logs.String()), "an API answer or page": seen.Bytes(),
			"a webhook body": recv.joined(), "the SQLite files": files.Bytes()} {
			if bytes.Contains(text, []byte(secret)) || bytes.Contains(text, []byte(url.QueryEscape(secret))) {
				t.Errorf("%s holds the %s", where, what)
			}
		}
	}
}
