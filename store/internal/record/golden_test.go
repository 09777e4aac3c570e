package record

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// golden holds data columns copied from a SQLite database written by
// store/sqlite before the stores shared this package (commit 02f0f34):
// a throwaway program stored the objects of goldenObjects with
// sqlite.Open, CreateAccount, CreateSession, Commit, CreateEndpoint and
// InsertDeliveries, and dumped each table's data. Databases in the field
// hold exactly these bytes, so they must keep decoding, and an unchanged
// object must keep encoding to them. Never regenerate them: a failure here
// is a change of the stored format, which needs a migration instead.
var golden = map[string]string{
	// accounts.data of acct_golden
	"acct_golden": `{"ID":"acct_golden","Name":"Golden Lda","DefaultCurrency":"eur","SessionTTL":7200000000000,"Created":"2026-03-14T15:09:26.535897Z"}`,
	// sessions.data of cs_golden
	"cs_golden": `{"ID":"cs_golden","AccountID":"acct_golden","Livemode":false,"Mode":"payment","Status":"open","PaymentStatus":"unpaid","Currency":"eur","AmountSubtotal":2500,"AmountDiscount":100,"AmountTax":50,"AmountTotal":2450,"LineItems":[{"ID":"li_1","Name":"Pastel de nata","Description":"with cinnamon","Images":["https://img.example/nata.png"],"Quantity":5,"UnitAmount":500,"Currency":"eur","AmountSubtotal":2500,"AmountDiscount":100,"AmountTax":50,"AmountTotal":2450}],"SuccessURL":"https://shop.example/ok","CancelURL":"https://shop.example/cancel","Customer":"cus_1","CustomerEmail":"ama@example.com","CustomerPhone":"+351912345678","ClientReferenceID":"order-42","Locale":"pt","Description":"Order 42","PaymentMethodTypes":["card","multibanco"],"Metadata":{"order":"42","z":"\u003c\u0026\u003e"},"Payment":"","PublicToken":"pub_tok","CSRFToken":"csrf_tok","PaymentInFlight":"pay_golden","InFlightSince":"2026-03-14T16:10:56.535897123+01:00","FailedAttempts":1,"Version":2,"EventSeq":3,"Created":"2026-03-14T15:09:26.535897Z","Updated":"2026-03-14T15:09:27.535897Z","ExpiresAt":"2026-03-14T17:09:26.535897Z","AccessedAt":"2026-03-14T15:10:26.535897Z","CompletedAt":"0001-01-01T00:00:00Z","ExpiredAt":"0001-01-01T00:00:00Z"}`,
	// payments.data of pay_golden
	"pay_golden": `{"ID":"pay_golden","AccountID":"acct_golden","Livemode":false,"SessionID":"cs_golden","Provider":"fake","Method":"multibanco","Status":"requires_action","Amount":2450,"Currency":"eur","CardBrand":"","CardLast4":"","FailureCode":"","FailureMessage":"","ProviderRef":"ref_1","Action":{"Type":"multibanco_voucher","Entity":"12345","Reference":"123456789","ExpiresAt":"2026-03-17T15:09:26.535897Z"},"Version":1,"Created":"2026-03-14T15:10:56.535897Z","Updated":"2026-03-14T15:10:56.535897Z"}`,
	// events.data of evt_golden
	"evt_golden": `{"ID":"evt_golden","AccountID":"acct_golden","Livemode":false,"Type":"checkout.session.completed","Created":"2026-03-14T15:11:26.535897Z","Sequence":3,"ObjectID":"cs_golden","Session":{"ID":"cs_golden","AccountID":"acct_golden","Livemode":false,"Mode":"payment","Status":"open","PaymentStatus":"unpaid","Currency":"eur","AmountSubtotal":2500,"AmountDiscount":100,"AmountTax":50,"AmountTotal":2450,"LineItems":[{"ID":"li_1","Name":"Pastel de nata","Description":"with cinnamon","Images":["https://img.example/nata.png"],"Quantity":5,"UnitAmount":500,"Currency":"eur","AmountSubtotal":2500,"AmountDiscount":100,"AmountTax":50,"AmountTotal":2450}],"SuccessURL":"https://shop.example/ok","CancelURL":"https://shop.example/cancel","Customer":"cus_1","CustomerEmail":"ama@example.com","CustomerPhone":"+351912345678","ClientReferenceID":"order-42","Locale":"pt","Description":"Order 42","PaymentMethodTypes":["card","multibanco"],"Metadata":{"order":"42","z":"\u003c\u0026\u003e"},"Payment":"","PublicToken":"pub_tok","CSRFToken":"csrf_tok","PaymentInFlight":"pay_golden","InFlightSince":"2026-03-14T16:10:56.535897123+01:00","FailedAttempts":1,"Version":2,"EventSeq":3,"Created":"2026-03-14T15:09:26.535897Z","Updated":"2026-03-14T15:09:27.535897Z","ExpiresAt":"2026-03-14T17:09:26.535897Z","AccessedAt":"2026-03-14T15:10:26.535897Z","CompletedAt":"0001-01-01T00:00:00Z","ExpiredAt":"0001-01-01T00:00:00Z"},"Payment":{"ID":"pay_golden","AccountID":"acct_golden","Livemode":false,"SessionID":"cs_golden","Provider":"fake","Method":"multibanco","Status":"requires_action","Amount":2450,"Currency":"eur","CardBrand":"","CardLast4":"","FailureCode":"","FailureMessage":"","ProviderRef":"ref_1","Action":{"Type":"multibanco_voucher","Entity":"12345","Reference":"123456789","ExpiresAt":"2026-03-17T15:09:26.535897Z"},"Version":1,"Created":"2026-03-14T15:10:56.535897Z","Updated":"2026-03-14T15:10:56.535897Z"}}`,
	// events.data of evt_disabled
	"evt_disabled": `{"ID":"evt_disabled","AccountID":"acct_golden","Livemode":false,"Type":"webhook_endpoint.disabled","Created":"2026-03-14T15:12:26.535897Z","Sequence":0,"ObjectID":"we_golden","Session":null,"Payment":null,"Endpoint":{"ID":"we_golden","AccountID":"acct_golden","Livemode":false,"URL":"https://hooks.example/in","EnabledEvents":["*"],"Description":"all","Metadata":{"team":"ops"},"Disabled":true,"DisabledReason":"failing","Secrets":[{"Sealed":"AQID/w==","ExpiresAt":"0001-01-01T00:00:00Z"},{"Sealed":"b2xk","ExpiresAt":"2026-03-15T15:09:26.535897Z"}],"FailingSince":"2026-03-14T16:09:26.535897Z","Version":1,"Created":"2026-03-14T15:09:26.535897Z","Updated":"2026-03-14T16:09:26.535897Z"}}`,
	// webhook_endpoints.data of we_golden
	"we_golden": `{"ID":"we_golden","AccountID":"acct_golden","Livemode":false,"URL":"https://hooks.example/in","EnabledEvents":["*"],"Description":"all","Metadata":{"team":"ops"},"Disabled":true,"DisabledReason":"failing","Secrets":[{"Sealed":"AQID/w==","ExpiresAt":"0001-01-01T00:00:00Z"},{"Sealed":"b2xk","ExpiresAt":"2026-03-15T15:09:26.535897Z"}],"FailingSince":"2026-03-14T16:09:26.535897Z","Version":1,"Created":"2026-03-14T15:09:26.535897Z","Updated":"2026-03-14T16:09:26.535897Z"}`,
	// webhook_deliveries.data of whd_golden
	"whd_golden": `{"ID":"whd_golden","AccountID":"acct_golden","Livemode":false,"EventID":"evt_golden","EndpointID":"we_golden","Status":"pending","NextAt":"2026-03-14T15:14:26.535897Z","LeaseUntil":"0001-01-01T00:00:00Z","Attempts":[{"At":"2026-03-14T15:12:26.535897Z","StatusCode":500,"Latency":1500000000,"Error":"status 500"},{"At":"2026-03-14T15:13:26.535897Z","StatusCode":0,"Latency":0,"Error":"dial tcp: connection refused"}],"Version":1,"Created":"2026-03-14T15:11:26.535897Z","Updated":"2026-03-14T15:13:26.535897Z"}`,
	// webhook_deliveries.data of whd_empty
	"whd_empty": `{"ID":"whd_empty","AccountID":"acct_golden","Livemode":false,"EventID":"evt_golden","EndpointID":"we_golden","Status":"pending","NextAt":"2026-03-14T15:09:26.535897Z","LeaseUntil":"0001-01-01T00:00:00Z","Attempts":[],"Version":1,"Created":"2026-03-14T15:09:26.535897Z","Updated":"2026-03-14T15:09:26.535897Z"}`,
}

