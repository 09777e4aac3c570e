package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/client"
)

const testKey = "sk_test_123"

// seen is one request as the fake server received it.
type seen struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   []byte
}

// fake is an httptest server that records every request and answers with a
// script: handle is called with the 0-based number of the request.
type fake struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func newFake(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) *fake {
	t.Helper()
	f := &fake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		n := len(f.reqs)
		f.reqs = append(f.reqs, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
		f.mu.Unlock()
		w.Header().Set("Request-Id", fmt.Sprintf("req_%d", n))
		handle(w, r, n)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fake) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

// client returns a client for the fake with a tiny backoff.
func (f *fake) client(opts ...client.Option) *client.Client {
	return client.New(testKey, append([]client.Option{
		client.WithBaseURL(f.URL), client.WithBackoff(time.Millisecond),
	}, opts...)...)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func writeErr(w http.ResponseWriter, status int, typ, code, param, msg string) {
	writeJSON(w, status, fmt.Sprintf(`{"error":{"type":%q,"code":%q,"param":%q,"message":%q}}`, typ, code, param, msg))
}

func sessionJSON(id string) string {
	return fmt.Sprintf(`{"id":%q,"object":"checkout.session","status":"open","payment_status":"unpaid","amount":5000,"currency":"GHS"}`, id)
}

// hijackClose drops the connection without a response.
func hijackClose(t *testing.T, w http.ResponseWriter, reset bool) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		tc.SetLinger(0) // close with RST instead of FIN
	}
	conn.Close()
}

