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
