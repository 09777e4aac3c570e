// Package record is the stored form of the domain objects, shared by every
// store: each object is kept as the JSON of a stored struct of this package
// (storedSession, storedPayment, …), mapped field by field from and to its
// checkout type, with its times in UTC at microsecond precision, the
// precision every store keeps, so that the JSON agrees with the columns or
// keys a store indexes on and an object reads back equal to what was
// written.
//
// The stored structs name their JSON explicitly, so that renaming a field
// of the domain never changes what is stored. The names are the Go field
// names the objects had when the stores were written (encoding/json's
// defaults then), which is what databases in the field hold and what the
// Redis store's scripts read: a change here must still decode what is
// stored (see the golden test), and should not change what is written
// (the one change so far: a session starts with FormatVersion, see
// SessionFormat, since other programs read it). A
// field added to a domain type needs its stored counterpart, with a name of
// its own, before the tests pass (see TestStoredFieldsMatchDomain).
//
// Encoding never changes the caller's object; decoding normalizes the times
// again, so a value written by an older version reads back normalized too.
package record

import (
	"encoding/json"
	"fmt"
	"time"
)

// UTC normalizes a time to what every store keeps: UTC, microsecond
// precision, and the zero time stays the zero time.
func UTC(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// FromMicros is the time of a column of unix microseconds (t.UnixMicro()),
// in UTC; the zero time round-trips.
func FromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func encode(what string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("record: encode %s: %w", what, err)
	}
	return b, nil
}

func decode(what string, data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("record: decode %s: %w", what, err)
	}
	return nil
}
