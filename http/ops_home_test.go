package http_test

import (
	"strings"
	"testing"
)

// TestHomePage checks that a browser opening the server's root gets a small
// page naming the product and linking the docs and the API description,
// sent with the hosted page's strict headers, while every other unknown
// path keeps the API's JSON 404.
func TestHomePage(t *testing.T) {
	e := newEnv(t)
	for _, method := range []string{"GET", "HEAD"} {
		r := e.do(method, "/", "", "", nil)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Fatalf("%s /: status %d, Content-Type %q; want 200 text/html", method, r.status, r.header.Get("Content-Type"))
		}
		for name, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "no-referrer",
			"X-Frame-Options":        "DENY",
		} {
			if got := r.header.Get(name); got != want {
				t.Errorf("%s /: %s = %q, want %q", method, name, got, want)
			}
		}
		csp := r.header.Get("Content-Security-Policy")
		directives := map[string]string{}
		for _, d := range strings.Split(csp, ";") {
			name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
			directives[name] = value
		}
		for name, want := range map[string]string{"default-src": "'none'", "frame-ancestors": "'none'", "base-uri": "'none'", "form-action": "'none'"} {
			if directives[name] != want {
				t.Errorf("%s /: CSP %s is %q, want %q (policy %q)", method, name, directives[name], want, csp)
			}
		}
		if _, ok := directives["script-src"]; ok || strings.Contains(csp, "unsafe-") {
			t.Errorf("%s /: the CSP allows scripts or unsafe sources: %q", method, csp)
		}
		if method == "HEAD" {
			if len(r.body) != 0 {
				t.Errorf("HEAD /: a body of %d bytes", len(r.body))
			}
			continue
		}
		page := string(r.body)
		for _, want := range []string{"<title>checkoutd</title>", `href="/openapi.json"`, `href="https://github.com/checkoutd/checkoutd#readme"`} {
			if !strings.Contains(page, want) {
				t.Errorf("GET /: the page lacks %q:\n%s", want, page)
			}
		}
		if strings.Contains(page, "<script") {
			t.Errorf("GET /: the page has a script:\n%s", page)
		}
	}

	// Only the root itself: the rest is the API's 404.
	for _, c := range []struct{ method, path string }{
		{"GET", "/index.html"}, {"GET", "/v1"}, {"POST", "/"}, {"GET", "/nothing/here"},
	} {
		r := e.do(c.method, c.path, "", "", nil)
		if r.status != 404 || r.str("error", "code") != "route_not_found" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Errorf("%s %s: status %d, %s; want the JSON 404 route_not_found", c.method, c.path, r.status, r.body)
		}
	}
}
