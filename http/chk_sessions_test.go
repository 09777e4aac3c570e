package http_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	chttp "github.com/checkoutd/checkoutd/http"
	"github.com/checkoutd/checkoutd/provider/stablecoin"
	"github.com/checkoutd/checkoutd/service"
)

// The tests in this file drive seed 003's /v1/checkout_sessions against a
// real server over each store, with the stablecoin provider as serve
// registers it and test mode on its simulator (no chain): a selection is a
// deposit address, and the test helper settles it.

// chkModes is serve's stablecoin configuration without any flag: test mode
// simulates the built-in chains; live mode has none.
func chkModes() stablecoin.Modes { return stablecoin.Modes{Test: stablecoin.SimulatedTest()} }

// newChkEnv is a server over a store of kind with the simulator, the
// stablecoin provider, its token directory, and the checkout_sessions
// webhook format.
func newChkEnv(t *testing.T, kind string) *env {
	t.Helper()
	e := newEnvOn(t, openStore(t, kind))
	modes := chkModes()
	e.configure(func(c *service.Config) {
		reg := simProviders(e.clock)
		reg.RegisterCredentialed(stablecoin.Name, stablecoin.Factory(modes))
		reg.Route(false, stablecoin.Name, checkout.MethodStablecoin)
		c.Providers, c.Tokens = reg, modes
		c.EventFormats = chttp.EventFormats(testPublicURL, modes)
	})
	return e
}

// chkSession is a create request with every attribute a merchant sets.
func chkSession() map[string]any {
	return map[string]any{
		"currency":    "USD",
		"success_url": "https://shop.example/ok?session={CHECKOUT_SESSION_ID}",
		"cancel_url":  "https://shop.example/cart",
		"return_url":  "https://shop.example/back",
		"line_items": []any{
			map[string]any{"name": "Beans", "description": "1 kg", "quantity": 2, "unit_amount": "10.00"},
			map[string]any{"name": "Filter", "quantity": 1, "unit_amount": "5.00"},
		},
		"supported_tokens": []any{
			map[string]any{"chain": "base", "token": "USDC"},
			map[string]any{"chain": "ethereum", "currency": "USDT"},
		},
		"customer_id": "cus_42", "customer_email": "ama@example.com",
		"description": "Order 42", "metadata": map[string]any{"order": "42"}, "mode": "payment",
	}
}

func (e *env) chkCreate(t *testing.T, v map[string]any) *response {
	t.Helper()
	r := e.postJSON("/v1/checkout_sessions", e.key, v)
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	return r
}

// seedAttrs are the attributes of seed 003's table, with the JSON types it
// states ("null" where it says "or null").
var seedAttrs = map[string][]string{
	"id": {"string"}, "account_id": {"string"}, "payment_intent_id": {"string", "null"},
	"success_url": {"string"}, "cancel_url": {"string"}, "return_url": {"string", "null"}, "url": {"string"},
	"amount_subtotal": {"string"}, "amount_total": {"string"}, "currency": {"string"},
	"chain": {"string", "null"}, "selected_token": {"string", "null"}, "supported_tokens": {"array"},
	"mode": {"string"}, "discounts": {"array"}, "line_items": {"array"}, "status": {"string"},
	"customer_id": {"string", "null"}, "customer_email": {"string", "null"}, "csrf_token": {"string"},
	"description": {"string", "null"}, "metadata": {"object", "null"}, "exchange_rate": {"string", "null"},
	"expired_at": {"string", "null"}, "used_at": {"string", "null"}, "accessed_at": {"string", "null"},
	"created_at": {"string"}, "updated_at": {"string"},
}

// checkSeedShape checks that every attribute of the seed's table is there,
// typed as the seed states, with the status one of its four, and that every
// timestamp is RFC 3339.
func checkSeedShape(t *testing.T, r *response) {
	t.Helper()
	for name, types := range seedAttrs {
		v, ok := r.json[name]
		if !ok {
			t.Errorf("%s is missing: %s", name, r.body)
			continue
		}
		got := jsonType(v)
		if !strings.Contains(strings.Join(types, " "), got) {
			t.Errorf("%s is %s (%v), the seed says %s", name, got, v, strings.Join(types, " or "))
		}
		if s, ok := v.(string); ok && strings.HasSuffix(name, "_at") {
			if _, err := time.Parse(time.RFC3339, s); err != nil {
				t.Errorf("%s %q is not RFC 3339", name, s)
			}
		}
	}
	switch st := r.str("status"); st {
	case "open", "completed", "expired", "canceled":
	default:
		t.Errorf("status %q is none of the seed's", st)
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case float64:
		return "number"
	case bool:
		return "boolean"
	}
	return "?"
}

