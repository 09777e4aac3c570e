// Package jsonw appends JSON values byte for byte as encoding/json writes
// them. It exists for the hand-written encoders of hot paths (http's
// responses, store/internal/record's stored objects): json.Marshal costs
// reflection and garbage on every call, and what replaces it must not change
// a byte of its output, since clients parse the one and databases in the
// field hold the other. Keeping the rules here, tested against json.Marshal
// once, lets each encoder be a plain list of its fields.
package jsonw

import (
	"encoding/json"
	"slices"
	"time"
	"unicode/utf8"
)

// AppendString appends s as a JSON string the way encoding/json does with
// HTML escaping on (its default): <, > and & as \u003c, \u003e, \u0026,
// control characters as \b \f \n \r \t or \u00XX, U+2028 and U+2029 escaped,
// and each byte of invalid UTF-8 as \ufffd.
func AppendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// safe marks the ASCII bytes encoding/json writes as they are.
var safe = func() (t [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()

// AppendStrings appends l as json.Marshal does: null for a nil slice, [] for
// an empty one.
func AppendStrings(b []byte, l []string) []byte {
	if l == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, s)
	}
	return append(b, ']')
}

// AppendStringMap appends m with its keys sorted, as json.Marshal does: null
// for a nil map, {} for an empty one.
func AppendStringMap(b []byte, m map[string]string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	if len(m) == 1 { // the usual case: no sorting, no garbage
		for k, v := range m {
			b = AppendString(b, k)
			b = append(b, ':')
			b = AppendString(b, v)
		}
		return append(b, '}')
	}
	var arr [16]string
	keys := arr[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, k)
		b = append(b, ':')
		b = AppendString(b, m[k])
	}
	return append(b, '}')
}

// AppendTime appends t as its MarshalJSON writes it: RFC 3339 with the
// nanoseconds, trailing zeros trimmed, in t's own zone. A time RFC 3339
// cannot hold (a year outside [0,9999], a zone of 24 hours or more) is an
// error, the very one json.Marshal returns, and b comes back unchanged.
func AppendTime(b []byte, t time.Time) ([]byte, error) {
	out, err := t.AppendText(append(b, '"'))
	if err != nil {
		// The rare path: json.Marshal gives its own error, so a caller's
		// errors do not depend on which encoder it used.
		if out, err = json.Marshal(t); err != nil {
			return b, err
		}
		return append(b, out...), nil
	}
	return append(out, '"'), nil
}
