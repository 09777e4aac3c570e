// Package record is the stored form of the domain objects, shared by every
// store: each object is kept as the JSON of its checkout type (Go field
// names, encoding/json defaults), with its times in UTC at microsecond
// precision, the precision every store keeps, so that the JSON agrees with
// the columns or keys a store indexes on and an object reads back equal to
// what was written.
//
// The format is the one store/sqlite has always written, and databases in
// the field hold it: a change here must still decode what is stored (see
// the golden test), and should not change what is written.
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
		return nil, encodeError(what, err)
	}
	return b, nil
}

// encodeError is the error of encoding what, whichever encoder failed.
func encodeError(what string, err error) error {
	return fmt.Errorf("record: encode %s: %w", what, err)
}

func decode(what string, data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("record: decode %s: %w", what, err)
	}
	return nil
}
