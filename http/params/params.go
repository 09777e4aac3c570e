// Package params decodes the parameters of merchant API requests.
//
// The API accepts the same parameters three ways: as a JSON object body, as
// an application/x-www-form-urlencoded body in Stripe's bracket notation
// (what Stripe SDKs send), and, for GET lists, as a query string in the same
// notation. All three decode to one tree, a *Values, which handlers read with
// typed accessors. The accessors remember which parameters were asked for, so
// that Err can reject a request that carries a parameter nobody understood
// (a typo such as "amout" must not be silently ignored).
//
// Typing is strict for JSON (5000 is an integer, "5000" is a string) and
// textual for forms and queries, whose leaves are all strings that the
// accessors parse.
//
// Limits, the same for every encoding: nesting depth at most 8 counting the
// top-level object as 1 (so a form key has at most 7 bracket segments), at
// most 10 000 values below the top-level object, array indices below 1000.
//
// A Values is not safe for concurrent use.
package params

import (
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/checkoutd/checkoutd/checkout"
)

// Limits shared by every encoding.
const (
	maxDepth  = 8     // nested containers, the top-level object being 1
	maxValues = 10000 // values below the top-level object
	maxIndex  = 1000  // array indices in forms are < maxIndex
)

// Error codes recorded by the accessors and the decoders.
const (
	codeInteger   = "parameter_invalid_integer"
	codeString    = "parameter_invalid_string"
	codeBoolean   = "parameter_invalid_boolean"
	codeTimestamp = "parameter_invalid_timestamp"
	codeObject    = "parameter_invalid_object"
	codeArray     = "parameter_invalid_array"
	codeUnknown   = "parameter_unknown"
	codeJSON      = "invalid_json"
	codeForm      = "invalid_form"
)

type kind uint8

const (
	kindNull kind = iota
	kindString
	kindNumber // JSON only; s holds the literal
	kindBool
	kindObject
	kindArray
)

// Use states of a node. They only grow.
const (
	unused = iota
	opened // asked for as Object or List: its members are checked one by one
	whole  // asked for as a value: its contents count as used
)

type node struct {
	kind  kind
	s     string           // kindString: the value; kindNumber: the literal
	b     bool             // kindBool
	keys  map[string]*node // kindObject
	elems []*node          // kindArray
	idx   map[int]*node    // kindArray while a form is being built
	state uint8
	// gapped marks a form object whose keys are all indices but for the
	// missing index gap; read as an array it is an error.
	gapped bool
	gap    int
	// appended marks a form array built with "[]", which has no keys to
	// read it as an object by.
	appended bool
}

// tracker is shared by a Values and all its children.
type tracker struct {
	root *node
	form bool // leaves are strings to be parsed (form, query)
	err  *checkout.Error
}

// Values is a decoded parameter tree. Accessors mark names as used; Err reports
// the first type error, or else the first (sorted) parameter nobody asked for.
type Values struct {
	n    *node  // always an object
	name string // full bracket name of this object, "" for the top level
	t    *tracker
}

func newValues(root *node, form bool) *Values {
	root.state = opened
	return &Values{n: root, t: &tracker{root: root, form: form}}
}

// nulError refuses a parameter that holds a NUL character, in its name or
// its value, in any encoding: no store can keep one in text (PostgreSQL
// refuses it outright), and nothing a merchant sends needs one.
func nulError(param string) *checkout.Error {
	return checkout.Invalid(param, "parameter_invalid", "%s contains a NUL character, which no parameter may hold", quoteKey(param))
}

// join returns the full bracket name of member key of the object named name.
func join(name, key string) string {
	if name == "" {
		return key
	}
	return name + "[" + key + "]"
}

func index(name string, i int) string {
	return name + "[" + strconv.Itoa(i) + "]"
}

// get returns the member called name, marking it with state, or nil when it
// is absent or JSON null (a null is marked too: it was asked for).
func (v *Values) get(name string, state uint8) *node {
	if v == nil || v.n == nil {
		return nil
	}
	n := v.n.keys[name]
	if n == nil {
		return nil
	}
	if n.state < state {
		n.state = state
	}
	if n.kind == kindNull {
		return nil
	}
	return n
}

// fail records a type error for the member n called param (the first one
// wins) and marks n whole, so its contents are not reported as unknown too.
func (v *Values) fail(n *node, param, code, format string, args ...any) {
	n.state = whole
	if v.t.err == nil {
		v.t.err = checkout.Invalid(param, code, format, args...)
	}
}

// Has reports whether name is present and not JSON null. It does not mark
// name as used.
func (v *Values) Has(name string) bool {
	if v == nil || v.n == nil {
		return false
	}
	n := v.n.keys[name]
	return n != nil && n.kind != kindNull
}

