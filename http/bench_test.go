package http_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	chttp "github.com/checkoutd/checkoutd/http"
	"github.com/checkoutd/checkoutd/service"
)

// Server-side cost of the hot API calls, without the network: the handler
// is called directly. The load command in bench/load measures them over TCP.

func BenchmarkGetSession(b *testing.B) {
	e := newEnv(b)
	id := e.create(e.key, validSession()).str("id")
	h := e.srv.Config.Handler
	req := httptest.NewRequest("GET", "/v1/checkout/sessions/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+e.key)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

func BenchmarkCreateSession(b *testing.B) {
	e := newEnv(b)
	h := e.srv.Config.Handler
	body := `{"amount":5000,"currency":"GHS","success_url":"https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}","cancel_url":"https://shop.example/cancel","metadata":{"order_id":"1234"}}`
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/v1/checkout/sessions", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.key)
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}

func BenchmarkGetSessionParallel(b *testing.B) {
	e := newEnv(b)
	id := e.create(e.key, validSession()).str("id")
	h := e.srv.Config.Handler
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		// A cancelable context, as a real server's requests have.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req := httptest.NewRequest("GET", "/v1/checkout/sessions/"+id, nil).WithContext(ctx)
		req.Header.Set("Authorization", "Bearer "+e.key)
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != 200 {
				b.Fatal(w.Code)
			}
		}
	})
}

// BenchmarkPageRender is the server's cost of the hosted page of an open
// session with three line items, card and Multibanco: the form a customer
// first sees. identity is the template and headers alone; gzip adds the
// compression a browser asks for, which grows with the page.
func BenchmarkPageRender(b *testing.B) {
	e := newEnv(b)
	e.configure(func(c *service.Config) { c.Providers = simProviders(e.clock) })
	s := validSession()
	delete(s, "amount")
	s["currency"] = "EUR"
	s["payment_method_types"] = []string{"card", "multibanco"}
	s["line_items"] = []any{
		map[string]any{"quantity": 2, "price_data": map[string]any{"currency": "eur", "unit_amount": 1450,
			"product_data": map[string]any{"name": "Ethiopia Yirgacheffe, 250 g", "description": "Whole bean, light roast"}}},
		map[string]any{"quantity": 1, "price_data": map[string]any{"currency": "eur", "unit_amount": 3900,
			"product_data": map[string]any{"name": "Hand grinder", "description": "Ceramic burrs, stainless steel body"}}},
		map[string]any{"quantity": 1, "price_data": map[string]any{"currency": "eur", "unit_amount": 499,
			"product_data": map[string]any{"name": "Shipping"}}},
	}
	id := e.create(e.key, s).str("id")
	h := e.srv.Config.Handler
	for _, enc := range []string{"identity", "gzip"} {
		b.Run(enc, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/checkout/"+id, nil)
			req.Header.Set("Accept-Encoding", enc)
			// The first view records accessed_at; the ones measured write
			// nothing, as the test clock stands still.
			h.ServeHTTP(httptest.NewRecorder(), req)
			b.ReportAllocs()
			b.ResetTimer()
			var size int
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatal(w.Code, w.Body.String())
				}
				size = w.Body.Len()
			}
			b.ReportMetric(float64(size), "bytes/page")
		})
	}
}

// BenchmarkHostCreateSession is seed 000's POST /api/sessions with the body
// the canonical BenchmarkCreateSession sends, in that dialect's names: the
// dialect's cost over the canonical create.
func BenchmarkHostCreateSession(b *testing.B) {
	e := newEnv(b)
	h := chttp.New(e.svc, nil, nil)
	h.SetHost(chttp.HostConfig{Secret: "bench-secret-0123456789"})
	body := `{"orderId":"1234","amount":5000,"currency":"GHS","tenantId":"acct_a","returnUrl":"https://shop.example/ok","metadata":{"order_id":"1234"}}`
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/api/sessions", strings.NewReader(body))
		req.Header.Set("x-checkout-secret", "bench-secret-0123456789")
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}

// BenchmarkLinkVisit is a visit to a payment link (GET /l/{id}): the link
// read, a session minted from it, the 303 to its page. Compared with the
// canonical create, it is the cost of selling through a link.
func BenchmarkLinkVisit(b *testing.B) {
	e := newEnv(b)
	link := e.postJSON("/v1/payment_links", e.key, map[string]any{"amount": 5000, "currency": "GHS"})
	if link.status != http.StatusOK {
		b.Fatal(link.status, string(link.body))
	}
	h := e.srv.Config.Handler
	path := "/l/" + link.str("id")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != http.StatusSeeOther {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}
