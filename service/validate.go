package service

import (
	"fmt"
	"maps"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/netguard"
)

// Limits on session inputs. They keep one session's stored size bounded and
// match what Stripe documents where Stripe has a limit.
const (
	MaxURLLength         = 2048
	MaxMetadataKeys      = 50
	MaxMetadataKeyLen    = 40
	MaxMetadataValueLen  = 500
	MaxDescriptionLen    = 500
	MaxNameLen           = 250
	MaxImages            = 8
	MaxClientReferenceID = 200
	MaxCustomerLen       = 255
	MaxEmailLen          = 254
)

// SessionIDPlaceholder in success_url is replaced by the session id at
// redirect time.
const SessionIDPlaceholder = "{CHECKOUT_SESSION_ID}"

// PaymentMethods are the method types a session may allow, with the
// currencies each supports (nil: any).
var PaymentMethods = map[string][]checkout.Currency{
	"card":       nil,
	"multibanco": {"EUR"},
	// Any currency the operator gives an exchange rate for (USD always):
	// checked against the configuration when a session is made.
	"stablecoin": nil,
	// A card presented to the session's companion device (devices.go).
	"in_store": nil,
}

// Locales accepted for the hosted page; "auto" follows the browser.
var Locales = strings.Fields("auto bg cs da de el en en-GB es es-419 et fi fil fr fr-CA hr hu id it ja ko lt lv ms mt nb nl pl pt pt-BR ro ru sk sl sv th tr vi zh zh-HK zh-TW")

// buildSession validates p and computes the new session's amounts. It assigns
// no ids; it only reads acct.
func buildSession(p *SessionParams, acct *checkout.Account, livemode bool, now time.Time) (*checkout.Session, error) {
	if p.Mode != "" && p.Mode != string(checkout.ModePayment) {
		return nil, checkout.Invalid("mode", "parameter_invalid", "mode must be 'payment' (subscriptions and setup are not supported); got '%s'", p.Mode)
	}

	// The currency: as given, else that of the line items, else the account's.
	currency := acct.DefaultCurrency
	if p.Currency != "" {
		c, ok := checkout.ParseCurrency(p.Currency)
		if !ok {
			return nil, checkout.Invalid("currency", "currency_invalid", "'%s' is not a supported ISO 4217 currency code", p.Currency)
		}
		currency = c
	} else if len(p.LineItems) > 0 && p.LineItems[0].Currency != "" {
		if c, ok := checkout.ParseCurrency(p.LineItems[0].Currency); ok {
			currency = c
		}
	}

	sess := &checkout.Session{
		Livemode:      livemode,
		Mode:          checkout.ModePayment,
		Status:        checkout.SessionOpen,
		PaymentStatus: checkout.PaymentUnpaid,
		Currency:      currency,
		Version:       1,
		Created:       now,
		Updated:       now,
		AccountID:     acct.ID,
	}

	if err := buildAmounts(sess, p); err != nil {
		return nil, err
	}

	var err error
	if sess.SuccessURL, err = checkRedirectURL("success_url", p.SuccessURL, livemode, true); err != nil {
		return nil, err
	}
	if sess.CancelURL, err = checkRedirectURL("cancel_url", p.CancelURL, livemode, true); err != nil {
		return nil, err
	}
	if sess.ReturnURL, err = checkRedirectURL("return_url", p.ReturnURL, livemode, false); err != nil {
		return nil, err
	}

	if err := checkText("customer", p.Customer, MaxCustomerLen); err != nil {
		return nil, err
	}
	sess.Customer = p.Customer
	if p.CustomerEmail != "" {
		if err := checkEmail(p.CustomerEmail); err != nil {
			return nil, err
		}
		sess.CustomerEmail, sess.CustomerEmailLocked = p.CustomerEmail, true
	}
	if p.CustomerPhone != "" {
		if err := checkPhone(p.CustomerPhone); err != nil {
			return nil, err
		}
		sess.CustomerPhone = p.CustomerPhone
	}
	if err := checkText("client_reference_id", p.ClientReferenceID, MaxClientReferenceID); err != nil {
		return nil, err
	}
	sess.ClientReferenceID = p.ClientReferenceID
	if err := checkText("description", p.Description, MaxDescriptionLen); err != nil {
		return nil, err
	}
	sess.Description = p.Description
	if p.Locale != "" {
		if !slices.Contains(Locales, p.Locale) {
			return nil, checkout.Invalid("locale", "parameter_invalid", "'%s' is not a supported locale; use one of: %s", p.Locale, strings.Join(Locales, ", "))
		}
		sess.Locale = p.Locale
	}

	methods := p.PaymentMethodTypes
	if len(methods) == 0 && p.Provider != "" {
		methods = providerMethods(p.Provider, currency)
	}
	if sess.PaymentMethodTypes, err = checkMethods(methods, currency); err != nil {
		return nil, err
	}
	if sess.Metadata, err = checkMetadata(p.Metadata); err != nil {
		return nil, err
	}
	if err := buildCollect(sess, &p.Collect, acct); err != nil {
		return nil, err
	}

	switch p.Fulfillment {
	case "", "shipping", "pickup", "digital":
		sess.Fulfillment = p.Fulfillment
	default:
		return nil, checkout.Invalid("fulfillment", "parameter_invalid", "fulfillment must be 'shipping', 'pickup' or 'digital'; got '%s'", p.Fulfillment)
	}
	for _, n := range []struct{ param, v string }{{"customer_first_name", p.CustomerFirstName}, {"customer_last_name", p.CustomerLastName}} {
		if err := checkText(n.param, n.v, 100); err != nil {
			return nil, err
		}
	}
	sess.CustomerFirstName, sess.CustomerLastName = strings.TrimSpace(p.CustomerFirstName), strings.TrimSpace(p.CustomerLastName)

	sess.ExpiresAt = now.Add(acct.SessionTTL)
	if acct.SessionTTL == 0 {
		sess.ExpiresAt = now.Add(checkout.DefaultSessionTTL)
	}
	if p.ExpiresIn != nil {
		if p.ExpiresAt != nil {
			return nil, checkout.Invalid("expires_in", "parameter_unexpected", "give expires_at or expires_in, not both")
		}
		if d := *p.ExpiresIn; d < checkout.MinSessionTTL || d > checkout.MaxSessionTTL {
			return nil, checkout.Invalid("expires_in", "parameter_invalid", "the session's lifetime must be between 1 minute and 30 days; got %s", d)
		}
		sess.ExpiresAt = now.Add(*p.ExpiresIn)
	}
	if p.ExpiresAt != nil {
		at := p.ExpiresAt.UTC()
		if at.Before(now.Add(checkout.MinSessionTTL)) || at.After(now.Add(checkout.MaxSessionTTL)) {
			return nil, checkout.Invalid("expires_at", "parameter_invalid",
				"expires_at must be between 1 minute and 30 days from now; got %s", at.Format(time.RFC3339))
		}
		sess.ExpiresAt = at
	}
	return sess, nil
}

