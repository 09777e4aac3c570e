package http_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/client"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/service"
)

// A link's sessions link back to the link (their cancel_url), under the
// service's public URL: an absolute link a page may have.
func init() { merchantHosts = append(merchantHosts, strings.TrimPrefix(testPublicURL, "http://")) }

// paidHome checks that a payment of session id on a link without
// after_completion went to the session's own page (the receipt).
func paidHome(t *testing.T, p *htmlPage, id string) {
	t.Helper()
	if loc := p.location(); loc != testPublicURL+"/checkout/"+id {
		t.Fatalf("after paying, sent to %s, want the session's page", loc)
	}
}

// linkSession is the session id a visit to a link was sent to.
func linkSession(t *testing.T, p *htmlPage) string {
	t.Helper()
	loc := p.location()
	id, ok := strings.CutPrefix(loc, "/checkout/")
	if !ok || !strings.HasPrefix(id, "cs_") {
		t.Fatalf("a link's visit went to %s, want a session's page", loc)
	}
	return id
}

func (e *env) createLink(t *testing.T, v map[string]any) *response {
	t.Helper()
	r := e.postJSON("/v1/payment_links", e.key, v)
	if r.status != 200 {
		t.Fatalf("create link: %d %s", r.status, r.body)
	}
	return r
}

