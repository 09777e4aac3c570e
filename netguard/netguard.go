// Package netguard keeps outbound webhook requests away from internal
// addresses (server-side request forgery).
//
// There are two lines of defence and both are needed:
//
//   - [Policy.CheckURL] runs when a merchant registers an endpoint. It refuses
//     URLs that are malformed, use a scheme other than http(s), carry
//     credentials, or whose host is an internal address written in any
//     spelling (decimal 2130706433, hex 0x7f000001, octal 0177.0.0.1, short
//     127.1, IPv4-mapped IPv6, zones …) or an obviously local name
//     (localhost, *.internal, single-label names …).
//   - [Policy.DialContext] / [Policy.ControlContext] check the address the
//     dialer actually connects to, after DNS resolution. A name that passed
//     CheckURL but later resolves to 127.0.0.1 or 169.254.169.254 (DNS
//     rebinding) is refused at connect time. [Policy.Transport] and
//     [Policy.Client] wire this in, ignore proxy settings from the
//     environment and never follow redirects.
//
// Refusals wrap [ErrBlocked] (the target address or name is not allowed)
// or [ErrInvalidURL] (the URL itself is unacceptable).
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// AllowPrivateFlag and AllowPrivateEnv are the operator switches that map to
// Policy.AllowPrivate. They are named in error messages so that an operator
// reading a refusal knows how to lift it for local development.
const (
	AllowPrivateFlag = "--webhook-allow-private"
	AllowPrivateEnv  = "CHECKOUTD_WEBHOOK_ALLOW_PRIVATE"
)

// MaxURLLength is the longest webhook URL CheckURL accepts, in bytes.
const MaxURLLength = 2048

// DefaultClientTimeout is used by Client when it is given a timeout ≤ 0.
const DefaultClientTimeout = 30 * time.Second

var (
	// ErrBlocked is wrapped by every refusal that is about the target
	// address or host name (as opposed to the shape of the URL).
	ErrBlocked = errors.New("netguard: destination not allowed")
	// ErrInvalidURL is wrapped by every refusal about the URL itself.
	ErrInvalidURL = errors.New("netguard: invalid webhook URL")
)

// Policy says which targets are allowed. The zero value is the strict
// production policy for test mode: http and https, public addresses only.
type Policy struct {
	// AllowPrivate allows loopback, private, link-local, CGNAT, reserved
	// and other non-public targets, and local names such as localhost or
	// docker-compose service names, for local development. Set it from
	// --webhook-allow-private / CHECKOUTD_WEBHOOK_ALLOW_PRIVATE=true.
	// Multicast and broadcast addresses stay refused: they are never a
	// valid destination for an HTTP request.
	AllowPrivate bool
	// RequireHTTPS refuses plain http URLs (live mode).
	RequireHTTPS bool
}

// ---------------------------------------------------------------------------
// Address classification

type class uint8

const (
	public  class = iota
	private       // non-public; allowed with AllowPrivate
	never         // never a valid unicast destination, even with AllowPrivate
)

type rangeInfo struct {
	prefix netip.Prefix
	class  class
	what   string
}

func mustPrefixes(specs ...string) []rangeInfo {
	var out []rangeInfo
	for i := 0; i < len(specs); i += 2 {
		out = append(out, rangeInfo{prefix: netip.MustParsePrefix(specs[i]), class: private, what: specs[i+1]})
	}
	return out
}

// IPv4 ranges that are not publicly routable (IANA IPv4 Special-Purpose
// Address Registry, plus multicast and broadcast).
var v4Ranges = append([]rangeInfo{
	{netip.MustParsePrefix("224.0.0.0/4"), never, "multicast"},
	{netip.MustParsePrefix("255.255.255.255/32"), never, "limited broadcast"},
}, mustPrefixes(
	"0.0.0.0/8", "\"this network\" / unspecified",
	"10.0.0.0/8", "private network (RFC 1918)",
	"100.64.0.0/10", "carrier-grade NAT shared address space (RFC 6598)",
	"127.0.0.0/8", "loopback",
	"169.254.0.0/16", "link-local (includes the cloud metadata service 169.254.169.254)",
	"172.16.0.0/12", "private network (RFC 1918)",
	"192.0.0.0/24", "IETF protocol assignments (RFC 6890)",
	"192.0.2.0/24", "documentation (TEST-NET-1)",
	"192.88.99.0/24", "deprecated 6to4 relay anycast (RFC 7526)",
	"192.168.0.0/16", "private network (RFC 1918)",
	"198.18.0.0/15", "benchmarking (RFC 2544)",
	"198.51.100.0/24", "documentation (TEST-NET-2)",
	"203.0.113.0/24", "documentation (TEST-NET-3)",
	"240.0.0.0/4", "reserved (class E)",
)...)

