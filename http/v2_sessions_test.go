package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// The tests in this file drive seed 002's /v2/checkout-sessions against a
// real server over each store: the seed's own examples (through curl and
// node when they are installed), the shapes, the refusals, and that a
// session made here is the one session every dialect reads and pays.

// The seed's examples return to example.com: a merchant's host on the page.
func init() { merchantHosts = append(merchantHosts, "example.com") }

// v2Create creates a session through /v2/checkout-sessions; it must succeed.
func (e *env) v2Create(t *testing.T, key string, body any) *response {
	t.Helper()
	r := e.v2Raw("POST", "/v2/checkout-sessions", key, body)
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	return r
}

// v2Raw is e.v2 with a body that may be raw JSON text (a string), so that
// the order of its keys is the one written.
func (e *env) v2Raw(method, path, key string, body any) *response {
	e.t.Helper()
	if s, ok := body.(string); ok {
		return e.do(method, path, "", "application/json", []byte(s), "x-api-key", key)
	}
	return e.v2(method, path, key, body)
}

// v2Session is a valid amount session in the dialect.
func v2Session() map[string]any {
	return map[string]any{"amountMinor": 2500, "currency": "USD", "successUrl": "https://shop.example/success",
		"cancelUrl": "https://shop.example/cancel"}
}

// openInvoiceAs commits an open invoice with the given id in scope,
// through the store's Commit as the service writes one: the seed's
// examples name inv_123, an id checkoutd would never mint.
func (e *env) openInvoiceAs(t *testing.T, scope checkout.Scope, id string, amount int64) {
	t.Helper()
	now := e.clock.Now()
	in := &checkout.Invoice{ID: id, AccountID: scope.AccountID, Livemode: scope.Livemode, Status: checkout.InvoiceOpen,
		CustomerEmail: "customer@example.com", CustomerName: "Ama", Currency: "USD",
		Lines:     []checkout.InvoiceLine{{ID: "il_123", Name: "Consulting", Quantity: 1, UnitAmount: amount, Amount: amount}},
		AmountDue: amount, Version: 1, Created: now, Updated: now, FinalizedAt: now}
	if err := e.store.Commit(context.Background(), checkout.Change{Objects: []checkout.Object{in}}); err != nil {
		t.Fatal(err)
	}
}

// v2Invoice creates an invoice of key's account through /v1/invoices, one
// free-form line of amount USD, finalized unless draft.
func (e *env) v2Invoice(t *testing.T, key string, amount int64, draft bool) string {
	t.Helper()
	r := e.postJSON("/v1/invoices", key, map[string]any{"customer_email": "ama@example.com", "currency": "USD",
		"line_items": []any{map[string]any{"quantity": 1, "price_data": map[string]any{"unit_amount": amount, "product_data": map[string]any{"name": "Fee"}}}}})
	if r.status != 200 {
		t.Fatalf("invoice: %d %s", r.status, r.body)
	}
	if !draft {
		if f := e.do("POST", "/v1/invoices/"+r.str("id")+"/finalize", key, "", nil); f.status != 200 {
			t.Fatalf("finalize: %d %s", f.status, f.body)
		}
	}
	return r.str("id")
}

// v2Product creates a product of key's account through /v1/products.
func (e *env) v2Product(t *testing.T, key string, amount int64) string {
	t.Helper()
	r := e.postJSON("/v1/products", key, map[string]any{"name": "Tea", "unit_amount": amount, "currency": "USD"})
	if r.status != 200 {
		t.Fatalf("product: %d %s", r.status, r.body)
	}
	return r.str("id")
}

// payByCard pays session id with the simulator's approved card.
func (e *env) payByCard(t *testing.T, id string) *checkout.Payment {
	t.Helper()
	card := &checkout.Card{Number: "4242424242424242", ExpMonth: 12, ExpYear: e.clock.Now().Year() + 5, CVC: "123"}
	_, p, err := e.svc.Pay(context.Background(), id, service.PayParams{Method: checkout.MethodCard, Card: card})
	if err != nil || p.Status != checkout.PaymentSucceeded {
		t.Fatalf("pay %s: %+v %v", id, p, err)
	}
	return p
}

// checkSeedExample checks data, the answer to one of the seed's examples,
// against the seed's example answer: its fields, with the url on /p/ and
// a public token that is not the id, and that the url serves the page.
func checkSeedExample(t *testing.T, e *env, data map[string]any) {
	t.Helper()
	id, _ := data["id"].(string)
	tok, _ := data["publicToken"].(string)
	u, _ := data["url"].(string)
	if !strings.HasPrefix(id, "cs_") || data["status"] != "open" || data["currency"] != "USD" {
		t.Errorf("id, status or currency: %v", data)
	}
	if m, _ := data["allowed_methods"].([]any); len(m) != 1 || m[0] != "card" {
		t.Errorf("allowed_methods = %v, want [card]", data["allowed_methods"])
	}
	if u != testPublicURL+"/p/"+tok {
		t.Errorf("url %q is not the public URL + /p/ + publicToken %q", u, tok)
	}
	// The token is the id's random part and 22 characters drawn for it
	// alone: the id does not give it.
	if tok == id || !regexp.MustCompile(`^pt_[A-Za-z0-9]+_[A-Za-z0-9]{22}$`).MatchString(tok) ||
		!strings.HasPrefix(tok, "pt_"+strings.TrimPrefix(id, "cs_")+"_") {
		t.Errorf("publicToken %q of id %q", tok, id)
	}
	exp, _ := data["expires_at"].(string)
	if at, err := time.Parse(time.RFC3339, exp); err != nil || !at.After(e.clock.Now()) {
		t.Errorf("expires_at %q: %v", exp, err)
	}
	if data["invoiceId"] != "inv_123" || data["amountMinor"] != 4200.0 {
		t.Errorf("invoice or amount: %v", data)
	}
	page := e.openOK(t, strings.TrimPrefix(u, testPublicURL))
	if !strings.Contains(page.text(), "42.00") {
		t.Errorf("the page does not show the invoice's amount: %s", page.text())
	}
}

