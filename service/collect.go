package service

import (
	"fmt"
	"slices"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
)

// CollectParams is what a new session asks the customer for beyond the
// payment, in Stripe Checkout's parameters (see checkout/collect.go).
type CollectParams struct {
	// ShippingAddressCollection, when set, asks for a shipping address in
	// one of its AllowedCountries.
	ShippingAddressCollection *ShippingCollectionParams
	BillingAddressCollection  string // "", auto or required
	PhoneNumberCollection     bool
	CustomFields              []CustomFieldParams
	TermsOfService            string // consent_collection[terms_of_service]: "", none or required
	CustomText                checkout.CustomText
	SubmitType                string // "", auto, pay, book or donate
}

// ShippingCollectionParams is shipping_address_collection.
type ShippingCollectionParams struct {
	AllowedCountries []string
}

// CustomFieldParams is one of custom_fields. Dropdown, Text and Numeric are
// set when their objects were given.
type CustomFieldParams struct {
	Key       string
	LabelType string // label[type]: "custom"
	Label     string // label[custom]
	Type      string
	Optional  bool
	Dropdown  *DropdownParams
	Text      *LengthParams
	Numeric   *LengthParams
}

// DropdownParams is custom_fields[i][dropdown].
type DropdownParams struct {
	Options []checkout.CustomFieldOption
}

// LengthParams is custom_fields[i][text] or [numeric]: bounds on the
// answer's length, nil when not given.
type LengthParams struct {
	MinimumLength, MaximumLength *int64
}

// Limits on what a session collects, Stripe's where Stripe has one.
const (
	MaxCustomFieldKeyLen    = 200
	MaxCustomFieldLabelLen  = 50
	MaxDropdownOptions      = 200
	MaxDropdownOptionLen    = 100
	MaxCustomFieldAnswerLen = 255 // a text or numeric answer, and the bound of its length limits
	MaxCustomTextLen        = 1200
)

