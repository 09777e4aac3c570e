package params_test

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/http/params"
)

const (
	exampleJSON  = `{"amount":5000,"metadata":{"order_id":"1234"},"line_items":[{"quantity":2,"price_data":{"currency":"GHS","unit_amount":2500,"product_data":{"name":"Tee","images":["https://x/y.png"]}}}],"payment_method_types":["card"]}`
	exampleForm  = `amount=5000&metadata[order_id]=1234&line_items[0][quantity]=2&line_items[0][price_data][currency]=GHS&line_items[0][price_data][unit_amount]=2500&line_items[0][price_data][product_data][name]=Tee&line_items[0][price_data][product_data][images][0]=https://x/y.png&payment_method_types[]=card`
	exampleQuery = `created[gte]=1700000000&limit=10`
)

// decoder is one of the body decoders under test.
type decoder struct {
	name   string
	decode func(string) (*params.Values, error)
}

var (
	jsonDecoder = decoder{"json", func(s string) (*params.Values, error) { return params.FromJSON([]byte(s)) }}
	formDecoder = decoder{"form", func(s string) (*params.Values, error) { return params.FromForm([]byte(s)) }}
	// queryDecoder goes through url.ParseQuery, as an HTTP handler would.
	queryDecoder = decoder{"query", func(s string) (*params.Values, error) {
		q, err := url.ParseQuery(s)
		if err != nil {
			return nil, err
		}
		return params.FromQuery(q)
	}}
)

func mustDecode(t *testing.T, d decoder, body string) *params.Values {
	t.Helper()
	v, err := d.decode(body)
	if err != nil {
		t.Fatalf("%s %q: %v", d.name, body, err)
	}
	return v
}

// wantErr checks that err is a *checkout.Error of kind invalid with code and
// param.
func wantErr(t *testing.T, err error, code, param string) *checkout.Error {
	t.Helper()
	var e *checkout.Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v (%T), want %s for %q", err, err, code, param)
	}
	if e.Kind != checkout.KindInvalid || e.Code != code || e.Param != param {
		t.Fatalf("got %s/%s param %q (%s), want invalid/%s param %q", e.Kind, e.Code, e.Param, e.Message, code, param)
	}
	return e
}

// session is what a handler reads from the example request.
type session struct {
	Amount    int64
	Metadata  map[string]string
	Items     []item
	PMTypes   []string
	Presences []bool
}

type item struct {
	Quantity   int64
	Currency   string
	UnitAmount int64
	Name       string
	Images     []string
}

func readSession(t testing.TB, v *params.Values) session {
	t.Helper()
	var s session
	var ok bool
	check := func(what string, ok bool) {
		t.Helper()
		if !ok {
			t.Errorf("%s: not ok (err %v)", what, v.Err())
		}
	}
	s.Amount, ok = v.Int("amount")
	check("amount", ok)
	s.Metadata, ok = v.StringMap("metadata")
	check("metadata", ok)
	s.PMTypes, ok = v.Strings("payment_method_types")
	check("payment_method_types", ok)
	items, ok := v.List("line_items")
	check("line_items", ok)
	for _, li := range items {
		var it item
		it.Quantity, ok = li.Int("quantity")
		check("quantity", ok)
		pd, ok := li.Object("price_data")
		check("price_data", ok)
		it.Currency, ok = pd.String("currency")
		check("currency", ok)
		it.UnitAmount, ok = pd.Int("unit_amount")
		check("unit_amount", ok)
		prod, ok := pd.Object("product_data")
		check("product_data", ok)
		it.Name, ok = prod.String("name")
		check("name", ok)
		it.Images, ok = prod.Strings("images")
		check("images", ok)
		s.Items = append(s.Items, it)
	}
	for _, name := range []string{"amount", "metadata", "nope", "customer"} {
		s.Presences = append(s.Presences, v.Has(name))
	}
	return s
}

func TestExamplesDecodeAlike(t *testing.T) {
	want := session{
		Amount:   5000,
		Metadata: map[string]string{"order_id": "1234"},
		Items: []item{{Quantity: 2, Currency: "GHS", UnitAmount: 2500, Name: "Tee",
			Images: []string{"https://x/y.png"}}},
		PMTypes:   []string{"card"},
		Presences: []bool{true, true, false, false},
	}
	for _, tc := range []struct {
		d    decoder
		body string
	}{
		{jsonDecoder, exampleJSON},
		{formDecoder, exampleForm},
		{queryDecoder, exampleForm},
		// What SDKs really send: brackets percent-encoded.
		{formDecoder, strings.NewReplacer("[", "%5B", "]", "%5D", ":", "%3A", "/", "%2F").Replace(exampleForm)},
	} {
		v := mustDecode(t, tc.d, tc.body)
		got := readSession(t, v)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v, want %+v", tc.d.name, got, want)
		}
		if err := v.Err(); err != nil {
			t.Errorf("%s: Err() = %v", tc.d.name, err)
		}
		if keys := v.Keys(); !reflect.DeepEqual(keys, []string{"amount", "line_items", "metadata", "payment_method_types"}) {
			t.Errorf("%s: Keys() = %q", tc.d.name, keys)
		}
	}
}