// TestChkSessionLifecycle: create → page opened → select → pay → completed,
// every attribute on each real response.
func TestChkSessionLifecycle(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newChkEnv(t, kind)
		created := e.chkCreate(t, chkSession())
		checkSeedShape(t, created)
		id := created.str("id")
		if !strings.HasPrefix(id, "chk_test_") {
			t.Fatalf("id %q, want chk_test_…", id)
		}
		want := map[string]any{
			"account_id": "acct_a", "payment_intent_id": nil, "success_url": "https://shop.example/ok?session={CHECKOUT_SESSION_ID}",
			"cancel_url": "https://shop.example/cart", "return_url": "https://shop.example/back", "url": testPublicURL + "/checkout/" + id,
			"amount_subtotal": "25.00", "amount_total": "25.00", "currency": "USD", "chain": nil, "selected_token": nil,
			"mode": "payment", "status": "open", "customer_id": "cus_42", "customer_email": "ama@example.com",
			"description": "Order 42", "exchange_rate": nil, "used_at": nil, "accessed_at": nil,
			"expired_at": e.clock.Now().Add(checkout.DefaultSessionTTL).Format(time.RFC3339),
			"created_at": e.clock.Now().Format(time.RFC3339), "updated_at": e.clock.Now().Format(time.RFC3339),
		}
		for k, v := range want {
			if got := created.get(k); got != v {
				t.Errorf("%s = %v, want %v", k, got, v)
			}
		}
		if created.get("metadata", "order") != "42" || len(created.str("csrf_token")) < 16 {
			t.Errorf("metadata or csrf_token: %s", created.body)
		}
		toks, _ := created.get("supported_tokens").([]any)
		if len(toks) != 2 {
			t.Fatalf("supported_tokens: %s", created.body)
		}
		base := toks[0].(map[string]any)
		if base["chain"] != "base" || base["token"] != "USDC" || base["currency"] != "USDC" || base["decimals"] != 6.0 ||
			!strings.HasPrefix(base["contract_address"].(string), "0x") || base["chain_id"] != 8453.0 {
			t.Errorf("supported_tokens[0] = %v", base)
		}
		if usdt := toks[1].(map[string]any); usdt["chain"] != "ethereum" || usdt["token"] != "USDT" {
			t.Errorf("supported_tokens[1] = %v", usdt)
		}
		items, _ := created.get("line_items").([]any)
		if len(items) != 2 {
			t.Fatalf("line_items: %s", created.body)
		}
		if li := items[0].(map[string]any); li["name"] != "Beans" || li["quantity"] != 2.0 || li["unit_amount"] != "10.00" ||
			li["amount_total"] != "20.00" || li["currency"] != "USD" || !strings.HasPrefix(li["id"].(string), "li_") {
			t.Errorf("line_items[0] = %v", li)
		}
		if pmt, _ := created.get("payment_method_types").([]any); len(pmt) != 1 || pmt[0] != "stablecoin" {
			t.Errorf("payment_method_types = %v, want [stablecoin]", pmt)
		}

		// accessed_at: the last opening of the page, to the minute.
		e.openOK(t, "/checkout/"+id)
		first := e.clock.Now().Format(time.RFC3339)
		if got := e.get("/v1/checkout_sessions/"+id, e.key).str("accessed_at"); got != first {
			t.Errorf("accessed_at after the first opening = %q, want %q", got, first)
		}
		e.clock.Add(20 * time.Second)
		e.openOK(t, "/checkout/"+id)
		if got := e.get("/v1/checkout_sessions/"+id, e.key).str("accessed_at"); got != first {
			t.Errorf("a reload within the minute moved accessed_at to %q", got)
		}
		e.clock.Add(2 * time.Minute)
		e.openOK(t, "/checkout/"+id)
		if got := e.get("/v1/checkout_sessions/"+id, e.key).str("accessed_at"); got != e.clock.Now().Format(time.RFC3339) {
			t.Errorf("accessed_at after a later opening = %q, want the last opening %s", got, e.clock.Now().Format(time.RFC3339))
		}

		// The custom integration's selection: the deposit.
		sel := e.postJSON("/v1/checkout_sessions/"+id, e.key, map[string]any{"selected_token": "USDC", "chain": "base"})
		if sel.status != 200 {
			t.Fatalf("select: %d %s", sel.status, sel.body)
		}
		checkSeedShape(t, sel)
		if sel.str("chain") != "base" || sel.str("selected_token") != "USDC" || sel.str("exchange_rate") != "1" || sel.str("status") != "open" {
			t.Errorf("selection: %s", sel.body)
		}
		pay := sel.str("payment_intent_id")
		dep, _ := sel.get("deposit").(map[string]any)
		if !strings.HasPrefix(pay, "pay_") || dep == nil {
			t.Fatalf("no payment or deposit: %s", sel.body)
		}
		if dep["payment_intent_id"] != pay || dep["amount"] != "25000000" || dep["amount_decimal"] != "25.000000" ||
			dep["chain"] != "base" || dep["token"] != "USDC" || dep["decimals"] != 6.0 || dep["amount_received"] != "0" ||
			!regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`).MatchString(dep["address"].(string)) ||
			!strings.HasPrefix(dep["uri"].(string), "ethereum:") || dep["expires_at"] != sel.str("expired_at") {
			t.Errorf("deposit = %v", dep)
		}
		if got := e.get("/v1/checkout_sessions/"+id, e.key); got.str("payment_intent_id") != pay || got.get("deposit", "address") != dep["address"] {
			t.Errorf("retrieve after the selection: %s", got.body)
		}

		// Paid (the simulator's test helper): completed, used_at.
		e.clock.Add(time.Minute)
		if r := e.do("POST", "/v1/test_helpers/payments/"+pay+"/succeed", e.key, "", nil); r.status != 200 {
			t.Fatalf("succeed: %d %s", r.status, r.body)
		}
		done := e.get("/v1/checkout_sessions/"+id, e.key)
		checkSeedShape(t, done)
		if done.str("status") != "completed" || done.str("used_at") != e.clock.Now().Format(time.RFC3339) || done.str("payment_intent_id") != pay ||
			done.get("deposit", "status") != "succeeded" {
			t.Errorf("after payment: %s", done.body)
		}
		// The canonical API reads the same session in its own shape.
		if c := e.get("/v1/checkout/sessions/"+id, e.key); c.status != 200 || c.str("status") != "complete" || c.get("amount_total") != 2500.0 {
			t.Errorf("canonical read of %s: %d %s", id, c.status, c.body)
		}
		// A completed session cannot be canceled: a state error in the dialect's words.
		r := e.do("POST", "/v1/checkout_sessions/"+id+"/cancel", e.key, "", nil)
		if r.status != 400 || r.str("error", "code") != "checkout_session_complete" || !strings.Contains(r.str("error", "message"), "completed") {
			t.Errorf("cancel a completed session: %d %s", r.status, r.body)
		}
	})
}

// TestChkSessionStatuses: canceled and expired through the dialect, the
// list's status filter in the dialect's names, and its cursor.
func TestChkSessionStatuses(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newChkEnv(t, kind)
		body := map[string]any{"amount": "12.5", "currency": "usd", "success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/no"}
		a := e.chkCreate(t, body)
		if a.str("amount_total") != "12.50" || a.str("currency") != "USD" || len(a.get("line_items").([]any)) != 0 {
			t.Errorf("amount as a decimal: %s", a.body)
		}
		canceled := e.do("POST", "/v1/checkout_sessions/"+a.str("id")+"/cancel", e.key, "", nil)
		checkSeedShape(t, canceled)
		if canceled.status != 200 || canceled.str("status") != "canceled" || canceled.str("used_at") != e.clock.Now().Format(time.RFC3339) {
			t.Fatalf("cancel: %d %s", canceled.status, canceled.body)
		}
		if r := e.do("POST", "/v1/checkout_sessions/"+a.str("id")+"/cancel", e.key, "", nil); r.status != 400 || r.str("error", "code") != "checkout_session_canceled" {
			t.Errorf("cancel again: %d %s", r.status, r.body)
		}
		b := e.chkCreate(t, body)
		c := e.chkCreate(t, body)
		d := e.chkCreate(t, body)
		// An expired session: through the canonical expire, and one past its expired_at.
		if r := e.do("POST", "/v1/checkout/sessions/"+b.str("id")+"/expire", e.key, "", nil); r.status != 200 {
			t.Fatalf("expire: %d %s", r.status, r.body)
		}
		expired := e.get("/v1/checkout_sessions/"+b.str("id"), e.key)
		checkSeedShape(t, expired)
		if expired.str("status") != "expired" || expired.get("used_at") != nil {
			t.Errorf("expired: %s", expired.body)
		}
		if r := e.do("POST", "/v1/checkout_sessions/"+b.str("id")+"/cancel", e.key, "", nil); r.status != 400 || r.str("error", "code") != "checkout_session_expired" {
			t.Errorf("cancel an expired session: %d %s", r.status, r.body)
		}

		list := func(q string) []string {
			t.Helper()
			r := e.get("/v1/checkout_sessions?"+q, e.key)
			if r.status != 200 || r.str("object") != "list" || r.str("url") != "/v1/checkout_sessions" {
				t.Fatalf("list %s: %d %s", q, r.status, r.body)
			}
			var ids []string
			for _, it := range r.get("data").([]any) {
				ids = append(ids, it.(map[string]any)["id"].(string))
			}
			return ids
		}
		if got := list("status=canceled"); len(got) != 1 || got[0] != a.str("id") {
			t.Errorf("canceled: %v", got)
		}
		if got := list("status=expired"); len(got) != 1 || got[0] != b.str("id") {
			t.Errorf("expired: %v", got)
		}
		if got := list("status=open"); len(got) != 2 || got[0] != d.str("id") || got[1] != c.str("id") {
			t.Errorf("open, newest first: %v", got)
		}
		if got := list("status=open&limit=1&starting_after=" + d.str("id")); len(got) != 1 || got[0] != c.str("id") {
			t.Errorf("starting_after: %v", got)
		}
		if got := list("status=completed"); len(got) != 0 {
			t.Errorf("completed: %v", got)
		}
		for _, bad := range []string{"status=complete", "status=paid"} {
			r := e.get("/v1/checkout_sessions?"+bad, e.key)
			if r.status != 400 || r.str("error", "param") != "status" || !strings.Contains(r.str("error", "message"), "open, completed, expired, canceled") {
				t.Errorf("%s: %d %s", bad, r.status, r.body)
			}
		}
	})
}

// TestChkReadsEveryDialect: a canonical cs_ session reads through seed
// 003's API, a chk_ one through the canonical API and by its public token.
func TestChkReadsEveryDialect(t *testing.T) {
	e := newChkEnv(t, "sqlite")
	cs := e.create(e.key, validSession())
	r := e.get("/v1/checkout_sessions/"+cs.str("id"), e.key)
	checkSeedShape(t, r)
	if r.status != 200 || r.str("amount_total") != "50.00" || r.str("currency") != "GHS" || r.str("status") != "open" {
		t.Errorf("a cs_ session through seed 003: %d %s", r.status, r.body)
	}
	chk := e.chkCreate(t, map[string]any{"amount": "3", "currency": "USD", "success_url": "https://a.example/ok", "cancel_url": "https://a.example/no"})
	c := e.get("/v1/checkout/sessions/"+chk.str("id"), e.key)
	if c.status != 200 || c.get("amount_total") != 300.0 || c.str("id") != chk.str("id") {
		t.Errorf("a chk_ session through the canonical API: %d %s", c.status, c.body)
	}
	// Another account reads neither.
	if r := e.get("/v1/checkout_sessions/"+chk.str("id"), e.keyB); r.status != 404 {
		t.Errorf("account B reads A's session: %d", r.status)
	}
	// The public token of a chk_ session finds it (seed 002's /p/ page).
	sess, err := e.store.GetSession(t.Context(), checkout.Scope{AccountID: "acct_a"}, chk.str("id"))
	if err != nil {
		t.Fatal(err)
	}
	found, _, err := e.svc.OpenSessionByToken(t.Context(), sess.PublicToken)
	if err != nil || found.ID != sess.ID {
		t.Errorf("OpenSessionByToken(%q) = %v, %v", sess.PublicToken, found, err)
	}
	if _, _, err := e.svc.OpenSessionByToken(t.Context(), sess.ID); err == nil {
		t.Error("a session's id is taken as its public token")
	}
	// A live key makes chk_live_ sessions.
	live := e.postJSON("/v1/checkout_sessions", e.liveA, map[string]any{"amount": "3", "currency": "USD", "payment_method_types": []string{"card"},
		"success_url": "https://a.example/ok", "cancel_url": "https://a.example/no"})
	if live.status != 200 || !strings.HasPrefix(live.str("id"), "chk_live_") {
		t.Errorf("live: %d %s", live.status, live.body)
	}
}

// TestChkBadInput: every bad input is refused naming its parameter in the
// dialect's words, and writes nothing.
func TestChkBadInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newChkEnv(t, kind)
		with := func(kv ...any) map[string]any {
			b := chkSession()
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == nil {
					delete(b, kv[i].(string))
				} else {
					b[kv[i].(string)] = kv[i+1]
				}
			}
			return b
		}
		for _, c := range []struct {
			name  string
			body  map[string]any
			param string
			say   string
		}{
			{"subscription", with("mode", "subscription"), "mode", "subscription"},
			{"setup", with("mode", "setup"), "mode", "payment"},
			{"no currency", with("currency", nil), "currency", "required"},
			{"a token as currency", with("currency", "USDC"), "currency", "ISO 4217"},
			{"amount as a number", with("line_items", nil, "amount", 25), "amount", "string"},
			{"amount with too many decimals", with("line_items", nil, "amount", "25.001"), "amount", "decimal"},
			{"negative amount", with("line_items", nil, "amount", "-1.00"), "amount", "decimal"},
			{"no amount", with("line_items", nil), "amount", "line_items"},
			{"bad unit_amount", with("line_items", []any{map[string]any{"name": "x", "quantity": 1, "unit_amount": "ten"}}), "line_items[0][unit_amount]", "decimal"},
			{"no unit_amount", with("line_items", []any{map[string]any{"name": "x", "quantity": 1}}), "line_items[0][unit_amount]", "required"},
			{"no quantity", with("line_items", []any{map[string]any{"name": "x", "unit_amount": "1.00"}}), "line_items[0][quantity]", "required"},
			{"no name", with("line_items", []any{map[string]any{"quantity": 1, "unit_amount": "1.00"}}), "line_items[0][name]", ""},
			{"long customer", with("customer_id", strings.Repeat("c", 300)), "customer_id", "customer_id"},
			{"bad email", with("customer_email", "nope"), "customer_email", ""},
			{"bad return_url", with("return_url", "javascript:alert(1)"), "return_url", "return_url"},
			{"no success_url", with("success_url", nil), "success_url", "required"},
			{"expired_at in the past", with("expired_at", time.Now().Add(-time.Hour).Format(time.RFC3339)), "expired_at", "expired_at"},
			{"unknown chain", with("supported_tokens", []any{map[string]any{"chain": "nochain", "token": "USDC"}}), "supported_tokens[0]", "not configured"},
			{"token and currency differ", with("supported_tokens", []any{map[string]any{"chain": "base", "token": "USDC", "currency": "USDT"}}), "supported_tokens[0][currency]", ""},
			{"no token", with("supported_tokens", []any{map[string]any{"chain": "base"}}), "supported_tokens[0][token]", ""},
			{"unknown parameter", with("amount_due", "3.00"), "amount_due", "unknown"},
			{"unknown method", with("payment_method_types", []string{"bitcoin"}), "payment_method_types[0]", ""},
			{"metadata not strings", with("metadata", map[string]any{"n": 1}), "metadata[n]", ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				s0, e0 := e.counts()
				r := e.postJSON("/v1/checkout_sessions", e.key, c.body)
				if r.status != 400 || r.str("error", "param") != c.param || !strings.Contains(r.str("error", "message"), c.say) {
					t.Errorf("%d %s, want 400 naming %s saying %q", r.status, r.body, c.param, c.say)
				}
				if s1, e1 := e.counts(); s1 != s0 || e1 != e0 {
					t.Errorf("a refused create wrote: sessions %d→%d, events %d→%d", s0, s1, e0, e1)
				}
			})
		}

		// Selections: the pair named, nothing written.
		id := e.chkCreate(t, chkSession()).str("id")
		card := e.create(e.key, map[string]any{"amount": 500, "currency": "USD", "payment_method_types": []string{"card"},
			"success_url": "https://a.example/ok", "cancel_url": "https://a.example/no"}).str("id")
		for _, c := range []struct {
			name, id string
			body     map[string]any
			param    string
			status   int
			say      string
		}{
			{"no token", id, map[string]any{"chain": "base"}, "selected_token", 400, ""},
			{"no chain", id, map[string]any{"selected_token": "USDC"}, "chain", 400, ""},
			{"unsupported token", id, map[string]any{"selected_token": "DAI", "chain": "base"}, "selected_token", 400, ""},
			{"unsupported chain", id, map[string]any{"selected_token": "USDC", "chain": "polygon"}, "chain", 400, ""},
			{"token as a number", id, map[string]any{"selected_token": 1, "chain": "base"}, "selected_token", 400, ""},
			{"unknown parameter", id, map[string]any{"selected_token": "USDC", "chain": "base", "amount": "1"}, "amount", 400, ""},
			{"a card session", card, map[string]any{"selected_token": "USDC", "chain": "base"}, "selected_token", 400,
				"this checkout session does not take stablecoin payments"},
			{"no such session", "chk_test_missing", map[string]any{"selected_token": "USDC", "chain": "base"}, "id", 404, ""},
		} {
			t.Run("select/"+c.name, func(t *testing.T) {
				r := e.postJSON("/v1/checkout_sessions/"+c.id, e.key, c.body)
				if r.status != c.status || r.str("error", "param") != c.param || (c.say != "" && r.str("error", "message") != c.say) {
					t.Errorf("%d %s, want %d naming %s saying %q", r.status, r.body, c.status, c.param, c.say)
				}
				// A rename touches the parameter, never the prose.
				if m := r.str("error", "message"); strings.Contains(m, "payment selected_token") || strings.Contains(m, "payment_intent_id method") {
					t.Errorf("a corrupted message: %q", m)
				}
			})
		}
		if ps := e.payments(t, id); len(ps) != 0 {
			t.Errorf("refused selections wrote payments: %v", ps)
		}
		if s := e.get("/v1/checkout_sessions/"+id, e.key); s.get("chain") != nil || s.get("payment_intent_id") != nil {
			t.Errorf("refused selections changed the session: %s", s.body)
		}
	})
}

// TestChkPageCancelLink: on a seed 003 session's page the cancel link is a
// form that cancels the session, then goes to cancel_url; other sessions
// keep a plain link that ends nothing.
func TestChkPageCancelLink(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newChkEnv(t, kind)
		id := e.chkCreate(t, chkSession()).str("id")
		page := e.openOK(t, "/checkout/"+id)
		form := regexp.MustCompile(`<form class="back" method="post" action="/checkout/` + id + `/cancel"><input type="hidden" name="csrf_token" value="([^"]+)"><button type="submit" class="linkbtn" id="cancel">`).FindStringSubmatch(page.body)
		if form == nil {
			t.Fatalf("no cancel form on the page:\n%s", page.body)
		}
		// Without the token: refused, still open.
		if p := e.fetch(t, "POST", "/checkout/"+id+"/cancel", url.Values{"csrf_token": {"wrong"}}); p.status != http.StatusForbidden {
			t.Errorf("a post without the token: %d", p.status)
		}
		if st := e.get("/v1/checkout_sessions/"+id, e.key).str("status"); st != "open" {
			t.Errorf("after a forged post the session is %s", st)
		}
		p := e.fetch(t, "POST", "/checkout/"+id+"/cancel", url.Values{"csrf_token": {form[1]}})
		if loc := p.location(); loc != "https://shop.example/cart" {
			t.Errorf("the cancel goes to %q, want cancel_url", loc)
		}
		s := e.get("/v1/checkout_sessions/"+id, e.key)
		if s.str("status") != "canceled" || s.str("used_at") == "" {
			t.Errorf("after the page's cancel: %s", s.body)
		}
		if types := e.eventTypes(t); len(types) == 0 || types[0] != checkout.EventSessionCanceled {
			t.Errorf("events: %v", types)
		}
		// A second post (a double click) goes to the page, which says so.
		if p := e.fetch(t, "POST", "/checkout/"+id+"/cancel", url.Values{"csrf_token": {form[1]}}); p.location() != "/checkout/"+id {
			t.Errorf("a second cancel goes to %q", p.header.Get("Location"))
		}

		// A canonical session: the plain link, and no cancel route.
		cs := e.create(e.key, validSession()).str("id")
		cp := e.openOK(t, "/checkout/"+cs)
		if !strings.Contains(cp.body, `<a href="https://shop.example/cancel" id="cancel">`) || strings.Contains(cp.body, "/cancel\"><input") {
			t.Errorf("the canonical session's page has no plain cancel link")
		}
		if p := e.fetch(t, "POST", "/checkout/"+cs+"/cancel", url.Values{"csrf_token": {"x"}}); p.status != http.StatusNotFound {
			t.Errorf("cancel of a cs_ session from the page: %d", p.status)
		}
		if st := e.get("/v1/checkout/sessions/"+cs, e.key).str("status"); st != "open" {
			t.Errorf("the cs_ session is %s", st)
		}
	})
}

