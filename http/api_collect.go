package http

import (
	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/http/params"
	"github.com/checkoutd/checkoutd/service"
)

// What a session collects, in Stripe Checkout's parameters and shapes.

// decodeCollect reads the collection parameters of a new session.
func decodeCollect(v *params.Values) service.CollectParams {
	var c service.CollectParams
	if sac, ok := v.Object("shipping_address_collection"); ok {
		c.ShippingAddressCollection = &service.ShippingCollectionParams{}
		c.ShippingAddressCollection.AllowedCountries, _ = sac.Strings("allowed_countries")
	}
	c.BillingAddressCollection, _ = v.String("billing_address_collection")
	if pnc, ok := v.Object("phone_number_collection"); ok {
		c.PhoneNumberCollection, _ = pnc.Bool("enabled")
	}
	fields, _ := v.List("custom_fields")
	for _, fv := range fields {
		var f service.CustomFieldParams
		f.Key, _ = fv.String("key")
		if label, ok := fv.Object("label"); ok {
			f.LabelType, _ = label.String("type")
			f.Label, _ = label.String("custom")
		}
		f.Type, _ = fv.String("type")
		f.Optional, _ = fv.Bool("optional")
		if dd, ok := fv.Object("dropdown"); ok {
			f.Dropdown = &service.DropdownParams{Options: []checkout.CustomFieldOption{}}
			opts, _ := dd.List("options")
			for _, ov := range opts {
				var o checkout.CustomFieldOption
				o.Label, _ = ov.String("label")
				o.Value, _ = ov.String("value")
				f.Dropdown.Options = append(f.Dropdown.Options, o)
			}
		}
		f.Text = decodeLengths(fv, "text")
		f.Numeric = decodeLengths(fv, "numeric")
		c.CustomFields = append(c.CustomFields, f)
	}
	if cc, ok := v.Object("consent_collection"); ok {
		c.TermsOfService, _ = cc.String("terms_of_service")
	}
	if ct, ok := v.Object("custom_text"); ok {
		for _, t := range []struct {
			name string
			to   *string
		}{
			{"submit", &c.CustomText.Submit}, {"shipping_address", &c.CustomText.ShippingAddress},
			{"terms_of_service_acceptance", &c.CustomText.TermsOfServiceAcceptance}, {"after_submit", &c.CustomText.AfterSubmit},
		} {
			if m, ok := ct.Object(t.name); ok {
				*t.to, _ = m.String("message")
			}
		}
	}
	c.SubmitType, _ = v.String("submit_type")
	return c
}

func decodeLengths(v *params.Values, name string) *service.LengthParams {
	o, ok := v.Object(name)
	if !ok {
		return nil
	}
	lp := &service.LengthParams{}
	if n, ok := o.Int("minimum_length"); ok {
		lp.MinimumLength = &n
	}
	if n, ok := o.Int("maximum_length"); ok {
		lp.MaximumLength = &n
	}
	return lp
}

// collectJSON is the part of a session's JSON about collection.
type collectJSON struct {
	BillingAddressCollection  *string              `json:"billing_address_collection"`
	ShippingAddressCollection *shippingCollectJSON `json:"shipping_address_collection"`
	PhoneNumberCollection     phoneCollectJSON     `json:"phone_number_collection"`
	CustomFields              []customFieldJSON    `json:"custom_fields"`
	ConsentCollection         *consentCollectJSON  `json:"consent_collection"`
	Consent                   *consentJSON         `json:"consent"`
	CustomText                customTextJSON       `json:"custom_text"`
	SubmitType                *string              `json:"submit_type"`
	CustomerDetails           *customerDetailsJSON `json:"customer_details"`
	ShippingDetails           *shippingDetailsJSON `json:"shipping_details"`
}

type shippingCollectJSON struct {
	AllowedCountries []string `json:"allowed_countries"`
}

type phoneCollectJSON struct {
	Enabled bool `json:"enabled"`
}

type customFieldJSON struct {
	Key      string               `json:"key"`
	Label    customFieldLabelJSON `json:"label"`
	Type     string               `json:"type"`
	Optional bool                 `json:"optional"`
	Dropdown *dropdownJSON        `json:"dropdown"`
	Numeric  *lengthsJSON         `json:"numeric"`
	Text     *lengthsJSON         `json:"text"`
}

type customFieldLabelJSON struct {
	Type   string `json:"type"`
	Custom string `json:"custom"`
}

type dropdownJSON struct {
	Options []dropdownOptionJSON `json:"options"`
	Value   *string              `json:"value"`
}

type dropdownOptionJSON struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