// TestPaymentLinksOnEveryStore drives a link through the API and its URL
// over each store: its shape, isolation, lists, two visits making two
// sessions, the sessions listed by link, and two customers paying its
// last place at once, of whom exactly one pays.
func TestPaymentLinksOnEveryStore(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, openStore(t, kind))
		l := e.createLink(t, map[string]any{
			"line_items":   []any{map[string]any{"quantity": 2, "price_data": map[string]any{"currency": "eur", "unit_amount": 350, "product_data": map[string]any{"name": "Bica"}}}},
			"restrictions": map[string]any{"completed_sessions": map[string]any{"limit": 1}},
			"description":  "Coffee", "metadata": map[string]any{"campaign": "spring"},
		})
		id := l.str("id")
		if !strings.HasPrefix(id, "plink_") || l.str("object") != "payment_link" || l.str("url") != testPublicURL+"/l/"+id ||
			l.get("amount") != 700.0 || l.str("currency") != "EUR" || l.get("active") != true || l.get("reusable") != true ||
			l.get("restrictions", "completed_sessions", "limit") != 1.0 || l.str("after_completion", "type") != "hosted_confirmation" ||
			l.get("completed_sessions") != 0.0 || l.get("livemode") != false || l.get("expires_at") != nil {
			t.Fatalf("link: %s", l.body)
		}
		if r := e.get("/v1/payment_links/"+id, e.key); r.status != 200 || r.str("id") != id {
			t.Fatalf("get: %d %s", r.status, r.body)
		}
		for name, key := range map[string]string{"other account": e.keyB, "live mode": e.liveA} {
			if r := e.get("/v1/payment_links/"+id, key); r.status != 404 {
				t.Errorf("%s reads the link: %d", name, r.status)
			}
		}

		// Lists page with cursors, newest first.
		l2 := e.createLink(t, map[string]any{"amount": 1000, "currency": "eur"}).str("id")
		l3 := e.createLink(t, map[string]any{"amount": 1000, "currency": "eur"}).str("id")
		p1 := e.get("/v1/payment_links?limit=2", e.key)
		data, _ := p1.get("data").([]any)
		if p1.status != 200 || len(data) != 2 || p1.get("has_more") != true || data[0].(map[string]any)["id"] != l3 || data[1].(map[string]any)["id"] != l2 {
			t.Fatalf("page 1: %s", p1.body)
		}
		p2 := e.get("/v1/payment_links?limit=2&starting_after="+l2, e.key)
		data, _ = p2.get("data").([]any)
		if len(data) != 1 || data[0].(map[string]any)["id"] != id || p2.get("has_more") != false {
			t.Fatalf("page 2: %s", p2.body)
		}
		if r := e.get("/v1/payment_links?limit=2&ending_before="+id, e.key); len(r.get("data").([]any)) != 2 {
			t.Fatalf("ending_before: %s", r.body)
		}

		// Two visits, two sessions, each carrying the link.
		a, b := linkSession(t, e.open(t, "/l/"+id)), linkSession(t, e.open(t, "/l/"+id))
		if a == b {
			t.Fatal("two visits gave one session")
		}
		s := e.get("/v1/checkout/sessions/"+a, e.key)
		if s.str("payment_link") != id || s.get("amount_total") != 700.0 || s.str("description") != "Coffee" || s.str("cancel_url") != testPublicURL+"/l/"+id {
			t.Fatalf("minted session: %s", s.body)
		}
		e.create(e.key, validSession()) // not the link's
		ls := e.get("/v1/checkout/sessions?payment_link="+id, e.key)
		data, _ = ls.get("data").([]any)
		if ls.status != 200 || len(data) != 2 || data[0].(map[string]any)["id"] != b || data[1].(map[string]any)["id"] != a {
			t.Fatalf("the link's sessions: %s", ls.body)
		}

		// Both customers pay the one place at once.
		forms := []url.Values{}
		for _, sid := range []string{a, b} {
			f := e.openOK(t, "/checkout/"+sid).form("card")
			f.values.Set("email", "c@example.com")
			f.values.Set("card_number", "4242424242424242")
			f.values.Set("card_expiry", futureExpiry())
			f.values.Set("card_cvc", "123")
			forms = append(forms, f.values)
		}
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i, sid := range []string{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := noRedirects.PostForm(e.srv.URL+"/checkout/"+sid+"/pay", forms[i])
				if err != nil {
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				statuses[i] = res.StatusCode
			}()
		}
		wg.Wait()
		complete := 0
		for i, sid := range []string{a, b} {
			if statuses[i] != http.StatusSeeOther {
				t.Fatalf("pay %s: %d", sid, statuses[i])
			}
			if e.get("/v1/checkout/sessions/"+sid, e.key).str("status") == "complete" {
				complete++
			}
		}
		pays := e.get("/v1/payments", e.key)
		if n := len(pays.get("data").([]any)); complete != 1 || n != 1 {
			t.Fatalf("%d sessions completed, %d payments made; want exactly one of each", complete, n)
		}
		if r := e.get("/v1/payment_links/"+id, e.key); r.get("completed_sessions") != 1.0 || r.get("restrictions", "completed_sessions", "count") != 1.0 {
			t.Fatalf("after the race: %s", r.body)
		}
		if p := e.open(t, "/l/"+id); p.status != http.StatusGone || !strings.Contains(p.text(), "no longer available") {
			t.Fatalf("visit of an exhausted link: %d %s", p.status, p.text())
		}

		// Updates: active, description, metadata; each with its event.
		u := e.do("POST", "/v1/payment_links/"+l2, e.key, "application/x-www-form-urlencoded", []byte("active=false&description=Closed&metadata[k]=v"))
		if u.status != 200 || u.get("active") != false || u.str("description") != "Closed" || u.str("metadata", "k") != "v" {
			t.Fatalf("update: %d %s", u.status, u.body)
		}
		ev := e.get("/v1/events?type=payment_link.updated", e.key)
		data, _ = ev.get("data").([]any)
		if len(data) != 1 || data[0].(map[string]any)["data"].(map[string]any)["object"].(map[string]any)["active"] != false {
			t.Fatalf("updated event: %s", ev.body)
		}
		if ev := e.get("/v1/events?type=payment_link.created", e.key); len(ev.get("data").([]any)) != 3 {
			t.Fatalf("created events: %s", ev.body)
		}
	})
}

