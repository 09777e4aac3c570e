package params

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/checkoutd/checkoutd/checkout"
)

// FromJSON decodes a JSON request body, which must be an object. An empty
// (or all-whitespace) body is an empty object. Duplicate keys, nesting deeper
// than 8, more than 10 000 values and data after the object are rejected
// with code invalid_json; syntax errors say where they are.
//
// Strings, names included, must be text every store can hold, as in a form:
// invalid UTF-8 and escapes of surrogates without their pair (which
// encoding/json would silently turn into U+FFFD) are refused with code
// invalid_json, a NUL character (\u0000) with code parameter_invalid, each
// naming the parameter in full.
//
// It scans the bytes itself, in one pass, with encoding/json's grammar and
// its decoding of strings. Any error sends it back to encoding/json to check
// the syntax of the whole body first, so that a syntax error anywhere wins
// over our own rules and is described in encoding/json's words.
func FromJSON(body []byte) (*Values, error) {
	if len(bytes.TrimLeft(body, " \t\r\n")) == 0 {
		return newValues(&node{kind: kindObject, keys: map[string]*node{}}, false), nil
	}
	d := &jsonScanner{body: body}
	root, err := d.document()
	if err != nil {
		if err == errSyntax || !json.Valid(body) {
			return nil, syntaxError(body)
		}
		if te, ok := err.(*textError); ok {
			return nil, te.error()
		}
		return nil, err
	}
	return newValues(root, false), nil
}

// errSyntax stands for any syntax error until syntaxError describes it.
var errSyntax = errors.New("syntax error")

// textError is a string no parameter may hold (see FromJSON), found deep in
// the scan. Each container it returns through adds the name of the member
// that held it, so that it names the parameter in full; path holds those
// names innermost first.
type textError struct {
	nul  bool // a NUL character; else invalid UTF-8 or a lone surrogate
	path []step
}

// step is one container a textError came through: a member's key, or an
// array's index (named [i] even at the top of a member called "").
type step struct {
	key   string
	index int // -1 for a member
}

func (e *textError) Error() string { return "invalid text" }

// error names the parameter in bracket notation, metadata[order_id].
func (e *textError) error() *checkout.Error {
	name := ""
	for i := len(e.path) - 1; i >= 0; i-- {
		if st := e.path[i]; st.index >= 0 {
			name = index(name, st.index)
		} else {
			name = join(name, st.key)
		}
	}
	if e.nul {
		return nulError(name)
	}
	return badJSONText(name)
}

// badJSONText is the error of a JSON string at name that is not valid text.
func badJSONText(name string) *checkout.Error {
	return checkout.Invalid(name, codeJSON, "Invalid JSON: the string at %s is not valid UTF-8 text (it has invalid bytes, or a \\u escape of a surrogate without its pair)", quoteKey(name))
}

// in adds a container's step to a textError returned through it.
func in(err error, st step) error {
	if te, ok := err.(*textError); ok {
		te.path = append(te.path, st)
	}
	return err
}

type jsonScanner struct {
	body  []byte
	pos   int
	count int
	nodes []node // allocated a few at a time
}

func (d *jsonScanner) node(k kind) *node {
	if len(d.nodes) == cap(d.nodes) {
		d.nodes = make([]node, 0, 8)
	}
	d.nodes = append(d.nodes, node{kind: k})
	return &d.nodes[len(d.nodes)-1]
}

func (d *jsonScanner) errorAt(off int, format string, args ...any) error {
	return jsonErrorAt(d.body, off, fmt.Sprintf(format, args...))
}

func (d *jsonScanner) skipSpace() {
	for d.pos < len(d.body) {
		switch d.body[d.pos] {
		case ' ', '\t', '\r', '\n':
			d.pos++
		default:
			return
		}
	}
}

// peek returns the byte at pos, or 0 at the end.
func (d *jsonScanner) peek() byte {
	if d.pos < len(d.body) {
		return d.body[d.pos]
	}
	return 0
}

func (d *jsonScanner) document() (*node, error) {
	d.skipSpace()
	if d.peek() != '{' {
		return nil, d.errorAt(d.pos, "the request body must be a JSON object")
	}
	d.pos++
	root, err := d.object(1)
	if err != nil {
		return nil, err
	}
	d.skipSpace()
	if d.pos != len(d.body) {
		return nil, errSyntax
	}
	return root, nil
}

// object reads the members of an object whose '{' was just read, at the
// given depth.
func (d *jsonScanner) object(depth int) (*node, error) {
	n := d.node(kindObject)
	n.keys = map[string]*node{}
	d.skipSpace()
	if d.peek() == '}' {
		d.pos++
		return n, nil
	}
	for {
		d.skipSpace()
		at := d.pos
		if d.peek() != '"' {
			return nil, errSyntax
		}
		key, err := d.string()
		if err != nil {
			return nil, in(err, step{key, -1})
		}
		if _, dup := n.keys[key]; dup {
			return nil, d.errorAt(at, "duplicate key %s", quoteKey(key))
		}
		d.skipSpace()
		if d.peek() != ':' {
			return nil, errSyntax
		}
		d.pos++
		v, err := d.value(depth)
		if err != nil {
			return nil, in(err, step{key, -1})
		}
		n.keys[key] = v
		d.skipSpace()
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return n, nil
		default:
			return nil, errSyntax
		}
	}
}

