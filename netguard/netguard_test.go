package netguard_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/netguard"
)

// refused lists targets the default policy must refuse. addr marks refusals
// that are about the address or name (ErrBlocked, message names the flag).
var refused = []struct {
	url  string
	addr bool
}{
	{"http://127.0.0.1/", true},
	{"http://127.0.0.1:8080/hook", true},
	{"http://127.255.255.254/", true},
	{"http://2130706433/", true},
	{"http://0x7f000001/", true},
	{"http://0X7F000001/", true},
	{"http://0177.0.0.1/", true},
	{"http://0x7f.0.0.1/", true},
	{"http://127.1/", true},
	{"http://127.0.1/", true},
	{"http://127.0.0.1./", true},
	{"http://0/", true},
	{"http://10.1/", true},
	{"http://012.0.0.1/", true},  // octal 10.0.0.1
	{"http://0127.0.0.1/", true}, // 87.0.0.1 as octal, 127.0.0.1 as decimal
	{"http://[::1]/", true},
	{"http://[::ffff:127.0.0.1]/", true},
	{"http://[::ffff:7f00:1]/", true},
	{"http://[0:0:0:0:0:ffff:7f00:0001]:80/", true},
	{"http://[::ffff:169.254.169.254]/", true},
	{"http://169.254.169.254/latest/meta-data", true},
	{"http://[fe80::1%25eth0]/", true},
	{"http://[fe80::1]/", true},
	{"http://10.0.0.1/", true},
	{"http://172.16.0.1/", true},
	{"http://172.31.255.255/", true},
	{"http://192.168.1.1/", true},
	{"http://100.64.0.1/", true},
	{"http://100.100.100.200/", true}, // Alibaba Cloud metadata
	{"http://192.0.0.192/", true},     // Oracle Cloud metadata
	{"http://0.0.0.0/", true},
	{"http://[::]/", true},
	{"http://224.0.0.1/", true},
	{"http://255.255.255.255/", true},
	{"http://240.0.0.1/", true},
	{"http://198.18.0.1/", true},
	{"http://192.0.2.1/", true},
	{"http://198.51.100.7/", true},
	{"http://203.0.113.9/", true},
	{"http://[fc00::1]/", true},
	{"http://[fd00:ec2::254]/", true}, // AWS IMDS over IPv6
	{"http://[ff02::1]/", true},
	{"http://[2001:db8::1]/", true},
	{"http://[100::1]/", true},
	{"http://[::7f00:1]/", true}, // IPv4-compatible
	{"http://[64:ff9b::7f00:1]/", true},
	{"http://[64:ff9b::a9fe:a9fe]/", true},
	{"http://[2002:7f00:1::1]/", true},
	{"http://[2002:a9fe:a9fe::]/", true},
	{"http://localhost/", true},
	{"http://LOCALHOST:8080/", true},
	{"http://localhost./", true},
	{"http://%6c%6fcalhost/", false}, // url.Parse rejects escapes in host names
	{"http://foo.localhost/", true},
	{"http://printer.local/", true},
	{"http://metadata.google.internal/computeMetadata/v1/", true},
	{"http://metadata/", true},
	{"http://ip-10-0-0-1.ec2.internal/", true},
	{"http://router.home.arpa/", true},
	{"ftp://example.com/", false},
	{"javascript:alert(1)", false},
	{"file:///etc/passwd", false},
	{"gopher://example.com/", false},
	{"http:example.com", false},
	{"//example.com/hook", false},
	{"/hook", false},
	{"", false},
	{"http://user:pw@example.com/", false},
	{"http://user@example.com/", false},
	{"http://example.com@127.0.0.1/", false},
	{"http://[127.0.0.1]/", false},
	{"http://example.com:0/", false},
	{"http://example.com:99999/", false},
	{"http:// example.com/", false},
	{" http://example.com/", false},
	{"http://exa\tmple.com/", false},
	{"http://ex..ample.com/", false},
	{"http://bücher.example/", false},
	{"http://127。0。0。1/", false},
	{"http://1.2.3.4.5/", false},
	{"http://example.123/", false},
	{"http://0b1111111.0.0.1/", false},
	{"http://08.0.0.1/", false}, // 8.0.0.1 in decimal, invalid octal: non-canonical
	{"http://8.8.8.010/", false},
	{"http://0x08080808/", false},
	{"https://example.com/" + strings.Repeat("a", 2048), false},
}

