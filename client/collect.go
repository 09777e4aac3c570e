package client

// What a session collects beyond the payment (Stripe Checkout's names and
// shapes): the parameters of SessionParams that ask for it, and what the
// customer gave, on Session once they pay.

// Billing address collection, SessionParams.BillingAddressCollection.
const (
	BillingAddressCollectionAuto     = "auto"
	BillingAddressCollectionRequired = "required"
)

// Submit types, SessionParams.SubmitType: the words on the pay button.
const (
	SubmitTypeAuto   = "auto"
	SubmitTypePay    = "pay"
	SubmitTypeBook   = "book"
	SubmitTypeDonate = "donate"
)

// Custom field types.
const (
	CustomFieldTypeText     = "text"
	CustomFieldTypeNumeric  = "numeric"
	CustomFieldTypeDropdown = "dropdown"
)

// ShippingAddressCollection asks for a shipping address in one of
// AllowedCountries (ISO 3166-1 alpha-2 codes, upper case).
type ShippingAddressCollection struct {
	AllowedCountries []string `json:"allowed_countries"`
}

// PhoneNumberCollection asks for the customer's phone number when Enabled.
type PhoneNumberCollection struct {
	Enabled bool `json:"enabled"`
}

// ConsentCollection asks the customer to consent: TermsOfService "required"
// puts a checkbox linking the account's terms of service on the page (the
// account must have business_profile[terms_of_service_url]).
type ConsentCollection struct {
	TermsOfService string `json:"terms_of_service,omitempty"`
}

// CustomText is plain text for the page; each is nil when not set.
type CustomText struct {
	Submit                   *CustomTextMessage `json:"submit,omitempty"`
	ShippingAddress          *CustomTextMessage `json:"shipping_address,omitempty"`
	TermsOfServiceAcceptance *CustomTextMessage `json:"terms_of_service_acceptance,omitempty"`
	AfterSubmit              *CustomTextMessage `json:"after_submit,omitempty"`
}

// CustomTextMessage is one text of CustomText.
type CustomTextMessage struct {
	Message string `json:"message"`
}

// CustomField is a question on the page (at most 3 per session). As a
// parameter, set Key, Label, Type, Optional and the configuration of the
// type (Dropdown's options, or Text or Numeric lengths); on a session read
// back, the configuration also holds the customer's Value.
type CustomField struct {
	// Key is yours, to reconcile the answer: letters and digits, unique.
	Key      string               `json:"key"`
	Label    CustomFieldLabel     `json:"label"`
	Type     string               `json:"type"`
	Optional bool                 `json:"optional,omitempty"`
	Dropdown *CustomFieldDropdown `json:"dropdown,omitempty"`
	Numeric  *CustomFieldLengths  `json:"numeric,omitempty"`
	Text     *CustomFieldLengths  `json:"text,omitempty"`
}

// CustomFieldLabel is what the customer reads; Type is "custom".
type CustomFieldLabel struct {
	Type   string `json:"type"`
	Custom string `json:"custom"`
}

// CustomFieldDropdown is a dropdown's options and, read back, the value
// chosen.
type CustomFieldDropdown struct {
	Options []CustomFieldOption `json:"options"`
	Value   string              `json:"value,omitempty"`
}

// CustomFieldOption is one choice: Value (letters and digits) is what you
// read back, Label what the customer sees.
type CustomFieldOption struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// CustomFieldLengths bounds a text or numeric answer (0: not set) and,
// read back, holds it.
type CustomFieldLengths struct {
	MinimumLength int    `json:"minimum_length,omitempty"`
	MaximumLength int    `json:"maximum_length,omitempty"`
	Value         string `json:"value,omitempty"`
}

// Value is the customer's answer to f, "" until they pay (or when they
// left an optional field empty).
func (f CustomField) Value() string {
	switch {
	case f.Dropdown != nil:
		return f.Dropdown.Value
	case f.Numeric != nil:
		return f.Numeric.Value
	case f.Text != nil:
		return f.Text.Value
	}
	return ""
}

// Consent is what the customer consented to; TermsOfService is "accepted".
type Consent struct {
	TermsOfService string `json:"terms_of_service"`
}

// Address is a postal address as the customer gave it.
type Address struct {
	Line1      string `json:"line1"`
	Line2      string `json:"line2"`
	City       string `json:"city"`
	State      string `json:"state"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

// CustomerDetails is what the customer gave about themselves: Address is
// the billing address, nil when none was asked for.
type CustomerDetails struct {
	Email   string   `json:"email"`
	Name    string   `json:"name"`
	Phone   string   `json:"phone"`
	Address *Address `json:"address"`
}

// ShippingDetails is where the order goes.
type ShippingDetails struct {
	Name    string  `json:"name"`
	Address Address `json:"address"`
}
