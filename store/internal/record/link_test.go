package record

import (
	"reflect"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// goldenLink pins the stored names of a payment link, and of a link's
// snapshot in an event: databases will hold them.
const goldenLink = `{"id":"plink_golden","account_id":"acct_golden","livemode":true,"active":true,"currency":"eur","amount":160,"line_items":[{"ID":"","Name":"Bica","Description":"short","Images":["https://img.example/a.png"],"Quantity":2,"UnitAmount":80,"Currency":"eur","AmountSubtotal":160,"AmountDiscount":0,"AmountTax":0,"AmountTotal":160}],"description":"Coffee","payment_method_types":["card"],"metadata":{"k":"v"},"success_url":"https://shop.example/thanks","reusable":false,"session_id":"cs_one","expires_at":"2026-03-15T15:09:26.535897Z","limit":3,"completed_sessions":1,"slots":[{"session_id":"cs_one","since":"2026-03-14T15:10:26.535897Z"}],"version":4,"created":"2026-03-14T15:09:26.535897Z","updated":"2026-03-14T15:10:26.535897Z"}`

func goldenLinkObject() *checkout.PaymentLink {
	t0 := time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)
	return &checkout.PaymentLink{ID: "plink_golden", AccountID: "acct_golden", Livemode: true, Active: true, Currency: "eur", Amount: 160,
		LineItems: []checkout.LineItem{{Name: "Bica", Description: "short", Images: []string{"https://img.example/a.png"}, Quantity: 2,
			UnitAmount: 80, Currency: "eur", AmountSubtotal: 160, AmountTotal: 160}},
		Description: "Coffee", PaymentMethodTypes: []string{"card"}, Metadata: map[string]string{"k": "v"},
		SuccessURL: "https://shop.example/thanks", SessionID: "cs_one", ExpiresAt: t0.Add(24 * time.Hour), Limit: 3,
		CompletedSessions: 1, Slots: []checkout.LinkSlot{{SessionID: "cs_one", Since: t0.Add(time.Minute)}},
		Version: 4, Created: t0, Updated: t0.Add(time.Minute)}
}

func TestGoldenPaymentLink(t *testing.T) {
	l := goldenLinkObject()
	data, err := EncodeObject(l)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != goldenLink {
		t.Errorf("a payment link's stored form changed:\n got %s\nwant %s", data, goldenLink)
	}
	got, err := DecodeObject(checkout.PaymentLinkKind, []byte(goldenLink))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, l) {
		t.Errorf("the golden link reads back as %+v, want %+v", got, l)
	}

	// In an event: the kind and the link's own stored form.
	ev := &checkout.Event{ID: "evt_link", AccountID: "acct_golden", Livemode: true, Type: checkout.EventPaymentLinkUpdated,
		Created: l.Updated, Sequence: 4, ObjectID: l.ID, Object: l}
	data, err = EncodeEvent(ev)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"ID":"evt_link","AccountID":"acct_golden","Livemode":true,"Type":"payment_link.updated","Created":"2026-03-14T15:10:26.535897Z","Sequence":4,"ObjectID":"plink_golden","Session":null,"Payment":null,"Object":{"kind":"payment_link","data":` + goldenLink + `}}`
	if string(data) != want {
		t.Errorf("a link event's stored form changed:\n got %s\nwant %s", data, want)
	}
	back, err := DecodeEvent(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, ev) {
		t.Errorf("the link event reads back as %+v, want %+v", back, ev)
	}
}
