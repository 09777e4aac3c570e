package http_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	chttp "github.com/checkoutd/checkoutd/http"
	"github.com/checkoutd/checkoutd/service"
)

// whEvents are a receiver's requests, each verified with secret, decoded
// and keyed by event id.
func whEvents(t *testing.T, reqs []whRequest, secret string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, rq := range reqs {
		ev := whVerify(t, rq, secret)
		var m map[string]any
		if err := json.Unmarshal(rq.body, &m); err != nil {
			t.Fatal(err)
		}
		if m["id"] != ev.ID {
			t.Errorf("the body's id %v is not the verified event's %s", m["id"], ev.ID)
		}
		out[ev.ID] = m
	}
	return out
}

// dataObject is data.object of a decoded event.
func dataObject(ev map[string]any) map[string]any {
	d, _ := ev["data"].(map[string]any)
	o, _ := d["object"].(map[string]any)
	return o
}

// TestV2WebhookFormat: one account with a canonical endpoint and a v2 one,
// both taking every event. An invoice paid through a session made for it,
// a product, a payment link and an expired session reach both endpoints
// as the same events (ids, instants, sequences), each body signed with its
// endpoint's secret: the canonical one in the canonical shape, the v2 one
// with the dialect's type names and objects as /v2/… shows them.
func TestV2WebhookFormat(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, openStore(t, kind))
		e.configure(func(c *service.Config) { c.EventFormats = chttp.EventFormats(testPublicURL, nil) })
		e.webhooks(true)
		canon, v2 := newWHReceiver(t), newWHReceiver(t)
		_, csecret := e.newEndpoint(e.key, map[string]any{"url": canon.url(), "enabled_events": []string{"*"}})
		r := e.postJSON("/v1/webhook_endpoints", e.key, map[string]any{"url": v2.url(), "enabled_events": []string{"*"}, "format": "v2"})
		if r.status != 200 || r.str("format") != "v2" {
			t.Fatalf("create with format v2: %d %s", r.status, r.body)
		}
		vid, vsecret := r.str("id"), r.str("secret")
		if g := e.get("/v1/webhook_endpoints/"+vid, e.key); g.str("format") != "v2" {
			t.Errorf("the stored format: %s", g.body)
		}

		// An unknown format is refused by name, on create and update, and
		// writes nothing.
		before := e.endpointsState()
		for _, path := range []string{"/v1/webhook_endpoints", "/v1/webhook_endpoints/" + vid} {
			r := e.postJSON(path, e.key, map[string]any{"url": v2.url(), "enabled_events": []string{"*"}, "format": "V2"})
			if r.status != 400 || r.str("error", "param") != "format" || !strings.Contains(r.str("error", "message"), "canonical, checkout_sessions, v2") {
				t.Errorf("%s with format V2: %d %s", path, r.status, r.body)
			}
		}
		if after := e.endpointsState(); after != before {
			t.Errorf("a refused format changed endpoints:\n%s\n%s", before, after)
		}

		// A product, an invoice for two of it, finalized, and a session
		// for the invoice, paid by the simulator's test card.
		tea := e.postJSON("/v1/products", e.key, map[string]any{"name": "Tea", "unit_amount": 350, "currency": "GHS"})
		if tea.status != 200 {
			t.Fatalf("product: %d %s", tea.status, tea.body)
		}
		in := e.postJSON("/v1/invoices", e.key, map[string]any{"customer_email": "ama@example.com", "customer_name": "Ama", "currency": "GHS",
			"line_items": []any{map[string]any{"product": tea.str("id"), "quantity": 2}}})
		if in.status != 200 {
			t.Fatalf("invoice: %d %s", in.status, in.body)
		}
		inv := in.str("id")
		if r := e.do("POST", "/v1/invoices/"+inv+"/finalize", e.key, "", nil); r.status != 200 || r.str("status") != "open" {
			t.Fatalf("finalize: %d %s", r.status, r.body)
		}
		body := validSession()
		delete(body, "amount")
		body["invoice"] = inv
		cs := e.create(e.key, body)
		sid := cs.str("id")
		card := &checkout.Card{Number: "4242424242424242", ExpMonth: 12, ExpYear: e.clock.Now().Year() + 5, CVC: "123"}
		_, pay, err := e.svc.Pay(t.Context(), sid, service.PayParams{Method: checkout.MethodCard, Card: card})
		if err != nil || pay.Status != checkout.PaymentSucceeded {
			t.Fatalf("pay: %v %+v", err, pay)
		}
		link := e.postJSON("/v1/payment_links", e.key, map[string]any{"amount": 1200, "currency": "GHS"})
		if link.status != 200 {
			t.Fatalf("payment link: %d %s", link.status, link.body)
		}
		gone := e.create(e.key, validSession()).str("id")
		if r := e.do("POST", "/v1/checkout/sessions/"+gone+"/expire", e.key, "", nil); r.status != 200 {
			t.Fatalf("expire: %d %s", r.status, r.body)
		}

		// Every event written (each in the same write as its change, so
		// all are there now) reaches both endpoints.
		list := e.get("/v1/events?limit=100", e.key)
		written, _ := list.get("data").([]any)
		if len(written) < 8 || list.get("has_more") != false {
			t.Fatalf("events: %s", list.body)
		}
		cg := whEvents(t, canon.wait(t, len(written)), csecret)
		vg := whEvents(t, v2.wait(t, len(written)), vsecret)
		whRefused(t, v2.requests()[0], csecret)
		if len(cg) != len(written) || len(vg) != len(written) {
			t.Fatalf("%d events written; canonical endpoint got %d, v2 endpoint %d", len(written), len(cg), len(vg))
		}
		byType := map[string]map[string]any{} // v2 events by their v2 type
		for id, c := range cg {
			v := vg[id]
			if v == nil {
				t.Errorf("event %s (%v) did not reach the v2 endpoint", id, c["type"])
				continue
			}
			want, ok := chttp.V2EventType(c["type"].(string))
			if !ok || v["type"] != want {
				t.Errorf("event %s: canonical type %v, v2 type %v (want %q)", id, c["type"], v["type"], want)
			}
			if v["object"] != "event" || v["createdAt"] != c["created_at"] || v["livemode"] != c["livemode"] || v["sequence"] != c["sequence"] {
				t.Errorf("event %s: v2 envelope %v, canonical %v", id, v, c)
			}
			if _, ok := v["created"]; ok {
				t.Errorf("event %s: the v2 envelope carries the canonical created", id)
			}
			if _, ok := v["created_at"]; ok {
				t.Errorf("event %s: the v2 envelope carries created_at", id)
			}
			byType[v["type"].(string)] = v
			// The canonical endpoint gets canonical bodies.
			if co := dataObject(c); c["type"] == checkout.EventSessionCompleted && co["object"] != "checkout.session" {
				t.Errorf("canonical checkout.session.completed: %v", co)
			}
			if co := dataObject(c); c["type"] == checkout.EventInvoicePaid && (co["object"] != "invoice" || co["amount_paid"] != 700.0) {
				t.Errorf("canonical invoice.paid: %v", co)
			}
		}
		for _, typ := range []string{"checkout_session.completed", "checkout_session.expired", "invoice.created", "invoice.finalized",
			"invoice.paid", "product.created", "payment.succeeded", "checkout_link.created"} {
			if byType[typ] == nil {
				t.Fatalf("the v2 endpoint got no %s; got %v", typ, slices.Sorted(maps.Keys(byType)))
			}
		}

		done := dataObject(byType["checkout_session.completed"])
		tok, _ := done["publicToken"].(string)
		if done["object"] != "checkout_session" || done["id"] != sid || done["status"] != "completed" || done["paymentStatus"] != "paid" ||
			tok == "" || tok == sid || strings.Contains(tok, sid) || done["url"] != testPublicURL+"/p/"+tok ||
			done["invoiceId"] != inv || done["amountMinor"] != 700.0 || done["currency"] != "GHS" || done["paymentId"] != pay.ID ||
			done["completedAt"] == nil || done["expires_at"] == nil || done["allowed_methods"] == nil {
			t.Errorf("v2 checkout_session.completed data.object: %v", done)
		}
		if _, ok := done["amount_total"]; ok {
			t.Errorf("the v2 session carries a canonical field: %v", done)
		}
		paid := dataObject(byType["invoice.paid"])
		lines, _ := paid["lineItems"].([]any)
		if paid["object"] != "invoice" || paid["id"] != inv || paid["status"] != "paid" || paid["amountDue"] != 700.0 || paid["amountPaid"] != 700.0 ||
			paid["checkoutSessionId"] != sid || paid["customerEmail"] != "ama@example.com" || paid["paidAt"] == nil || len(lines) != 1 ||
			lines[0].(map[string]any)["productId"] != tea.str("id") || lines[0].(map[string]any)["unitAmountMinor"] != 350.0 {
			t.Errorf("v2 invoice.paid data.object: %v", paid)
		}
		if st := dataObject(byType["invoice.finalized"])["status"]; st != "open" {
			t.Errorf("v2 invoice.finalized status %v", st)
		}
		if p := dataObject(byType["product.created"]); p["object"] != "product" || p["amountMinor"] != 350.0 || p["currency"] != "GHS" || p["active"] != true {
			t.Errorf("v2 product.created data.object: %v", p)
		}
		if l := dataObject(byType["checkout_link.created"]); l["object"] != "checkout_link" || l["id"] != link.str("id") ||
			l["url"] != testPublicURL+"/l/"+link.str("id") || l["amountMinor"] != 1200.0 {
			t.Errorf("v2 checkout_link.created data.object: %v", l)
		}
		if x := dataObject(byType["checkout_session.expired"]); x["id"] != gone || x["status"] != "expired" || x["completedAt"] != nil {
			t.Errorf("v2 checkout_session.expired data.object: %v", x)
		}
		// A payment keeps its canonical shape in the v2 format.
		ps := byType["payment.succeeded"]
		if p := dataObject(ps); p["object"] != "payment" || p["id"] != pay.ID || !reflect.DeepEqual(p, dataObject(cg[ps["id"].(string)])) {
			t.Errorf("v2 payment.succeeded data.object: %v", p)
		}
	})
}

