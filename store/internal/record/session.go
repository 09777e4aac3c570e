package record

import (
	"fmt"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// storedSession is the stored form of a checkout.Session. Its JSON names
// are the Go field names the session had when sessions were first stored,
// and databases in the field hold them: never rename one, whatever the
// domain's field is called now.
type storedSession struct {
	ID                 string            `json:"ID"`
	AccountID          string            `json:"AccountID"`
	Livemode           bool              `json:"Livemode"`
	Mode               string            `json:"Mode"`
	Status             string            `json:"Status"`
	PaymentStatus      string            `json:"PaymentStatus"`
	Currency           string            `json:"Currency"`
	AmountSubtotal     int64             `json:"AmountSubtotal"`
	AmountDiscount     int64             `json:"AmountDiscount"`
	AmountTax          int64             `json:"AmountTax"`
	AmountTotal        int64             `json:"AmountTotal"`
	LineItems          []storedLineItem  `json:"LineItems"`
	SuccessURL         string            `json:"SuccessURL"`
	CancelURL          string            `json:"CancelURL"`
	Customer           string            `json:"Customer"`
	CustomerEmail      string            `json:"CustomerEmail"`
	CustomerPhone      string            `json:"CustomerPhone"`
	ClientReferenceID  string            `json:"ClientReferenceID"`
	Locale             string            `json:"Locale"`
	Description        string            `json:"Description"`
	PaymentMethodTypes []string          `json:"PaymentMethodTypes"`
	Metadata           map[string]string `json:"Metadata"`
	// Left out when false, so that sessions stored before it existed keep
	// their bytes (and read back unlocked).
	CustomerEmailLocked bool `json:"CustomerEmailLocked,omitempty"`
	// Seed 000's order details: left out when empty, so that sessions
	// made elsewhere keep their bytes.
	CustomerFirstName string `json:"CustomerFirstName,omitempty"`
	CustomerLastName  string `json:"CustomerLastName,omitempty"`
	Fulfillment       string `json:"Fulfillment,omitempty"`
	Payment           string `json:"Payment"`
	// Left out when empty, so that sessions stored before links existed
	// keep their bytes.
	PaymentLink     string     `json:"PaymentLink,omitempty"`
	PublicToken     string     `json:"PublicToken"`
	CSRFToken       string     `json:"CSRFToken"`
	PaymentInFlight string     `json:"PaymentInFlight"`
	InFlightSince   storedTime `json:"InFlightSince"`
	FailedAttempts  int        `json:"FailedAttempts"`
	Version         int64      `json:"Version"`
	EventSeq        int64      `json:"EventSeq"`
	Created         storedTime `json:"Created"`
	Updated         storedTime `json:"Updated"`
	ExpiresAt       storedTime `json:"ExpiresAt"`
	AccessedAt      storedTime `json:"AccessedAt"`
	CompletedAt     storedTime `json:"CompletedAt"`
	ExpiredAt       storedTime `json:"ExpiredAt"`

	// What the session collects and what was collected (collect.go), left
	// out at their zero values so that sessions stored before collection
	// existed keep their bytes.
	ShippingCountries        []string               `json:"ShippingCountries,omitzero"`
	BillingAddressCollection string                 `json:"BillingAddressCollection,omitempty"`
	PhoneNumberCollection    bool                   `json:"PhoneNumberCollection,omitempty"`
	CustomFields             []storedCustomField    `json:"CustomFields,omitzero"`
	TermsOfServiceConsent    string                 `json:"TermsOfServiceConsent,omitempty"`
	CustomText               storedCustomText       `json:"CustomText,omitzero"`
	SubmitType               string                 `json:"SubmitType,omitempty"`
	CustomerDetails          *storedCustomerDetails `json:"CustomerDetails,omitzero"`
	ShippingDetails          *storedShippingDetails `json:"ShippingDetails,omitzero"`
	TermsAccepted            bool                   `json:"TermsAccepted,omitempty"`
	// Left out when empty, so sessions stored before sessions chose a
	// provider keep their bytes.
	Provider string `json:"Provider,omitempty"`
	// Coupons and stablecoins came later: left out when empty, as above.
	Discounts           []storedDiscount   `json:"Discounts,omitzero"`
	AllowPromotionCodes bool               `json:"AllowPromotionCodes,omitempty"`
	SupportedTokens     []storedTokenChain `json:"SupportedTokens,omitzero"`
	Chain               string             `json:"Chain,omitempty"`
	SelectedToken       string             `json:"SelectedToken,omitempty"`
	ExchangeRate        string             `json:"ExchangeRate,omitempty"`
	CanceledAt          storedTime         `json:"CanceledAt,omitzero"`
	ReturnURL           string             `json:"ReturnURL,omitempty"`
	Invoice             string             `json:"Invoice,omitempty"`
	CompanionDevice     string             `json:"CompanionDevice,omitempty"`
}

// storedTime is a session's time as stored: the same JSON as time.Time's,
// RFC 3339 with nanoseconds in a string, written through MarshalText. A
// time.Time goes through its MarshalJSON, whose output encoding/json then
// checks and copies again: with a session's seven times that was half of
// what encoding a session cost.
type storedTime time.Time

func (t storedTime) MarshalText() ([]byte, error) { return time.Time(t).MarshalText() }

func (t *storedTime) UnmarshalText(b []byte) error { return (*time.Time)(t).UnmarshalText(b) }

// storedLineItem is the stored form of a checkout.LineItem.
type storedLineItem struct {
	ID             string   `json:"ID"`
	Name           string   `json:"Name"`
	Description    string   `json:"Description"`
	Images         []string `json:"Images"`
	Quantity       int64    `json:"Quantity"`
	UnitAmount     int64    `json:"UnitAmount"`
	Currency       string   `json:"Currency"`
	AmountSubtotal int64    `json:"AmountSubtotal"`
	AmountDiscount int64    `json:"AmountDiscount"`
	AmountTax      int64    `json:"AmountTax"`
	AmountTotal    int64    `json:"AmountTotal"`
	Product        string   `json:"Product,omitempty"`
}

// sessionToStored is the stored form of s. It shares s's slices and map,
// which encoding only reads.
func sessionToStored(s *checkout.Session) *storedSession {
	r := &storedSession{
		ID:                  s.ID,
		AccountID:           s.AccountID,
		Livemode:            s.Livemode,
		Mode:                string(s.Mode),
		Status:              string(s.Status),
		PaymentStatus:       string(s.PaymentStatus),
		Currency:            string(s.Currency),
		AmountSubtotal:      s.AmountSubtotal,
		AmountDiscount:      s.AmountDiscount,
		AmountTax:           s.AmountTax,
		AmountTotal:         s.AmountTotal,
		SuccessURL:          s.SuccessURL,
		CancelURL:           s.CancelURL,
		Customer:            s.Customer,
		CustomerEmail:       s.CustomerEmail,
		CustomerPhone:       s.CustomerPhone,
		ClientReferenceID:   s.ClientReferenceID,
		Locale:              s.Locale,
		Description:         s.Description,
		PaymentMethodTypes:  s.PaymentMethodTypes,
		Metadata:            s.Metadata,
		CustomerEmailLocked: s.CustomerEmailLocked,
		CustomerFirstName:   s.CustomerFirstName,
		CustomerLastName:    s.CustomerLastName,
		Fulfillment:         s.Fulfillment,
		Provider:            s.Provider,
		Payment:             s.Payment,
		PaymentLink:         s.PaymentLink,
		PublicToken:         s.PublicToken,
		CSRFToken:           s.CSRFToken,
		PaymentInFlight:     s.PaymentInFlight,
		InFlightSince:       storedTime(s.InFlightSince),
		FailedAttempts:      s.FailedAttempts,
		Version:             s.Version,
		EventSeq:            s.EventSeq,
		Created:             storedTime(s.Created),
		Updated:             storedTime(s.Updated),
		ExpiresAt:           storedTime(s.ExpiresAt),
		AccessedAt:          storedTime(s.AccessedAt),
		CompletedAt:         storedTime(s.CompletedAt),
		ExpiredAt:           storedTime(s.ExpiredAt),
		AllowPromotionCodes: s.AllowPromotionCodes,
		Chain:               s.Chain,
		SelectedToken:       s.SelectedToken,
		ExchangeRate:        s.ExchangeRate,
		CanceledAt:          storedTime(s.CanceledAt),
		ReturnURL:           s.ReturnURL,
		Invoice:             s.Invoice,
		CompanionDevice:     s.CompanionDevice,
	}
	r.Discounts = convertSlice(s.Discounts, func(d checkout.Discount) storedDiscount {
		return storedDiscount{Coupon: d.Coupon, PromotionCode: d.PromotionCode, Amount: d.Amount, Name: d.Name,
			PercentOff: d.PercentOff, AmountOff: d.AmountOff, Currency: string(d.Currency), Code: d.Code}
	})
	r.SupportedTokens = convertSlice(s.SupportedTokens, func(tc checkout.TokenChain) storedTokenChain { return storedTokenChain(tc) })
	collectToStored(r, s)
	if s.LineItems != nil { // nil is stored as null, empty as []
		r.LineItems = make([]storedLineItem, len(s.LineItems))
		for i, li := range s.LineItems {
			r.LineItems[i] = storedLineItem{
				ID:             li.ID,
				Name:           li.Name,
				Description:    li.Description,
				Images:         li.Images,
				Quantity:       li.Quantity,
				UnitAmount:     li.UnitAmount,
				Currency:       string(li.Currency),
				AmountSubtotal: li.AmountSubtotal,
				AmountDiscount: li.AmountDiscount,
				AmountTax:      li.AmountTax,
				AmountTotal:    li.AmountTotal,
				Product:        li.Product,
			}
		}
	}
	return r
}

// sessionFromStored is the session r holds. It takes r's slices and map:
// r is not used again.
func sessionFromStored(r *storedSession) *checkout.Session {
	s := &checkout.Session{
		ID:                  r.ID,
		AccountID:           r.AccountID,
		Livemode:            r.Livemode,
		Mode:                checkout.SessionMode(r.Mode),
		Status:              checkout.SessionStatus(r.Status),
		PaymentStatus:       checkout.PaymentStatus(r.PaymentStatus),
		Currency:            checkout.Currency(r.Currency),
		AmountSubtotal:      r.AmountSubtotal,
		AmountDiscount:      r.AmountDiscount,
		AmountTax:           r.AmountTax,
		AmountTotal:         r.AmountTotal,
		SuccessURL:          r.SuccessURL,
		CancelURL:           r.CancelURL,
		Customer:            r.Customer,
		CustomerEmail:       r.CustomerEmail,
		CustomerPhone:       r.CustomerPhone,
		ClientReferenceID:   r.ClientReferenceID,
		Locale:              r.Locale,
		Description:         r.Description,
		PaymentMethodTypes:  r.PaymentMethodTypes,
		Metadata:            r.Metadata,
		CustomerEmailLocked: r.CustomerEmailLocked,
		CustomerFirstName:   r.CustomerFirstName,
		CustomerLastName:    r.CustomerLastName,
		Fulfillment:         r.Fulfillment,
		Provider:            r.Provider,
		Payment:             r.Payment,
		PaymentLink:         r.PaymentLink,
		PublicToken:         r.PublicToken,
		CSRFToken:           r.CSRFToken,
		PaymentInFlight:     r.PaymentInFlight,
		InFlightSince:       time.Time(r.InFlightSince),
		FailedAttempts:      r.FailedAttempts,
		Version:             r.Version,
		EventSeq:            r.EventSeq,
		Created:             time.Time(r.Created),
		Updated:             time.Time(r.Updated),
		ExpiresAt:           time.Time(r.ExpiresAt),
		AccessedAt:          time.Time(r.AccessedAt),
		CompletedAt:         time.Time(r.CompletedAt),
		ExpiredAt:           time.Time(r.ExpiredAt),
		AllowPromotionCodes: r.AllowPromotionCodes,
		Chain:               r.Chain,
		SelectedToken:       r.SelectedToken,
		ExchangeRate:        r.ExchangeRate,
		CanceledAt:          time.Time(r.CanceledAt),
		ReturnURL:           r.ReturnURL,
		Invoice:             r.Invoice,
		CompanionDevice:     r.CompanionDevice,
	}
	s.Discounts = convertSlice(r.Discounts, func(d storedDiscount) checkout.Discount {
		return checkout.Discount{Coupon: d.Coupon, PromotionCode: d.PromotionCode, Amount: d.Amount, Name: d.Name,
			PercentOff: d.PercentOff, AmountOff: d.AmountOff, Currency: checkout.Currency(d.Currency), Code: d.Code}
	})
	s.SupportedTokens = convertSlice(r.SupportedTokens, func(tc storedTokenChain) checkout.TokenChain { return checkout.TokenChain(tc) })
	collectFromStored(s, r)
	if r.LineItems != nil {
		s.LineItems = make([]checkout.LineItem, len(r.LineItems))
		for i, li := range r.LineItems {
			s.LineItems[i] = checkout.LineItem{
				ID:             li.ID,
				Name:           li.Name,
				Description:    li.Description,
				Images:         li.Images,
				Quantity:       li.Quantity,
				UnitAmount:     li.UnitAmount,
				Currency:       checkout.Currency(li.Currency),
				AmountSubtotal: li.AmountSubtotal,
				AmountDiscount: li.AmountDiscount,
				AmountTax:      li.AmountTax,
				AmountTotal:    li.AmountTotal,
				Product:        li.Product,
			}
		}
	}
	return s
}

// normalize normalizes the times of r. InFlightSince is kept as given, as
// store/sqlite always has: no store indexes it, and the service's clock
// gives it normalized already.
func (r *storedSession) normalize() {
	for _, t := range []*storedTime{&r.Created, &r.Updated, &r.ExpiresAt, &r.AccessedAt, &r.CompletedAt, &r.ExpiredAt, &r.CanceledAt} {
		*t = storedTime(UTC(time.Time(*t)))
	}
}

// SessionFormat is the version of the stored session's format, which
// EncodeSession writes as its first field, FormatVersion. Other programs
// read stored sessions (a Redis key is seed 000's interface; the README's
// "Redis layout" documents every field), so the format is an interface:
// the version changes only when a field changes its meaning or its type or
// goes away, never when one is added, and readers ignore fields they do
// not know. A session stored before FormatVersion existed has none and is
// of format 1: the same fields.
const SessionFormat = 1

// versionedSession is the stored session with its format's version first.
// The version lives here rather than in storedSession because it is no
// field of checkout.Session, and an event's copy of its session (in
// storedEvent) is not this interface and keeps its bytes.
type versionedSession struct {
	FormatVersion int `json:"FormatVersion"`
	*storedSession
}

// EncodeSession is the stored JSON of s.
func EncodeSession(s *checkout.Session) ([]byte, error) {
	r := sessionToStored(s)
	r.normalize()
	return encode("session", versionedSession{FormatVersion: SessionFormat, storedSession: r})
}

// DecodeSession is the inverse of EncodeSession. A store that reads a
// session often decodes through a SessionCache instead. It refuses a
// session of a format it does not know (written by a newer checkoutd
// whose format changed), rather than misread it.
func DecodeSession(data []byte) (*checkout.Session, error) {
	r := versionedSession{storedSession: new(storedSession)}
	if err := decode("session", data, &r); err != nil {
		return nil, err
	}
	if v := r.FormatVersion; v != 0 && v != SessionFormat {
		return nil, fmt.Errorf("record: session %s is stored in format %d; this checkoutd reads format %d: run a checkoutd that knows it", r.ID, v, SessionFormat)
	}
	r.normalize()
	return sessionFromStored(r.storedSession), nil
}
