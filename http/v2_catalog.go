package http

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/http/params"
	"github.com/checkoutd/checkoutd/service"
)

// What seed 002's products, invoices and checkout links share: a list in
// the dialect's envelope, and service errors told in the dialect's words.
// The objects are the canonical ones (service/products.go, invoices.go,
// links.go); only the names and the shapes differ.

// v2ListOf is one page of a v2 list: the dialect's cursor names, filter
// reading the other parameters, each item rendered by render. As listPage,
// but a parameter the decoding refuses is named as sent, and one the
// service refuses in the dialect's words.
func v2ListOf[F, T, J any](r *http.Request, scope checkout.Scope,
	filter func(v *params.Values, p checkout.ListParams) F,
	fetch func(context.Context, checkout.Scope, F) (checkout.Page[T], error),
	render func(T) J) (any, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, v2Decoded(err)
	}
	f := filter(v, v2Cursor.cursor(v, service.DefaultListLimit))
	if err := v.Err(); err != nil {
		return nil, v2Decoded(err)
	}
	page, err := fetch(r.Context(), scope, f)
	if err != nil {
		return nil, v2Explain(err, nil)
	}
	data := make([]J, len(page.Items))
	for i, it := range page.Items {
		data[i] = render(it)
	}
	return v2List{Data: data, HasMore: page.HasMore}, nil
}

// v2LineParams are the canonical parameters of an invoice line or a link's
// product line as v2Param turns them into the dialect's names: a v2 line
// has its own unitAmountMinor, name and description where the canonical
// line nests Stripe's price_data and product_data.
var v2LineParams = strings.NewReplacer(
	"[price_data][unit_amount]", "[unit_amount_minor]",
	"[price_data][product_data][", "[",
	"[price_data]", "[unit_amount_minor]",
)

// lineParamWords are the canonical names of line fields in a message.
var lineParamWords = regexp.MustCompile(`line_items(\[[0-9a-z_]+\])*`)

// v2Explain readies a service error for v2Error: rename (nil: none) maps
// its canonical parameter to the one v2Param reads as the dialect's field,
// and the message says the dialect's names too, so that a caller of
// /v2 never reads a name it did not send.
func v2Explain(err error, rename func(string) string) error {
	var e *checkout.Error
	if !errors.As(err, &e) || e.Param == "" {
		return err
	}
	c := *e
	if rename != nil {
		c.Param = rename(c.Param)
	}
	final := v2Param(c.Param)
	c.Message = replaceWord(c.Message, e.Param, final)
	// A message may name only the last part ("unit_amount must be …"); a
	// plain word ("no such product") is English, not a name.
	if last := lastName(e.Param, "["); strings.Contains(last, "_") {
		c.Message = replaceWord(c.Message, last, lastName(final, "."))
	}
	c.Message = lineParamWords.ReplaceAllStringFunc(c.Message, func(w string) string {
		if rename != nil {
			w = rename(w)
		}
		return v2Param(v2LineParams.Replace(w))
	})
	return &c
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
	nameByte := func(c byte) bool {
		return c == '_' || c == '[' || c == ']' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
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

// v2Decoded marks an error of decoding a v2 body as named already: its
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