func TestQueryExample(t *testing.T) {
	for _, d := range []decoder{queryDecoder, formDecoder} {
		v := mustDecode(t, d, exampleQuery)
		created, ok := v.Object("created")
		if !ok {
			t.Fatalf("%s: no created", d.name)
		}
		gte, ok := created.Time("gte")
		if !ok || !gte.Equal(time.Unix(1700000000, 0)) || gte.Location() != time.UTC {
			t.Errorf("%s: created[gte] = %v, %v", d.name, gte, ok)
		}
		if lt, ok := created.Time("lt"); ok || !lt.IsZero() {
			t.Errorf("%s: created[lt] = %v, %v; want absent", d.name, lt, ok)
		}
		if n, ok := v.Int("limit"); !ok || n != 10 {
			t.Errorf("%s: limit = %d, %v", d.name, n, ok)
		}
		if err := v.Err(); err != nil {
			t.Errorf("%s: Err() = %v", d.name, err)
		}
	}
	// The JSON spelling of the same request.
	v := mustDecode(t, jsonDecoder, `{"created":{"gte":1700000000},"limit":10}`)
	created, _ := v.Object("created")
	if gte, ok := created.Time("gte"); !ok || gte.Unix() != 1700000000 {
		t.Errorf("json: created[gte] = %v, %v", gte, ok)
	}
	v.Int("limit")
	if err := v.Err(); err != nil {
		t.Errorf("json: Err() = %v", err)
	}
}

func TestFromQueryDirect(t *testing.T) {
	v, err := params.FromQuery(url.Values{"a[]": {"x", "y", "z"}, "b[1]": {"q"}, "b[0]": {"p"}})
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := v.Strings("a"); !ok || !reflect.DeepEqual(a, []string{"x", "y", "z"}) {
		t.Errorf("a = %q, %v", a, ok)
	}
	if b, ok := v.Strings("b"); !ok || !reflect.DeepEqual(b, []string{"p", "q"}) {
		t.Errorf("b = %q, %v", b, ok)
	}
	if err := v.Err(); err != nil {
		t.Error(err)
	}
	for _, q := range []url.Values{nil, {}} {
		v, err := params.FromQuery(q)
		if err != nil || len(v.Keys()) != 0 || v.Err() != nil {
			t.Errorf("FromQuery(%v) = %v, %v", q, v, err)
		}
	}
	_, err = params.FromQuery(url.Values{"a": {"1", "2"}})
	wantErr(t, err, "invalid_form", "a")
	_, err = params.FromQuery(url.Values{"a": {"1"}, "a[b]": {"2"}})
	wantErr(t, err, "invalid_form", "a[b]")
}

// accessor calls one accessor by name on v.
func access(v *params.Values, accessor, name string) (any, bool) {
	switch accessor {
	case "String":
		return v.String(name)
	case "Int":
		return v.Int(name)
	case "Bool":
		return v.Bool(name)
	case "Time":
		return v.Time(name)
	case "Strings":
		return v.Strings(name)
	case "StringMap":
		return v.StringMap(name)
	case "Object":
		o, ok := v.Object(name)
		if ok {
			return o.Keys(), ok
		}
		return nil, ok
	case "List":
		l, ok := v.List(name)
		return len(l), ok
	}
	panic("no accessor " + accessor)
}

