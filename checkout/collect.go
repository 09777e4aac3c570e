package checkout

import "slices"

// What a session asks the customer for beyond the payment, and what the
// customer gave: Stripe Checkout's *_collection, custom_fields, custom_text
// and submit_type parameters, and its customer_details, shipping_details,
// custom_fields[].value and consent on the session. The merchant sets the
// first when creating the session; the page asks for them; the service
// checks the answers and records them with the payment attempt's claim.

// Billing address collection: what the page asks for a card payment.
const (
	BillingAuto     = "auto"     // no billing address (the provider asks if it needs one)
	BillingRequired = "required" // a full billing address and the customer's name
)

// Terms of service consent collection.
const (
	ConsentNone     = "none"
	ConsentRequired = "required"
)

// Submit types: the words on the pay button.
const (
	SubmitAuto   = "auto"
	SubmitPay    = "pay"
	SubmitBook   = "book"
	SubmitDonate = "donate"
)

// CustomFieldType is the kind of input of a custom field.
type CustomFieldType string

const (
	CustomFieldText     CustomFieldType = "text"
	CustomFieldNumeric  CustomFieldType = "numeric"
	CustomFieldDropdown CustomFieldType = "dropdown"
)

// MaxCustomFields is how many custom fields a session may ask for (Stripe's limit).
const MaxCustomFields = 3

// CustomField is a question the merchant adds to the page, and the
// customer's answer in Value ("" until given, and for an optional field
// left empty).
type CustomField struct {
	Key      string // the merchant's name for it: alphanumeric, unique in the session
	Label    string // shown to the customer (label[custom])
	Type     CustomFieldType
	Optional bool
	// Options are a dropdown's choices, in order.
	Options []CustomFieldOption
	// MinLength and MaxLength bound a text or numeric answer; 0 when not set.
	MinLength, MaxLength int
	Value                string
}

// CustomFieldOption is one choice of a dropdown: Value is what the merchant
// reads back, Label what the customer sees.
type CustomFieldOption struct {
	Label, Value string
}

// CustomText is the merchant's plain text shown on the page: above the pay
// button, by the shipping address, by the terms checkbox, and below the pay
// button (Stripe's after_submit). Empty strings show nothing.
type CustomText struct {
	Submit, ShippingAddress, TermsOfServiceAcceptance, AfterSubmit string
}

// Address is a postal address as collected: Country is an ISO 3166-1
// alpha-2 code in upper case; the other fields are as the country's format
// wants them (see the service's address rules).
type Address struct {
	Line1, Line2, City, State, PostalCode, Country string
}

// CustomerDetails is what the customer gave about themselves when paying
// (the email is Session.CustomerEmail). Address is the billing address, nil
// when none was asked for.
type CustomerDetails struct {
	Name    string
	Phone   string
	Address *Address
}

// ShippingDetails is where the order goes.
type ShippingDetails struct {
	Name    string
	Address Address
}

// CollectsAnything reports whether the page asks the customer for more
// than the payment's own inputs.
func (s *Session) CollectsAnything() bool {
	return s.ShippingCountries != nil || s.BillingAddressCollection == BillingRequired || s.PhoneNumberCollection ||
		len(s.CustomFields) > 0 || s.TermsOfServiceConsent == ConsentRequired
}

// cloneCollect deep-copies the collection fields of c, which is a shallow
// copy of a session.
func cloneCollect(c *Session) {
	c.ShippingCountries = slices.Clone(c.ShippingCountries)
	c.CustomFields = slices.Clone(c.CustomFields)
	for i := range c.CustomFields {
		c.CustomFields[i].Options = slices.Clone(c.CustomFields[i].Options)
	}
	if c.CustomerDetails != nil {
		d := *c.CustomerDetails
		if d.Address != nil {
			a := *d.Address
			d.Address = &a
		}
		c.CustomerDetails = &d
	}
	if c.ShippingDetails != nil {
		d := *c.ShippingDetails
		c.ShippingDetails = &d
	}
}
