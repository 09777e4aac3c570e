package http_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	chttp "github.com/checkoutd/checkoutd/http"
	"github.com/checkoutd/checkoutd/internal/seal"
	"github.com/checkoutd/checkoutd/service"
)

// routerEnv is one server of FuzzRouter: its env, and the ids of objects it
// holds, which an input names as {session}, {payment}, {event}, {endpoint}.
type routerEnv struct {
	name  string
	e     *env
	h     http.Handler
	ids   *strings.Replacer
	route []string // the server's "METHOD /path" patterns
}

func newRouterEnv(f *testing.F, kind string) *routerEnv {
	e := newEnvOn(f, openStore(f, kind))
	sealer, err := seal.New(make([]byte, 32))
	if err != nil {
		f.Fatal(err)
	}
	// A voucher needs the simulator: a payment awaiting the customer, and events.
	e.configure(func(c *service.Config) {
		c.Sealer = sealer
		c.Providers = simProviders(e.clock)
	})
	ctx := context.Background()
	scope := checkout.Scope{AccountID: e.accts[0]}
	amount := int64(5000)
	sess, err := e.svc.CreateSession(ctx, scope, &service.SessionParams{Amount: &amount, Currency: "EUR",
		SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no",
		PaymentMethodTypes: []string{"card", "multibanco"}})
	if err != nil {
		f.Fatal(err)
	}
	_, pay, err := e.svc.Pay(ctx, sess.ID, service.PayParams{Method: "multibanco"})
	if err != nil {
		f.Fatal(err)
	}
	ep := e.postJSON("/v1/webhook_endpoints", e.key, map[string]any{"url": "https://hooks.example.com/x", "enabled_events": []string{"*"}})
	if ep.status != 200 {
		f.Fatalf("create endpoint: %d %s", ep.status, ep.body)
	}
	evs := e.get("/v1/events?limit=1", e.key)
	data, _ := evs.get("data").([]any)
	if len(data) == 0 {
		f.Fatalf("no events: %s", evs.body)
	}
	evtID, _ := data[0].(map[string]any)["id"].(string)
	srv := e.srv.Config.Handler.(*chttp.Server)
	// Seed 000's routes with a secret, so that hostile input reaches them
	// (without one they answer a deliberate 503).
	srv.SetHost(chttp.HostConfig{Secret: fuzzHostSecret})
	return &routerEnv{name: kind, e: e, h: srv, route: srv.Routes(),
		ids: strings.NewReplacer("{session}", sess.ID, "{payment}", pay.ID, "{event}", evtID, "{endpoint}", ep.str("id"))}
}

// streamWriter is a ResponseRecorder that ends the request once the answer
// is flushed: an event stream that starts would otherwise run for ever.
type streamWriter struct {
	*httptest.ResponseRecorder
	cancel context.CancelFunc
}

func (w *streamWriter) Flush() {
	w.ResponseRecorder.Flush()
	w.cancel()
}

const fuzzHostSecret = "fuzz-host-secret-0123456789"