// TestChkWebhookFormats: the same event to a canonical endpoint and to a
// checkout_sessions one, each in its shape, same id and type, each signed
// with its own secret.
func TestChkWebhookFormats(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newChkEnv(t, kind)
		e.webhooks(true)
		canon, chk := newWHReceiver(t), newWHReceiver(t)
		cid, csecret := e.newEndpoint(e.key, map[string]any{"url": canon.url(), "enabled_events": []string{"checkout.session.completed", "checkout.session.canceled"}})
		r := e.postJSON("/v1/webhook_endpoints", e.key, map[string]any{"url": chk.url(), "enabled_events": []string{"*"}, "format": "checkout_sessions"})
		if r.status != 200 || r.str("format") != "checkout_sessions" {
			t.Fatalf("create with format: %d %s", r.status, r.body)
		}
		kid, ksecret := r.str("id"), r.str("secret")
		if g := e.get("/v1/webhook_endpoints/"+cid, e.key); g.str("format") != "canonical" {
			t.Errorf("the default format: %s", g.body)
		}
		if g := e.get("/v1/webhook_endpoints/"+kid, e.key); g.str("format") != "checkout_sessions" {
			t.Errorf("the stored format: %s", g.body)
		}
		// A format nobody renders is refused by name, on create and update.
		before := e.endpointsState()
		for _, req := range []struct{ path string }{{"/v1/webhook_endpoints"}, {"/v1/webhook_endpoints/" + cid}} {
			r := e.postJSON(req.path, e.key, map[string]any{"url": canon.url(), "enabled_events": []string{"*"}, "format": "v3"})
			if r.status != 400 || r.str("error", "param") != "format" || !strings.Contains(r.str("error", "message"), "canonical, checkout_sessions, v2") {
				t.Errorf("%s with format v3: %d %s", req.path, r.status, r.body)
			}
		}
		if after := e.endpointsState(); after != before {
			t.Errorf("refused formats changed endpoints:\n%s\n%s", before, after)
		}

		// A canceled session, then a completed one.
		id := e.chkCreate(t, chkSession()).str("id")
		if r := e.do("POST", "/v1/checkout_sessions/"+id+"/cancel", e.key, "", nil); r.status != 200 {
			t.Fatalf("cancel: %d %s", r.status, r.body)
		}
		paid := e.chkCreate(t, chkSession()).str("id")
		sel := e.postJSON("/v1/checkout_sessions/"+paid, e.key, map[string]any{"selected_token": "USDT", "chain": "ethereum"})
		if sel.status != 200 {
			t.Fatalf("select: %d %s", sel.status, sel.body)
		}
		if r := e.do("POST", "/v1/test_helpers/payments/"+sel.str("payment_intent_id")+"/succeed", e.key, "", nil); r.status != 200 {
			t.Fatalf("succeed: %d %s", r.status, r.body)
		}

		byType := func(reqs []whRequest, secret string) map[string]map[string]any {
			out := map[string]map[string]any{}
			for _, rq := range reqs {
				ev := whVerify(t, rq, secret)
				var m map[string]any
				if err := json.Unmarshal(rq.body, &m); err != nil {
					t.Fatal(err)
				}
				if _, seen := out[ev.Type]; !seen {
					out[ev.Type] = m
				}
			}
			return out
		}
		cg := byType(canon.wait(t, 2), csecret)
		// The checkout_sessions endpoint takes every event: the two
		// sessions' and payment.succeeded.
		kg := byType(chk.wait(t, 3), ksecret)
		for _, typ := range []string{checkout.EventSessionCanceled, checkout.EventSessionCompleted} {
			c, k := cg[typ], kg[typ]
			if c == nil || k == nil {
				t.Fatalf("%s: canonical %v, checkout_sessions %v", typ, c != nil, k != nil)
			}
			if c["id"] != k["id"] || c["type"] != k["type"] || c["created"] != k["created"] {
				t.Errorf("%s: not the same event: %v / %v", typ, c["id"], k["id"])
			}
			co := c["data"].(map[string]any)["object"].(map[string]any)
			ko := k["data"].(map[string]any)["object"].(map[string]any)
			if co["object"] != "checkout.session" || co["amount_total"] != 2500.0 {
				t.Errorf("%s canonical data.object: %v", typ, co)
			}
			ks := &response{json: ko}
			checkSeedShape(t, ks)
			if ko["object"] != "checkout_session" || ko["amount_total"] != "25.00" || ko["currency"] != "USD" || ko["csrf_token"] == nil {
				t.Errorf("%s checkout_sessions data.object: %v", typ, ko)
			}
		}
		if st := cg[checkout.EventSessionCompleted]["data"].(map[string]any)["object"].(map[string]any)["status"]; st != "complete" {
			t.Errorf("canonical completed status %v", st)
		}
		done := kg[checkout.EventSessionCompleted]["data"].(map[string]any)["object"].(map[string]any)
		if done["status"] != "completed" || done["used_at"] == nil || done["payment_intent_id"] != sel.str("payment_intent_id") ||
			done["chain"] != "ethereum" || done["selected_token"] != "USDT" || done["exchange_rate"] != "1" {
			t.Errorf("checkout_sessions completed data.object: %v", done)
		}
		if st := kg[checkout.EventSessionCanceled]["data"].(map[string]any)["object"].(map[string]any)["status"]; st != "canceled" {
			t.Errorf("checkout_sessions canceled status %v", st)
		}
		// A payment event keeps the canonical payment shape in every format.
		if p := kg[checkout.EventPaymentSucceeded]; p == nil || p["data"].(map[string]any)["object"].(map[string]any)["object"] != "payment" {
			t.Errorf("payment.succeeded in the checkout_sessions format: %v", p)
		}

		// An update switches the format; the next event follows it.
		if r := e.postJSON("/v1/webhook_endpoints/"+cid, e.key, map[string]any{"format": "checkout_sessions"}); r.status != 200 || r.str("format") != "checkout_sessions" {
			t.Fatalf("update format: %d %s", r.status, r.body)
		}
		third := e.chkCreate(t, chkSession()).str("id")
		if r := e.do("POST", "/v1/checkout_sessions/"+third+"/cancel", e.key, "", nil); r.status != 200 {
			t.Fatal(r.status)
		}
		last := canon.wait(t, 3)[2]
		whVerify(t, last, csecret)
		var m map[string]any
		json.Unmarshal(last.body, &m)
		if o := m["data"].(map[string]any)["object"].(map[string]any); o["object"] != "checkout_session" || o["id"] != third {
			t.Errorf("after the update the endpoint got %v", o)
		}
	})
}

