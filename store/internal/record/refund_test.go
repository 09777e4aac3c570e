package record

import (
	"reflect"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// goldenRefund pins the stored names of a refund, and of a refund's
// snapshot in an event: databases will hold them.
const goldenRefund = `{"id":"re_golden","account_id":"acct_golden","livemode":true,"payment":"pay_golden","provider":"stripe","payment_seq":3,"amount":450,"currency":"eur","reason":"session_unavailable","status":"failed","failure_code":"expired_or_canceled_card","failure_message":"The card was canceled.","provider_ref":"re_3Pxyz","metadata":{"k":"v"},"automatic":true,"source":"api","version":2,"created":"2026-03-14T15:09:26.535897Z","updated":"2026-03-14T15:10:26.535897Z"}`

func goldenRefundObject() *checkout.Refund {
	t0 := time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)
	return &checkout.Refund{ID: "re_golden", AccountID: "acct_golden", Livemode: true, Payment: "pay_golden", Provider: "stripe", PaymentSeq: 3,
		Amount: 450, Currency: "eur", Reason: checkout.RefundSessionUnavailable, Status: checkout.RefundFailed,
		FailureCode: "expired_or_canceled_card", FailureMessage: "The card was canceled.", ProviderRef: "re_3Pxyz",
		Metadata: map[string]string{"k": "v"}, Automatic: true, Source: checkout.RefundSourceAPI,
		Version: 2, Created: t0, Updated: t0.Add(time.Minute)}
}

func TestGoldenRefund(t *testing.T) {
	r := goldenRefundObject()
	data, err := EncodeObject(r)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != goldenRefund {
		t.Errorf("a refund's stored form changed:\n got %s\nwant %s", data, goldenRefund)
	}
	got, err := DecodeObject(checkout.RefundKind, []byte(goldenRefund))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("the golden refund reads back as %+v, want %+v", got, r)
	}
	// The fewest fields: a pending refund of the API with nothing optional.
	min := `{"id":"re_min","account_id":"acct_golden","livemode":false,"payment":"pay_golden","provider":"sim","payment_seq":1,"amount":1,"currency":"eur","status":"pending","source":"api","version":1,"created":"2026-03-14T15:09:26.535897Z","updated":"2026-03-14T15:09:26.535897Z"}`
	m, err := DecodeObject(checkout.RefundKind, []byte(min))
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := EncodeObject(m); string(again) != min {
		t.Errorf("a minimal refund does not encode back:\n got %s\nwant %s", again, min)
	}

	// In an event: the kind and the refund's own stored form.
	ev := &checkout.Event{ID: "evt_re", AccountID: "acct_golden", Livemode: true, Type: checkout.EventRefundFailed,
		Created: r.Updated, Sequence: 2, ObjectID: r.ID, Object: r}
	data, err = EncodeEvent(ev)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"ID":"evt_re","AccountID":"acct_golden","Livemode":true,"Type":"refund.failed","Created":"2026-03-14T15:10:26.535897Z","Sequence":2,"ObjectID":"re_golden","Session":null,"Payment":null,"Object":{"kind":"refund","data":` + goldenRefund + `}}`
	if string(data) != want {
		t.Errorf("a refund event's stored form changed:\n got %s\nwant %s", data, want)
	}
	back, err := DecodeEvent(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, ev) {
		t.Errorf("the refund event reads back as %+v, want %+v", back, ev)
	}
}
