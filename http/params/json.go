package params

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/checkoutd/checkoutd/checkout"
)

// FromJSON decodes a JSON request body, which must be an object. An empty
// (or all-whitespace) body is an empty object. Duplicate keys, nesting deeper
// than 8, more than 10 000 values and data after the object are rejected
// with code invalid_json; syntax errors say where they are.
func FromJSON(body []byte) (*Values, error) {
	if len(bytes.TrimLeft(body, " \t\r\n")) == 0 {
		return newValues(&node{kind: kindObject, keys: map[string]*node{}}, false), nil
	}
	// Check the syntax in one pass first: its errors carry consistent
	// offsets, trailing data included, which the token stream does not.
	if !json.Valid(body) {
		return nil, syntaxError(body)
	}
	d := &jsonDecoder{dec: json.NewDecoder(bytes.NewReader(body)), body: body}
	d.dec.UseNumber()
	at := d.next()
	tok, err := d.dec.Token()
	if err != nil {
		return nil, d.errorf("%v", err)
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '{' {
		return nil, d.errorAt(at, "the request body must be a JSON object")
	}
	root, err := d.object(1)
	if err != nil {
		return nil, err
	}
	return newValues(root, false), nil
}

type jsonDecoder struct {
	dec   *json.Decoder
	body  []byte
	count int
}

// errorf returns an invalid_json error at the decoder's current position.
func (d *jsonDecoder) errorf(format string, args ...any) *checkout.Error {
	return d.errorAt(int(d.dec.InputOffset()), format, args...)
}

func (d *jsonDecoder) errorAt(off int, format string, args ...any) *checkout.Error {
	return jsonErrorAt(d.body, off, fmt.Sprintf(format, args...))
}

// next returns the offset where the next token starts: the decoder's offset
// is after the previous token, before any separator.
func (d *jsonDecoder) next() int {
	off := int(d.dec.InputOffset())
	for off < len(d.body) && strings.IndexByte(" \t\r\n,:", d.body[off]) >= 0 {
		off++
	}
	return off
}

// object reads the members of an object whose '{' was just read, at the
// given depth.
func (d *jsonDecoder) object(depth int) (*node, error) {
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
		if _, dup := n.keys[key]; dup {
			return nil, d.errorAt(at, "duplicate key %s", quoteKey(key))
		}
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		n.keys[key] = v
	}
	return n, d.end('}')
}

func (d *jsonDecoder) array(depth int) (*node, error) {
	n := &node{kind: kindArray, elems: []*node{}}
	for d.dec.More() {
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		n.elems = append(n.elems, v)
	}
	return n, d.end(']')
}

func (d *jsonDecoder) end(want json.Delim) error {
	tok, err := d.dec.Token()
	if err != nil {
		return d.errorf("%v", err)
	}
	if tok != want {
		return d.errorf("expected %q", want)
	}
	return nil
}

// value reads one value inside a container at depth.
func (d *jsonDecoder) value(depth int) (*node, error) {
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
			return d.object(depth + 1)
		case '[':
			return d.array(depth + 1)
		}
		return nil, d.errorf("unexpected %q", t)
	case string:
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
