package service_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

func i64(n int64) *int64 { return &n }

// collectParams asks for everything but consent, which needs a terms URL.
func collectParams() *service.SessionParams {
	amount := int64(1200)
	return &service.SessionParams{Amount: &amount, SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no",
		Collect: service.CollectParams{
			ShippingAddressCollection: &service.ShippingCollectionParams{AllowedCountries: []string{"PT", "FR", "US", "GB"}},
			BillingAddressCollection:  "required",
			PhoneNumberCollection:     true,
			CustomFields: []service.CustomFieldParams{
				{Key: "giftnote", LabelType: "custom", Label: "Gift note", Type: "text", Optional: true, Text: &service.LengthParams{MaximumLength: i64(20)}},
				{Key: "nif", LabelType: "custom", Label: "Tax number", Type: "numeric", Numeric: &service.LengthParams{MinimumLength: i64(9), MaximumLength: i64(9)}},
				{Key: "size", LabelType: "custom", Label: "Size", Type: "dropdown", Dropdown: &service.DropdownParams{Options: []checkout.CustomFieldOption{{Label: "Small", Value: "s"}, {Label: "Large", Value: "l"}}}},
			},
			CustomText: checkout.CustomText{Submit: "Ships in 2 days.", ShippingAddress: "We ship to 4 countries.", AfterSubmit: "Thanks!"},
			SubmitType: "book",
		}}
}

func TestCreateSessionCollects(t *testing.T) {
	f := newFixture(t)
	s, err := f.svc.CreateSession(f.ctx, f.scope, collectParams())
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.GetSession(f.ctx, f.scope, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.ShippingCountries, []string{"PT", "FR", "US", "GB"}) || got.BillingAddressCollection != "required" ||
		!got.PhoneNumberCollection || len(got.CustomFields) != 3 || got.SubmitType != "book" || got.CustomText.AfterSubmit != "Thanks!" {
		t.Fatalf("stored %+v", got)
	}
	if f0, f1, f2 := got.CustomFields[0], got.CustomFields[1], got.CustomFields[2]; !f0.Optional || f0.MaxLength != 20 || f1.MinLength != 9 ||
		f1.Type != checkout.CustomFieldNumeric || len(f2.Options) != 2 || f2.Options[1].Value != "l" {
		t.Fatalf("custom fields %+v", got.CustomFields)
	}
}

