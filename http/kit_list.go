package http

import (
	"context"
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/http/params"
	"github.com/checkoutd/checkoutd/service"
)

// Every list of every room is one page of a service list: the same cursor
// parameters (under the room's names), a filter read from the other
// parameters, and each item rendered in the room's shape. listPage is that
// part; a room wraps the items in its own envelope (see canonicalList).

// cursorNames are a room's names of the three cursor parameters.
type cursorNames struct{ limit, startingAfter, endingBefore string }

// canonicalCursor are the canonical API's (Stripe's) names.
var canonicalCursor = cursorNames{"limit", "starting_after", "ending_before"}

// cursor reads the cursor parameters from v.
func (n cursorNames) cursor(v *params.Values, defaultLimit int) checkout.ListParams {
	p := checkout.ListParams{Limit: defaultLimit}
	if l, ok := v.Int(n.limit); ok {
		p.Limit = int(max(min(l, 1<<20), -1)) // out-of-range values stay out of range
	}
	p.StartingAfter, _ = v.String(n.startingAfter)
	p.EndingBefore, _ = v.String(n.endingBefore)
	return p
}

// listPage decodes a list request's parameters, the cursor ones under names
// and the rest by filter (which builds the service's filter around the
// cursor), calls fetch and renders each item of the page. It returns the
// rendered items (never nil) and whether more follow.
func listPage[F, T, J any](r *http.Request, scope checkout.Scope, names cursorNames,
	filter func(v *params.Values, p checkout.ListParams) F,
	fetch func(context.Context, checkout.Scope, F) (checkout.Page[T], error),
	render func(T) J) ([]J, bool, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, false, err
	}
	f := filter(v, names.cursor(v, service.DefaultListLimit))
	if err := v.Err(); err != nil {
		return nil, false, err
	}
	page, err := fetch(r.Context(), scope, f)
	if err != nil {
		return nil, false, err
	}
	data := make([]J, len(page.Items))
	for i, it := range page.Items {
		data[i] = render(it)
	}
	return data, page.HasMore, nil
}

// onlyCursor is the filter of a list that takes no parameter but the cursor.
func onlyCursor(_ *params.Values, p checkout.ListParams) checkout.ListParams { return p }
