package record

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// TestStoredActions: the two actions databases hold read back as the
// neutral kinds and are written again byte for byte; the kinds added since
// round-trip.
func TestStoredActions(t *testing.T) {
	t0 := time.Date(2026, 3, 17, 15, 9, 26, 535897000, time.UTC)
	const prefix = `{"ID":"pay_1","AccountID":"acct_1","Livemode":false,"SessionID":"cs_1","Provider":"sim","Method":"card","Status":"requires_action","Amount":100,"Currency":"eur","CardBrand":"","CardLast4":"","FailureCode":"","FailureMessage":"","ProviderRef":"sim_pay_1","Action":`
	const suffix = `,"Version":2,"Created":"2026-03-17T15:09:26.535897Z","Updated":"2026-03-17T15:09:26.535897Z"}`
	old := map[string]*checkout.NextAction{
		`{"Type":"three_d_secure","Entity":"","Reference":"","ExpiresAt":"0001-01-01T00:00:00Z"}`: {Kind: checkout.NextActionRedirect, Redirect: &checkout.Redirect{ThreeDSecure: true}},
		`{"Type":"multibanco_voucher","Entity":"21098","Reference":"123456789","ExpiresAt":"2026-03-17T15:09:26.535897Z"}`: {Kind: checkout.NextActionVoucher, ExpiresAt: t0,
			Voucher: &checkout.Voucher{Entity: "21098", Reference: "123456789"}},
		`null`: nil,
	}
	for stored, want := range old {
		data := []byte(prefix + stored + suffix)
		p, err := DecodePayment(data)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(p.Action, want) {
			t.Errorf("%s read back as %+v, want %+v", stored, p.Action, want)
		}
		again, err := EncodePayment(p)
		if err != nil || !bytes.Equal(again, data) {
			t.Errorf("%s written again as\n%s, %v", stored, again, err)
		}
	}

	for _, a := range []*checkout.NextAction{
		{Kind: checkout.NextActionRedirect, Redirect: &checkout.Redirect{URL: "https://acs.example/c?x=1", ThreeDSecure: true}, ExpiresAt: t0},
		{Kind: checkout.NextActionClientSecret, ClientSecret: &checkout.ClientSecret{Secret: "pi_1_secret_2"}},
		{Kind: checkout.NextActionDepositAddress, ExpiresAt: t0},
		{Kind: checkout.NextActionDevice, Device: &checkout.DeviceHandoff{DeviceID: "dev_1"}},
		{Kind: checkout.NextActionDevice, ExpiresAt: t0, Device: &checkout.DeviceHandoff{DeviceID: "dev_2", ReaderID: "tmr_1", ClientSecret: "pi_1_secret_2"}},
	} {
		p := &checkout.Payment{ID: "pay_2", Method: "card", Status: checkout.PaymentRequiresAction, Action: a, Created: t0, Updated: t0}
		data, err := EncodePayment(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), `"Type":"three_d_secure"`) || strings.Contains(string(data), `"Type":"multibanco_voucher"`) {
			t.Errorf("%s stored under an old type: %s", a.Kind, data)
		}
		got, err := DecodePayment(data)
		if err != nil || !reflect.DeepEqual(got, p) {
			t.Errorf("%s: read back %+v (%+v), %v; want %+v", a.Kind, got, got.Action, err, a)
		}
		ev := &checkout.Event{ID: "evt_1", Created: t0, Payment: p}
		data, err = EncodeEvent(ev)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := DecodeEvent(data); err != nil || !reflect.DeepEqual(back.Payment, p) {
			t.Errorf("%s in an event: read back %+v, %v", a.Kind, back, err)
		}
	}
}
