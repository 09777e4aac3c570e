// Package jsonwtest holds what the tests of hand-written JSON encoders
// share: random values built by reflection from the encoded types, made of
// what encoding/json treats specially, and a comparison with json.Marshal.
// Building the values from the types means a field added to a struct is
// filled without anyone touching a test: if its encoder misses it, the
// bytes differ.
package jsonwtest

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// Filler sets values of any type at random.
type Filler struct {
	R *rand.Rand
	// Full sets every field: no nil pointer, slice, map or interface, no
	// zero number or time, no empty string, every bool true, and no time
	// that json.Marshal refuses.
	Full bool
	// Interfaces are the types an interface may be given.
	Interfaces []reflect.Type
	// Strings, if any, are the strings to use instead of made-up ones: a
	// fuzz target's inputs.
	Strings []string
}

// pieces are the awkward parts strings are made of.
var pieces = []string{
	"a", "Zz9", " ", "<", ">", "&", "<script>", "\u2028", "\u2029", "\x00", "\x01", "\x1f", "\x7f",
	`"`, `\`, "/", "\b", "\f", "\n", "\r", "\t", "é", "€", "😀", "\ufffd", "\xff", "\xc3", "\xed\xa0\x80",
	"\xf0\x9f\x98", "\xe2\x80", "\xe2\x80\xa8", "https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}&x=1",
	"\u00a0", "\u200b", "\uffff", "\U0010ffff", "\xf4\x90\x80\x80",
}

// String is a string of awkward pieces, or of random bytes, or one of
// f.Strings.
func (f *Filler) String() string {
	if len(f.Strings) > 0 {
		return f.Strings[f.R.IntN(len(f.Strings))]
	}
	if f.R.IntN(8) == 0 { // raw bytes
		b := make([]byte, f.R.IntN(12))
		for i := range b {
			b[i] = byte(f.R.Uint32())
		}
		if f.Full && len(b) == 0 {
			b = append(b, 'x')
		}
		return string(b)
	}
	n := f.R.IntN(6)
	if f.Full {
		n++
	}
	var s string
	for range n {
		s += pieces[f.R.IntN(len(pieces))]
	}
	return s
}

// Int is an integer, the extremes often.
func (f *Filler) Int() int64 {
	switch f.R.IntN(6) {
	case 0:
		if !f.Full {
			return 0
		}
		return 1
	case 1:
		return math.MinInt64
	case 2:
		return math.MaxInt64
	case 3:
		return -f.R.Int64N(1e6) - 1
	}
	return f.R.Int64N(1e12) + 1
}

// zones are the locations of times: offsets in whole hours, in minutes, in
// seconds (RFC 3339 drops them), and beyond 24 hours (json.Marshal refuses).
var zones = []*time.Location{
	time.UTC, time.UTC, time.UTC,
	time.FixedZone("CET", 3600),
	time.FixedZone("", -(3*3600 + 30*60)),
	time.FixedZone("LMT", -(2*3600 + 17)),
	time.FixedZone("", 14*3600),
	time.FixedZone("", -(23*3600 + 59*60 + 59)),
}

var badZones = []*time.Location{
	time.FixedZone("", 24*3600),
	time.FixedZone("", -(25 * 3600)),
	time.FixedZone("", 100*3600+60),
}

// Time is a time in any zone, with nanoseconds that trim to any length;
// it is zero often, and once in a while one json.Marshal refuses.
func (f *Filler) Time() time.Time {
	if !f.Full {
		switch f.R.IntN(40) {
		case 0, 1, 2, 3, 4, 5:
			return time.Time{}
		case 6: // a year of more than 4 digits, or before year 0
			return time.Date([]int{-1, 10000, 123456}[f.R.IntN(3)], 1, 1, 0, 0, 0, 0, time.UTC)
		case 7:
			return time.Unix(f.R.Int64N(4e9), 0).In(badZones[f.R.IntN(len(badZones))])
		case 8: // the edges of the years json.Marshal takes
			return time.Date([]int{0, 1, 9999}[f.R.IntN(3)], 12, 31, 23, 59, 59, 999999999, zones[f.R.IntN(len(zones))])
		}
	}
	ns := []int64{0, 1, 10, 100000, 123000, 999999999, f.R.Int64N(1e9), f.R.Int64N(1e6) * 1000}[f.R.IntN(8)]
	return time.Unix(f.R.Int64N(4e9), ns).In(zones[f.R.IntN(len(zones))])
}

var timeType = reflect.TypeFor[time.Time]()

// Value is a random value of type t.
func (f *Filler) Value(t reflect.Type) any {
	v := reflect.New(t).Elem()
	f.fill(v, 0)
	return v.Interface()
}

func (f *Filler) fill(v reflect.Value, depth int) {
	if v.Type() == timeType {
		v.Set(reflect.ValueOf(f.Time()))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(f.String())
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(f.Int())
	case reflect.Float64:
		v.SetFloat(float64(f.Int()) / 7)
	case reflect.Bool:
		v.SetBool(f.Full || f.R.IntN(2) == 0)
	case reflect.Pointer:
		if !f.Full && f.R.IntN(4) == 0 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		n := f.R.IntN(4)
		if !f.Full && f.R.IntN(4) == 0 {
			v.SetZero()
			return
		}
		if f.Full {
			n++
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			f.fill(s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		if !f.Full && f.R.IntN(4) == 0 {
			v.SetZero()
			return
		}
		m := reflect.MakeMap(v.Type())
		n := f.R.IntN(20)
		if f.Full || n > 5 {
			n = n%5 + 1 // mostly small, with 1 (the fast path) often
		}
		if f.R.IntN(10) == 0 {
			n = 40 // more than the stack array of jsonw.AppendStringMap
		}
		for range n {
			k := reflect.New(v.Type().Key()).Elem()
			f.fill(k, depth+1)
			e := reflect.New(v.Type().Elem()).Elem()
			f.fill(e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			f.fill(v.Field(i), depth)
		}
	case reflect.Interface:
		if len(f.Interfaces) == 0 || !f.Full && f.R.IntN(6) == 0 {
			v.SetZero()
			return
		}
		t := f.Interfaces[f.R.IntN(len(f.Interfaces))]
		if depth > 6 { // keep the recursion (event → session → list → …) bounded
			t = reflect.TypeFor[string]()
		}
		x := reflect.New(t).Elem()
		f.fill(x, depth+1)
		v.Set(x)
	default:
		panic("jsonwtest: no rule for " + v.Type().String() + "; teach it, and the encoder")
	}
}

// FuzzRand is a source of randomness driven by fuzz input, so that the
// fuzzer steers a Filler; once the input runs out it goes on with splitmix64
// (zeros would stall rand's rejection sampling).
func FuzzRand(data []byte) *rand.Rand { return rand.New(&byteSource{b: data}) }

type byteSource struct {
	b []byte
	x uint64
}

func (s *byteSource) Uint64() uint64 {
	if len(s.b) > 0 {
		var buf [8]byte
		n := copy(buf[:], s.b)
		s.b = s.b[n:]
		return binary.LittleEndian.Uint64(buf[:])
	}
	s.x += 0x9e3779b97f4a7c15
	z := s.x
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Check fails tb unless got and err are what json.Marshal(v) returns: the
// same bytes, or the same error.
func Check(tb testing.TB, v any, got []byte, err error) {
	tb.Helper()
	want, wantErr := json.Marshal(v)
	if (err != nil) != (wantErr != nil) || err != nil && err.Error() != wantErr.Error() {
		tb.Fatalf("%T: error %v, json.Marshal's %v", v, err, wantErr)
	}
	if err != nil {
		return
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		tb.Fatalf("%T differs from json.Marshal at byte %d:\n got %q\nwant %q", v, i, got[max(0, i-60):min(len(got), i+60)], want[max(0, i-60):min(len(want), i+60)])
	}
}