// seedCurl is the seed's cURL example as written; the test replaces only
// the host.
const seedCurl = `curl -X POST "https://api.revkeen.com/v2/checkout-sessions" \
-H "x-api-key: $REVKEEN_API_KEY" \
-H "Content-Type: application/json" \
-d '{
"invoiceId": "inv_123",
"successUrl": "https://example.com/success",
"cancelUrl": "https://example.com/cancel",
"allowedMethods": ["card"]
}'`

// seedTypeScript is the seed's TypeScript example as written: statements
// that run inside an async function, with a client and redirect given.
const seedTypeScript = `const session = await client.checkoutSessions.create({
invoiceId: 'inv_123',
successUrl: 'https://example.com/success',
cancelUrl: 'https://example.com/cancel',
allowedMethods: ['card'],
});
return redirect(session.data.url);`

const seedHost = "https://api.revkeen.com"

func TestV2SeedCurlExample(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not on PATH: the seed's cURL example is not run")
	}
	e := newPageEnv(t)
	e.openInvoiceAs(t, scopeA, "inv_123", 4200)
	cmd := exec.Command("sh", "-c", strings.Replace(seedCurl, seedHost, e.srv.URL, 1))
	cmd.Env = append(os.Environ(), "REVKEEN_API_KEY="+e.key)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("curl: %v: %s", err, stderr.String())
	}
	var answer struct {
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(out, &answer); err != nil || answer.Data == nil {
		t.Fatalf("curl's answer is not {\"data\": …}: %v: %s", err, out)
	}
	checkSeedExample(t, e, answer.Data)
}

// seedNodeHarness runs the TypeScript example's statements in an async
// function with a client whose checkoutSessions.create posts the body to
// /v2/checkout-sessions with x-api-key and resolves to the parsed answer,
// and a redirect that records its url; it prints both as JSON.
const seedNodeHarness = `const base = process.env.BASE, key = process.env.REVKEEN_API_KEY;
let answer, redirected;
const client = { checkoutSessions: { create: async (body) => {
  const r = await fetch(base + '/v2/checkout-sessions', { method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  answer = await r.json();
  return answer;
} } };
const redirect = (url) => { redirected = url; return url; };
(async function handler() {
%s
})().then((ret) => { console.log(JSON.stringify({ answer, redirected, ret })); },
  (err) => { console.error(err); process.exit(1); });
`

func TestV2SeedTypeScriptExample(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		_, npmErr := exec.LookPath("npm")
		if os.Getenv("CI") == "true" || npmErr == nil {
			t.Fatal("node is required to run the seed's TypeScript example (CI=true, or npm is installed)")
		}
		t.Skip("node is not on PATH: the seed's TypeScript example is not run")
	}
	e := newPageEnv(t)
	e.openInvoiceAs(t, scopeA, "inv_123", 4200)
	script := fmt.Sprintf(seedNodeHarness, seedTypeScript)
	cmd := exec.Command(node, "-e", script)
	cmd.Env = append(os.Environ(), "BASE="+e.srv.URL, "REVKEEN_API_KEY="+e.key)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v: %s", err, stderr.String())
	}
	var run struct {
		Answer struct {
			Data map[string]any `json:"data"`
		} `json:"answer"`
		Redirected string `json:"redirected"`
		Ret        string `json:"ret"`
	}
	if err := json.Unmarshal(out, &run); err != nil || run.Answer.Data == nil {
		t.Fatalf("node's output: %v: %s", err, out)
	}
	checkSeedExample(t, e, run.Answer.Data)
	if run.Redirected == "" || run.Redirected != run.Answer.Data["url"] || run.Ret != run.Redirected {
		t.Errorf("redirect(%q), returned %q; want the session's url %v", run.Redirected, run.Ret, run.Answer.Data["url"])
	}
}

