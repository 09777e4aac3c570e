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
	Type      string    `json:"Type"`
	Entity    string    `json:"Entity"`
	Reference string    `json:"Reference"`
	ExpiresAt time.Time `json:"ExpiresAt"`

	URL          string `json:"URL,omitempty"`
	ThreeDSecure bool   `json:"ThreeDSecure,omitempty"`
	ClientSecret string `json:"ClientSecret,omitempty"`
	DeviceID     string `json:"DeviceID,omitempty"`
	ReaderID     string `json:"ReaderID,omitempty"`
}

// The stored types of the two first actions: the simulator's challenge,
// which the hosted page shows, and a Multibanco voucher. Every other kind
// is stored under its own name.
const (
	storedChallenge = "three_d_secure"
	storedVoucher   = "multibanco_voucher"
)

// storeAction is the stored form of a, nil for nil; its time is normalized.
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
	case checkout.NextActionDevice:
		if a.Device != nil {
			// A device hand-off's client secret (a companion app's, for
			// the provider's SDK) is kept where a client secret action's is.
			s.DeviceID, s.ReaderID, s.ClientSecret = a.Device.DeviceID, a.Device.ReaderID, a.Device.ClientSecret
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
	case checkout.NextActionDevice:
		a.Device = &checkout.DeviceHandoff{DeviceID: s.DeviceID, ReaderID: s.ReaderID, ClientSecret: s.ClientSecret}
	}
	return a
}
