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

// RandomIDs makes ids of 8 base62 characters of the time in milliseconds,
// then 22 drawn from crypto/rand (about 131 bits). The time first makes
// ids of the same kind sort in the order they were made, so a store's id
// index takes new ids at its end, a few pages a commit, instead of one
// random page per row; the random part alone keeps ids unguessable and
// unique. 62^8 milliseconds last until the year 8888.
type RandomIDs struct{}

// base62 is in ASCII order, so base62 numbers of one length sort as strings
// in their numeric order.
const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func (RandomIDs) New(prefix string) string {
	b := make([]byte, 0, len(prefix)+1+8+22)
	b = append(b, prefix...)
	b = append(b, '_')
	b = appendBase62(b, uint64(time.Now().UnixMilli()), 8)
	return string(appendRandom(b, 22))
}

// appendBase62 appends v as n base62 digits, most significant first.
func appendBase62(b []byte, v uint64, n int) []byte {
	b = append(b, make([]byte, n)...)
	for i := len(b) - 1; i >= len(b)-n; i-- {
		b[i] = base62[v%62]
		v /= 62
	}
	return b
}

// RandomString returns n base62 characters from crypto/rand, without modulo bias.
func RandomString(n int) string { return string(appendRandom(make([]byte, 0, n), n)) }

// appendRandom appends n base62 characters from crypto/rand, without modulo
// bias.
func appendRandom(out []byte, n int) []byte {
	var buf [48]byte
	for want := len(out) + n; len(out) < want; {
		rand.Read(buf[:]) // never fails (crypto/rand panics instead)
		for _, b := range buf {
			if b < 248 { // 248 = 4*62, keeps the draw uniform
				out = append(out, base62[b%62])
				if len(out) == want {
					break
				}
			}
		}
	}
	return out
}
