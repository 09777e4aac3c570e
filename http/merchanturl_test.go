package http_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
)

// hostileHosts are URL hosts that must never be accepted from a merchant:
// each one would, copied into a header, add a directive or a policy, break
// out of a source list, or mean something other than what it shows.
var hostileHosts = []string{
	"shop.example;sandbox", "a.example,script-src", "<b>x</b>", "exa'mple.com",
	"*", "*.example", "'self'", "'none'", `a"b.example`, "a;b", "a,b",
	"my_shop.example", "bücher.example", "ex..ample", "-shop.example",
	"shop.example:0", "shop.example:99999", "[::1", "[1.2.3.4]", "[fe80::1%25eth0]",
	"2130706433", "127.1", "0x7f000001",
}

// TestMerchantURLHostsRefused: every URL a merchant gives (success_url,
// cancel_url, line item images, webhook endpoint url) is refused with a 400
// url_invalid naming it when its host is not a DNS name or an IP literal, and
// nothing is written.
func TestMerchantURLHostsRefused(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) { merchantURLHostsRefused(t, newEnvOn(t, openStore(t, kind))) })
}

func merchantURLHostsRefused(t *testing.T, e *env) {
	e.webhooks(false)
	sessions, events := e.counts()
	withItemImage := func(u string) map[string]any {
		m := validSession()
		delete(m, "amount")
		m["line_items"] = []any{map[string]any{"quantity": 1, "price_data": map[string]any{
			"currency": "GHS", "unit_amount": 2500, "product_data": map[string]any{"name": "Tee", "images": []any{u}}}}}
		return m
	}
	for _, host := range hostileHosts {
		u := "https://" + host + "/ok"
		for _, c := range []struct {
			param, path string
			body        map[string]any
		}{
			{"success_url", "/v1/checkout/sessions", func() map[string]any { m := validSession(); m["success_url"] = u; return m }()},
			{"cancel_url", "/v1/checkout/sessions", func() map[string]any { m := validSession(); m["cancel_url"] = u; return m }()},
			{"line_items[0][price_data][product_data][images][0]", "/v1/checkout/sessions", withItemImage(u)},
			{"url", "/v1/webhook_endpoints", map[string]any{"url": u, "enabled_events": []any{"*"}}},
		} {
			if c.param == "url" && host == "my_shop.example" {
				continue // webhook targets may be docker-compose names; no browser or header sees them
			}
			r := e.postJSON(c.path, e.key, c.body)
			if r.status != 400 || r.str("error", "code") != "url_invalid" || r.str("error", "param") != c.param {
				t.Errorf("%s %s: %d %s, want 400 url_invalid naming %s", c.param, u, r.status, r.body, c.param)
			}
			if msg := r.str("error", "message"); !strings.Contains(msg, c.param) && c.param != "url" {
				t.Errorf("%s %s: message %q does not name the parameter", c.param, u, msg)
			}
		}
	}
	if s, ev := e.counts(); s != sessions || ev != events {
		t.Errorf("refused requests wrote: %d sessions, %d events (want %d, %d)", s, ev, sessions, events)
	}
	if r := e.get("/v1/webhook_endpoints", e.key); len(r.get("data").([]any)) != 0 {
		t.Errorf("refused requests made endpoints: %s", r.body)
	}
}

// TestMerchantURLHostsAccepted: DNS names in any case, with a trailing dot,
// in punycode, with ports, and IP literals are accepted, as given.
func TestMerchantURLHostsAccepted(t *testing.T) {
	e := newEnv(t)
	for _, u := range []string{
		"https://SHOP.Example/ok", "https://shop.example./ok", "https://xn--bcher-kva.example/ok",
		"https://shop.example:8443/ok", "https://shop.example:/ok", "http://localhost:3000/ok", "http://127.0.0.1:3000/ok",
		"https://[2001:db8::1]:8443/ok", "https://93.184.215.14/ok", "https://a.example/*", "https://1password.com/ok",
		"https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}",
	} {
		m := validSession()
		m["success_url"], m["cancel_url"] = u, u
		r := e.postJSON("/v1/checkout/sessions", e.key, m)
		if r.status != 200 || r.str("success_url") != u || r.str("cancel_url") != u {
			t.Errorf("%s: %d %s", u, r.status, r.body)
		}
	}
}

// cspSource is the grammar of a CSP host-source with a scheme, no wildcard
// and no path (CSP3 §2.3.1), as the page writes them.
var cspSource = regexp.MustCompile(`^https?://[a-z0-9-]+(\.[a-z0-9-]+)*(:[0-9]+)?$`)