type lengthsJSON struct {
	MinimumLength *int    `json:"minimum_length"`
	MaximumLength *int    `json:"maximum_length"`
	Value         *string `json:"value"`
}

type consentCollectJSON struct {
	TermsOfService string `json:"terms_of_service"`
}

type consentJSON struct {
	TermsOfService *string `json:"terms_of_service"`
}

type customTextJSON struct {
	Submit                   *messageJSON `json:"submit"`
	ShippingAddress          *messageJSON `json:"shipping_address"`
	TermsOfServiceAcceptance *messageJSON `json:"terms_of_service_acceptance"`
	AfterSubmit              *messageJSON `json:"after_submit"`
}

type messageJSON struct {
	Message string `json:"message"`
}

type addressJSON struct {
	City       *string `json:"city"`
	Country    *string `json:"country"`
	Line1      *string `json:"line1"`
	Line2      *string `json:"line2"`
	PostalCode *string `json:"postal_code"`
	State      *string `json:"state"`
}

type customerDetailsJSON struct {
	Email   *string      `json:"email"`
	Name    *string      `json:"name"`
	Phone   *string      `json:"phone"`
	Address *addressJSON `json:"address"`
}

type shippingDetailsJSON struct {
	Name    *string     `json:"name"`
	Address addressJSON `json:"address"`
}

func renderCollect(sess *checkout.Session) collectJSON {
	out := collectJSON{
		BillingAddressCollection: optString(sess.BillingAddressCollection),
		PhoneNumberCollection:    phoneCollectJSON{Enabled: sess.PhoneNumberCollection},
		CustomFields:             make([]customFieldJSON, len(sess.CustomFields)),
		SubmitType:               optString(sess.SubmitType),
		CustomText: customTextJSON{Submit: optMessage(sess.CustomText.Submit), ShippingAddress: optMessage(sess.CustomText.ShippingAddress),
			TermsOfServiceAcceptance: optMessage(sess.CustomText.TermsOfServiceAcceptance), AfterSubmit: optMessage(sess.CustomText.AfterSubmit)},
	}
	if sess.ShippingCountries != nil {
		out.ShippingAddressCollection = &shippingCollectJSON{AllowedCountries: sess.ShippingCountries}
	}
	for i, f := range sess.CustomFields {
		cf := customFieldJSON{Key: f.Key, Label: customFieldLabelJSON{Type: "custom", Custom: f.Label}, Type: string(f.Type), Optional: f.Optional}
		switch f.Type {
		case checkout.CustomFieldDropdown:
			cf.Dropdown = &dropdownJSON{Options: make([]dropdownOptionJSON, len(f.Options)), Value: optString(f.Value)}
			for j, o := range f.Options {
				cf.Dropdown.Options[j] = dropdownOptionJSON(o)
			}
		case checkout.CustomFieldNumeric:
			cf.Numeric = renderLengths(f)
		default:
			cf.Text = renderLengths(f)
		}
		out.CustomFields[i] = cf
	}
	if sess.TermsOfServiceConsent != "" {
		out.ConsentCollection = &consentCollectJSON{TermsOfService: sess.TermsOfServiceConsent}
	}
	if sess.TermsAccepted {
		accepted := "accepted"
		out.Consent = &consentJSON{TermsOfService: &accepted}
	}
	if d := sess.CustomerDetails; d != nil {
		out.CustomerDetails = &customerDetailsJSON{Email: optString(sess.CustomerEmail), Name: optString(d.Name), Phone: optString(d.Phone)}
		if d.Address != nil {
			a := renderAddress(*d.Address)
			out.CustomerDetails.Address = &a
		}
	}
	if d := sess.ShippingDetails; d != nil {
		out.ShippingDetails = &shippingDetailsJSON{Name: optString(d.Name), Address: renderAddress(d.Address)}
	}
	return out
}

func renderLengths(f checkout.CustomField) *lengthsJSON {
	l := &lengthsJSON{Value: optString(f.Value)}
	if f.MinLength > 0 {
		l.MinimumLength = &f.MinLength
	}
	if f.MaxLength > 0 {
		l.MaximumLength = &f.MaxLength
	}
	return l
}

func renderAddress(a checkout.Address) addressJSON {
	return addressJSON{City: optString(a.City), Country: optString(a.Country), Line1: optString(a.Line1), Line2: optString(a.Line2),
		PostalCode: optString(a.PostalCode), State: optString(a.State)}
}

func optMessage(s string) *messageJSON {
	if s == "" {
		return nil
	}
	return &messageJSON{Message: s}
}