// TestV2SessionShape: every field of the dialect's session, on create, get
// and list; the page of its public token, and not of its id.
func TestV2SessionShape(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, openStore(t, kind))
		body := v2Session()
		body["metadata"] = map[string]any{"order": "42"}
		c := e.v2Create(t, e.key, body)
		id, tok := c.str("data", "id"), c.str("data", "publicToken")
		now := e.clock.Now()
		want := map[string]any{
			"object": "checkout_session", "url": testPublicURL + "/p/" + tok, "status": "open", "paymentStatus": "unpaid",
			"currency": "USD", "amountMinor": 2500.0, "invoiceId": nil, "productId": nil, "quantity": nil,
			"companionDeviceId": nil, "successUrl": "https://shop.example/success", "cancelUrl": "https://shop.example/cancel",
			"paymentId": nil, "livemode": false, "expires_at": now.Add(checkout.DefaultSessionTTL).Format(time.RFC3339),
			"createdAt": now.Format(time.RFC3339), "completedAt": nil,
		}
		for _, r := range []*response{c, e.v2("GET", "/v2/checkout-sessions/"+id, e.key, nil)} {
			for k, v := range want {
				if got := r.get("data", k); got != v {
					t.Errorf("%s = %v, want %v", k, got, v)
				}
			}
			if r.str("data", "metadata", "order") != "42" || fmt.Sprint(r.get("data", "allowed_methods")) != "[card]" {
				t.Errorf("metadata or allowed_methods: %s", r.body)
			}
		}
		if l := e.v2("GET", "/v2/checkout-sessions", e.key, nil); l.status != 200 || l.get("hasMore") != false ||
			len(l.get("data").([]any)) != 1 || l.get("data").([]any)[0].(map[string]any)["publicToken"] != tok {
			t.Errorf("list: %d %s", l.status, l.body)
		}
		e.openOK(t, "/p/"+tok)
		for _, path := range []string{"/p/" + id, "/p/pt_" + strings.TrimPrefix(id, "cs_") + "_" + strings.Repeat("A", 22)} {
			if p := e.open(t, path); p.status != 404 {
				t.Errorf("GET %s: %d, want 404", path, p.status)
			}
		}
	})
}

