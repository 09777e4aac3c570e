package http

import (
	"encoding/json"
	"strconv"
	"sync"

	"github.com/checkoutd/checkoutd/internal/jsonw"
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
	b = jsonw.AppendString(b, s.ID)
	b = append(b, `,"object":`...)
	b = jsonw.AppendString(b, s.Object)
	b = append(b, `,"livemode":`...)
	b = strconv.AppendBool(b, s.Livemode)
	b = append(b, `,"mode":`...)
	b = jsonw.AppendString(b, s.Mode)
	b = append(b, `,"status":`...)
	b = jsonw.AppendString(b, s.Status)
	b = append(b, `,"payment_status":`...)
	b = jsonw.AppendString(b, s.PaymentStatus)
	b = append(b, `,"url":`...)
	b = jsonw.AppendString(b, s.URL)
	b = append(b, `,"amount":`...)
	b = strconv.AppendInt(b, s.Amount, 10)
	b = append(b, `,"amount_subtotal":`...)
	b = strconv.AppendInt(b, s.AmountSubtotal, 10)
	b = append(b, `,"amount_total":`...)
	b = strconv.AppendInt(b, s.AmountTotal, 10)
	b = append(b, `,"total_details":`...)
	b = s.TotalDetails.appendJSON(b)
	b = append(b, `,"currency":`...)
	b = jsonw.AppendString(b, s.Currency)
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
	b = jsonw.AppendString(b, s.SuccessURL)
	b = append(b, `,"cancel_url":`...)
	b = jsonw.AppendString(b, s.CancelURL)
	b = append(b, `,"client_reference_id":`...)
	b = appendOptString(b, s.ClientReferenceID)
	b = append(b, `,"locale":`...)
	b = appendOptString(b, s.Locale)
	b = append(b, `,"description":`...)
	b = appendOptString(b, s.Description)
	b = append(b, `,"payment_method_types":`...)
	b = jsonw.AppendStrings(b, s.PaymentMethodTypes)
	b = append(b, `,"metadata":`...)
	b = jsonw.AppendStringMap(b, s.Metadata)
	b = append(b, `,"expires_at":`...)
	b = jsonw.AppendString(b, s.ExpiresAt)
	b = append(b, `,"created_at":`...)
	b = jsonw.AppendString(b, s.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = jsonw.AppendString(b, s.UpdatedAt)
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
	b = jsonw.AppendString(b, li.ID)
	b = append(b, `,"object":`...)
	b = jsonw.AppendString(b, li.Object)
	b = append(b, `,"description":`...)
	b = jsonw.AppendString(b, li.Description)
	b = append(b, `,"quantity":`...)
	b = strconv.AppendInt(b, li.Quantity, 10)
	b = append(b, `,"currency":`...)
	b = jsonw.AppendString(b, li.Currency)
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
	b = jsonw.AppendString(b, p.Object)
	b = append(b, `,"currency":`...)
	b = jsonw.AppendString(b, p.Currency)
	b = append(b, `,"unit_amount":`...)
	b = strconv.AppendInt(b, p.UnitAmount, 10)
	b = append(b, `,"product_data":`...)
	b = p.ProductData.appendJSON(b)
	return append(b, '}')
}

func (p *productDataJSON) appendJSON(b []byte) []byte {
	b = append(b, `{"name":`...)
	b = jsonw.AppendString(b, p.Name)
	b = append(b, `,"description":`...)
	b = appendOptString(b, p.Description)
	b = append(b, `,"images":`...)
	b = jsonw.AppendStrings(b, p.Images)
	return append(b, '}')
}

func (l *listJSON) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"object":`...)
	b = jsonw.AppendString(b, l.Object)
	b = append(b, `,"data":`...)
	b, err := appendJSON(b, l.Data)
	if err != nil {
		return b, err
	}
	b = append(b, `,"has_more":`...)
	b = strconv.AppendBool(b, l.HasMore)
	b = append(b, `,"url":`...)
	b = jsonw.AppendString(b, l.URL)
	return append(b, '}'), nil
}

func (e *eventJSON) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = jsonw.AppendString(b, e.ID)
	b = append(b, `,"object":`...)
	b = jsonw.AppendString(b, e.Object)
	b = append(b, `,"type":`...)
	b = jsonw.AppendString(b, e.Type)
	b = append(b, `,"created":`...)
	b = strconv.AppendInt(b, e.Created, 10)
	b = append(b, `,"created_at":`...)
	b = jsonw.AppendString(b, e.CreatedAt)
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
	b = jsonw.AppendString(b, p.ID)
	b = append(b, `,"object":`...)
	b = jsonw.AppendString(b, p.Object)
	b = append(b, `,"livemode":`...)
	b = strconv.AppendBool(b, p.Livemode)
	b = append(b, `,"checkout_session":`...)
	b = jsonw.AppendString(b, p.CheckoutSession)
	b = append(b, `,"provider":`...)
	b = jsonw.AppendString(b, p.Provider)
	b = append(b, `,"method":`...)
	b = jsonw.AppendString(b, p.Method)
	b = append(b, `,"status":`...)
	b = jsonw.AppendString(b, p.Status)
	b = append(b, `,"amount":`...)
	b = strconv.AppendInt(b, p.Amount, 10)
	b = append(b, `,"currency":`...)
	b = jsonw.AppendString(b, p.Currency)
	b = append(b, `,"card":`...)
	if p.Card == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"brand":`...)
		b = jsonw.AppendString(b, p.Card.Brand)
		b = append(b, `,"last4":`...)
		b = jsonw.AppendString(b, p.Card.Last4)
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
		b = jsonw.AppendString(b, a.Type)
		b = append(b, `,"entity":`...)
		b = appendOptString(b, a.Entity)
		b = append(b, `,"reference":`...)
		b = appendOptString(b, a.Reference)
		b = append(b, `,"expires_at":`...)
		b = appendOptString(b, a.ExpiresAt)
		b = append(b, '}')
	}
	b = append(b, `,"created_at":`...)
	b = jsonw.AppendString(b, p.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = jsonw.AppendString(b, p.UpdatedAt)
	return append(b, '}')
}