// buildAmounts computes line item and session totals. Totals are always
// computed here; an amount given alongside line items must agree with them.
func buildAmounts(sess *checkout.Session, p *SessionParams) error {
	if p.Amount == nil && len(p.LineItems) == 0 {
		return checkout.Invalid("amount", "parameter_missing", "give amount or line_items")
	}
	if len(p.LineItems) > checkout.MaxLineItems {
		return checkout.Invalid("line_items", "parameter_invalid", "at most %d line items; got %d", checkout.MaxLineItems, len(p.LineItems))
	}
	var total int64
	for i, li := range p.LineItems {
		name := func(field string) string { return fmt.Sprintf("line_items[%d]%s", i, field) }
		if li.Quantity == nil {
			return checkout.Invalid(name("[quantity]"), "parameter_missing", "%s is required", name("[quantity]"))
		}
		if *li.Quantity < 1 || *li.Quantity > checkout.MaxQuantity {
			return checkout.Invalid(name("[quantity]"), "parameter_invalid_integer", "quantity must be between 1 and %d; got %d", checkout.MaxQuantity, *li.Quantity)
		}
		if li.Currency == "" {
			return checkout.Invalid(name("[price_data][currency]"), "parameter_missing", "%s is required", name("[price_data][currency]"))
		}
		c, ok := checkout.ParseCurrency(li.Currency)
		if !ok {
			return checkout.Invalid(name("[price_data][currency]"), "currency_invalid", "'%s' is not a supported ISO 4217 currency code", li.Currency)
		}
		if c != sess.Currency {
			if li.fromProduct {
				return checkout.Invalid(name("[product]"), "currency_mismatch", "product %s is priced in %s, not the session currency %s", li.Product, c, sess.Currency)
			}
			return checkout.Invalid(name("[price_data][currency]"), "currency_mismatch", "line item currency %s differs from the session currency %s", c, sess.Currency)
		}
		if li.UnitAmount == nil {
			return checkout.Invalid(name("[price_data][unit_amount]"), "parameter_missing", "%s is required", name("[price_data][unit_amount]"))
		}
		if *li.UnitAmount < 0 || *li.UnitAmount > checkout.MaxAmount {
			return checkout.Invalid(name("[price_data][unit_amount]"), "parameter_invalid_integer", "unit_amount must be between 0 and %d; got %d", checkout.MaxAmount, *li.UnitAmount)
		}
		if strings.TrimSpace(li.Name) == "" {
			return checkout.Invalid(name("[price_data][product_data][name]"), "parameter_missing", "%s is required", name("[price_data][product_data][name]"))
		}
		if err := checkText(name("[price_data][product_data][name]"), li.Name, MaxNameLen); err != nil {
			return err
		}
		if err := checkText(name("[price_data][product_data][description]"), li.Description, MaxDescriptionLen); err != nil {
			return err
		}
		if len(li.Images) > MaxImages {
			return checkout.Invalid(name("[price_data][product_data][images]"), "parameter_invalid", "at most %d images; got %d", MaxImages, len(li.Images))
		}
		for j, img := range li.Images {
			if _, err := checkRedirectURL(name(fmt.Sprintf("[price_data][product_data][images][%d]", j)), img, false, true); err != nil {
				return err
			}
		}
		sub, ok := checkout.MulAmount(*li.UnitAmount, *li.Quantity)
		if ok {
			total, ok = checkout.AddAmount(total, sub)
		}
		if !ok {
			return checkout.Invalid("line_items", "amount_too_large", "the line items add up to more than %d", checkout.MaxAmount)
		}
		sess.LineItems = append(sess.LineItems, checkout.LineItem{
			Name: li.Name, Description: li.Description, Images: slices.Clone(li.Images),
			Quantity: *li.Quantity, UnitAmount: *li.UnitAmount, Currency: c,
			AmountSubtotal: sub, AmountTotal: sub, Product: li.Product,
		})
	}
	if p.Amount != nil {
		a := *p.Amount
		if a < checkout.MinAmount {
			return checkout.Invalid("amount", "amount_too_small", "amount must be at least %d; got %d", checkout.MinAmount, a)
		}
		if a > checkout.MaxAmount {
			return checkout.Invalid("amount", "amount_too_large", "amount must be at most %d; got %d", checkout.MaxAmount, a)
		}
		if len(p.LineItems) > 0 && a != total {
			return checkout.Invalid("amount", "amount_mismatch", "amount %d differs from the line items' total %d", a, total)
		}
		total = a
	} else if total < checkout.MinAmount {
		return checkout.Invalid("line_items", "amount_too_small", "the line items must add up to at least %d", checkout.MinAmount)
	}
	sess.AmountSubtotal, sess.AmountTotal = total, total
	return nil
}

