package http_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// Seed 002's products, invoices and checkout links (v2_products.go,
// v2_invoices.go, v2_links.go), through the real server on every store.

// v2OK sends a v2 request that must answer 200 and returns its data.
func (e *env) v2OK(method, path, key string, body any) *response {
	e.t.Helper()
	r := e.v2(method, path, key, body)
	if r.status != 200 {
		e.t.Fatalf("%s %s: %d %s", method, path, r.status, r.body)
	}
	return r
}

// v2IDs are the ids of a v2 list's page, in order.
func v2IDs(r *response) []string {
	var out []string
	for _, d := range r.get("data").([]any) {
		out = append(out, d.(map[string]any)["id"].(string))
	}
	return out
}

// catalogCounts counts the products, invoices and payment links of every
// scope of the test accounts, read straight from the store, and adds up
// their versions (so a change to one counts too).
func (e *env) catalogCounts() (n int, versions int64) {
	e.t.Helper()
	for _, a := range e.accts {
		for _, live := range []bool{false, true} {
			for _, kind := range []string{checkout.ProductKind, checkout.InvoiceKind, checkout.PaymentLinkKind} {
				for cursor := ""; ; {
					p, err := e.store.ListObjects(context.Background(), checkout.Scope{AccountID: a, Livemode: live}, kind, checkout.ListParams{Limit: 100, StartingAfter: cursor})
					if err != nil {
						e.t.Fatal(err)
					}
					n += len(p.Items)
					for _, o := range p.Items {
						versions += o.ObjectVersion()
					}
					if !p.HasMore {
						break
					}
					cursor = p.Items[len(p.Items)-1].ObjectID()
				}
			}
		}
	}
	return n, versions
}

func TestV2Products(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, openStore(t, kind))
		tea := e.v2OK("POST", "/v2/products", e.key, map[string]any{"name": "Tea", "description": "Green",
			"images": []string{"https://shop.example/tea.png"}, "amountMinor": 350, "currency": "ghs", "metadata": map[string]any{"sku": "T1"}})
		id := tea.str("data", "id")
		if !strings.HasPrefix(id, "prod_") || tea.str("data", "object") != "product" || tea.get("data", "amountMinor") != 350.0 ||
			tea.str("data", "currency") != "GHS" || tea.get("data", "active") != true || tea.str("data", "description") != "Green" ||
			tea.str("data", "metadata", "sku") != "T1" || len(tea.get("data", "images").([]any)) != 1 || tea.str("data", "createdAt") == "" {
			t.Fatalf("create: %s", tea.body)
		}
		if g := e.v2OK("GET", "/v2/products/"+id, e.key, nil); g.str("data", "name") != "Tea" || g.get("data", "amountMinor") != 350.0 {
			t.Fatalf("get: %s", g.body)
		}
		u := e.v2OK("POST", "/v2/products/"+id, e.key, map[string]any{"amountMinor": 400, "name": "Green tea"})
		if u.get("data", "amountMinor") != 400.0 || u.str("data", "name") != "Green tea" || u.str("data", "description") != "Green" {
			t.Fatalf("a partial update: %s", u.body)
		}
		if len(u.get("data", "images").([]any)) != 1 {
			t.Fatalf("an update without images changed them: %s", u.body)
		}
		// images: [] takes the images away, as at /v1.
		if c := e.v2OK("POST", "/v2/products/"+id, e.key, map[string]any{"images": []string{}}); len(c.get("data", "images").([]any)) != 0 {
			t.Fatalf("images [] kept them: %s", c.body)
		}

		// One model, two shapes: made at /v2, read at /v1, and back.
		if v1 := e.get("/v1/products/"+id, e.key); v1.status != 200 || v1.get("unit_amount") != 400.0 || v1.str("name") != "Green tea" {
			t.Fatalf("/v1 reads the /v2 product: %d %s", v1.status, v1.body)
		}
		cake := e.postJSON("/v1/products", e.key, map[string]any{"name": "Cake", "unit_amount": 500, "currency": "GHS"}).str("id")
		if g := e.v2OK("GET", "/v2/products/"+cake, e.key, nil); g.str("data", "name") != "Cake" || g.get("data", "amountMinor") != 500.0 || g.str("data", "description") != "" {
			t.Fatalf("/v2 reads the /v1 product: %s", g.body)
		}

		// Newest first, paged with startingAfter.
		p1 := e.v2OK("GET", "/v2/products?limit=1", e.key, nil)
		if got := v2IDs(p1); len(got) != 1 || got[0] != cake || p1.get("hasMore") != true {
			t.Fatalf("page 1: %s", p1.body)
		}
		if got := v2IDs(e.v2OK("GET", "/v2/products?limit=1&startingAfter="+cake, e.key, nil)); len(got) != 1 || got[0] != id {
			t.Fatalf("page 2: %v", got)
		}

		a := e.v2OK("POST", "/v2/products/"+cake+"/archive", e.key, nil)
		if a.get("data", "active") != false {
			t.Fatalf("archive: %s", a.body)
		}
		if got := v2IDs(e.v2OK("GET", "/v2/products?active=true", e.key, nil)); len(got) != 1 || got[0] != id {
			t.Fatalf("active products: %v", got)
		}
		if got := v2IDs(e.v2OK("GET", "/v2/products?active=false", e.key, nil)); len(got) != 1 || got[0] != cake {
			t.Fatalf("archived products: %v", got)
		}
		// An archived product starts no checkout: a link for it is refused
		// naming productId.
		if r := e.v2("POST", "/v2/checkout-links", e.key, map[string]any{"productId": cake}); r.status != 400 || r.str("error", "param") != "productId" || r.str("error", "code") != "product_inactive" {
			t.Fatalf("a link for an archived product: %d %s", r.status, r.body)
		}

		// Account B, and A's live mode, see none of it.
		for name, key := range map[string]string{"account B": e.keyB, "live mode": e.liveA} {
			if r := e.v2("GET", "/v2/products/"+id, key, nil); r.status != 404 || r.str("error", "param") != "id" {
				t.Errorf("%s reads A's product: %d %s", name, r.status, r.body)
			}
			if r := e.v2("POST", "/v2/products/"+id+"/archive", key, nil); r.status != 404 {
				t.Errorf("%s archives A's product: %d %s", name, r.status, r.body)
			}
			if got := v2IDs(e.v2OK("GET", "/v2/products", key, nil)); len(got) != 0 {
				t.Errorf("%s lists A's products: %v", name, got)
			}
		}
		for _, typ := range []string{"product.created", "product.updated"} {
			if l := e.get("/v1/events?type="+typ, e.key); len(l.get("data").([]any)) == 0 {
				t.Errorf("no %s event", typ)
			}
		}
	})
}