// IPv6 ranges that are not publicly routable. ::ffff:0:0/96, 64:ff9b::/96
// and 2002::/16 embed an IPv4 address and are decided on that address
// before this table is consulted. The first matching entry wins. Anything outside 2000::/3 (the only
// allocated global unicast space) is refused as well.
var v6Ranges = append(mustPrefixes(
	"::/128", "unspecified",
	"::1/128", "loopback",
	"::/96", "deprecated IPv4-compatible address",
	"::ffff:0:0:0/96", "IPv4-translated address (RFC 2765)",
	"64:ff9b:1::/48", "local-use NAT64 (RFC 8215)",
	"100::/64", "discard-only (RFC 6666)",
	"2001::/32", "Teredo tunnel",
	"2001:2::/48", "benchmarking (RFC 5180)",
	"2001:10::/28", "deprecated ORCHID",
	"2001:db8::/32", "documentation",
	"3fff::/20", "documentation (RFC 9637)",
	"5f00::/16", "SRv6 SIDs (RFC 9602)",
	"fc00::/7", "unique local address (private network)",
	"fe80::/10", "link-local",
	"fec0::/10", "deprecated site-local",
),
	rangeInfo{netip.MustParsePrefix("ff00::/8"), never, "multicast"},
)

var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour   = netip.MustParsePrefix("2002::/16")
	globalUni6  = netip.MustParsePrefix("2000::/3")
)