func TestAccessors(t *testing.T) {
	ts := time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC) // 1700000000
	for _, tc := range []struct {
		d        decoder
		body     string
		accessor string
		name     string
		want     any // nil: accessor fails or the parameter is absent
		ok       bool
		code     string // error Err reports; "" for none
		param    string
	}{
		// Int.
		{jsonDecoder, `{"a":5000}`, "Int", "a", int64(5000), true, "", ""},
		{jsonDecoder, `{"a":-12}`, "Int", "a", int64(-12), true, "", ""},
		{jsonDecoder, `{"a":-0}`, "Int", "a", int64(0), true, "", ""},
		{jsonDecoder, `{"a":9223372036854775807}`, "Int", "a", int64(9223372036854775807), true, "", ""},
		{jsonDecoder, `{"a":-9223372036854775808}`, "Int", "a", int64(-9223372036854775808), true, "", ""},
		{jsonDecoder, `{"a":9223372036854775808}`, "Int", "a", int64(0), false, "parameter_invalid_integer", "a"},
		{jsonDecoder, `{"a":5000.0}`, "Int", "a", int64(0), false, "parameter_invalid_integer", "a"},
		{jsonDecoder, `{"a":1e3}`, "Int", "a", int64(0), false, "parameter_invalid_integer", "a"},
		{jsonDecoder, `{"a":"5000"}`, "Int", "a", int64(0), false, "parameter_invalid_integer", "a"},
		{jsonDecoder, `{"a":true}`, "Int", "a", int64(0), false, "parameter_invalid_integer", "a"},
		{jsonDecoder, `{"a":{"b":1}}`, "Int", "a", int64(0), false, "parameter_invalid_integer", "a"},
		{jsonDecoder, `{"a":null}`, "Int", "a", int64(0), false, "", ""},
		{jsonDecoder, `{}`, "Int", "a", int64(0), false, "", ""},
		{formDecoder, `a=5000`, "Int", "a", int64(5000), true, "", ""},
		{formDecoder, `a=-5`, "Int", "a", int64(-5), true, "", ""},
		{formDecoder, `a=007`, "Int", "a", int64(7), true, "", ""},
		{formDecoder, `a=9223372036854775808`, "Int", "a", int64(0), false, "parameter_invalid_integer", "a"},
		{formDecoder, `a=+5`, "Int", "a", int64(0), false, "parameter_invalid_integer", "a"},
		{formDecoder, `a=5.0`, "Int", "a", int64(0), false, "parameter_invalid_integer", "a"},
		{formDecoder, `a=-`, "Int", "a", int64(0), false, "parameter_invalid_integer", "a"},
		{formDecoder, `a=`, "Int", "a", int64(0), false, "parameter_invalid_integer", "a"},
		{formDecoder, `a=%EF%BC%95`, "Int", "a", int64(0), false, "parameter_invalid_integer", "a"}, // fullwidth 5
		{formDecoder, `a[b]=1`, "Int", "a", int64(0), false, "parameter_invalid_integer", "a"},
		{formDecoder, `x=1`, "Int", "a", int64(0), false, "parameter_unknown", "x"},

		// String.
		{jsonDecoder, `{"a":"hé\u00e9"}`, "String", "a", "héé", true, "", ""},
		{jsonDecoder, `{"a":""}`, "String", "a", "", true, "", ""},
		{jsonDecoder, `{"a":1}`, "String", "a", "", false, "parameter_invalid_string", "a"},
		{jsonDecoder, `{"a":["x"]}`, "String", "a", "", false, "parameter_invalid_string", "a"},
		{jsonDecoder, `{"a":null}`, "String", "a", "", false, "", ""},
		{formDecoder, `a=`, "String", "a", "", true, "", ""},
		{formDecoder, `a`, "String", "a", "", true, "", ""},
		{formDecoder, `a=x+y%20z%2B`, "String", "a", "x y z+", true, "", ""},
		{formDecoder, `a=1;b=2`, "String", "a", "1;b=2", true, "", ""},
		{formDecoder, `a=x=y`, "String", "a", "x=y", true, "", ""},
		{formDecoder, `a[]=x`, "String", "a", "", false, "parameter_invalid_string", "a"},

		// Bool.
		{jsonDecoder, `{"a":true}`, "Bool", "a", true, true, "", ""},
		{jsonDecoder, `{"a":false}`, "Bool", "a", false, true, "", ""},
		{jsonDecoder, `{"a":"true"}`, "Bool", "a", false, false, "parameter_invalid_boolean", "a"},
		{jsonDecoder, `{"a":1}`, "Bool", "a", false, false, "parameter_invalid_boolean", "a"},
		{formDecoder, `a=true`, "Bool", "a", true, true, "", ""},
		{formDecoder, `a=false`, "Bool", "a", false, true, "", ""},
		{formDecoder, `a=True`, "Bool", "a", false, false, "parameter_invalid_boolean", "a"},
		{formDecoder, `a=1`, "Bool", "a", false, false, "parameter_invalid_boolean", "a"},
		{formDecoder, `a=`, "Bool", "a", false, false, "parameter_invalid_boolean", "a"},

		// Time.
		{jsonDecoder, `{"a":1700000000}`, "Time", "a", ts, true, "", ""},
		{jsonDecoder, `{"a":"1700000000"}`, "Time", "a", ts, true, "", ""},
		{jsonDecoder, `{"a":"2023-11-14T22:13:20Z"}`, "Time", "a", ts, true, "", ""},
		{jsonDecoder, `{"a":"2023-11-15T00:13:20+02:00"}`, "Time", "a", ts, true, "", ""},
		{jsonDecoder, `{"a":0}`, "Time", "a", time.Unix(0, 0).UTC(), true, "", ""},
		{jsonDecoder, `{"a":-1}`, "Time", "a", time.Unix(-1, 0).UTC(), true, "", ""},
		{jsonDecoder, `{"a":1700000000.5}`, "Time", "a", time.Time{}, false, "parameter_invalid_timestamp", "a"},
		{jsonDecoder, `{"a":1e9}`, "Time", "a", time.Time{}, false, "parameter_invalid_timestamp", "a"},
		{jsonDecoder, `{"a":253402300800}`, "Time", "a", time.Time{}, false, "parameter_invalid_timestamp", "a"},
		{jsonDecoder, `{"a":"2023-11-14"}`, "Time", "a", time.Time{}, false, "parameter_invalid_timestamp", "a"},
		{jsonDecoder, `{"a":""}`, "Time", "a", time.Time{}, false, "parameter_invalid_timestamp", "a"},
		{jsonDecoder, `{"a":true}`, "Time", "a", time.Time{}, false, "parameter_invalid_timestamp", "a"},
		{formDecoder, `a=1700000000`, "Time", "a", ts, true, "", ""},
		{formDecoder, `a=2023-11-14T22:13:20Z`, "Time", "a", ts, true, "", ""},
		{formDecoder, `a=2023-11-14T23:13:20%2B01:00`, "Time", "a", ts, true, "", ""},
		{formDecoder, `a=-1`, "Time", "a", time.Time{}, false, "parameter_invalid_timestamp", "a"},
		{formDecoder, `a=99999999999999999999`, "Time", "a", time.Time{}, false, "parameter_invalid_timestamp", "a"},
		{formDecoder, `a=soon`, "Time", "a", time.Time{}, false, "parameter_invalid_timestamp", "a"},

		// Strings.
		{jsonDecoder, `{"a":["x","y"]}`, "Strings", "a", []string{"x", "y"}, true, "", ""},
		{jsonDecoder, `{"a":[]}`, "Strings", "a", []string{}, true, "", ""},
		{jsonDecoder, `{"a":"x"}`, "Strings", "a", []string(nil), false, "parameter_invalid_array", "a"},
		{jsonDecoder, `{"a":{"0":"x"}}`, "Strings", "a", []string(nil), false, "parameter_invalid_array", "a"},
		{jsonDecoder, `{"a":["x",1]}`, "Strings", "a", []string(nil), false, "parameter_invalid_string", "a[1]"},
		{jsonDecoder, `{"a":["x",null]}`, "Strings", "a", []string(nil), false, "parameter_invalid_string", "a[1]"},
		{formDecoder, `a[]=x&a[]=y&a[]=`, "Strings", "a", []string{"x", "y", ""}, true, "", ""},
		{formDecoder, `a[1]=y&a[0]=x`, "Strings", "a", []string{"x", "y"}, true, "", ""},
		{formDecoder, `a[0]=x&a[]=y`, "Strings", "a", []string{"x", "y"}, true, "", ""},
		{formDecoder, `a=x`, "Strings", "a", []string(nil), false, "parameter_invalid_array", "a"},
		{formDecoder, `a[b]=x`, "Strings", "a", []string(nil), false, "parameter_invalid_array", "a"},
		{formDecoder, `a[0]=x&a[1][b]=y`, "Strings", "a", []string(nil), false, "parameter_invalid_string", "a[1]"},

		// StringMap.
		{jsonDecoder, `{"metadata":{"k":"v","e":""}}`, "StringMap", "metadata", map[string]string{"k": "v", "e": ""}, true, "", ""},
		{jsonDecoder, `{"metadata":{}}`, "StringMap", "metadata", map[string]string{}, true, "", ""},
		{jsonDecoder, `{"metadata":{"k":"v","n":1}}`, "StringMap", "metadata", map[string]string(nil), false, "parameter_invalid_string", "metadata[n]"},
		{jsonDecoder, `{"metadata":{"z":1,"b":true}}`, "StringMap", "metadata", map[string]string(nil), false, "parameter_invalid_string", "metadata[b]"},
		{jsonDecoder, `{"metadata":["x"]}`, "StringMap", "metadata", map[string]string(nil), false, "parameter_invalid_object", "metadata"},
		{jsonDecoder, `{"metadata":"x"}`, "StringMap", "metadata", map[string]string(nil), false, "parameter_invalid_object", "metadata"},
		{formDecoder, `metadata[k]=v&metadata[e]=`, "StringMap", "metadata", map[string]string{"k": "v", "e": ""}, true, "", ""},
		{formDecoder, `metadata[k][x]=v`, "StringMap", "metadata", map[string]string(nil), false, "parameter_invalid_string", "metadata[k]"},
		{formDecoder, `metadata=`, "StringMap", "metadata", map[string]string(nil), false, "parameter_invalid_object", "metadata"},

		// Object and List (want: Keys of the object, number of elements).
		{jsonDecoder, `{"a":{}}`, "Object", "a", []string{}, true, "", ""},
		{jsonDecoder, `{"a":{"y":1,"x":2}}`, "Object", "a", []string{"x", "y"}, true, "parameter_unknown", "a[x]"},
		{jsonDecoder, `{"a":[]}`, "Object", "a", nil, false, "parameter_invalid_object", "a"},
		{jsonDecoder, `{"a":"x"}`, "Object", "a", nil, false, "parameter_invalid_object", "a"},
		{formDecoder, `a[0]=x`, "Object", "a", nil, false, "parameter_invalid_object", "a"},
		{jsonDecoder, `{"a":[{},{}]}`, "List", "a", 2, true, "", ""},
		{jsonDecoder, `{"a":[]}`, "List", "a", 0, true, "", ""},
		{jsonDecoder, `{"a":{}}`, "List", "a", 0, false, "parameter_invalid_array", "a"},
		{jsonDecoder, `{"a":[{},"x"]}`, "List", "a", 0, false, "parameter_invalid_object", "a[1]"},
		{jsonDecoder, `{"a":[{},null]}`, "List", "a", 0, false, "parameter_invalid_object", "a[1]"},
		{formDecoder, `a[0][b]=1&a[1][b]=2`, "List", "a", 2, true, "parameter_unknown", "a[0][b]"},
		{formDecoder, `a[]=x`, "List", "a", 0, false, "parameter_invalid_object", "a[0]"},
		{formDecoder, `a=x`, "List", "a", 0, false, "parameter_invalid_array", "a"},
	} {
		v := mustDecode(t, tc.d, tc.body)
		got, ok := access(v, tc.accessor, tc.name)
		if ok != tc.ok || (tc.want != nil && !reflect.DeepEqual(got, tc.want)) {
			if tm, isTime := got.(time.Time); !isTime || !tm.Equal(tc.want.(time.Time)) || tm.Location() != time.UTC || ok != tc.ok {
				t.Errorf("%s %s: %s(%q) = %#v, %v; want %#v, %v", tc.d.name, tc.body, tc.accessor, tc.name, got, ok, tc.want, tc.ok)
			}
		}
		err := v.Err()
		if tc.code == "" {
			if err != nil {
				t.Errorf("%s %s: %s(%q): Err() = %v", tc.d.name, tc.body, tc.accessor, tc.name, err)
			}
			continue
		}
		var e *checkout.Error
		if !errors.As(err, &e) || e.Kind != checkout.KindInvalid || e.Code != tc.code || e.Param != tc.param {
			t.Errorf("%s %s: %s(%q): Err() = %#v; want %s for %q", tc.d.name, tc.body, tc.accessor, tc.name, err, tc.code, tc.param)
		}
	}
}