var hexKey = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestCreateRequestAndResponse(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		// A full session plus fields this SDK version does not know.
		writeJSON(w, 200, `{"id":"cs_1","object":"checkout.session","livemode":false,"mode":"payment",
			"status":"open","payment_status":"unpaid","url":"http://pay/cs_1","amount":5000,
			"amount_subtotal":5000,"amount_total":5000,
			"total_details":{"amount_discount":0,"amount_shipping":0,"amount_tax":0},"currency":"GHS",
			"line_items":{"object":"list","data":[{"id":"li_1","object":"item","description":"Tee","quantity":2,
				"currency":"GHS","amount_subtotal":5000,"amount_discount":0,"amount_tax":0,"amount_total":5000,
				"price":{"object":"price","currency":"GHS","unit_amount":2500,
					"product_data":{"name":"Tee","description":null,"images":[]},"brand_new":{"x":1}}}],
				"has_more":false,"url":"/v1/checkout/sessions/cs_1/line_items"},
			"payment":null,"customer":null,"customer_email":"a@b.c","customer_phone":null,
			"success_url":"https://s","cancel_url":"https://c","client_reference_id":null,"locale":null,
			"description":null,"payment_method_types":["card"],"metadata":{"order":"42"},
			"expires_at":"2024-01-16T10:00:00Z","created_at":"2024-01-15T10:00:00Z",
			"updated_at":"2024-01-15T10:00:00Z","accessed_at":null,"completed_at":null,
			"unknown_field":"ignored","shipping":{"nested":[1,2,3]}}`)
	})
	c := f.client()
	exp := time.Date(2024, 1, 16, 12, 0, 0, 0, time.FixedZone("GMT+2", 2*3600))
	s, err := c.Sessions.Create(context.Background(), &client.SessionParams{
		Currency:      "GHS",
		SuccessURL:    "https://s",
		CancelURL:     "https://c",
		CustomerEmail: "a@b.c",
		Metadata:      map[string]string{"order": "42"},
		ExpiresAt:     exp,
		LineItems: []client.LineItemParams{{
			Quantity: 2,
			PriceData: &client.PriceDataParams{Currency: "GHS", UnitAmount: 2500,
				ProductData: &client.ProductDataParams{Name: "Tee"}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}

	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Path != "/v1/checkout/sessions" {
		t.Errorf("request = %s %s", r.Method, r.Path)
	}
	for h, want := range map[string]string{
		"Authorization": "Bearer " + testKey,
		"Content-Type":  "application/json",
		"User-Agent":    "checkoutd-go/" + client.Version,
	} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if k := r.Header.Get("Idempotency-Key"); !hexKey.MatchString(k) {
		t.Errorf("Idempotency-Key = %q, want 32 hex chars", k)
	}
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("body %s: %v", r.Body, err)
	}
	want := map[string]any{
		"currency": "GHS", "success_url": "https://s", "cancel_url": "https://c",
		"customer_email": "a@b.c", "metadata": map[string]any{"order": "42"},
		"expires_at": "2024-01-16T10:00:00Z",
		"line_items": []any{map[string]any{"quantity": 2.0, "price_data": map[string]any{
			"currency": "GHS", "unit_amount": 2500.0, "product_data": map[string]any{"name": "Tee"}}}},
	}
	if got, _ := json.Marshal(body); string(got) != mustJSON(t, want) {
		t.Errorf("body =\n%s\nwant (unset fields omitted)\n%s", got, mustJSON(t, want))
	}

	if s.ID != "cs_1" || s.Status != client.SessionStatusOpen || s.PaymentStatus != client.PaymentStatusUnpaid ||
		s.Amount != 5000 || s.AmountTotal != 5000 || s.Currency != "GHS" || s.URL != "http://pay/cs_1" ||
		s.CustomerEmail != "a@b.c" || s.Customer != "" || s.Payment != "" || s.Metadata["order"] != "42" ||
		len(s.PaymentMethodTypes) != 1 || s.Mode != client.ModePayment {
		t.Errorf("session decoded wrong: %+v", s)
	}
	if !s.ExpiresAt.Equal(time.Date(2024, 1, 16, 10, 0, 0, 0, time.UTC)) || !s.AccessedAt.IsZero() || !s.CompletedAt.IsZero() {
		t.Errorf("times decoded wrong: expires %v accessed %v completed %v", s.ExpiresAt, s.AccessedAt, s.CompletedAt)
	}
	if s.LineItems == nil || len(s.LineItems.Data) != 1 {
		t.Fatalf("line items = %+v", s.LineItems)
	}
	li := s.LineItems.Data[0]
	if li.ID != "li_1" || li.Quantity != 2 || li.Price == nil || li.Price.UnitAmount != 2500 ||
		li.Price.ProductData.Name != "Tee" || li.Price.ProductData.Description != "" {
		t.Errorf("line item decoded wrong: %+v / %+v", li, li.Price)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCreateNilParamsSendsEmptyObject(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeErr(w, 400, "invalid_request_error", "parameter_missing", "amount", "Missing amount.")
	})
	_, err := f.client().Sessions.Create(context.Background(), nil)
	var e *client.Error
	if !errors.As(err, &e) || e.Param != "amount" {
		t.Fatalf("err = %v", err)
	}
	if got := string(f.requests()[0].Body); got != "{}" {
		t.Errorf("body = %s, want {}", got)
	}
}

func TestIdempotencyKeySameOnRetriesNewPerCall(t *testing.T) {
	// Every first attempt of a key fails; the retry succeeds.
	keys := map[string]int{}
	var mu sync.Mutex
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		mu.Lock()
		k := r.Header.Get("Idempotency-Key")
		keys[k]++
		first := keys[k] == 1
		mu.Unlock()
		if first {
			writeErr(w, 500, "api_error", "internal_error", "", "boom")
			return
		}
		writeJSON(w, 200, sessionJSON("cs_"+k))
	})
	c := f.client()
	for range 2 {
		if _, err := c.Sessions.Create(context.Background(), &client.SessionParams{Amount: 1}); err != nil {
			t.Fatal(err)
		}
	}
	reqs := f.requests()
	if len(reqs) != 4 {
		t.Fatalf("got %d requests, want 4", len(reqs))
	}
	k := func(i int) string { return reqs[i].Header.Get("Idempotency-Key") }
	if k(0) == "" || k(0) != k(1) || k(2) != k(3) {
		t.Errorf("retries changed the key: %q %q / %q %q", k(0), k(1), k(2), k(3))
	}
	if k(0) == k(2) {
		t.Errorf("two Creates shared key %q", k(0))
	}
	if string(reqs[0].Body) != string(reqs[1].Body) {
		t.Errorf("retry changed the body: %s vs %s", reqs[0].Body, reqs[1].Body)
	}
}