// classify returns the class of ip and, when it is not public, a short
// human-readable description of why.
func classify(ip netip.Addr) (class, string) {
	if !ip.IsValid() {
		return never, "invalid address"
	}
	ip = ip.WithZone("") // netip.Prefix.Contains is false for zoned addresses
	if ip.Is4In6() {
		c, why := classify(ip.Unmap())
		return c, "IPv4-mapped " + why
	}
	if ip.Is4() {
		for _, r := range v4Ranges {
			if r.prefix.Contains(ip) {
				return r.class, r.what
			}
		}
		return public, ""
	}
	b := ip.As16()
	if nat64Prefix.Contains(ip) {
		c, why := classify(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		return c, "NAT64 of " + why
	}
	if sixToFour.Contains(ip) {
		c, why := classify(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		return c, "6to4 of " + why
	}
	for _, r := range v6Ranges {
		if r.prefix.Contains(ip) {
			return r.class, r.what
		}
	}
	if !globalUni6.Contains(ip) {
		return private, "unallocated / non-global IPv6 space"
	}
	return public, ""
}

// Blocked reports whether p forbids connecting to ip. The zero Addr is
// always blocked; zones are ignored. Without AllowPrivate every address
// in the ranges listed in this file (loopback, RFC 1918, link-local,
// CGNAT, documentation, benchmarking, reserved, multicast, ULA, IPv6
// outside 2000::/3 …) is blocked; IPv4-mapped, NAT64 (64:ff9b::/96) and
// 6to4 (2002::/16) addresses are decided on the IPv4 address they embed.
// With AllowPrivate only multicast, broadcast and invalid addresses are
// blocked.
func (p Policy) Blocked(ip netip.Addr) bool {
	c, _ := classify(ip)
	return p.blockedClass(c)
}

func (p Policy) blockedClass(c class) bool {
	switch c {
	case public:
		return false
	case private:
		return !p.AllowPrivate
	default:
		return true
	}
}

func (p Policy) addrError(ip netip.Addr, prefix string) error {
	c, why := classify(ip)
	if c == never {
		return fmt.Errorf("%w: %s%s, which can never be a webhook target (%s)", ErrBlocked, prefix, ip, why)
	}
	return fmt.Errorf("%w: %s%s, which is not a public address (%s); such targets are allowed only when checkoutd runs with %s (%s=true), for local development",
		ErrBlocked, prefix, ip, why, AllowPrivateFlag, AllowPrivateEnv)
}

// ---------------------------------------------------------------------------
// Registration-time check

// CheckURL validates a webhook endpoint URL at registration time.
//
// The URL must be at most MaxURLLength bytes, contain no whitespace or
// control characters, use http or https (https only with RequireHTTPS),
// have a host, no user info and, if present, a port in 1–65535.
//
// Host rules:
//   - A bracketed host must be an IPv6 address (zones allowed).
//   - A host whose last label starts with a digit is an IPv4 literal: no
//     top-level domain starts with a digit, and resolvers (inet_aton)
//     accept decimal, octal, hex and 1–4 part spellings such as 2130706433,
//     0x7f000001, 0177.0.0.1 or 127.1. It is read with both octal/hex and
//     plain-decimal rules; if any reading is blocked the URL is refused, if
//     it parses under neither it is invalid, and if it is not written in
//     canonical dotted-decimal form it is refused as ambiguous (the message
//     gives the canonical form).
//   - Other hosts must be ASCII DNS names (letters, digits, '-' inside a
//     label, '_'; internationalised names in their xn-- form; one trailing
//     dot allowed). ParseHost applies the same rules, less the '_'.
//     Without AllowPrivate, names that only resolve inside the operator's
//     network are refused: single-label names (expanded via search domains
//     or /etc/hosts, e.g. GCE's "metadata" or docker-compose services),
//     localhost and *.localhost (RFC 6761), *.local (mDNS), *.internal
//     (ICANN private-use TLD; metadata.google.internal, *.ec2.internal),
//     *.arpa (home.arpa, reverse zones), *.localdomain, and the private TLDs
//     of RFC 6762 appendix G: *.intranet, *.private, *.corp, *.home, *.lan.
//
// Any other name passes; what it resolves to is checked at connect time by
// DialContext. Refusals about the address or name wrap ErrBlocked and name
// the --webhook-allow-private flag when that flag would lift them; others
// wrap ErrInvalidURL.
func (p Policy) CheckURL(raw string) error {
	if raw == "" {
		return fmt.Errorf("%w: empty URL", ErrInvalidURL)
	}
	if len(raw) > MaxURLLength {
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalidURL, MaxURLLength)
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c <= ' ' || c == 0x7f {
			return fmt.Errorf("%w: contains whitespace or control characters", ErrInvalidURL)
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if p.RequireHTTPS {
			return fmt.Errorf("%w: live mode requires an https URL", ErrInvalidURL)
		}
	default:
		if p.RequireHTTPS {
			return fmt.Errorf("%w: scheme must be https, not %q", ErrInvalidURL, u.Scheme)
		}
		return fmt.Errorf("%w: scheme must be http or https, not %q", ErrInvalidURL, u.Scheme)
	}
	if u.Opaque != "" || u.Host == "" {
		return fmt.Errorf("%w: URL has no host", ErrInvalidURL)
	}
	if u.User != nil {
		return fmt.Errorf("%w: URL must not contain credentials (user:password@)", ErrInvalidURL)
	}
	if port := u.Port(); port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%w: invalid port %q", ErrInvalidURL, port)
		}
	}
	return p.checkHost(u.Hostname(), strings.HasPrefix(u.Host, "["))
}

func (p Policy) checkHost(host string, bracketed bool) error {
	h, err := parseHost(host, bracketed, true)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}
	switch {
	case bracketed:
		if p.Blocked(h.ip) {
			return p.addrError(h.ip, fmt.Sprintf("host [%s] is ", host))
		}
		return nil
	case h.v4 != nil:
		return p.checkIPv4Literal(host, h.name, h.v4)
	}

	if p.AllowPrivate {
		return nil
	}
	last := h.labels[len(h.labels)-1]
	if len(h.labels) == 1 {
		return fmt.Errorf("%w: host %q is a single-label name, which resolves only inside the local network; such targets are allowed only when checkoutd runs with %s (%s=true), for local development",
			ErrBlocked, host, AllowPrivateFlag, AllowPrivateEnv)
	}
	if localTLD[last] {
		return fmt.Errorf("%w: host %q is under .%s, which names hosts inside the local network; such targets are allowed only when checkoutd runs with %s (%s=true), for local development",
			ErrBlocked, host, last, AllowPrivateFlag, AllowPrivateEnv)
	}
	return nil
}