func TestNestedErrorsNameTheFullParam(t *testing.T) {
	for _, d := range []struct {
		decoder
		body string
	}{
		{jsonDecoder, `{"line_items":[{"price_data":{"unit_amount":1}},{"price_data":{"unit_amount":"x"}}]}`},
		{formDecoder, `line_items[0][price_data][unit_amount]=1&line_items[1][price_data][unit_amount]=x`},
	} {
		v := mustDecode(t, d.decoder, d.body)
		items, _ := v.List("line_items")
		for _, it := range items {
			pd, _ := it.Object("price_data")
			pd.Int("unit_amount")
		}
		wantErr(t, v.Err(), "parameter_invalid_integer", "line_items[1][price_data][unit_amount]")
		// Children share the tracker: Err on a child reports it too.
		wantErr(t, items[0].Err(), "parameter_invalid_integer", "line_items[1][price_data][unit_amount]")
	}
}

func TestFirstErrorWins(t *testing.T) {
	v := mustDecode(t, jsonDecoder, `{"a":"x","b":"y","c":1}`)
	if _, ok := v.Int("b"); ok {
		t.Fatal("b is not an integer")
	}
	v.Int("a")
	if s, ok := v.String("c"); ok || s != "" {
		t.Errorf("String(c) = %q, %v", s, ok)
	}
	wantErr(t, v.Err(), "parameter_invalid_integer", "b")
}

