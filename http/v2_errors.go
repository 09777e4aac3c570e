package http

import (
	"errors"
	"regexp"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
)

// How seed 002's dialect names what an error is about. Every v2 route's
// error passes through v2Error (s.v2 calls it), which is the one place a
// canonical parameter becomes the dialect's name, in param and message
// alike. Two things reach it already named and are marked so: what a
// decoder refused (v2Decoded: a field as the caller spelled it), and the
// lines of a room that names them its own way carry that room's mapping
// (v2LineNames) for v2Error to apply, as data rather than another renamer.

// v2Names are the dialect's names of canonical parameters, for errors: a
// service error names what the caller sent in its own words.
var v2Names = map[string]string{
	"amount": "amountMinor", "success_url": "successUrl", "cancel_url": "cancelUrl",
	"payment_method_types": "allowedMethods", "companion_device": "companionDeviceId",
	"invoice": "invoiceId", "product": "productId", "unit_amount": "amountMinor",
	"customer_email": "customerEmail", "customer_name": "customerName", "due_date": "dueDate",
	"expires_at": "expiresAt", "restrictions[completed_sessions][limit]": "maxCompletedSessions",
	"after_completion[redirect][url]": "successUrl",
}

// v2Error renames the parameter of a service error to the dialect's name
// (status, code and kind stay canonical), and that name in its message:
// line_items[0][product] becomes lineItems[0].productId, a snake_case name
// its camelCase. A room's v2LineNames maps its line parameters first.
func v2Error(err error) error {
	var sent v2Named
	if errors.As(err, &sent) {
		return sent.error // toErrorBody takes a *checkout.Error as it is
	}
	names := func(p, _ string) string { return p }
	if room, ok := err.(v2LineNames); ok {
		names, err = room.names, room.error // the error goes on unwrapped
	}
	var e *checkout.Error
	if !errors.As(err, &e) || e.Param == "" {
		return err
	}
	lines := func(p string) string { return names(p, e.Code) }
	c := *e
	c.Param = v2Param(lines(e.Param))
	c.Message = v2Say(e.Message, e.Param, c.Param)
	// A message may name only the last part ("unit_amount must be …"); a
	// plain word ("no such product") is English, not a name.
	if last := lastName(e.Param, "["); strings.Contains(last, "_") {
		c.Message = replaceWord(c.Message, last, lastName(c.Param, "."))
	}
	// Or another line's field ("give line_items[0][product] or …").
	c.Message = lineParamWords.ReplaceAllStringFunc(c.Message, func(w string) string { return v2Param(lines(w)) })
	return &c
}

// v2Named marks an error whose parameter is already the dialect's name,
// for v2Error to leave as it is: a decoding error names a field as the
// caller spelled it (an unknown success_url stays success_url, not
// successUrl).
type v2Named struct{ error }

func (e v2Named) Unwrap() error { return e.error }

// v2Decoded marks an error of decoding a v2 request as named already: its
// parameter is the field as sent, with bracketed names dotted
// (lineItems[0][quantity] is lineItems[0].quantity) and no word renamed.
func v2Decoded(err error) error {
	e, ok := err.(*checkout.Error)
	if !ok || e.Param == "" {
		return err
	}
	c := *e
	c.Param = v2Dotted(e.Param)
	c.Message = replaceWord(c.Message, e.Param, c.Param)
	return v2Named{&c}
}

// v2LineNames is a service error of a room whose line items the dialect
// names its own way: names maps a canonical line parameter, given the
// error's code, to the canonical name v2Param reads as the room's field.
type v2LineNames struct {
	error
	names func(param, code string) string
}

func (e v2LineNames) Unwrap() error { return e.error }

// v2ProductLine names the one line of a session or link for a product:
// it is productId and quantity. The line's total (line_items) is the
// product's price when too small, the quantity asked when too large.
func v2ProductLine(p, code string) string {
	switch {
	case !strings.HasPrefix(p, "line_items"):
		return p
	case strings.HasSuffix(p, "[quantity]"), p == "line_items" && code == "amount_too_large":
		return "quantity"
	}
	return "product" // v2Names: productId
}

// v2InvoiceLines names an invoice's lines: a v2 line has its own
// unitAmountMinor, name and description where the canonical line nests
// Stripe's price_data and product_data.
func v2InvoiceLines(p, _ string) string { return v2InvoiceLineParams.Replace(p) }

var v2InvoiceLineParams = strings.NewReplacer(
	"[price_data][unit_amount]", "[unit_amount_minor]",
	"[price_data][product_data][", "[",
	"[price_data]", "[unit_amount_minor]",
)

// lineParamWords are the canonical names of line fields in a message.
var lineParamWords = regexp.MustCompile(`line_items(\[[0-9a-z_]+\])*`)

// v2Param is the dialect's name of canonical parameter p.
func v2Param(p string) string {
	if n, ok := v2Names[p]; ok {
		return n
	}
	head, rest, _ := strings.Cut(p, "[")
	var b strings.Builder
	b.WriteString(v2Word(head))
	// [0][product] → [0].productId: indexes stay in brackets, names
	// become dotted camelCase.
	for rest != "" {
		seg, after, _ := strings.Cut(rest, "]")
		rest = strings.TrimPrefix(after, "[")
		if seg == "" {
			continue
		}
		switch {
		case seg[0] >= '0' && seg[0] <= '9':
			b.WriteString("[" + seg + "]")
		case head == "metadata": // a merchant's key, as sent
			b.WriteString("." + seg)
		default:
			b.WriteString("." + v2Word(seg))
		}
	}
	return b.String()
}

// v2Word is one snake_case name in camelCase, or its v2Names entry.
func v2Word(w string) string {
	if n, ok := v2Names[w]; ok {
		return n
	}
	parts := strings.Split(w, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// v2Dotted is bracketed name p with its names dotted: a[0][b] is a[0].b.
func v2Dotted(p string) string {
	head, rest, _ := strings.Cut(p, "[")
	var b strings.Builder
	b.WriteString(head)
	for rest != "" {
		seg, after, _ := strings.Cut(rest, "]")
		rest = strings.TrimPrefix(after, "[")
		switch {
		case seg == "":
		case seg[0] >= '0' && seg[0] <= '9':
			b.WriteString("[" + seg + "]")
		default:
			b.WriteString("." + seg)
		}
	}
	return b.String()
}

// v2Say renames canonical name old to new in message msg: everywhere it
// stands as a whole name when it reads as one (snake_case or bracketed),
// and a plain word only where it begins the message, since elsewhere it
// is prose ("no such invoice: …" names no parameter).
func v2Say(msg, old, new string) string {
	if strings.ContainsAny(old, "_[") {
		return replaceWord(msg, old, new)
	}
	return renameLeading(msg, old, new)
}

// lastName is the last part of parameter p, whose parts begin with sep.
func lastName(p, sep string) string {
	if i := strings.LastIndex(p, sep); i >= 0 {
		return strings.Trim(p[i:], "[].")
	}
	return p
}

// replaceWord replaces each occurrence of old in s that is a whole name
// (not part of a longer one) with new.
func replaceWord(s, old, new string) string {
	if old == new || old == "" {
		return s
	}
	nameByte := func(c byte) bool { return isWordByte(c) || c == '[' || c == ']' }
	var b strings.Builder
	for {
		i := strings.Index(s, old)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i + len(old)
		whole := (i == 0 || !nameByte(s[i-1])) && (end == len(s) || !nameByte(s[end]))
		b.WriteString(s[:i])
		if whole {
			b.WriteString(new)
		} else {
			b.WriteString(old)
		}
		s = s[end:]
	}
}
