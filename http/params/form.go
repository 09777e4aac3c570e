package params

import (
	"bytes"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/checkoutd/checkoutd/checkout"
)

// FromForm decodes an application/x-www-form-urlencoded body written in
// Stripe's bracket notation:
//
//	amount=5000&metadata[order_id]=1234&line_items[0][quantity]=2&payment_method_types[]=card
//
// Pairs are separated by '&' only. Numeric segments make arrays, whose
// indices must be 0..n-1 in any order; "[]" appends and may only end a key.
// All leaves are strings, "" included. Malformed keys, conflicting or
// repeated keys, invalid UTF-8 and bad percent-escapes are rejected with
// code invalid_form naming the key; a NUL character in a name or a value
// with code parameter_invalid. An empty body has no parameters.
func FromForm(body []byte) (*Values, error) {
	b := newFormBuilder()
	for len(body) > 0 {
		var pair []byte
		pair, body, _ = bytes.Cut(body, []byte{'&'})
		if len(pair) == 0 {
			continue
		}
		rawKey, rawVal, _ := bytes.Cut(pair, []byte{'='})
		key, err := url.QueryUnescape(string(rawKey))
		if err != nil {
			return nil, formError(string(rawKey), "malformed percent-escape in the name")
		}
		val, err := url.QueryUnescape(string(rawVal))
		if err != nil {
			return nil, formError(key, "malformed percent-escape in the value")
		}
		if err := b.add(key, val); err != nil {
			return nil, err
		}
	}
	return b.finish()
}

// FromQuery decodes a query string in the notation of FromForm. Since
// url.Values does not keep the order of different names, only the order of
// the values of one name (such as "a[]") matters.
func FromQuery(q url.Values) (*Values, error) {
	b := newFormBuilder()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, val := range q[k] {
			if err := b.add(k, val); err != nil {
				return nil, err
			}
		}
	}
	return b.finish()
}

func formError(key, reason string) *checkout.Error {
	return checkout.Invalid(key, codeForm, "Invalid form parameter %s: %s", quoteKey(key), reason)
}

type formBuilder struct {
	root  *node
	count int
}

func newFormBuilder() *formBuilder {
	return &formBuilder{root: &node{kind: kindObject, keys: map[string]*node{}}}
}

// A segment of a key: a name, an index, or "[]" (append).
type segment struct {
	name   string
	index  int // >= 0 for an index
	append bool
}

func (s segment) isArray() bool { return s.append || s.index >= 0 }

// splitKey splits "a[b][0][]" into its segments. The first one is always a
// name, even if it is made of digits.
func splitKey(key string) ([]segment, string) {
	if key == "" {
		return nil, "empty name"
	}
	open := strings.IndexByte(key, '[')
	if open < 0 {
		open = len(key)
	}
	base := key[:open]
	if base == "" {
		return nil, "empty name before '['"
	}
	if strings.IndexByte(base, ']') >= 0 {
		return nil, "unbalanced ']'"
	}
	segs := []segment{{name: base, index: -1}}
	for rest := key[open:]; rest != ""; {
		if rest[0] != '[' {
			return nil, "unexpected text after ']'"
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return nil, "unbalanced '['"
		}
		in := rest[1:end]
		rest = rest[end+1:]
		if strings.IndexByte(in, '[') >= 0 {
			return nil, "unbalanced '['"
		}
		if len(segs) == maxDepth {
			return nil, "nesting too deep (at most " + strconv.Itoa(maxDepth-1) + " brackets)"
		}
		seg := segment{name: in, index: -1}
		switch {
		case in == "":
			if rest != "" {
				return nil, "'[]' may only end a name"
			}
			seg.append = true
		case strings.Trim(in, "0123456789") == "":
			i, err := strconv.Atoi(in)
			if err != nil || i >= maxIndex {
				return nil, "array index " + truncate(in) + " out of range (at most " + strconv.Itoa(maxIndex-1) + ")"
			}
			if in != strconv.Itoa(i) {
				return nil, "array index " + truncate(in) + " has leading zeros"
			}
			seg.index = i
		}
		segs = append(segs, seg)
	}
	return segs, ""
}