func TestCheckURLRefused(t *testing.T) {
	var p netguard.Policy
	for _, tc := range refused {
		err := p.CheckURL(tc.url)
		if err == nil {
			t.Errorf("CheckURL(%q) = nil, want refusal", tc.url)
			continue
		}
		if tc.addr {
			if !errors.Is(err, netguard.ErrBlocked) {
				t.Errorf("CheckURL(%q) = %v, want ErrBlocked", tc.url, err)
			}
			// Multicast and broadcast are refused even with the flag and
			// so do not mention it.
			if !strings.Contains(err.Error(), "--webhook-allow-private") && !strings.Contains(err.Error(), "never") {
				t.Errorf("CheckURL(%q) = %v, want the message to name --webhook-allow-private", tc.url, err)
			}
		} else if !errors.Is(err, netguard.ErrInvalidURL) {
			t.Errorf("CheckURL(%q) = %v, want ErrInvalidURL", tc.url, err)
		}
	}
}

func TestCheckURLFlagNamed(t *testing.T) {
	var p netguard.Policy
	for _, u := range []string{"http://127.0.0.1/", "http://2130706433/", "http://[::1]/", "http://localhost/", "http://169.254.169.254/", "http://metadata/"} {
		if err := p.CheckURL(u); err == nil || !strings.Contains(err.Error(), "--webhook-allow-private") {
			t.Errorf("CheckURL(%q) = %v, want message naming --webhook-allow-private", u, err)
		}
	}
}

func TestCheckURLRequireHTTPS(t *testing.T) {
	live := netguard.Policy{RequireHTTPS: true}
	if err := live.CheckURL("http://example.com/hook"); err == nil || !errors.Is(err, netguard.ErrInvalidURL) {
		t.Errorf("live CheckURL(http) = %v, want refusal", err)
	}
	if err := live.CheckURL("https://example.com/hook"); err != nil {
		t.Errorf("live CheckURL(https) = %v", err)
	}
	if err := live.CheckURL("https://127.0.0.1/"); !errors.Is(err, netguard.ErrBlocked) {
		t.Errorf("live CheckURL(https://127.0.0.1/) = %v, want ErrBlocked", err)
	}
}

func TestCheckURLAllowed(t *testing.T) {
	var p netguard.Policy
	for _, u := range []string{
		"https://example.com/hook",
		"http://example.com/hook",
		"HTTPS://Example.COM:8443/hook?x=1#frag",
		"https://example.com./hook",
		"https://hooks.xn--bcher-kva.example/",
		"https://my_host.example.com/",
		"https://1password.com/",
		"http://93.184.215.14/",
		"http://93.184.215.14:8080/hook",
		"http://8.8.8.8/",
		"http://[2606:4700:4700::1111]/",
		"http://[64:ff9b::808:808]/", // NAT64 of 8.8.8.8
		"http://[2002:808:808::1]/",  // 6to4 of 8.8.8.8
		"http://[::ffff:8.8.8.8]/",
		"http://172.32.0.1/",
		"http://100.128.0.1/",
		"http://192.169.0.1/",
		"http://11.0.0.1/",
		"https://example.com/" + strings.Repeat("a", 2048-len("https://example.com/")),
	} {
		if err := p.CheckURL(u); err != nil {
			t.Errorf("CheckURL(%q) = %v, want nil", u, err)
		}
	}
}

func TestCheckURLAllowPrivate(t *testing.T) {
	dev := netguard.Policy{AllowPrivate: true}
	for _, u := range []string{
		"http://127.0.0.1:8080/", "http://localhost:3000/hook", "http://[::1]/", "http://receiver:9000/",
		"http://10.0.0.1/", "http://[fe80::1%25eth0]/", "http://169.254.169.254/", "http://app.internal/",
		"http://0.0.0.0:8080/",
	} {
		if err := dev.CheckURL(u); err != nil {
			t.Errorf("AllowPrivate CheckURL(%q) = %v, want nil", u, err)
		}
	}
	for _, u := range []string{
		"http://224.0.0.1/", "http://255.255.255.255/", "http://[ff02::1]/", // never
		"ftp://localhost/", "http://user:pw@localhost/", "http://[127.0.0.1]/",
		"http://127.1/", "http://2130706433/", // allowed address, ambiguous spelling
	} {
		if err := dev.CheckURL(u); err == nil {
			t.Errorf("AllowPrivate CheckURL(%q) = nil, want refusal", u)
		}
	}
	if err := dev.CheckURL("http://127.1/"); err == nil || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("AllowPrivate CheckURL(127.1) = %v, want hint naming 127.0.0.1", err)
	}
}

