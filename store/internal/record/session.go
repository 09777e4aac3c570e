package record

import (
	"strconv"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/jsonw"
)

// A hand-written encoder for the session, the object written most often:
// json.Marshal cost about 5% of the server's CPU per session created, in
// reflection and garbage. It must write json.Marshal's bytes to the letter,
// since databases in the field hold them; session_test.go compares the two
// on random sessions with every field set, so a field added to
// checkout.Session or checkout.LineItem without its line here fails the
// tests. Each function follows its struct field by field, in order.

// appendSession appends s as json.Marshal(s) does. Its only error is
// json.Marshal's for a time RFC 3339 cannot hold.
func appendSession(b []byte, s *checkout.Session) ([]byte, error) {
	b = append(b, `{"ID":`...)
	b = jsonw.AppendString(b, s.ID)
	b = append(b, `,"AccountID":`...)
	b = jsonw.AppendString(b, s.AccountID)
	b = append(b, `,"Livemode":`...)
	b = strconv.AppendBool(b, s.Livemode)
	b = append(b, `,"Mode":`...)
	b = jsonw.AppendString(b, string(s.Mode))
	b = append(b, `,"Status":`...)
	b = jsonw.AppendString(b, string(s.Status))
	b = append(b, `,"PaymentStatus":`...)
	b = jsonw.AppendString(b, string(s.PaymentStatus))
	b = appendAmounts(b, s.Currency, s.AmountSubtotal, s.AmountDiscount, s.AmountTax, s.AmountTotal)
	b = append(b, `,"LineItems":`...)
	if s.LineItems == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range s.LineItems {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendLineItem(b, &s.LineItems[i])
		}
		b = append(b, ']')
	}
	b = append(b, `,"SuccessURL":`...)
	b = jsonw.AppendString(b, s.SuccessURL)
	b = append(b, `,"CancelURL":`...)
	b = jsonw.AppendString(b, s.CancelURL)
	b = append(b, `,"Customer":`...)
	b = jsonw.AppendString(b, s.Customer)
	b = append(b, `,"CustomerEmail":`...)
	b = jsonw.AppendString(b, s.CustomerEmail)
	b = append(b, `,"CustomerPhone":`...)
	b = jsonw.AppendString(b, s.CustomerPhone)
	b = append(b, `,"ClientReferenceID":`...)
	b = jsonw.AppendString(b, s.ClientReferenceID)
	b = append(b, `,"Locale":`...)
	b = jsonw.AppendString(b, s.Locale)
	b = append(b, `,"Description":`...)
	b = jsonw.AppendString(b, s.Description)
	b = append(b, `,"PaymentMethodTypes":`...)
	b = jsonw.AppendStrings(b, s.PaymentMethodTypes)
	b = append(b, `,"Metadata":`...)
	b = jsonw.AppendStringMap(b, s.Metadata)
	if s.CustomerEmailLocked { // omitempty
		b = append(b, `,"CustomerEmailLocked":true`...)
	}
	b = append(b, `,"Payment":`...)
	b = jsonw.AppendString(b, s.Payment)
	b = append(b, `,"PublicToken":`...)
	b = jsonw.AppendString(b, s.PublicToken)
	b = append(b, `,"CSRFToken":`...)
	b = jsonw.AppendString(b, s.CSRFToken)
	b = append(b, `,"PaymentInFlight":`...)
	b = jsonw.AppendString(b, s.PaymentInFlight)
	b = append(b, `,"InFlightSince":`...)
	b, err := jsonw.AppendTime(b, s.InFlightSince)
	if err != nil {
		return b, err
	}
	b = append(b, `,"FailedAttempts":`...)
	b = strconv.AppendInt(b, int64(s.FailedAttempts), 10)
	b = append(b, `,"Version":`...)
	b = strconv.AppendInt(b, s.Version, 10)
	b = append(b, `,"EventSeq":`...)
	b = strconv.AppendInt(b, s.EventSeq, 10)
	for _, f := range [...]struct {
		key string
		t   time.Time
	}{
		{`,"Created":`, s.Created},
		{`,"Updated":`, s.Updated},
		{`,"ExpiresAt":`, s.ExpiresAt},
		{`,"AccessedAt":`, s.AccessedAt},
		{`,"CompletedAt":`, s.CompletedAt},
		{`,"ExpiredAt":`, s.ExpiredAt},
	} {
		b = append(b, f.key...)
		if b, err = jsonw.AppendTime(b, f.t); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

func appendLineItem(b []byte, li *checkout.LineItem) []byte {
	b = append(b, `{"ID":`...)
	b = jsonw.AppendString(b, li.ID)
	b = append(b, `,"Name":`...)
	b = jsonw.AppendString(b, li.Name)
	b = append(b, `,"Description":`...)
	b = jsonw.AppendString(b, li.Description)
	b = append(b, `,"Images":`...)
	b = jsonw.AppendStrings(b, li.Images)
	b = append(b, `,"Quantity":`...)
	b = strconv.AppendInt(b, li.Quantity, 10)
	b = append(b, `,"UnitAmount":`...)
	b = strconv.AppendInt(b, li.UnitAmount, 10)
	b = appendAmounts(b, li.Currency, li.AmountSubtotal, li.AmountDiscount, li.AmountTax, li.AmountTotal)
	return append(b, '}')
}

// appendAmounts appends the fields a session and its line items both end
// their money with, under the same names and in the same order.
func appendAmounts(b []byte, currency checkout.Currency, subtotal, discount, tax, total int64) []byte {
	b = append(b, `,"Currency":`...)
	b = jsonw.AppendString(b, string(currency))
	b = append(b, `,"AmountSubtotal":`...)
	b = strconv.AppendInt(b, subtotal, 10)
	b = append(b, `,"AmountDiscount":`...)
	b = strconv.AppendInt(b, discount, 10)
	b = append(b, `,"AmountTax":`...)
	b = strconv.AppendInt(b, tax, 10)
	b = append(b, `,"AmountTotal":`...)
	return strconv.AppendInt(b, total, 10)
}
