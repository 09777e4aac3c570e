package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// list reads one page of the collection at path, q selecting it (nil for
// the first page of everything).
func list[L any](ctx context.Context, b *backend, path string, q url.Values) (*L, error) {
	return send[L](ctx, b, http.MethodGet, path, q, nil, "")
}

// encodePage adds the paging parameters shared by every list endpoint.
func encodePage(q url.Values, limit int, startingAfter, endingBefore string) {
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if startingAfter != "" {
		q.Set("starting_after", startingAfter)
	}
	if endingBefore != "" {
		q.Set("ending_before", endingBefore)
	}
}

// pageFunc fetches the page selected by the two cursors.
type pageFunc[T any] func(ctx context.Context, startingAfter, endingBefore string) (data []T, hasMore bool, err error)

// paginate walks a list page by page until has_more is false.
//
// Forward (the default) it follows starting_after with the last id of each
// page, yielding objects newest first. When only an ending_before cursor is
// given it walks backwards instead, following ending_before with the first id
// of each page and yielding each page in reverse, so the sequence moves
// steadily away from the cursor (oldest first).
//
// An error is yielded once, with the zero T, and ends the walk.
func paginate[T any](ctx context.Context, startingAfter, endingBefore string, fetch pageFunc[T], id func(T) string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		// Local cursors, so ranging over the sequence again starts afresh.
		after, before := startingAfter, endingBefore
		backward := before != "" && after == ""
		for {
			data, hasMore, err := fetch(ctx, after, before)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for i := range data {
				item := data[i]
				if backward {
					item = data[len(data)-1-i]
				}
				if !yield(item, nil) {
					return
				}
			}
			// An empty page with has_more set would loop forever; stop.
			if !hasMore || len(data) == 0 {
				return
			}
			if backward {
				before = id(data[0])
			} else {
				after, before = id(data[len(data)-1]), ""
			}
			// A missing id would restart the walk from the top; stop instead.
			if after == "" && before == "" {
				return
			}
		}
	}
}

// listParams are a list's parameters, whose cursors all sets page by page.
type listParams[P any] interface {
	*P
	cursors() (startingAfter, endingBefore *string)
}

// listPage is one page a List returns.
type listPage[T any] interface {
	page() (data []T, hasMore bool)
}

// listed is an object a list holds, known by its id.
type listed interface{ objectID() string }

// all is a resource's All: every object params selects, its pages fetched
// lazily through list (a copy of params with each page's cursors; params
// is not modified), walked as paginate walks them.
func all[P any, PP listParams[P], L listPage[T], T listed](ctx context.Context, params *P, list func(context.Context, *P) (L, error)) iter.Seq2[T, error] {
	var base P
	if params != nil {
		base = *params
	}
	after, before := PP(&base).cursors()
	fetch := func(ctx context.Context, a, b string) ([]T, bool, error) {
		p := base
		pa, pb := PP(&p).cursors()
		*pa, *pb = a, b
		l, err := list(ctx, &p)
		if err != nil {
			return nil, false, err
		}
		data, more := l.page()
		return data, more, nil
	}
	return paginate(ctx, *after, *before, fetch, T.objectID)
}