// TestV2SessionBadInput: each refusal names the field in the dialect's
// words, and writes nothing.
func TestV2SessionBadInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, openStore(t, kind))
		prod := e.v2Product(t, e.key, 300)
		old := e.v2Product(t, e.key, 300)
		if r := e.postJSON("/v1/products/"+old, e.key, map[string]any{"active": false}); r.status != 200 {
			t.Fatalf("archive: %d %s", r.status, r.body)
		}
		draft := e.v2Invoice(t, e.key, 700, true)
		void := e.v2Invoice(t, e.key, 700, false)
		if r := e.do("POST", "/v1/invoices/"+void+"/void", e.key, "", nil); r.status != 200 {
			t.Fatalf("void: %d %s", r.status, r.body)
		}
		paid := e.v2Invoice(t, e.key, 700, false)
		e.payByCard(t, e.v2Create(t, e.key, map[string]any{"invoiceId": paid, "successUrl": "https://shop.example/ok", "cancelUrl": "https://shop.example/no"}).str("data", "id"))
		theirs := e.v2Invoice(t, e.keyB, 700, false)
		revoked, _ := e.pairedDevice(e.key, "Old till")
		if r := e.v2("POST", "/v2/devices/"+revoked+"/revoke", e.key, nil); r.status != 200 {
			t.Fatalf("revoke: %d %s", r.status, r.body)
		}
		theirDevice, _ := e.pairedDevice(e.keyB, "Their till")
		tooMany := map[string]any{}
		for i := range service.MaxMetadataKeys + 1 {
			tooMany[fmt.Sprint("k", i)] = "v"
		}
		with := func(kv ...any) map[string]any {
			b := v2Session()
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == nil {
					delete(b, kv[i].(string))
				} else {
					b[kv[i].(string)] = kv[i+1]
				}
			}
			return b
		}
		product := func(kv ...any) map[string]any {
			return with(append([]any{"amountMinor", nil, "currency", nil, "productId", prod}, kv...)...)
		}
		invoice := func(id string, kv ...any) map[string]any {
			return with(append([]any{"amountMinor", nil, "currency", nil, "invoiceId", id}, kv...)...)
		}
		const urls = `"successUrl":"https://shop.example/ok","cancelUrl":"https://shop.example/no"`
		for _, c := range []struct {
			name  string
			body  any // a map, or JSON text whose key order matters
			param string
			say   string
		}{
			{"no source", with("amountMinor", nil, "currency", nil), "amountMinor", "invoiceId, productId"},
			{"invoice then amount", `{"invoiceId":"` + paid + `","amountMinor":100,` + urls + `}`, "amountMinor", "one of"},
			{"amount then product", `{"amountMinor":100,"currency":"USD","productId":"` + prod + `",` + urls + `}`, "amountMinor", "one of"},
			{"product then invoice", `{"productId":"` + prod + `","invoiceId":"` + paid + `",` + urls + `}`, "productId", "one of"},
			{"amountMinor 0", with("amountMinor", 0), "amountMinor", "amountMinor must be at least"},
			{"amountMinor negative", with("amountMinor", -100), "amountMinor", ""},
			{"amountMinor a string", with("amountMinor", "2500"), "amountMinor", "integer"},
			{"amountMinor a float", with("amountMinor", 25.5), "amountMinor", "integer"},
			{"amountMinor without currency", with("currency", nil), "currency", "required"},
			{"unknown currency", with("currency", "XYZ"), "currency", "ISO 4217"},
			{"currency with productId", product("currency", "USD"), "currency", "amountMinor"},
			{"currency with invoiceId", invoice(theirs, "currency", "USD"), "currency", "amountMinor"},
			{"quantity 0", product("quantity", 0), "quantity", ""},
			{"quantity a string", product("quantity", "2"), "quantity", "integer"},
			{"quantity without productId", with("quantity", 2), "quantity", "productId"},
			{"productId empty", product("productId", ""), "productId", "empty"},
			{"unknown product", product("productId", "prod_nope"), "productId", "no such product"},
			{"archived product", product("productId", old), "productId", "archived"},
			{"invoiceId empty", invoice(""), "invoiceId", "empty"},
			{"unknown invoice", invoice("in_nope"), "invoiceId", "no such invoice"},
			{"draft invoice", invoice(draft), "invoiceId", "draft"},
			{"void invoice", invoice(void), "invoiceId", "void"},
			{"paid invoice", invoice(paid), "invoiceId", "paid"},
			{"another account's invoice", invoice(theirs), "invoiceId", "no such invoice"},
			{"allowedMethods empty", with("allowedMethods", []string{}), "allowedMethods", "at least one"},
			{"allowedMethods unknown", with("allowedMethods", []string{"card", "bitcoin"}), "allowedMethods[1]", "bitcoin"},
			{"allowedMethods a string", with("allowedMethods", "card"), "allowedMethods", "array"},
			{"in_store without device", with("allowedMethods", []string{"in_store"}), "companionDeviceId", "device"},
			{"device without in_store", with("companionDeviceId", checkout.TestDeviceApprove), "companionDeviceId", "in_store"},
			{"unknown device", with("allowedMethods", []string{"in_store"}, "companionDeviceId", "dev_nope"), "companionDeviceId", "no device"},
			{"revoked device", with("allowedMethods", []string{"in_store"}, "companionDeviceId", revoked), "companionDeviceId", "revoked"},
			{"another account's device", with("allowedMethods", []string{"in_store"}, "companionDeviceId", theirDevice), "companionDeviceId", "no device"},
			{"successUrl not a URL", with("successUrl", "not a url"), "successUrl", "successUrl "},
			{"no successUrl", with("successUrl", nil), "successUrl", "successUrl is required"},
			{"cancelUrl javascript", with("cancelUrl", "javascript:alert(1)"), "cancelUrl", "cancelUrl"},
			{"unknown field", with("amount", 2500), "amount", "unknown parameter"},
			{"a canonical name", with("success_url", "https://a.example"), "success_url", "unknown parameter"},
			{"metadata too many keys", with("metadata", tooMany), "metadata", "at most"},
			{"metadata not strings", with("metadata", map[string]any{"n": 1}), "metadata.n", "string"},
		} {
			t.Run(c.name, func(t *testing.T) {
				s0, e0 := e.counts()
				r := e.v2Raw("POST", "/v2/checkout-sessions", e.key, c.body)
				if r.status != 400 || r.str("error", "param") != c.param || !strings.Contains(r.str("error", "message"), c.say) {
					t.Errorf("%d %s, want 400 naming %s saying %q", r.status, r.body, c.param, c.say)
				}
				if s1, e1 := e.counts(); s1 != s0 || e1 != e0 {
					t.Errorf("a refused create wrote: sessions %d→%d, events %d→%d", s0, s1, e0, e1)
				}
			})
		}
		for _, name := range []string{draft, void, theirs} {
			in := e.get("/v1/invoices/"+name, e.key)
			if name == theirs {
				in = e.get("/v1/invoices/"+name, e.keyB)
			}
			if in.get("checkout_session") != nil {
				t.Errorf("a refused create touched invoice %s: %s", name, in.body)
			}
		}

		// Expire and list: the field (or the session) named, nothing written.
		open := e.v2Create(t, e.key, v2Session()).str("data", "id")
		theirSession := e.v2Create(t, e.keyB, v2Session()).str("data", "id")
		done := e.v2Create(t, e.key, v2Session()).str("data", "id")
		e.payByCard(t, done)
		for _, c := range []struct {
			name, method, path string
			body               any
			status             int
			param, code        string
		}{
			{"expire unknown", "POST", "/v2/checkout-sessions/cs_nope/expire", nil, 404, "id", ""},
			{"expire another account's", "POST", "/v2/checkout-sessions/" + theirSession + "/expire", nil, 404, "id", ""},
			{"expire with a field", "POST", "/v2/checkout-sessions/" + open + "/expire", map[string]any{"reason": "x"}, 400, "reason", ""},
			{"expire completed", "POST", "/v2/checkout-sessions/" + done + "/expire", nil, 400, "", "checkout_session_complete"},
			{"get another account's", "GET", "/v2/checkout-sessions/" + theirSession, nil, 404, "id", ""},
			{"get with a query", "GET", "/v2/checkout-sessions/" + open + "?expand=x", nil, 400, "expand", ""},
			{"list status canonical", "GET", "/v2/checkout-sessions?status=complete", nil, 400, "status", ""},
			{"list status unknown", "GET", "/v2/checkout-sessions?status=done", nil, 400, "status", ""},
			{"list limit 0", "GET", "/v2/checkout-sessions?limit=0", nil, 400, "limit", ""},
			{"list limit a word", "GET", "/v2/checkout-sessions?limit=ten", nil, 400, "limit", ""},
			{"list both cursors", "GET", "/v2/checkout-sessions?startingAfter=" + open + "&endingBefore=" + done, nil, 400, "endingBefore", ""},
			{"list canonical cursor", "GET", "/v2/checkout-sessions?starting_after=" + open, nil, 400, "starting_after", ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				s0, e0 := e.counts()
				r := e.v2(c.method, c.path, e.key, c.body)
				if r.status != c.status || r.str("error", "param") != c.param || (c.code != "" && r.str("error", "code") != c.code) {
					t.Errorf("%d %s, want %d naming %q (code %q)", r.status, r.body, c.status, c.param, c.code)
				}
				if s1, e1 := e.counts(); s1 != s0 || e1 != e0 {
					t.Errorf("a refused call wrote: sessions %d→%d, events %d→%d", s0, s1, e0, e1)
				}
			})
		}
		if st := e.v2("GET", "/v2/checkout-sessions/"+open, e.key, nil).str("data", "status"); st != "open" {
			t.Errorf("after refused calls the session is %s", st)
		}
	})
}