// Every bad collection parameter is refused naming itself, and writes nothing.
func TestCreateSessionCollectInvalid(t *testing.T) {
	f := newFixture(t)
	long := func(n int) string { return strings.Repeat("a", n) }
	for _, tc := range []struct {
		param, code string
		change      func(c *service.CollectParams)
	}{
		{"shipping_address_collection[allowed_countries]", "parameter_missing", func(c *service.CollectParams) { c.ShippingAddressCollection.AllowedCountries = nil }},
		{"shipping_address_collection[allowed_countries][1]", "parameter_invalid", func(c *service.CollectParams) { c.ShippingAddressCollection.AllowedCountries[1] = "fr" }},
		{"shipping_address_collection[allowed_countries][2]", "parameter_invalid", func(c *service.CollectParams) { c.ShippingAddressCollection.AllowedCountries[2] = "XX" }},
		{"shipping_address_collection[allowed_countries][3]", "parameter_invalid", func(c *service.CollectParams) { c.ShippingAddressCollection.AllowedCountries[3] = "PT" }},
		{"billing_address_collection", "parameter_invalid", func(c *service.CollectParams) { c.BillingAddressCollection = "always" }},
		{"custom_fields", "parameter_invalid", func(c *service.CollectParams) { c.CustomFields = append(c.CustomFields, c.CustomFields[0]) }},
		{"custom_fields[0][key]", "parameter_missing", func(c *service.CollectParams) { c.CustomFields[0].Key = "" }},
		{"custom_fields[0][key]", "parameter_invalid", func(c *service.CollectParams) { c.CustomFields[0].Key = "gift_note" }},
		{"custom_fields[0][key]", "parameter_invalid", func(c *service.CollectParams) { c.CustomFields[0].Key = long(201) }},
		{"custom_fields[2][key]", "parameter_invalid", func(c *service.CollectParams) { c.CustomFields[2].Key = "giftnote" }},
		{"custom_fields[0][label][type]", "parameter_missing", func(c *service.CollectParams) { c.CustomFields[0].LabelType = "" }},
		{"custom_fields[0][label][type]", "parameter_invalid", func(c *service.CollectParams) { c.CustomFields[0].LabelType = "text" }},
		{"custom_fields[0][label][custom]", "parameter_missing", func(c *service.CollectParams) { c.CustomFields[0].Label = " " }},
		{"custom_fields[0][label][custom]", "parameter_invalid", func(c *service.CollectParams) { c.CustomFields[0].Label = long(51) }},
		{"custom_fields[0][type]", "parameter_missing", func(c *service.CollectParams) { c.CustomFields[0].Type = "" }},
		{"custom_fields[0][type]", "parameter_invalid", func(c *service.CollectParams) { c.CustomFields[0].Type = "email" }},
		{"custom_fields[0][dropdown]", "parameter_invalid", func(c *service.CollectParams) { c.CustomFields[0].Dropdown = c.CustomFields[2].Dropdown }},
		{"custom_fields[0][text][maximum_length]", "parameter_invalid_integer", func(c *service.CollectParams) { c.CustomFields[0].Text.MaximumLength = i64(256) }},
		{"custom_fields[1][numeric][minimum_length]", "parameter_invalid_integer", func(c *service.CollectParams) { c.CustomFields[1].Numeric.MinimumLength = i64(0) }},
		{"custom_fields[1][numeric][minimum_length]", "parameter_invalid", func(c *service.CollectParams) { c.CustomFields[1].Numeric.MaximumLength = i64(8) }},
		{"custom_fields[2][dropdown][options]", "parameter_missing", func(c *service.CollectParams) { c.CustomFields[2].Dropdown = nil }},
		{"custom_fields[2][dropdown][options]", "parameter_invalid", func(c *service.CollectParams) {
			c.CustomFields[2].Dropdown = &service.DropdownParams{Options: make([]checkout.CustomFieldOption, 201)}
		}},
		{"custom_fields[2][dropdown][options][1][value]", "parameter_invalid", func(c *service.CollectParams) {
			c.CustomFields[2].Dropdown = &service.DropdownParams{Options: []checkout.CustomFieldOption{{Label: "S", Value: "s"}, {Label: "M", Value: "m-1"}}}
		}},
		{"custom_fields[2][dropdown][options][1][value]", "parameter_invalid", func(c *service.CollectParams) {
			c.CustomFields[2].Dropdown = &service.DropdownParams{Options: []checkout.CustomFieldOption{{Label: "S", Value: "s"}, {Label: "M", Value: "s"}}}
		}},
		{"custom_fields[2][dropdown][options][0][label]", "parameter_missing", func(c *service.CollectParams) {
			c.CustomFields[2].Dropdown = &service.DropdownParams{Options: []checkout.CustomFieldOption{{Value: "s"}}}
		}},
		{"consent_collection[terms_of_service]", "terms_of_service_url_missing", func(c *service.CollectParams) { c.TermsOfService = "required" }},
		{"consent_collection[terms_of_service]", "parameter_invalid", func(c *service.CollectParams) { c.TermsOfService = "yes" }},
		{"custom_text[after_submit][message]", "parameter_invalid", func(c *service.CollectParams) { c.CustomText.AfterSubmit = long(1201) }},
		{"custom_text[submit][message]", "parameter_invalid", func(c *service.CollectParams) { c.CustomText.Submit = "a\x00b" }},
		{"custom_text[shipping_address][message]", "parameter_invalid", func(c *service.CollectParams) { c.ShippingAddressCollection = nil }},
		{"custom_text[terms_of_service_acceptance][message]", "parameter_invalid", func(c *service.CollectParams) { c.CustomText.TermsOfServiceAcceptance = "I agree" }},
		{"submit_type", "parameter_invalid", func(c *service.CollectParams) { c.SubmitType = "buy" }},
	} {
		t.Run(tc.param+"/"+tc.code, func(t *testing.T) {
			p := collectParams()
			tc.change(&p.Collect)
			_, err := f.svc.CreateSession(f.ctx, f.scope, p)
			e, ok := err.(*checkout.Error)
			if !ok || e.Kind != checkout.KindInvalid || e.Param != tc.param || e.Code != tc.code {
				t.Fatalf("got %v; want %s naming %s", err, tc.code, tc.param)
			}
			if tc.code == "terms_of_service_url_missing" && !strings.Contains(e.Message, "business_profile[terms_of_service_url]") {
				t.Errorf("message %q does not say what to set", e.Message)
			}
		})
	}
	list, err := f.svc.ListSessions(f.ctx, f.scope, checkout.SessionFilter{ListParams: checkout.ListParams{Limit: 10}})
	if err != nil || len(list.Items) != 0 {
		t.Fatalf("refused sessions were written: %d, %v", len(list.Items), err)
	}
}