func TestUnknownParameters(t *testing.T) {
	for _, tc := range []struct {
		name  string
		d     decoder
		body  string
		read  func(v *params.Values)
		param string // "" for no error
	}{
		{"nothing read", jsonDecoder, `{"b":1,"a":2}`, func(v *params.Values) {}, "a"},
		{"all read", jsonDecoder, `{"b":1,"a":2}`, func(v *params.Values) { v.Int("a"); v.Int("b") }, ""},
		{"absent names are fine", jsonDecoder, `{"a":2}`, func(v *params.Values) { v.Int("a"); v.Int("zzz") }, ""},
		{"null unread", jsonDecoder, `{"a":null}`, func(v *params.Values) {}, "a"},
		{"null read", jsonDecoder, `{"a":null}`, func(v *params.Values) { v.String("a") }, ""},
		{"Has does not mark", jsonDecoder, `{"a":1}`, func(v *params.Values) { v.Has("a") }, "a"},
		{"Keys does not mark", jsonDecoder, `{"a":1}`, func(v *params.Values) { v.Keys() }, "a"},
		{"nested unread", formDecoder, `line_items[0][quantity]=1&line_items[0][foo]=2`, func(v *params.Values) {
			items, _ := v.List("line_items")
			items[0].Int("quantity")
		}, "line_items[0][foo]"},
		{"object opened, nothing read", jsonDecoder, `{"a":{"x":1}}`, func(v *params.Values) { v.Object("a") }, "a[x]"},
		{"empty object opened", jsonDecoder, `{"a":{}}`, func(v *params.Values) { v.Object("a") }, ""},
		{"StringMap marks contents", jsonDecoder, `{"metadata":{"x":"1","y":"2"}}`, func(v *params.Values) { v.StringMap("metadata") }, ""},
		{"Strings marks contents", formDecoder, `a[]=1&a[]=2`, func(v *params.Values) { v.Strings("a") }, ""},
		{"list elements", jsonDecoder, `{"l":[{"a":1},{"a":1,"b":2}]}`, func(v *params.Values) {
			l, _ := v.List("l")
			for _, e := range l {
				e.Int("a")
			}
		}, "l[1][b]"},
		// '[' sorts after digits and before '_' and letters.
		{"lexically first full name", jsonDecoder, `{"a":{"z":1},"a0":1,"a_":1}`, func(v *params.Values) { v.Object("a") }, "a0"},
		{"lexically first full name 2", jsonDecoder, `{"a":{"z":1},"a_":1,"b":1}`, func(v *params.Values) { v.Object("a") }, "a[z]"},
		{"indices sort as text", jsonDecoder, `{"l":[{},{},{},{},{},{},{},{},{},{},{"x":1}, {"x":1}]}`, func(v *params.Values) { v.List("l") }, "l[10][x]"},
	} {
		v := mustDecode(t, tc.d, tc.body)
		tc.read(v)
		err := v.Err()
		if tc.param == "" {
			if err != nil {
				t.Errorf("%s: Err() = %v", tc.name, err)
			}
			continue
		}
		e := wantErr(t, err, "parameter_unknown", tc.param)
		if e.Message != "Received unknown parameter: "+tc.param {
			t.Errorf("%s: message %q", tc.name, e.Message)
		}
	}
}

func TestChildErrCoversOnlyItsSubtree(t *testing.T) {
	v := mustDecode(t, jsonDecoder, `{"a":{"x":1},"b":{"y":1}}`)
	a, _ := v.Object("a")
	a.Int("x")
	if err := a.Err(); err != nil {
		t.Errorf("a.Err() = %v", err)
	}
	wantErr(t, v.Err(), "parameter_unknown", "b")
}

func TestHas(t *testing.T) {
	for _, d := range []struct {
		decoder
		body string
	}{
		{jsonDecoder, `{"s":"","z":0,"f":false,"n":null,"o":{},"l":[]}`},
		{formDecoder, `s=&z=0&f=false&o[x]=&l[]=`},
	} {
		v := mustDecode(t, d.decoder, d.body)
		for name, want := range map[string]bool{"s": true, "z": true, "f": true, "o": true, "l": true, "n": false, "missing": false} {
			if got := v.Has(name); got != want {
				t.Errorf("%s: Has(%q) = %v", d.name, name, got)
			}
		}
	}
}