func TestV2Invoices(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, openStore(t, kind))
		tea := e.v2OK("POST", "/v2/products", e.key, map[string]any{"name": "Tea", "amountMinor": 400, "currency": "GHS"}).str("data", "id")
		due := e.clock.Now().Add(72 * time.Hour).Format(time.DateOnly)
		in := e.v2OK("POST", "/v2/invoices", e.key, map[string]any{"customerEmail": "ama@example.com", "customerName": "Ama",
			"description": "March", "currency": "GHS", "dueDate": due, "metadata": map[string]any{"order": "42"},
			"lineItems": []any{
				map[string]any{"productId": tea, "quantity": 2},
				map[string]any{"name": "Delivery", "description": "By bike", "unitAmountMinor": 1000, "quantity": 1},
			}})
		id := in.str("data", "id")
		lines, _ := in.get("data", "lineItems").([]any)
		if !strings.HasPrefix(id, "in_") || in.str("data", "status") != "draft" || in.get("data", "amountDue") != 1800.0 ||
			in.str("data", "currency") != "GHS" || in.str("data", "customerEmail") != "ama@example.com" || in.str("data", "customerName") != "Ama" ||
			in.str("data", "dueDate") != due+"T23:59:59Z" || len(lines) != 2 || in.get("data", "amountPaid") != 0.0 {
			t.Fatalf("create: %s", in.body)
		}
		l0, l1 := lines[0].(map[string]any), lines[1].(map[string]any)
		if l0["productId"] != tea || l0["name"] != "Tea" || l0["unitAmountMinor"] != 400.0 || l0["amountMinor"] != 800.0 ||
			l1["productId"] != nil || l1["name"] != "Delivery" || l1["description"] != "By bike" || l1["amountMinor"] != 1000.0 {
			t.Fatalf("lines: %s", in.body)
		}
		// An RFC 3339 dueDate is kept to the second.
		at := e.clock.Now().Add(48 * time.Hour).Format(time.RFC3339)
		second := e.v2OK("POST", "/v2/invoices", e.key, map[string]any{"customerEmail": "kofi@example.com", "dueDate": at,
			"lineItems": []any{map[string]any{"name": "Fee", "unitAmountMinor": 700, "quantity": 1}}})
		if second.str("data", "dueDate") != at || second.str("data", "currency") != "GHS" {
			t.Fatalf("second invoice: %s", second.body)
		}
		if got := v2IDs(e.v2OK("GET", "/v2/invoices?status=draft", e.key, nil)); len(got) != 2 {
			t.Fatalf("drafts: %v", got)
		}
		// A draft cannot start a checkout.
		if r := e.postJSON("/v1/checkout/sessions", e.key, map[string]any{"invoice": id, "success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/no"}); r.status != 400 || r.str("error", "param") != "invoice" {
			t.Fatalf("a session for a draft: %d %s", r.status, r.body)
		}

		f := e.v2OK("POST", "/v2/invoices/"+id+"/finalize", e.key, nil)
		if f.str("data", "status") != "open" || f.str("data", "finalizedAt") == "" {
			t.Fatalf("finalize: %s", f.body)
		}
		if r := e.v2("POST", "/v2/invoices/"+id+"/finalize", e.key, nil); r.status != 400 || r.str("error", "code") != "invoice_not_draft" {
			t.Fatalf("finalize twice: %d %s", r.status, r.body)
		}
		if g := e.v2OK("GET", "/v2/invoices/"+id, e.key, nil); g.str("data", "status") != "open" || g.get("data", "amountDue") != 1800.0 {
			t.Fatalf("get: %s", g.body)
		}
		if got := v2IDs(e.v2OK("GET", "/v2/invoices?status=open", e.key, nil)); len(got) != 1 || got[0] != id {
			t.Fatalf("open invoices: %v", got)
		}

		// One model, two shapes.
		if v1 := e.get("/v1/invoices/"+id, e.key); v1.status != 200 || v1.get("amount_due") != 1800.0 || v1.str("status") != "open" || v1.str("customer_email") != "ama@example.com" {
			t.Fatalf("/v1 reads the /v2 invoice: %d %s", v1.status, v1.body)
		}
		v1 := e.postJSON("/v1/invoices", e.key, map[string]any{"customer_email": "yaw@example.com",
			"line_items": []any{map[string]any{"quantity": 3, "product": tea}}})
		if g := e.v2OK("GET", "/v2/invoices/"+v1.str("id"), e.key, nil); g.get("data", "amountDue") != 1200.0 || g.str("data", "customerEmail") != "yaw@example.com" ||
			g.get("data", "lineItems").([]any)[0].(map[string]any)["productId"] != tea {
			t.Fatalf("/v2 reads the /v1 invoice: %s", g.body)
		}

		v := e.v2OK("POST", "/v2/invoices/"+id+"/void", e.key, nil)
		if v.str("data", "status") != "void" || v.str("data", "voidedAt") == "" {
			t.Fatalf("void: %s", v.body)
		}
		if got := v2IDs(e.v2OK("GET", "/v2/invoices?status=void", e.key, nil)); len(got) != 1 || got[0] != id {
			t.Fatalf("void invoices: %v", got)
		}
		if r := e.v2("POST", "/v2/invoices/"+id+"/void", e.key, nil); r.status != 400 || r.str("error", "code") != "invoice_not_open" {
			t.Fatalf("void twice: %d %s", r.status, r.body)
		}
		for name, key := range map[string]string{"account B": e.keyB, "live mode": e.liveA} {
			for _, path := range []string{"/v2/invoices/" + id, "/v2/invoices/" + second.str("data", "id") + "/finalize"} {
				method := "GET"
				if strings.HasSuffix(path, "/finalize") {
					method = "POST"
				}
				if r := e.v2(method, path, key, nil); r.status != 404 {
					t.Errorf("%s: %s %s: %d %s", name, method, path, r.status, r.body)
				}
			}
			if got := v2IDs(e.v2OK("GET", "/v2/invoices", key, nil)); len(got) != 0 {
				t.Errorf("%s lists A's invoices: %v", name, got)
			}
		}
		if g := e.v2OK("GET", "/v2/invoices/"+second.str("data", "id"), e.key, nil); g.str("data", "status") != "draft" {
			t.Fatalf("another account finalized A's invoice: %s", g.body)
		}
	})
}

