package service

import (
	"regexp"
	"slices"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
)

// Countries are the ISO 3166-1 alpha-2 codes, sorted.
var Countries = strings.Fields(`AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW`)

// IsCountry reports whether c is an ISO 3166-1 alpha-2 code, in upper case.
func IsCountry(c string) bool {
	_, ok := slices.BinarySearch(Countries, c)
	return ok
}

// AddressFormat is how a country writes its addresses, as far as the page
// asks and the service checks.
type AddressFormat struct {
	// Postal matches a postal code once normalized (see normalize); nil:
	// any code up to 20 characters, or none.
	Postal *regexp.Regexp
	// PostalExample shows the format, for error messages.
	PostalExample string
	// PostalRequired: the country's addresses always carry a code.
	PostalRequired bool
	// States, when set, are the codes a state must be one of.
	States []string
	// StateRequired: the address needs a state (US, CA); NoState: the
	// country's addresses have none, and a state given is dropped.
	StateRequired, NoState bool
	// Upper: the postal code is written in capitals (GB, NL, CA, IE).
	Upper bool
	// Inward is how many characters follow the space of a normalized
	// postal code (3 in GB, CA and IE, 2 in NL); 0: no space is put in.
	Inward int
}

var (
	digits4 = regexp.MustCompile(`^\d{4}$`)
	digits5 = regexp.MustCompile(`^\d{5}$`)
)

// addressFormats are the countries with rules of their own; the others
// take the generic one: line1, city and country required.
var addressFormats = map[string]AddressFormat{
	"PT": {Postal: regexp.MustCompile(`^\d{4}-\d{3}$`), PostalExample: "1000-001", PostalRequired: true, NoState: true},
	"FR": {Postal: digits5, PostalExample: "75001", PostalRequired: true, NoState: true},
	"US": {Postal: regexp.MustCompile(`^\d{5}(-\d{4})?$`), PostalExample: "94103 / 94103-1234", PostalRequired: true, StateRequired: true,
		States: strings.Fields(`AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY
		NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI UM AA AE AP`)},
	"GB": {Postal: regexp.MustCompile(`^[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$`), PostalExample: "SW1A 1AA", PostalRequired: true, NoState: true, Upper: true, Inward: 3},
	"DE": {Postal: digits5, PostalExample: "10115", PostalRequired: true, NoState: true},
	"ES": {Postal: digits5, PostalExample: "28001", PostalRequired: true},
	"IT": {Postal: digits5, PostalExample: "00118", PostalRequired: true},
	"NL": {Postal: regexp.MustCompile(`^\d{4} [A-Z]{2}$`), PostalExample: "1011 AB", PostalRequired: true, NoState: true, Upper: true, Inward: 2},
	"BE": {Postal: digits4, PostalExample: "1000", PostalRequired: true, NoState: true},
	"IE": {Postal: regexp.MustCompile(`^[A-Z]\d[\dW] [A-Z\d]{4}$`), PostalExample: "D02 X285", Upper: true, Inward: 4},
	"BR": {Postal: regexp.MustCompile(`^\d{5}-\d{3}$`), PostalExample: "01310-100", PostalRequired: true},
	"CA": {Postal: regexp.MustCompile(`^[A-Z]\d[A-Z] \d[A-Z]\d$`), PostalExample: "K1A 0B1", PostalRequired: true, StateRequired: true, Upper: true, Inward: 3,
		States: strings.Fields("AB BC MB NB NL NS NT NU ON PE QC SK YT")},
}

// FormatOf is country's address format (the generic one for a country
// without rules of its own).
func FormatOf(country string) AddressFormat { return addressFormats[country] }

// Limits on an address's fields.
const (
	MaxAddressLineLen = 200
	MaxCityLen        = 100
	MaxStateLen       = 100
	MaxPostalLen      = 20
)