// TestV2SessionForm: a session's body may be a form, decoded as every
// v2 room's is; of two sources the second one sent is refused, in a form
// as in JSON.
func TestV2SessionForm(t *testing.T) {
	e := newEnv(t)
	form := func(body string) *response {
		t.Helper()
		return e.do("POST", "/v2/checkout-sessions", "", "application/x-www-form-urlencoded", []byte(body), "x-api-key", e.key)
	}
	const urls = "successUrl=https%3A%2F%2Fshop.example%2Fok&cancelUrl=https%3A%2F%2Fshop.example%2Fno"
	r := form("amountMinor=2500&currency=USD&" + urls + "&allowedMethods[0]=card&metadata[order]=7")
	if r.status != 200 || r.get("data", "amountMinor") != 2500.0 || r.str("data", "metadata", "order") != "7" || fmt.Sprint(r.get("data", "allowed_methods")) != "[card]" {
		t.Fatalf("a form session: %d %s", r.status, r.body)
	}
	s0, e0 := e.counts()
	for body, param := range map[string]string{
		"invoiceId=in_1&amountMinor=100&currency=USD&" + urls: "amountMinor",
		"amountMinor=100&currency=USD&invoiceId=in_1&" + urls: "amountMinor",
		"amountMinor=ten&currency=USD&" + urls:                "amountMinor",
		"amountMinor=100&currency=USD&amount=1&" + urls:       "amount",
	} {
		if r := form(body); r.status != 400 || r.str("error", "param") != param {
			t.Errorf("%s: %d %s, want 400 naming %s", body, r.status, r.body, param)
		}
	}
	if s1, e1 := e.counts(); s1 != s0 || e1 != e0 {
		t.Errorf("refused forms wrote: sessions %d→%d, events %d→%d", s0, s1, e0, e1)
	}
}

// TestV2SessionProduct: a product's session charges its price when the
// session is made, times quantity (1 unless given).
func TestV2SessionProduct(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, openStore(t, kind))
		prod := e.v2Product(t, e.key, 300)
		body := map[string]any{"productId": prod, "successUrl": "https://shop.example/ok", "cancelUrl": "https://shop.example/no"}
		one := e.v2Create(t, e.key, body)
		if one.get("data", "amountMinor") != 300.0 || one.str("data", "productId") != prod || one.get("data", "quantity") != 1.0 || one.str("data", "currency") != "USD" {
			t.Fatalf("a product session: %s", one.body)
		}
		if r := e.postJSON("/v1/products/"+prod, e.key, map[string]any{"unit_amount": 450}); r.status != 200 {
			t.Fatalf("price change: %d %s", r.status, r.body)
		}
		body["quantity"] = 3
		three := e.v2Create(t, e.key, body)
		if three.get("data", "amountMinor") != 1350.0 || three.get("data", "quantity") != 3.0 {
			t.Fatalf("after the price change, 3 of it: %s", three.body)
		}
		// The first session keeps the price it was made at.
		if r := e.v2("GET", "/v2/checkout-sessions/"+one.str("data", "id"), e.key, nil); r.get("data", "amountMinor") != 300.0 {
			t.Errorf("the first session now charges %v", r.get("data", "amountMinor"))
		}
		line := e.get("/v1/checkout/sessions/"+three.str("data", "id"), e.key).get("line_items", "data").([]any)[0].(map[string]any)
		if line["product"] != prod || line["quantity"] != 3.0 {
			t.Errorf("the canonical line: %v", line)
		}
	})
}