func TestCallerIdempotencyKey(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, sessionJSON("cs_1"))
	})
	c := f.client()
	ctx := context.Background()
	if _, err := c.Sessions.Create(ctx, &client.SessionParams{IdempotencyKey: "order-42"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Sessions.Create(ctx, &client.SessionParams{IdempotencyKey: "order-42"}, client.WithIdempotencyKey("opt-key")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Sessions.Expire(ctx, "cs_1", client.WithIdempotencyKey("expire-cs_1")); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	for i, want := range []string{"order-42", "opt-key", "expire-cs_1"} {
		if got := reqs[i].Header.Get("Idempotency-Key"); got != want {
			t.Errorf("request %d: Idempotency-Key = %q, want %q", i, got, want)
		}
	}
	if strings.Contains(string(reqs[0].Body), "order-42") {
		t.Errorf("idempotency key leaked into the body: %s", reqs[0].Body)
	}
}

func TestRetryOnDroppedConnection(t *testing.T) {
	for _, reset := range []bool{false, true} {
		t.Run(fmt.Sprintf("reset=%v", reset), func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 0 {
					hijackClose(t, w, reset)
					return
				}
				writeJSON(w, 200, sessionJSON("cs_1"))
			})
			s, err := f.client().Sessions.Create(context.Background(), &client.SessionParams{Amount: 1})
			if err != nil {
				t.Fatal(err)
			}
			reqs := f.requests()
			if s.ID != "cs_1" || len(reqs) != 2 {
				t.Fatalf("session %q after %d requests, want cs_1 after 2", s.ID, len(reqs))
			}
			if reqs[0].Header.Get("Idempotency-Key") != reqs[1].Header.Get("Idempotency-Key") {
				t.Error("retry after a dropped connection changed the Idempotency-Key")
			}
		})
	}
}

func TestRetryOnConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	var mu sync.Mutex
	attempts := 0
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		attempts++
		mu.Unlock()
		return http.DefaultTransport.RoundTrip(r)
	})}
	c := client.New(testKey, client.WithBaseURL("http://"+addr), client.WithBackoff(time.Millisecond), client.WithHTTPClient(hc))
	_, err = c.Sessions.Get(context.Background(), "cs_1")
	var e *client.Error
	if err == nil || errors.As(err, &e) {
		t.Fatalf("err = %v, want a network error", err)
	}
	if attempts != 1+client.DefaultMaxRetries {
		t.Errorf("%d attempts, want %d", attempts, 1+client.DefaultMaxRetries)
	}
}

func TestRetryScripts(t *testing.T) {
	tests := []struct {
		name  string
		first func(w http.ResponseWriter)
	}{
		{"500", func(w http.ResponseWriter) { writeErr(w, 500, "api_error", "internal_error", "", "boom") }},
		{"503 html", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(503)
			io.WriteString(w, "<html>upstream down</html>")
		}},
		{"409 key in use", func(w http.ResponseWriter) {
			writeErr(w, 409, "invalid_request_error", "idempotency_key_in_use", "", "in flight")
		}},
		{"429", func(w http.ResponseWriter) { writeErr(w, 429, "rate_limit_error", "rate_limited", "", "slow down") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 0 {
					tt.first(w)
					return
				}
				writeJSON(w, 200, sessionJSON("cs_1"))
			})
			c := f.client()
			if _, err := c.Sessions.Create(context.Background(), &client.SessionParams{Amount: 1}); err != nil {
				t.Fatalf("Create: %v", err)
			}
			if n := len(f.requests()); n != 2 {
				t.Fatalf("Create made %d requests, want 2", n)
			}
			reqs := f.requests()
			if reqs[0].Header.Get("Idempotency-Key") != reqs[1].Header.Get("Idempotency-Key") {
				t.Error("retry changed the Idempotency-Key")
			}
		})
	}
}