// array reads the elements of an array whose '[' was just read.
func (d *jsonScanner) array(depth int) (*node, error) {
	n := d.node(kindArray)
	n.elems = []*node{}
	d.skipSpace()
	if d.peek() == ']' {
		d.pos++
		return n, nil
	}
	for {
		v, err := d.value(depth)
		if err != nil {
			return nil, in(err, step{index: len(n.elems)})
		}
		n.elems = append(n.elems, v)
		d.skipSpace()
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return n, nil
		default:
			return nil, errSyntax
		}
	}
}

// value reads one value inside a container at depth.
func (d *jsonScanner) value(depth int) (*node, error) {
	d.skipSpace()
	at := d.pos
	if d.count++; d.count > maxValues {
		return nil, d.errorAt(at, "too many values (at most %d)", maxValues)
	}
	switch c := d.peek(); c {
	case '{', '[':
		if depth+1 > maxDepth {
			return nil, d.errorAt(at, "nesting too deep (at most %d levels)", maxDepth)
		}
		d.pos++
		if c == '{' {
			return d.object(depth + 1)
		}
		return d.array(depth + 1)
	case '"':
		s, err := d.string()
		if err != nil {
			return nil, err
		}
		n := d.node(kindString)
		n.s = s
		return n, nil
	case 't':
		n := d.node(kindBool)
		n.b = true
		return n, d.literal("true")
	case 'f':
		return d.node(kindBool), d.literal("false")
	case 'n':
		return d.node(kindNull), d.literal("null")
	}
	if !d.number() {
		return nil, errSyntax
	}
	n := d.node(kindNumber)
	n.s = string(d.body[at:d.pos])
	return n, nil
}

func (d *jsonScanner) literal(lit string) error {
	if !bytes.HasPrefix(d.body[d.pos:], []byte(lit)) {
		return errSyntax
	}
	d.pos += len(lit)
	return nil
}

// number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *jsonScanner) number() bool {
	b, i := d.body, d.pos
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digits(b, i)
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		if i++; i >= len(b) || !isDigit(b[i]) {
			return false
		}
		i = digits(b, i)
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return false
		}
		i = digits(b, i)
	}
	d.pos = i
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func digits(b []byte, i int) int {
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	return i
}

// string reads the string literal at pos. Plain ones (no escape, valid
// UTF-8) are copied as they are; the others are decoded by unquote. A
// string that is not text a parameter may hold is a *textError, returned
// with the string as encoding/json would decode it, to name it by.
func (d *jsonScanner) string() (string, error) {
	b := d.body
	start := d.pos + 1
	ascii := true
	for i := start; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			raw := b[start:i]
			if !ascii && !utf8.Valid(raw) {
				return d.unquote(start)
			}
			d.pos = i + 1
			return string(raw), nil
		case c == '\\':
			return d.unquote(start)
		case c < 0x20:
			return "", errSyntax
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", errSyntax
}

// unquote decodes the string literal whose contents start at start, the way
// encoding/json does: escapes, surrogate pairs, and U+FFFD for invalid
// UTF-8 and for surrogates that are not part of a pair, which make it a
// *textError, as does a NUL.
func (d *jsonScanner) unquote(start int) (string, error) {
	b := d.body
	out := make([]byte, 0, len(b)-start)
	bad := false
	for i := start; i < len(b); {
		c := b[i]
		switch {
		case c == '"':
			d.pos = i + 1
			switch {
			case bad:
				return string(out), &textError{}
			case bytes.IndexByte(out, 0) >= 0:
				return string(out), &textError{nul: true}
			}
			return string(out), nil
		case c < 0x20:
			return "", errSyntax
		case c < utf8.RuneSelf && c != '\\':
			out = append(out, c)
			i++
		case c == '\\':
			if i+1 >= len(b) {
				return "", errSyntax
			}
			switch e := b[i+1]; e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r := getu4(b[i:])
				if r < 0 {
					return "", errSyntax
				}
				i += 6
				if utf16.IsSurrogate(r) {
					if dec := utf16.DecodeRune(r, getu4(b[i:])); dec != unicode.ReplacementChar {
						i += 6
						out = utf8.AppendRune(out, dec)
						continue
					}
					r, bad = unicode.ReplacementChar, true
				}
				out = utf8.AppendRune(out, r)
				continue
			default:
				return "", errSyntax
			}
			i += 2
		default:
			r, size := utf8.DecodeRune(b[i:])
			bad = bad || r == utf8.RuneError && size == 1
			out = utf8.AppendRune(out, r)
			i += size
		}
	}
	return "", errSyntax
}

// getu4 decodes \uXXXX at the start of s, or returns -1.
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c = c - '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// syntaxError describes why body is not valid JSON, with its position.
func syntaxError(body []byte) *checkout.Error {
	var raw json.RawMessage
	err := json.Unmarshal(body, &raw)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return jsonErrorAt(body, len(body), "invalid JSON")
	}
	// The scanner's offset counts the offending byte; at the end of the
	// input there is none.
	off := int(se.Offset)
	if off > 0 && !strings.HasPrefix(se.Error(), "unexpected end") {
		off--
	}
	return jsonErrorAt(body, off, se.Error())
}

// jsonErrorAt returns an invalid_json error for the byte offset off of body,
// with its 1-based line and column (in characters).
func jsonErrorAt(body []byte, off int, msg string) *checkout.Error {
	off = max(0, min(off, len(body)))
	before := body[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	col := utf8.RuneCount(before[lineStart:]) + 1
	return checkout.Invalid("", codeJSON, "Invalid JSON at line %d, column %d (byte offset %d): %s", line, col, off, msg)
}

// quoteKey quotes a key for a message, shortened.
func quoteKey(k string) string {
	return fmt.Sprintf("%q", truncate(k))
}
