package redis

import (
	"context"
	"errors"
	"slices"

	"github.com/checkoutd/checkoutd/checkout"
)

// Lists page on seq, the insertion order, never on timestamps (which need
// not be distinct) and never with offsets: a cursor id is resolved to its
// seq in the scope's index, and a page is read from the filter's index
// (or the union of two, merged by seq) past it, in batches, each one round
// trip of lua/page.lua. Every filter condition is checked on the decoded
// object, so an index only has to hold a superset of the matches.

// defaultLimit is the page size when the caller gives none.
const defaultLimit = 10

// maxBatch bounds one batch, so a sparse filter reads a long list in
// bounded steps.
const maxBatch = 1000

// item is one object of a batch as stored: its JSON, and for deliveries the
// version and lease kept beside it.
type item struct {
	id, version, lease string
	data               []byte
}

// walk is what one pass over indexes reads: objects of kind, from the
// sources merged by seq, in direction dir ("desc", newest first, or
// "asc") from the cursor id, which is looked up in the scope index.
type walk struct {
	kind     string
	scope    string
	cursorID string
	dir      string
	sources  []string
	batch    int
}

// errCursor is what walk returns when the cursor is not in the scope index.
var errCursor = errors.New("redis: unknown cursor")

// walk calls fn with every object past the cursor, in order, until fn
// returns false or the sources are exhausted.
func (s *Store) walk(ctx context.Context, w walk, fn func(item) (bool, error)) error {
	if w.dir == "" {
		w.dir = "asc"
	}
	batch := w.batch
	if batch <= 0 {
		batch = maxBatch
	}
	bound, cursorID := "", w.cursorID
	for {
		args := make([]any, 0, 6+len(w.sources))
		args = append(args, w.kind, w.scope, cursorID, w.dir, bound, batch)
		for _, src := range w.sources {
			args = append(args, src)
		}
		res, err := s.run(ctx, pageScript, args...).Slice()
		if isReply(err, "CURSOR") {
			return errCursor
		} else if err != nil {
			return translate("list "+w.kind+"s", err)
		}
		last, _ := res[0].(string)
		exhausted := res[1] == "1"
		width := 2
		if w.kind == "delivery" {
			width = 4
		}
		for i := 2; i+width <= len(res); i += width {
			it := item{id: str(res[i]), data: []byte(str(res[i+1]))}
			if width == 4 {
				it.version, it.lease = str(res[i+2]), str(res[i+3])
			}
			more, err := fn(it)
			if err != nil || !more {
				return err
			}
		}
		if exhausted || last == "" {
			return nil
		}
		bound, cursorID = last, ""
		batch = min(2*batch, maxBatch)
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// listing is one list of the Store interface: objects of kind in the scope
// index, read from sources; what names the object in cursor errors.
type listing struct {
	kind, what string
	scope      string
	sources    []string
}

// list reads one page: the first limit+1 objects past the cursor that
// decode says match (the extra one tells HasMore), newest first.
// ending_before pages are read upward from the cursor and reversed.
func list[T any](ctx context.Context, s *Store, l listing, p checkout.ListParams, decode func(item) (T, bool, error)) (checkout.Page[T], error) {
	n := p.Limit
	if n <= 0 {
		n = defaultLimit
	}
	w := walk{kind: l.kind, scope: l.scope, sources: l.sources, dir: "desc", batch: min(n+1, maxBatch)}
	param := "starting_after"
	switch {
	case p.StartingAfter != "":
		w.cursorID = p.StartingAfter
	case p.EndingBefore != "":
		param, w.cursorID, w.dir = "ending_before", p.EndingBefore, "asc"
	}
	items := make([]T, 0, min(n+1, 101))
	err := s.walk(ctx, w, func(it item) (bool, error) {
		v, ok, err := decode(it)
		if err != nil {
			return false, err
		}
		if ok {
			items = append(items, v)
		}
		return len(items) <= n, nil
	})
	if err == errCursor {
		return checkout.Page[T]{}, checkout.NotFound(param, l.what, w.cursorID)
	} else if err != nil {
		return checkout.Page[T]{}, err
	}
	out := checkout.Page[T]{Items: items, HasMore: len(items) > n}
	if out.HasMore {
		out.Items = items[:n]
	}
	if w.dir == "asc" {
		slices.Reverse(out.Items)
	}
	return out, nil
}
