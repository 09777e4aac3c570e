package http

import (
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// Hand-written encoders for the JSON shapes of the hot responses. json.Marshal
// costs reflection and garbage on every request; these append the very same
// bytes (encode_test.go compares them with json.Marshal on random values with
// every field set, so a field added to a struct without its line here fails
// the tests). The structs in render.go stay the description of the wire
// shape: each method below follows its struct field by field, in order.
// Anything else goes through json.Marshal.

// appendJSON appends the JSON encoding of v to b, byte for byte what
// json.Marshal(v) returns.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case *sessionJSON:
		if v != nil {
			return v.appendJSON(b)
		}
	case *listJSON:
		if v != nil {
			return v.appendJSON(b)
		}
	case *eventJSON:
		if v != nil {
			return v.appendJSON(b)
		}
	case *paymentJSON:
		if v != nil {
			return v.appendJSON(b), nil
		}
	case *endpointJSON:
		if v != nil {
			return v.appendJSON(b), nil
		}
	case ErrorBody:
		return v.appendJSON(b), nil
	case []lineItemJSON:
		if v != nil {
			b = append(b, '[')
			for i := range v {
				if i > 0 {
					b = append(b, ',')
				}
				b = v[i].appendJSON(b)
			}
			return append(b, ']'), nil
		}
	case []*sessionJSON:
		return appendSlice(b, v, (*sessionJSON).appendJSON)
	case []*eventJSON:
		return appendSlice(b, v, (*eventJSON).appendJSON)
	case []*paymentJSON:
		return appendSlice(b, v, noErr((*paymentJSON).appendJSON))
	case []*endpointJSON:
		return appendSlice(b, v, noErr((*endpointJSON).appendJSON))
	}
	out, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, out...), nil
}

// appendSlice appends a slice of pointers as json.Marshal does: null for a
// nil slice or a nil element.
func appendSlice[T any](b []byte, v []*T, elem func(*T, []byte) ([]byte, error)) ([]byte, error) {
	if v == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i, e := range v {
		if i > 0 {
			b = append(b, ',')
		}
		if e == nil {
			b = append(b, "null"...)
			continue
		}
		var err error
		if b, err = elem(e, b); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

func noErr[T any](f func(*T, []byte) []byte) func(*T, []byte) ([]byte, error) {
	return func(v *T, b []byte) ([]byte, error) { return f(v, b), nil }
}

// encodeJSON returns v encoded as json.Marshal would.
func encodeJSON(v any) ([]byte, error) { return appendJSON(nil, v) }

// bufPool holds response buffers; buffers grown beyond maxPooledBuf are
// left to the garbage collector rather than kept.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

const maxPooledBuf = 64 << 10

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(p *[]byte, b []byte) {
	if cap(b) > maxPooledBuf {
		return
	}
	*p = b[:0]
	bufPool.Put(p)
}

func (s *sessionJSON) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = appendString(b, s.ID)
	b = append(b, `,"object":`...)
	b = appendString(b, s.Object)
	b = append(b, `,"livemode":`...)
	b = strconv.AppendBool(b, s.Livemode)
	b = append(b, `,"mode":`...)
	b = appendString(b, s.Mode)
	b = append(b, `,"status":`...)
	b = appendString(b, s.Status)
	b = append(b, `,"payment_status":`...)
	b = appendString(b, s.PaymentStatus)
	b = append(b, `,"url":`...)
	b = appendString(b, s.URL)
	b = append(b, `,"amount":`...)
	b = strconv.AppendInt(b, s.Amount, 10)
	b = append(b, `,"amount_subtotal":`...)
	b = strconv.AppendInt(b, s.AmountSubtotal, 10)
	b = append(b, `,"amount_total":`...)
	b = strconv.AppendInt(b, s.AmountTotal, 10)
	b = append(b, `,"total_details":`...)
	b = s.TotalDetails.appendJSON(b)
	b = append(b, `,"currency":`...)
	b = appendString(b, s.Currency)
	b = append(b, `,"line_items":`...)
	b, err := s.LineItems.appendJSON(b)
	if err != nil {
		return b, err
	}
	b = append(b, `,"payment":`...)
	b = appendOptString(b, s.Payment)
	b = append(b, `,"customer":`...)
	b = appendOptString(b, s.Customer)
	b = append(b, `,"customer_email":`...)
	b = appendOptString(b, s.CustomerEmail)
	b = append(b, `,"customer_phone":`...)
	b = appendOptString(b, s.CustomerPhone)
	b = append(b, `,"success_url":`...)
	b = appendString(b, s.SuccessURL)
	b = append(b, `,"cancel_url":`...)
	b = appendString(b, s.CancelURL)
	b = append(b, `,"client_reference_id":`...)
	b = appendOptString(b, s.ClientReferenceID)
	b = append(b, `,"locale":`...)
	b = appendOptString(b, s.Locale)
	b = append(b, `,"description":`...)
	b = appendOptString(b, s.Description)
	b = append(b, `,"payment_method_types":`...)
	b = appendStrings(b, s.PaymentMethodTypes)
	b = append(b, `,"metadata":`...)
	b = appendStringMap(b, s.Metadata)
	b = append(b, `,"expires_at":`...)
	b = appendString(b, s.ExpiresAt)
	b = append(b, `,"created_at":`...)
	b = appendString(b, s.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendString(b, s.UpdatedAt)
	b = append(b, `,"accessed_at":`...)
	b = appendOptString(b, s.AccessedAt)
	b = append(b, `,"completed_at":`...)
	b = appendOptString(b, s.CompletedAt)
	return append(b, '}'), nil
}

func (t *totalDetailsJSON) appendJSON(b []byte) []byte {
	b = append(b, `{"amount_discount":`...)
	b = strconv.AppendInt(b, t.AmountDiscount, 10)
	b = append(b, `,"amount_shipping":`...)
	b = strconv.AppendInt(b, t.AmountShipping, 10)
	b = append(b, `,"amount_tax":`...)
	b = strconv.AppendInt(b, t.AmountTax, 10)
	return append(b, '}')
}

func (li *lineItemJSON) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, li.ID)
	b = append(b, `,"object":`...)
	b = appendString(b, li.Object)
	b = append(b, `,"description":`...)
	b = appendString(b, li.Description)
	b = append(b, `,"quantity":`...)
	b = strconv.AppendInt(b, li.Quantity, 10)
	b = append(b, `,"currency":`...)
	b = appendString(b, li.Currency)
	b = append(b, `,"amount_subtotal":`...)
	b = strconv.AppendInt(b, li.AmountSubtotal, 10)
	b = append(b, `,"amount_discount":`...)
	b = strconv.AppendInt(b, li.AmountDiscount, 10)
	b = append(b, `,"amount_tax":`...)
	b = strconv.AppendInt(b, li.AmountTax, 10)
	b = append(b, `,"amount_total":`...)
	b = strconv.AppendInt(b, li.AmountTotal, 10)
	b = append(b, `,"price":`...)
	b = li.Price.appendJSON(b)
	return append(b, '}')
}

