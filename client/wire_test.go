package client_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/client"
)

// wireCase is one SDK call and the request it must send.
type wireCase struct {
	name string
	call func(ctx context.Context, c *client.Client) error
	// method, path (escaped) and query of the request.
	method, path, query string
	// body is the exact body; "" means none (and no Content-Type).
	body string
	// key is the exact Idempotency-Key; "" means a random one for a POST
	// and none for any other method.
	key string
}

func ignore[T any](_ T, err error) error { return err }

// TestWireOfEveryMethod pins what each resource method of the SDK puts on
// the wire: method, escaped path, query, exact body and Idempotency-Key.
// The methods share their plumbing, so a change to it shows up here as a
// changed request of some resource.
func TestWireOfEveryMethod(t *testing.T) {
	const id = "x/y?z" // escaped as x%2Fy%3Fz
	yes, no := true, false
	desc := "d"
	cases := []wireCase{
		// Sessions.
		{name: "Sessions.Create nil", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Sessions.Create(ctx, nil))
		}, method: "POST", path: "/v1/checkout/sessions", body: `{}`},
		{name: "Sessions.Create params key", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Sessions.Create(ctx, &client.SessionParams{Amount: 5, IdempotencyKey: "pk",
				ExpiresAt: time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600))}))
		}, method: "POST", path: "/v1/checkout/sessions", body: `{"amount":5,"expires_at":"2030-01-02T02:04:05Z"}`, key: "pk"},
		{name: "Sessions.Create option beats params", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Sessions.Create(ctx, &client.SessionParams{IdempotencyKey: "pk"}, client.WithIdempotencyKey("ok")))
		}, method: "POST", path: "/v1/checkout/sessions", body: `{}`, key: "ok"},
		{name: "Sessions.Create empty option keeps params", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Sessions.Create(ctx, &client.SessionParams{IdempotencyKey: "pk"}, client.WithIdempotencyKey("")))
		}, method: "POST", path: "/v1/checkout/sessions", body: `{}`, key: "pk"},
		{name: "Sessions.Get", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Sessions.Get(ctx, id))
		}, method: "GET", path: "/v1/checkout/sessions/x%2Fy%3Fz"},
		{name: "Sessions.Expire", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Sessions.Expire(ctx, id))
		}, method: "POST", path: "/v1/checkout/sessions/x%2Fy%3Fz/expire"},
		{name: "Sessions.Expire option", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Sessions.Expire(ctx, id, client.WithIdempotencyKey("ok")))
		}, method: "POST", path: "/v1/checkout/sessions/x%2Fy%3Fz/expire", key: "ok"},
		{name: "Sessions.List", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Sessions.List(ctx, &client.SessionListParams{Limit: 2, Status: client.SessionStatusOpen}))
		}, method: "GET", path: "/v1/checkout/sessions", query: "limit=2&status=open"},

		// Events.
		{name: "Events.Get", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Events.Get(ctx, id))
		}, method: "GET", path: "/v1/events/x%2Fy%3Fz"},
		{name: "Events.List", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Events.List(ctx, &client.EventListParams{Type: "t", EndingBefore: "evt_1"}))
		}, method: "GET", path: "/v1/events", query: "ending_before=evt_1&type=t"},

		// API keys.
		{name: "APIKeys.Create", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.APIKeys.Create(ctx))
		}, method: "POST", path: "/v1/api_keys"},
		{name: "APIKeys.Create option", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.APIKeys.Create(ctx, client.WithIdempotencyKey("ok")))
		}, method: "POST", path: "/v1/api_keys", key: "ok"},
		{name: "APIKeys.Get", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.APIKeys.Get(ctx, id))
		}, method: "GET", path: "/v1/api_keys/x%2Fy%3Fz"},
		{name: "APIKeys.List", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.APIKeys.List(ctx, &client.APIKeyListParams{StartingAfter: "key_1"}))
		}, method: "GET", path: "/v1/api_keys", query: "starting_after=key_1"},
		{name: "APIKeys.Revoke", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.APIKeys.Revoke(ctx, id, client.WithIdempotencyKey("ok")))
		}, method: "POST", path: "/v1/api_keys/x%2Fy%3Fz/revoke", key: "ok"},
		{name: "APIKeys.Roll", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.APIKeys.Roll(ctx, id, 90*time.Second+time.Millisecond))
		}, method: "POST", path: "/v1/api_keys/x%2Fy%3Fz/roll", body: `{"expire_old_in":90}`},

		// Payment links.
		{name: "PaymentLinks.Create nil", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.PaymentLinks.Create(ctx, nil))
		}, method: "POST", path: "/v1/payment_links", body: `{}`},
		{name: "PaymentLinks.Create", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.PaymentLinks.Create(ctx, &client.PaymentLinkParams{Amount: 7, Reusable: &no, IdempotencyKey: "pk",
				ExpiresAt: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}, client.WithIdempotencyKey("ok")))
		}, method: "POST", path: "/v1/payment_links", body: `{"amount":7,"reusable":false,"expires_at":"2030-01-02T03:04:05Z"}`, key: "ok"},
		{name: "PaymentLinks.Get", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.PaymentLinks.Get(ctx, id))
		}, method: "GET", path: "/v1/payment_links/x%2Fy%3Fz"},
		{name: "PaymentLinks.Update nil", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.PaymentLinks.Update(ctx, id, nil))
		}, method: "POST", path: "/v1/payment_links/x%2Fy%3Fz", body: `{}`},
		{name: "PaymentLinks.Update", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.PaymentLinks.Update(ctx, id, &client.PaymentLinkUpdateParams{Description: &desc}, client.WithIdempotencyKey("ok")))
		}, method: "POST", path: "/v1/payment_links/x%2Fy%3Fz", body: `{"description":"d"}`, key: "ok"},
		{name: "PaymentLinks.List", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.PaymentLinks.List(ctx, &client.PaymentLinkListParams{Limit: 3}))
		}, method: "GET", path: "/v1/payment_links", query: "limit=3"},

		// Account providers.
		{name: "Providers.List", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Accounts.Providers.List(ctx))
		}, method: "GET", path: "/v1/account/providers"},
		{name: "Providers.Get", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Accounts.Providers.Get(ctx, id))
		}, method: "GET", path: "/v1/account/providers/x%2Fy%3Fz"},
		{name: "Providers.Set nil", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Accounts.Providers.Set(ctx, id, nil))
		}, method: "POST", path: "/v1/account/providers/x%2Fy%3Fz", body: `{}`},
		{name: "Providers.Set", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Accounts.Providers.Set(ctx, "stripe", &client.AccountProviderParams{DefaultFor: []string{"card"}}))
		}, method: "POST", path: "/v1/account/providers/stripe", body: `{"default_for":["card"]}`},
		{name: "Providers.Remove", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Accounts.Providers.Remove(ctx, id))
		}, method: "DELETE", path: "/v1/account/providers/x%2Fy%3Fz"},

		// Refunds.
		{name: "Refunds.Create nil", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Refunds.Create(ctx, nil))
		}, method: "POST", path: "/v1/refunds", body: `{"payment":""}`},
		{name: "Refunds.Create", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Refunds.Create(ctx, &client.RefundParams{Payment: "pay_1", Amount: 3, IdempotencyKey: "pk"}))
		}, method: "POST", path: "/v1/refunds", body: `{"payment":"pay_1","amount":3}`, key: "pk"},
		{name: "Refunds.Get", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Refunds.Get(ctx, id))
		}, method: "GET", path: "/v1/refunds/x%2Fy%3Fz"},
		{name: "Refunds.List", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Refunds.List(ctx, &client.RefundListParams{Payment: "pay_1"}))
		}, method: "GET", path: "/v1/refunds", query: "payment=pay_1"},

		// Coupons.
		{name: "Coupons.Create nil", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Coupons.Create(ctx, nil))
		}, method: "POST", path: "/v1/coupons", body: `{}`},
		{name: "Coupons.Create", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Coupons.Create(ctx, &client.CouponParams{PercentOff: client.PercentOff(3333), IdempotencyKey: "pk"}))
		}, method: "POST", path: "/v1/coupons", body: `{"percent_off":33.33}`, key: "pk"},
		{name: "Coupons.Get", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Coupons.Get(ctx, id))
		}, method: "GET", path: "/v1/coupons/x%2Fy%3Fz"},
		{name: "Coupons.Delete", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Coupons.Delete(ctx, id))
		}, method: "DELETE", path: "/v1/coupons/x%2Fy%3Fz"},
		{name: "Coupons.List", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Coupons.List(ctx, &client.CouponListParams{Limit: 1}))
		}, method: "GET", path: "/v1/coupons", query: "limit=1"},

		// Promotion codes.
		{name: "PromotionCodes.Create nil", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.PromotionCodes.Create(ctx, nil))
		}, method: "POST", path: "/v1/promotion_codes", body: `{"coupon":""}`},
		{name: "PromotionCodes.Create", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.PromotionCodes.Create(ctx, &client.PromotionCodeParams{Coupon: "c", Active: &yes, IdempotencyKey: "pk"}))
		}, method: "POST", path: "/v1/promotion_codes", body: `{"coupon":"c","active":true}`, key: "pk"},
		{name: "PromotionCodes.Get", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.PromotionCodes.Get(ctx, id))
		}, method: "GET", path: "/v1/promotion_codes/x%2Fy%3Fz"},
		{name: "PromotionCodes.Update nil", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.PromotionCodes.Update(ctx, id, nil))
		}, method: "POST", path: "/v1/promotion_codes/x%2Fy%3Fz", body: `{}`},
		{name: "PromotionCodes.Update", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.PromotionCodes.Update(ctx, id, &client.PromotionCodeUpdateParams{Active: &no}, client.WithIdempotencyKey("ok")))
		}, method: "POST", path: "/v1/promotion_codes/x%2Fy%3Fz", body: `{"active":false}`, key: "ok"},
		{name: "PromotionCodes.List", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.PromotionCodes.List(ctx, &client.PromotionCodeListParams{Code: "A", Coupon: "c", Active: &yes}))
		}, method: "GET", path: "/v1/promotion_codes", query: "active=true&code=A&coupon=c"},

		// Products.
		{name: "Products.Create nil", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Products.Create(ctx, nil))
		}, method: "POST", path: "/v1/products", body: `{"name":"","unit_amount":0,"currency":""}`},
		{name: "Products.Create", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Products.Create(ctx, &client.ProductParams{Name: "n", UnitAmount: 1, Currency: "EUR", IdempotencyKey: "pk"}, client.WithIdempotencyKey("ok")))
		}, method: "POST", path: "/v1/products", body: `{"name":"n","unit_amount":1,"currency":"EUR"}`, key: "ok"},
		{name: "Products.Get", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Products.Get(ctx, id))
		}, method: "GET", path: "/v1/products/x%2Fy%3Fz"},
		{name: "Products.Update nil", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Products.Update(ctx, id, nil))
		}, method: "POST", path: "/v1/products/x%2Fy%3Fz", body: `{}`},
		{name: "Products.Update", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Products.Update(ctx, id, &client.ProductUpdateParams{Name: &desc}, client.WithIdempotencyKey("ok")))
		}, method: "POST", path: "/v1/products/x%2Fy%3Fz", body: `{"name":"d"}`, key: "ok"},
		{name: "Products.Archive", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Products.Archive(ctx, id, client.WithIdempotencyKey("ok")))
		}, method: "POST", path: "/v1/products/x%2Fy%3Fz", body: `{"active":false}`, key: "ok"},
		{name: "Products.List", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Products.List(ctx, &client.ProductListParams{Active: &no}))
		}, method: "GET", path: "/v1/products", query: "active=false"},

		// Invoices: Create and Update both take params' key; Finalize and
		// Void send an empty object.
		{name: "Invoices.Create nil", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Invoices.Create(ctx, nil))
		}, method: "POST", path: "/v1/invoices", body: `{}`},
		{name: "Invoices.Create", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Invoices.Create(ctx, &client.InvoiceParams{Currency: "EUR", IdempotencyKey: "pk"}))
		}, method: "POST", path: "/v1/invoices", body: `{"currency":"EUR"}`, key: "pk"},
		{name: "Invoices.Update params key", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Invoices.Update(ctx, id, &client.InvoiceParams{Description: "d", IdempotencyKey: "pk"}))
		}, method: "POST", path: "/v1/invoices/x%2Fy%3Fz", body: `{"description":"d"}`, key: "pk"},
		{name: "Invoices.Update option", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Invoices.Update(ctx, id, &client.InvoiceParams{IdempotencyKey: "pk"}, client.WithIdempotencyKey("ok")))
		}, method: "POST", path: "/v1/invoices/x%2Fy%3Fz", body: `{}`, key: "ok"},
		{name: "Invoices.Update nil", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Invoices.Update(ctx, id, nil))
		}, method: "POST", path: "/v1/invoices/x%2Fy%3Fz", body: `{}`},
		{name: "Invoices.Finalize", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Invoices.Finalize(ctx, id))
		}, method: "POST", path: "/v1/invoices/x%2Fy%3Fz/finalize", body: `{}`},
		{name: "Invoices.Void", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Invoices.Void(ctx, id, client.WithIdempotencyKey("ok")))
		}, method: "POST", path: "/v1/invoices/x%2Fy%3Fz/void", body: `{}`, key: "ok"},
		{name: "Invoices.Get", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Invoices.Get(ctx, id))
		}, method: "GET", path: "/v1/invoices/x%2Fy%3Fz"},
		{name: "Invoices.List", call: func(ctx context.Context, c *client.Client) error {
			return ignore(c.Invoices.List(ctx, &client.InvoiceListParams{Status: client.InvoiceOpen}))
		}, method: "GET", path: "/v1/invoices", query: "status=open"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var escaped []string
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
				mu.Lock()
				escaped = append(escaped, r.URL.EscapedPath())
				mu.Unlock()
				writeJSON(w, 200, `{"id":"obj_1"}`)
			})
			if err := tc.call(context.Background(), f.client()); err != nil {
				t.Fatal(err)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			mu.Lock()
			path := escaped[0]
			mu.Unlock()
			if r.Method != tc.method || path != tc.path || r.RawQuery != tc.query {
				t.Errorf("request = %s %s ? %s, want %s %s ? %s", r.Method, path, r.RawQuery, tc.method, tc.path, tc.query)
			}
			if string(r.Body) != tc.body {
				t.Errorf("body = %s, want %s", r.Body, tc.body)
			}
			wantType := ""
			if tc.body != "" {
				wantType = "application/json"
			}
			if got := r.Header.Get("Content-Type"); got != wantType {
				t.Errorf("Content-Type = %q, want %q", got, wantType)
			}
			key := r.Header.Get("Idempotency-Key")
			switch {
			case tc.key != "":
				if key != tc.key {
					t.Errorf("Idempotency-Key = %q, want %q", key, tc.key)
				}
			case tc.method == "POST":
				if !hexKey.MatchString(key) {
					t.Errorf("Idempotency-Key = %q, want a random one", key)
				}
			case key != "" || r.Header.Values("Idempotency-Key") != nil:
				t.Errorf("a %s sent Idempotency-Key %q", tc.method, key)
			}
		})
	}
}

