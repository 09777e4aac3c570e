package http

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// rateLimit is a per-key token bucket: perMinute tokens a minute, bursts up
// to burst. It bounds pay attempts per client IP (card-testing protection);
// the bucket map is swept so that it cannot grow without bound.
type rateLimit struct {
	perMinute, burst int
	mu               sync.Mutex
	buckets          map[string]*bucket
	lastSweep        time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newRateLimit(perMinute, burst int) *rateLimit {
	return &rateLimit{perMinute: perMinute, burst: burst, buckets: map[string]*bucket{}}
}

// allow takes a token for key at now, if one is left. A nil or zero limit allows all.
func (l *rateLimit) allow(key string, now time.Time) bool {
	if l == nil || l.perMinute <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	rate := float64(l.perMinute) / 60
	if now.Sub(l.lastSweep) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.at).Seconds()*rate >= float64(l.burst) {
				delete(l.buckets, k) // full again: same as absent
			}
		}
		l.lastSweep = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: float64(l.burst), at: now}
		l.buckets[key] = b
	}
	b.tokens = min(float64(l.burst), b.tokens+now.Sub(b.at).Seconds()*rate)
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// clientIP is the peer's address. Behind a proxy every customer shares the
// proxy's address; trusting X-Forwarded-For is left to a later option.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