func (p *priceJSON) appendJSON(b []byte) []byte {
	b = append(b, `{"object":`...)
	b = appendString(b, p.Object)
	b = append(b, `,"currency":`...)
	b = appendString(b, p.Currency)
	b = append(b, `,"unit_amount":`...)
	b = strconv.AppendInt(b, p.UnitAmount, 10)
	b = append(b, `,"product_data":`...)
	b = p.ProductData.appendJSON(b)
	return append(b, '}')
}

func (p *productDataJSON) appendJSON(b []byte) []byte {
	b = append(b, `{"name":`...)
	b = appendString(b, p.Name)
	b = append(b, `,"description":`...)
	b = appendOptString(b, p.Description)
	b = append(b, `,"images":`...)
	b = appendStrings(b, p.Images)
	return append(b, '}')
}

func (l *listJSON) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"object":`...)
	b = appendString(b, l.Object)
	b = append(b, `,"data":`...)
	b, err := appendJSON(b, l.Data)
	if err != nil {
		return b, err
	}
	b = append(b, `,"has_more":`...)
	b = strconv.AppendBool(b, l.HasMore)
	b = append(b, `,"url":`...)
	b = appendString(b, l.URL)
	return append(b, '}'), nil
}

func (e *eventJSON) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = appendString(b, e.ID)
	b = append(b, `,"object":`...)
	b = appendString(b, e.Object)
	b = append(b, `,"type":`...)
	b = appendString(b, e.Type)
	b = append(b, `,"created":`...)
	b = strconv.AppendInt(b, e.Created, 10)
	b = append(b, `,"created_at":`...)
	b = appendString(b, e.CreatedAt)
	b = append(b, `,"livemode":`...)
	b = strconv.AppendBool(b, e.Livemode)
	b = append(b, `,"sequence":`...)
	b = strconv.AppendInt(b, e.Sequence, 10)
	b = append(b, `,"data":{"object":`...)
	b, err := appendJSON(b, e.Data.Object)
	if err != nil {
		return b, err
	}
	return append(b, "}}"...), nil
}

func (p *paymentJSON) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, p.ID)
	b = append(b, `,"object":`...)
	b = appendString(b, p.Object)
	b = append(b, `,"livemode":`...)
	b = strconv.AppendBool(b, p.Livemode)
	b = append(b, `,"checkout_session":`...)
	b = appendString(b, p.CheckoutSession)
	b = append(b, `,"provider":`...)
	b = appendString(b, p.Provider)
	b = append(b, `,"method":`...)
	b = appendString(b, p.Method)
	b = append(b, `,"status":`...)
	b = appendString(b, p.Status)
	b = append(b, `,"amount":`...)
	b = strconv.AppendInt(b, p.Amount, 10)
	b = append(b, `,"currency":`...)
	b = appendString(b, p.Currency)
	b = append(b, `,"card":`...)
	if p.Card == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"brand":`...)
		b = appendString(b, p.Card.Brand)
		b = append(b, `,"last4":`...)
		b = appendString(b, p.Card.Last4)
		b = append(b, '}')
	}
	b = append(b, `,"failure_code":`...)
	b = appendOptString(b, p.FailureCode)
	b = append(b, `,"failure_message":`...)
	b = appendOptString(b, p.FailureMessage)
	b = append(b, `,"next_action":`...)
	if a := p.NextAction; a == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"type":`...)
		b = appendString(b, a.Type)
		b = append(b, `,"entity":`...)
		b = appendOptString(b, a.Entity)
		b = append(b, `,"reference":`...)
		b = appendOptString(b, a.Reference)
		b = append(b, `,"expires_at":`...)
		b = appendOptString(b, a.ExpiresAt)
		b = append(b, '}')
	}
	b = append(b, `,"created_at":`...)
	b = appendString(b, p.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendString(b, p.UpdatedAt)
	return append(b, '}')
}

func (e *endpointJSON) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, e.ID)
	b = append(b, `,"object":`...)
	b = appendString(b, e.Object)
	b = append(b, `,"livemode":`...)
	b = strconv.AppendBool(b, e.Livemode)
	b = append(b, `,"url":`...)
	b = appendString(b, e.URL)
	b = append(b, `,"enabled_events":`...)
	b = appendStrings(b, e.EnabledEvents)
	b = append(b, `,"description":`...)
	b = appendOptString(b, e.Description)
	b = append(b, `,"metadata":`...)
	b = appendStringMap(b, e.Metadata)
	b = append(b, `,"status":`...)
	b = appendString(b, e.Status)
	b = append(b, `,"disabled_reason":`...)
	b = appendOptString(b, e.DisabledReason)
	if e.Secret != "" { // omitempty
		b = append(b, `,"secret":`...)
		b = appendString(b, e.Secret)
	}
	b = append(b, `,"created_at":`...)
	b = appendString(b, e.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendString(b, e.UpdatedAt)
	return append(b, '}')
}

func (e ErrorBody) appendJSON(b []byte) []byte {
	b = append(b, `{"error":{"type":`...)
	b = appendString(b, e.Error.Type)
	b = append(b, `,"code":`...)
	b = appendString(b, e.Error.Code)
	b = append(b, `,"param":`...)
	b = appendOptString(b, e.Error.Param)
	b = append(b, `,"message":`...)
	b = appendString(b, e.Error.Message)
	return append(b, "}}"...)
}

func appendOptString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

func appendStrings(b []byte, l []string) []byte {
	if l == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// appendStringMap appends m with its keys sorted, as json.Marshal does.
func appendStringMap(b []byte, m map[string]string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	if len(m) == 1 { // the usual case: no sorting, no garbage
		for k, v := range m {
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, v)
		}
		return append(b, '}')
	}
	var arr [16]string
	keys := arr[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, m[k])
	}
	return append(b, '}')
}

// appendString appends s as a JSON string the way encoding/json does with
// HTML escaping on (its default): <, > and & as \u003c, \u003e, \u0026,
// control characters as \b \f \n \r \t or \u00XX, U+2028 and U+2029 escaped,
// and each byte of invalid UTF-8 as \ufffd.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// jsonSafe marks the ASCII bytes encoding/json writes as they are.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()
