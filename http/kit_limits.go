package http

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// rateLimit is a per-key token bucket: perMinute tokens a minute, bursts up
// to burst. It bounds pay attempts and failed authentications per client
// address, and API requests per account. The bucket map is swept of full
// buckets, and a table keyed by address also holds at most maxKeys entries,
// so that a flood of addresses cannot grow memory without bound.
type rateLimit struct {
	perMinute, burst int
	// maxKeys bounds the entries; 0: no bound (keys that cannot multiply).
	maxKeys   int
	mu        sync.Mutex
	buckets   map[string]bucket // values: no allocation per entry
	lastSweep time.Time
	// settled is closed, and cleared, when an attempt settles: reserve
	// waits on it. nil while nobody waits.
	settled chan struct{}
}

type bucket struct {
	tokens float64
	at     time.Time
	// pending counts attempts reserve admitted and settle has not ended.
	pending int
}

// maxAddressKeys bounds a table keyed by client address: about 100 bytes an
// entry, so some 6 MB at worst.
const maxAddressKeys = 1 << 16

func newRateLimit(perMinute, burst int) *rateLimit {
	return &rateLimit{perMinute: perMinute, burst: burst, buckets: map[string]bucket{}}
}

// newAddressLimit is a rateLimit keyed by client address.
func newAddressLimit(perMinute, burst int) *rateLimit {
	l := newRateLimit(perMinute, burst)
	l.maxKeys = maxAddressKeys
	return l
}

// allow takes a token for key at now, if one is left. A nil or zero limit allows all.
func (l *rateLimit) allow(key string, now time.Time) bool {
	ok, _ := l.take(key, now)
	return ok
}

// take is allow that also says, when it refuses, how long until a token is
// back.
func (l *rateLimit) take(key string, now time.Time) (bool, time.Duration) {
	if l == nil || l.perMinute <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	rate := float64(l.perMinute) / 60
	if now.Sub(l.lastSweep) > time.Minute {
		for k, b := range l.buckets {
			if b.pending == 0 && l.refilled(b, now) >= float64(l.burst) {
				delete(l.buckets, k) // full again: same as absent
			}
		}
		l.lastSweep = now
	}
	b, ok := l.buckets[key]
	if !ok {
		if l.maxKeys > 0 && len(l.buckets) >= l.maxKeys {
			l.evict(now)
		}
		b = bucket{tokens: float64(l.burst), at: now}
	}
	b.tokens = l.refilled(b, now)
	b.at = now
	if b.tokens < 1 {
		l.buckets[key] = b
		return false, time.Duration((1 - b.tokens) / rate * float64(time.Second))
	}
	b.tokens--
	l.buckets[key] = b
	return true, 0
}

// reserve admits one attempt for key whose cost is known only after it:
// an authentication that counts only if the key was wrong. Tokens count
// recorded failures and pending counts attempts still in flight; an attempt
// is admitted while both together leave a token, so concurrent guesses
// cannot all pass before any of them is counted. When only attempts in
// flight fill the budget, reserve waits for them to settle rather than
// refuse: many right keys at once from one address (a proxy, a batch job)
// are slowed by microseconds, not answered 429. It refuses, saying how long
// until a token is back, when recorded failures alone exhaust the bucket,
// and when ctx ends first. Every admitted attempt must be settled.
func (l *rateLimit) reserve(ctx context.Context, key string, now func() time.Time) (bool, time.Duration) {
	if l == nil || l.perMinute <= 0 {
		return true, 0
	}
	rate := float64(l.perMinute) / 60
	l.mu.Lock()
	for {
		t := now()
		b, ok := l.buckets[key]
		if !ok {
			if l.maxKeys > 0 && len(l.buckets) >= l.maxKeys {
				l.evict(t)
			}
			b = bucket{tokens: float64(l.burst), at: t}
		}
		b.tokens, b.at = l.refilled(b, t), t
		if b.tokens < 1 {
			l.buckets[key] = b
			l.mu.Unlock()
			return false, time.Duration((1 - b.tokens) / rate * float64(time.Second))
		}
		if b.tokens-float64(b.pending) >= 1 {
			b.pending++
			l.buckets[key] = b
			l.mu.Unlock()
			return true, 0
		}
		l.buckets[key] = b
		if l.settled == nil {
			l.settled = make(chan struct{})
		}
		wake := l.settled
		l.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return false, time.Second
		}
		l.mu.Lock()
	}
}

// settle ends an attempt reserve admitted; failed says it counts.
func (l *rateLimit) settle(key string, failed bool, now time.Time) {
	if l == nil || l.perMinute <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.settled != nil {
		close(l.settled) // wake every waiter; each looks again
		l.settled = nil
	}
	b, ok := l.buckets[key]
	if !ok { // evicted meanwhile
		if !failed {
			return
		}
		b = bucket{tokens: float64(l.burst), at: now, pending: 1}
	}
	b.tokens, b.at = l.refilled(b, now), now
	b.pending = max(0, b.pending-1)
	if failed {
		b.tokens--
	}
	if b.pending == 0 && b.tokens >= float64(l.burst) {
		delete(l.buckets, key)
		return
	}
	l.buckets[key] = b
}

func (l *rateLimit) refilled(b bucket, now time.Time) float64 {
	return min(float64(l.burst), b.tokens+max(0, now.Sub(b.at).Seconds())*float64(l.perMinute)/60)
}

