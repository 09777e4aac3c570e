// Package batch gathers what concurrent requests queue for a store, so the
// store can hand it to its database together: SQLite's and PostgreSQL's
// group commits, Redis's pipelines.
package batch

// Fill appends to b what is already queued on ch, without waiting, until b
// holds max items or ch is empty or closed. A group then holds whatever
// queued while the one before it was in flight: one item when idle, more
// under load, with no timer.
func Fill[T any](b []T, ch <-chan T, max int) []T {
	for len(b) < max {
		select {
		case v, ok := <-ch:
			if !ok {
				return b
			}
			b = append(b, v)
		default:
			return b
		}
	}
	return b
}