func TestGetRetriesToo(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n < 2 {
			writeErr(w, 502, "api_error", "", "", "bad gateway")
			return
		}
		writeJSON(w, 200, sessionJSON("cs_1"))
	})
	s, err := f.client().Sessions.Get(context.Background(), "cs_1")
	if err != nil || s.ID != "cs_1" {
		t.Fatalf("Get = %v, %v", s, err)
	}
	reqs := f.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	if reqs[0].Method != "GET" || reqs[0].Path != "/v1/checkout/sessions/cs_1" || reqs[0].Header.Get("Idempotency-Key") != "" {
		t.Errorf("request = %s %s with Idempotency-Key %q", reqs[0].Method, reqs[0].Path, reqs[0].Header.Get("Idempotency-Key"))
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 0 {
			w.Header().Set("Retry-After", "1")
			writeErr(w, 429, "rate_limit_error", "rate_limited", "", "slow down")
			return
		}
		writeJSON(w, 200, sessionJSON("cs_1"))
	})
	start := time.Now()
	if _, err := f.client().Sessions.Create(context.Background(), &client.SessionParams{Amount: 1}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("retried after %v, want at least the 1s Retry-After (backoff is 1ms)", d)
	}
	if n := len(f.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestRetryAfterTooLongIsNotWaitedFor(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Retry-After", "3600")
		writeErr(w, 503, "api_error", "", "", "maintenance")
	})
	start := time.Now()
	_, err := f.client().Sessions.Get(context.Background(), "cs_1")
	var e *client.Error
	if !errors.As(err, &e) || e.HTTPStatusCode != 503 {
		t.Fatalf("err = %v, want the 503", err)
	}
	if d := time.Since(start); d > 5*time.Second || len(f.requests()) != 1 {
		t.Errorf("waited %v over %d requests; want an immediate error", d, len(f.requests()))
	}
}

func TestNoRetryOnFinal4xx(t *testing.T) {
	for _, status := range []int{400, 401, 402, 403, 404, 409, 413} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
				writeErr(w, status, "invalid_request_error", "some_code", "success_url", "nope")
			})
			_, err := f.client(client.WithMaxRetries(5)).Sessions.Create(context.Background(), &client.SessionParams{Amount: 1})
			var e *client.Error
			if !errors.As(err, &e) || e.HTTPStatusCode != status {
				t.Fatalf("err = %v", err)
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

func TestRetriesRunOut(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeErr(w, 500, "api_error", "internal_error", "", "boom")
	})
	_, err := f.client(client.WithMaxRetries(3)).Sessions.List(context.Background(), nil)
	var e *client.Error
	if !errors.As(err, &e) || e.HTTPStatusCode != 500 || e.RequestID != "req_3" {
		t.Fatalf("err = %v, want the last 500 (req_3)", err)
	}
	if n := len(f.requests()); n != 4 {
		t.Errorf("%d requests, want 1 + 3 retries", n)
	}

	f0 := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeErr(w, 500, "api_error", "internal_error", "", "boom")
	})
	f0.client(client.WithMaxRetries(0)).Sessions.List(context.Background(), nil)
	if n := len(f0.requests()); n != 1 {
		t.Errorf("WithMaxRetries(0): %d requests, want 1", n)
	}
}

func TestErrorFields(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Request-Id", "req_abc")
		writeErr(w, 400, "invalid_request_error", "parameter_missing", "success_url", "Missing required param: success_url.")
	})
	_, err := f.client().Sessions.Create(context.Background(), &client.SessionParams{Amount: 1})
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %T %v, want *client.Error", err, err)
	}
	want := client.Error{HTTPStatusCode: 400, Type: client.ErrorTypeInvalidRequest, Code: "parameter_missing",
		Param: "success_url", Message: "Missing required param: success_url.", RequestID: "req_abc"}
	if *e != want {
		t.Errorf("error = %+v\nwant    %+v", *e, want)
	}
	for _, part := range []string{"Missing required param", "400", "parameter_missing", "success_url", "req_abc"} {
		if !strings.Contains(e.Error(), part) {
			t.Errorf("Error() = %q lacks %q", e.Error(), part)
		}
	}
}

func TestErrorNullParam(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 401, `{"error":{"type":"authentication_error","code":"api_key_invalid","param":null,"message":"Invalid API key."}}`)
	})
	_, err := f.client().Sessions.Get(context.Background(), "cs_1")
	var e *client.Error
	if !errors.As(err, &e) || e.Type != client.ErrorTypeAuthentication || e.Param != "" || e.HTTPStatusCode != 401 {
		t.Fatalf("err = %#v", err)
	}
}

func TestNonJSONErrorBody(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(404)
		io.WriteString(w, "404 page not found\n")
	})
	_, err := f.client().Events.Get(context.Background(), "evt_1")
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %T %v, want *client.Error", err, err)
	}
	if e.HTTPStatusCode != 404 || e.Type != "" || e.RequestID != "req_0" || !strings.Contains(e.Message, "404 page not found") {
		t.Errorf("error = %+v", *e)
	}
}