// goldenObjects are the objects the golden bytes were written from, as the
// store held them: versions set, times normalized. The session's claim time
// is in a zone of +01:00 with nanoseconds, as it was given: SQLite stores
// InFlightSince unnormalized.
func goldenObjects() map[string]any {
	t0 := time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)
	cet := time.FixedZone("CET", 3600)
	sess := &checkout.Session{
		ID: "cs_golden", AccountID: "acct_golden", Mode: checkout.ModePayment,
		Status: checkout.SessionOpen, PaymentStatus: checkout.PaymentUnpaid, Currency: "eur",
		AmountSubtotal: 2500, AmountDiscount: 100, AmountTax: 50, AmountTotal: 2450,
		LineItems: []checkout.LineItem{{ID: "li_1", Name: "Pastel de nata", Description: "with cinnamon", Images: []string{"https://img.example/nata.png"},
			Quantity: 5, UnitAmount: 500, Currency: "eur", AmountSubtotal: 2500, AmountDiscount: 100, AmountTax: 50, AmountTotal: 2450}},
		SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/cancel",
		Customer: "cus_1", CustomerEmail: "ama@example.com", CustomerPhone: "+351912345678", ClientReferenceID: "order-42",
		Locale: "pt", Description: "Order 42", PaymentMethodTypes: []string{"card", "multibanco"},
		Metadata: map[string]string{"order": "42", "z": "<&>"}, PublicToken: "pub_tok", CSRFToken: "csrf_tok",
		PaymentInFlight: "pay_golden", InFlightSince: t0.Add(90*time.Second + 123).In(cet),
		FailedAttempts: 1, Version: 2, EventSeq: 3,
		Created: t0, Updated: t0.Add(time.Second), ExpiresAt: t0.Add(2 * time.Hour), AccessedAt: t0.Add(time.Minute),
	}
	pay := &checkout.Payment{ID: "pay_golden", AccountID: "acct_golden", SessionID: "cs_golden", Provider: "fake", Method: "multibanco",
		Status: checkout.PaymentRequiresAction, Amount: 2450, Currency: "eur", ProviderRef: "ref_1",
		Action: &checkout.NextAction{Kind: checkout.NextActionVoucher, ExpiresAt: t0.Add(72 * time.Hour),
			Voucher: &checkout.Voucher{Entity: "12345", Reference: "123456789"}},
		Version: 1, Created: t0.Add(90 * time.Second), Updated: t0.Add(90 * time.Second)}
	ep := &checkout.WebhookEndpoint{ID: "we_golden", AccountID: "acct_golden", URL: "https://hooks.example/in", EnabledEvents: []string{"*"},
		Description: "all", Metadata: map[string]string{"team": "ops"}, Disabled: true, DisabledReason: "failing",
		Secrets:      []checkout.EndpointSecret{{Sealed: []byte{1, 2, 3, 255}}, {Sealed: []byte("old"), ExpiresAt: t0.Add(24 * time.Hour)}},
		FailingSince: t0.Add(time.Hour), Version: 1, Created: t0, Updated: t0.Add(time.Hour)}
	return map[string]any{
		"acct_golden": &checkout.Account{ID: "acct_golden", Name: "Golden Lda", DefaultCurrency: "eur", SessionTTL: 2 * time.Hour, Created: t0},
		"cs_golden":   sess,
		"pay_golden":  pay,
		"evt_golden": &checkout.Event{ID: "evt_golden", AccountID: "acct_golden", Type: "checkout.session.completed", Created: t0.Add(2 * time.Minute),
			Sequence: 3, ObjectID: "cs_golden", Session: sess.Clone(), Payment: pay.Clone()},
		"evt_disabled": &checkout.Event{ID: "evt_disabled", AccountID: "acct_golden", Type: checkout.EventEndpointDisabled, Created: t0.Add(3 * time.Minute),
			ObjectID: "we_golden", Endpoint: ep},
		"we_golden": ep,
		"whd_golden": &checkout.Delivery{ID: "whd_golden", AccountID: "acct_golden", EventID: "evt_golden", EndpointID: "we_golden",
			Status: checkout.DeliveryPending, NextAt: t0.Add(5 * time.Minute), Version: 1, Created: t0.Add(2 * time.Minute), Updated: t0.Add(4 * time.Minute),
			Attempts: []checkout.DeliveryAttempt{{At: t0.Add(3 * time.Minute), StatusCode: 500, Latency: 1500 * time.Millisecond, Error: "status 500"},
				{At: t0.Add(4 * time.Minute), Error: "dial tcp: connection refused"}}},
		"whd_empty": &checkout.Delivery{ID: "whd_empty", AccountID: "acct_golden", EventID: "evt_golden", EndpointID: "we_golden",
			Status: checkout.DeliveryPending, NextAt: t0, Version: 1, Created: t0, Updated: t0, Attempts: []checkout.DeliveryAttempt{}},
	}
}