// TestV2SessionInvoice: an invoice's session charges its amount due; paid
// on the /p/ page, it completes and the invoice is paid by it.
func TestV2SessionInvoice(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, openStore(t, kind))
		in := e.v2Invoice(t, e.key, 1999, false)
		c := e.v2Create(t, e.key, map[string]any{"invoiceId": in, "successUrl": "https://shop.example/ok", "cancelUrl": "https://shop.example/no", "allowedMethods": []string{"card"}})
		id := c.str("data", "id")
		if c.get("data", "amountMinor") != 1999.0 || c.str("data", "invoiceId") != in || c.get("data", "productId") != nil {
			t.Fatalf("an invoice session: %s", c.body)
		}
		// The invoice set the email: the page sends it as shown.
		res := e.openOK(t, "/p/"+c.str("data", "publicToken")).pay("4242 4242 4242 4242", "email", "ama@example.com")
		if loc := res.location(); !strings.HasPrefix(loc, "https://shop.example/ok") {
			t.Fatalf("pay went to %s: %s", loc, res.back().text())
		}
		g := e.v2("GET", "/v2/checkout-sessions/"+id, e.key, nil)
		if g.str("data", "status") != "completed" || g.str("data", "paymentStatus") != "paid" || !strings.HasPrefix(g.str("data", "paymentId"), "pay_") ||
			g.get("data", "completedAt") == nil {
			t.Fatalf("the paid session: %s", g.body)
		}
		inv := e.get("/v1/invoices/"+in, e.key)
		if inv.str("status") != "paid" || inv.str("checkout_session") != id || inv.get("amount_paid") != 1999.0 {
			t.Fatalf("the invoice: %s", inv.body)
		}
		if l := e.get("/v1/events?type=invoice.paid", e.key); len(l.get("data").([]any)) != 1 {
			t.Errorf("invoice.paid events: %s", l.body)
		}
		// Paid, it starts no other checkout.
		if r := e.v2("POST", "/v2/checkout-sessions", e.key, map[string]any{"invoiceId": in, "successUrl": "https://shop.example/ok", "cancelUrl": "https://shop.example/no"}); r.status != 400 || r.str("error", "param") != "invoiceId" {
			t.Errorf("a second session of the paid invoice: %d %s", r.status, r.body)
		}
	})
}

// TestV2SessionExpire: an open session expires once; its page then says
// so; the canonical API reads the same.
func TestV2SessionExpire(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, openStore(t, kind))
		c := e.v2Create(t, e.key, v2Session())
		id := c.str("data", "id")
		x := e.v2("POST", "/v2/checkout-sessions/"+id+"/expire", e.key, nil)
		if x.status != 200 || x.str("data", "status") != "expired" || x.str("data", "id") != id {
			t.Fatalf("expire: %d %s", x.status, x.body)
		}
		if g := e.get("/v1/checkout/sessions/"+id, e.key); g.str("status") != "expired" {
			t.Errorf("canonically: %s", g.body)
		}
		if l := e.get("/v1/events?type=checkout.session.expired", e.key); len(l.get("data").([]any)) != 1 {
			t.Errorf("expired events: %s", l.body)
		}
		s0, e0 := e.counts()
		again := e.v2("POST", "/v2/checkout-sessions/"+id+"/expire", e.key, nil)
		if again.status != 400 || again.str("error", "code") == "" {
			t.Errorf("a second expire: %d %s", again.status, again.body)
		}
		if s1, e1 := e.counts(); s1 != s0 || e1 != e0 {
			t.Errorf("a refused expire wrote")
		}
		if _, _, err := e.svc.Pay(context.Background(), id, service.PayParams{Method: checkout.MethodCard,
			Card: &checkout.Card{Number: "4242424242424242", ExpMonth: 12, ExpYear: e.clock.Now().Year() + 5, CVC: "123"}}); err == nil {
			t.Errorf("an expired session was paid")
		}
	})
}

// TestV2SessionList: newest first, paged with limit/startingAfter/
// endingBefore, filtered by the dialect's statuses; another account's
// sessions never in it.
func TestV2SessionList(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, openStore(t, kind))
		var ids []string // oldest first
		for range 5 {
			ids = append(ids, e.v2Create(t, e.key, v2Session()).str("data", "id"))
			e.clock.Add(time.Second)
		}
		e.v2Create(t, e.keyB, v2Session())
		// A canonical session is listed here too.
		ids = append(ids, e.create(e.key, validSession()).str("id"))
		e.payByCard(t, ids[1])
		if r := e.v2("POST", "/v2/checkout-sessions/"+ids[2]+"/expire", e.key, nil); r.status != 200 {
			t.Fatal(r.status, string(r.body))
		}
		list := func(q string) ([]string, bool) {
			t.Helper()
			r := e.v2("GET", "/v2/checkout-sessions"+q, e.key, nil)
			if r.status != 200 {
				t.Fatalf("list %s: %d %s", q, r.status, r.body)
			}
			var out []string
			for _, d := range r.get("data").([]any) {
				out = append(out, d.(map[string]any)["id"].(string))
			}
			return out, r.get("hasMore").(bool)
		}
		page1, more := list("?limit=4")
		if want := []string{ids[5], ids[4], ids[3], ids[2]}; fmt.Sprint(page1) != fmt.Sprint(want) || !more {
			t.Errorf("page 1: %v %v, want %v and more", page1, more, want)
		}
		page2, more := list("?limit=4&startingAfter=" + page1[3])
		if want := []string{ids[1], ids[0]}; fmt.Sprint(page2) != fmt.Sprint(want) || more {
			t.Errorf("page 2: %v %v, want %v and no more", page2, more, want)
		}
		back, _ := list("?limit=2&endingBefore=" + ids[1])
		if want := []string{ids[3], ids[2]}; fmt.Sprint(back) != fmt.Sprint(want) {
			t.Errorf("endingBefore: %v, want %v", back, want)
		}
		for st, want := range map[string][]string{
			"open": {ids[5], ids[4], ids[3], ids[0]}, "completed": {ids[1]}, "expired": {ids[2]},
		} {
			if got, _ := list("?status=" + st); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("status=%s: %v, want %v", st, got, want)
			}
		}
	})
}