// checkRedirectURL accepts only absolute http(s) URLs with a host that
// netguard.ParseHost accepts (a DNS name or an IP literal, a port in
// 1–65535), no credentials, no control characters, at most MaxURLLength
// long, and https in live mode. The session-id placeholder is allowed
// anywhere but in the host.
func checkRedirectURL(param, raw string, livemode, required bool) (string, error) {
	if raw == "" {
		if required {
			return "", checkout.Invalid(param, "parameter_missing", "%s is required", param)
		}
		return "", nil
	}
	if len(raw) > MaxURLLength {
		return "", checkout.Invalid(param, "url_invalid", "%s is longer than %d characters", param, MaxURLLength)
	}
	for _, r := range raw {
		if r < 0x21 || r == 0x7f || !utf8.ValidRune(r) || unicode.IsSpace(r) {
			return "", checkout.Invalid(param, "url_invalid", "%s contains whitespace or control characters", param)
		}
	}
	u, err := url.Parse(strings.ReplaceAll(raw, SessionIDPlaceholder, "cs_placeholder"))
	if err != nil || !u.IsAbs() || u.Opaque != "" {
		return "", checkout.Invalid(param, "url_invalid", "%s must be an absolute http or https URL", param)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if livemode {
			return "", checkout.Invalid(param, "url_invalid", "%s must use https in live mode", param)
		}
	default:
		return "", checkout.Invalid(param, "url_invalid", "%s must be an http or https URL, not %s:", param, u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return "", checkout.Invalid(param, "url_invalid", "%s must name a host", param)
	}
	if u.User != nil {
		return "", checkout.Invalid(param, "url_invalid", "%s must not contain credentials", param)
	}
	// The host goes to browsers and into the page's Content-Security-Policy:
	// only a DNS name or an IP literal, by the rules netguard holds for every
	// URL, so that no host can carry a ';', ',', quote or wildcard.
	if _, err := netguard.ParseHost(u.Host); err != nil {
		return "", checkout.Invalid(param, "url_invalid", "%s: %v; the host must be a DNS name or an IP address", param, err)
	}
	return raw, nil
}

// checkText bounds a free-text field and refuses control characters and
// invalid UTF-8, which have no business in names and references.
func checkText(param, v string, max int) error {
	if !utf8.ValidString(v) {
		return checkout.Invalid(param, "parameter_invalid", "%s is not valid UTF-8", param)
	}
	if n := utf8.RuneCountInString(v); n > max {
		return checkout.Invalid(param, "parameter_invalid", "%s is longer than %d characters", param, max)
	}
	for _, r := range v {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return checkout.Invalid(param, "parameter_invalid", "%s contains control characters", param)
		}
	}
	return nil
}