// codec is the encoding and decoding of one kind of object, untyped.
type codec struct {
	encode func(any) ([]byte, error)
	decode func([]byte) (any, error)
}

func codecOf[T any](enc func(*T) ([]byte, error), dec func([]byte) (*T, error)) codec {
	return codec{
		encode: func(v any) ([]byte, error) { return enc(v.(*T)) },
		decode: func(b []byte) (any, error) { return dec(b) },
	}
}

func codecFor(v any) codec {
	switch v.(type) {
	case *checkout.Account:
		return codecOf(EncodeAccount, DecodeAccount)
	case *checkout.Session:
		return codecOf(EncodeSession, DecodeSession)
	case *checkout.Payment:
		return codecOf(EncodePayment, DecodePayment)
	case *checkout.Event:
		return codecOf(EncodeEvent, DecodeEvent)
	case *checkout.WebhookEndpoint:
		return codecOf(EncodeEndpoint, DecodeEndpoint)
	case *checkout.Delivery:
		return codecOf(EncodeDelivery, DecodeDelivery)
	}
	panic("no codec for " + reflect.TypeOf(v).String())
}

// TestGoldenSQLiteFormat: what SQLite databases hold decodes to the objects
// it was written from, and those objects encode to the same bytes.
func TestGoldenSQLiteFormat(t *testing.T) {
	objects := goldenObjects()
	if len(objects) != len(golden) {
		t.Fatalf("%d golden objects for %d golden records", len(objects), len(golden))
	}
	for id, want := range objects {
		data := []byte(golden[id])
		c := codecFor(want)

		got, err := c.decode(data)
		if err != nil {
			t.Errorf("decode %s: %v", id, err)
			continue
		}
		sameClaimTime(got, want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("decode %s:\n got %+v\nwant %+v", id, got, want)
		}

		enc, err := c.encode(want)
		if err != nil {
			t.Errorf("encode %s: %v", id, err)
		} else if !bytes.Equal(enc, data) {
			t.Errorf("encode %s differs from what SQLite stores:\n got %s\nwant %s", id, enc, data)
		}
		again, err := c.encode(got)
		if err != nil || !bytes.Equal(again, data) {
			t.Errorf("decode and encode %s: %s, %v; want the stored bytes back", id, again, err)
		}
	}
}

