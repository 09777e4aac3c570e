package checkout_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// TestPaymentCloneCopiesTheAction: an event's snapshot of a payment keeps
// its next action as it was, whatever kind it is, when the payment changes.
func TestPaymentCloneCopiesTheAction(t *testing.T) {
	at := time.Date(2026, 12, 7, 5, 0, 0, 0, time.UTC)
	for _, a := range []*checkout.NextAction{
		{Kind: checkout.NextActionRedirect, Redirect: &checkout.Redirect{URL: "https://acs.example", ThreeDSecure: true}},
		{Kind: checkout.NextActionClientSecret, ClientSecret: &checkout.ClientSecret{Secret: "s"}},
		{Kind: checkout.NextActionVoucher, ExpiresAt: at, Voucher: &checkout.Voucher{Entity: "21098", Reference: "123456789"}},
		{Kind: checkout.NextActionDepositAddress, ExpiresAt: at},
		{Kind: checkout.NextActionDevice, Device: &checkout.DeviceHandoff{DeviceID: "dev_1"}},
	} {
		p := &checkout.Payment{ID: "pay_1", Action: a}
		want := a.Clone()
		snap := p.Clone()
		*p.Action = checkout.NextAction{Kind: "changed"}
		if !reflect.DeepEqual(snap.Action, want) {
			t.Errorf("%s: snapshot changed to %+v", want.Kind, snap.Action)
		}
		if want.Redirect != nil {
			snap2 := (&checkout.Payment{Action: want}).Clone()
			want.Redirect.URL = "changed"
			if snap2.Action.Redirect.URL == "changed" {
				t.Error("a clone shares its redirect")
			}
		}
	}
	if (&checkout.Payment{}).Clone().Action != nil {
		t.Error("a payment without an action got one")
	}
}

// TestIsChallenge: only a 3-D Secure redirect without a URL is the page's
// own challenge.
func TestIsChallenge(t *testing.T) {
	for a, want := range map[*checkout.NextAction]bool{
		nil: false,
		{Kind: checkout.NextActionRedirect, Redirect: &checkout.Redirect{ThreeDSecure: true}}:                             true,
		{Kind: checkout.NextActionRedirect, Redirect: &checkout.Redirect{ThreeDSecure: true, URL: "https://acs.example"}}: false,
		{Kind: checkout.NextActionRedirect, Redirect: &checkout.Redirect{}}:                                               false,
		{Kind: checkout.NextActionVoucher, Voucher: &checkout.Voucher{}}:                                                  false,
	} {
		if got := a.IsChallenge(); got != want {
			t.Errorf("%+v: IsChallenge = %v", a, got)
		}
	}
}
