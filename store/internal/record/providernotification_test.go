package record

import (
	"reflect"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// goldenNotification pins the stored names of a provider notification:
// databases will hold them.
const goldenNotification = `{"id":"pn_golden","account_id":"acct_golden","livemode":true,"provider":"stripe","event_id":"evt_1Gold","provider_ref":"pi_gold","payment_id":"pay_golden","amount":2450,"status":"succeeded","outcome":"applied","received":"2026-03-14T15:09:26.535897Z","version":1}`

func TestGoldenProviderNotification(t *testing.T) {
	n := &checkout.ProviderNotification{ID: "pn_golden", AccountID: "acct_golden", Livemode: true, Provider: "stripe",
		EventID: "evt_1Gold", ProviderRef: "pi_gold", PaymentID: "pay_golden", Amount: 2450, Status: checkout.PaymentSucceeded,
		Outcome: checkout.NotificationApplied, Received: time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC), Version: 1}
	data, err := EncodeObject(n)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != goldenNotification {
		t.Errorf("a provider notification's stored form changed:\n got %s\nwant %s", data, goldenNotification)
	}
	got, err := DecodeObject(checkout.ProviderNotificationKind, []byte(goldenNotification))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, n) {
		t.Errorf("the golden notification reads back as %+v, want %+v", got, n)
	}
	if keys := LookupKeys(n); !reflect.DeepEqual(keys, []string{"provevt:stripe:acct_golden:live:evt_1Gold"}) {
		t.Errorf("lookup keys %v", keys)
	}
	// A message without an event id (a Multibanco callback) has no key:
	// its payment's state is what keeps a repeat from counting twice.
	n.EventID = ""
	if keys := LookupKeys(n); len(keys) != 0 {
		t.Errorf("lookup keys without an event id: %v", keys)
	}
}