// add puts one pair into the tree.
func (b *formBuilder) add(key, val string) error {
	if !utf8.ValidString(key) {
		return formError(strings.ToValidUTF8(key, "\uFFFD"), "the name is not valid UTF-8")
	}
	if !utf8.ValidString(val) {
		return formError(key, "the value is not valid UTF-8")
	}
	if strings.IndexByte(key, 0) >= 0 || strings.IndexByte(val, 0) >= 0 {
		return nulError(key)
	}
	segs, bad := splitKey(key)
	if bad != "" {
		return formError(key, bad)
	}
	cur := b.root
	for i, seg := range segs {
		last := i == len(segs)-1
		child, slot, bad := b.member(cur, seg)
		if bad != "" {
			return formError(key, bad)
		}
		if last {
			if child != nil {
				if child.kind == kindString {
					return formError(key, "repeated parameter")
				}
				return formError(key, "conflicts with nested parameters of the same name")
			}
			if bad := b.count1(); bad != "" {
				return formError(key, bad)
			}
			slot(&node{kind: kindString, s: val})
			return nil
		}
		wantArray := segs[i+1].isArray()
		switch {
		case child == nil:
			if bad := b.count1(); bad != "" {
				return formError(key, bad)
			}
			if wantArray {
				child = &node{kind: kindArray, idx: map[int]*node{}}
			} else {
				child = &node{kind: kindObject, keys: map[string]*node{}}
			}
			slot(child)
		case child.kind == kindString:
			return formError(key, "conflicts with a plain parameter of the same name")
		case wantArray != (child.kind == kindArray):
			return formError(key, "mixes array indices and object keys")
		}
		cur = child
	}
	return nil
}

func (b *formBuilder) count1() string {
	if b.count++; b.count > maxValues {
		return "too many values (at most " + strconv.Itoa(maxValues) + ")"
	}
	return ""
}

// member returns the member seg of the container cur (nil if absent) and a
// function that stores a new one there.
func (b *formBuilder) member(cur *node, seg segment) (*node, func(*node), string) {
	if cur.kind == kindObject {
		// Containers are typed by the segment that indexes them, so only
		// the first segment can reach here with an array segment: never.
		return cur.keys[seg.name], func(n *node) { cur.keys[seg.name] = n }, ""
	}
	i := seg.index
	if seg.append {
		cur.appended = true
		i = len(cur.idx)
		if i >= maxIndex {
			return nil, nil, "more than " + strconv.Itoa(maxIndex) + " array elements"
		}
	}
	return cur.idx[i], func(n *node) { cur.idx[i] = n }, ""
}

// finish turns index maps into arrays, checking that there are no gaps.
func (b *formBuilder) finish() (*Values, error) {
	if err := finish(b.root, ""); err != nil {
		return nil, err
	}
	return newValues(b.root, true), nil
}

func finish(n *node, name string) error {
	switch n.kind {
	case kindObject:
		for _, k := range sortedKeys(n.keys) {
			if err := finish(n.keys[k], join(name, k)); err != nil {
				return err
			}
		}
	case kindArray:
		n.elems = make([]*node, len(n.idx))
		for i := range n.elems {
			e := n.idx[i]
			if e == nil {
				// Not an array after all: numeric object keys, as in
				// metadata[5]=x. Read as an array, it is refused then.
				n.kind, n.keys, n.elems, n.gapped, n.gap = kindObject, map[string]*node{}, nil, true, i
				for j, e := range n.idx {
					n.keys[strconv.Itoa(j)] = e
				}
				n.idx = nil
				return finish(n, name)
			}
			n.elems[i] = e
		}
		n.idx = nil
		for i, e := range n.elems {
			if err := finish(e, index(name, i)); err != nil {
				return err
			}
		}
	}
	return nil
}