// String returns a string parameter. JSON values must be strings.
func (v *Values) String(name string) (string, bool) {
	n := v.get(name, whole)
	if n == nil {
		return "", false
	}
	if n.kind != kindString {
		v.fail(n, join(v.name, name), codeString, "Invalid string: %s", describe(n))
		return "", false
	}
	return n.s, true
}

// Int returns an integer parameter: a JSON number without fraction or
// exponent, or in a form an optional '-' and ASCII digits; it must fit int64.
func (v *Values) Int(name string) (int64, bool) {
	n := v.get(name, whole)
	if n == nil {
		return 0, false
	}
	if i, ok := v.intOf(n); ok {
		return i, true
	}
	v.fail(n, join(v.name, name), codeInteger, "Invalid integer: %s", describe(n))
	return 0, false
}

func (v *Values) intOf(n *node) (int64, bool) {
	switch {
	case n.kind == kindNumber, n.kind == kindString && v.t.form:
		return parseInt(n.s)
	}
	return 0, false
}

// parseInt accepts an optional '-' followed by ASCII digits that fit int64.
// That is also the integer subset of JSON number literals, once leading
// zeros (which the JSON scanner already rejects) are allowed.
func parseInt(s string) (int64, bool) {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	i, err := strconv.ParseInt(s, 10, 64)
	return i, err == nil
}

// Decimal returns a decimal number parameter as its text ("33.33"), for
// the caller to parse exactly, so no such value passes through a float: a
// JSON number's literal as sent, or in a form the string.
func (v *Values) Decimal(name string) (string, bool) {
	n := v.get(name, whole)
	if n == nil {
		return "", false
	}
	if n.kind == kindNumber || n.kind == kindString && v.t.form {
		return n.s, true
	}
	v.fail(n, join(v.name, name), "parameter_invalid", "Invalid number: %s", describe(n))
	return "", false
}

// Bool returns a boolean parameter: JSON true or false, or in a form the
// strings "true" and "false".
func (v *Values) Bool(name string) (bool, bool) {
	n := v.get(name, whole)
	if n == nil {
		return false, false
	}
	switch {
	case n.kind == kindBool:
		return n.b, true
	case n.kind == kindString && v.t.form && n.s == "true":
		return true, true
	case n.kind == kindString && v.t.form && n.s == "false":
		return false, true
	}
	v.fail(n, join(v.name, name), codeBoolean, "Invalid boolean: %s; use true or false", describe(n))
	return false, false
}

// Timestamps outside years 1 to 9999 are rejected: they cannot be written
// back as RFC 3339 and are never meant.
const (
	minUnix = -62135596800 // 0001-01-01T00:00:00Z
	maxUnix = 253402300799 // 9999-12-31T23:59:59Z
)

// Time returns a time parameter in UTC: unix seconds (a JSON integer, or a
// string of ASCII digits) or an RFC 3339 string.
func (v *Values) Time(name string) (time.Time, bool) {
	n := v.get(name, whole)
	if n == nil {
		return time.Time{}, false
	}
	if t, ok := timeOf(n); ok {
		return t, true
	}
	v.fail(n, join(v.name, name), codeTimestamp,
		"Invalid timestamp: %s; use unix seconds or an RFC 3339 time", describe(n))
	return time.Time{}, false
}