// TestPaymentLinkBadInput: each bad request is refused naming its
// parameter, and writes nothing.
func TestPaymentLinkBadInput(t *testing.T) {
	e := newEnv(t)
	past := e.clock.Now().Add(-time.Hour).Unix()
	form := "application/x-www-form-urlencoded"
	cases := []struct {
		name, ctype, body, param string
	}{
		{"NoAmount", form, "currency=eur", "amount"},
		{"AmountNotInteger", form, "amount=ten&currency=eur", "amount"},
		{"AmountTooSmall", form, "amount=0&currency=eur", "amount"},
		{"Currency", form, "amount=100&currency=zzz", "currency"},
		{"LimitZero", form, "amount=100&restrictions[completed_sessions][limit]=0", "restrictions[completed_sessions][limit]"},
		{"LimitTooBig", form, "amount=100&restrictions[completed_sessions][limit]=10001", "restrictions[completed_sessions][limit]"},
		{"LimitNotInteger", form, "amount=100&restrictions[completed_sessions][limit]=many", "restrictions[completed_sessions][limit]"},
		{"Reusable", form, "amount=100&reusable=maybe", "reusable"},
		{"Active", "application/json", `{"amount":100,"active":"yes"}`, "active"},
		{"ExpiresAtPast", form, fmt.Sprintf("amount=100&expires_at=%d", past), "expires_at"},
		{"ExpiresAtNotATime", form, "amount=100&expires_at=tomorrow", "expires_at"},
		{"RedirectURL", form, "amount=100&after_completion[redirect][url]=javascript:alert(1)", "after_completion[redirect][url]"},
		{"RedirectMissing", form, "amount=100&after_completion[type]=redirect", "after_completion[redirect][url]"},
		{"AfterCompletionType", form, "amount=100&after_completion[type]=elsewhere", "after_completion[type]"},
		{"LineItemQuantity", "application/json", `{"line_items":[{"price_data":{"currency":"eur","unit_amount":100,"product_data":{"name":"x"}}}]}`, "line_items[0][quantity]"},
		{"LineItemName", "application/json", `{"line_items":[{"quantity":1,"price_data":{"currency":"eur","unit_amount":100}}]}`, "line_items[0][price_data][product_data][name]"},
		{"Method", "application/json", `{"amount":100,"payment_method_types":["bitcorn"]}`, "payment_method_types[0]"},
		{"Description", "application/json", `{"amount":100,"description":"` + strings.Repeat("x", 501) + `"}`, "description"},
		{"Unknown", form, "amount=100&colour=blue", "colour"},
		{"SuccessURLIsNotAParameter", form, "amount=100&success_url=https://shop.example/", "success_url"},
	}
	sessions0, events0 := e.counts()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do("POST", "/v1/payment_links", e.key, c.ctype, []byte(c.body))
			if r.status != 400 || r.str("error", "param") != c.param {
				t.Fatalf("%d %s, want 400 naming %s", r.status, r.body, c.param)
			}
		})
	}
	id := e.createLink(t, map[string]any{"amount": 100}).str("id")
	_, events1 := e.counts()
	for _, c := range []struct{ name, body, param string }{
		{"UpdateAmount", "amount=200", "amount"},
		{"UpdateLimit", "restrictions[completed_sessions][limit]=3", "restrictions[completed_sessions][limit]"},
		{"UpdateReusable", "reusable=false", "reusable"},
		{"UpdateActive", "active=perhaps", "active"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.do("POST", "/v1/payment_links/"+id, e.key, form, []byte(c.body))
			if r.status != 400 || r.str("error", "param") != c.param {
				t.Fatalf("%d %s, want 400 naming %s", r.status, r.body, c.param)
			}
		})
	}
	if r := e.do("POST", "/v1/payment_links/plink_nope", e.key, form, []byte("active=false")); r.status != 404 || r.str("error", "param") != "id" {
		t.Fatalf("update of no link: %d %s", r.status, r.body)
	}
	sessions, events := e.counts()
	if sessions != sessions0 || events0 != 0 || events1 != 1 || events != events1 {
		t.Fatalf("bad input wrote: sessions %d→%d, events %d→%d→%d", sessions0, sessions, events0, events1, events)
	}
	p, err := e.store.ListObjects(context.Background(), checkout.Scope{AccountID: "acct_a"}, checkout.PaymentLinkKind, checkout.ListParams{Limit: 10})
	if err != nil || len(p.Items) != 1 {
		t.Fatalf("%d links stored, want the one good one: %v", len(p.Items), err)
	}
	if got := p.Items[0].(*checkout.PaymentLink); got.Version != 1 || got.Amount != 100 {
		t.Fatalf("a refused update changed the link: %+v", got)
	}
}