func TestBlocked(t *testing.T) {
	var strict netguard.Policy
	dev := netguard.Policy{AllowPrivate: true}
	for _, tc := range []struct {
		ip            string
		strict, devOK bool // blocked by default; allowed with AllowPrivate
	}{
		{"127.0.0.1", true, true},
		{"169.254.169.254", true, true},
		{"0.0.0.0", true, true},
		{"::", true, true},
		{"::1", true, true},
		{"::ffff:10.0.0.1", true, true},
		{"fe80::1%eth0", true, true},
		{"64:ff9b::7f00:1", true, true},
		{"2001::1", true, true}, // Teredo
		{"3fff::1", true, true},
		{"224.0.0.1", true, false},
		{"255.255.255.255", true, false},
		{"ff02::1", true, false},
		{"::ffff:224.0.0.1", true, false},
		{"64:ff9b::e000:1", true, false},
		{"8.8.8.8", false, true},
		{"::ffff:8.8.8.8", false, true},
		{"2606:4700:4700::1111", false, true},
		{"64:ff9b::808:808", false, true},
	} {
		ip := netip.MustParseAddr(tc.ip)
		if got := strict.Blocked(ip); got != tc.strict {
			t.Errorf("Policy{}.Blocked(%s) = %v, want %v", ip, got, tc.strict)
		}
		if got := dev.Blocked(ip); got == tc.devOK {
			t.Errorf("Policy{AllowPrivate}.Blocked(%s) = %v, want %v", ip, got, !tc.devOK)
		}
	}
	if !strict.Blocked(netip.Addr{}) || !dev.Blocked(netip.Addr{}) {
		t.Error("zero Addr must be blocked")
	}
}