// normalizePostal writes a postal code as format f expects it: trimmed,
// in capitals where the country writes them so, and with the space of
// GB, CA, IE and NL codes where it belongs ("sw1a1aa" → "SW1A 1AA"), so
// that a customer is not refused for the way they typed a valid code.
func normalizePostal(f AddressFormat, v string) string {
	v = strings.Join(strings.Fields(v), " ")
	if f.Upper {
		v = strings.ToUpper(v)
	}
	if compact := strings.ReplaceAll(v, " ", ""); f.Inward > 0 && len(compact) > f.Inward {
		cut := len(compact) - f.Inward
		v = compact[:cut] + " " + compact[cut:]
	}
	return v
}

// checkAddress validates a collected address whose fields are named
// prefix[line1] …, appending its errors to errs; countries, when not nil,
// are the ones it may be in. It returns the address normalized.
func checkAddress(prefix string, a checkout.Address, countries []string, errs []*checkout.Error) (checkout.Address, []*checkout.Error) {
	name := func(f string) string { return prefix + "[" + f + "]" }
	a = checkout.Address{Line1: strings.TrimSpace(a.Line1), Line2: strings.TrimSpace(a.Line2), City: strings.TrimSpace(a.City),
		State: strings.TrimSpace(a.State), PostalCode: a.PostalCode, Country: strings.ToUpper(strings.TrimSpace(a.Country))}
	switch {
	case a.Country == "":
		errs = append(errs, checkout.Invalid(name("country"), "parameter_missing", "%s is required", name("country")))
	case !IsCountry(a.Country):
		errs = append(errs, checkout.Invalid(name("country"), "country_invalid", "'%s' is not a country code", a.Country))
	case countries != nil && !slices.Contains(countries, a.Country):
		errs = append(errs, checkout.Invalid(name("country"), "country_unsupported", "this checkout does not ship to %s", a.Country))
	}
	for _, t := range []struct {
		field, v string
		max      int
		required bool
	}{{"line1", a.Line1, MaxAddressLineLen, true}, {"line2", a.Line2, MaxAddressLineLen, false}, {"city", a.City, MaxCityLen, true}} {
		if t.v == "" && t.required {
			errs = append(errs, checkout.Invalid(name(t.field), "parameter_missing", "%s is required", name(t.field)))
		} else if err := checkText(name(t.field), t.v, t.max); err != nil {
			errs = append(errs, err.(*checkout.Error))
		}
	}
	f := FormatOf(a.Country)
	if f.States != nil {
		a.State = strings.ToUpper(a.State) // a code: "ca" is CA
	}
	a.PostalCode = normalizePostal(f, a.PostalCode)
	switch {
	case a.PostalCode == "" && f.PostalRequired:
		errs = append(errs, checkout.Invalid(name("postal_code"), "parameter_missing", "%s is required", name("postal_code")))
	case a.PostalCode == "":
	case f.Postal != nil && !f.Postal.MatchString(a.PostalCode):
		errs = append(errs, checkout.Invalid(name("postal_code"), "postal_code_invalid", "'%s' is not a postal code of %s; write it as %s", a.PostalCode, a.Country, f.PostalExample))
	default:
		if err := checkText(name("postal_code"), a.PostalCode, MaxPostalLen); err != nil {
			errs = append(errs, err.(*checkout.Error))
		}
	}
	switch {
	case f.NoState:
		a.State = "" // not asked for where the country has none
	case a.State == "" && f.StateRequired:
		errs = append(errs, checkout.Invalid(name("state"), "parameter_missing", "%s is required", name("state")))
	case a.State == "":
	case f.States != nil && !slices.Contains(f.States, a.State):
		errs = append(errs, checkout.Invalid(name("state"), "state_invalid", "'%s' is not a state code of %s", a.State, a.Country))
	default:
		if err := checkText(name("state"), a.State, MaxStateLen); err != nil {
			errs = append(errs, err.(*checkout.Error))
		}
	}
	return a, errs
}
