package record

import (
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// storedAction is a payment's next action as stored. Databases hold the
// shape of the two actions there were before next actions were neutral,
// {"Type":"three_d_secure",…} and {"Type":"multibanco_voucher",…}, always
// with the four fields; those bytes stay as they are. Kinds added since
// store their fields after these, left out when empty.
type storedAction struct {
	Type      string
	Entity    string
	Reference string
	ExpiresAt time.Time

	URL          string `json:",omitempty"`
	ThreeDSecure bool   `json:",omitempty"`
	ClientSecret string `json:",omitempty"`
	Chain        string `json:",omitempty"`
	Asset        string `json:",omitempty"`
	Address      string `json:",omitempty"`
	Amount       int64  `json:",omitempty"`
	DeviceID     string `json:",omitempty"`
}

// The stored types of the two first actions: the simulator's challenge,
// which the hosted page shows, and a Multibanco voucher. Every other kind
// is stored under its own name.
const (
	storedChallenge = "three_d_secure"
	storedVoucher   = "multibanco_voucher"
)

// storeAction is the stored form of a, with its time normalized.
func storeAction(a *checkout.NextAction) *storedAction {
	if a == nil {
		return nil
	}
	s := &storedAction{Type: string(a.Kind), ExpiresAt: UTC(a.ExpiresAt)}
	switch a.Kind {
	case checkout.NextActionRedirect:
		if a.IsChallenge() {
			s.Type = storedChallenge
		} else if a.Redirect != nil {
			s.URL, s.ThreeDSecure = a.Redirect.URL, a.Redirect.ThreeDSecure
		}
	case checkout.NextActionVoucher:
		s.Type = storedVoucher
		if a.Voucher != nil {
			s.Entity, s.Reference = a.Voucher.Entity, a.Voucher.Reference
		}
	case checkout.NextActionClientSecret:
		if a.ClientSecret != nil {
			s.ClientSecret = a.ClientSecret.Secret
		}
	case checkout.NextActionDepositAddress:
		if d := a.DepositAddress; d != nil {
			s.Chain, s.Asset, s.Address, s.Amount = d.Chain, d.Asset, d.Address, d.Amount
		}
	case checkout.NextActionDevice:
		if a.Device != nil {
			s.DeviceID = a.Device.DeviceID
		}
	}
	return s
}

// loadAction is the inverse of storeAction.
func loadAction(s *storedAction) *checkout.NextAction {
	if s == nil {
		return nil
	}
	a := &checkout.NextAction{Kind: checkout.NextActionKind(s.Type), ExpiresAt: UTC(s.ExpiresAt)}
	switch a.Kind {
	case storedChallenge:
		a.Kind, a.Redirect = checkout.NextActionRedirect, &checkout.Redirect{ThreeDSecure: true}
	case storedVoucher:
		a.Kind, a.Voucher = checkout.NextActionVoucher, &checkout.Voucher{Entity: s.Entity, Reference: s.Reference}
	case checkout.NextActionRedirect:
		a.Redirect = &checkout.Redirect{URL: s.URL, ThreeDSecure: s.ThreeDSecure}
	case checkout.NextActionClientSecret:
		a.ClientSecret = &checkout.ClientSecret{Secret: s.ClientSecret}
	case checkout.NextActionDepositAddress:
		a.DepositAddress = &checkout.DepositAddress{Chain: s.Chain, Asset: s.Asset, Address: s.Address, Amount: s.Amount}
	case checkout.NextActionDevice:
		a.Device = &checkout.DeviceHandoff{DeviceID: s.DeviceID}
	}
	return a
}

// storedPayment is checkout.Payment as stored: its fields, in its order,
// with the action in its stored form. (When every object has an explicit
// stored struct, this one and storedEvent give way to those, which call
// storeAction and loadAction for the action.)
type storedPayment struct {
	ID             string
	AccountID      string
	Livemode       bool
	SessionID      string
	Provider       string
	Method         checkout.Method
	Status         checkout.PaymentState
	Amount         int64
	Currency       checkout.Currency
	CardBrand      string
	CardLast4      string
	FailureCode    string
	FailureMessage string
	ProviderRef    string
	Action         *storedAction
	Version        int64
	Created        time.Time
	Updated        time.Time
}

// storePayment is the stored form of p, whose times the caller normalized.
func storePayment(p *checkout.Payment) *storedPayment {
	if p == nil {
		return nil
	}
	return &storedPayment{ID: p.ID, AccountID: p.AccountID, Livemode: p.Livemode, SessionID: p.SessionID,
		Provider: p.Provider, Method: p.Method, Status: p.Status, Amount: p.Amount, Currency: p.Currency,
		CardBrand: p.CardBrand, CardLast4: p.CardLast4, FailureCode: p.FailureCode, FailureMessage: p.FailureMessage,
		ProviderRef: p.ProviderRef, Action: storeAction(p.Action), Version: p.Version, Created: p.Created, Updated: p.Updated}
}

// payment is the inverse of storePayment.
func (s *storedPayment) payment() *checkout.Payment {
	if s == nil {
		return nil
	}
	return &checkout.Payment{ID: s.ID, AccountID: s.AccountID, Livemode: s.Livemode, SessionID: s.SessionID,
		Provider: s.Provider, Method: s.Method, Status: s.Status, Amount: s.Amount, Currency: s.Currency,
		CardBrand: s.CardBrand, CardLast4: s.CardLast4, FailureCode: s.FailureCode, FailureMessage: s.FailureMessage,
		ProviderRef: s.ProviderRef, Action: loadAction(s.Action), Version: s.Version, Created: s.Created, Updated: s.Updated}
}

// storedEvent is checkout.Event as stored, its payment snapshot stored
// like a payment.
type storedEvent struct {
	ID        string
	AccountID string
	Livemode  bool
	Type      string
	Created   time.Time
	Sequence  int64
	ObjectID  string
	Session   *checkout.Session
	Payment   *storedPayment
	Endpoint  *checkout.WebhookEndpoint `json:",omitempty"`
}

func storeEvent(e *checkout.Event) *storedEvent {
	return &storedEvent{ID: e.ID, AccountID: e.AccountID, Livemode: e.Livemode, Type: e.Type, Created: e.Created,
		Sequence: e.Sequence, ObjectID: e.ObjectID, Session: e.Session, Payment: storePayment(e.Payment), Endpoint: e.Endpoint}
}

func (s *storedEvent) event() *checkout.Event {
	return &checkout.Event{ID: s.ID, AccountID: s.AccountID, Livemode: s.Livemode, Type: s.Type, Created: s.Created,
		Sequence: s.Sequence, ObjectID: s.ObjectID, Session: s.Session, Payment: s.Payment.payment(), Endpoint: s.Endpoint}
}