// sameClaimTime gives a decoded session's InFlightSince, which is the right
// instant in a zone of its own, the location of want's, so that DeepEqual
// compares the rest.
func sameClaimTime(got, want any) {
	var g, w *checkout.Session
	switch got := got.(type) {
	case *checkout.Session:
		g, w = got, want.(*checkout.Session)
	case *checkout.Event:
		g, w = got.Session, want.(*checkout.Event).Session
	}
	if g != nil && w != nil && g.InFlightSince.Equal(w.InFlightSince) {
		g.InFlightSince = w.InFlightSince
	}
}

// TestEncodeNormalizes: times are written in UTC at microsecond precision
// whatever the caller gives, and the caller's object is not changed.
func TestEncodeNormalizes(t *testing.T) {
	at := time.Date(2026, 3, 14, 16, 9, 26, 535897999, time.FixedZone("CET", 3600))
	p := &checkout.Payment{ID: "pay_1", Created: at, Updated: at, Action: &checkout.NextAction{Kind: checkout.NextActionVoucher, ExpiresAt: at, Voucher: &checkout.Voucher{}}}
	data, err := EncodePayment(p)
	if err != nil {
		t.Fatal(err)
	}
	if p.Created != at || p.Action.ExpiresAt != at {
		t.Errorf("EncodePayment changed its argument: %+v", p)
	}
	got, err := DecodePayment(data)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)
	if got.Created != want || got.Updated != want || got.Action.ExpiresAt != want {
		t.Errorf("read back %v, %v, %v; want %v", got.Created, got.Updated, got.Action.ExpiresAt, want)
	}
	if !bytes.Contains(data, []byte(`"Created":"2026-03-14T15:09:26.535897Z"`)) {
		t.Errorf("stored %s; want Created in UTC microseconds", data)
	}
}

// TestSessionCache: the cache decodes like DecodeSession and hands out
// clones, so a caller's change never reaches another caller.
func TestSessionCache(t *testing.T) {
	var c SessionCache
	data := []byte(golden["cs_golden"])
	want, err := DecodeSession(data)
	if err != nil {
		t.Fatal(err)
	}
	first, err := c.Session(data)
	if err != nil || !reflect.DeepEqual(first, want) {
		t.Fatalf("first read: %+v, %v; want %+v", first, err, want)
	}
	first.LineItems[0].Name, first.Metadata["order"] = "changed", "changed"
	second, err := c.Session(data)
	if err != nil || !reflect.DeepEqual(second, want) {
		t.Fatalf("cached read after the caller changed its copy: %+v, %v; want %+v", second, err, want)
	}
	if _, err := c.Session([]byte(`{"ID":`)); err == nil {
		t.Error("cache decoded bad JSON")
	}
}