// evict drops one entry to make room: of a few taken at random (Go's map
// order), the one with the most tokens left. It is the one whose loss
// forgives least, so a flood of new addresses, each with one failure,
// pushes out each other rather than a throttled address. Sampling keeps an
// insert O(1) however full the table is.
func (l *rateLimit) evict(now time.Time) {
	victim, most, n := "", math.Inf(-1), 0
	for k, b := range l.buckets {
		if t := l.refilled(b, now); t > most {
			victim, most = k, t
		}
		if n++; n == 8 {
			break
		}
	}
	delete(l.buckets, victim)
}

// DefaultAuthFailuresPerMinute is the default of SetAuthFailureLimit.
const DefaultAuthFailuresPerMinute = 20

// SetAuthFailureLimit bounds failed authentications (wrong or revoked keys)
// from one client address to perMinute a minute, in bursts of the same
// size; past it every authenticated request from that address, with any
// key, gets 429 rate_limit_error with Retry-After until the count decays.
// 0 turns the limit off.
func (s *Server) SetAuthFailureLimit(perMinute int) {
	s.authLimit = newAddressLimit(perMinute, perMinute)
}

// ParseTrustedProxies reads --trusted-proxies: comma-separated CIDR
// prefixes (10.0.0.0/8, 2001:db8::/32) or single addresses. A prefix with
// bits set past its length (10.0.0.1/8) is refused: which addresses are
// believed should be written exactly.
func ParseTrustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(list, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		var p netip.Prefix
		if a, err := netip.ParseAddr(part); err == nil && a.Zone() == "" {
			p = netip.PrefixFrom(a, a.BitLen())
		} else if p, err = netip.ParsePrefix(part); err != nil {
			return nil, fmt.Errorf("%q is not a CIDR prefix such as 10.0.0.0/8 or an IP address", part)
		} else if p != p.Masked() {
			return nil, fmt.Errorf("%q has bits set past its length; did you mean %s?", part, p.Masked())
		}
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96) // peers are compared unmapped
		}
		out = append(out, p)
	}
	return out, nil
}

// SetTrustedProxies names the proxies whose X-Forwarded-For and Forwarded
// headers are believed (see clientIP). None by default.
func (s *Server) SetTrustedProxies(prefixes []netip.Prefix) { s.trusted = prefixes }

func (s *Server) isTrusted(a netip.Addr) bool {
	for _, p := range s.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP is the address of the client, which the pay limit and the
// guessing limit count by. It is the peer's address, unless the peer is a
// trusted proxy: then it is the right-most address of X-Forwarded-For (or,
// without it, of Forwarded's for=) that is not itself a trusted proxy.
// Every address left of that one was written by the client and can be
// anything. Where that entry is not an address (unknown, obfuscated,
// garbled), the client is the proxy that wrote it, the nearest one is all
// that is known.
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	client := peer.Unmap().WithZone("")
	if len(s.trusted) == 0 || !s.isTrusted(client) {
		return client.String()
	}
	hops := forwardedFor(r.Header)
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			break
		}
		client = a
		if !s.isTrusted(a) {
			break
		}
	}
	return client.String()
}

// forwardedFor lists the hops a request went through, client first: the
// entries of every X-Forwarded-For line, or, when there is none, the for=
// of every element of every Forwarded line (RFC 7239). The two are not
// merged: a proxy that sets one passes the other through as the client
// sent it. An element that cannot be read is kept as "" so that the walk
// from the right stops there.
func forwardedFor(h http.Header) []string {
	var hops []string
	if xff := h.Values("X-Forwarded-For"); len(xff) > 0 {
		for _, line := range xff {
			for part := range strings.SplitSeq(line, ",") {
				hops = append(hops, strings.TrimSpace(part))
			}
		}
		return hops
	}
	for _, line := range h.Values("Forwarded") {
		for _, elem := range splitQuoted(line, ',') {
			hop, _ := forwardedElement(elem)
			hops = append(hops, hop)
		}
	}
	return hops
}

// forwardedElement returns the for= value of one Forwarded element
// ("for=192.0.2.60;proto=http;by=203.0.113.43"), unquoted.
func forwardedElement(elem string) (string, bool) {
	for _, pair := range splitQuoted(elem, ';') {
		name, value, ok := strings.Cut(pair, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "for") {
			continue
		}
		value = strings.TrimSpace(value)
		if strings.HasPrefix(value, `"`) {
			if len(value) < 2 || !strings.HasSuffix(value, `"`) {
				return "", false
			}
			value = strings.ReplaceAll(value[1:len(value)-1], `\`, "")
		}
		return value, true
	}
	return "", false
}

// splitQuoted splits s at sep outside double quotes. An unterminated quote
// makes the rest one part, which then fails to parse.
func splitQuoted(s string, sep byte) []string {
	var parts []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && quoted:
			i++
		case s[i] == '"':
			quoted = !quoted
		case s[i] == sep && !quoted:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// parseHop reads one hop's address: 192.0.2.1, 192.0.2.1:80, 2001:db8::1,
// [2001:db8::1]:443 or [2001:db8::1].
func parseHop(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// limitKey is the key a client address is counted under: the address, or
// for IPv6 its /64, since one customer's network usually holds a whole /64
// and could otherwise take a new address for every attempt.
func limitKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is6() {
		return ip
	}
	p, _ := a.Prefix(64)
	return p.String()
}