// TestV2InvoicePaid: an invoice made at /v2, paid through a session on the
// hosted page, reads paid at /v2 with the session that paid it.
func TestV2InvoicePaid(t *testing.T) {
	e := newPageEnv(t)
	in := e.v2OK("POST", "/v2/invoices", e.key, map[string]any{"customerEmail": "customer@example.com", // what pay types
		"lineItems": []any{map[string]any{"name": "Fee", "unitAmountMinor": 1500, "quantity": 2}}}).str("data", "id")
	e.v2OK("POST", "/v2/invoices/"+in+"/finalize", e.key, nil)
	sess := e.create(e.key, map[string]any{"invoice": in, "success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/no"}).str("id")
	if p := e.openOK(t, "/checkout/"+sess).pay("4242 4242 4242 4242"); !strings.HasPrefix(p.location(), "https://shop.example/ok") {
		t.Fatalf("paid, sent to %s: %s", p.location(), p.back().text())
	}
	g := e.v2OK("GET", "/v2/invoices/"+in, e.key, nil)
	if g.str("data", "status") != "paid" || g.str("data", "checkoutSessionId") != sess || g.get("data", "amountPaid") != 3000.0 || g.str("data", "paidAt") == "" {
		t.Fatalf("paid invoice: %s", g.body)
	}
	if got := v2IDs(e.v2OK("GET", "/v2/invoices?status=paid", e.key, nil)); len(got) != 1 || got[0] != in {
		t.Fatalf("paid invoices: %v", got)
	}
}