// canonicalEventTypes are the values of the checkout package's Event…
// string constants: every event type the service can write.
func canonicalEventTypes(t *testing.T) []string {
	t.Helper()
	pkgs, err := parser.ParseDir(token.NewFileSet(), "../checkout", func(fi os.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.CONST {
					continue
				}
				for _, s := range g.Specs {
					vs := s.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if !strings.HasPrefix(n.Name, "Event") || i >= len(vs.Values) {
							continue
						}
						lit, ok := vs.Values[i].(*ast.BasicLit)
						if !ok || lit.Kind != token.STRING {
							continue
						}
						v, _ := strconv.Unquote(lit.Value)
						out = append(out, v)
					}
				}
			}
		}
	}
	slices.Sort(out)
	if len(out) < 20 || !slices.Contains(out, checkout.EventInvoicePaid) {
		t.Fatalf("the checkout package's event types were not found: %v", out)
	}
	return out
}

// TestV2EventTypesComplete: every canonical event type has a v2 name, by
// the dialect's rule (checkout.session.* → checkout_session.*,
// payment_link.* → checkout_link.*, the rest unchanged), no two share one,
// and the README's table and openapi.json's EventV2 say the same.
func TestV2EventTypesComplete(t *testing.T) {
	types := canonicalEventTypes(t)
	for _, typ := range service.EventTypes {
		if !slices.Contains(types, typ) {
			t.Errorf("service.EventTypes has %q, which is no constant of the checkout package", typ)
		}
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties struct {
					Type struct {
						Enum []string `json:"enum"`
					} `json:"type"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	spec, err := os.ReadFile("openapi.json")
	if err == nil {
		err = json.Unmarshal(spec, &doc)
	}
	if err != nil {
		t.Fatal(err)
	}
	documented := doc.Components.Schemas["EventV2"].Properties.Type.Enum
	seen := map[string]string{}
	for _, typ := range types {
		name, ok := chttp.V2EventType(typ)
		if !ok {
			t.Errorf("event type %q has no v2 name (http/v2_events.go, v2EventTypes)", typ)
			continue
		}
		want := typ
		if rest, ok := strings.CutPrefix(typ, "checkout.session."); ok {
			want = "checkout_session." + rest
		} else if rest, ok := strings.CutPrefix(typ, "payment_link."); ok {
			want = "checkout_link." + rest
		}
		if name != want {
			t.Errorf("event type %q is %q in v2, want %q", typ, name, want)
		}
		if other, dup := seen[name]; dup {
			t.Errorf("%q and %q are both %q in v2", typ, other, name)
		}
		seen[name] = typ
		if row := "| `" + typ + "` | `" + name + "` |"; !strings.Contains(string(readme), row) {
			t.Errorf("README.md has no row %s", row)
		}
		if !slices.Contains(documented, name) {
			t.Errorf("openapi.json's EventV2 type enum lacks %q", name)
		}
	}
	for _, name := range documented {
		if _, ok := seen[name]; !ok {
			t.Errorf("openapi.json's EventV2 type enum has %q, which no event type maps to", name)
		}
	}
	if _, ok := chttp.V2EventType("checkout.session.nope"); ok {
		t.Error("an unknown type has a v2 name")
	}
}

// TestV2EventObjects: what the delivery test cannot make happen. A device
// in an event reads as /v2/devices shows it, with neither of its secrets'
// hashes; a payment.refunded event (a payment with the refund beside it)
// carries the payment, and a webhook_endpoint.disabled the endpoint, both
// canonical, as in the canonical format.
func TestV2EventObjects(t *testing.T) {
	now := time.Date(2026, 4, 21, 15, 30, 0, 0, time.UTC)
	enc := chttp.V2Events{PublicURL: testPublicURL + "/"}
	encode := func(ev *checkout.Event) map[string]any {
		t.Helper()
		ev.ID, ev.AccountID, ev.Created, ev.Sequence = "evt_1", "acct_a", now, 3
		b, err := enc.EncodeEvent(ev)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if m["id"] != "evt_1" || m["object"] != "event" || m["createdAt"] != "2026-04-21T15:30:00Z" || m["sequence"] != 3.0 {
			t.Errorf("envelope %s", b)
		}
		return m
	}

	dev := &checkout.Device{ID: "dev_1", AccountID: "acct_a", Name: "Counter", Status: checkout.DeviceActive,
		PairingHash: "pairinghash", TokenHash: "tokenhash", PairedAt: now, Version: 2, Created: now, Updated: now}
	m := encode(&checkout.Event{Type: "device.updated", ObjectID: dev.ID, Object: dev})
	o := dataObject(m)
	if o["object"] != "device" || o["id"] != "dev_1" || o["name"] != "Counter" || o["status"] != "active" || o["pairedAt"] != "2026-04-21T15:30:00Z" {
		t.Errorf("device %v", o)
	}
	if b, _ := json.Marshal(m); strings.Contains(string(b), "hash") || o["deviceToken"] != nil || o["pairingCode"] != nil {
		t.Errorf("a device's secret in its event: %s", b)
	}
	// A type this table does not know is sent as it is, not dropped.
	if m["type"] != "device.updated" {
		t.Errorf("an unknown type became %v", m["type"])
	}

	pay := &checkout.Payment{ID: "pay_1", AccountID: "acct_a", SessionID: "cs_1", Method: checkout.MethodCard, Amount: 700, Currency: "GHS",
		AmountRefunded: 700, Status: checkout.PaymentSucceeded, Created: now, Updated: now}
	ref := &checkout.Refund{ID: "re_1", AccountID: "acct_a", Payment: "pay_1", Amount: 700, Currency: "GHS", Created: now, Updated: now}
	m = encode(&checkout.Event{Type: checkout.EventPaymentRefunded, ObjectID: pay.ID, Payment: pay, Object: ref})
	if o := dataObject(m); m["type"] != "payment.refunded" || o["object"] != "payment" || o["id"] != "pay_1" || o["amount_refunded"] != 700.0 {
		t.Errorf("payment.refunded %v", m)
	}

	ep := &checkout.WebhookEndpoint{ID: "we_1", AccountID: "acct_a", URL: "https://hooks.example/in", EnabledEvents: []string{"*"},
		Disabled: true, DisabledReason: "410 Gone", Format: chttp.FormatV2, Created: now, Updated: now}
	m = encode(&checkout.Event{Type: checkout.EventEndpointDisabled, ObjectID: ep.ID, Endpoint: ep})
	if o := dataObject(m); m["type"] != "webhook_endpoint.disabled" || o["object"] != "webhook_endpoint" || o["disabled_reason"] != "410 Gone" || o["secret"] != nil {
		t.Errorf("webhook_endpoint.disabled %v", m)
	}

	// A session's page is under the public URL, whatever its trailing slash.
	sess := &checkout.Session{ID: "cs_1", AccountID: "acct_a", PublicToken: "pt_1_abcdefghijklmnopqrstuv", Status: checkout.SessionOpen, Currency: "GHS",
		AmountTotal: 700, Created: now, Updated: now, ExpiresAt: now.Add(time.Hour)}
	m = encode(&checkout.Event{Type: checkout.EventSessionExpired, ObjectID: sess.ID, Session: sess})
	if o := dataObject(m); m["type"] != "checkout_session.expired" || o["url"] != testPublicURL+"/p/pt_1_abcdefghijklmnopqrstuv" || o["amountMinor"] != 700.0 {
		t.Errorf("session event %v", m)
	}
}