// parsedHost is a URL's host split into what CheckURL and ParseHost decide on.
type parsedHost struct {
	name   string       // lower case, without a trailing dot
	labels []string     // the DNS labels of name; nil for a bracketed host
	ip     netip.Addr   // a bracketed host's IPv6 address
	v4     []netip.Addr // a host that must be an IPv4 literal: every reading of it (see parseIPv4Loose)
}

// parseHost checks the syntax of host (a URL's host without port and
// brackets; bracketed says it had them). It is the one place that decides
// what a host name may look like: labels of ASCII letters, digits and '-'
// (and '_' when underscore is set), xn-- for internationalised names, at
// most 253 characters; a last label starting with a digit makes it an IPv4
// literal. Its errors name the host and say what is wrong, without a
// sentinel: callers wrap them.
func parseHost(host string, bracketed, underscore bool) (parsedHost, error) {
	if host == "" {
		return parsedHost{}, errors.New("URL has no host")
	}
	if bracketed {
		ip, err := netip.ParseAddr(host)
		if err != nil || !ip.Is6() {
			return parsedHost{}, fmt.Errorf("%q is not an IPv6 address", host)
		}
		return parsedHost{name: strings.ToLower(host), ip: ip}, nil
	}

	name := strings.ToLower(host)
	name = strings.TrimSuffix(name, ".")
	if name == "" {
		return parsedHost{}, errors.New("URL has no host")
	}
	if len(name) > 253 {
		return parsedHost{}, errors.New("host name longer than 253 characters")
	}
	labels := strings.Split(name, ".")
	for _, l := range labels {
		if err := checkLabel(l, underscore); err != nil {
			return parsedHost{}, fmt.Errorf("host %q: %v", host, err)
		}
	}
	h := parsedHost{name: name, labels: labels}
	if last := labels[len(labels)-1]; last[0] >= '0' && last[0] <= '9' {
		if h.v4 = parseIPv4Loose(name); len(h.v4) == 0 {
			return parsedHost{}, fmt.Errorf("host %q is neither a valid IPv4 address nor a DNS name", host)
		}
	}
	return h, nil
}

// localTLD lists top-level labels whose names never resolve to a public
// webhook receiver. See CheckURL.
var localTLD = map[string]bool{
	"localhost":   true,
	"local":       true,
	"internal":    true,
	"arpa":        true,
	"localdomain": true,
	"intranet":    true,
	"private":     true,
	"corp":        true,
	"home":        true,
	"lan":         true,
}

func checkLabel(l string, underscore bool) error {
	if l == "" {
		return errors.New("empty label")
	}
	if len(l) > 63 {
		return errors.New("label longer than 63 characters")
	}
	if l[0] == '-' || l[len(l)-1] == '-' {
		return errors.New("a label cannot begin or end with '-'")
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_' && underscore:
		case c >= 0x80:
			return errors.New("non-ASCII host names must be written in their punycode (xn--) form")
		default:
			return fmt.Errorf("invalid character %q", c)
		}
	}
	return nil
}

// checkIPv4Literal decides on a host that must be an IPv4 address, given
// its readings: blocked if any reading is, else it must be canonical.
func (p Policy) checkIPv4Literal(host, name string, readings []netip.Addr) error {
	for _, ip := range readings {
		if p.Blocked(ip) {
			return p.addrError(ip, fmt.Sprintf("host %q means ", host))
		}
	}
	if err := canonicalIPv4(host, name, readings); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}
	return nil
}

// canonicalIPv4 refuses an IPv4 literal not written in dotted decimal:
// resolvers and browsers read 0177.0.0.1 or 127.1 differently from what a
// reader sees.
func canonicalIPv4(host, name string, readings []netip.Addr) error {
	if ip, err := netip.ParseAddr(name); err == nil && ip.Is4() && name == host {
		return nil
	}
	return fmt.Errorf("IPv4 address %q is not in canonical form; write it as %s", host, readings[0])
}

// parseIPv4Loose returns every address the name could mean to a lenient
// IPv4 parser: inet_aton rules (1–4 parts, 0x hex, leading-0 octal, the
// last part filling the remaining bytes) and the same with leading zeros
// read as decimal. The result is empty if neither reading parses.
func parseIPv4Loose(name string) []netip.Addr {
	var out []netip.Addr
	for _, octal := range []bool{true, false} {
		ip, ok := parseIPv4Parts(name, octal)
		if ok && (len(out) == 0 || out[0] != ip) {
			out = append(out, ip)
		}
	}
	return out
}