// buildCollect validates p and sets what sess collects. acct's terms URL
// is what a terms-of-service consent links to.
func buildCollect(sess *checkout.Session, p *CollectParams, acct *checkout.Account) error {
	if sc := p.ShippingAddressCollection; sc != nil {
		const param = "shipping_address_collection[allowed_countries]"
		if len(sc.AllowedCountries) == 0 {
			return checkout.Invalid(param, "parameter_missing", "%s is required: list the countries to ship to", param)
		}
		countries := make([]string, 0, len(sc.AllowedCountries))
		for i, c := range sc.AllowedCountries {
			name := fmt.Sprintf("%s[%d]", param, i)
			if !IsCountry(c) {
				return checkout.Invalid(name, "parameter_invalid", "'%s' is not an ISO 3166-1 alpha-2 country code in upper case, such as PT or US", c)
			}
			if slices.Contains(countries, c) {
				return checkout.Invalid(name, "parameter_invalid", "'%s' is listed twice", c)
			}
			countries = append(countries, c)
		}
		sess.ShippingCountries = countries
	}
	switch p.BillingAddressCollection {
	case "", checkout.BillingAuto, checkout.BillingRequired:
		sess.BillingAddressCollection = p.BillingAddressCollection
	default:
		return checkout.Invalid("billing_address_collection", "parameter_invalid", "billing_address_collection must be auto or required; got '%s'", p.BillingAddressCollection)
	}
	sess.PhoneNumberCollection = p.PhoneNumberCollection

	if len(p.CustomFields) > checkout.MaxCustomFields {
		return checkout.Invalid("custom_fields", "parameter_invalid", "at most %d custom fields; got %d", checkout.MaxCustomFields, len(p.CustomFields))
	}
	for i, fp := range p.CustomFields {
		f, err := buildCustomField(i, fp)
		if err != nil {
			return err
		}
		for _, prev := range sess.CustomFields {
			if prev.Key == f.Key {
				return checkout.Invalid(fmt.Sprintf("custom_fields[%d][key]", i), "parameter_invalid", "the key '%s' is used by another custom field", f.Key)
			}
		}
		sess.CustomFields = append(sess.CustomFields, f)
	}

	switch p.TermsOfService {
	case "", checkout.ConsentNone:
	case checkout.ConsentRequired:
		if acct.Profile.TermsURL == "" {
			return checkout.Invalid("consent_collection[terms_of_service]", "terms_of_service_url_missing",
				"the account has no terms of service to consent to: set business_profile[terms_of_service_url] on the account first")
		}
	default:
		return checkout.Invalid("consent_collection[terms_of_service]", "parameter_invalid", "consent_collection[terms_of_service] must be required or none; got '%s'", p.TermsOfService)
	}
	sess.TermsOfServiceConsent = p.TermsOfService

	for _, t := range []struct{ name, v string }{
		{"submit", p.CustomText.Submit}, {"shipping_address", p.CustomText.ShippingAddress},
		{"terms_of_service_acceptance", p.CustomText.TermsOfServiceAcceptance}, {"after_submit", p.CustomText.AfterSubmit},
	} {
		if err := checkText("custom_text["+t.name+"][message]", t.v, MaxCustomTextLen); err != nil {
			return err
		}
	}
	if p.CustomText.ShippingAddress != "" && sess.ShippingCountries == nil {
		return checkout.Invalid("custom_text[shipping_address][message]", "parameter_invalid", "custom_text[shipping_address] needs shipping_address_collection")
	}
	if p.CustomText.TermsOfServiceAcceptance != "" && sess.TermsOfServiceConsent != checkout.ConsentRequired {
		return checkout.Invalid("custom_text[terms_of_service_acceptance][message]", "parameter_invalid", "custom_text[terms_of_service_acceptance] needs consent_collection[terms_of_service]=required")
	}
	sess.CustomText = p.CustomText

	switch p.SubmitType {
	case "", checkout.SubmitAuto, checkout.SubmitPay, checkout.SubmitBook, checkout.SubmitDonate:
		sess.SubmitType = p.SubmitType
	default:
		return checkout.Invalid("submit_type", "parameter_invalid", "submit_type must be auto, pay, book or donate; got '%s'", p.SubmitType)
	}
	return nil
}