func TestContextCancelStopsRetries(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Retry-After", "30")
		writeErr(w, 503, "api_error", "", "", "unavailable")
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := f.client(client.WithMaxRetries(100)).Sessions.Create(ctx, &client.SessionParams{Amount: 1})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Create returned after %v; cancel should stop the 30s wait", d)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	var e *client.Error
	if !errors.As(err, &e) || e.HTTPStatusCode != 503 {
		t.Errorf("err = %v, want it to wrap the last 503 too", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestContextCancelledBeforeCall(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, sessionJSON("cs_1"))
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.client().Sessions.Get(ctx, "cs_1")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests, want 0", n)
	}
}

func TestListQueryEncoding(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, `{"object":"list","data":[`+sessionJSON("cs_2")+`,`+sessionJSON("cs_1")+`],"has_more":true,"url":"/v1/checkout/sessions","extra":1}`)
	})
	gte := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	lte := time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
	list, err := f.client().Sessions.List(context.Background(), &client.SessionListParams{
		Limit: 10, StartingAfter: "cs_9", Status: client.SessionStatusComplete, Customer: "cus_1",
		Payment: "pay_1", CustomerEmail: "a+b@c.d", CreatedGTE: gte, CreatedLTE: lte,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Data) != 2 || !list.HasMore || list.Data[0].ID != "cs_2" || list.Object != "list" {
		t.Errorf("list = %+v", list)
	}
	r := f.requests()[0]
	if r.Method != "GET" || r.Path != "/v1/checkout/sessions" {
		t.Errorf("request = %s %s", r.Method, r.Path)
	}
	q := parseQuery(t, r.RawQuery)
	want := map[string]string{
		"limit": "10", "starting_after": "cs_9", "status": "complete", "customer": "cus_1",
		"payment": "pay_1", "customer_email": "a+b@c.d",
		"created[gte]": fmt.Sprint(gte.Unix()), "created[lte]": fmt.Sprint(lte.Unix()),
	}
	if fmt.Sprint(q) != fmt.Sprint(want) {
		t.Errorf("query %q =\n%v\nwant\n%v", r.RawQuery, q, want)
	}

	// Unset filters are not sent at all.
	if _, err := f.client().Sessions.List(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client().Sessions.List(context.Background(), &client.SessionListParams{}); err != nil {
		t.Fatal(err)
	}
	for _, r := range f.requests()[1:] {
		if r.RawQuery != "" {
			t.Errorf("empty params sent query %q", r.RawQuery)
		}
	}
}

func parseQuery(t *testing.T, raw string) map[string]string {
	t.Helper()
	req, _ := http.NewRequest("GET", "/?"+raw, nil)
	out := map[string]string{}
	for k, v := range req.URL.Query() {
		if len(v) != 1 {
			t.Errorf("query key %s sent %d times", k, len(v))
		}
		out[k] = v[0]
	}
	return out
}

// pagedSessions serves ids newest first in pages of size, honouring
// starting_after and ending_before like the real API.
func pagedSessions(t *testing.T, ids []string, size int) *fake {
	return newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		q := r.URL.Query()
		start, end := 0, len(ids)
		if a := q.Get("starting_after"); a != "" {
			start = indexOf(ids, a) + 1
			end = min(start+size, len(ids))
		} else if b := q.Get("ending_before"); b != "" {
			end = indexOf(ids, b)
			start = max(end-size, 0)
		} else {
			end = min(size, len(ids))
		}
		hasMore := end < len(ids)
		if q.Get("ending_before") != "" {
			hasMore = start > 0
		}
		var data []string
		for _, id := range ids[start:end] {
			data = append(data, sessionJSON(id))
		}
		writeJSON(w, 200, fmt.Sprintf(`{"object":"list","data":[%s],"has_more":%v,"url":"/v1/checkout/sessions"}`,
			strings.Join(data, ","), hasMore))
	})
}

func indexOf(ids []string, id string) int {
	for i, x := range ids {
		if x == id {
			return i
		}
	}
	panic("unknown id " + id)
}

