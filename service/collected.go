package service

import (
	"strings"
	"unicode/utf8"

	"github.com/checkoutd/checkoutd/checkout"
)

// Collected is what the customer gave on the page beyond the payment, as
// posted: the service checks it against what the session asks for (see
// CheckCollected). Values the session does not ask for are ignored.
type Collected struct {
	Name  string
	Phone string
	// Shipping is the shipping address; Billing the billing address,
	// unless BillingSameAsShipping says to take the shipping one.
	Shipping, Billing     checkout.Address
	BillingSameAsShipping bool
	// CustomFields are the answers by custom field key.
	CustomFields  map[string]string
	TermsAccepted bool
}

// Limits on what a customer gives.
const (
	MaxCustomerNameLen = 150
	MaxPhoneDigits     = 15
	MinPhoneDigits     = 8
)

// collection is what a payment attempt records on its session.
type collection struct {
	details  *checkout.CustomerDetails
	shipping *checkout.ShippingDetails
	values   map[string]string // custom field answers by key
	terms    bool
}

// collect checks c against what sess asks for and returns what to record,
// and every error, each naming the page's field (name, phone,
// shipping_address[…], billing_address[…], custom_fields[KEY],
// consent[terms_of_service]); InputProblems reports them with the rest.
func collect(sess *checkout.Session, c Collected) (collection, []*checkout.Error) {
	var errs []*checkout.Error
	col := collection{details: &checkout.CustomerDetails{}}
	shipping := sess.ShippingCountries != nil
	billing := sess.BillingAddressCollection == checkout.BillingRequired

	if shipping || billing {
		name := strings.Join(strings.Fields(c.Name), " ")
		if name == "" {
			errs = append(errs, checkout.Invalid("name", "parameter_missing", "name is required"))
		} else if err := checkText("name", name, MaxCustomerNameLen); err != nil {
			errs = append(errs, err.(*checkout.Error))
		}
		col.details.Name = name
	}
	if sess.PhoneNumberCollection {
		phone, err := normalizePhone(c.Phone)
		if err != nil {
			errs = append(errs, err)
		}
		col.details.Phone = phone
	}
	var ship checkout.Address
	if shipping {
		ship, errs = checkAddress("shipping_address", c.Shipping, sess.ShippingCountries, errs)
		col.shipping = &checkout.ShippingDetails{Name: col.details.Name, Address: ship}
	}
	if billing {
		var bill checkout.Address
		if shipping && c.BillingSameAsShipping {
			bill = ship
		} else {
			bill, errs = checkAddress("billing_address", c.Billing, nil, errs)
		}
		col.details.Address = &bill
	}

	for _, f := range sess.CustomFields {
		param := "custom_fields[" + f.Key + "]"
		v := strings.TrimSpace(c.CustomFields[f.Key])
		if v == "" {
			if !f.Optional {
				errs = append(errs, checkout.Invalid(param, "parameter_missing", "%s is required", param))
			}
			continue
		}
		if err := checkText(param, v, MaxCustomFieldAnswerLen); err != nil {
			errs = append(errs, err.(*checkout.Error))
			continue
		}
		switch f.Type {
		case checkout.CustomFieldDropdown:
			ok := false
			for _, o := range f.Options {
				ok = ok || o.Value == v
			}
			if !ok {
				errs = append(errs, checkout.Invalid(param, "option_invalid", "'%s' is not one of the options of %s", v, param))
				continue
			}
		case checkout.CustomFieldNumeric:
			v = strings.ReplaceAll(v, " ", "")
			if strings.Trim(v, "0123456789") != "" {
				errs = append(errs, checkout.Invalid(param, "numeric_invalid", "%s takes digits only", param))
				continue
			}
			fallthrough
		case checkout.CustomFieldText:
			n, max := utf8.RuneCountInString(v), f.MaxLength
			if max == 0 {
				max = MaxCustomFieldAnswerLen
			}
			if n < f.MinLength {
				errs = append(errs, checkout.Invalid(param, "too_short", "%s must be at least %d characters", param, f.MinLength))
				continue
			}
			if n > max {
				errs = append(errs, checkout.Invalid(param, "too_long", "%s must be at most %d characters", param, max))
				continue
			}
		}
		if col.values == nil {
			col.values = map[string]string{}
		}
		col.values[f.Key] = v
	}

	if sess.TermsOfServiceConsent == checkout.ConsentRequired {
		if !c.TermsAccepted {
			errs = append(errs, checkout.Invalid("consent[terms_of_service]", "consent_required", "the terms of service must be accepted"))
		}
		col.terms = c.TermsAccepted
	}
	return col, errs
}

// normalizePhone accepts a phone number in international form: '+' and 8
// to 15 digits once spaces, dashes, dots and parentheses are taken out,
// which is how it is kept ("+351 912 345 678" → "+351912345678").
func normalizePhone(v string) (string, *checkout.Error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", checkout.Invalid("phone", "parameter_missing", "phone is required")
	}
	compact := strings.Map(func(r rune) rune {
		if strings.ContainsRune(" -.()\u00a0", r) {
			return -1
		}
		return r
	}, v)
	digits, ok := strings.CutPrefix(compact, "+")
	if !ok || len(digits) < MinPhoneDigits || len(digits) > MaxPhoneDigits || strings.Trim(digits, "0123456789") != "" {
		return "", checkout.Invalid("phone", "phone_invalid", "give the phone number in international form: + and 8 to 15 digits, such as +351 912 345 678")
	}
	return compact, nil
}

// record puts what the customer gave on sess, the copy a claim writes.
func (col collection) record(sess *checkout.Session) {
	sess.CustomerDetails = col.details
	sess.ShippingDetails = col.shipping
	for i := range sess.CustomFields {
		sess.CustomFields[i].Value = col.values[sess.CustomFields[i].Key]
	}
	sess.TermsAccepted = col.terms
}