func parseIPv4Parts(name string, octal bool) (netip.Addr, bool) {
	parts := strings.Split(name, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, s := range parts {
		v, ok := parseIPv4Number(s, octal)
		if !ok {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var n uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 0xff {
			return netip.Addr{}, false
		}
		n |= v << (8 * (3 - uint(i)))
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*uint(5-len(parts))) {
		return netip.Addr{}, false
	}
	n |= last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// parseIPv4Number parses one part: 0x/0X hex (a bare "0x" is 0, as in the
// WHATWG URL parser), leading-0 octal when octal is set, else decimal.
func parseIPv4Number(s string, octal bool) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	base := 10
	switch {
	case len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'):
		base, s = 16, s[2:]
		if s == "" {
			return 0, true
		}
	case octal && len(s) >= 2 && s[0] == '0':
		base, s = 8, s[1:]
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		d, ok := digitVal(s[i])
		if !ok || d >= base {
			return 0, false
		}
		v = v*uint64(base) + uint64(d)
		if v > 0xffffffff {
			return 0, false
		}
	}
	return v, true
}

func digitVal(c byte) (int, bool) {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0'), true
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10, true
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10, true
	}
	return 0, false
}

// ---------------------------------------------------------------------------
// Connect-time check

// ControlContext is a net.Dialer ControlContext function. It runs after
// DNS resolution, just before each connect, with the address actually
// being dialled, and refuses (wrapping ErrBlocked) networks other than
// TCP and addresses that p blocks. Because it sees the resolved address it
// defeats DNS rebinding and names that resolve to internal addresses.
func (p Policy) ControlContext(_ context.Context, network, address string, _ syscall.RawConn) error {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return fmt.Errorf("%w: network %q is not allowed", ErrBlocked, network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot parse dialled address %q: %v", ErrBlocked, address, err)
	}
	if p.Blocked(ap.Addr()) {
		return p.addrError(ap.Addr(), "refusing to connect to ")
	}
	return nil
}

// DialContext returns a dial function that behaves like d.DialContext
// (a copy of d; nil means a dialer with a 10 s timeout) but checks every
// resolved address with ControlContext before connecting. A Control or
// ControlContext already set on d still runs, after the check. Only TCP
// networks are allowed.
func (p Policy) DialContext(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	var dd net.Dialer
	if d != nil {
		dd = *d
	} else {
		dd = net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	}
	prevCtx, prev := dd.ControlContext, dd.Control
	dd.Control = nil
	dd.ControlContext = func(ctx context.Context, network, address string, c syscall.RawConn) error {
		if err := p.ControlContext(ctx, network, address, c); err != nil {
			return err
		}
		if prevCtx != nil {
			return prevCtx(ctx, network, address, c)
		}
		if prev != nil {
			return prev(network, address, c)
		}
		return nil
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		switch network {
		case "tcp", "tcp4", "tcp6":
		default:
			return nil, &net.OpError{Op: "dial", Net: network, Err: fmt.Errorf("%w: network %q is not allowed", ErrBlocked, network)}
		}
		return dd.DialContext(ctx, network, addr)
	}
}

// Transport returns a new http.Transport whose connections go through
// p.DialContext. It uses no proxy (HTTP_PROXY and friends are ignored: a
// proxy would make the dial-time check see the proxy, not the target),
// dials with a 10 s timeout, and allows 10 s for the TLS handshake and 10 s
// for response headers. A Transport never follows redirects by itself.
func (p Policy) Transport() *http.Transport {
	return &http.Transport{
		Proxy: nil,
		DialContext: p.DialContext(&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}),
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    10 * time.Second,
		ResponseHeaderTimeout:  10 * time.Second,
		ExpectContinueTimeout:  1 * time.Second,
		IdleConnTimeout:        90 * time.Second,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    4,
		MaxResponseHeaderBytes: 64 << 10,
	}
}

// Client returns an http.Client using p.Transport() with the given overall
// timeout (DefaultClientTimeout if timeout ≤ 0). It does not follow
// redirects: a 3xx response is returned as is, and webhook delivery treats
// it as a failure.
//
// The client checks addresses, not schemes: call CheckURL on the stored
// URL before each delivery too, so that a policy change (e.g. live mode
// requiring https) applies to endpoints registered earlier.
func (p Policy) Client(timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = DefaultClientTimeout
	}
	return &http.Client{
		Transport: p.Transport(),
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
