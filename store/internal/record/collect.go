package record

import "github.com/checkoutd/checkoutd/checkout"

// The stored form of what a session collects (checkout/collect.go). Every
// field of storedSession that holds it is left out at its zero value, so
// sessions stored before collection existed keep their bytes.

type storedCustomField struct {
	Key       string         `json:"Key"`
	Label     string         `json:"Label"`
	Type      string         `json:"Type"`
	Optional  bool           `json:"Optional,omitempty"`
	Options   []storedOption `json:"Options,omitzero"`
	MinLength int            `json:"MinLength,omitempty"`
	MaxLength int            `json:"MaxLength,omitempty"`
	Value     string         `json:"Value,omitempty"`
}

type storedOption struct {
	Label string `json:"Label"`
	Value string `json:"Value"`
}

type storedCustomText struct {
	Submit                   string `json:"Submit,omitempty"`
	ShippingAddress          string `json:"ShippingAddress,omitempty"`
	TermsOfServiceAcceptance string `json:"TermsOfServiceAcceptance,omitempty"`
	AfterSubmit              string `json:"AfterSubmit,omitempty"`
}

type storedAddress struct {
	Line1      string `json:"Line1"`
	Line2      string `json:"Line2"`
	City       string `json:"City"`
	State      string `json:"State"`
	PostalCode string `json:"PostalCode"`
	Country    string `json:"Country"`
}

type storedCustomerDetails struct {
	Name    string         `json:"Name"`
	Phone   string         `json:"Phone"`
	Address *storedAddress `json:"Address"`
}

type storedShippingDetails struct {
	Name    string        `json:"Name"`
	Address storedAddress `json:"Address"`
}

// collectToStored sets r's collection fields from s's.
func collectToStored(r *storedSession, s *checkout.Session) {
	r.ShippingCountries = s.ShippingCountries
	r.BillingAddressCollection = s.BillingAddressCollection
	r.PhoneNumberCollection = s.PhoneNumberCollection
	r.TermsOfServiceConsent = s.TermsOfServiceConsent
	r.CustomText = storedCustomText(s.CustomText)
	r.SubmitType = s.SubmitType
	r.TermsAccepted = s.TermsAccepted
	if s.CustomFields != nil {
		r.CustomFields = make([]storedCustomField, len(s.CustomFields))
		for i, f := range s.CustomFields {
			sf := storedCustomField{Key: f.Key, Label: f.Label, Type: string(f.Type), Optional: f.Optional,
				MinLength: f.MinLength, MaxLength: f.MaxLength, Value: f.Value}
			if f.Options != nil {
				sf.Options = make([]storedOption, len(f.Options))
				for j, o := range f.Options {
					sf.Options[j] = storedOption(o)
				}
			}
			r.CustomFields[i] = sf
		}
	}
	if d := s.CustomerDetails; d != nil {
		r.CustomerDetails = &storedCustomerDetails{Name: d.Name, Phone: d.Phone}
		if d.Address != nil {
			a := storedAddress(*d.Address)
			r.CustomerDetails.Address = &a
		}
	}
	if d := s.ShippingDetails; d != nil {
		r.ShippingDetails = &storedShippingDetails{Name: d.Name, Address: storedAddress(d.Address)}
	}
}

// collectFromStored sets s's collection fields from r's.
func collectFromStored(s *checkout.Session, r *storedSession) {
	s.ShippingCountries = r.ShippingCountries
	s.BillingAddressCollection = r.BillingAddressCollection
	s.PhoneNumberCollection = r.PhoneNumberCollection
	s.TermsOfServiceConsent = r.TermsOfServiceConsent
	s.CustomText = checkout.CustomText(r.CustomText)
	s.SubmitType = r.SubmitType
	s.TermsAccepted = r.TermsAccepted
	if r.CustomFields != nil {
		s.CustomFields = make([]checkout.CustomField, len(r.CustomFields))
		for i, sf := range r.CustomFields {
			f := checkout.CustomField{Key: sf.Key, Label: sf.Label, Type: checkout.CustomFieldType(sf.Type), Optional: sf.Optional,
				MinLength: sf.MinLength, MaxLength: sf.MaxLength, Value: sf.Value}
			if sf.Options != nil {
				f.Options = make([]checkout.CustomFieldOption, len(sf.Options))
				for j, o := range sf.Options {
					f.Options[j] = checkout.CustomFieldOption(o)
				}
			}
			s.CustomFields[i] = f
		}
	}
	if d := r.CustomerDetails; d != nil {
		s.CustomerDetails = &checkout.CustomerDetails{Name: d.Name, Phone: d.Phone}
		if d.Address != nil {
			a := checkout.Address(*d.Address)
			s.CustomerDetails.Address = &a
		}
	}
	if d := r.ShippingDetails; d != nil {
		s.ShippingDetails = &checkout.ShippingDetails{Name: d.Name, Address: checkout.Address(d.Address)}
	}
}
