package params_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/http/params"
)

// FuzzFromJSON checks FromJSON against encoding/json: what it accepts,
// encoding/json decodes (UseNumber) to the same tree; what it rejects is
// invalid JSON or breaks one of its own rules. Reading every key with the
// accessor its type calls for then leaves Err nil, or the one type error the
// walk expects (numbers that are not integers, lists of non-objects).
func FuzzFromJSON(f *testing.F) {
	for _, s := range []string{
		exampleJSON, `{"created":{"gte":1700000000},"limit":10}`, ``, `{}`, ` {"a":null} `,
		`{"a":1,"a":2}`, `{"a":[1,"x",{"b":true}],"c":1.5e3}`, `{"metadata":{"k":"v","n":1}}`,
		`{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{}}}}}}}}}`, `[]`, `{"a":1} x`, "{\"\xff\":\"\\ud800\"}",
		`{"l":[{"a":1},{"b":[]}],"s":["x","y"],"e":[]}`, `{"":""}`, `{"a[b]":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := params.FromJSON(body)

		var ref any
		refErr := errors.New("invalid JSON")
		if len(bytes.TrimLeft(body, " \t\r\n")) == 0 {
			ref, refErr = map[string]any{}, nil
		} else if json.Valid(body) {
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			refErr = dec.Decode(&ref)
		}

		if err != nil {
			if v != nil {
				t.Fatal("FromJSON returned Values and an error")
			}
			if e, ok := err.(*checkout.Error); ok && (e.Code == "parameter_invalid" || strings.HasPrefix(e.Message, "Invalid JSON: the string at ")) {
				// The text rule: syntax errors win over it, and the body
				// must hold what it refuses. (Its param is the name of
				// the string, which may be "".)
				if refErr != nil {
					t.Fatalf("invalid JSON refused for its text: %#v", e)
				}
				switch e.Code {
				case "invalid_json":
					if utf8.Valid(body) && !surrogateEscape.Match(body) {
						t.Fatalf("valid text refused: %#v", e)
					}
				case "parameter_invalid":
					if !hasNUL(ref) {
						t.Fatalf("text without NUL refused: %#v", e)
					}
				default:
					t.Fatalf("bad error %#v", e)
				}
				return
			}
			e := checkError(t, err, "invalid_json")
			if e.Param != "" || !strings.HasPrefix(e.Message, "Invalid JSON at line ") {
				t.Fatalf("bad error %#v", e)
			}
			if refErr != nil {
				return
			}
			// Valid JSON: one of our own rules must be broken.
			_, isObject := ref.(map[string]any)
			depth, count := measure(ref)
			switch {
			case strings.Contains(e.Message, "must be a JSON object"):
				if isObject {
					t.Fatalf("object rejected as not an object: %s", e.Message)
				}
			case strings.Contains(e.Message, "nesting too deep"):
				if depth <= 8 {
					t.Fatalf("depth %d rejected: %s", depth, e.Message)
				}
			case strings.Contains(e.Message, "too many values"):
				if count <= 10000 {
					t.Fatalf("%d values rejected: %s", count, e.Message)
				}
			case strings.Contains(e.Message, "duplicate key"):
				// encoding/json keeps the last; nothing to compare.
			default:
				t.Fatalf("valid JSON rejected: %s", e.Message)
			}
			return
		}
		if refErr != nil {
			t.Fatalf("invalid JSON accepted: %v", refErr)
		}
		if !utf8.Valid(body) || hasNUL(ref) {
			t.Fatalf("invalid UTF-8 or a NUL accepted: %q", body)
		}
		if depth, count := measure(ref); depth > 8 || count > 10000 {
			t.Fatalf("accepted depth %d, %d values", depth, count)
		}
		if got := params.Dump(v); !reflect.DeepEqual(got, ref) {
			t.Fatalf("tree differs from encoding/json:\n got %#v\nwant %#v", got, ref)
		}
		checkWalk(t, v, ref.(map[string]any))
	})
}

// surrogateEscape matches what may be the \u escape of a surrogate.
var surrogateEscape = regexp.MustCompile(`\\u[dD][89a-fA-F]`)

// hasNUL reports whether a decoded JSON tree holds a NUL in a key or a string.
func hasNUL(x any) bool {
	switch x := x.(type) {
	case string:
		return strings.IndexByte(x, 0) >= 0
	case map[string]any:
		for k, c := range x {
			if hasNUL(k) || hasNUL(c) {
				return true
			}
		}
	case []any:
		for _, c := range x {
			if hasNUL(c) {
				return true
			}
		}
	}
	return false
}

// FuzzFromForm checks that whatever FromForm accepts survives being written
// back in bracket notation (explicit indices, pairs reversed) and decoded by
// FromForm and by FromQuery, decodes alike from the JSON spelling of its
// tree, and can be read entirely with the accessors leaving Err nil.
func FuzzFromForm(f *testing.F) {
	for _, s := range []string{
		exampleForm, exampleQuery, ``, `a`, `=`, `&&a=1&`, `a[]=x&a[]=y`, `a[1]=y&a[0]=x`, `a=1&a=2`,
		`a=1&a[b]=2`, `a[0]=1&a[2]=3`, `a[b`, `a]`, `a[b]c=1`, `a[][b]=1`, `a[01]=1`, `a[1000]=1`,
		`a[b][c][d][e][f][g][h]=1`, `a[b][c][d][e][f][g][h][i]=1`, `%5B%5D=1`, `a=%zz`, `a=%ff`, `a=1;b=2`,
		`0[0]=x&0[1]=y`, `metadata[k]=&metadata[k2]=v`, `l[0][x][]=a&l[1][x][]=b&l[0][y]=c`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		v, err := params.FromForm([]byte(body))
		if err != nil {
			if v != nil {
				t.Fatal("FromForm returned Values and an error")
			}
			if e, ok := err.(*checkout.Error); ok && e.Code == "parameter_invalid" {
				if !strings.Contains(body, "%00") && strings.IndexByte(body, 0) < 0 {
					t.Fatalf("refused for a NUL it does not hold: %#v", e)
				}
				return
			}
			checkError(t, err, "invalid_form")
			return
		}
		tree := params.Dump(v).(map[string]any)

		var pairs []string
		encodeForm(&pairs, "", tree)
		for i, j := 0, len(pairs)-1; i < j; i, j = i+1, j-1 {
			pairs[i], pairs[j] = pairs[j], pairs[i]
		}
		again := strings.Join(pairs, "&")
		v2, err := params.FromForm([]byte(again))
		if err != nil {
			t.Fatalf("re-encoded form %q rejected: %v", again, err)
		}
		if got := params.Dump(v2); !reflect.DeepEqual(got, any(tree)) {
			t.Fatalf("re-encoded form %q decodes differently:\n got %#v\nwant %#v", again, got, tree)
		}
		q, err := url.ParseQuery(again)
		if err != nil {
			t.Fatalf("url.ParseQuery(%q): %v", again, err)
		}
		v3, err := params.FromQuery(q)
		if err != nil {
			t.Fatalf("FromQuery(%q): %v", again, err)
		}
		if got := params.Dump(v3); !reflect.DeepEqual(got, any(tree)) {
			t.Fatalf("query %q decodes differently:\n got %#v\nwant %#v", again, got, tree)
		}
		js, err := json.Marshal(tree)
		if err != nil {
			t.Fatal(err)
		}
		v4, err := params.FromJSON(js)
		if err != nil {
			t.Fatalf("JSON spelling %s rejected: %v", js, err)
		}
		if got := params.Dump(v4); !reflect.DeepEqual(got, any(tree)) {
			t.Fatalf("JSON spelling %s decodes differently:\n got %#v\nwant %#v", js, got, tree)
		}
		checkWalk(t, v, tree)
	})
}

// checkError checks that err is an invalid *checkout.Error with code.
func checkError(t *testing.T, err error, code string) *checkout.Error {
	t.Helper()
	var e *checkout.Error
	if !errors.As(err, &e) || e.Kind != checkout.KindInvalid || e.Code != code {
		t.Fatalf("got %#v, want an invalid %s", err, code)
	}
	return e
}

// measure returns the nesting depth (the top level being 1) and the number
// of values below the top level of a decoded JSON tree.
func measure(x any) (depth, count int) {
	var children []any
	switch x := x.(type) {
	case map[string]any:
		for _, c := range x {
			children = append(children, c)
		}
	case []any:
		children = x
	default:
		return 0, 0
	}
	for _, c := range children {
		d, n := measure(c)
		depth = max(depth, d)
		count += n + 1
	}
	return depth + 1, count
}

// encodeForm appends the pairs of tree in bracket notation, with explicit
// indices.
func encodeForm(pairs *[]string, name string, x any) {
	switch x := x.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			full := k
			if name != "" {
				full = name + "[" + k + "]"
			}
			encodeForm(pairs, full, x[k])
		}
	case []any:
		for i, c := range x {
			encodeForm(pairs, name+"["+strconv.Itoa(i)+"]", c)
		}
	case string:
		*pairs = append(*pairs, url.QueryEscape(name)+"="+url.QueryEscape(x))
	default:
		panic("form trees hold strings only")
	}
}

// checkWalk reads every key of v, found with Keys, with the accessor that
// the type of its value in ref calls for, compares the results with ref and
// checks Err: nil, or the first type error the walk had to provoke.
func checkWalk(t *testing.T, v *params.Values, ref map[string]any) {
	t.Helper()
	var want struct{ code, param string }
	expect := func(code, param string) {
		if want.code == "" {
			want.code, want.param = code, param
		}
	}
	var walk func(v *params.Values, name string, ref map[string]any)
	walk = func(v *params.Values, name string, ref map[string]any) {
		keys := v.Keys()
		refKeys := make([]string, 0, len(ref))
		for k := range ref {
			refKeys = append(refKeys, k)
		}
		sort.Strings(refKeys)
		if !reflect.DeepEqual(keys, refKeys) && !(len(keys) == 0 && len(refKeys) == 0) {
			t.Fatalf("%s: Keys() = %q, want %q", name, keys, refKeys)
		}
		for _, k := range keys {
			full := k
			if name != "" {
				full = name + "[" + k + "]"
			}
			val := ref[k]
			if v.Has(k) != (val != nil) {
				t.Fatalf("Has(%q) = %v for %#v", full, v.Has(k), val)
			}
			switch val := val.(type) {
			case nil:
				if s, ok := v.String(k); ok || s != "" {
					t.Fatalf("%s: String of null = %q, %v", full, s, ok)
				}
			case string:
				if s, ok := v.String(k); !ok || s != val {
					t.Fatalf("%s: String = %q, %v; want %q", full, s, ok, val)
				}
			case bool:
				if b, ok := v.Bool(k); !ok || b != val {
					t.Fatalf("%s: Bool = %v, %v; want %v", full, b, ok, val)
				}
			case json.Number:
				i, err := strconv.ParseInt(string(val), 10, 64)
				got, ok := v.Int(k)
				if err != nil {
					if ok || got != 0 {
						t.Fatalf("%s: Int(%s) = %d, true", full, val, got)
					}
					expect("parameter_invalid_integer", full)
				} else if !ok || got != i {
					t.Fatalf("%s: Int(%s) = %d, %v", full, val, got, ok)
				}
			case map[string]any:
				if m, all := stringsOf(val); all && len(k)%2 == 0 {
					got, ok := v.StringMap(k)
					if !ok || !reflect.DeepEqual(got, m) {
						t.Fatalf("%s: StringMap = %q, %v; want %q", full, got, ok, m)
					}
					continue
				}
				o, ok := v.Object(k)
				if !ok {
					t.Fatalf("%s: Object failed", full)
				}
				walk(o, full, val)
			case []any:
				if l, all := stringsOf(val); all && len(k)%2 == 0 {
					got, ok := v.Strings(k)
					if !ok || !reflect.DeepEqual(got, l) {
						t.Fatalf("%s: Strings = %q, %v; want %q", full, got, ok, l)
					}
					continue
				}
				list, ok := v.List(k)
				bad := -1
				for i, e := range val {
					if _, isObject := e.(map[string]any); !isObject {
						bad = i
						break
					}
				}
				if bad >= 0 {
					if ok || list != nil {
						t.Fatalf("%s: List of non-objects succeeded", full)
					}
					expect("parameter_invalid_object", full+"["+strconv.Itoa(bad)+"]")
					continue
				}
				if !ok || len(list) != len(val) {
					t.Fatalf("%s: List = %d elements, %v; want %d", full, len(list), ok, len(val))
				}
				for i, e := range list {
					walk(e, full+"["+strconv.Itoa(i)+"]", val[i].(map[string]any))
				}
			default:
				t.Fatalf("%s: unexpected %T", full, val)
			}
		}
	}
	walk(v, "", ref)
	err := v.Err()
	if want.code == "" {
		if err != nil {
			t.Fatalf("Err() = %v after reading everything", err)
		}
		return
	}
	e := checkError(t, err, want.code)
	if e.Param != want.param {
		t.Fatalf("Err() = %#v, want %s for %q", e, want.code, want.param)
	}
}

// stringsOf returns the strings of a map or slice of strings, and whether
// all its values were strings.
func stringsOf(x any) (any, bool) {
	switch x := x.(type) {
	case map[string]any:
		m := make(map[string]string, len(x))
		for k, c := range x {
			s, ok := c.(string)
			if !ok {
				return nil, false
			}
			m[k] = s
		}
		return m, true
	case []any:
		l := make([]string, len(x))
		for i, c := range x {
			s, ok := c.(string)
			if !ok {
				return nil, false
			}
			l[i] = s
		}
		return l, true
	}
	return nil, false
}
