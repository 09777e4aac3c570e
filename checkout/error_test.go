package checkout_test

import (
	"reflect"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
)

// An error's field is a path a dialect can render in its own names.
func TestErrorField(t *testing.T) {
	for _, c := range []struct {
		param string
		want  []string
	}{
		{"", nil},
		{"amount", []string{"amount"}},
		{"line_items[0][price_data][unit_amount]", []string{"line_items", "0", "price_data", "unit_amount"}},
		{"metadata[order id]", []string{"metadata", "order id"}},
		{"created[gte]", []string{"created", "gte"}},
		{"Idempotency-Key", []string{"Idempotency-Key"}},
		// Not a path: kept whole rather than split wrongly.
		{"a[b", []string{"a[b"}},
		{"[0]", []string{"[0]"}},
		{"a[]", []string{"a[]"}},
		{"a[b]c", []string{"a[b]c"}},
	} {
		got := (&checkout.Error{Param: c.param}).Field()
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Field of %q = %q, want %q", c.param, got, c.want)
		}
	}
}