func TestV2CheckoutLinks(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, openStore(t, kind))
		tea := e.v2OK("POST", "/v2/products", e.key, map[string]any{"name": "Tea", "amountMinor": 400, "currency": "GHS"}).str("data", "id")
		l := e.v2OK("POST", "/v2/checkout-links", e.key, map[string]any{"productId": tea, "quantity": 2, "maxCompletedSessions": 1,
			"successUrl": "https://shop.example/thanks", "allowedMethods": []string{"card"}, "description": "Tea for two",
			"metadata": map[string]any{"campaign": "spring"}})
		id := l.str("data", "id")
		if !strings.HasPrefix(id, "plink_") || l.str("data", "object") != "checkout_link" || l.str("data", "url") != testPublicURL+"/l/"+id ||
			l.get("data", "active") != true || l.str("data", "productId") != tea || l.get("data", "quantity") != 2.0 ||
			l.get("data", "amountMinor") != 800.0 || l.str("data", "currency") != "GHS" || l.get("data", "maxCompletedSessions") != 1.0 ||
			l.str("data", "successUrl") != "https://shop.example/thanks" || l.str("data", "description") != "Tea for two" ||
			l.str("data", "metadata", "campaign") != "spring" || l.get("data", "completedSessions") != 0.0 {
			t.Fatalf("create: %s", l.body)
		}
		fixed := e.v2OK("POST", "/v2/checkout-links", e.key, map[string]any{"amountMinor": 2500, "currency": "eur"})
		if fixed.get("data", "productId") != nil || fixed.get("data", "amountMinor") != 2500.0 || fixed.str("data", "currency") != "EUR" || fixed.get("data", "maxCompletedSessions") != nil {
			t.Fatalf("an amount link: %s", fixed.body)
		}
		if g := e.v2OK("GET", "/v2/checkout-links/"+id, e.key, nil); g.str("data", "url") != testPublicURL+"/l/"+id {
			t.Fatalf("get: %s", g.body)
		}
		if got := v2IDs(e.v2OK("GET", "/v2/checkout-links", e.key, nil)); len(got) != 2 || got[0] != fixed.str("data", "id") || got[1] != id {
			t.Fatalf("list: %v", got)
		}

		// One model, two shapes.
		if v1 := e.get("/v1/payment_links/"+id, e.key); v1.status != 200 || v1.get("restrictions", "completed_sessions", "limit") != 1.0 || v1.str("url") != testPublicURL+"/l/"+id {
			t.Fatalf("/v1 reads the /v2 link: %d %s", v1.status, v1.body)
		}
		v1 := e.createLink(t, map[string]any{"amount": 900, "currency": "ghs"}).str("id")
		if g := e.v2OK("GET", "/v2/checkout-links/"+v1, e.key, nil); g.get("data", "amountMinor") != 900.0 || g.str("data", "url") != testPublicURL+"/l/"+v1 {
			t.Fatalf("/v2 reads the /v1 link: %s", g.body)
		}

		// A visit charges the product's price at that visit.
		e.v2OK("POST", "/v2/products/"+tea, e.key, map[string]any{"amountMinor": 500})
		sid := linkSession(t, e.open(t, "/l/"+id))
		s := e.get("/v1/checkout/sessions/"+sid, e.key)
		if s.get("amount_total") != 1000.0 || s.str("payment_link") != id || s.str("description") != "Tea for two" {
			t.Fatalf("minted session: %s", s.body)
		}
		// Paid once, the link of one place is used up: the canonical page.
		if p := e.openOK(t, "/checkout/"+sid).pay("4242 4242 4242 4242"); !strings.HasPrefix(p.location(), "https://shop.example/thanks") {
			t.Fatalf("paid, sent to %s", p.location())
		}
		if g := e.v2OK("GET", "/v2/checkout-links/"+id, e.key, nil); g.get("data", "completedSessions") != 1.0 {
			t.Fatalf("after a payment: %s", g.body)
		}
		if p := e.open(t, "/l/"+id); p.status != http.StatusGone || !strings.Contains(p.text(), "no longer available") {
			t.Fatalf("visit of a used-up link: %d %s", p.status, p.text())
		}

		// active: false closes the other link, true opens it again.
		off := e.v2OK("POST", "/v2/checkout-links/"+fixed.str("data", "id"), e.key, map[string]any{"active": false})
		if off.get("data", "active") != false {
			t.Fatalf("deactivate: %s", off.body)
		}
		if p := e.open(t, "/l/"+fixed.str("data", "id")); p.status != http.StatusGone {
			t.Fatalf("visit of an inactive link: %d", p.status)
		}
		e.v2OK("POST", "/v2/checkout-links/"+fixed.str("data", "id"), e.key, map[string]any{"active": true})
		linkSession(t, e.open(t, "/l/"+fixed.str("data", "id")))

		for name, key := range map[string]string{"account B": e.keyB, "live mode": e.liveA} {
			if r := e.v2("GET", "/v2/checkout-links/"+id, key, nil); r.status != 404 || r.str("error", "param") != "id" {
				t.Errorf("%s reads A's link: %d %s", name, r.status, r.body)
			}
			if r := e.v2("POST", "/v2/checkout-links/"+id, key, map[string]any{"active": false}); r.status != 404 {
				t.Errorf("%s changes A's link: %d %s", name, r.status, r.body)
			}
			if got := v2IDs(e.v2OK("GET", "/v2/checkout-links", key, nil)); len(got) != 0 {
				t.Errorf("%s lists A's links: %v", name, got)
			}
		}
	})
}

