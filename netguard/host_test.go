package netguard_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/netguard"
)

// TestParseHost: the host of a URL a browser is sent to is a DNS name of
// letters, digits and hyphens, a canonical IPv4 address or a bracketed IPv6
// address, with an optional port in 1–65535, and comes back in one canonical
// spelling.
func TestParseHost(t *testing.T) {
	for _, tc := range []struct {
		in         string
		name, port string
		ip         bool
	}{
		{"shop.example", "shop.example", "", false},
		{"Shop.EXAMPLE", "shop.example", "", false},
		{"shop.example.", "shop.example", "", false},
		{"shop.example:8443", "shop.example", "8443", false},
		{"shop.example:08443", "shop.example", "8443", false},
		{"shop.example:", "shop.example", "", false},
		{"shop.example:65535", "shop.example", "65535", false},
		{"localhost:3000", "localhost", "3000", false},
		{"xn--bcher-kva.example", "xn--bcher-kva.example", "", false},
		{"1password.com", "1password.com", "", false},
		{"https:", "https", "", false}, // the host "https" with an empty port
		{"a-b.c-d.example", "a-b.c-d.example", "", false},
		{"93.184.215.14", "93.184.215.14", "", true},
		{"127.0.0.1:8080", "127.0.0.1", "8080", true},
		{"[2001:db8::1]", "2001:db8::1", "", true},
		{"[2001:DB8:0::1]:8443", "2001:db8::1", "8443", true},
		{"[::1]", "::1", "", true},
		{"[::1]:", "::1", "", true},
		{"[::ffff:8.8.8.8]", "::ffff:8.8.8.8", "", true},
	} {
		h, err := netguard.ParseHost(tc.in)
		if err != nil {
			t.Errorf("ParseHost(%q) = %v, want it accepted", tc.in, err)
			continue
		}
		if h.Name != tc.name || h.Port != tc.port || h.IP.IsValid() != tc.ip {
			t.Errorf("ParseHost(%q) = %+v, want name %q, port %q, IP literal %v", tc.in, h, tc.name, tc.port, tc.ip)
		}
		if tc.ip && h.IP != netip.MustParseAddr(tc.name) {
			t.Errorf("ParseHost(%q).IP = %v, want %s", tc.in, h.IP, tc.name)
		}
	}

	for _, in := range []string{
		"", ":443",
		"shop.example;sandbox", "a.example,script-src", "<b>x</b>", "exa'mple.com",
		"a.example/*", "a.example b", "a example", "*", "*.example", "'self'", "'none'",
		`a"b.example`, "a\\b.example", "a%3bb.example", "a;b", "a,b", "a\x00b.example", "shop.example\n",
		"my_shop.example", "bücher.example", "ex..ample", ".example", "-", "-shop.example", "shop-.example", "..",
		"shop.example:0", "shop.example:65536", "shop.example:99999", "shop.example:+443", "shop.example:44a",
		"shop.example:443:443", "shop.example: 443", "shop.example:*",
		strings.Repeat("a", 64) + ".example", strings.Repeat("abcdefgh.", 32) + "example",
		"2130706433", "0x7f000001", "127.1", "0177.0.0.1", "1.2.3.4.5", "127.0.0.1.", "example.123",
		"[1.2.3.4]", "[fe80::1%eth0]", "[::1", "::1", "2001:db8::1", "[::1]x", "[::1]:0", "[::1]:65536", "[shop.example]",
	} {
		if h, err := netguard.ParseHost(in); err == nil {
			t.Errorf("ParseHost(%q) = %+v, want a refusal", in, h)
		} else if !errors.Is(err, netguard.ErrInvalidHost) {
			t.Errorf("ParseHost(%q) = %v, want ErrInvalidHost", in, err)
		}
	}
}

// TestCheckURLHostileHosts: the hosts that could break out of a header or
// a directive are refused by the webhook check too, which shares the rules.
func TestCheckURLHostileHosts(t *testing.T) {
	var p netguard.Policy
	for _, u := range []string{
		"https://shop.example;sandbox/", "https://a.example,script-src/", "https://<b>x</b>/", "https://exa'mple.com/",
		"https://a\"b.example/", "https://*.example/",
	} {
		if err := p.CheckURL(u); !errors.Is(err, netguard.ErrInvalidURL) {
			t.Errorf("CheckURL(%q) = %v, want ErrInvalidURL", u, err)
		}
	}
}

// FuzzParseHost: whatever ParseHost accepts comes back as a name of
// letters, digits, '-', '.' and, for IPv6, ':' only, which parses again to
// itself: nothing built from it can carry a separator or a quote.
func FuzzParseHost(f *testing.F) {
	for _, s := range []string{"shop.example", "Shop.Example.:0443", "[2001:db8::1]:8443", "127.0.0.1", "a;b", "[::ffff:1.2.3.4]", "xn--bcher-kva.example"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		h, err := netguard.ParseHost(in)
		if err != nil {
			return
		}
		for _, c := range h.Name {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == ':' && h.IP.Is6()) {
				t.Fatalf("ParseHost(%q).Name = %q holds %q", in, h.Name, c)
			}
		}
		again := h.Name
		if h.IP.Is6() {
			again = "[" + again + "]"
		}
		if h.Port != "" {
			again += ":" + h.Port
		}
		if h2, err := netguard.ParseHost(again); err != nil || h2 != h {
			t.Fatalf("ParseHost(%q) = %+v; its spelling %q parses to %+v, %v", in, h, again, h2, err)
		}
	})
}
