package http

import (
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
)

// A catalog error reaches the caller in the dialect's words: the service's
// through v2Explain then v2Error, the decoder's as sent (v2Decoded), and
// v2Error leaves the latter alone.
func TestV2CatalogErrors(t *testing.T) {
	for _, c := range []struct {
		err            error
		rename         func(string) string
		param, message string
	}{
		{checkout.Invalid("line_items[1][price_data][unit_amount]", "parameter_invalid_integer", "unit_amount must be between 0 and 9; got -1"),
			v2LineParams.Replace, "lineItems[1].unitAmountMinor", "unitAmountMinor must be between 0 and 9; got -1"},
		{checkout.Invalid("line_items[0][price_data][unit_amount]", "parameter_missing", "give line_items[0][product] or line_items[0][price_data][unit_amount]"),
			v2LineParams.Replace, "lineItems[0].unitAmountMinor", "give lineItems[0].productId or lineItems[0].unitAmountMinor"},
		{checkout.Invalid("line_items[0][price_data][product_data][name]", "parameter_missing", "line_items[0][price_data][product_data][name] is required"),
			v2LineParams.Replace, "lineItems[0].name", "lineItems[0].name is required"},
		{checkout.Invalid("line_items[0][product]", "resource_missing", "no such product: 'prod_nope'"),
			v2LinkParam, "productId", "no such product: 'prod_nope'"},
		{checkout.Invalid("line_items[0][quantity]", "parameter_invalid_integer", "quantity must be between 1 and 9; got 0"),
			v2LinkParam, "quantity", "quantity must be between 1 and 9; got 0"},
		{checkout.Invalid("restrictions[completed_sessions][limit]", "parameter_invalid_integer", "restrictions[completed_sessions][limit] must be between 1 and 10000; got 0"),
			v2LinkParam, "maxCompletedSessions", "maxCompletedSessions must be between 1 and 10000; got 0"},
		{checkout.Invalid("customer_email", "parameter_missing", "customer_email is required"),
			nil, "customerEmail", "customerEmail is required"},
		{checkout.Invalid("amount", "amount_too_small", "amount must be at least 1; amount_total is 0"),
			nil, "amountMinor", "amountMinor must be at least 1; amount_total is 0"},
	} {
		e := v2Error(v2Explain(c.err, c.rename)).(*checkout.Error)
		if e.Param != c.param || e.Message != c.message {
			t.Errorf("%v: param %q, message %q; want %q, %q", c.err, e.Param, e.Message, c.param, c.message)
		}
	}
	for in, want := range map[string]string{
		"unit_amount":              "unit_amount",
		"lineItems[0][price_data]": "lineItems[0].price_data",
		"metadata[k]":              "metadata.k",
	} {
		sent := v2Decoded(checkout.Invalid(in, "parameter_unknown", "Received unknown parameter: %s", in))
		e, ok := v2Error(sent).(*checkout.Error)
		if !ok || e.Param != want || e.Message != "Received unknown parameter: "+want {
			t.Errorf("decoded %q: %+v", in, e)
		}
	}
}
