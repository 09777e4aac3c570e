package http

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// The hand-written encoders of encode.go must give json.Marshal's bytes. The
// values compared are built by reflection from the struct types, so a field
// added to a struct is filled (and, in full mode, always set) here without
// anyone touching this file: if its encoder misses it, the bytes differ.

// roots are the values handed to appendJSON: what handlers return, and the
// fallbacks next to them.
var roots = []reflect.Type{
	reflect.TypeFor[*sessionJSON](),
	reflect.TypeFor[*listJSON](),
	reflect.TypeFor[*eventJSON](),
	reflect.TypeFor[*paymentJSON](),
	reflect.TypeFor[*endpointJSON](),
	reflect.TypeFor[ErrorBody](),
	reflect.TypeFor[[]lineItemJSON](),
	reflect.TypeFor[[]*sessionJSON](),
	reflect.TypeFor[[]*eventJSON](),
	reflect.TypeFor[[]*paymentJSON](),
	reflect.TypeFor[[]*endpointJSON](),
	reflect.TypeFor[[]*deliveryJSON](), // no encoder: json.Marshal
	reflect.TypeFor[map[string]any](),  // idem
}

// dataTypes are what a listJSON's Data or an event's object can hold.
var dataTypes = []reflect.Type{
	reflect.TypeFor[*sessionJSON](),
	reflect.TypeFor[[]lineItemJSON](),
	reflect.TypeFor[[]*sessionJSON](),
	reflect.TypeFor[[]*eventJSON](),
	reflect.TypeFor[*paymentJSON](),
	reflect.TypeFor[[]*paymentJSON](),
	reflect.TypeFor[*endpointJSON](),
	reflect.TypeFor[[]*endpointJSON](),
	reflect.TypeFor[*eventJSON](),
	reflect.TypeFor[[]*deliveryJSON](),
	reflect.TypeFor[string](),
	reflect.TypeFor[listJSON](), // a value, not a pointer: json.Marshal
}

// filler sets values of any of the JSON shapes at random.
type filler struct {
	r *rand.Rand
	// full sets every field: no nil pointer, slice, map or interface, no
	// zero number, no empty string, every bool true.
	full bool
}