// goodCollected answers everything collectParams asks for.
func goodCollected() service.Collected {
	return service.Collected{
		Name: " Ana  Silva ", Phone: "+351 912 345 678",
		Shipping:     checkout.Address{Line1: "Rua das Flores 1", City: "Porto", PostalCode: "4050-262", Country: "PT"},
		Billing:      checkout.Address{Line1: "1 Main St", City: "Springfield", State: "il", PostalCode: "62701", Country: "US"},
		CustomFields: map[string]string{"nif": "123 456 789", "size": "l", "unknown": "ignored"},
	}
}

func TestPayRecordsCollected(t *testing.T) {
	f := newFixture(t)
	s, err := f.svc.CreateSession(f.ctx, f.scope, collectParams())
	if err != nil {
		t.Fatal(err)
	}
	sess, p, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123"), Email: "ana@example.com", Collected: goodCollected()})
	if err != nil || p.Status != checkout.PaymentSucceeded {
		t.Fatal(err)
	}
	wantDetails := &checkout.CustomerDetails{Name: "Ana Silva", Phone: "+351912345678",
		Address: &checkout.Address{Line1: "1 Main St", City: "Springfield", State: "IL", PostalCode: "62701", Country: "US"}}
	wantShipping := &checkout.ShippingDetails{Name: "Ana Silva", Address: checkout.Address{Line1: "Rua das Flores 1", City: "Porto", PostalCode: "4050-262", Country: "PT"}}
	stored, _ := f.svc.GetSession(f.ctx, f.scope, s.ID)
	for _, got := range []*checkout.Session{sess, stored} {
		if !reflect.DeepEqual(got.CustomerDetails, wantDetails) || !reflect.DeepEqual(got.ShippingDetails, wantShipping) {
			t.Fatalf("details %+v %+v; want %+v %+v", got.CustomerDetails, got.ShippingDetails, wantDetails, wantShipping)
		}
		if v := []string{got.CustomFields[0].Value, got.CustomFields[1].Value, got.CustomFields[2].Value}; !reflect.DeepEqual(v, []string{"", "123456789", "l"}) {
			t.Fatalf("custom field values %q", v)
		}
	}
	// The completed event carries them.
	events, _ := f.store.ListEvents(f.ctx, f.scope, checkout.EventFilter{ListParams: checkout.ListParams{Limit: 10}, Type: checkout.EventSessionCompleted})
	if len(events.Items) != 1 || !reflect.DeepEqual(events.Items[0].Session.ShippingDetails, wantShipping) || events.Items[0].Session.CustomFields[2].Value != "l" {
		t.Fatalf("completed event %+v", events.Items)
	}
}

// Billing "same as shipping" takes the shipping address, and no billing
// field is checked.
func TestPayBillingSameAsShipping(t *testing.T) {
	f := newFixture(t)
	s, _ := f.svc.CreateSession(f.ctx, f.scope, collectParams())
	c := goodCollected()
	c.Billing, c.BillingSameAsShipping = checkout.Address{}, true
	sess, _, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123"), Collected: c})
	if err != nil {
		t.Fatal(err)
	}
	if *sess.CustomerDetails.Address != sess.ShippingDetails.Address {
		t.Fatalf("billing %+v, shipping %+v", sess.CustomerDetails.Address, sess.ShippingDetails.Address)
	}
}

