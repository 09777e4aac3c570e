package jsonw_test

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/internal/jsonw"
	"github.com/checkoutd/checkoutd/internal/jsonw/jsonwtest"
)

// check compares appending v to a prefix with json.Marshal(v).
func check[T any](t *testing.T, v T, appendFn func([]byte, T) ([]byte, error)) {
	t.Helper()
	const prefix = "prefix"
	got, err := appendFn([]byte(prefix), v)
	if !bytes.HasPrefix(got, []byte(prefix)) {
		t.Fatalf("%#v: the prefix was overwritten: %q", v, got)
	}
	if err != nil && len(got) != len(prefix) {
		t.Fatalf("%#v: %q appended with the error %v", v, got[len(prefix):], err)
	}
	jsonwtest.Check(t, v, got[len(prefix):], err)
}

func noErr[T any](f func([]byte, T) []byte) func([]byte, T) ([]byte, error) {
	return func(b []byte, v T) ([]byte, error) { return f(b, v), nil }
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `"\`, "<a href=\"x\">&amp;</a>", "\u2028\u2029", "\xe2\x80\xa8",
		"\x00\x1f\x7f", "\b\f\n\r\t", "\xff\xfe", "\xed\xa0\x80", "\xf4\x90\x80\x80", "é€😀\U0010ffff", "\xc3"} {
		check(t, s, noErr(jsonw.AppendString))
	}
	f := &jsonwtest.Filler{R: rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))}
	for range 2000 {
		check(t, f.String(), noErr(jsonw.AppendString))
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("")
	f.Add("<>&\u2028\u2029\x00\x1f\"\\")
	f.Add("\xff\xc3\xed\xa0\x80é")
	f.Fuzz(func(t *testing.T, s string) {
		check(t, s, noErr(jsonw.AppendString))
	})
}

func TestAppendStrings(t *testing.T) {
	check(t, nil, noErr(jsonw.AppendStrings))
	check(t, []string{}, noErr(jsonw.AppendStrings))
	f := &jsonwtest.Filler{R: rand.New(rand.NewPCG(2, uint64(time.Now().UnixNano())))}
	for range 500 {
		check(t, f.Value(reflect.TypeFor[[]string]()).([]string), noErr(jsonw.AppendStrings))
	}
}

func TestAppendStringMap(t *testing.T) {
	check(t, nil, noErr(jsonw.AppendStringMap))
	check(t, map[string]string{}, noErr(jsonw.AppendStringMap))
	check(t, map[string]string{"<": "&"}, noErr(jsonw.AppendStringMap))
	f := &jsonwtest.Filler{R: rand.New(rand.NewPCG(3, uint64(time.Now().UnixNano())))}
	for range 500 {
		check(t, f.Value(reflect.TypeFor[map[string]string]()).(map[string]string), noErr(jsonw.AppendStringMap))
	}
}

func TestAppendTime(t *testing.T) {
	for _, tm := range []time.Time{
		{},
		time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC),
		time.Date(2026, 3, 14, 15, 9, 26, 100, time.FixedZone("CET", 3600)),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600)),
		time.Now(), // with a monotonic reading
	} {
		check(t, tm, jsonw.AppendTime)
	}
	var errs int
	f := &jsonwtest.Filler{R: rand.New(rand.NewPCG(4, uint64(time.Now().UnixNano())))}
	for range 2000 {
		tm := f.Time()
		if _, err := jsonw.AppendTime(nil, tm); err != nil {
			errs++
		}
		check(t, tm, jsonw.AppendTime)
	}
	if errs == 0 {
		t.Error("no time json.Marshal refuses was tried")
	}
}