// TestV2CatalogBadInput: every bad request to the catalog's routes is
// refused with its status and the field in the dialect's name, and writes
// nothing: no product, invoice or link, no event.
func TestV2CatalogBadInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, openStore(t, kind))
		tea := e.v2OK("POST", "/v2/products", e.key, map[string]any{"name": "Tea", "amountMinor": 400, "currency": "GHS"}).str("data", "id")
		old := e.v2OK("POST", "/v2/products", e.key, map[string]any{"name": "Old", "amountMinor": 400, "currency": "GHS", "active": false}).str("data", "id")
		eur := e.v2OK("POST", "/v2/products", e.key, map[string]any{"name": "Bica", "amountMinor": 90, "currency": "EUR"}).str("data", "id")
		draft := e.v2OK("POST", "/v2/invoices", e.key, map[string]any{"customerEmail": "a@example.com",
			"lineItems": []any{map[string]any{"name": "Fee", "unitAmountMinor": 100, "quantity": 1}}}).str("data", "id")
		empty := e.v2OK("POST", "/v2/invoices", e.key, map[string]any{"customerEmail": "a@example.com"}).str("data", "id")
		link := e.v2OK("POST", "/v2/checkout-links", e.key, map[string]any{"amountMinor": 100, "currency": "GHS"}).str("data", "id")
		_, events0 := e.counts()
		objects0, versions0 := e.catalogCounts()

		past := e.clock.Now().Add(-time.Hour).Format(time.RFC3339)
		line := func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return map[string]any{"customerEmail": "a@example.com", "lineItems": []any{m}}
		}
		product := func(kv ...any) map[string]any {
			m := map[string]any{"name": "Tea", "amountMinor": 100, "currency": "GHS"}
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == nil {
					delete(m, kv[i].(string))
				} else {
					m[kv[i].(string)] = kv[i+1]
				}
			}
			return m
		}
		cases := []struct {
			name, method, path string
			body               any // map → JSON; string → raw JSON
			status             int
			code, param        string
		}{
			// Products.
			{"ProductNameMissing", "POST", "/v2/products", product("name", nil), 400, "parameter_missing", "name"},
			{"ProductNameEmpty", "POST", "/v2/products", product("name", " "), 400, "parameter_invalid_empty", "name"},
			{"ProductAmountMissing", "POST", "/v2/products", product("amountMinor", nil), 400, "parameter_missing", "amountMinor"},
			{"ProductAmountNegative", "POST", "/v2/products", product("amountMinor", -1), 400, "parameter_invalid_integer", "amountMinor"},
			{"ProductAmountString", "POST", "/v2/products", product("amountMinor", "100"), 400, "parameter_invalid_integer", "amountMinor"},
			{"ProductCurrencyMissing", "POST", "/v2/products", product("currency", nil), 400, "parameter_missing", "currency"},
			{"ProductCurrencyUnknown", "POST", "/v2/products", product("currency", "XYZ"), 400, "currency_invalid", "currency"},
			{"ProductImage", "POST", "/v2/products", product("images", []string{"ftp://x"}), 400, "url_invalid", "images[0]"},
			{"ProductActiveNotBool", "POST", "/v2/products", product("active", "yes"), 400, "parameter_invalid_boolean", "active"},
			{"ProductCanonicalName", "POST", "/v2/products", product("unit_amount", 100), 400, "parameter_unknown", "unit_amount"},
			{"ProductID", "POST", "/v2/products", product("id", "prod_mine"), 400, "parameter_unknown", "id"},
			{"ProductMetadataValue", "POST", "/v2/products", product("metadata", map[string]any{"k": 5}), 400, "parameter_invalid_string", "metadata.k"},
			{"ProductUpdateAmount", "POST", "/v2/products/" + tea, map[string]any{"amountMinor": -5}, 400, "parameter_invalid_integer", "amountMinor"},
			{"ProductUpdateMissing", "POST", "/v2/products/prod_nope", map[string]any{"name": "X"}, 404, "resource_missing", "id"},
			{"ProductArchiveMissing", "POST", "/v2/products/prod_nope/archive", nil, 404, "resource_missing", "id"},
			{"ProductArchiveParam", "POST", "/v2/products/" + tea + "/archive", map[string]any{"reason": "x"}, 400, "parameter_unknown", "reason"},
			{"ProductGetParam", "GET", "/v2/products/" + tea + "?expand=x", nil, 400, "parameter_unknown", "expand"},
			{"ProductListActive", "GET", "/v2/products?active=maybe", nil, 400, "parameter_invalid_boolean", "active"},
			{"ProductListLimit", "GET", "/v2/products?limit=0", nil, 400, "parameter_invalid_integer", "limit"},
			{"ProductListCursor", "GET", "/v2/products?startingAfter=prod_nope", nil, 404, "resource_missing", "startingAfter"},
			{"ProductListCanonicalCursor", "GET", "/v2/products?starting_after=" + tea, nil, 400, "parameter_unknown", "starting_after"},

			// Invoices.
			{"InvoiceEmailMissing", "POST", "/v2/invoices", map[string]any{"currency": "GHS"}, 400, "parameter_missing", "customerEmail"},
			{"InvoiceEmailInvalid", "POST", "/v2/invoices", map[string]any{"customerEmail": "x"}, 400, "email_invalid", "customerEmail"},
			{"InvoiceAmountDue", "POST", "/v2/invoices", map[string]any{"customerEmail": "a@example.com", "amountDue": 100}, 400, "parameter_unknown", "amountDue"},
			{"InvoiceStatus", "POST", "/v2/invoices", map[string]any{"customerEmail": "a@example.com", "status": "paid"}, 400, "parameter_unknown", "status"},
			{"InvoiceDueDatePast", "POST", "/v2/invoices", map[string]any{"customerEmail": "a@example.com", "dueDate": past}, 400, "parameter_invalid", "dueDate"},
			{"InvoiceDueDateText", "POST", "/v2/invoices", map[string]any{"customerEmail": "a@example.com", "dueDate": "next week"}, 400, "parameter_invalid_timestamp", "dueDate"},
			{"InvoiceDueDateNumber", "POST", "/v2/invoices", map[string]any{"customerEmail": "a@example.com", "dueDate": 1893456000}, 400, "parameter_invalid_string", "dueDate"},
			{"InvoiceCurrency", "POST", "/v2/invoices", map[string]any{"customerEmail": "a@example.com", "currency": "ZZZ"}, 400, "currency_invalid", "currency"},
			{"InvoiceLinesNotArray", "POST", "/v2/invoices", map[string]any{"customerEmail": "a@example.com", "lineItems": "x"}, 400, "parameter_invalid_array", "lineItems"},
			{"InvoiceLineQuantityMissing", "POST", "/v2/invoices", line("name", "Fee", "unitAmountMinor", 100), 400, "parameter_missing", "lineItems[0].quantity"},
			{"InvoiceLineQuantityZero", "POST", "/v2/invoices", line("name", "Fee", "unitAmountMinor", 100, "quantity", 0), 400, "parameter_invalid_integer", "lineItems[0].quantity"},
			{"InvoiceLineQuantityText", "POST", "/v2/invoices", line("name", "Fee", "unitAmountMinor", 100, "quantity", "2"), 400, "parameter_invalid_integer", "lineItems[0].quantity"},
			{"InvoiceLineAmountMissing", "POST", "/v2/invoices", line("name", "Fee", "quantity", 1), 400, "parameter_missing", "lineItems[0].unitAmountMinor"},
			{"InvoiceLineAmountNegative", "POST", "/v2/invoices", line("name", "Fee", "quantity", 1, "unitAmountMinor", -1), 400, "parameter_invalid_integer", "lineItems[0].unitAmountMinor"},
			{"InvoiceLineNameMissing", "POST", "/v2/invoices", line("unitAmountMinor", 100, "quantity", 1), 400, "parameter_missing", "lineItems[0].name"},
			{"InvoiceLineProductUnknown", "POST", "/v2/invoices", line("productId", "prod_nope", "quantity", 1), 400, "resource_missing", "lineItems[0].productId"},
			{"InvoiceLineProductArchived", "POST", "/v2/invoices", line("productId", old, "quantity", 1), 400, "product_inactive", "lineItems[0].productId"},
			{"InvoiceLineProductCurrency", "POST", "/v2/invoices", map[string]any{"customerEmail": "a@example.com", "currency": "GHS",
				"lineItems": []any{map[string]any{"productId": eur, "quantity": 1}}}, 400, "currency_mismatch", "lineItems[0].productId"},
			{"InvoiceLineProductAndAmount", "POST", "/v2/invoices", line("productId", tea, "quantity", 1, "unitAmountMinor", 5), 400, "parameter_unexpected", "lineItems[0].unitAmountMinor"},
			{"InvoiceLineUnknown", "POST", "/v2/invoices", line("name", "Fee", "unitAmountMinor", 100, "quantity", 1, "price_data", map[string]any{}), 400, "parameter_unknown", "lineItems[0].price_data"},
			{"InvoiceFinalizeEmpty", "POST", "/v2/invoices/" + empty + "/finalize", nil, 400, "amount_too_small", "lineItems"},
			{"InvoiceFinalizeParam", "POST", "/v2/invoices/" + draft + "/finalize", map[string]any{"dueDate": "2030-01-01"}, 400, "parameter_unknown", "dueDate"},
			{"InvoiceFinalizeMissing", "POST", "/v2/invoices/in_nope/finalize", nil, 404, "resource_missing", "id"},
			{"InvoiceVoidDraft", "POST", "/v2/invoices/" + draft + "/void", nil, 400, "invoice_not_open", ""},
			{"InvoiceGetMissing", "GET", "/v2/invoices/in_nope", nil, 404, "resource_missing", "id"},
			{"InvoiceListStatus", "GET", "/v2/invoices?status=late", nil, 400, "parameter_invalid", "status"},

			// Checkout links.
			{"LinkNoSource", "POST", "/v2/checkout-links", map[string]any{"successUrl": "https://shop.example/ok"}, 400, "parameter_missing", "amountMinor"},
			{"LinkTwoSources", "POST", "/v2/checkout-links", map[string]any{"productId": tea, "amountMinor": 100, "currency": "GHS"}, 400, "parameter_unexpected", "amountMinor"},
			{"LinkProductCurrency", "POST", "/v2/checkout-links", map[string]any{"productId": tea, "currency": "GHS"}, 400, "parameter_unexpected", "currency"},
			{"LinkAmountNoCurrency", "POST", "/v2/checkout-links", map[string]any{"amountMinor": 100}, 400, "parameter_missing", "currency"},
			{"LinkAmountQuantity", "POST", "/v2/checkout-links", map[string]any{"amountMinor": 100, "currency": "GHS", "quantity": 2}, 400, "parameter_unexpected", "quantity"},
			{"LinkAmountTooSmall", "POST", "/v2/checkout-links", map[string]any{"amountMinor": 0, "currency": "GHS"}, 400, "amount_too_small", "amountMinor"},
			{"LinkProductUnknown", "POST", "/v2/checkout-links", map[string]any{"productId": "prod_nope"}, 400, "resource_missing", "productId"},
			{"LinkProductEmpty", "POST", "/v2/checkout-links", map[string]any{"productId": ""}, 400, "parameter_invalid_empty", "productId"},
			{"LinkQuantityZero", "POST", "/v2/checkout-links", map[string]any{"productId": tea, "quantity": 0}, 400, "parameter_invalid_integer", "quantity"},
			{"LinkLimitZero", "POST", "/v2/checkout-links", map[string]any{"amountMinor": 100, "currency": "GHS", "maxCompletedSessions": 0}, 400, "parameter_invalid_integer", "maxCompletedSessions"},
			{"LinkSuccessURL", "POST", "/v2/checkout-links", map[string]any{"amountMinor": 100, "currency": "GHS", "successUrl": "javascript:alert(1)"}, 400, "url_invalid", "successUrl"},
			{"LinkMethod", "POST", "/v2/checkout-links", map[string]any{"amountMinor": 100, "currency": "GHS", "allowedMethods": []string{"cash"}}, 400, "payment_method_invalid", "allowedMethods[0]"},
			{"LinkInStore", "POST", "/v2/checkout-links", map[string]any{"amountMinor": 100, "currency": "GHS", "allowedMethods": []string{"card", "in_store"}}, 400, "payment_method_invalid", "allowedMethods[1]"},
			{"LinkExpiresPast", "POST", "/v2/checkout-links", map[string]any{"amountMinor": 100, "currency": "GHS", "expiresAt": past}, 400, "parameter_invalid", "expiresAt"},
			{"LinkCanonicalName", "POST", "/v2/checkout-links", map[string]any{"amountMinor": 100, "currency": "GHS", "success_url": "https://shop.example/"}, 400, "parameter_unknown", "success_url"},
			{"LinkUpdateAmount", "POST", "/v2/checkout-links/" + link, map[string]any{"amountMinor": 200}, 400, "parameter_unknown", "amountMinor"},
			{"LinkUpdateActive", "POST", "/v2/checkout-links/" + link, map[string]any{"active": "no"}, 400, "parameter_invalid_boolean", "active"},
			{"LinkUpdateMissing", "POST", "/v2/checkout-links/plink_nope", map[string]any{"active": false}, 404, "resource_missing", "id"},
			{"LinkGetMissing", "GET", "/v2/checkout-links/plink_nope", nil, 404, "resource_missing", "id"},
			{"LinkMalformedJSON", "POST", "/v2/checkout-links", `{"amountMinor": 100,}`, 400, "invalid_json", ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				var body []byte
				switch b := c.body.(type) {
				case string:
					body = []byte(b)
				case nil:
				default:
					var err error
					if body, err = jsonMarshal(b); err != nil {
						t.Fatal(err)
					}
				}
				r := e.do(c.method, c.path, "", "application/json", body, "x-api-key", e.key)
				if r.status != c.status || r.str("error", "code") != c.code {
					t.Fatalf("%d %s, want %d %s", r.status, r.body, c.status, c.code)
				}
				param := r.get("error", "param")
				if c.param == "" && param != nil || c.param != "" && param != c.param {
					t.Errorf("param %v, want %q (%s)", param, c.param, r.body)
				}
				if msg := r.str("error", "message"); msg == "" || c.code != "parameter_unknown" && (strings.Contains(msg, "price_data") || strings.Contains(msg, "unit_amount")) {
					t.Errorf("message %q speaks canonical names", msg)
				}
				if _, ev := e.counts(); ev != events0 {
					t.Fatalf("a refused request wrote %d events", ev-events0)
				}
				if n, v := e.catalogCounts(); n != objects0 || v != versions0 {
					t.Fatalf("a refused request wrote: %d objects (want %d), versions adding up to %d (want %d)", n, objects0, v, versions0)
				}
			})
		}
		if len(cases) < 18 {
			t.Fatalf("only %d cases", len(cases))
		}
		// The objects the refusals named are as they were.
		if g := e.v2OK("GET", "/v2/products/"+tea, e.key, nil); g.get("data", "amountMinor") != 400.0 || g.get("data", "active") != true {
			t.Fatalf("the product after refusals: %s", g.body)
		}
		if g := e.v2OK("GET", "/v2/invoices/"+draft, e.key, nil); g.str("data", "status") != "draft" {
			t.Fatalf("the invoice after refusals: %s", g.body)
		}
		if g := e.v2OK("GET", "/v2/checkout-links/"+link, e.key, nil); g.get("data", "active") != true || g.get("data", "amountMinor") != 100.0 {
			t.Fatalf("the link after refusals: %s", g.body)
		}
	})
}

