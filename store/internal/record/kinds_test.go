package record

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

type testThing struct {
	ID      string    `json:"id"`
	Account string    `json:"account"`
	Keys    []string  `json:"keys"`
	Version int64     `json:"version"`
	Created time.Time `json:"created"`
}

func (x *testThing) ObjectKind() string       { return "record_test_thing" }
func (x *testThing) ObjectID() string         { return x.ID }
func (x *testThing) Scope() checkout.Scope    { return checkout.Scope{AccountID: x.Account} }
func (x *testThing) ObjectVersion() int64     { return x.Version }
func (x *testThing) ObjectCreated() time.Time { return x.Created }
func (x *testThing) LookupKeys() []string     { return x.Keys }

func init() { RegisterKind("record_test_thing", JSONCodec[testThing]()) }

// TestKinds: an object of a registered kind encodes by its explicit JSON
// names and decodes back; an unregistered kind is an error, a second
// registration a panic.
func TestKinds(t *testing.T) {
	at := time.Date(2026, 12, 7, 5, 0, 0, 123456000, time.UTC)
	x := &testThing{ID: "thing_1", Account: "acct_1", Keys: []string{"a", "b", "a"}, Version: 3, Created: at}
	data, err := EncodeObject(x)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":"thing_1","account":"acct_1","keys":["a","b","a"],"version":3,"created":"2026-12-07T05:00:00.123456Z"}`; string(data) != want {
		t.Errorf("stored %s, want %s", data, want)
	}
	o, err := DecodeObject("record_test_thing", data)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := o.(*testThing); !ok || got.ID != x.ID || !got.Created.Equal(at) || got.Version != 3 {
		t.Errorf("decoded %#v", o)
	}
	if got := LookupKeys(x); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("LookupKeys = %v, want [a b]", got)
	}
	if _, err := DecodeObject("no_such_kind", data); err == nil || !strings.Contains(err.Error(), "no_such_kind") {
		t.Errorf("DecodeObject of an unknown kind: %v", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("a second RegisterKind of one kind did not panic")
			}
		}()
		RegisterKind("record_test_thing", JSONCodec[testThing]())
	}()
}
