package service

import (
	"context"
	"slices"

	"github.com/checkoutd/checkoutd/checkout"
)

// filteredList is one page of scope's objects of kind that keep accepts,
// newest first, with Stripe's cursors. The generic object reads know no
// fields, so it reads the store's pages (the largest size) and filters
// them, until it has one item more than the page (which sets HasMore) or
// the objects run out. A filter that matches little reads much: fine for
// a merchant's products and invoices, which are not the hot path (a
// store query indexed on the field is the way if one ever is).
func filteredList[T any](ctx context.Context, st checkout.Store, scope checkout.Scope, kind string, p checkout.ListParams,
	keep func(checkout.Object) (T, bool)) (checkout.Page[T], error) {
	var out checkout.Page[T]
	if err := checkList(&p); err != nil {
		return out, err
	}
	backward := p.EndingBefore != ""
	q := checkout.ListParams{Limit: MaxListLimit, StartingAfter: p.StartingAfter, EndingBefore: p.EndingBefore}
	var got []T // nearest the cursor first
	for len(got) <= p.Limit {
		page, err := st.ListObjects(ctx, scope, kind, q)
		if err != nil {
			return out, err
		}
		items := page.Items
		if backward {
			// ending_before pages come newest first too: the nearest
			// the cursor are at the end.
			items = slices.Clone(items)
			slices.Reverse(items)
		}
		for _, o := range items {
			if v, ok := keep(o); ok {
				got = append(got, v)
			}
		}
		if !page.HasMore || len(items) == 0 {
			break
		}
		if backward {
			q.EndingBefore = items[len(items)-1].ObjectID()
		} else {
			q.StartingAfter = items[len(items)-1].ObjectID()
		}
	}
	if out.HasMore = len(got) > p.Limit; out.HasMore {
		got = got[:p.Limit]
	}
	if backward {
		slices.Reverse(got)
	}
	out.Items = got
	return out, nil
}
