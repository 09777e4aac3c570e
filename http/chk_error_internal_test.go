package http

import (
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
)

// TestChkErrorRenames: chkError renames a parameter, and only a leading
// whole-word mention of it in the message.
func TestChkErrorRenames(t *testing.T) {
	for _, c := range []struct {
		param, msg, wantParam, wantMsg string
	}{
		{"customer", "customer must be at most 200 characters", "customer_id", "customer_id must be at most 200 characters"},
		{"customer", "customers are not taken", "customer_id", "customers are not taken"},
		{"token", "a token and chain are taken for stablecoin payments only", "selected_token", "a token and chain are taken for stablecoin payments only"},
		{"line_items[0][price_data][unit_amount]", "line_items[0][price_data][unit_amount] is required", "line_items[0][unit_amount]", "line_items[0][unit_amount] is required"},
	} {
		err := chkError(checkout.Invalid(c.param, "parameter_invalid", "%s", c.msg))
		e, ok := err.(*checkout.Error)
		if !ok || e.Param != c.wantParam || e.Message != c.wantMsg {
			t.Errorf("%s %q → %v, want %s %q", c.param, c.msg, err, c.wantParam, c.wantMsg)
		}
	}
}