// loopbackServer starts an httptest server on 127.0.0.1 and counts hits.
func loopbackServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestClientRefusesLoopbackAtDialTime(t *testing.T) {
	srv, hits := loopbackServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	byName := "http://localhost:" + strconv.Itoa(port) + "/hook"
	byIP := "http://127.0.0.1:" + strconv.Itoa(port) + "/hook"

	guarded := netguard.Policy{}.Client(5 * time.Second)
	for _, u := range []string{byName, byIP} {
		resp, err := guarded.Get(u)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("guarded client reached %s", u)
		}
		if !errors.Is(err, netguard.ErrBlocked) {
			t.Errorf("GET %s: %v, want ErrBlocked", u, err)
		}
		if !strings.Contains(err.Error(), "--webhook-allow-private") {
			t.Errorf("GET %s: %v, want the flag named", u, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("server saw %d requests from the guarded client", n)
	}

	dev := netguard.Policy{AllowPrivate: true}.Client(5 * time.Second)
	for _, u := range []string{byName, byIP} {
		resp, err := dev.Get(u)
		if err != nil {
			t.Fatalf("AllowPrivate GET %s: %v", u, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "ok" {
			t.Fatalf("AllowPrivate GET %s: %d %q", u, resp.StatusCode, body)
		}
	}
	if n := hits.Load(); n != 2 {
		t.Fatalf("server saw %d requests, want 2", n)
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	target, targetHits := loopbackServer(t, func(w http.ResponseWriter, r *http.Request) {})
	srv, _ := loopbackServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/elsewhere", http.StatusFound)
	})
	c := netguard.Policy{AllowPrivate: true}.Client(5 * time.Second)
	resp, err := c.Post(srv.URL+"/hook", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status = %d, want 302 returned as is", resp.StatusCode)
	}
	if loc := resp.Header.Get("Location"); !strings.HasSuffix(loc, "/elsewhere") {
		t.Fatalf("Location = %q", loc)
	}
	if n := targetHits.Load(); n != 0 {
		t.Fatalf("redirect target was hit %d times", n)
	}
}

func TestTransportSettings(t *testing.T) {
	tr := netguard.Policy{}.Transport()
	if tr.Proxy != nil {
		t.Error("Transport must not use a proxy from the environment")
	}
	if tr.DialContext == nil {
		t.Error("Transport has no guarded DialContext")
	}
	if tr.TLSHandshakeTimeout != 10*time.Second || tr.ResponseHeaderTimeout != 10*time.Second {
		t.Errorf("timeouts: TLS %v, header %v", tr.TLSHandshakeTimeout, tr.ResponseHeaderTimeout)
	}
	c := netguard.Policy{}.Client(0)
	if c.Timeout <= 0 || c.CheckRedirect == nil {
		t.Errorf("Client(0): timeout %v, CheckRedirect set %v", c.Timeout, c.CheckRedirect != nil)
	}
	if _, ok := c.Transport.(*http.Transport); !ok {
		t.Errorf("Client transport is %T", c.Transport)
	}
}

func TestDialContextRefusesNonTCPAndKeepsControl(t *testing.T) {
	dial := netguard.Policy{AllowPrivate: true}.DialContext(nil)
	if _, err := dial(context.Background(), "udp", "127.0.0.1:53"); !errors.Is(err, netguard.ErrBlocked) {
		t.Errorf("udp dial: %v, want ErrBlocked", err)
	}
	if _, err := dial(context.Background(), "unix", "/tmp/x.sock"); !errors.Is(err, netguard.ErrBlocked) {
		t.Errorf("unix dial: %v, want ErrBlocked", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	var called atomic.Int64
	d := &net.Dialer{Timeout: 2 * time.Second, ControlContext: nil}
	d.Control = func(network, address string, _ syscall.RawConn) error { called.Add(1); return nil }
	conn, err := netguard.Policy{AllowPrivate: true}.DialContext(d)(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if called.Load() != 1 {
		t.Errorf("caller's Control ran %d times, want 1", called.Load())
	}
	if d.ControlContext != nil {
		t.Error("DialContext modified the caller's dialer")
	}
	// The strict policy must refuse before the caller's Control runs.
	var strict netguard.Policy
	if _, err := strict.DialContext(d)(context.Background(), "tcp", ln.Addr().String()); !errors.Is(err, netguard.ErrBlocked) {
		t.Errorf("strict dial: %v, want ErrBlocked", err)
	}
	if called.Load() != 1 {
		t.Errorf("caller's Control ran after a refusal")
	}
}

// TestDNSRebinding resolves a public-looking name through a fake DNS server
// on loopback that answers 127.0.0.1 for everything: CheckURL accepts the
// name, the dial-time check refuses the connection.
func TestDNSRebinding(t *testing.T) {
	srv, hits := loopbackServer(t, func(w http.ResponseWriter, r *http.Request) {})
	port := strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)
	dnsAddr := fakeDNS(t)
	resolver := &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", dnsAddr) // loopback only
		},
	}
	const name = "rebind.example.com"
	u := "http://" + name + ":" + port + "/hook"
	var p netguard.Policy
	if err := p.CheckURL(u); err != nil {
		t.Fatalf("CheckURL(%q) = %v; the name looks public", u, err)
	}
	if addrs, err := resolver.LookupHost(context.Background(), name); err != nil || len(addrs) == 0 || addrs[0] != "127.0.0.1" {
		t.Fatalf("fake DNS: %v %v", addrs, err)
	}
	tr := p.Transport()
	tr.DialContext = p.DialContext(&net.Dialer{Timeout: 2 * time.Second, Resolver: resolver})
	c := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	resp, err := c.Get(u)
	if err == nil {
		resp.Body.Close()
		t.Fatal("rebinding name reached the loopback server")
	}
	if !errors.Is(err, netguard.ErrBlocked) {
		t.Fatalf("GET: %v, want ErrBlocked", err)
	}
	if hits.Load() != 0 {
		t.Fatal("server was hit")
	}
	// The same resolver with AllowPrivate reaches it: the refusal above was the guard.
	dev := netguard.Policy{AllowPrivate: true}
	tr2 := dev.Transport()
	tr2.DialContext = dev.DialContext(&net.Dialer{Timeout: 2 * time.Second, Resolver: resolver})
	resp, err = (&http.Client{Transport: tr2, Timeout: 5 * time.Second}).Get(u)
	if err != nil {
		t.Fatalf("AllowPrivate GET: %v", err)
	}
	resp.Body.Close()
	if hits.Load() != 1 {
		t.Fatalf("hits = %d, want 1", hits.Load())
	}
}

// fakeDNS serves A = 127.0.0.1 for every A question and an empty answer for
// anything else, on a UDP socket bound to 127.0.0.1.
func fakeDNS(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			q := buf[:n]
			if len(q) < 12 {
				continue
			}
			// Walk the question name.
			i := 12
			for i < len(q) && q[i] != 0 {
				i += int(q[i]) + 1
			}
			if i+5 > len(q) {
				continue
			}
			qEnd := i + 5
			qtype := binary.BigEndian.Uint16(q[i+1:])
			resp := make([]byte, 0, 64)
			resp = append(resp, q[0], q[1], 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0)
			resp = append(resp, q[12:qEnd]...)
			if qtype == 1 {
				resp[7] = 1
				resp = append(resp, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 127, 0, 0, 1)
			}
			pc.WriteTo(resp, from)
		}
	}()
	return pc.LocalAddr().String()
}