// pieces are the awkward parts strings are made of.
var pieces = []string{
	"a", "Zz9", " ", "<", ">", "&", "<script>", "\u2028", "\u2029", "\x00", "\x01", "\x1f", "\x7f",
	`"`, `\`, "/", "\b", "\f", "\n", "\r", "\t", "é", "€", "😀", "\ufffd", "\xff", "\xc3", "\xed\xa0\x80",
	"\xf0\x9f\x98", "\xe2\x80", "\xe2\x80\xa8", "https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}&x=1",
	"\u00a0", "\u200b", "\uffff", "\U0010ffff", "\xf4\x90\x80\x80",
}

func (f *filler) str() string {
	if f.r.IntN(8) == 0 { // raw bytes
		b := make([]byte, f.r.IntN(12))
		for i := range b {
			b[i] = byte(f.r.Uint32())
		}
		if f.full && len(b) == 0 {
			b = append(b, 'x')
		}
		return string(b)
	}
	n := f.r.IntN(6)
	if f.full {
		n++
	}
	var s string
	for range n {
		s += pieces[f.r.IntN(len(pieces))]
	}
	return s
}

func (f *filler) int() int64 {
	switch f.r.IntN(6) {
	case 0:
		if !f.full {
			return 0
		}
		return 1
	case 1:
		return math.MinInt64
	case 2:
		return math.MaxInt64
	case 3:
		return -f.r.Int64N(1e6) - 1
	}
	return f.r.Int64N(1e12) + 1
}

func (f *filler) fill(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(f.str())
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(f.int())
	case reflect.Float64:
		v.SetFloat(float64(f.int()) / 7)
	case reflect.Bool:
		v.SetBool(f.full || f.r.IntN(2) == 0)
	case reflect.Pointer:
		if !f.full && f.r.IntN(4) == 0 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		n := f.r.IntN(4)
		if !f.full && f.r.IntN(4) == 0 {
			v.SetZero()
			return
		}
		if f.full {
			n++
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			f.fill(s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		if !f.full && f.r.IntN(4) == 0 {
			v.SetZero()
			return
		}
		m := reflect.MakeMap(v.Type())
		n := f.r.IntN(20)
		if f.full || n > 5 {
			n = n%5 + 1 // mostly small, with 1 (the fast path) often
		}
		if f.r.IntN(10) == 0 {
			n = 40 // more than the stack array of appendStringMap
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
		if !f.full && f.r.IntN(6) == 0 {
			v.SetZero()
			return
		}
		t := dataTypes[f.r.IntN(len(dataTypes))]
		if depth > 6 { // keep the recursion (event → session → list → …) bounded
			t = reflect.TypeFor[string]()
		}
		x := reflect.New(t).Elem()
		f.fill(x, depth+1)
		v.Set(x)
	default:
		panic("filler: no rule for " + v.Type().String() + "; teach it, and the encoder")
	}
}

func (f *filler) value(t reflect.Type) any {
	v := reflect.New(t).Elem()
	f.fill(v, 0)
	return v.Interface()
}

func checkEncoding(t *testing.T, v any) {
	t.Helper()
	want, wantErr := json.Marshal(v)
	got, err := appendJSON([]byte("prefix"), v)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%T: error %v, json.Marshal's %v", v, err, wantErr)
	}
	if err != nil {
		return
	}
	if !bytes.HasPrefix(got, []byte("prefix")) {
		t.Fatalf("%T: the prefix was overwritten", v)
	}
	if got = got[len("prefix"):]; !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%T differs from json.Marshal at byte %d:\n got %q\nwant %q", v, i, got[max(0, i-60):min(len(got), i+60)], want[max(0, i-60):min(len(want), i+60)])
	}
}

func TestEncodeMatchesMarshal(t *testing.T) {
	for _, full := range []bool{false, true} {
		f := &filler{r: rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano()))), full: full}
		for range 300 {
			for _, rt := range roots {
				checkEncoding(t, f.value(rt))
			}
		}
	}
}

// TestEncodeEveryField checks that every field of every shape with an
// encoder appears in its output: a full value's encoding has as many keys
// as its struct has fields.
func TestEncodeEveryField(t *testing.T) {
	f := &filler{r: rand.New(rand.NewPCG(2, 3)), full: true}
	for _, rt := range []reflect.Type{
		reflect.TypeFor[*sessionJSON](), reflect.TypeFor[*eventJSON](), reflect.TypeFor[*paymentJSON](),
		reflect.TypeFor[*endpointJSON](), reflect.TypeFor[*listJSON](), reflect.TypeFor[ErrorBody](),
	} {
		v := f.value(rt)
		checkEncoding(t, v)
		b, _ := appendJSON(nil, v)
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		st := rt
		if st.Kind() == reflect.Pointer {
			st = st.Elem()
		}
		if len(m) != st.NumField() {
			t.Errorf("%v: %d keys for %d fields", rt, len(m), st.NumField())
		}
	}
}

func TestEncodeRenderedSession(t *testing.T) {
	for _, v := range []any{typicalSession(), nil, (*sessionJSON)(nil), ErrorBody{}, &listJSON{}, &eventJSON{},
		[]*sessionJSON{nil}, []lineItemJSON(nil), []lineItemJSON{}, math.Inf(1), make(chan int)} {
		checkEncoding(t, v)
	}
}

// typicalSession is what creating the load test's session returns.
func typicalSession() *sessionJSON {
	sess := &checkout.Session{
		ID: "cs_test_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6", AccountID: "acct_1", Mode: "payment",
		Status: checkout.SessionOpen, PaymentStatus: "unpaid", AmountTotal: 5000, AmountSubtotal: 5000,
		Currency: "GHS", SuccessURL: "https://shop.example.com/success?session_id={CHECKOUT_SESSION_ID}",
		CancelURL: "https://shop.example.com/cart", PaymentMethodTypes: []string{"card", "mobile_money"},
		Metadata: map[string]string{"order_id": "1234"},
		Created:  time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Updated: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		ExpiresAt: time.Date(2025, 1, 3, 3, 4, 5, 0, time.UTC),
	}
	items := []lineItemJSON{}
	return &sessionJSON{
		ID: sess.ID, Object: "checkout.session", Mode: string(sess.Mode), Status: string(sess.Status),
		PaymentStatus: string(sess.PaymentStatus), URL: "http://127.0.0.1:8080/checkout/" + sess.ID,
		Amount: sess.AmountTotal, AmountSubtotal: sess.AmountSubtotal, AmountTotal: sess.AmountTotal,
		Currency:   string(sess.Currency),
		LineItems:  listJSON{Object: "list", Data: items, URL: "/v1/checkout/sessions/" + sess.ID + "/line_items"},
		SuccessURL: sess.SuccessURL, CancelURL: sess.CancelURL, PaymentMethodTypes: sess.PaymentMethodTypes,
		Metadata: sess.Metadata, ExpiresAt: rfc3339(sess.ExpiresAt), CreatedAt: rfc3339(sess.Created),
		UpdatedAt: rfc3339(sess.Updated),
	}
}

// byteSource turns fuzz input into a rand.Source; once the input runs out it
// goes on with splitmix64 (zeros would stall rand's rejection sampling).
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

func FuzzEncode(f *testing.F) {
	f.Add([]byte{}, false)
	f.Add([]byte("\x00\x01\x02\x03\x04\x05\x06\x07<>&\u2028\xff"), true)
	f.Add(bytes.Repeat([]byte{0xff, 0x10, 0x7f, 0x3c}, 64), false)
	f.Fuzz(func(t *testing.T, data []byte, full bool) {
		fl := &filler{r: rand.New(&byteSource{b: data}), full: full}
		rt := roots[fl.r.IntN(len(roots))]
		checkEncoding(t, fl.value(rt))
	})
}

func BenchmarkEncodeSession(b *testing.B) {
	v := typicalSession()
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("appendJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf := getBuf()
			out, err := appendJSON(*buf, v)
			if err != nil {
				b.Fatal(err)
			}
			putBuf(buf, out)
		}
	})
}
