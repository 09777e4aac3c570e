package params

import "encoding/json"

// Dump returns the tree of v as encoding/json decodes JSON with UseNumber:
// map[string]any, []any, string, json.Number, bool and nil. It lets the
// tests compare trees without the accessors, which mark names as used.
func Dump(v *Values) any { return dump(v.n) }

func dump(n *node) any {
	switch n.kind {
	case kindString:
		return n.s
	case kindNumber:
		return json.Number(n.s)
	case kindBool:
		return n.b
	case kindObject:
		m := make(map[string]any, len(n.keys))
		for k, c := range n.keys {
			m[k] = dump(c)
		}
		return m
	case kindArray:
		a := make([]any, len(n.elems))
		for i, c := range n.elems {
			a[i] = dump(c)
		}
		return a
	}
	return nil
}