func TestAllWalksPages(t *testing.T) {
	ids := []string{"cs_7", "cs_6", "cs_5", "cs_4", "cs_3", "cs_2", "cs_1"}
	f := pagedSessions(t, ids, 3)
	params := &client.SessionListParams{Limit: 3, Status: client.SessionStatusOpen}
	var got []string
	for s, err := range f.client().Sessions.All(context.Background(), params) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, s.ID)
	}
	if strings.Join(got, ",") != strings.Join(ids, ",") {
		t.Errorf("All yielded %v, want %v", got, ids)
	}
	reqs := f.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3 pages", len(reqs))
	}
	for i, wantAfter := range []string{"", "cs_5", "cs_2"} {
		q := parseQuery(t, reqs[i].RawQuery)
		if q["starting_after"] != wantAfter || q["limit"] != "3" || q["status"] != "open" {
			t.Errorf("page %d query = %v, want starting_after=%q with the filters kept", i, q, wantAfter)
		}
	}
	if params.StartingAfter != "" {
		t.Errorf("All modified the caller's params: %+v", params)
	}
}

func TestAllStopsWhenLoopBreaks(t *testing.T) {
	f := pagedSessions(t, []string{"cs_5", "cs_4", "cs_3", "cs_2", "cs_1"}, 2)
	seq := f.client().Sessions.All(context.Background(), nil)
	n := 0
	for _, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	if r := len(f.requests()); r != 2 {
		t.Errorf("%d requests after taking 3 of pages of 2, want 2", r)
	}
	// Ranging again starts from the top.
	var first string
	for s, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		first = s.ID
		break
	}
	if first != "cs_5" {
		t.Errorf("second range started at %q, want cs_5", first)
	}
}

func TestAllBackwards(t *testing.T) {
	ids := []string{"cs_7", "cs_6", "cs_5", "cs_4", "cs_3", "cs_2", "cs_1"}
	f := pagedSessions(t, ids, 2)
	var got []string
	for s, err := range f.client().Sessions.All(context.Background(), &client.SessionListParams{EndingBefore: "cs_2"}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, s.ID)
	}
	if want := "cs_3,cs_4,cs_5,cs_6,cs_7"; strings.Join(got, ",") != want {
		t.Errorf("All backwards yielded %v, want %s", got, want)
	}
}

func TestAllYieldsErrorOnce(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 0 {
			writeJSON(w, 200, `{"object":"list","data":[`+sessionJSON("cs_2")+`],"has_more":true}`)
			return
		}
		writeErr(w, 401, "authentication_error", "api_key_expired", "", "expired")
	})
	var ids []string
	var errs []error
	for s, err := range f.client().Sessions.All(context.Background(), nil) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, s.ID)
	}
	var e *client.Error
	if len(ids) != 1 || len(errs) != 1 || !errors.As(errs[0], &e) || e.HTTPStatusCode != 401 {
		t.Errorf("got ids %v errs %v", ids, errs)
	}
}

func TestAllStopsOnEmptyPageWithHasMore(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, `{"object":"list","data":[],"has_more":true}`)
	})
	for _, err := range f.client().Sessions.All(context.Background(), nil) {
		t.Fatalf("yielded from an empty page (err %v)", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestExpire(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, `{"id":"cs_1","object":"checkout.session","status":"expired"}`)
	})
	s, err := f.client().Sessions.Expire(context.Background(), "cs_1")
	if err != nil || s.Status != client.SessionStatusExpired {
		t.Fatalf("Expire = %+v, %v", s, err)
	}
	r := f.requests()[0]
	if r.Method != "POST" || r.Path != "/v1/checkout/sessions/cs_1/expire" || len(r.Body) != 0 {
		t.Errorf("request = %s %s body %q", r.Method, r.Path, r.Body)
	}
	if !hexKey.MatchString(r.Header.Get("Idempotency-Key")) {
		t.Errorf("Expire sent Idempotency-Key %q", r.Header.Get("Idempotency-Key"))
	}
}

func TestIDsAreEscapedAndRequired(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.URL.EscapedPath() != "/v1/checkout/sessions/cs_a%2Fb%3Fc" {
			t.Errorf("escaped path = %s", r.URL.EscapedPath())
		}
		writeJSON(w, 200, sessionJSON("cs_a/b?c"))
	})
	c := f.client()
	if _, err := c.Sessions.Get(context.Background(), "cs_a/b?c"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Sessions.Get(context.Background(), ""); err == nil {
		t.Error("Get(\"\") succeeded")
	}
	if _, err := c.Sessions.Expire(context.Background(), ""); err == nil {
		t.Error("Expire(\"\") succeeded")
	}
	if _, err := c.Events.Get(context.Background(), ""); err == nil {
		t.Error("Events.Get(\"\") succeeded")
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests, want 1 (empty ids must not be sent)", n)
	}
}

