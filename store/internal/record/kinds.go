package record

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/checkoutd/checkoutd/checkout"
)

// The kinds of checkout.Object. Every store keeps an object of any kind the
// same way, in one generic table or key space, as the bytes its kind's codec
// makes; only the codec knows the kind's type. A kind is registered once,
// from an init function of the file of this package that holds its codec
// (or, for the conformance suite's test kind, from store/storetest).

// Codec encodes and decodes the objects of one kind.
type Codec struct {
	Encode func(checkout.Object) ([]byte, error)
	Decode func([]byte) (checkout.Object, error)
}

var (
	kindsMu sync.RWMutex
	kinds   = map[string]Codec{}
)

// RegisterKind makes objects of kind storable with c. It panics if kind is
// empty or registered already: two codecs for one kind would read each
// other's bytes.
func RegisterKind(kind string, c Codec) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	if kind == "" || c.Encode == nil || c.Decode == nil {
		panic("record: RegisterKind of an empty kind or codec")
	}
	if _, dup := kinds[kind]; dup {
		panic("record: kind " + kind + " registered twice")
	}
	kinds[kind] = c
}

// JSONCodec is the codec of a kind stored as encoding/json makes it of T.
// Its fields must carry explicit JSON names (`json:"amount"`), so that
// renaming a Go field never changes the stored form; times should be given
// in UTC at microsecond precision, which is what every store keeps.
func JSONCodec[T any, PT interface {
	*T
	checkout.Object
}]() Codec {
	return Codec{
		Encode: func(o checkout.Object) ([]byte, error) {
			v, ok := o.(PT)
			if !ok {
				return nil, fmt.Errorf("record: %T is not a %T", o, PT(nil))
			}
			return json.Marshal(v)
		},
		Decode: func(data []byte) (checkout.Object, error) {
			v := PT(new(T))
			if err := json.Unmarshal(data, v); err != nil {
				return nil, fmt.Errorf("record: decode %s: %w", v.ObjectKind(), err)
			}
			return v, nil
		},
	}
}

func kindCodec(kind string) (Codec, error) {
	kindsMu.RLock()
	c, ok := kinds[kind]
	kindsMu.RUnlock()
	if !ok {
		return Codec{}, fmt.Errorf("record: no codec for objects of kind %q", kind)
	}
	return c, nil
}

// EncodeObject is the stored form of o, by the codec of its kind.
func EncodeObject(o checkout.Object) ([]byte, error) {
	c, err := kindCodec(o.ObjectKind())
	if err != nil {
		return nil, err
	}
	return c.Encode(o)
}

// DecodeObject is the inverse of EncodeObject for an object of kind.
func DecodeObject(kind string, data []byte) (checkout.Object, error) {
	c, err := kindCodec(kind)
	if err != nil {
		return nil, err
	}
	return c.Decode(data)
}

// LookupKeys are o's lookup keys without repeats, in the order given: what
// a store indexes.
func LookupKeys(o checkout.Object) []string {
	keys := o.LookupKeys()
	out := make([]string, 0, len(keys))
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}
