package params

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/checkoutd/checkoutd/checkout"
)

// fromJSONRef is FromJSON as it was before its hand-written scanner: built
// on json.Decoder.Token. FuzzFromJSONAgainstRef holds the two together.
// It decodes a JSON request body, which must be an object. An empty
// (or all-whitespace) body is an empty object. Duplicate keys, nesting deeper
// than 8, more than 10 000 values and data after the object are rejected
// with code invalid_json; syntax errors say where they are.
func fromJSONRef(body []byte) (*Values, error) {
	if len(bytes.TrimLeft(body, " \t\r\n")) == 0 {
		return newValues(&node{kind: kindObject, keys: map[string]*node{}}, false), nil
	}
	// Check the syntax in one pass first: its errors carry consistent
	// offsets, trailing data included, which the token stream does not.
	if !json.Valid(body) {
		return nil, syntaxError(body)
	}
	d := &refDecoder{dec: json.NewDecoder(bytes.NewReader(body)), body: body}
	d.dec.UseNumber()
	at := d.next()
	tok, err := d.dec.Token()
	if err != nil {
		return nil, d.errorf("%v", err)
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '{' {
		return nil, d.errorAt(at, "the request body must be a JSON object")
	}
	root, err := d.object(1, "")
	if err != nil {
		return nil, err
	}
	return newValues(root, false), nil
}

type refDecoder struct {
	dec   *json.Decoder
	body  []byte
	count int
}

// errorf returns an invalid_json error at the decoder's current position.
func (d *refDecoder) errorf(format string, args ...any) *checkout.Error {
	return d.errorAt(int(d.dec.InputOffset()), format, args...)
}

func (d *refDecoder) errorAt(off int, format string, args ...any) *checkout.Error {
	return jsonErrorAt(d.body, off, fmt.Sprintf(format, args...))
}

// text applies FromJSON's rule to the string s, called name, whose literal
// starts at at and has just been read: its bytes must be valid UTF-8, every
// escaped surrogate must be half of a pair, and s must hold no NUL.
// encoding/json replaces the first two with U+FFFD, so they are looked for
// in the literal itself.
func (d *refDecoder) text(at int, s, name string) error {
	lit := d.body[at:d.dec.InputOffset()]
	if !utf8.Valid(lit) {
		return badJSONText(name)
	}
	surrogate := func(i int) rune { // the \uXXXX at lit[i:], if it is a surrogate
		if i+6 > len(lit) || lit[i] != '\\' || lit[i+1] != 'u' {
			return 0
		}
		r, err := strconv.ParseUint(string(lit[i+2:i+6]), 16, 32)
		if err != nil || r < 0xd800 || r > 0xdfff {
			return 0
		}
		return rune(r)
	}
	for i := 1; i < len(lit)-1; i++ {
		if lit[i] != '\\' {
			continue
		}
		r := surrogate(i)
		switch {
		case r == 0:
			i++ // skip the escaped character (in \\u00e9 the u is no escape)
		case r < 0xdc00 && surrogate(i+6) >= 0xdc00:
			i += 11 // a pair
		default:
			return badJSONText(name)
		}
	}
	if strings.IndexByte(s, 0) >= 0 {
		return nulError(name)
	}
	return nil
}

// next returns the offset where the next token starts: the decoder's offset
// is after the previous token, before any separator.
func (d *refDecoder) next() int {
	off := int(d.dec.InputOffset())
	for off < len(d.body) && strings.IndexByte(" \t\r\n,:", d.body[off]) >= 0 {
		off++
	}
	return off
}

// object reads the members of an object whose '{' was just read, at the
// given depth; name is its full bracket name.
func (d *refDecoder) object(depth int, name string) (*node, error) {
	n := &node{kind: kindObject, keys: map[string]*node{}}
	for d.dec.More() {
		at := d.next()
		tok, err := d.dec.Token()
		if err != nil {
			return nil, d.errorf("%v", err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, d.errorAt(at, "expected an object key")
		}
		if err := d.text(at, key, join(name, key)); err != nil {
			return nil, err
		}
		if _, dup := n.keys[key]; dup {
			return nil, d.errorAt(at, "duplicate key %s", quoteKey(key))
		}
		v, err := d.value(depth, join(name, key))
		if err != nil {
			return nil, err
		}
		n.keys[key] = v
	}
	return n, d.end('}')
}

func (d *refDecoder) array(depth int, name string) (*node, error) {
	n := &node{kind: kindArray, elems: []*node{}}
	for d.dec.More() {
		v, err := d.value(depth, index(name, len(n.elems)))
		if err != nil {
			return nil, err
		}
		n.elems = append(n.elems, v)
	}
	return n, d.end(']')
}

func (d *refDecoder) end(want json.Delim) error {
	tok, err := d.dec.Token()
	if err != nil {
		return d.errorf("%v", err)
	}
	if tok != want {
		return d.errorf("expected %q", want)
	}
	return nil
}

// value reads one value, called name, inside a container at depth.
func (d *refDecoder) value(depth int, name string) (*node, error) {
	at := d.next()
	if d.count++; d.count > maxValues {
		return nil, d.errorAt(at, "too many values (at most %d)", maxValues)
	}
	tok, err := d.dec.Token()
	if err != nil {
		return nil, d.errorf("%v", err)
	}
	switch t := tok.(type) {
	case json.Delim:
		if depth+1 > maxDepth {
			return nil, d.errorAt(at, "nesting too deep (at most %d levels)", maxDepth)
		}
		switch t {
		case '{':
			return d.object(depth+1, name)
		case '[':
			return d.array(depth+1, name)
		}
		return nil, d.errorf("unexpected %q", t)
	case string:
		if err := d.text(at, t, name); err != nil {
			return nil, err
		}
		return &node{kind: kindString, s: t}, nil
	case json.Number:
		return &node{kind: kindNumber, s: string(t)}, nil
	case bool:
		return &node{kind: kindBool, b: t}, nil
	case nil:
		return &node{kind: kindNull}, nil
	}
	return nil, d.errorf("unexpected token")
}

// jsonSeeds are bodies for the comparisons with fromJSONRef: the awkward
// parts of JSON, valid and not.
var jsonSeeds = []string{
	``, ` `, `{}`, ` {"a":null} `, `{"a":1,"a":2}`, `{"a":[1,"x",{"b":true}],"c":1.5e3}`,
	`{"amount":5000,"currency":"GHS","success_url":"https://shop.example.com/success?session_id={CHECKOUT_SESSION_ID}","cancel_url":"https://shop.example.com/cart","metadata":{"order_id":"1234"}}`,
	`{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{}}}}}}}}}`, `{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":1}}}}}}}}}`,
	`[]`, `null`, `"x"`, `5`, "\n 5", `{"a":1} x`, `{}{}`, `{"a":1`, `{"a":01}`, "a=1", `{"a":1,}`, `{,}`, `{"a" 1}`,
	"{\"\xff\":\"\\ud800\"}", `{"a":"\ud83d\ude00\ud83d\u0041\udc00\ud800\\u"}`, `{"a":"\u00e9\u20AC\/\b\f\n\r\t\"\\"}`,
	`{"a":"\u12"}`, `{"a":"\x"}`, "{\"a\":\"\x01\"}", "{\"a\":\"é€😀\xed\xa0\x80\xc3\"}", `{"\u0061":1,"a":2}`,
	`{"n":[-0,0,-1,1.0,1e5,1E+5,1e-5,-1.25e-10,12345678901234567890123]}`, `{"n":-}`, `{"n":1.}`, `{"n":1e}`,
	`{"n":.5}`, `{"n":+1}`, `{"n":1.5e+}`, `{"t":true,"f":false,"z":null}`, `{"t":tru}`, `{"t":nul}`, `{"t":True}`,
	`{"l":[{"a":1},{"b":[]}],"s":["x","y"],"e":[]}`, `{"":""}`, `{"a[b]":1}`, "{\"a\":1}\n\t\r ", "\ufeff{}",
	`{"a":[1,2,3,]}`, `{"a":[,1]}`, `{"a":[1 2]}`, `{"a":{"b":1,"b":2}, x}`, `{"a":"b"`, `{"a":"b`, `{"a`,
	`{"a":[[[[[[[[1]]]]]]]]}`, `{"a":[[[[[[[1]]]]]]]}`, "{\"a\":\"\u2028\"}", `{"a":1 , "b" : [ 1 , 2 ] }`,
}

func checkAgainstRef(t *testing.T, body []byte) {
	t.Helper()
	got, err := FromJSON(body)
	want, wantErr := fromJSONRef(body)
	if !reflect.DeepEqual(err, wantErr) {
		t.Fatalf("%q:\nerror %v\n want %v", body, err, wantErr)
	}
	if (got == nil) != (want == nil) {
		t.Fatalf("%q: Values %v, want %v", body, got, want)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: tree differs:\n got %#v\nwant %#v", body, dump(got.n), dump(want.n))
	}
}

// TestFromJSONAgainstRef compares FromJSON with fromJSONRef on the seeds and
// on random mutations of them.
func TestFromJSONAgainstRef(t *testing.T) {
	const alphabet = "{}[]\":,\\u/0123456789abcdefABCDEFnrtlsE.-+ \t\n\x01\x7f\xff\xed\xa0\x80\xc3"
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range jsonSeeds {
		checkAgainstRef(t, []byte(s))
		for range 300 {
			b := []byte(s)
			for range 1 + r.IntN(3) {
				c := alphabet[r.IntN(len(alphabet))]
				switch i := r.IntN(len(b) + 1); {
				case r.IntN(3) == 0 || i == len(b):
					b = slices.Insert(b, i, c)
				case r.IntN(2) == 0:
					b = slices.Delete(b, i, i+1)
				default:
					b[i] = c
				}
			}
			checkAgainstRef(t, b)
		}
	}
	// The limits, with what breaks them placed before and after a syntax error.
	many := `{"a":[` + strings.TrimSuffix(strings.Repeat("1,", 10001), ",") + `]}`
	for _, s := range []string{many, many + "x", `{"a":1,"a":2,` + many[1:], strings.Repeat("[", 10001)} {
		checkAgainstRef(t, []byte(s))
	}
}

// FuzzFromJSONAgainstRef holds FromJSON to what fromJSONRef, built on
// encoding/json's tokenizer, returns: the same tree, or the same error.
func FuzzFromJSONAgainstRef(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkAgainstRef(t, body) })
}

// BenchmarkFromJSONCreate decodes the load test's create body, with
// FromJSON and with the Token-based fromJSONRef it replaced.
func BenchmarkFromJSONCreate(b *testing.B) {
	body := []byte(`{"amount":5000,"currency":"GHS","success_url":"https://shop.example.com/success?session_id={CHECKOUT_SESSION_ID}","cancel_url":"https://shop.example.com/cart","metadata":{"order_id":"o-1-42"}}`)
	for _, bc := range []struct {
		name string
		f    func([]byte) (*Values, error)
	}{{"scanner", FromJSON}, {"ref", fromJSONRef}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.f(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