// TestV2SessionOneModel: a session made by /v1 reads here and one made
// here reads there; another account sees neither.
func TestV2SessionOneModel(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, openStore(t, kind))
		v1 := e.create(e.key, validSession())
		g := e.v2("GET", "/v2/checkout-sessions/"+v1.str("id"), e.key, nil)
		if g.status != 200 || g.get("data", "amountMinor") != 5000.0 || g.str("data", "currency") != "GHS" ||
			g.str("data", "url") != testPublicURL+"/p/"+g.str("data", "publicToken") {
			t.Errorf("a /v1 session here: %d %s", g.status, g.body)
		}
		v2 := e.v2Create(t, e.key, v2Session()).str("data", "id")
		if r := e.get("/v1/checkout/sessions/"+v2, e.key); r.status != 200 || r.get("amount_total") != 2500.0 || r.str("currency") != "usd" && r.str("currency") != "USD" {
			t.Errorf("a /v2 session at /v1: %d %s", r.status, r.body)
		}
		for _, path := range []string{"/v2/checkout-sessions/" + v2, "/v2/checkout-sessions/" + v1.str("id")} {
			if r := e.v2("GET", path, e.keyB, nil); r.status != 404 || r.str("error", "param") != "id" {
				t.Errorf("account B reads %s: %d %s", path, r.status, r.body)
			}
		}
		if r := e.v2("GET", "/v2/checkout-sessions", e.keyB, nil); len(r.get("data").([]any)) != 0 {
			t.Errorf("account B lists: %s", r.body)
		}
		// The live key sees the test session as absent too.
		if r := e.v2("GET", "/v2/checkout-sessions/"+v2, e.liveA, nil); r.status != 404 {
			t.Errorf("the live key reads a test session: %d", r.status)
		}
		if r := e.v2("GET", "/v2/checkout-sessions/"+v2, "sk_test_wrong", nil); r.status != 401 {
			t.Errorf("a wrong key: %d %s", r.status, r.body)
		}
	})
}

// TestV2SessionIdempotency: a create repeated with its Idempotency-Key
// answers the first session and makes no second.
func TestV2SessionIdempotency(t *testing.T) {
	e := newEnv(t)
	b, _ := json.Marshal(v2Session())
	first := e.do("POST", "/v2/checkout-sessions", "", "application/json", b, "x-api-key", e.key, "Idempotency-Key", "order-42")
	s0, _ := e.counts()
	again := e.do("POST", "/v2/checkout-sessions", "", "application/json", b, "x-api-key", e.key, "Idempotency-Key", "order-42")
	if first.status != 200 || again.status != 200 || again.str("data", "id") != first.str("data", "id") {
		t.Fatalf("first %d %s, again %d %s", first.status, first.body, again.status, again.body)
	}
	if s1, _ := e.counts(); s1 != s0 {
		t.Errorf("the repeat made a session: %d→%d", s0, s1)
	}
	other, _ := json.Marshal(map[string]any{"amountMinor": 1, "currency": "USD"})
	if r := e.do("POST", "/v2/checkout-sessions", "", "application/json", other, "x-api-key", e.key, "Idempotency-Key", "order-42"); r.status == 200 {
		t.Errorf("the key reused with another body: %d %s", r.status, r.body)
	}
}

// TestV2SessionInStore: an in_store-only session for a test device is
// pushed at creation and, approved by it, completes.
func TestV2SessionInStore(t *testing.T) {
	e := newEnv(t)
	c := e.v2Create(t, e.key, with2(v2Session(), "allowedMethods", []string{"in_store"}, "companionDeviceId", checkout.TestDeviceApprove))
	if c.str("data", "companionDeviceId") != checkout.TestDeviceApprove || fmt.Sprint(c.get("data", "allowed_methods")) != "[in_store]" {
		t.Fatalf("an in_store session: %s", c.body)
	}
	id := c.str("data", "id")
	if p := e.waitPayment(scopeA, id); p.Status != checkout.PaymentSucceeded {
		t.Fatalf("the test device's payment: %+v", p)
	}
	if g := e.v2("GET", "/v2/checkout-sessions/"+id, e.key, nil); g.str("data", "status") != "completed" {
		t.Errorf("after the device approved: %s", g.body)
	}
}

func with2(b map[string]any, kv ...any) map[string]any {
	for i := 0; i+1 < len(kv); i += 2 {
		b[kv[i].(string)] = kv[i+1]
	}
	return b
}

