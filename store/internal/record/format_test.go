package record

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
)

// TestSessionFormatVersion: a session is written with FormatVersion 1
// first; one without it (stored before it existed) reads as format 1; one
// of a format this code does not know is refused, saying which, rather
// than misread.
func TestSessionFormatVersion(t *testing.T) {
	old := []byte(golden["cs_golden"])
	data, err := EncodeSession(mustDecodeSession(t, old))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), `{"FormatVersion":1,"ID":"cs_golden",`) {
		t.Errorf("EncodeSession wrote %.60s…; want FormatVersion 1 first", data)
	}
	for _, v := range []string{"2", "-1", "17"} {
		future := strings.Replace(string(data), `"FormatVersion":1`, `"FormatVersion":`+v, 1)
		_, err := DecodeSession([]byte(future))
		if err == nil || !strings.Contains(err.Error(), "format "+v) || !strings.Contains(err.Error(), "cs_golden") {
			t.Errorf("DecodeSession of FormatVersion %s: %v; want an error naming the session and its format", v, err)
		}
	}
}

func mustDecodeSession(t *testing.T, data []byte) *checkout.Session {
	t.Helper()
	s, err := DecodeSession(data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sessionField is a field of the stored session JSON as the README's
// table documents it.
type sessionField struct{ path, typ, presence string }

// documentedSessionFields is what the README's table must say, derived
// from the stored struct: every JSON name (a nested one as Parent.Name, or
// Parent[].Name inside an array), its JSON type, and whether it is always
// there.
func documentedSessionFields() []sessionField {
	var out []sessionField
	var walk func(prefix string, t reflect.Type)
	walk = func(prefix string, t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous { // versionedSession's embedded storedSession
				walk(prefix, f.Type.Elem())
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			path := prefix + name
			presence := "always"
			if strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero") {
				presence = "omitted when empty"
			}
			ft := f.Type
			nullable := ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice || ft.Kind() == reflect.Map
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			var typ string
			switch {
			case ft == reflect.TypeFor[storedTime]():
				typ = "time"
			case ft.Kind() == reflect.String:
				typ = "string"
			case ft.Kind() == reflect.Int || ft.Kind() == reflect.Int64:
				typ = "integer"
			case ft.Kind() == reflect.Bool:
				typ = "boolean"
			case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.String:
				typ = "array of strings"
			case ft.Kind() == reflect.Slice:
				typ = "array of objects"
			case ft.Kind() == reflect.Map:
				typ = "object of strings"
			case ft.Kind() == reflect.Struct:
				typ = "object"
			default:
				panic("no JSON type for " + ft.String())
			}
			if nullable && presence == "always" {
				typ += " or null"
			}
			out = append(out, sessionField{path, typ, presence})
			switch {
			case ft.Kind() == reflect.Struct && ft != reflect.TypeFor[storedTime]():
				walk(path+".", ft)
			case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
				walk(path+"[].", ft.Elem())
			}
		}
	}
	walk("", reflect.TypeFor[versionedSession]())
	return out
}

// TestSessionFieldsDocumented: the README's "Redis layout" table lists
// every field of the stored session JSON, each with its JSON type and
// whether it is always there, and nothing else. The JSON is read by other
// programs, so a field added here fails until the README documents it.
func TestSessionFieldsDocumented(t *testing.T) {
	documented := readmeSessionFields(t)
	want := documentedSessionFields()
	for _, f := range want {
		d, ok := documented[f.path]
		switch {
		case !ok:
			t.Errorf("README.md's Redis layout table has no row for %s: add | `%s` | %s | %s | what it means |", f.path, f.path, f.typ, f.presence)
		case d != f:
			t.Errorf("README.md's Redis layout table says %s is %q, %q; the stored JSON has %q, %q", f.path, d.typ, d.presence, f.typ, f.presence)
		}
		delete(documented, f.path)
	}
	for path := range documented {
		t.Errorf("README.md's Redis layout table documents %s, which the stored session does not have", path)
	}
}

// readmeSessionFields reads the table of the README's "Redis layout"
// section: rows | `Path` | type | presence | meaning |, by path.
func readmeSessionFields(t *testing.T) map[string]sessionField {
	t.Helper()
	b, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Redis layout\n")
	if !ok {
		t.Fatal(`README.md has no "## Redis layout" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	row := regexp.MustCompile("(?m)^\\| `([^`]+)` \\| ([^|]+?) \\| ([^|]+?) \\| [^|]+ \\|$")
	out := map[string]sessionField{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		if _, dup := out[m[1]]; dup {
			t.Errorf("README.md's Redis layout table has two rows for %s", m[1])
		}
		out[m[1]] = sessionField{m[1], m[2], m[3]}
	}
	if len(out) == 0 {
		t.Fatal("README.md's Redis layout section has no table rows")
	}
	return out
}