func (e *endpointJSON) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = jsonw.AppendString(b, e.ID)
	b = append(b, `,"object":`...)
	b = jsonw.AppendString(b, e.Object)
	b = append(b, `,"livemode":`...)
	b = strconv.AppendBool(b, e.Livemode)
	b = append(b, `,"url":`...)
	b = jsonw.AppendString(b, e.URL)
	b = append(b, `,"enabled_events":`...)
	b = jsonw.AppendStrings(b, e.EnabledEvents)
	b = append(b, `,"description":`...)
	b = appendOptString(b, e.Description)
	b = append(b, `,"metadata":`...)
	b = jsonw.AppendStringMap(b, e.Metadata)
	b = append(b, `,"status":`...)
	b = jsonw.AppendString(b, e.Status)
	b = append(b, `,"disabled_reason":`...)
	b = appendOptString(b, e.DisabledReason)
	if e.Secret != "" { // omitempty
		b = append(b, `,"secret":`...)
		b = jsonw.AppendString(b, e.Secret)
	}
	b = append(b, `,"created_at":`...)
	b = jsonw.AppendString(b, e.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = jsonw.AppendString(b, e.UpdatedAt)
	return append(b, '}')
}

func (e ErrorBody) appendJSON(b []byte) []byte {
	b = append(b, `{"error":{"type":`...)
	b = jsonw.AppendString(b, e.Error.Type)
	b = append(b, `,"code":`...)
	b = jsonw.AppendString(b, e.Error.Code)
	b = append(b, `,"param":`...)
	b = appendOptString(b, e.Error.Param)
	b = append(b, `,"message":`...)
	b = jsonw.AppendString(b, e.Error.Message)
	return append(b, "}}"...)
}

func appendOptString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return jsonw.AppendString(b, *s)
}
