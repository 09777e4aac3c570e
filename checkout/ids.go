package checkout

import (
	"crypto/rand"
	"time"
)

// Clock tells the time. Injected everywhere so tests control it.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock, in UTC, truncated to microseconds: the
// finest precision every store keeps, so a time read back equals the time written.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// IDs makes object ids. Injected so tests can make them predictable.
type IDs interface {
	// New returns prefix + "_" + a random part of at least 128 bits.
	New(prefix string) string
}

// RandomIDs draws ids from crypto/rand: 24 base62 characters, about 143 bits.
type RandomIDs struct{}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func (RandomIDs) New(prefix string) string { return prefix + "_" + RandomString(24) }

// RandomString returns n base62 characters from crypto/rand, without modulo bias.
func RandomString(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		rand.Read(buf) // never fails (crypto/rand panics instead)
		for _, b := range buf {
			if b < 248 { // 248 = 4*62, keeps the draw uniform
				out = append(out, base62[b%62])
				if len(out) == n {
					break
				}
			}
		}
	}
	return string(out)
}