// TestOpenAPIV2Catalog holds the catalog's routes to openapi.json: each
// request and answer, refusals included, validates against the document.
func TestOpenAPIV2Catalog(t *testing.T) {
	o := newOAEnv(t)
	call := func(method, path string, body any, status int) *response {
		t.Helper()
		verdict := oaValid
		if status != 200 {
			verdict = oaSkip // the document cannot say every rule
		}
		var b []byte
		ct := ""
		if body != nil {
			b, ct = oaJSON(t, body), "application/json"
		}
		return o.exchange(oaRequest{method: method, path: path, auth: oaAPIKey(o.key), contentType: ct, body: b, status: status, request: verdict})
	}
	tea := call("POST", "/v2/products", map[string]any{"name": "Tea", "description": "Green", "images": []string{"https://shop.example/tea.png"},
		"amountMinor": 350, "currency": "ghs", "active": true, "metadata": map[string]any{"sku": "T1"}}, 200).str("data", "id")
	call("POST", "/v2/products", map[string]any{"name": "Tea"}, 400)
	call("GET", "/v2/products/"+tea, nil, 200)
	call("GET", "/v2/products/prod_nope", nil, 404)
	call("POST", "/v2/products/"+tea, map[string]any{"amountMinor": 400}, 200)
	call("GET", "/v2/products?limit=1&active=true", nil, 200)
	old := call("POST", "/v2/products", map[string]any{"name": "Old", "amountMinor": 100, "currency": "GHS"}, 200).str("data", "id")
	call("POST", "/v2/products/"+old+"/archive", nil, 200)

	due := o.clock.Now().Add(72 * time.Hour).Format(time.DateOnly)
	in := call("POST", "/v2/invoices", map[string]any{"customerEmail": "ama@example.com", "customerName": "Ama", "description": "March",
		"currency": "GHS", "dueDate": due, "metadata": map[string]any{"order": "42"}, "lineItems": []any{
			map[string]any{"productId": tea, "quantity": 2},
			map[string]any{"name": "Delivery", "description": "By bike", "unitAmountMinor": 1000, "quantity": 1}}}, 200).str("data", "id")
	o.exchange(oaRequest{method: "POST", path: "/v2/invoices", auth: oaAPIKey(o.key), contentType: "application/json",
		body: oaJSON(t, map[string]any{"customerEmail": "ama@example.com", "amountDue": 5}), status: 400, request: oaInvalid})
	call("GET", "/v2/invoices/"+in, nil, 200)
	call("POST", "/v2/invoices/"+in+"/finalize", nil, 200)
	call("GET", "/v2/invoices?status=open", nil, 200)
	o.exchange(oaRequest{method: "GET", path: "/v2/invoices?status=late", auth: oaAPIKey(o.key), status: 400, request: oaInvalid})
	call("POST", "/v2/invoices/"+in+"/void", nil, 200)
	call("POST", "/v2/invoices/in_nope/void", nil, 404)

	l := call("POST", "/v2/checkout-links", map[string]any{"productId": tea, "quantity": 2, "successUrl": "https://shop.example/thanks",
		"allowedMethods": []string{"card"}, "maxCompletedSessions": 5, "expiresAt": o.clock.Now().Add(time.Hour).Format(time.RFC3339),
		"description": "Tea for two", "metadata": map[string]any{"campaign": "spring"}}, 200).str("data", "id")
	call("POST", "/v2/checkout-links", map[string]any{"amountMinor": 2500, "currency": "eur"}, 200)
	call("POST", "/v2/checkout-links", map[string]any{"currency": "eur"}, 400)
	call("GET", "/v2/checkout-links/"+l, nil, 200)
	call("GET", "/v2/checkout-links?limit=1", nil, 200)
	call("POST", "/v2/checkout-links/"+l, map[string]any{"active": false, "description": "Closed"}, 200)
	o.exchange(oaRequest{method: "POST", path: "/v2/checkout-links/" + l, auth: oaAPIKey(o.key), contentType: "application/json",
		body: oaJSON(t, map[string]any{"amountMinor": 5}), status: 400, request: oaInvalid})
	call("GET", "/v2/checkout-links/plink_nope", nil, 404)
}