func buildCustomField(i int, fp CustomFieldParams) (checkout.CustomField, error) {
	name := func(field string) string { return fmt.Sprintf("custom_fields[%d]%s", i, field) }
	f := checkout.CustomField{Key: fp.Key, Label: fp.Label, Type: checkout.CustomFieldType(fp.Type), Optional: fp.Optional}
	switch {
	case fp.Key == "":
		return f, checkout.Invalid(name("[key]"), "parameter_missing", "%s is required", name("[key]"))
	case len(fp.Key) > MaxCustomFieldKeyLen:
		return f, checkout.Invalid(name("[key]"), "parameter_invalid", "%s is longer than %d characters", name("[key]"), MaxCustomFieldKeyLen)
	case !alphanumeric(fp.Key):
		return f, checkout.Invalid(name("[key]"), "parameter_invalid", "%s must be letters and digits only; got '%s'", name("[key]"), fp.Key)
	}
	switch fp.LabelType {
	case "":
		return f, checkout.Invalid(name("[label][type]"), "parameter_missing", "%s is required: custom", name("[label][type]"))
	case "custom":
	default:
		return f, checkout.Invalid(name("[label][type]"), "parameter_invalid", "%s must be custom; got '%s'", name("[label][type]"), fp.LabelType)
	}
	if strings.TrimSpace(fp.Label) == "" {
		return f, checkout.Invalid(name("[label][custom]"), "parameter_missing", "%s is required", name("[label][custom]"))
	}
	if err := checkText(name("[label][custom]"), fp.Label, MaxCustomFieldLabelLen); err != nil {
		return f, err
	}
	if strings.ContainsAny(fp.Label, "\n\t") {
		return f, checkout.Invalid(name("[label][custom]"), "parameter_invalid", "%s must be one line", name("[label][custom]"))
	}
	// Each type takes its own configuration object and no other.
	given := map[string]bool{"dropdown": fp.Dropdown != nil, "text": fp.Text != nil, "numeric": fp.Numeric != nil}
	switch f.Type {
	case "":
		return f, checkout.Invalid(name("[type]"), "parameter_missing", "%s is required: text, numeric or dropdown", name("[type]"))
	case checkout.CustomFieldText, checkout.CustomFieldNumeric, checkout.CustomFieldDropdown:
	default:
		return f, checkout.Invalid(name("[type]"), "parameter_invalid", "%s must be text, numeric or dropdown; got '%s'", name("[type]"), fp.Type)
	}
	for _, other := range []string{"dropdown", "numeric", "text"} {
		if given[other] && other != string(f.Type) {
			return f, checkout.Invalid(name("["+other+"]"), "parameter_invalid", "%s is only for a custom field of type %s; this one is %s", name("["+other+"]"), other, f.Type)
		}
	}
	switch f.Type {
	case checkout.CustomFieldDropdown:
		param := name("[dropdown][options]")
		if fp.Dropdown == nil || len(fp.Dropdown.Options) == 0 {
			return f, checkout.Invalid(param, "parameter_missing", "%s is required for a dropdown: 1 to %d options", param, MaxDropdownOptions)
		}
		if len(fp.Dropdown.Options) > MaxDropdownOptions {
			return f, checkout.Invalid(param, "parameter_invalid", "at most %d options; got %d", MaxDropdownOptions, len(fp.Dropdown.Options))
		}
		for j, o := range fp.Dropdown.Options {
			oname := fmt.Sprintf("%s[%d]", param, j)
			if strings.TrimSpace(o.Label) == "" {
				return f, checkout.Invalid(oname+"[label]", "parameter_missing", "%s is required", oname+"[label]")
			}
			if err := checkText(oname+"[label]", o.Label, MaxDropdownOptionLen); err != nil {
				return f, err
			}
			switch {
			case o.Value == "":
				return f, checkout.Invalid(oname+"[value]", "parameter_missing", "%s is required", oname+"[value]")
			case len(o.Value) > MaxDropdownOptionLen || !alphanumeric(o.Value):
				return f, checkout.Invalid(oname+"[value]", "parameter_invalid", "%s must be 1 to %d letters and digits; got '%s'", oname+"[value]", MaxDropdownOptionLen, o.Value)
			}
			for _, prev := range f.Options {
				if prev.Value == o.Value {
					return f, checkout.Invalid(oname+"[value]", "parameter_invalid", "the value '%s' is used by another option", o.Value)
				}
			}
			f.Options = append(f.Options, o)
		}
	case checkout.CustomFieldText, checkout.CustomFieldNumeric:
		lp := fp.Text
		if f.Type == checkout.CustomFieldNumeric {
			lp = fp.Numeric
		}
		if lp == nil {
			break
		}
		prefix := name("[" + string(f.Type) + "]")
		for _, b := range []struct {
			field string
			v     *int64
			to    *int
		}{{"[minimum_length]", lp.MinimumLength, &f.MinLength}, {"[maximum_length]", lp.MaximumLength, &f.MaxLength}} {
			if b.v == nil {
				continue
			}
			if *b.v < 1 || *b.v > MaxCustomFieldAnswerLen {
				return f, checkout.Invalid(prefix+b.field, "parameter_invalid_integer", "%s must be between 1 and %d; got %d", prefix+b.field, MaxCustomFieldAnswerLen, *b.v)
			}
			*b.to = int(*b.v)
		}
		if f.MinLength > 0 && f.MaxLength > 0 && f.MinLength > f.MaxLength {
			return f, checkout.Invalid(prefix+"[minimum_length]", "parameter_invalid", "%s is more than %s", prefix+"[minimum_length]", prefix+"[maximum_length]")
		}
	}
	return f, nil
}

// alphanumeric reports whether s is ASCII letters and digits only.
func alphanumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return s != ""
}