// TestOpenAPIV2SessionExchanges holds /v2/checkout-sessions and /p/{token}
// to openapi.json: real requests and answers of every operation, in
// success and failure, validate against the document.
func TestOpenAPIV2SessionExchanges(t *testing.T) {
	o := newOAEnv(t)
	const js = "application/json"
	base := "/v2/checkout-sessions"
	post := func(path string, body any, status int, verdict oaVerdict) *response {
		t.Helper()
		var b []byte
		if body != nil {
			b = oaJSON(t, body)
		}
		return o.exchange(oaRequest{method: "POST", path: path, auth: oaAPIKey(o.key), contentType: js, body: b, status: status, request: verdict})
	}
	get := func(path string, status int, verdict oaVerdict) *response {
		t.Helper()
		return o.exchange(oaRequest{method: "GET", path: path, auth: oaAPIKey(o.key), status: status, request: verdict})
	}
	full := v2Session()
	full["allowedMethods"], full["metadata"] = []string{"card"}, map[string]string{"order": "42"}
	amount := post(base, full, 200, oaValid)
	prod := o.v2Product(t, o.key, 300)
	post(base, map[string]any{"productId": prod, "quantity": 2, "successUrl": "https://shop.example/ok", "cancelUrl": "https://shop.example/no"}, 200, oaValid)
	in := o.v2Invoice(t, o.key, 1200, false)
	inv := post(base, map[string]any{"invoiceId": in, "successUrl": "https://shop.example/ok", "cancelUrl": "https://shop.example/no"}, 200, oaValid)
	counter := post(base, map[string]any{"allowedMethods": []string{"in_store"}, "companionDeviceId": checkout.TestDeviceTimeout, "amountMinor": 500, "currency": "USD",
		"successUrl": "https://shop.example/ok", "cancelUrl": "https://shop.example/no"}, 200, oaValid)
	post(base, map[string]any{"successUrl": "https://shop.example/ok", "cancelUrl": "https://shop.example/no"}, 400, oaSkip)
	post(base, with2(v2Session(), "amountMinor", "25"), 400, oaInvalid)
	post(base, with2(v2Session(), "amount", 25), 400, oaInvalid)
	post(base, with2(v2Session(), "allowedMethods", []string{}), 400, oaInvalid)
	o.exchange(oaRequest{method: "POST", path: base, auth: oaAPIKey("sk_test_nope"), contentType: js, body: oaJSON(t, v2Session()), status: 401, request: oaSkip})

	id := amount.str("data", "id")
	get(base+"/"+id, 200, oaValid)
	get(base+"/cs_nope", 404, oaValid)
	o.pay(inv.str("data", "id"), "card", "4242424242424242")
	get(base+"/"+inv.str("data", "id"), 200, oaValid)
	post(base+"/"+id+"/expire", nil, 200, oaValid)
	post(base+"/"+id+"/expire", nil, 400, oaValid)
	post(base+"/cs_nope/expire", nil, 404, oaValid)
	get(base+"?limit=2", 200, oaValid)
	get(base+"?status=completed&startingAfter="+id, 200, oaValid)
	get(base+"?status=done", 400, oaInvalid)
	o.exchange(oaRequest{method: "GET", path: "/p/" + inv.str("data", "publicToken"), status: 200})
	o.exchange(oaRequest{method: "GET", path: "/p/" + amount.str("data", "publicToken"), status: 200})
	o.exchange(oaRequest{method: "GET", path: "/p/" + id, status: 404})
	// Pushed to its device at creation: the page goes on to the waiting page.
	o.exchange(oaRequest{method: "GET", path: "/p/" + counter.str("data", "publicToken"), status: 303})
}

// TestV2SessionReadsSeed003: a seed 003 session reads here too, on its
// own /p/ page; canceled there, it reads as canceled here and is listed so.
func TestV2SessionReadsSeed003(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newChkEnv(t, kind)
		id := e.chkCreate(t, chkSession()).str("id")
		g := e.v2("GET", "/v2/checkout-sessions/"+id, e.key, nil)
		tok := g.str("data", "publicToken")
		if g.status != 200 || g.str("data", "status") != "open" || g.get("data", "amountMinor") != 2500.0 || g.str("data", "currency") != "USD" ||
			fmt.Sprint(g.get("data", "allowed_methods")) != "[stablecoin]" || g.str("data", "url") != testPublicURL+"/p/"+tok || tok != "pt_"+id+"_"+tok[len(tok)-22:] {
			t.Fatalf("a seed 003 session here: %d %s", g.status, g.body)
		}
		e.openOK(t, "/p/"+tok)
		if r := e.do("POST", "/v1/checkout_sessions/"+id+"/cancel", e.key, "", nil); r.status != 200 {
			t.Fatalf("cancel: %d %s", r.status, r.body)
		}
		if g := e.v2("GET", "/v2/checkout-sessions/"+id, e.key, nil); g.str("data", "status") != "canceled" {
			t.Errorf("canceled, here: %s", g.body)
		}
		if l := e.v2("GET", "/v2/checkout-sessions?status=canceled", e.key, nil); l.status != 200 || len(l.get("data").([]any)) != 1 {
			t.Errorf("listed as canceled: %d %s", l.status, l.body)
		}
	})
}
