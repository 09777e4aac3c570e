package record

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/jsonw/jsonwtest"
)

// appendSession must give json.Marshal's bytes. The sessions compared are
// built by reflection from checkout.Session (see jsonwtest), so a field
// added to it or to LineItem is filled here without anyone touching this
// file: if appendSession misses it, the bytes differ.

// marshalSession is EncodeSession as it was before appendSession, the
// reference the stored bytes and errors must agree with.
func marshalSession(s *checkout.Session) ([]byte, error) {
	c := *s
	normalizeSession(&c)
	return encode("session", &c)
}

func randomSession(f *jsonwtest.Filler) *checkout.Session {
	s := f.Value(reflect.TypeFor[checkout.Session]()).(checkout.Session)
	return &s
}

// checkSession compares appendSession on s, as it is, with json.Marshal,
// and EncodeSession, which normalizes s first, with marshalSession.
func checkSession(t *testing.T, s *checkout.Session) {
	t.Helper()
	got, err := appendSession([]byte("prefix"), s)
	if !bytes.HasPrefix(got, []byte("prefix")) {
		t.Fatalf("the prefix was overwritten: %q", got)
	}
	jsonwtest.Check(t, s, got[len("prefix"):], err)

	before := *s
	got, err = EncodeSession(s)
	want, wantErr := marshalSession(s)
	if !reflect.DeepEqual(*s, before) {
		t.Fatalf("EncodeSession changed its argument:\n got %+v\nwant %+v", *s, before)
	}
	if (err != nil) != (wantErr != nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("EncodeSession: error %v, json.Marshal's %v", err, wantErr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("EncodeSession:\n got %q\nwant %q", got, want)
	}
}

// TestEncodeSessionMatchesMarshal: random sessions, with awkward strings,
// nil and empty slices and maps, zero times and times in any zone with any
// nanoseconds, some of them times json.Marshal refuses.
func TestEncodeSessionMatchesMarshal(t *testing.T) {
	var errs int
	for _, full := range []bool{false, true} {
		f := &jsonwtest.Filler{R: rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano()))), Full: full}
		for range 1000 {
			s := randomSession(f)
			if _, err := appendSession(nil, s); err != nil {
				errs++
			}
			checkSession(t, s)
		}
	}
	if errs == 0 {
		t.Error("no session json.Marshal refuses was tried")
	}
	for _, s := range []*checkout.Session{
		{},
		{LineItems: []checkout.LineItem{}, PaymentMethodTypes: []string{}, Metadata: map[string]string{}},
		{LineItems: []checkout.LineItem{{Images: []string{}}, {}}},
		goldenObjects()["cs_golden"].(*checkout.Session),
	} {
		checkSession(t, s)
	}
}

// TestEncodeSessionEveryField: a session with every field of its own and of
// its line items set encodes as json.Marshal does, so appendSession knows
// every field there is.
func TestEncodeSessionEveryField(t *testing.T) {
	f := &jsonwtest.Filler{R: rand.New(rand.NewPCG(2, 3)), Full: true}
	for range 20 {
		s := randomSession(f)
		requireEveryField(t, reflect.ValueOf(*s))
		for _, li := range s.LineItems {
			requireEveryField(t, reflect.ValueOf(li))
		}
		checkSession(t, s)
	}
}

func requireEveryField(t *testing.T, v reflect.Value) {
	t.Helper()
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("%s.%s is zero: teach jsonwtest.Filler to set it", v.Type(), v.Type().Field(i).Name)
		}
	}
}

func FuzzEncodeSession(f *testing.F) {
	f.Add("", "<a href=\"x\">&amp;</a>", "\u2028\u2029\x00\x1f\x7f", []byte{})
	f.Add("\xff\xc3\xed\xa0\x80", "é€😀", `"\`, []byte("\x00\x01\x02\x03\x04\x05\x06\x07"))
	f.Fuzz(func(t *testing.T, a, b, c string, seed []byte) {
		fl := &jsonwtest.Filler{R: jsonwtest.FuzzRand(seed), Strings: []string{a, b, c}}
		checkSession(t, randomSession(fl))
	})
}

func BenchmarkEncodeSession(b *testing.B) {
	s := goldenObjects()["cs_golden"].(*checkout.Session)
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := marshalSession(s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("EncodeSession", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := EncodeSession(s); err != nil {
				b.Fatal(err)
			}
		}
	})
}