// Every rule on what the customer gives: each bad answer is named by the
// page's field, all of them at once, and the payment writes nothing.
func TestPayCollectedInvalid(t *testing.T) {
	f := newFixture(t)
	s, err := f.svc.CreateSession(f.ctx, f.scope, collectParams())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(c *service.Collected)
		want   map[string]string // param → code
	}{
		{"nothing given", func(c *service.Collected) { *c = service.Collected{} }, map[string]string{
			"name": "parameter_missing", "phone": "parameter_missing",
			"shipping_address[country]": "parameter_missing", "shipping_address[line1]": "parameter_missing", "shipping_address[city]": "parameter_missing",
			"billing_address[country]": "parameter_missing", "billing_address[line1]": "parameter_missing", "billing_address[city]": "parameter_missing",
			"custom_fields[nif]": "parameter_missing", "custom_fields[size]": "parameter_missing"}},
		{"country not shipped to", func(c *service.Collected) { c.Shipping.Country, c.Shipping.PostalCode = "ES", "28001" }, map[string]string{"shipping_address[country]": "country_unsupported"}},
		{"not a country", func(c *service.Collected) { c.Billing.Country = "XX" }, map[string]string{"billing_address[country]": "country_invalid"}},
		{"PT postal code", func(c *service.Collected) { c.Shipping.PostalCode = "4050262" }, map[string]string{"shipping_address[postal_code]": "postal_code_invalid"}},
		{"PT postal code missing", func(c *service.Collected) { c.Shipping.PostalCode = "" }, map[string]string{"shipping_address[postal_code]": "parameter_missing"}},
		{"FR postal code", func(c *service.Collected) {
			c.Shipping = checkout.Address{Line1: "1 rue A", City: "Paris", PostalCode: "7500", Country: "FR"}
		},
			map[string]string{"shipping_address[postal_code]": "postal_code_invalid"}},
		{"US ZIP", func(c *service.Collected) { c.Billing.PostalCode = "6270" }, map[string]string{"billing_address[postal_code]": "postal_code_invalid"}},
		{"US ZIP+4 wrong", func(c *service.Collected) { c.Billing.PostalCode = "62701-12" }, map[string]string{"billing_address[postal_code]": "postal_code_invalid"}},
		{"US state missing", func(c *service.Collected) { c.Billing.State = "" }, map[string]string{"billing_address[state]": "parameter_missing"}},
		{"US state unknown", func(c *service.Collected) { c.Billing.State = "XY" }, map[string]string{"billing_address[state]": "state_invalid"}},
		{"GB postcode", func(c *service.Collected) {
			c.Shipping = checkout.Address{Line1: "10 Downing St", City: "London", PostalCode: "SW1A", Country: "GB"}
		},
			map[string]string{"shipping_address[postal_code]": "postal_code_invalid"}},
		{"generic needs line1 and city", func(c *service.Collected) { c.Billing = checkout.Address{Country: "JP"} },
			map[string]string{"billing_address[line1]": "parameter_missing", "billing_address[city]": "parameter_missing"}},
		{"phone without +", func(c *service.Collected) { c.Phone = "912 345 678" }, map[string]string{"phone": "phone_invalid"}},
		{"phone too short", func(c *service.Collected) { c.Phone = "+351 912" }, map[string]string{"phone": "phone_invalid"}},
		{"phone too long", func(c *service.Collected) { c.Phone = "+1234567890123456" }, map[string]string{"phone": "phone_invalid"}},
		{"phone letters", func(c *service.Collected) { c.Phone = "+35191234567a" }, map[string]string{"phone": "phone_invalid"}},
		{"numeric with letters", func(c *service.Collected) { c.CustomFields["nif"] = "12345678X" }, map[string]string{"custom_fields[nif]": "numeric_invalid"}},
		{"numeric too short", func(c *service.Collected) { c.CustomFields["nif"] = "12345678" }, map[string]string{"custom_fields[nif]": "too_short"}},
		{"numeric too long", func(c *service.Collected) { c.CustomFields["nif"] = "1234567890" }, map[string]string{"custom_fields[nif]": "too_long"}},
		{"text too long", func(c *service.Collected) { c.CustomFields["giftnote"] = strings.Repeat("é", 21) }, map[string]string{"custom_fields[giftnote]": "too_long"}},
		{"dropdown not an option", func(c *service.Collected) { c.CustomFields["size"] = "xl" }, map[string]string{"custom_fields[size]": "option_invalid"}},
		{"name too long", func(c *service.Collected) { c.Name = strings.Repeat("a", 151) }, map[string]string{"name": "parameter_invalid"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := goodCollected()
			tc.change(&c)
			got := map[string]string{}
			for _, e := range f.svc.InputProblems(s, service.PayParams{Method: "card", Collected: c}) {
				got[e.Param] = e.Code
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("errors %v; want %v", got, tc.want)
			}
			_, _, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123"), Collected: c})
			if e, ok := err.(*checkout.Error); !ok || e.Kind != checkout.KindInvalid || tc.want[e.Param] != e.Code {
				t.Fatalf("Pay: %v; want one of %v", err, tc.want)
			}
		})
	}
	after, _ := f.svc.GetSession(f.ctx, f.scope, s.ID)
	payments, _ := f.svc.ListPayments(f.ctx, f.scope, checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 10}})
	if after.Version != s.Version || after.CustomerDetails != nil || len(payments.Items) != 0 || len(f.events(t)) != 0 {
		t.Fatalf("refused payments wrote: version %d → %d, details %+v, %d payments", s.Version, after.Version, after.CustomerDetails, len(payments.Items))
	}
}

