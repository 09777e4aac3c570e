package record

import "time"

// OptMicros is t in unix microseconds, 0 for the zero time: how the stores
// keep the optional times of a key (last used, revoked, expires at) in
// columns where 0 means unset.
func OptMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// FromOptMicros is the inverse of OptMicros.
func FromOptMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return FromMicros(us)
}