func TestNilValues(t *testing.T) {
	var v *params.Values
	if v.Has("a") || v.Keys() != nil || v.Err() != nil {
		t.Error("nil Values is not empty")
	}
	if _, ok := v.String("a"); ok {
		t.Error("nil Values has a")
	}
}

func TestJSONDecodeErrors(t *testing.T) {
	deep := func(n int) string { // n nested containers, the top level included
		return strings.Repeat(`{"a":`, n-1) + "{}" + strings.Repeat("}", n-1)
	}
	many := func(n int) string {
		return `{"a":[` + strings.TrimSuffix(strings.Repeat("1,", n-1), ",") + `]}`
	}
	for _, tc := range []struct {
		body string
		msg  string // prefix of the message; "" if the body is fine
	}{
		{``, ""},
		{" \n\t", ""},
		{`{}`, ""},
		{deep(8), ""},
		{`{"a":[[[[[[[1]]]]]]]}`, ""},
		{many(10000), ""}, // the array itself plus 9999 numbers
		{deep(9), `Invalid JSON at line 1, column 41 (byte offset 40): nesting too deep (at most 8 levels)`},
		{`{"a":[[[[[[[[1]]]]]]]]}`, `Invalid JSON at line 1, column 13 (byte offset 12): nesting too deep`},
		{many(10001), `Invalid JSON at line 1, column 20005 (byte offset 20004): too many values (at most 10000)`},
		{"{\n  \"a\": 1,\n  \"b\": {\"x\": 1,}\n}", `Invalid JSON at line 3, column 16 (byte offset 27): invalid character '}' looking for beginning of object key string`},
		{"{\n  \"amount\": 5000,\n  \"x\":{\"a\":1,}}", `Invalid JSON at line 3, column 14`},
		{`{"a":1,"b":2,"a":3}`, `Invalid JSON at line 1, column 14 (byte offset 13): duplicate key "a"`},
		{`{"a":{"b":1,"b":1}}`, `Invalid JSON at line 1, column 13 (byte offset 12): duplicate key "b"`},
		{`{"\u0061":1,"a":2}`, `Invalid JSON at line 1, column 13 (byte offset 12): duplicate key "a"`},
		{`{"a":1} x`, `Invalid JSON at line 1, column 9 (byte offset 8): invalid character 'x' after top-level value`},
		{`{}{}`, `Invalid JSON at line 1, column 3 (byte offset 2): invalid character '{' after top-level value`},
		{`{"a":1`, `Invalid JSON at line 1, column 7 (byte offset 6): unexpected end of JSON input`},
		{`{"é":x}`, `Invalid JSON at line 1, column 6 (byte offset 6): invalid character 'x'`},
		{`[]`, `Invalid JSON at line 1, column 1 (byte offset 0): the request body must be a JSON object`},
		{"\n 5", `Invalid JSON at line 2, column 2 (byte offset 2): the request body must be a JSON object`},
		{`null`, `Invalid JSON at line 1, column 1 (byte offset 0): the request body must be a JSON object`},
		{`"x"`, `Invalid JSON at line 1, column 1 (byte offset 0): the request body must be a JSON object`},
		{`{"a":01}`, `Invalid JSON at line 1, column 7 (byte offset 6): invalid character '1' after object key:value pair`},
		{"a=1", `Invalid JSON at line 1, column 1 (byte offset 0): invalid character 'a' looking for beginning of value`},
	} {
		v, err := params.FromJSON([]byte(tc.body))
		if tc.msg == "" {
			if err != nil || v == nil {
				t.Errorf("%.40q: %v", tc.body, err)
			}
			continue
		}
		if v != nil {
			t.Errorf("%.40q: got Values with the error", tc.body)
		}
		e := wantErr(t, err, "invalid_json", "")
		if !strings.HasPrefix(e.Message, tc.msg) {
			t.Errorf("%.40q:\n got %s\nwant %s", tc.body, e.Message, tc.msg)
		}
	}
}

func TestFormEquivalentToJSON(t *testing.T) {
	for _, tc := range []struct{ form, json string }{
		{`a=1&b[c]=2&b[d][]=x&b[d][]=y`, `{"a":"1","b":{"c":"2","d":["x","y"]}}`},
		{`l[1][x]=b&l[0][x]=a&l[0][y][0][z]=c`, `{"l":[{"x":"a","y":[{"z":"c"}]},{"x":"b"}]}`},
		{`0=zero&a[b]=`, `{"0":"zero","a":{"b":""}}`},
		{`k=%E2%82%AC+%26%3D%5B`, `{"k":"€ &=["}`},
		{`&&a=1&`, `{"a":"1"}`},
		{``, `{}`},
		{`a[b][c][d][e][f][g]=1`, `{"a":{"b":{"c":{"d":{"e":{"f":{"g":"1"}}}}}}}`},
	} {
		f := mustDecode(t, formDecoder, tc.form)
		j := mustDecode(t, jsonDecoder, tc.json)
		if got, want := params.Dump(f), params.Dump(j); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %#v, want %#v", tc.form, got, want)
		}
	}
}

func TestFormDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		body  string
		param string
		msg   string // substring of the message
	}{
		{`=x`, "", "empty name"},
		{`[a]=x`, "[a]", "empty name before '['"},
		{`a[b=x`, "a[b", "unbalanced '['"},
		{`a]=x`, "a]", "unbalanced ']'"},
		{`a[b]]=x`, "a[b]]", "unexpected text after ']'"},
		{`a[b]c=x`, "a[b]c", "unexpected text after ']'"},
		{`a[b[c]]=x`, "a[b[c]]", "unbalanced '['"},
		{`a[][b]=x`, "a[][b]", "'[]' may only end a name"},
		{`a[b][c][d][e][f][g][h][i]=1`, "a[b][c][d][e][f][g][h][i]", "nesting too deep"},
		{`a=1&a=2`, "a", "repeated parameter"},
		{`a[b]=1&a[b]=2`, "a[b]", "repeated parameter"},
		{`a=1&a[b]=2`, "a[b]", "conflicts with a plain parameter"},
		{`a[b]=2&a=1`, "a", "conflicts with nested parameters"},
		{`a[0]=1&a[b]=2`, "a[b]", "mixes array indices and object keys"},
		{`a[b]=1&a[0]=2`, "a[0]", "mixes array indices and object keys"},
		{`a[b]=1&a[]=2`, "a[]", "mixes array indices and object keys"},
		{`a[0]=1&a[0]=2`, "a[0]", "repeated parameter"},
		{`a[1]=x&a[]=y`, "a[]", "repeated parameter"},
		{`a[01]=x`, "a[01]", "leading zeros"},
		{`a[1000]=x`, "a[1000]", "out of range"},
		{`a[99999999999999999999999]=x`, "a[99999999999999999999999]", "out of range"},
		{`a%zz=1`, "a%zz", "malformed percent-escape in the name"},
		{`a=%`, "a", "malformed percent-escape in the value"},
		{`a=%ff`, "a", "the value is not valid UTF-8"},
		{`a%ff=1`, "a\uFFFD", "the name is not valid UTF-8"},
		{`a[]=` + strings.Repeat(`&a[]=`, 1000), "a[]", "more than 1000 array elements"},
	} {
		_, err := params.FromForm([]byte(tc.body))
		e := wantErr(t, err, "invalid_form", tc.param)
		if !strings.Contains(e.Message, tc.msg) {
			t.Errorf("%.40q: message %q lacks %q", tc.body, e.Message, tc.msg)
		}
	}
}

// Indices with gaps are numeric object keys (metadata[5]=x is fine); read
// as an array they are an invalid form.
func TestFormIndexGaps(t *testing.T) {
	for _, tc := range []struct {
		body, param, msg string
		read             func(v *params.Values)
	}{
		{`a[1]=x`, "a", "array indices must be 0 to 0 without gaps; 0 is missing", func(v *params.Values) { v.Strings("a") }},
		{`a[0]=x&a[2]=y`, "a", "1 is missing", func(v *params.Values) { v.Strings("a") }},
		{`l[0][x][2]=x&l[0][x][0]=y`, "l[0][x]", "1 is missing", func(v *params.Values) {
			l, _ := v.List("l")
			l[0].List("x")
		}},
	} {
		v, err := params.FromForm([]byte(tc.body))
		if err != nil {
			t.Fatalf("%s: %v", tc.body, err)
		}
		tc.read(v)
		e := wantErr(t, v.Err(), "invalid_form", tc.param)
		if !strings.Contains(e.Message, tc.msg) {
			t.Errorf("%q: message %q lacks %q", tc.body, e.Message, tc.msg)
		}
	}
	// Known limit: numeric and named keys cannot be mixed in one form object.
	v, err := params.FromForm([]byte("metadata[5]=x&metadata[7]=y"))
	if err != nil {
		t.Fatal(err)
	}
	if md, ok := v.StringMap("metadata"); !ok || md["5"] != "x" || md["7"] != "y" || v.Err() != nil {
		t.Fatalf("numeric metadata key: %v %v", md, v.Err())
	}
	v, _ = params.FromForm([]byte("metadata[0]=x&metadata[1]=y"))
	if md, ok := v.StringMap("metadata"); !ok || md["0"] != "x" || md["1"] != "y" || v.Err() != nil {
		t.Fatalf("index metadata keys: %v %v", md, v.Err())
	}
}

func TestFormLimits(t *testing.T) {
	var b strings.Builder
	for i := range 10001 {
		fmt.Fprintf(&b, "k%d=1&", i)
	}
	_, err := params.FromForm([]byte(b.String()))
	if e := wantErr(t, err, "invalid_form", "k10000"); !strings.Contains(e.Message, "too many values") {
		t.Errorf("message %q", e.Message)
	}
	// Exactly 10000 values: 9999 leaves in one array.
	ok := "a[]=" + strings.Repeat("&a[]=", 998)
	for i := 1; i <= 9; i++ {
		ok += "&b" + string(rune('0'+i)) + "[]=" + strings.Repeat("&b"+string(rune('0'+i))+"[]=", 998)
	}
	// 10 arrays of 999 leaves: 10*1000 = 10000 values.
	v, err := params.FromForm([]byte(ok))
	if err != nil {
		t.Fatalf("10000 values rejected: %v", err)
	}
	if l, _ := v.Strings("a"); len(l) != 999 {
		t.Errorf("len(a) = %d", len(l))
	}
	if _, err := params.FromForm([]byte(ok + "&c=1")); err == nil {
		t.Error("10001 values accepted")
	}
}