func TestBaseURLPrefix(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, sessionJSON("cs_1"))
	})
	c := client.New(testKey, client.WithBaseURL(f.URL+"/checkoutd/"))
	if _, err := c.Sessions.Get(context.Background(), "cs_1"); err != nil {
		t.Fatal(err)
	}
	if p := f.requests()[0].Path; p != "/checkoutd/v1/checkout/sessions/cs_1" {
		t.Errorf("path = %s", p)
	}

	bad := client.New(testKey, client.WithBaseURL("not a url"))
	if _, err := bad.Sessions.Get(context.Background(), "cs_1"); err == nil || !strings.Contains(err.Error(), "base URL") {
		t.Errorf("bad base URL: err = %v", err)
	}
}

func TestWithHTTPClient(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.Header.Get("X-Via") != "custom" {
			t.Error("custom http.Client not used")
		}
		writeJSON(w, 200, sessionJSON("cs_1"))
	})
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r.Header.Set("X-Via", "custom")
		return http.DefaultTransport.RoundTrip(r)
	})}
	if _, err := f.client(client.WithHTTPClient(hc)).Sessions.Get(context.Background(), "cs_1"); err != nil {
		t.Fatal(err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestMalformedSuccessBody(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, `{"id":`)
	})
	_, err := f.client().Sessions.Get(context.Background(), "cs_1")
	if err == nil || !strings.Contains(err.Error(), "req_0") {
		t.Errorf("err = %v, want a decode error naming the request id", err)
	}
}

const eventJSON = `{"id":"evt_1","object":"event","type":"checkout.session.expired","created":1700000000,
	"created_at":"2023-11-14T22:13:20Z","livemode":false,"sequence":2,"future":true,
	"data":{"object":{"id":"cs_1","object":"checkout.session","status":"expired","amount":5000,"new_thing":[]}}}`

func TestEvents(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch r.URL.Path {
		case "/v1/events/evt_1":
			writeJSON(w, 200, eventJSON)
		case "/v1/events":
			writeJSON(w, 200, `{"object":"list","data":[`+eventJSON+`],"has_more":false,"url":"/v1/events"}`)
		default:
			writeErr(w, 404, "invalid_request_error", "resource_missing", "", "no")
		}
	})
	c := f.client()
	ctx := context.Background()
	e, err := c.Events.Get(ctx, "evt_1")
	if err != nil {
		t.Fatal(err)
	}
	if e.ID != "evt_1" || e.Type != "checkout.session.expired" || e.Created != 1700000000 || e.Sequence != 2 ||
		!e.CreatedAt.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("event = %+v", e)
	}
	s, err := e.Session()
	if err != nil || s.ID != "cs_1" || s.Status != client.SessionStatusExpired || s.Amount != 5000 {
		t.Errorf("Session() = %+v, %v", s, err)
	}

	list, err := c.Events.List(ctx, &client.EventListParams{Limit: 5, Type: "checkout.session.expired", EndingBefore: "evt_0"})
	if err != nil || len(list.Data) != 1 || list.HasMore {
		t.Fatalf("List = %+v, %v", list, err)
	}
	q := parseQuery(t, f.requests()[1].RawQuery)
	if fmt.Sprint(q) != fmt.Sprint(map[string]string{"limit": "5", "type": "checkout.session.expired", "ending_before": "evt_0"}) {
		t.Errorf("query = %v", q)
	}

	n := 0
	for e, err := range c.Events.All(ctx, nil) {
		if err != nil || e.ID != "evt_1" {
			t.Fatalf("All yielded %v, %v", e, err)
		}
		n++
	}
	if n != 1 {
		t.Errorf("All yielded %d events, want 1", n)
	}
}

func TestEventSessionWrongObject(t *testing.T) {
	e := &client.Event{ID: "evt_1", Data: client.EventData{Object: json.RawMessage(`{"object":"payment","id":"pay_1"}`)}}
	if _, err := e.Session(); err == nil {
		t.Error("Session() decoded a payment")
	}
	if _, err := (&client.Event{ID: "evt_2"}).Session(); err == nil {
		t.Error("Session() succeeded without an object")
	}
}
