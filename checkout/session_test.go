package checkout_test

import (
	"reflect"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
)

// A clone is equal to its original, nil and empty lists included (the
// stored JSON tells them apart), and shares nothing a caller could change.
func TestSessionClone(t *testing.T) {
	for name, s := range map[string]*checkout.Session{
		"nil lists": {ID: "cs_1"},
		"empty lists": {ID: "cs_2", PaymentMethodTypes: []string{}, Metadata: map[string]string{},
			LineItems: []checkout.LineItem{{Name: "a", Images: []string{}}}},
		"full": {ID: "cs_3", PaymentMethodTypes: []string{"card"}, Metadata: map[string]string{"k": "v"},
			LineItems: []checkout.LineItem{{Name: "a", Images: []string{"https://img.example/a.png"}}}},
	} {
		t.Run(name, func(t *testing.T) {
			c := s.Clone()
			if !reflect.DeepEqual(c, s) {
				t.Fatalf("clone %+v, want %+v", c, s)
			}
			if len(c.PaymentMethodTypes) > 0 {
				c.PaymentMethodTypes[0] = "changed"
				c.Metadata["k"] = "changed"
				c.LineItems[0].Name = "changed"
				c.LineItems[0].Images[0] = "changed"
				if s.PaymentMethodTypes[0] == "changed" || s.Metadata["k"] == "changed" ||
					s.LineItems[0].Name == "changed" || s.LineItems[0].Images[0] == "changed" {
					t.Errorf("changing the clone changed the original: %+v", s)
				}
			}
		})
	}
}

// A clone shares none of the collection's lists and details either.
func TestSessionCloneCollect(t *testing.T) {
	s := &checkout.Session{ID: "cs_4", ShippingCountries: []string{"PT"},
		CustomFields:    []checkout.CustomField{{Key: "size", Options: []checkout.CustomFieldOption{{Label: "S", Value: "s"}}}},
		CustomerDetails: &checkout.CustomerDetails{Name: "Ana", Address: &checkout.Address{City: "Porto"}},
		ShippingDetails: &checkout.ShippingDetails{Name: "Ana", Address: checkout.Address{City: "Porto"}}}
	c := s.Clone()
	if !reflect.DeepEqual(c, s) {
		t.Fatalf("clone %+v, want %+v", c, s)
	}
	c.ShippingCountries[0], c.CustomFields[0].Options[0].Value = "changed", "changed"
	c.CustomerDetails.Name, c.CustomerDetails.Address.City, c.ShippingDetails.Address.City = "changed", "changed", "changed"
	if s.ShippingCountries[0] == "changed" || s.CustomFields[0].Options[0].Value == "changed" || s.CustomerDetails.Name == "changed" ||
		s.CustomerDetails.Address.City == "changed" || s.ShippingDetails.Address.City == "changed" {
		t.Errorf("changing the clone changed the original: %+v", s)
	}
}