// TestPaymentLinkPages: a link that mints no session shows a page of its
// own, in the page's frame and in each language, as 410; an unknown link
// is the page's 404.
func TestPaymentLinkPages(t *testing.T) {
	e := newPageEnv(t)
	inactive := e.createLink(t, map[string]any{"amount": 1200, "currency": "eur", "active": false}).str("id")
	expiring := e.createLink(t, map[string]any{"amount": 1200, "currency": "eur", "expires_at": e.clock.Now().Add(time.Hour).Unix()}).str("id")
	once := e.createLink(t, map[string]any{"amount": 1200, "currency": "eur", "reusable": false}).str("id")
	limited := e.createLink(t, map[string]any{"amount": 1200, "currency": "eur", "restrictions": map[string]any{"completed_sessions": map[string]any{"limit": 1}}}).str("id")

	// A single-use link: every visit goes to its one session until it is paid.
	one := linkSession(t, e.open(t, "/l/"+once))
	if again := linkSession(t, e.open(t, "/l/"+once)); again != one {
		t.Fatalf("a single-use link's second visit went to %s, not %s", again, one)
	}
	paidHome(t, e.openOK(t, "/checkout/"+one).pay("4242424242424242"), one)
	sid := linkSession(t, e.open(t, "/l/"+limited))
	paidHome(t, e.openOK(t, "/checkout/"+sid).pay("4242424242424242"), sid)
	if p := e.openOK(t, "/checkout/"+sid); !strings.Contains(p.text(), "Payment received") {
		t.Fatalf("the receipt page: %s", p.text())
	}
	linkSession(t, e.open(t, "/l/"+expiring))
	e.clock.Add(time.Hour)

	for _, c := range []struct {
		name, id string
		want     map[string]string
	}{
		{"Inactive", inactive, map[string]string{"en": "not active", "pt": "não está ativo", "fr": "pas actif"}},
		{"Expired", expiring, map[string]string{"en": "has expired", "pt": "expirou", "fr": "a expiré"}},
		{"Used", once, map[string]string{"en": "has been used", "pt": "já foi usado", "fr": "déjà servi"}},
		{"Exhausted", limited, map[string]string{"en": "no longer available", "pt": "já não está disponível", "fr": "plus disponible"}},
	} {
		for lang, want := range c.want {
			t.Run(c.name+"/"+lang, func(t *testing.T) {
				p := e.open(t, "/l/"+c.id, "Accept-Language", lang)
				if p.status != http.StatusGone || p.doc == nil {
					t.Fatalf("%d %s", p.status, p.body)
				}
				h1 := first(p.doc, "h1")
				if h1 == nil || !strings.Contains(textOf(h1), want) || !strings.Contains(p.text(), "Shop A") || !strings.Contains(strings.ReplaceAll(p.text(), ",", "."), "12.00") {
					t.Fatalf("page: %s", p.text())
				}
			})
		}
	}
	if p := e.open(t, "/l/plink_nope"); p.status != http.StatusNotFound {
		t.Fatalf("unknown link: %d", p.status)
	}
}

// TestPaymentLinkRefusedAtPay: a customer whose link filled up while they
// were on the page is told so on it, and nothing is charged.
func TestPaymentLinkRefusedAtPay(t *testing.T) {
	e := newPageEnv(t)
	id := e.createLink(t, map[string]any{"amount": 1200, "currency": "eur", "restrictions": map[string]any{"completed_sessions": map[string]any{"limit": 1}}}).str("id")
	late := e.openOK(t, "/checkout/"+linkSession(t, e.open(t, "/l/"+id)))
	sid := linkSession(t, e.open(t, "/l/"+id))
	paidHome(t, e.openOK(t, "/checkout/"+sid).pay("4242424242424242"), sid)
	p := late.pay("4242424242424242").back()
	if !strings.Contains(p.text(), "Everything offered through this payment link has just been paid for") {
		t.Fatalf("the late payer's page: %s", p.text())
	}
	if n := len(e.get("/v1/payments", e.key).get("data").([]any)); n != 1 {
		t.Fatalf("%d payments, want 1", n)
	}
}

