package http

import (
	"net/http"
	"slices"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// What the page collects beyond the payment (issue 12 §3): the session's
// shipping and billing addresses, phone, custom fields and consent, shown
// by html/collect.html in the pay form. The service checks the answers
// (service.CheckCollected); this file reads them from the form, puts them
// back into the fields after an error, and words the errors.

// collectInput is what the collection fields are made from, with what the
// customer typed before an error (pageData.Values).
type collectInput struct {
	sess  *checkout.Session
	terms string // the account's terms of service URL
}

// collectedFromForm reads the collection fields of a posted pay form.
func collectedFromForm(r *http.Request) service.Collected {
	return collectedFrom(func(name string) string { return r.PostFormValue(name) }, r.PostForm)
}

// collectedFrom reads the collection fields from a form's values, get
// giving each by name and form listing them (for the custom fields).
func collectedFrom[V any](get func(string) string, form map[string]V) service.Collected {
	addr := func(prefix string) checkout.Address {
		return checkout.Address{Line1: get(prefix + "[line1]"), Line2: get(prefix + "[line2]"), City: get(prefix + "[city]"),
			State: get(prefix + "[state]"), PostalCode: get(prefix + "[postal_code]"), Country: get(prefix + "[country]")}
	}
	c := service.Collected{Name: get("name"), Phone: get("phone"), Shipping: addr("shipping_address"), Billing: addr("billing_address"),
		BillingSameAsShipping: get("billing_same_as_shipping") != "", TermsAccepted: get("consent[terms_of_service]") != "",
		CustomFields: map[string]string{}}
	for name := range form {
		if key, ok := strings.CutPrefix(name, "custom_fields["); ok && strings.HasSuffix(key, "]") {
			c.CustomFields[strings.TrimSuffix(key, "]")] = get(name)
		}
	}
	return c
}

// inputMessage words an error about what the customer typed in the page's
// language: a collection field's here, the card's and email's by
// cardMessage.
func inputMessage(lang string, sess *checkout.Session, c service.Collected, e *checkout.Error) string {
	if e.Param == "name" || e.Param == "phone" || strings.ContainsRune(e.Param, '[') {
		return collectMessage(lang, sess, c, e)
	}
	return cardMessage(lang, e)
}

// collectMessage words a collection error in the page's language; c is
// what was posted.
func collectMessage(lang string, sess *checkout.Session, c service.Collected, e *checkout.Error) string {
	country := func() string {
		if strings.HasPrefix(e.Param, "billing_address[") {
			return strings.ToUpper(strings.TrimSpace(c.Billing.Country))
		}
		return strings.ToUpper(strings.TrimSpace(c.Shipping.Country))
	}
	switch e.Code {
	case "parameter_missing":
		return tr(lang, "required")
	case "postal_code_invalid":
		return tr(lang, "postal_code_invalid", service.FormatOf(country()).PostalExample)
	case "state_invalid":
		ex := "CA"
		if f := service.FormatOf(country()); len(f.States) > 0 && country() != "US" {
			ex = f.States[0]
		}
		return tr(lang, "state_invalid", ex)
	case "country_unsupported", "country_invalid", "phone_invalid", "numeric_invalid", "option_invalid", "consent_required":
		return tr(lang, e.Code)
	case "too_short", "too_long":
		key := strings.TrimSuffix(strings.TrimPrefix(e.Param, "custom_fields["), "]")
		for _, f := range sess.CustomFields {
			if f.Key == key {
				if e.Code == "too_short" {
					return tr(lang, "too_short", f.MinLength)
				}
				n := f.MaxLength
				if n == 0 {
					n = service.MaxCustomFieldAnswerLen
				}
				return tr(lang, "too_long", n)
			}
		}
	}
	return tr(lang, "value_invalid")
}

// payLabel is the pay button's words: the amount, or the session's
// submit_type's word.
func (d *pageData) PayLabel() string {
	if d.collect.sess != nil {
		switch d.collect.sess.SubmitType {
		case checkout.SubmitBook:
			return tr(d.Lang, "submit_book")
		case checkout.SubmitDonate:
			return tr(d.Lang, "submit_donate")
		}
	}
	return tr(d.Lang, "pay", d.Total)
}

// CollectIn reports whether the form of method carries the collection
// fields: the first form with inputs, or the first button's when there is
// none. (One form per method for now; the fields belong to all of them.)
func (d *pageData) CollectIn(method string) bool {
	if len(d.Forms) > 0 {
		return d.Forms[0].Method == method
	}
	return len(d.Buttons) > 0 && d.Buttons[0].Method == method
}

// CollectFormFor is the method whose form a button-only method's button
// submits, so that the collection fields typed there go with it: "" when
// the session collects nothing or the button's own form carries them.
// Such a button names its method itself (see postedMethod).
func (d *pageData) CollectFormFor(method string) string {
	if d.collect.sess == nil || !d.collect.sess.CollectsAnything() || d.CollectIn(method) || len(d.Forms) == 0 {
		return ""
	}
	return d.Forms[0].Method
}

// postedMethod is the payment method a pay form names: the last "method"
// value, so that a button of another method submitting the form that holds
// the collection fields (CollectFormFor) overrides that form's own hidden
// one, which comes first in the form's data.
func postedMethod(r *http.Request) checkout.Method {
	vs := r.PostForm["method"]
	if len(vs) == 0 {
		return ""
	}
	return checkout.Method(vs[len(vs)-1])
}

// collectField is one input of the collection: a text input, a select
// (Options set) or a checkbox.
type collectField struct {
	Lang, ID, Label, Autocomplete, Value, Mode, Error, Hint string
	// Optional says so on the label; Conditional leaves out the required
	// attribute without saying so (billing fields hidden while "same as
	// shipping" is ticked must not stop a browser's submit).
	Optional, Conditional, Checkbox, Checked bool
	MaxLength                                int
	// Prompt is a select's first, empty choice.
	Prompt  string
	Options []collectOption
}

type collectOption struct {
	Value, Label string
	Selected     bool
}

// Described is what the input's aria-describedby names: its hint and error.
func (f collectField) Described() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// collectView is what html/collect.html shows.
type collectView struct {
	Lang                       string
	Contact                    []collectField // name, phone
	Shipping, Billing          []collectField
	ShippingText               string
	BillingSame                *collectField
	Custom                     []collectField
	Terms                      *collectField
	TermsURL, TermsText        string
	SubmitText, AfterSubmit    string
	ShippingLegend, BillingLeg string
}

// CollectView is the collection part of the pay form, from the session,
// the values posted (or recorded by the last attempt) and d.Errors.
func (d *pageData) CollectView() *collectView {
	if d.collectView == nil && d.collect.sess != nil {
		d.collectView = d.buildCollectView()
	}
	return d.collectView
}

func (d *pageData) buildCollectView() *collectView {
	sess := d.collect.sess
	v := &collectView{Lang: d.Lang, SubmitText: sess.CustomText.Submit, AfterSubmit: sess.CustomText.AfterSubmit,
		ShippingText: sess.CustomText.ShippingAddress, ShippingLegend: tr(d.Lang, "shipping_address"), BillingLeg: tr(d.Lang, "billing_address")}
	c := d.collectValues()
	field := func(id, label, autocomplete, value, mode string) collectField {
		return collectField{Lang: d.Lang, ID: id, Label: label, Autocomplete: autocomplete, Value: value, Mode: mode, Error: d.Errors[id]}
	}
	shipping, billing := sess.ShippingCountries != nil, sess.BillingAddressCollection == checkout.BillingRequired
	if shipping || billing {
		f := field("name", tr(d.Lang, "full_name"), "name", c.Name, "text")
		f.MaxLength = service.MaxCustomerNameLen
		v.Contact = append(v.Contact, f)
	}
	if sess.PhoneNumberCollection {
		f := field("phone", tr(d.Lang, "phone"), "tel", c.Phone, "tel")
		f.Hint = tr(d.Lang, "phone_hint")
		v.Contact = append(v.Contact, f)
	}
	if shipping {
		v.Shipping = d.addressFields("shipping_address", "shipping", c.Shipping, sess.ShippingCountries)
	}
	if billing {
		countries := slices.Clone(pageCountries)
		for _, cc := range sess.ShippingCountries {
			if !slices.Contains(countries, cc) {
				countries = append(countries, cc)
			}
		}
		v.Billing = d.addressFields("billing_address", "billing", c.Billing, countries)
		if shipping {
			for i := range v.Billing {
				v.Billing[i].Conditional = true
			}
			v.BillingSame = &collectField{Lang: d.Lang, ID: "billing_same_as_shipping", Label: tr(d.Lang, "billing_same"), Checkbox: true,
				Checked: d.Values == nil || c.BillingSameAsShipping}
		}
	}
	for _, cf := range sess.CustomFields {
		id := "custom_fields[" + cf.Key + "]"
		f := field(id, cf.Label, "off", c.CustomFields[cf.Key], "text")
		f.Optional, f.MaxLength = cf.Optional, cf.MaxLength
		switch cf.Type {
		case checkout.CustomFieldNumeric:
			f.Mode = "numeric"
		case checkout.CustomFieldDropdown:
			f.Prompt = tr(d.Lang, "choose")
			for _, o := range cf.Options {
				f.Options = append(f.Options, collectOption{Value: o.Value, Label: o.Label, Selected: o.Value == f.Value})
			}
		}
		if f.MaxLength == 0 {
			f.MaxLength = service.MaxCustomFieldAnswerLen
		}
		v.Custom = append(v.Custom, f)
	}
	if sess.TermsOfServiceConsent == checkout.ConsentRequired {
		f := field("consent[terms_of_service]", "", "", "accepted", "")
		f.Checkbox, f.Checked = true, c.TermsAccepted
		v.Terms, v.TermsURL, v.TermsText = &f, d.collect.terms, sess.CustomText.TermsOfServiceAcceptance
	}
	return v
}

// collectValues are the collection's values to show: those typed before
// the last error or decline (d.Values, from the flash), or else those the
// session's last attempt recorded, so that a customer need not type them
// again.
func (d *pageData) collectValues() service.Collected {
	if d.Values != nil {
		return collectedFrom(func(name string) string { return d.Values[name] }, d.Values)
	}
	c := service.Collected{CustomFields: map[string]string{}}
	s := d.collect.sess
	if d := s.CustomerDetails; d != nil {
		c.Name, c.Phone = d.Name, d.Phone
		if d.Address != nil {
			c.Billing = *d.Address
		}
	}
	if d := s.ShippingDetails; d != nil {
		c.Shipping = d.Address
		c.BillingSameAsShipping = s.CustomerDetails != nil && s.CustomerDetails.Address != nil && *s.CustomerDetails.Address == d.Address
	}
	for _, f := range s.CustomFields {
		c.CustomFields[f.Key] = f.Value
	}
	c.TermsAccepted = s.TermsAccepted
	return c
}

// addressFields are the inputs of an address named prefix[…], labelled and
// ordered as its country writes addresses: the country posted, or the
// first one offered.
func (d *pageData) addressFields(prefix, section string, a checkout.Address, countries []string) []collectField {
	country := strings.ToUpper(strings.TrimSpace(a.Country))
	if !slices.Contains(countries, country) {
		country = countries[0] // a shipping address: the merchant's first
		if prefix == "billing_address" {
			country = billingCountry(d.collect.sess, d.Lang)
		}
	}
	f := service.FormatOf(country)
	field := func(name, label, autocomplete, value string) collectField {
		id := prefix + "[" + name + "]"
		return collectField{Lang: d.Lang, ID: id, Label: label, Autocomplete: section + " " + autocomplete, Value: value, Mode: "text", Error: d.Errors[id]}
	}
	sel := field("country", tr(d.Lang, "country"), "country", country)
	for _, c := range sortedCountries(countries, d.Lang) {
		sel.Options = append(sel.Options, collectOption{Value: c, Label: countryName(c, d.Lang), Selected: c == country})
	}
	line1 := field("line1", tr(d.Lang, "address_line1"), "address-line1", a.Line1)
	line1.MaxLength = service.MaxAddressLineLen
	line2 := field("line2", tr(d.Lang, "address_line2"), "address-line2", a.Line2)
	line2.Optional, line2.MaxLength = true, service.MaxAddressLineLen
	city := field("city", tr(d.Lang, "city"), "address-level2", a.City)
	city.MaxLength = service.MaxCityLen
	postalLabel := map[string]string{"US": "zip_code", "GB": "postcode"}[country]
	if postalLabel == "" {
		postalLabel = "postal_code"
	}
	postal := field("postal_code", tr(d.Lang, postalLabel), "postal-code", a.PostalCode)
	postal.Optional, postal.MaxLength = !f.PostalRequired, service.MaxPostalLen
	if f.PostalExample != "" {
		postal.Hint = tr(d.Lang, "for_example", f.PostalExample)
	}
	stateLabel := map[string]string{"US": "state", "CA": "province"}[country]
	if stateLabel == "" {
		stateLabel = "region"
	}
	state := field("state", tr(d.Lang, stateLabel), "address-level1", a.State)
	state.Optional, state.MaxLength = !f.StateRequired, service.MaxStateLen

	out := []collectField{sel, line1, line2}
	switch {
	case f.NoState:
		out = append(out, postal, city) // Europe writes the postal code before the city
	case f.StateRequired:
		out = append(out, city, state, postal)
	default:
		out = append(out, postal, city, state)
	}
	return out
}

// billingCountry is the country a billing address starts at: the first
// shipping country, else the country of the session's currency, else of
// the page's language, else Portugal's (the customer changes it; the
// labels follow once the form is sent).
func billingCountry(sess *checkout.Session, lang string) string {
	if len(sess.ShippingCountries) > 0 {
		return sess.ShippingCountries[0]
	}
	if c, ok := currencyCountries[sess.Currency]; ok {
		return c
	}
	if c, ok := map[string]string{"fr": "FR"}[lang]; ok {
		return c
	}
	return "PT"
}

// currencyCountries are the countries of currencies that have one.
var currencyCountries = map[checkout.Currency]string{"GBP": "GB", "USD": "US", "CAD": "CA", "BRL": "BR", "GHS": "GH", "NGN": "NG",
	"KES": "KE", "ZAR": "ZA", "AUD": "AU", "JPY": "JP", "MXN": "MX", "CHF": "CH", "SEK": "SE", "DKK": "DK", "NOK": "NO", "PLN": "PL"}

// pageCountries are the countries a billing address may be chosen from,
// besides those a session ships to; their names are in countryNames.
var pageCountries = []string{"PT", "ES", "FR", "DE", "IT", "NL", "BE", "LU", "IE", "GB", "AT", "CH", "DK", "SE", "NO", "FI", "PL", "GR",
	"US", "CA", "MX", "BR", "AO", "MZ", "CV", "GH", "NG", "KE", "ZA", "AU", "JP"}

// countryNames are the names the page gives countries, by language; other
// countries show their code.
var countryNames = map[string]map[string]string{
	"en": {"PT": "Portugal", "ES": "Spain", "FR": "France", "DE": "Germany", "IT": "Italy", "NL": "Netherlands", "BE": "Belgium",
		"LU": "Luxembourg", "IE": "Ireland", "GB": "United Kingdom", "AT": "Austria", "CH": "Switzerland", "US": "United States",
		"CA": "Canada", "BR": "Brazil", "AO": "Angola", "MZ": "Mozambique", "CV": "Cape Verde",
		"DK": "Denmark", "SE": "Sweden", "NO": "Norway", "FI": "Finland", "PL": "Poland", "GR": "Greece", "MX": "Mexico",
		"GH": "Ghana", "NG": "Nigeria", "KE": "Kenya", "ZA": "South Africa", "AU": "Australia", "JP": "Japan"},
	"pt": {"PT": "Portugal", "ES": "Espanha", "FR": "França", "DE": "Alemanha", "IT": "Itália", "NL": "Países Baixos", "BE": "Bélgica",
		"LU": "Luxemburgo", "IE": "Irlanda", "GB": "Reino Unido", "AT": "Áustria", "CH": "Suíça", "US": "Estados Unidos",
		"CA": "Canadá", "BR": "Brasil", "AO": "Angola", "MZ": "Moçambique", "CV": "Cabo Verde",
		"DK": "Dinamarca", "SE": "Suécia", "NO": "Noruega", "FI": "Finlândia", "PL": "Polónia", "GR": "Grécia", "MX": "México",
		"GH": "Gana", "NG": "Nigéria", "KE": "Quénia", "ZA": "África do Sul", "AU": "Austrália", "JP": "Japão"},
	"fr": {"PT": "Portugal", "ES": "Espagne", "FR": "France", "DE": "Allemagne", "IT": "Italie", "NL": "Pays-Bas", "BE": "Belgique",
		"LU": "Luxembourg", "IE": "Irlande", "GB": "Royaume-Uni", "AT": "Autriche", "CH": "Suisse", "US": "États-Unis",
		"CA": "Canada", "BR": "Brésil", "AO": "Angola", "MZ": "Mozambique", "CV": "Cap-Vert",
		"DK": "Danemark", "SE": "Suède", "NO": "Norvège", "FI": "Finlande", "PL": "Pologne", "GR": "Grèce", "MX": "Mexique",
		"GH": "Ghana", "NG": "Nigeria", "KE": "Kenya", "ZA": "Afrique du Sud", "AU": "Australie", "JP": "Japon"},
}

func countryName(code, lang string) string {
	if n, ok := countryNames[lang][code]; ok {
		return n
	}
	return code
}

// sortedCountries orders codes by their names in lang (accents aside:
// "Áustria" among the A's), named ones first.
func sortedCountries(codes []string, lang string) []string {
	key := func(c string) string {
		if n, ok := countryNames[lang][c]; ok {
			return unaccent.Replace(n)
		}
		return "~" + c
	}
	out := slices.Clone(codes)
	slices.SortStableFunc(out, func(a, b string) int { return strings.Compare(key(a), key(b)) })
	return out
}

var unaccent = strings.NewReplacer("Á", "A", "Â", "A", "É", "E", "È", "E", "Ê", "E", "Í", "I", "Ó", "O", "Ô", "O", "Ú", "U", "Ç", "C")

// fieldOrder is the order of the form's fields, for the error summary:
// the email, what is collected, then the card.
func (d *pageData) fieldOrder() []string {
	order := []string{"email"}
	if v := d.CollectView(); v != nil {
		for _, group := range [][]collectField{v.Contact, v.Shipping, v.Billing, v.Custom} {
			for _, f := range group {
				order = append(order, f.ID)
			}
		}
	}
	order = append(order, formFields[1:]...)
	if v := d.CollectView(); v != nil && v.Terms != nil {
		order = append(order, v.Terms.ID) // the checkbox is by the button
	}
	return order
}

// fieldLabel is what the error summary calls a field.
func (d *pageData) fieldLabel(id string) string {
	if v := d.CollectView(); v != nil {
		for _, group := range [][]collectField{v.Contact, v.Shipping, v.Billing, v.Custom} {
			for _, f := range group {
				if f.ID == id {
					if strings.HasPrefix(id, "billing_address[") {
						return v.BillingLeg + " · " + f.Label
					}
					if strings.HasPrefix(id, "shipping_address[") {
						return v.ShippingLegend + " · " + f.Label
					}
					return f.Label
				}
			}
		}
		if v.Terms != nil && v.Terms.ID == id {
			return tr(d.Lang, "terms_title")
		}
	}
	return tr(d.Lang, id)
}