// Postal codes and states are kept as the country writes them, however
// they were typed; a state where the country has none is dropped.
func TestPayNormalizesAddress(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ in, want checkout.Address }{
		{checkout.Address{Line1: " 10 Downing St ", City: "London", State: "Greater London", PostalCode: "sw1a1aa", Country: "gb"},
			checkout.Address{Line1: "10 Downing St", City: "London", PostalCode: "SW1A 1AA", Country: "GB"}},
		{checkout.Address{Line1: "1 Main St", City: "Springfield", State: "il", PostalCode: "62701-1234", Country: "US"},
			checkout.Address{Line1: "1 Main St", City: "Springfield", State: "IL", PostalCode: "62701-1234", Country: "US"}},
		{checkout.Address{Line1: "Rua A", City: "Lisboa", PostalCode: "1000-001", Country: "PT"},
			checkout.Address{Line1: "Rua A", City: "Lisboa", PostalCode: "1000-001", Country: "PT"}},
		{checkout.Address{Line1: "Calle A", City: "Madrid", State: "Madrid", PostalCode: "28001", Country: "ES"},
			checkout.Address{Line1: "Calle A", City: "Madrid", State: "Madrid", PostalCode: "28001", Country: "ES"}},
		{checkout.Address{Line1: "1-1 Chiyoda", City: "Tokyo", Country: "JP"},
			checkout.Address{Line1: "1-1 Chiyoda", City: "Tokyo", Country: "JP"}},
		{checkout.Address{Line1: "Damrak 1", City: "Amsterdam", PostalCode: "1011ab", Country: "NL"},
			checkout.Address{Line1: "Damrak 1", City: "Amsterdam", PostalCode: "1011 AB", Country: "NL"}},
	} {
		amount := int64(500)
		s, err := f.svc.CreateSession(f.ctx, f.scope, &service.SessionParams{Amount: &amount, SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no",
			Collect: service.CollectParams{BillingAddressCollection: "required"}})
		if err != nil {
			t.Fatal(err)
		}
		sess, _, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123"), Collected: service.Collected{Name: "A B", Billing: tc.in}})
		if err != nil {
			t.Fatalf("%+v: %v", tc.in, err)
		}
		if *sess.CustomerDetails.Address != tc.want || sess.ShippingDetails != nil {
			t.Errorf("%+v kept as %+v; want %+v", tc.in, sess.CustomerDetails.Address, tc.want)
		}
	}
}

// A session that asks for nothing records only empty details: no name,
// phone or address is required of it.
func TestPayWithoutCollection(t *testing.T) {
	f := newFixture(t)
	s := f.session(t)
	sess, _, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123"),
		Collected: service.Collected{Name: "ignored", Phone: "bad", Shipping: checkout.Address{Country: "XX"}}})
	if err != nil {
		t.Fatal(err)
	}
	if sess.CustomerDetails == nil || *sess.CustomerDetails != (checkout.CustomerDetails{}) || sess.ShippingDetails != nil || sess.TermsAccepted {
		t.Fatalf("details %+v shipping %+v", sess.CustomerDetails, sess.ShippingDetails)
	}
}

// termsAccount makes an account with a terms of service URL, through the
// store.
func termsAccount(t *testing.T, f *fixture) checkout.Scope {
	t.Helper()
	a := &checkout.Account{ID: "acct_terms", Name: "Terms shop", DefaultCurrency: "EUR", SessionTTL: checkout.DefaultSessionTTL,
		Created: f.svc.Now(), Profile: checkout.Profile{TermsURL: "https://shop.example/terms"}}
	if err := f.store.CreateAccount(f.ctx, a, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := f.store.GetAccount(f.ctx, a.ID); err != nil || got.Profile.TermsURL == "" {
		t.Fatalf("the store does not keep an account's terms URL: %v", err)
	}
	return checkout.Scope{AccountID: a.ID}
}

func TestConsentRequired(t *testing.T) {
	f := newFixture(t)
	scope := termsAccount(t, f)
	p := collectParams()
	p.Collect.TermsOfService = "required"
	p.Collect.CustomText.TermsOfServiceAcceptance = "I agree to the terms."
	s, err := f.svc.CreateSession(f.ctx, scope, p)
	if err != nil {
		t.Fatal(err)
	}
	c := goodCollected()
	_, _, err = f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123"), Collected: c})
	if e, ok := err.(*checkout.Error); !ok || e.Param != "consent[terms_of_service]" || e.Code != "consent_required" {
		t.Fatalf("unchecked consent: %v", err)
	}
	c.TermsAccepted = true
	sess, _, err := f.svc.Pay(f.ctx, s.ID, service.PayParams{Method: "card", Card: card("4242424242424242", "123"), Collected: c})
	if err != nil || !sess.TermsAccepted {
		t.Fatalf("consented: %v, accepted %v", err, sess != nil && sess.TermsAccepted)
	}
}