// hostReadings returns every address an IPv4/IPv6 parser might read host
// as, written independently of the package: netip, and each dotted part
// through strconv's base-0 (0x, 0o, 0b, leading-0 octal, underscores) and
// base-10 parsers, with the last part filling the remaining bytes.
func hostReadings(host string) []netip.Addr {
	host = strings.TrimSuffix(host, ".")
	var out []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		out = append(out, ip)
	}
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return out
	}
	for _, base := range []int{0, 10} {
		var n uint64
		ok := true
		for i, s := range parts {
			v, err := strconv.ParseUint(s, base, 32)
			if err != nil {
				ok = false
				break
			}
			if i < len(parts)-1 {
				if v > 255 {
					ok = false
					break
				}
				n |= v << (24 - 8*i)
			} else {
				if v >= 1<<(8*(5-len(parts))) {
					ok = false
					break
				}
				n |= v
			}
		}
		if ok {
			var b [4]byte
			binary.BigEndian.PutUint32(b[:], uint32(n))
			out = append(out, netip.AddrFrom4(b))
		}
	}
	return out
}

func FuzzCheckURL(f *testing.F) {
	for _, tc := range refused {
		f.Add(tc.url)
	}
	for _, s := range []string{
		"https://example.com/hook", "http://93.184.215.14/", "http://[::ffff:8.8.8.8]/",
		"http://0x7f.1/", "http://[64:ff9b::7f00:1]/", "http://[2002:7f00:1::]/", "http://1.0x7f.0.1/",
	} {
		f.Add(s)
	}
	strict := netguard.Policy{}
	dev := netguard.Policy{AllowPrivate: true}
	live := netguard.Policy{RequireHTTPS: true}
	f.Fuzz(func(t *testing.T, raw string) {
		err := strict.CheckURL(raw)
		devErr := dev.CheckURL(raw)
		liveErr := live.CheckURL(raw)
		if err == nil && devErr != nil {
			t.Fatalf("strict accepts %q but AllowPrivate refuses: %v", raw, devErr)
		}
		if liveErr == nil && err != nil {
			t.Fatalf("live accepts %q but test mode refuses: %v", raw, err)
		}
		if err != nil {
			if !errors.Is(err, netguard.ErrBlocked) && !errors.Is(err, netguard.ErrInvalidURL) {
				t.Fatalf("CheckURL(%q) error %v wraps neither sentinel", raw, err)
			}
			return
		}
		u, perr := url.Parse(raw)
		if perr != nil {
			t.Fatalf("CheckURL accepted unparsable %q: %v", raw, perr)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.User != nil || u.Hostname() == "" || len(raw) > 2048 {
			t.Fatalf("CheckURL accepted %q", raw)
		}
		host := strings.ToLower(u.Hostname())
		for _, ip := range hostReadings(host) {
			if strict.Blocked(ip) {
				t.Fatalf("CheckURL accepted %q whose host reads as blocked %s", raw, ip)
			}
		}
		h := strings.TrimSuffix(host, ".")
		if _, err := netip.ParseAddr(h); err == nil {
			return
		}
		if !strings.Contains(h, ".") || h == "localhost" || strings.HasSuffix(h, ".localhost") || strings.HasSuffix(h, ".internal") {
			t.Fatalf("CheckURL accepted local name in %q", raw)
		}
	})
}