func checkEmail(v string) error { return checkEmailParam("customer_email", v) }

// checkEmailParam is checkEmail for the parameter param.
func checkEmailParam(param, v string) error {
	if len(v) > MaxEmailLen {
		return checkout.Invalid(param, "email_invalid", "%s is longer than %d characters", param, MaxEmailLen)
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || a.Name != "" || !strings.Contains(v[strings.LastIndexByte(v, '@'):], ".") {
		return checkout.Invalid(param, "email_invalid", "'%s' is not a valid email address", v)
	}
	return nil
}

func checkPhone(v string) error {
	digits := 0
	for i, r := range v {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')':
		default:
			return checkout.Invalid("customer_phone", "phone_invalid", "'%s' is not a valid phone number", v)
		}
	}
	if digits < 4 || digits > 15 || len(v) > 25 {
		return checkout.Invalid("customer_phone", "phone_invalid", "'%s' is not a valid phone number (4 to 15 digits)", v)
	}
	return nil
}

func checkMethods(methods []string, c checkout.Currency) ([]string, error) {
	if len(methods) == 0 {
		return []string{"card"}, nil
	}
	seen := map[string]bool{}
	for i, m := range methods {
		param := fmt.Sprintf("payment_method_types[%d]", i)
		currencies, ok := PaymentMethods[m]
		if !ok {
			return nil, checkout.Invalid(param, "payment_method_invalid", "'%s' is not a supported payment method type; use card, multibanco, stablecoin or in_store", m)
		}
		if seen[m] {
			return nil, checkout.Invalid(param, "parameter_invalid", "'%s' is listed twice", m)
		}
		seen[m] = true
		if currencies != nil && !slices.Contains(currencies, c) {
			return nil, checkout.Invalid(param, "payment_method_invalid", "%s does not support %s", m, c)
		}
	}
	return slices.Clone(methods), nil
}

func checkMetadata(md map[string]string) (map[string]string, error) {
	if len(md) > MaxMetadataKeys {
		return nil, checkout.Invalid("metadata", "metadata_invalid", "metadata can have at most %d keys; got %d", MaxMetadataKeys, len(md))
	}
	out := make(map[string]string, len(md))
	for _, k := range slices.Sorted(maps.Keys(md)) { // sorted: the same input always names the same param
		v := md[k]
		param := "metadata[" + k + "]"
		switch {
		case k == "":
			return nil, checkout.Invalid("metadata", "metadata_invalid", "metadata keys cannot be empty")
		case !utf8.ValidString(k):
			// Not named: the key cannot be written back as it was sent.
			return nil, checkout.Invalid("metadata", "metadata_invalid", "metadata keys must be valid UTF-8")
		case utf8.RuneCountInString(k) > MaxMetadataKeyLen:
			return nil, checkout.Invalid(param, "metadata_invalid", "metadata keys can be at most %d characters", MaxMetadataKeyLen)
		case strings.ContainsAny(k, "[]"):
			return nil, checkout.Invalid(param, "metadata_invalid", "metadata keys cannot contain square brackets")
		case strings.ContainsFunc(k, unicode.IsControl):
			// The rule of values, stricter: a key is a name, so it may
			// not hold even the newline and tab a value may.
			return nil, checkout.Invalid(param, "metadata_invalid", "metadata keys cannot contain control characters")
		}
		if err := checkText(param, v, MaxMetadataValueLen); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}