// FuzzRouter drives hostile bytes through every route of the page and the
// API: path ids, a query (or, for a POST, form) parameter, Idempotency-Key,
// Last-Event-ID and the credentials. Whatever the input, the answer is never
// a 5xx and nothing is logged at ERROR: ids that cannot exist are not found,
// values no store can hold are refused. It runs over SQLite and, when
// CHECKOUTD_TEST_POSTGRES_URL is set (always in CI), over PostgreSQL too,
// which refuses NUL and invalid UTF-8 in text.
func FuzzRouter(f *testing.F) {
	envs := []*routerEnv{newRouterEnv(f, "sqlite")}
	if os.Getenv("CHECKOUTD_TEST_POSTGRES_URL") != "" || os.Getenv("CI") == "true" {
		envs = append(envs, newRouterEnv(f, "postgres"))
	}
	routes := envs[0].route
	index := func(pattern string) uint16 {
		for i, p := range routes {
			if p == pattern {
				return uint16(i)
			}
		}
		f.Fatalf("no route %s", pattern)
		return 0
	}
	type seed struct {
		route                     string
		id, param, value          string
		idem, lastEvent, authMode string
		auth                      string
	}
	// authMode: "" the account's key; "bearer", "basic", "x-api-key" or
	// "raw" carry auth instead.
	seeds := []seed{
		{route: "GET /checkout/{id}", id: "cs_\x00"},
		{route: "GET /checkout/{id}", id: "cs_\xff"},
		{route: "GET /c/{id}", id: "{session}\x00"},
		{route: "GET /checkout/{id}", id: "{session}"},
		{route: "POST /checkout/{id}/pay", id: "cs_\x00", param: "csrf_token", value: "x"},
		{route: "POST /checkout/{id}/pay", id: "{session}", param: "email", value: "a\x00@b.example"},
		{route: "GET /checkout/{id}/3ds/{payment}", id: "{session}\xff"},
		{route: "GET /test/payments/{id}", id: "pay_\x00"},
		{route: "GET /test/payments/{id}", id: "{payment}"},
		{route: "POST /test/payments/{id}", id: "{payment}\xed\xa0\x80", param: "result", value: "succeed"},
		{route: "GET /v1/checkout/sessions", param: "customer", value: "\x00"},
		{route: "GET /v1/checkout/sessions", param: "starting_after", value: "\x00"},
		{route: "GET /v1/checkout/sessions", param: "ending_before", value: "{session}\xff"},
		{route: "GET /v1/checkout/sessions", param: "created[gte]", value: "\xff"},
		{route: "GET /v1/checkout/sessions/{id}", id: "cs_\x00"},
		{route: "GET /v1/checkout/sessions/{id}/line_items", id: "{session}", param: "starting_after", value: "li_\x00"},
		{route: "POST /v1/checkout/sessions/{id}/expire", id: "{session}", idem: "\xff\xfe"},
		{route: "POST /v1/checkout/sessions", param: "metadata[k\x00]", value: "v", idem: "k"},
		{route: "POST /v1/checkout/sessions", param: "metadata[]", value: "x"},
		{route: "GET /v1/events", param: "type", value: "\x00"},
		{route: "GET /v1/events/{id}", id: "evt_\xff"},
		{route: "GET /v1/events/{id}/deliveries", id: "{event}\x00"},
		{route: "POST /v1/events/{id}/resend", id: "{event}", param: "webhook_endpoint", value: "we_\x00"},
		{route: "GET /v1/events/stream", lastEvent: "evt_\xff"},
		{route: "GET /v1/events/stream", lastEvent: "{event}"},
		{route: "GET /v1/events/stream", param: "starting_after", value: "evt_\x00"},
		{route: "GET /v1/payments", param: "checkout_session", value: "cs_\x00"},
		{route: "GET /v1/payments/{id}", id: "{payment}\xff"},
		{route: "POST /v1/test_helpers/payments/{id}/succeed", id: "pay_\x00"},
		{route: "GET /v1/webhook_endpoints/{id}", id: "we_\x00"},
		{route: "POST /v1/webhook_endpoints/{id}", id: "{endpoint}", param: "metadata[\a]", value: "v"},
		{route: "DELETE /v1/webhook_endpoints/{id}", id: "we_\xff"},
		{route: "POST /v1/webhook_endpoints/{id}/rotate_secret", id: "{endpoint}\x00", idem: "\x00"},
		{route: "GET /v1/checkout/sessions", authMode: "bearer", auth: "sk_test_\xff\x00"},
		{route: "GET /v1/checkout/sessions", authMode: "basic", auth: "sk_test_\xff:\x00"},
		{route: "GET /v1/checkout/sessions", authMode: "x-api-key", auth: "sk_live_\xed\xa0\x80"},
		{route: "GET /v1/events/stream", authMode: "raw", auth: "Bearer\x00sk_test_x"},
	}
	for _, s := range seeds {
		f.Add(index(s.route), s.id, s.param, s.value, s.idem, s.lastEvent, s.authMode, s.auth)
	}
	f.Fuzz(func(t *testing.T, route uint16, id, param, value, idem, lastEvent, authMode, auth string) {
		pattern := routes[int(route)%len(routes)]
		method, path, _ := strings.Cut(pattern, " ")
		for _, re := range envs {
			path := path
			for _, wild := range []string{"{id}", "{payment}"} {
				path = strings.ReplaceAll(path, wild, url.PathEscape(re.ids.Replace(id)))
			}
			target, body := path, ""
			if param != "" {
				q := url.Values{re.ids.Replace(param): {re.ids.Replace(value)}}.Encode()
				if method == "POST" {
					body = q
				} else {
					target += "?" + q
				}
			}
			req := httptest.NewRequest(method, target, strings.NewReader(body))
			if body != "" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if idem != "" {
				req.Header.Set("Idempotency-Key", re.ids.Replace(idem))
			}
			if lastEvent != "" {
				req.Header.Set("Last-Event-ID", re.ids.Replace(lastEvent))
			}
			switch authMode {
			case "bearer":
				req.Header.Set("Authorization", "Bearer "+auth)
			case "basic":
				u, p, _ := strings.Cut(auth, ":")
				req.SetBasicAuth(u, p)
			case "x-api-key":
				req.Header.Set("X-Api-Key", auth)
			case "raw":
				req.Header.Set("Authorization", auth)
			default:
				req.Header.Set("Authorization", "Bearer "+re.e.key)
				req.Header.Set("x-checkout-secret", fuzzHostSecret)
			}
			ctx, cancel := context.WithCancel(req.Context())
			w := &streamWriter{ResponseRecorder: httptest.NewRecorder(), cancel: cancel}
			re.h.ServeHTTP(w, req.WithContext(ctx))
			cancel()
			if w.Code >= 500 {
				t.Errorf("%s: %s %q: %d %.300s", re.name, method, target, w.Code, w.Body.String())
			}
			if msgs := re.e.errs.take(); len(msgs) > 0 {
				t.Errorf("%s: %s %q logged at ERROR: %q", re.name, method, target, msgs)
			}
		}
	})
}