func BenchmarkFromJSON(b *testing.B) {
	body := []byte(exampleJSON)
	for b.Loop() {
		v, err := params.FromJSON(body)
		if err != nil {
			b.Fatal(err)
		}
		readSession(b, v)
		if v.Err() != nil {
			b.Fatal(v.Err())
		}
	}
}

func BenchmarkFromForm(b *testing.B) {
	body := []byte(exampleForm)
	for b.Loop() {
		v, err := params.FromForm(body)
		if err != nil {
			b.Fatal(err)
		}
		readSession(b, v)
		if v.Err() != nil {
			b.Fatal(v.Err())
		}
	}
}

// TestTextNoStoreCanHold: strings must be text every store can hold, in
// every encoding. Invalid UTF-8 and escaped surrogates without their pair
// are refused by the encoding (JSON used to turn them into U+FFFD), a NUL
// anywhere with parameter_invalid; each error names the parameter in full.
func TestTextNoStoreCanHold(t *testing.T) {
	for _, tc := range []struct {
		body, code, param string
	}{
		{`{"a":"\ud800"}`, "invalid_json", "a"},
		{`{"a":"x\udc00y"}`, "invalid_json", "a"},
		{`{"a":"\ud83d\u0041"}`, "invalid_json", "a"},
		{`{"a":"\ud800\ud800\udc00"}`, "invalid_json", "a"},
		{"{\"a\":\"\xff\"}", "invalid_json", "a"},
		{"{\"a\":\"caf\xc3\"}", "invalid_json", "a"},
		{"{\"a\":\"\xed\xa0\x80\"}", "invalid_json", "a"},
		{`{"metadata":{"k":"\udfff"}}`, "invalid_json", "metadata[k]"},
		{"{\"metadata\":{\"\xff\":\"v\"}}", "invalid_json", "metadata[\uFFFD]"},
		{`{"metadata":{"\ud800":"v"}}`, "invalid_json", "metadata[\uFFFD]"},
		{`{"l":[{"x":1},{"y":["ok","\ud800"]}]}`, "invalid_json", "l[1][y][1]"},
		{"{\"\":\"\xe6\"}", "invalid_json", ""}, // a member named "" (found by FuzzFromJSON)
		{`{"a":"\u0000"}`, "parameter_invalid", "a"},
		{`{"metadata":{"k\u0000":"v"}}`, "parameter_invalid", "metadata[k\x00]"},
		{`{"metadata":{"k":"v\u0000"}}`, "parameter_invalid", "metadata[k]"},
		// The first bad string in the body wins, as the first error does.
		{`{"a":"\u0000","b":"\ud800"}`, "parameter_invalid", "a"},
		{`{"b":"\ud800","a":"\u0000"}`, "invalid_json", "b"},
	} {
		_, err := params.FromJSON([]byte(tc.body))
		wantErr(t, err, tc.code, tc.param)
	}
	// A syntax error anywhere wins over the text rule.
	_, err := params.FromJSON([]byte(`{"a":"\ud800",}`))
	if e := wantErr(t, err, "invalid_json", ""); !strings.HasPrefix(e.Message, "Invalid JSON at line 1") {
		t.Errorf("syntax error: %q", e.Message)
	}
	// Pairs, escaped backslashes and U+FFFD itself are text.
	for _, body := range []string{`{"a":"\ud83d\ude00"}`, `{"a":"\\ud800"}`, `{"a":"\ufffd�"}`, `{"\ud83d\ude00":"x"}`} {
		if _, err := params.FromJSON([]byte(body)); err != nil {
			t.Errorf("%s: %v", body, err)
		}
	}

	for _, tc := range []struct{ body, param string }{
		{`a=%00`, "a"},
		{`a=x%00y`, "a"},
		{`a%00=x`, "a\x00"},
		{`metadata[k%00]=v`, "metadata[k\x00]"},
		{`metadata[k]=v%00`, "metadata[k]"},
		{"a=\x00", "a"},
	} {
		_, err := params.FromForm([]byte(tc.body))
		wantErr(t, err, "parameter_invalid", tc.param)
		q, perr := url.ParseQuery(tc.body)
		if perr != nil {
			continue // a raw NUL is no query url.ParseQuery gives
		}
		_, err = params.FromQuery(q)
		wantErr(t, err, "parameter_invalid", tc.param)
	}
}

// TestStringMapAppend: a form's metadata[]=x names no key, so read as an
// object it is refused, not turned into {"0":"x"}; explicit indices are
// keys, and "[]" still makes lists.
func TestStringMapAppend(t *testing.T) {
	for _, body := range []string{`metadata[]=x`, `metadata[]=x&metadata[]=y`, `metadata[0]=x&metadata[]=y`} {
		v := mustDecode(t, formDecoder, body)
		if m, ok := v.StringMap("metadata"); ok || m != nil {
			t.Errorf("%s: StringMap = %v, %v", body, m, ok)
		}
		wantErr(t, v.Err(), "parameter_invalid_object", "metadata")
	}
	v := mustDecode(t, formDecoder, `metadata[0]=x&metadata[1]=y&l[]=a&l[]=b`)
	m, ok := v.StringMap("metadata")
	l, lok := v.Strings("l")
	if !ok || !reflect.DeepEqual(m, map[string]string{"0": "x", "1": "y"}) || !lok || !reflect.DeepEqual(l, []string{"a", "b"}) || v.Err() != nil {
		t.Errorf("metadata %v %v, l %v %v, %v", m, ok, l, lok, v.Err())
	}
}