// TestPageCSPFromStoredURLs: the page's Content-Security-Policy is rebuilt
// from the parsed scheme, host and port of the session's URLs, and a URL that
// gives no valid host-source is left out. The sessions are written straight
// to the store, as code before host validation could have stored them.
func TestPageCSPFromStoredURLs(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		success, cancel string
		want            []string // form-action after 'self'
	}{
		{"https://shop.example/ok", "https://shop.example/no", []string{"https://shop.example"}},
		{"https://shop.example;sandbox/ok", "https://a.example,script-src/x", nil},
		{"https://shop.example; sandbox allow-scripts/ok", "https://a.example, script-src *", nil},
		{"https://<b>x</b>/", "https://exa'mple.com/", nil},
		{"https://*/", "https://'self'/", nil},
		{"https://*.example/", "https://'none'/", nil},
		{"https://a.example/*", "https://a.example/x;y,z", []string{"https://a.example"}},
		{"https://a b.example/", "https://a.example\tb/", nil},
		{"https://SHOP.Example.:443/ok?session_id={CHECKOUT_SESSION_ID}", "HTTP://Shop.example:08080/x", []string{"https://shop.example:443", "http://shop.example:8080"}},
		{"https://xn--bcher-kva.example/", "https://bücher.example/", []string{"https://xn--bcher-kva.example"}},
		{"https://[2001:db8::1]:8443/ok", "http://127.0.0.1:3000/x", []string{"http://127.0.0.1:3000"}},
		{"https://a.example/ok", "https://a.example:8443/x", []string{"https://a.example", "https://a.example:8443"}},
		{"https://a.example:8443/ok", "https://a.example/x", []string{"https://a.example:8443", "https://a.example"}},
		{"https://my_shop.example/", "https://shop.example:99999/", nil},
		{"https://{CHECKOUT_SESSION_ID}.example/", "https://shop.example:0/", nil},
		{"javascript:alert(1)//", "ftp://shop.example/", nil},
		{"https://user:pw@shop.example/", "data:text/html,x", []string{"https://shop.example"}},
		{"", "%%", nil},
		{"https://2130706433/", "https://127.1/", nil},
	} {
		id := e.create(e.key, validSession()).str("id")
		ctx := context.Background()
		sess, err := e.store.FindSession(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		sess.SuccessURL, sess.CancelURL = c.success, c.cancel
		sess.Version++
		if err := e.store.Commit(ctx, checkout.Change{Session: sess}); err != nil {
			t.Fatal(err)
		}
		r := e.do("GET", "/checkout/"+id, "", "", nil)
		if r.status != 200 {
			t.Errorf("%q %q: page %d", c.success, c.cancel, r.status)
			continue
		}
		csp := r.header.Values("Content-Security-Policy")
		if len(csp) != 1 || strings.ContainsAny(csp[0], ",\r\n") {
			t.Errorf("%q %q: want one policy, got %q", c.success, c.cancel, csp)
			continue
		}
		var names []string
		directives := map[string][]string{}
		for _, d := range strings.Split(csp[0], ";") {
			f := strings.Fields(d)
			if len(f) == 0 {
				t.Errorf("%q %q: empty directive in %q", c.success, c.cancel, csp[0])
				continue
			}
			names = append(names, f[0])
			directives[f[0]] = f[1:]
		}
		if want := []string{"default-src", "style-src", "script-src", "img-src", "form-action", "frame-ancestors", "base-uri"}; !slices.Equal(names, want) {
			t.Errorf("%q %q: directives %q, want %q", c.success, c.cancel, names, want)
		}
		fa := directives["form-action"]
		if want := append([]string{"'self'"}, c.want...); !slices.Equal(fa, want) {
			t.Errorf("%q %q: form-action %q, want %q", c.success, c.cancel, fa, want)
		}
		for _, src := range fa[min(1, len(fa)):] {
			if !cspSource.MatchString(src) {
				t.Errorf("%q %q: form-action source %q is not a host-source", c.success, c.cancel, src)
			}
		}
		for name, want := range map[string]string{"default-src": "'none'", "img-src": "'self'", "frame-ancestors": "'none'", "base-uri": "'none'"} {
			if got := strings.Join(directives[name], " "); got != want {
				t.Errorf("%q %q: %s %q, want %q", c.success, c.cancel, name, got, want)
			}
		}
	}
}