// TestChkDiscounts: a session's discounts in the dialect's shape, amounts
// as decimal strings, spread over the line items exactly; a bad coupon is
// named by its place in discounts and writes nothing.
func TestChkDiscounts(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newChkEnv(t, kind)
		for _, c := range []map[string]any{
			{"id": "THIRD", "percent_off": 33.33, "name": "A third"},
			{"id": "TWOFIFTY", "amount_off": 250, "currency": "USD"},
		} {
			if r := e.postJSON("/v1/coupons", e.key, c); r.status != 200 {
				t.Fatalf("coupon: %d %s", r.status, r.body)
			}
		}
		code := e.postJSON("/v1/promotion_codes", e.key, map[string]any{"coupon": "TWOFIFTY", "code": "SPRING"})
		if code.status != 200 {
			t.Fatalf("promotion code: %d %s", code.status, code.body)
		}
		body := chkSession()
		body["line_items"] = []any{
			map[string]any{"name": "A", "quantity": 1, "unit_amount": "10.01"},
			map[string]any{"name": "B", "quantity": 3, "unit_amount": "3.33"},
		}
		body["discounts"] = []any{map[string]any{"coupon": "THIRD"}}
		r := e.chkCreate(t, body)
		checkSeedShape(t, r)
		if r.str("amount_subtotal") != "20.00" || r.str("amount_total") != "13.33" {
			t.Errorf("totals with a third off: %s / %s", r.str("amount_subtotal"), r.str("amount_total"))
		}
		ds := r.get("discounts").([]any)
		if len(ds) != 1 {
			t.Fatalf("discounts: %s", r.body)
		}
		d := ds[0].(map[string]any)
		if d["coupon"] != "THIRD" || d["name"] != "A third" || d["percent_off"] != "33.33" || d["amount_off"] != nil || d["promotion_code"] != nil || d["amount"] != "6.67" {
			t.Errorf("discounts[0] = %v", d)
		}
		var cents int64
		for _, it := range r.get("line_items").([]any) {
			n, ok := checkout.ParseAmount(it.(map[string]any)["amount_discount"].(string), "USD")
			if !ok {
				t.Fatalf("amount_discount %v", it)
			}
			cents += n
		}
		if cents != 667 {
			t.Errorf("the line items' discounts sum to %d cents, want 667", cents)
		}

		byCode := e.chkCreate(t, map[string]any{"amount": "20.00", "currency": "USD", "success_url": "https://a.example/ok", "cancel_url": "https://a.example/no",
			"discounts": []any{map[string]any{"promotion_code": code.str("id")}}, "allow_promotion_codes": false})
		if d := byCode.get("discounts").([]any)[0].(map[string]any); d["amount_off"] != "2.50" || d["promotion_code"] != code.str("id") || byCode.str("amount_total") != "17.50" {
			t.Errorf("a promotion code: %s", byCode.body)
		}
		if allow := e.chkCreate(t, map[string]any{"amount": "1.00", "currency": "USD", "success_url": "https://a.example/ok", "cancel_url": "https://a.example/no",
			"allow_promotion_codes": true}); allow.get("allow_promotion_codes") != true {
			t.Errorf("allow_promotion_codes: %s", allow.body)
		}

		s0, e0 := e.counts()
		bad := e.postJSON("/v1/checkout_sessions", e.key, map[string]any{"amount": "1.00", "currency": "USD", "success_url": "https://a.example/ok", "cancel_url": "https://a.example/no",
			"discounts": []any{map[string]any{"coupon": "NOPE"}}})
		if bad.status != 400 || bad.str("error", "param") != "discounts[0][coupon]" {
			t.Errorf("an unknown coupon: %d %s", bad.status, bad.body)
		}
		if s1, e1 := e.counts(); s1 != s0 || e1 != e0 {
			t.Errorf("a refused discount wrote")
		}
	})
}

