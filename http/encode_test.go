package http

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/jsonw/jsonwtest"
)

// The hand-written encoders of encode.go must give json.Marshal's bytes. The
// values compared are built by reflection from the struct types (see
// jsonwtest), so a field added to a struct is filled (and, in full mode,
// always set) here without anyone touching this file: if its encoder misses
// it, the bytes differ.

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

// newFiller sets values of any of the JSON shapes at random.
func newFiller(r *rand.Rand, full bool) *jsonwtest.Filler {
	return &jsonwtest.Filler{R: r, Full: full, Interfaces: dataTypes}
}

func checkEncoding(t *testing.T, v any) {
	t.Helper()
	got, err := appendJSON([]byte("prefix"), v)
	if !bytes.HasPrefix(got, []byte("prefix")) {
		t.Fatalf("%T: the prefix was overwritten", v)
	}
	jsonwtest.Check(t, v, got[len("prefix"):], err)
}

func TestEncodeMatchesMarshal(t *testing.T) {
	for _, full := range []bool{false, true} {
		f := newFiller(rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano()))), full)
		for range 300 {
			for _, rt := range roots {
				checkEncoding(t, f.Value(rt))
			}
		}
	}
}

// TestEncodeEveryField checks that every field of every shape with an
// encoder appears in its output: a full value's encoding has as many keys
// as its struct has fields.
func TestEncodeEveryField(t *testing.T) {
	f := newFiller(rand.New(rand.NewPCG(2, 3)), true)
	for _, rt := range []reflect.Type{
		reflect.TypeFor[*sessionJSON](), reflect.TypeFor[*eventJSON](), reflect.TypeFor[*paymentJSON](),
		reflect.TypeFor[*endpointJSON](), reflect.TypeFor[*listJSON](), reflect.TypeFor[ErrorBody](),
	} {
		v := f.Value(rt)
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

func FuzzEncode(f *testing.F) {
	f.Add([]byte{}, false)
	f.Add([]byte("\x00\x01\x02\x03\x04\x05\x06\x07<>&\u2028\xff"), true)
	f.Add(bytes.Repeat([]byte{0xff, 0x10, 0x7f, 0x3c}, 64), false)
	f.Fuzz(func(t *testing.T, data []byte, full bool) {
		fl := newFiller(jsonwtest.FuzzRand(data), full)
		rt := roots[fl.R.IntN(len(roots))]
		checkEncoding(t, fl.Value(rt))
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
