package http

import (
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
)

// A service error's parameter reads in the dialect's words.
func TestV2Param(t *testing.T) {
	for in, want := range map[string]string{
		"amount":                  "amountMinor",
		"success_url":             "successUrl",
		"companion_device":        "companionDeviceId",
		"payment_method_types[1]": "allowedMethods[1]",
		"line_items[0][product]":  "lineItems[0].productId",
		"line_items[2][quantity]": "lineItems[2].quantity",
		"metadata[order_id]":      "metadata.order_id",
		"name":                    "name",
		"customer_email":          "customerEmail",
		"restrictions[completed_sessions][limit]": "maxCompletedSessions",
	} {
		if got := v2Param(in); got != want {
			t.Errorf("v2Param(%q) = %q, want %q", in, got, want)
		}
	}
	err := v2Error(checkout.Invalid("success_url", "url_invalid", "bad"))
	if e := err.(*checkout.Error); e.Param != "successUrl" || e.Code != "url_invalid" || e.Kind != checkout.KindInvalid {
		t.Errorf("v2Error: %+v", e)
	}
}

// An error reaches the caller in the dialect's words, all through
// v2Error: the service's renamed (with its room's line names when it
// carries them), the decoder's as sent (v2Decoded).
func TestV2Errors(t *testing.T) {
	for _, c := range []struct {
		err            error
		lines          func(param, code string) string
		param, message string
	}{
		{checkout.Invalid("line_items[1][price_data][unit_amount]", "parameter_invalid_integer", "unit_amount must be between 0 and 9; got -1"),
			v2InvoiceLines, "lineItems[1].unitAmountMinor", "unitAmountMinor must be between 0 and 9; got -1"},
		{checkout.Invalid("line_items[0][price_data][unit_amount]", "parameter_missing", "give line_items[0][product] or line_items[0][price_data][unit_amount]"),
			v2InvoiceLines, "lineItems[0].unitAmountMinor", "give lineItems[0].productId or lineItems[0].unitAmountMinor"},
		{checkout.Invalid("line_items[0][price_data][product_data][name]", "parameter_missing", "line_items[0][price_data][product_data][name] is required"),
			v2InvoiceLines, "lineItems[0].name", "lineItems[0].name is required"},
		{checkout.Invalid("line_items[0][product]", "resource_missing", "no such product: 'prod_nope'"),
			v2ProductLine, "productId", "no such product: 'prod_nope'"},
		{checkout.Invalid("line_items[0][price_data][currency]", "currency_mismatch", "line_items[0][price_data][currency] differs"),
			v2ProductLine, "productId", "productId differs"},
		{checkout.Invalid("line_items[0][quantity]", "parameter_invalid_integer", "quantity must be between 1 and 9; got 0"),
			v2ProductLine, "quantity", "quantity must be between 1 and 9; got 0"},
		{checkout.Invalid("line_items", "amount_too_large", "the line items add up to more than 9"),
			v2ProductLine, "quantity", "the line items add up to more than 9"},
		{checkout.Invalid("line_items", "amount_too_small", "the line items must add up to at least 1"),
			v2ProductLine, "productId", "the line items must add up to at least 1"},
		{checkout.Invalid("restrictions[completed_sessions][limit]", "parameter_invalid_integer", "restrictions[completed_sessions][limit] must be between 1 and 10000; got 0"),
			v2ProductLine, "maxCompletedSessions", "maxCompletedSessions must be between 1 and 10000; got 0"},
		{checkout.Invalid("customer_email", "parameter_missing", "customer_email is required"),
			nil, "customerEmail", "customerEmail is required"},
		{checkout.Invalid("amount", "amount_too_small", "amount must be at least 1; amount_total is 0"),
			nil, "amountMinor", "amountMinor must be at least 1; amount_total is 0"},
		// A plain word is renamed where it begins the message only:
		// elsewhere it is prose.
		{checkout.Invalid("invoice", "resource_missing", "no such invoice: 'in_1'"),
			nil, "invoiceId", "no such invoice: 'in_1'"},
		{checkout.Invalid("invoice", "invoice_not_open", "invoice in_1 is void, not open"),
			nil, "invoiceId", "invoiceId in_1 is void, not open"},
		// The service's unknown parameter is a canonical name too.
		{checkout.Invalid("expires_at", "parameter_unknown", "a payment link's expires_at cannot be changed"),
			nil, "expiresAt", "a payment link's expiresAt cannot be changed"},
	} {
		err := error(c.err)
		if c.lines != nil {
			err = v2LineNames{err, c.lines}
		}
		e := v2Error(err).(*checkout.Error)
		if e.Param != c.param || e.Message != c.message {
			t.Errorf("%v: param %q, message %q; want %q, %q", c.err, e.Param, e.Message, c.param, c.message)
		}
	}
	// An error that names no parameter leaves v2Error as it came, unwrapped.
	state := &checkout.Error{Kind: checkout.KindState, Code: "invoice_not_open", Message: "not open"}
	if e, ok := v2Error(v2LineNames{state, v2InvoiceLines}).(*checkout.Error); !ok || e != state {
		t.Errorf("a state error came out as %#v", e)
	}
	for in, want := range map[string]string{
		"unit_amount":              "unit_amount",
		"amount":                   "amount",
		"lineItems[0][price_data]": "lineItems[0].price_data",
		"metadata[k]":              "metadata.k",
		"metadata[order_id]":       "metadata.order_id",
	} {
		sent := v2Decoded(checkout.Invalid(in, "parameter_invalid", "%s is not right", in))
		e, ok := v2Error(sent).(*checkout.Error)
		if !ok || e.Param != want || e.Message != want+" is not right" {
			t.Errorf("decoded %q: %+v", in, e)
		}
	}
}