// TestChkSelectionEnds: a selection's deposit shows while the session is
// open; canceled, the session keeps the selection's payment but shows no
// address to send to; a failed selection is no selection, and the one
// still waiting before it shows again (or none).
func TestChkSelectionEnds(t *testing.T) {
	e := newChkEnv(t, "sqlite")
	id := e.chkCreate(t, chkSession()).str("id")
	first := e.postJSON("/v1/checkout_sessions/"+id, e.key, map[string]any{"selected_token": "USDC", "chain": "base"})
	second := e.postJSON("/v1/checkout_sessions/"+id, e.key, map[string]any{"selected_token": "USDT", "chain": "ethereum"})
	if first.status != 200 || second.status != 200 {
		t.Fatalf("selections: %d %d %s", first.status, second.status, second.body)
	}
	if a, b := first.get("deposit", "address"), second.get("deposit", "address"); a == b || second.str("selected_token") != "USDT" {
		t.Errorf("a second selection: address %v then %v, token %s", a, b, second.str("selected_token"))
	}
	fail := func(r *response) {
		t.Helper()
		if f := e.do("POST", "/v1/test_helpers/payments/"+r.str("payment_intent_id")+"/fail", e.key, "", nil); f.status != 200 {
			t.Fatalf("fail: %d %s", f.status, f.body)
		}
	}
	// The second selection's payment fails (the test helper): the first,
	// still waiting, is the selection again.
	fail(second)
	if g := e.get("/v1/checkout_sessions/"+id, e.key); g.str("payment_intent_id") != first.str("payment_intent_id") ||
		g.get("deposit", "address") != first.get("deposit", "address") || g.str("selected_token") != "USDC" || g.str("chain") != "base" {
		t.Errorf("after a failed second selection: %s", g.body)
	}
	// The first one fails too: no selection.
	fail(first)
	if g := e.get("/v1/checkout_sessions/"+id, e.key); g.get("payment_intent_id") != nil || g.get("deposit") != nil || g.get("chain") != nil || g.get("selected_token") != nil {
		t.Errorf("after every selection failed: %s", g.body)
	}
	third := e.postJSON("/v1/checkout_sessions/"+id, e.key, map[string]any{"selected_token": "USDC", "chain": "base"})
	if third.status != 200 {
		t.Fatalf("third selection: %d %s", third.status, third.body)
	}
	c := e.do("POST", "/v1/checkout_sessions/"+id+"/cancel", e.key, "", nil)
	if c.status != 200 || c.str("status") != "canceled" || c.str("payment_intent_id") != third.str("payment_intent_id") || c.get("deposit") != nil {
		t.Errorf("canceled with a selection waiting: %d %s", c.status, c.body)
	}
}