func timeOf(n *node) (time.Time, bool) {
	var secs int64
	switch n.kind {
	case kindNumber:
		i, ok := parseInt(n.s)
		if !ok {
			return time.Time{}, false
		}
		secs = i
	case kindString:
		if n.s == "" || strings.Trim(n.s, "0123456789") != "" {
			t, err := time.Parse(time.RFC3339, n.s)
			if err != nil {
				return time.Time{}, false
			}
			return t.UTC(), true
		}
		i, err := strconv.ParseInt(n.s, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		secs = i
	default:
		return time.Time{}, false
	}
	if secs < minUnix || secs > maxUnix {
		return time.Time{}, false
	}
	return time.Unix(secs, 0).UTC(), true
}

// Strings returns an array of strings. An empty JSON array gives an empty,
// non-nil slice.
func (v *Values) Strings(name string) ([]string, bool) {
	n := v.get(name, whole)
	if n == nil {
		return nil, false
	}
	full := join(v.name, name)
	if n.gapped {
		v.fail(n, full, codeForm, "Invalid form parameter %s: array indices must be 0 to %d without gaps; %d is missing", quoteKey(full), len(n.keys)-1, n.gap)
		return nil, false
	}
	if n.kind != kindArray {
		v.fail(n, full, codeArray, "Invalid array: %s", describe(n))
		return nil, false
	}
	out := make([]string, len(n.elems))
	for i, e := range n.elems {
		if e.kind != kindString {
			v.fail(n, index(full, i), codeString, "Invalid string: %s", describe(e))
			return nil, false
		}
		out[i] = e.s
	}
	return out, true
}

// StringMap returns an object of string values, such as metadata. Empty
// strings are kept: Stripe uses them to unset a key.
func (v *Values) StringMap(name string) (map[string]string, bool) {
	n := v.get(name, whole)
	if n == nil {
		return nil, false
	}
	full := join(v.name, name)
	if n.kind == kindArray && v.t.form && !n.appended {
		// metadata[0]=x&metadata[1]=y: in a form, indices are keys too;
		// metadata[]=x names no key, and is refused below as an array.
		out := make(map[string]string, len(n.elems))
		for i, e := range n.elems {
			if e.kind != kindString {
				v.fail(n, index(full, i), codeString, "Invalid string: %s", describe(e))
				return nil, false
			}
			out[strconv.Itoa(i)] = e.s
		}
		return out, true
	}
	if n.kind != kindObject {
		v.fail(n, full, codeObject, "Invalid object: %s", describe(n))
		return nil, false
	}
	out := make(map[string]string, len(n.keys))
	for _, k := range sortedKeys(n.keys) {
		e := n.keys[k]
		if e.kind != kindString {
			v.fail(n, join(full, k), codeString, "Invalid string: %s", describe(e))
			return nil, false
		}
		out[k] = e.s
	}
	return out, true
}

// Object returns a nested object. Errors about its members name them in
// full, e.g. "line_items[0][price_data][unit_amount]".
func (v *Values) Object(name string) (*Values, bool) {
	n := v.get(name, opened)
	if n == nil {
		return nil, false
	}
	full := join(v.name, name)
	if n.kind != kindObject {
		v.fail(n, full, codeObject, "Invalid object: %s", describe(n))
		return nil, false
	}
	return &Values{n: n, name: full, t: v.t}, true
}

// List returns an array of objects, each a child Values named name[i].
func (v *Values) List(name string) ([]*Values, bool) {
	n := v.get(name, opened)
	if n == nil {
		return nil, false
	}
	full := join(v.name, name)
	if n.gapped {
		v.fail(n, full, codeForm, "Invalid form parameter %s: array indices must be 0 to %d without gaps; %d is missing", quoteKey(full), len(n.keys)-1, n.gap)
		return nil, false
	}
	if n.kind != kindArray {
		v.fail(n, full, codeArray, "Invalid array: %s", describe(n))
		return nil, false
	}
	for i, e := range n.elems {
		if e.kind != kindObject {
			v.fail(n, index(full, i), codeObject, "Invalid object: %s", describe(e))
			return nil, false
		}
	}
	out := make([]*Values, len(n.elems))
	for i, e := range n.elems {
		if e.state < opened {
			e.state = opened
		}
		out[i] = &Values{n: e, name: index(full, i), t: v.t}
	}
	return out, true
}

// Keys returns the sorted names present at this level, JSON nulls included.
func (v *Values) Keys() []string {
	if v == nil || v.n == nil {
		return nil
	}
	return sortedKeys(v.n.keys)
}

// Err returns the first type error any accessor of this tree recorded or,
// if there was none, a parameter_unknown error for the lexically first full
// name below v that nobody asked for. Call it after all accessors.
func (v *Values) Err() error {
	if v == nil || v.t == nil {
		return nil
	}
	if v.t.err != nil {
		return v.t.err
	}
	first, found := "", false
	unknown(v.n, v.name, &first, &found)
	if found {
		return checkout.Invalid(first, codeUnknown, "Received unknown parameter: %s", first)
	}
	return nil
}

// unknown finds the lexically least full name of an unused node below the
// opened container n called name.
func unknown(n *node, name string, first *string, found *bool) {
	visit := func(c *node, full string) {
		switch c.state {
		case unused:
			if !*found || full < *first {
				*first, *found = full, true
			}
		case opened:
			unknown(c, full, first, found)
		}
	}
	switch n.kind {
	case kindObject:
		for k, c := range n.keys {
			visit(c, join(name, k))
		}
	case kindArray:
		for i, c := range n.elems {
			visit(c, index(name, i))
		}
	}
}

func sortedKeys(m map[string]*node) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// describe shows a value in an error message, shortened.
func describe(n *node) string {
	switch n.kind {
	case kindString:
		return strconv.Quote(truncate(n.s))
	case kindNumber:
		return truncate(n.s)
	case kindBool:
		return strconv.FormatBool(n.b)
	case kindObject:
		return "an object"
	case kindArray:
		return "an array"
	}
	return "null"
}

func truncate(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