// TestEmptyIDsAreRefused: every method taking an id (or provider name)
// refuses "" with an error naming the resource, before any request.
func TestEmptyIDsAreRefused(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, `{"id":"obj_1"}`)
	})
	c := f.client()
	ctx := context.Background()
	cases := []struct {
		name, want string
		err        error
	}{
		{"Sessions.Get", "checkoutd: session id is empty", ignore(c.Sessions.Get(ctx, ""))},
		{"Sessions.Expire", "checkoutd: session id is empty", ignore(c.Sessions.Expire(ctx, ""))},
		{"Events.Get", "checkoutd: event id is empty", ignore(c.Events.Get(ctx, ""))},
		{"APIKeys.Get", "checkoutd: api key id is empty", ignore(c.APIKeys.Get(ctx, ""))},
		{"APIKeys.Revoke", "checkoutd: api key id is empty", ignore(c.APIKeys.Revoke(ctx, ""))},
		{"APIKeys.Roll", "checkoutd: api key id is empty", ignore(c.APIKeys.Roll(ctx, "", time.Second))},
		{"PaymentLinks.Get", "checkoutd: payment link id is empty", ignore(c.PaymentLinks.Get(ctx, ""))},
		{"PaymentLinks.Update", "checkoutd: payment link id is empty", ignore(c.PaymentLinks.Update(ctx, "", nil))},
		{"Providers.Get", "checkoutd: provider name is empty", ignore(c.Accounts.Providers.Get(ctx, ""))},
		{"Providers.Set", "checkoutd: provider name is empty", ignore(c.Accounts.Providers.Set(ctx, "", nil))},
		{"Providers.Remove", "checkoutd: provider name is empty", ignore(c.Accounts.Providers.Remove(ctx, ""))},
		{"Refunds.Get", "checkoutd: refund id is empty", ignore(c.Refunds.Get(ctx, ""))},
		{"Coupons.Get", "checkoutd: coupon id is empty", ignore(c.Coupons.Get(ctx, ""))},
		{"Coupons.Delete", "checkoutd: coupon id is empty", ignore(c.Coupons.Delete(ctx, ""))},
		{"PromotionCodes.Get", "checkoutd: promotion code id is empty", ignore(c.PromotionCodes.Get(ctx, ""))},
		{"PromotionCodes.Update", "checkoutd: promotion code id is empty", ignore(c.PromotionCodes.Update(ctx, "", nil))},
		{"Products.Get", "checkoutd: product id is empty", ignore(c.Products.Get(ctx, ""))},
		{"Products.Update", "checkoutd: product id is empty", ignore(c.Products.Update(ctx, "", nil))},
		{"Products.Archive", "checkoutd: product id is empty", ignore(c.Products.Archive(ctx, ""))},
		{"Invoices.Get", "checkoutd: invoice id is empty", ignore(c.Invoices.Get(ctx, ""))},
		{"Invoices.Update", "checkoutd: invoice id is empty", ignore(c.Invoices.Update(ctx, "", nil))},
		{"Invoices.Finalize", "checkoutd: invoice id is empty", ignore(c.Invoices.Finalize(ctx, ""))},
		{"Invoices.Void", "checkoutd: invoice id is empty", ignore(c.Invoices.Void(ctx, ""))},
	}
	for _, tc := range cases {
		if tc.err == nil || tc.err.Error() != tc.want {
			t.Errorf("%s(\"\") = %v, want %q", tc.name, tc.err, tc.want)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}