// TestTokenPage: /p/{publicToken} is the session's page; the id, a token
// with another session's id part, or a changed token finds nothing.
func TestTokenPage(t *testing.T) {
	e := newChkEnv(t, "sqlite")
	cs := e.create(e.key, validSession())
	other := e.create(e.key, validSession())
	sess, err := e.store.GetSession(t.Context(), checkout.Scope{AccountID: "acct_a"}, cs.str("id"))
	if err != nil {
		t.Fatal(err)
	}
	page := e.get("/p/"+sess.PublicToken, "")
	if page.status != 200 || !strings.Contains(string(page.body), "/checkout/"+sess.ID+"/pay") {
		t.Fatalf("GET /p/{token}: %d, want the session's page (its form posting to /checkout/%s/pay)", page.status, sess.ID)
	}
	drawn := sess.PublicToken[strings.LastIndexByte(sess.PublicToken, '_'):]
	for _, p := range []string{"/p/" + sess.ID, "/p/" + strings.Replace(sess.PublicToken, "pt_", "cs_", 1),
		"/p/pt_" + strings.TrimPrefix(other.str("id"), "cs_") + drawn, "/p/" + sess.PublicToken + "0"} {
		if r := e.get(p, ""); r.status != 404 {
			t.Errorf("GET %s: %d, want 404", p, r.status)
		}
	}
}
