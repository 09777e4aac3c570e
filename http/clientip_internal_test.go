package http

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestClientIP(t *testing.T) {
	trusted, err := ParseTrustedProxies("10.0.0.0/8, 192.0.2.1 ,2001:db8:ffff::/48")
	if err != nil {
		t.Fatal(err)
	}
	behind := &Server{trusted: trusted}
	alone := &Server{}
	const proxy = "10.0.0.1:5000"
	for _, c := range []struct {
		name string
		s    *Server
		peer string
		hdr  []string // name, value, name, value…
		want string
	}{
		{"no proxy trusted", alone, "10.0.0.1:5000", []string{"X-Forwarded-For", "203.0.113.1"}, "10.0.0.1"},
		{"untrusted peer", behind, "198.51.100.1:5000", []string{"X-Forwarded-For", "203.0.113.1", "Forwarded", "for=203.0.113.2"}, "198.51.100.1"},
		{"untrusted IPv6 peer", behind, "[2001:db8::5]:443", []string{"X-Forwarded-For", "203.0.113.1"}, "2001:db8::5"},
		{"trusted peer, no header", behind, proxy, nil, "10.0.0.1"},
		{"trusted peer", behind, proxy, []string{"X-Forwarded-For", "203.0.113.1"}, "203.0.113.1"},
		{"spoofed left part ignored", behind, proxy, []string{"X-Forwarded-For", "1.1.1.1, 203.0.113.1"}, "203.0.113.1"},
		{"chain of proxies", behind, proxy, []string{"X-Forwarded-For", "1.1.1.1,203.0.113.1, 192.0.2.1,10.1.1.1"}, "203.0.113.1"},
		{"several header lines", behind, proxy, []string{"X-Forwarded-For", "1.1.1.1", "X-Forwarded-For", "203.0.113.1, 10.0.0.2"}, "203.0.113.1"},
		{"all trusted", behind, proxy, []string{"X-Forwarded-For", "10.0.0.5, 10.0.0.6"}, "10.0.0.5"},
		{"malformed right-most", behind, proxy, []string{"X-Forwarded-For", "203.0.113.1, bogus"}, "10.0.0.1"},
		{"malformed past a proxy", behind, proxy, []string{"X-Forwarded-For", "203.0.113.1, bogus, 10.0.0.7"}, "10.0.0.7"},
		{"empty element", behind, proxy, []string{"X-Forwarded-For", "203.0.113.1, "}, "10.0.0.1"},
		{"empty header", behind, proxy, []string{"X-Forwarded-For", ""}, "10.0.0.1"},
		{"with a port", behind, proxy, []string{"X-Forwarded-For", "203.0.113.1:8080"}, "203.0.113.1"},
		{"IPv6 with a port", behind, proxy, []string{"X-Forwarded-For", "[2001:db8::1]:443"}, "2001:db8::1"},
		{"bare IPv6", behind, proxy, []string{"X-Forwarded-For", "2001:db8::1"}, "2001:db8::1"},
		{"IPv4-mapped IPv6", behind, proxy, []string{"X-Forwarded-For", "::ffff:203.0.113.1"}, "203.0.113.1"},
		{"IPv6 zone", behind, proxy, []string{"X-Forwarded-For", "fe80::1%eth0"}, "fe80::1"},
		{"trusted IPv6 peer", behind, "[2001:db8:ffff::1]:1234", []string{"X-Forwarded-For", "203.0.113.1"}, "203.0.113.1"},
		{"trusted IPv4-mapped peer", behind, "[::ffff:10.0.0.1]:1234", []string{"X-Forwarded-For", "203.0.113.1"}, "203.0.113.1"},
		{"Forwarded", behind, proxy, []string{"Forwarded", "for=203.0.113.1;proto=https;by=10.0.0.1"}, "203.0.113.1"},
		{"Forwarded chain", behind, proxy, []string{"Forwarded", `for=1.1.1.1, for="[2001:db8::17]:4711", for=10.0.0.9`}, "2001:db8::17"},
		{"Forwarded lines", behind, proxy, []string{"Forwarded", "for=1.1.1.1", "Forwarded", "for=203.0.113.1"}, "203.0.113.1"},
		{"Forwarded names in any case", behind, proxy, []string{"Forwarded", "Proto=https; FOR = 203.0.113.1"}, "203.0.113.1"},
		{"Forwarded quoted IPv4", behind, proxy, []string{"Forwarded", `for="203.0.113.1"`}, "203.0.113.1"},
		{"Forwarded unknown", behind, proxy, []string{"Forwarded", "for=1.1.1.1, for=unknown"}, "10.0.0.1"},
		{"Forwarded obfuscated past a proxy", behind, proxy, []string{"Forwarded", "for=_hidden, for=10.0.0.3"}, "10.0.0.3"},
		{"Forwarded without for", behind, proxy, []string{"Forwarded", "for=1.1.1.1, proto=https"}, "10.0.0.1"},
		{"Forwarded unterminated quote", behind, proxy, []string{"Forwarded", `for="203.0.113.1`}, "10.0.0.1"},
		{"Forwarded comma inside quotes", behind, proxy, []string{"Forwarded", `for=1.1.1.1, for="203.0.113.1,10.0.0.2"`}, "10.0.0.1"},
		{"Forwarded IPv6 without brackets", behind, proxy, []string{"Forwarded", `for="2001:db8::1"`}, "2001:db8::1"},
		{"X-Forwarded-For wins over Forwarded", behind, proxy, []string{"X-Forwarded-For", "203.0.113.1", "Forwarded", "for=198.51.100.9"}, "203.0.113.1"},
		{"a long list", behind, proxy, []string{"X-Forwarded-For", "203.0.113.1" + strings.Repeat(", 10.0.0.1", 5000)}, "203.0.113.1"},
		{"unparsable peer", behind, "@pipe", []string{"X-Forwarded-For", "203.0.113.1"}, "@pipe"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.peer
			for i := 0; i+1 < len(c.hdr); i += 2 {
				r.Header.Add(c.hdr[i], c.hdr[i+1])
			}
			if got := c.s.clientIP(r); got != c.want {
				t.Errorf("client %q, want %q", got, c.want)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	got, err := ParseTrustedProxies(" 10.0.0.0/8 ,192.0.2.1,2001:db8::/32, ::ffff:172.16.0.0/108 ,")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[10.0.0.0/8 192.0.2.1/32 2001:db8::/32 172.16.0.0/12]" {
		t.Errorf("parsed %v", got)
	}
	if got, err := ParseTrustedProxies(""); err != nil || len(got) != 0 {
		t.Errorf("empty list: %v %v", got, err)
	}
	for _, bad := range []string{"10.0.0/8", "10.0.0.0/33", "10.0.0.1/8", "proxy.example", "10.0.0.0/8;", "*"} {
		if _, err := ParseTrustedProxies(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: error %v, want one naming it", bad, err)
		}
	}
}

// Addresses of one IPv6 /64 (one customer's network) share a limit key.
func TestLimitKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.1":          "203.0.113.1",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2::9":      "2001:db8:1:2::/64",
		"@pipe":                "@pipe",
	} {
		if got := limitKey(in); got != want {
			t.Errorf("limitKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// A flood of new addresses cannot grow the table past its bound, nor push
// out a throttled address to free it.
func TestRateLimitBounded(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := newRateLimit(20, 20)
	l.maxKeys = 100
	for range 20 {
		l.allow("guesser", now)
	}
	if l.allow("guesser", now) {
		t.Fatal("guesser not throttled after 20")
	}
	for i := range 100_000 {
		l.allow(fmt.Sprint("flood", i), now)
		if len(l.buckets) > l.maxKeys {
			t.Fatalf("%d entries after %d addresses, bound %d", len(l.buckets), i+1, l.maxKeys)
		}
	}
	if l.allow("guesser", now) {
		t.Error("the flood freed the throttled address")
	}
}

// reserve admits attempts while recorded failures and attempts in flight
// together leave a token; an attempt that finds the budget held only by
// attempts in flight waits for one to settle instead of being refused, and
// only settled failures use the budget up.
func TestRateLimitReserve(t *testing.T) {
	l := newAddressLimit(3, 3)
	at := time.Unix(1_700_000_000, 0)
	now := func() time.Time { return at }
	ctx := t.Context()
	for i := range 3 {
		if ok, _ := l.reserve(ctx, "a", now); !ok {
			t.Fatalf("attempt %d of 3 refused", i)
		}
	}
	// A fourth waits; with its context ended it gives up.
	ended, cancel := context.WithCancel(ctx)
	cancel()
	if ok, _ := l.reserve(ended, "a", now); ok {
		t.Fatal("a fourth attempt admitted while three are in flight")
	}
	// Another address is not held up.
	if ok, _ := l.reserve(ctx, "b", now); !ok {
		t.Fatal("another address refused")
	}
	l.settle("b", false, at)
	// A waiting attempt is admitted once one in flight settles as right.
	got := make(chan bool)
	go func() {
		ok, _ := l.reserve(ctx, "a", now)
		got <- ok
	}()
	l.settle("a", false, at)
	if !<-got {
		t.Fatal("the waiting attempt was refused after a right key settled")
	}
	// Three failures use the budget up: the next is refused at once, with
	// the time until a token is back.
	for range 3 {
		l.settle("a", true, at)
	}
	ok, wait := l.reserve(ctx, "a", now)
	if ok || wait != 20*time.Second {
		t.Fatalf("after 3 failures: admitted %v, wait %v; want refused, 20s", ok, wait)
	}
	// A minute on, the bucket is full again and dropped at the next sweep.
	at = at.Add(2 * time.Minute)
	if ok, _ := l.reserve(ctx, "a", now); !ok {
		t.Fatal("refused a minute later")
	}
	l.settle("a", false, at)
	l.allow("c", at.Add(2*time.Minute))
	l.mu.Lock()
	_, kept := l.buckets["a"]
	l.mu.Unlock()
	if kept {
		t.Error("a full bucket with nothing in flight was kept")
	}
}