// TestSDKPaymentLinks: the Go SDK's PaymentLinks against the real server.
func TestSDKPaymentLinks(t *testing.T) {
	e := newPageEnv(t)
	ctx := context.Background()
	c := client.New(e.key, client.WithBaseURL(e.srv.URL))
	once := false
	l, err := c.PaymentLinks.Create(ctx, &client.PaymentLinkParams{
		LineItems: []client.LineItemParams{{Quantity: 1, PriceData: &client.PriceDataParams{Currency: "eur", UnitAmount: 900,
			ProductData: &client.ProductDataParams{Name: "Pastel"}}}},
		Reusable: &once, ExpiresAt: e.clock.Now().Add(48 * time.Hour), Metadata: map[string]string{"k": "v"},
		Restrictions:    &client.PaymentLinkRestrictions{CompletedSessions: client.CompletedSessionsRestriction{Limit: 5}},
		AfterCompletion: &client.AfterCompletion{Type: "redirect", Redirect: &client.Redirect{URL: "https://shop.example/thanks"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(l.ID, "plink_") || l.Reusable || !l.Active || l.Amount != 900 || l.LineItems == nil || len(l.LineItems.Data) != 1 ||
		l.Restrictions == nil || l.Restrictions.CompletedSessions.Limit != 5 || l.AfterCompletion.Redirect == nil ||
		l.AfterCompletion.Redirect.URL != "https://shop.example/thanks" || !l.ExpiresAt.Equal(e.clock.Now().Add(48*time.Hour)) {
		t.Fatalf("created %+v", l)
	}
	got, err := c.PaymentLinks.Get(ctx, l.ID)
	if err != nil || got.ID != l.ID || got.Metadata["k"] != "v" {
		t.Fatalf("Get: %+v %v", got, err)
	}
	off, desc := false, "Sold out"
	up, err := c.PaymentLinks.Update(ctx, l.ID, &client.PaymentLinkUpdateParams{Active: &off, Description: &desc})
	if err != nil || up.Active || up.Description != "Sold out" {
		t.Fatalf("Update: %+v %v", up, err)
	}
	other, err := c.PaymentLinks.Create(ctx, &client.PaymentLinkParams{Amount: 500, Currency: "eur"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for pl, err := range c.PaymentLinks.All(ctx, &client.PaymentLinkListParams{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, pl.ID)
	}
	if len(ids) != 2 || ids[0] != other.ID || ids[1] != l.ID {
		t.Fatalf("All: %v", ids)
	}
	sid := linkSession(t, e.open(t, "/l/"+other.ID))
	page, err := c.Sessions.List(ctx, &client.SessionListParams{PaymentLink: other.ID})
	if err != nil || len(page.Data) != 1 || page.Data[0].ID != sid || page.Data[0].PaymentLink != other.ID {
		t.Fatalf("the link's sessions: %+v %v", page, err)
	}
	var ce *client.Error
	if _, err := c.PaymentLinks.Create(ctx, &client.PaymentLinkParams{Amount: 500, Restrictions: &client.PaymentLinkRestrictions{}}); !errors.As(err, &ce) || ce.Param != "restrictions[completed_sessions][limit]" {
		t.Fatalf("a zero limit: %v", err)
	}
}

// TestOpenAPIPaymentLinks validates every payment link exchange against
// the document: create (JSON and form), get, list, update, the session's
// filter, an event's link, and /l/{id}'s 303, 410 and 404.
func TestOpenAPIPaymentLinks(t *testing.T) {
	o := newOAEnv(t)
	links := "/v1/payment_links"
	full := oaJSON(t, map[string]any{
		"line_items":  []any{map[string]any{"quantity": 2, "price_data": map[string]any{"currency": "eur", "unit_amount": 350, "product_data": map[string]any{"name": "Bica", "description": "Short"}}}},
		"description": "Coffee", "payment_method_types": []string{"card"}, "metadata": map[string]string{"k": "v"},
		"reusable": true, "active": true, "expires_at": o.clock.Now().Add(time.Hour).Unix(),
		"restrictions":     map[string]any{"completed_sessions": map[string]any{"limit": 2}},
		"after_completion": map[string]any{"type": "redirect", "redirect": map[string]any{"url": "https://shop.example/thanks"}},
	})
	l := o.exchange(oaRequest{method: "POST", path: links, auth: oaBearer(o.key), contentType: "application/json", body: full, status: 200})
	id := l.str("id")
	form := "amount=1200&currency=EUR&reusable=false&metadata[a]=b&after_completion[type]=hosted_confirmation"
	o.exchange(oaRequest{method: "POST", path: links, auth: oaBearer(o.key), contentType: "application/x-www-form-urlencoded", body: []byte(form), status: 200})
	o.exchange(oaRequest{method: "POST", path: links, auth: oaBearer(o.key), contentType: "application/json", body: []byte(`{"amount":1200,"colour":"red"}`), status: 400, request: oaInvalid})
	o.exchange(oaRequest{method: "GET", path: links + "/" + id, auth: oaBearer(o.key), status: 200})
	o.exchange(oaRequest{method: "GET", path: links + "/plink_nope", auth: oaBearer(o.key), status: 404})
	o.exchange(oaRequest{method: "GET", path: links + "?limit=1", auth: oaBearer(o.key), status: 200})
	o.exchange(oaRequest{method: "POST", path: links + "/" + id, auth: oaBearer(o.key), contentType: "application/x-www-form-urlencoded",
		body: []byte("active=false&description=Closed&metadata[k]=w"), status: 200})
	o.exchange(oaRequest{method: "POST", path: links + "/" + id, auth: oaBearer(o.key), contentType: "application/x-www-form-urlencoded",
		body: []byte("active=true"), status: 200})

	visit := o.exchange(oaRequest{method: "GET", path: "/l/" + id, status: 303})
	sid := strings.TrimPrefix(visit.header.Get("Location"), "/checkout/")
	s := o.exchange(oaRequest{method: "GET", path: "/v1/checkout/sessions/" + sid, auth: oaBearer(o.key), status: 200})
	if s.str("payment_link") != id {
		t.Fatalf("minted session: %s", s.body)
	}
	o.exchange(oaRequest{method: "GET", path: "/v1/checkout/sessions?payment_link=" + id, auth: oaBearer(o.key), status: 200})
	o.exchange(oaRequest{method: "GET", path: "/v1/events?type=payment_link.updated", auth: oaBearer(o.key), status: 200})
	o.exchange(oaRequest{method: "GET", path: "/l/plink_nope", status: 404})
	o.clock.Add(time.Hour)
	o.exchange(oaRequest{method: "GET", path: "/l/" + id, status: 410})
}

// TestLiveLinkWithoutProvider: a live link needs a live provider for its
// methods when made; if the provider goes later, a visit says the shop
// cannot take payments (503) instead of making a session nobody can pay.
func TestLiveLinkWithoutProvider(t *testing.T) {
	e := newPageEnv(t)
	r := e.postJSON("/v1/payment_links", e.liveA, map[string]any{"amount": 1200, "currency": "eur"})
	if r.status != 200 {
		t.Fatalf("live link: %d %s", r.status, r.body)
	}
	id := r.str("id")
	e.configure(func(c *service.Config) {
		reg := service.NewRegistry()
		reg.Register("sim", sim.Factory(sim.New(e.clock)))
		reg.Route(false, "sim", checkout.MethodCard)
		c.Providers = reg
	})
	sessions0, _ := e.counts()
	if p := e.open(t, "/l/"+id); p.status != http.StatusServiceUnavailable || !strings.Contains(p.text(), "cannot take payments") {
		t.Fatalf("visit: %d %s", p.status, p.text())
	}
	if r := e.postJSON("/v1/payment_links", e.liveA, map[string]any{"amount": 1200, "currency": "eur"}); r.status != 400 || r.str("error", "param") != "payment_method_types[0]" {
		t.Fatalf("a live link no provider takes: %d %s", r.status, r.body)
	}
	if sessions, _ := e.counts(); sessions != sessions0 {
		t.Fatalf("sessions %d → %d", sessions0, sessions)
	}
}
