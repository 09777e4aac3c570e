package http

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/http/params"
	"github.com/checkoutd/checkoutd/service"
)

// A room with names of its own reuses listPage: its cursor names are read,
// the canonical ones are unknown to it, its filter sees the other
// parameters, and every item of the page is rendered.
func TestListPageNames(t *testing.T) {
	names := cursorNames{limit: "page_size", startingAfter: "after", endingBefore: "before"}
	type filter struct {
		checkout.ListParams
		color string
	}
	colorFilter := func(v *params.Values, p checkout.ListParams) filter {
		f := filter{ListParams: p}
		f.color, _ = v.String("color")
		return f
	}
	var got filter
	fetch := func(_ context.Context, scope checkout.Scope, f filter) (checkout.Page[int], error) {
		if scope.AccountID != "acct_1" {
			t.Errorf("scope %+v", scope)
		}
		got = f
		return checkout.Page[int]{Items: []int{1, 2}, HasMore: true}, nil
	}
	render := func(n int) string { return strings.Repeat("x", n) }
	scope := checkout.Scope{AccountID: "acct_1"}

	r := httptest.NewRequest("GET", "/things?page_size=2&after=t_1&before=t_9&color=red", nil)
	data, more, err := listPage(r, scope, names, colorFilter, fetch, render)
	if err != nil {
		t.Fatal(err)
	}
	want := filter{ListParams: checkout.ListParams{Limit: 2, StartingAfter: "t_1", EndingBefore: "t_9"}, color: "red"}
	if got != want {
		t.Errorf("filter %+v, want %+v", got, want)
	}
	if len(data) != 2 || data[0] != "x" || data[1] != "xx" || !more {
		t.Errorf("page %q, more %v", data, more)
	}

	r = httptest.NewRequest("GET", "/things", nil)
	if _, _, err := listPage(r, scope, names, colorFilter, fetch, render); err != nil || got.Limit != service.DefaultListLimit {
		t.Errorf("no parameters: limit %d, err %v; want %d", got.Limit, err, service.DefaultListLimit)
	}

	got = filter{}
	r = httptest.NewRequest("GET", "/things?limit=2", nil)
	_, _, err = listPage(r, scope, names, colorFilter, fetch, render)
	if e, ok := err.(*checkout.Error); !ok || e.Code != "parameter_unknown" || e.Param != "limit" {
		t.Errorf("a canonical name in this room: %v, want parameter_unknown on limit", err)
	}
	if got != (filter{}) {
		t.Errorf("fetched %+v for a refused request", got)
	}

	empty := func(context.Context, checkout.Scope, filter) (checkout.Page[int], error) {
		return checkout.Page[int]{}, nil
	}
	r = httptest.NewRequest("GET", "/things", nil)
	if data, _, err := listPage(r, scope, names, colorFilter, empty, render); err != nil || data == nil || len(data) != 0 {
		t.Errorf("an empty page: %#v, %v; want an empty, non-nil slice (JSON [])", data, err)
	}
}
