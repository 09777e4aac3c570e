package record

import (
	"bytes"
	"reflect"
	"strings"
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
	// accounts.data of an account updated with a profile (UpdateAccount)
	"acct_branded": `{"ID":"acct_branded","Name":"Golden Lda","DefaultCurrency":"eur","SessionTTL":7200000000000,"Created":"2026-03-14T15:09:26.535897Z","Profile":{"DisplayName":"Golden","SupportEmail":"help@golden.example","URL":"https://golden.example","TermsURL":"https://golden.example/terms","PrivacyURL":"https://golden.example/privacy","Branding":{"Logo":"file_logo","BrandColor":"#0a2540","AccentColor":"#635bff","ButtonShape":"pill","FontFamily":"serif"}},"Version":2}`,
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

// goldenFull holds what the code of ed837aa, the last to store the JSON of
// the checkout types themselves, wrote for fullObjects (a throwaway test
// there printed EncodeAccount, EncodeKey, EncodeSession, … of each): an
// object of every kind with every field set, so that every stored name is
// pinned (golden holds no API key, no live object, and some fields only at
// their zero). Like golden, never regenerate them. (The full payment's
// action, first a made-up "redirect" with voucher fields, is a
// multibanco_voucher, as that code wrote one: actions have neutral kinds
// since, and the old stored shape holds only the two the simulator made.)
var goldenFull = map[string]string{
	"acct_full": `{"ID":"acct_full","Name":"Full \"Quotes\" \u0026 Co","DefaultCurrency":"usd","SessionTTL":5400000000000,"Created":"2026-03-14T15:09:26.535897Z"}`,
	"cs_full":   `{"ID":"cs_full","AccountID":"acct_full","Livemode":true,"Mode":"payment","Status":"complete","PaymentStatus":"paid","Currency":"eur","AmountSubtotal":240,"AmountDiscount":20,"AmountTax":36,"AmountTotal":256,"LineItems":[{"ID":"li_a","Name":"Bica li_a","Description":"short, \"strong\"","Images":["https://img.example/li_a.png","https://img.example/b.png"],"Quantity":1,"UnitAmount":80,"Currency":"eur","AmountSubtotal":80,"AmountDiscount":10,"AmountTax":18,"AmountTotal":88},{"ID":"li_b","Name":"Bica li_b","Description":"short, \"strong\"","Images":["https://img.example/li_b.png","https://img.example/b.png"],"Quantity":2,"UnitAmount":80,"Currency":"eur","AmountSubtotal":160,"AmountDiscount":10,"AmountTax":18,"AmountTotal":168}],"SuccessURL":"https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}\u0026x=1","CancelURL":"https://shop.example/cancel","Customer":"cus_full","CustomerEmail":"rui@example.com","CustomerPhone":"+351211234567","ClientReferenceID":"order-7","Locale":"pt-BR","Description":"Order 7 \u2028 é €","PaymentMethodTypes":["card"],"Metadata":{"a":"1","b":"\u003c/script\u003e"},"CustomerEmailLocked":true,"Payment":"pay_full","PublicToken":"pub_full","CSRFToken":"csrf_full","PaymentInFlight":"pay_full","InFlightSince":"2026-03-14T15:09:56.535897Z","FailedAttempts":2,"Version":5,"EventSeq":4,"Created":"2026-03-14T15:09:26.535897Z","Updated":"2026-03-14T15:10:26.535897Z","ExpiresAt":"2026-03-15T15:09:26.535897Z","AccessedAt":"2026-03-14T15:09:36.535897Z","CompletedAt":"2026-03-14T15:10:26.535897Z","ExpiredAt":"2026-03-15T16:09:26.535897Z"}`,
	"evt_full":  `{"ID":"evt_full","AccountID":"acct_full","Livemode":true,"Type":"checkout.session.completed","Created":"2026-03-14T15:10:26.535897Z","Sequence":4,"ObjectID":"cs_full","Session":{"ID":"cs_full","AccountID":"acct_full","Livemode":true,"Mode":"payment","Status":"complete","PaymentStatus":"paid","Currency":"eur","AmountSubtotal":240,"AmountDiscount":20,"AmountTax":36,"AmountTotal":256,"LineItems":[{"ID":"li_a","Name":"Bica li_a","Description":"short, \"strong\"","Images":["https://img.example/li_a.png","https://img.example/b.png"],"Quantity":1,"UnitAmount":80,"Currency":"eur","AmountSubtotal":80,"AmountDiscount":10,"AmountTax":18,"AmountTotal":88},{"ID":"li_b","Name":"Bica li_b","Description":"short, \"strong\"","Images":["https://img.example/li_b.png","https://img.example/b.png"],"Quantity":2,"UnitAmount":80,"Currency":"eur","AmountSubtotal":160,"AmountDiscount":10,"AmountTax":18,"AmountTotal":168}],"SuccessURL":"https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}\u0026x=1","CancelURL":"https://shop.example/cancel","Customer":"cus_full","CustomerEmail":"rui@example.com","CustomerPhone":"+351211234567","ClientReferenceID":"order-7","Locale":"pt-BR","Description":"Order 7 \u2028 é €","PaymentMethodTypes":["card"],"Metadata":{"a":"1","b":"\u003c/script\u003e"},"CustomerEmailLocked":true,"Payment":"pay_full","PublicToken":"pub_full","CSRFToken":"csrf_full","PaymentInFlight":"pay_full","InFlightSince":"2026-03-14T15:09:56.535897Z","FailedAttempts":2,"Version":5,"EventSeq":4,"Created":"2026-03-14T15:09:26.535897Z","Updated":"2026-03-14T15:10:26.535897Z","ExpiresAt":"2026-03-15T15:09:26.535897Z","AccessedAt":"2026-03-14T15:09:36.535897Z","CompletedAt":"2026-03-14T15:10:26.535897Z","ExpiredAt":"2026-03-15T16:09:26.535897Z"},"Payment":{"ID":"pay_full","AccountID":"acct_full","Livemode":true,"SessionID":"cs_full","Provider":"sim","Method":"card","Status":"failed","Amount":256,"Currency":"eur","CardBrand":"visa","CardLast4":"4242","FailureCode":"card_declined","FailureMessage":"Your card was declined.","ProviderRef":"sim_ref_full","Action":{"Type":"multibanco_voucher","Entity":"99999","Reference":"987654321","ExpiresAt":"2026-03-14T16:09:26.535897Z"},"Version":3,"Created":"2026-03-14T15:09:46.535897Z","Updated":"2026-03-14T15:10:26.535897Z"},"Endpoint":{"ID":"we_full","AccountID":"acct_full","Livemode":true,"URL":"https://hooks.example/full","EnabledEvents":["checkout.session.completed","payment.failed"],"Description":"two","Metadata":{"k":"v"},"Disabled":true,"DisabledReason":"failing for 3 days","Secrets":[{"Sealed":"AAH+","ExpiresAt":"2026-03-14T16:09:26.535897Z"}],"FailingSince":"2026-03-14T17:09:26.535897Z","Version":7,"Created":"2026-03-14T15:09:26.535897Z","Updated":"2026-03-14T18:09:26.535897Z"}}`,
	"key_full":  `{"ID":"key_full","AccountID":"acct_full","Livemode":true,"Hash":"3q2+7wA=","Hint":"wxyz","Created":"2026-03-14T15:09:26.535897Z","LastUsed":"2026-03-14T15:10:26.535897Z","Revoked":"2026-03-14T15:11:26.535897Z","ExpiresAt":"2026-03-14T15:12:26.535897Z"}`,
	"pay_full":  `{"ID":"pay_full","AccountID":"acct_full","Livemode":true,"SessionID":"cs_full","Provider":"sim","Method":"card","Status":"failed","Amount":256,"Currency":"eur","CardBrand":"visa","CardLast4":"4242","FailureCode":"card_declined","FailureMessage":"Your card was declined.","ProviderRef":"sim_ref_full","Action":{"Type":"multibanco_voucher","Entity":"99999","Reference":"987654321","ExpiresAt":"2026-03-14T16:09:26.535897Z"},"Version":3,"Created":"2026-03-14T15:09:46.535897Z","Updated":"2026-03-14T15:10:26.535897Z"}`,
	"we_full":   `{"ID":"we_full","AccountID":"acct_full","Livemode":true,"URL":"https://hooks.example/full","EnabledEvents":["checkout.session.completed","payment.failed"],"Description":"two","Metadata":{"k":"v"},"Disabled":true,"DisabledReason":"failing for 3 days","Secrets":[{"Sealed":"AAH+","ExpiresAt":"2026-03-14T16:09:26.535897Z"}],"FailingSince":"2026-03-14T17:09:26.535897Z","Version":7,"Created":"2026-03-14T15:09:26.535897Z","Updated":"2026-03-14T18:09:26.535897Z"}`,
	"whd_full":  `{"ID":"whd_full","AccountID":"acct_full","Livemode":true,"EventID":"evt_full","EndpointID":"we_full","Status":"failed","NextAt":"2026-03-14T16:09:26.535897Z","LeaseUntil":"2026-03-14T16:10:26.535897Z","Attempts":[{"At":"2026-03-14T15:11:26.535897Z","StatusCode":503,"Latency":250000000,"Error":"status 503"}],"Version":9,"Created":"2026-03-14T15:10:26.535897Z","Updated":"2026-03-14T15:11:26.535897Z"}`,
}

// fullObjects are objects of every kind with every field set (Livemode
// true, every optional time, every string), written by the code of ed837aa
// to make the "_full" golden records, so that every stored name is pinned.
func fullObjects() map[string]any {
	t0 := time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)
	li := func(id string, n int64) checkout.LineItem {
		return checkout.LineItem{ID: id, Name: "Bica " + id, Description: "short, \"strong\"", Images: []string{"https://img.example/" + id + ".png", "https://img.example/b.png"},
			Quantity: n, UnitAmount: 80, Currency: "eur", AmountSubtotal: 80 * n, AmountDiscount: 10, AmountTax: 18, AmountTotal: 80*n - 10 + 18}
	}
	sess := &checkout.Session{
		ID: "cs_full", AccountID: "acct_full", Livemode: true, Mode: checkout.ModePayment,
		Status: checkout.SessionComplete, PaymentStatus: checkout.PaymentPaid, Currency: "eur",
		AmountSubtotal: 240, AmountDiscount: 20, AmountTax: 36, AmountTotal: 256,
		LineItems:  []checkout.LineItem{li("li_a", 1), li("li_b", 2)},
		SuccessURL: "https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}&x=1", CancelURL: "https://shop.example/cancel",
		Customer: "cus_full", CustomerEmail: "rui@example.com", CustomerPhone: "+351211234567", ClientReferenceID: "order-7",
		Locale: "pt-BR", Description: "Order 7 \u2028 é €", PaymentMethodTypes: []string{"card"},
		Metadata: map[string]string{"a": "1", "b": "</script>"}, CustomerEmailLocked: true,
		Payment: "pay_full", PublicToken: "pub_full", CSRFToken: "csrf_full",
		PaymentInFlight: "pay_full", InFlightSince: t0.Add(30 * time.Second),
		FailedAttempts: 2, Version: 5, EventSeq: 4,
		Created: t0, Updated: t0.Add(time.Minute), ExpiresAt: t0.Add(24 * time.Hour), AccessedAt: t0.Add(10 * time.Second),
		CompletedAt: t0.Add(time.Minute), ExpiredAt: t0.Add(25 * time.Hour),
	}
	pay := &checkout.Payment{ID: "pay_full", AccountID: "acct_full", Livemode: true, SessionID: "cs_full", Provider: "sim", Method: "card",
		Status: checkout.PaymentFailed, Amount: 256, Currency: "eur", CardBrand: "visa", CardLast4: "4242",
		FailureCode: "card_declined", FailureMessage: "Your card was declined.", ProviderRef: "sim_ref_full",
		Action: &checkout.NextAction{Kind: checkout.NextActionVoucher, ExpiresAt: t0.Add(time.Hour),
			Voucher: &checkout.Voucher{Entity: "99999", Reference: "987654321"}},
		Version: 3, Created: t0.Add(20 * time.Second), Updated: t0.Add(time.Minute)}
	ep := &checkout.WebhookEndpoint{ID: "we_full", AccountID: "acct_full", Livemode: true, URL: "https://hooks.example/full",
		EnabledEvents: []string{"checkout.session.completed", "payment.failed"}, Description: "two", Metadata: map[string]string{"k": "v"},
		Disabled: true, DisabledReason: "failing for 3 days",
		Secrets:      []checkout.EndpointSecret{{Sealed: []byte{0, 1, 254}, ExpiresAt: t0.Add(time.Hour)}},
		FailingSince: t0.Add(2 * time.Hour), Version: 7, Created: t0, Updated: t0.Add(3 * time.Hour)}
	return map[string]any{
		"acct_full": &checkout.Account{ID: "acct_full", Name: "Full \"Quotes\" & Co", DefaultCurrency: "usd", SessionTTL: 90 * time.Minute, Created: t0},
		"key_full": &checkout.APIKey{ID: "key_full", AccountID: "acct_full", Livemode: true, Hash: []byte{0xde, 0xad, 0xbe, 0xef, 0}, Hint: "wxyz",
			Created: t0, LastUsed: t0.Add(time.Minute), Revoked: t0.Add(2 * time.Minute), ExpiresAt: t0.Add(3 * time.Minute)},
		"cs_full":  sess,
		"pay_full": pay,
		"evt_full": &checkout.Event{ID: "evt_full", AccountID: "acct_full", Livemode: true, Type: "checkout.session.completed", Created: t0.Add(time.Minute),
			Sequence: 4, ObjectID: "cs_full", Session: sess.Clone(), Payment: pay.Clone(), Endpoint: ep},
		"we_full": ep,
		"whd_full": &checkout.Delivery{ID: "whd_full", AccountID: "acct_full", Livemode: true, EventID: "evt_full", EndpointID: "we_full",
			Status: checkout.DeliveryFailed, NextAt: t0.Add(time.Hour), LeaseUntil: t0.Add(61 * time.Minute),
			Attempts: []checkout.DeliveryAttempt{{At: t0.Add(2 * time.Minute), StatusCode: 503, Latency: 250 * time.Millisecond, Error: "status 503"}},
			Version:  9, Created: t0.Add(time.Minute), Updated: t0.Add(2 * time.Minute)},
	}
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
		"acct_branded": &checkout.Account{ID: "acct_branded", Name: "Golden Lda", DefaultCurrency: "eur", SessionTTL: 2 * time.Hour, Created: t0, Version: 2,
			Profile: checkout.Profile{DisplayName: "Golden", SupportEmail: "help@golden.example", URL: "https://golden.example",
				TermsURL: "https://golden.example/terms", PrivacyURL: "https://golden.example/privacy",
				Branding: checkout.Branding{Logo: "file_logo", BrandColor: "#0a2540", AccentColor: "#635bff", ButtonShape: "pill", FontFamily: "serif"}}},
		"cs_golden":  sess,
		"pay_golden": pay,
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
	case *checkout.APIKey:
		return codecOf(EncodeKey, DecodeKey)
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
	case *checkout.File:
		return codec{
			encode: func(v any) ([]byte, error) { return EncodeObject(v.(*checkout.File)) },
			decode: func(b []byte) (any, error) { return DecodeObject(checkout.FileKind, b) },
		}
	case *checkout.PaymentLink:
		return codec{
			encode: func(v any) ([]byte, error) { return EncodeObject(v.(*checkout.PaymentLink)) },
			decode: func(b []byte) (any, error) { return DecodeObject(checkout.PaymentLinkKind, b) },
		}
	case *checkout.Product:
		return codec{
			encode: func(v any) ([]byte, error) { return EncodeObject(v.(*checkout.Product)) },
			decode: func(b []byte) (any, error) { return DecodeObject(checkout.ProductKind, b) },
		}
	case *checkout.Invoice:
		return codec{
			encode: func(v any) ([]byte, error) { return EncodeObject(v.(*checkout.Invoice)) },
			decode: func(b []byte) (any, error) { return DecodeObject(checkout.InvoiceKind, b) },
		}
	case *checkout.ProviderSettings:
		return codec{
			encode: func(v any) ([]byte, error) { return EncodeObject(v.(*checkout.ProviderSettings)) },
			decode: func(b []byte) (any, error) { return DecodeObject(checkout.ProviderSettingsKind, b) },
		}
	}
	panic("no codec for " + reflect.TypeOf(v).String())
}

// TestGoldenSQLiteFormat: what SQLite databases hold decodes to the objects
// it was written from, and those objects encode to the same bytes.
func TestGoldenSQLiteFormat(t *testing.T) { checkGolden(t, golden, goldenObjects()) }

// TestGoldenEveryField: the same for objects of every kind with every field
// set, as the code before the explicit stored structs wrote them.
func TestGoldenEveryField(t *testing.T) { checkGolden(t, goldenFull, fullObjects()) }

// checkGolden: each stored record decodes to its object, and the object,
// and what was decoded, encode to the stored bytes.
func checkGolden(t *testing.T, golden map[string]string, objects map[string]any) {
	t.Helper()
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

		written := data
		if _, ok := want.(*checkout.Session); ok {
			written = withFormatVersion(data)
		}
		enc, err := c.encode(want)
		if err != nil {
			t.Errorf("encode %s: %v", id, err)
		} else if !bytes.Equal(enc, written) {
			t.Errorf("encode %s differs from what is stored:\n got %s\nwant %s", id, enc, written)
		}
		again, err := c.encode(got)
		if err != nil || !bytes.Equal(again, written) {
			t.Errorf("decode and encode %s: %s, %v; want the stored bytes back", id, again, err)
		}
		if !bytes.Equal(written, data) { // what is written now reads back the same too
			back, err := c.decode(written)
			if err == nil {
				sameClaimTime(back, want)
			}
			if err != nil || !reflect.DeepEqual(back, want) {
				t.Errorf("decode %s as written now: %+v, %v; want %+v", id, back, err, want)
			}
		}
	}
}

// withFormatVersion is a session's stored bytes as written since sessions
// carry their format's version: the same bytes with "FormatVersion":1
// first, and nothing else changed.
func withFormatVersion(data []byte) []byte {
	return append([]byte(`{"FormatVersion":1,`), data[1:]...)
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

// storedForms pairs each domain type that is stored with its stored form.
var storedForms = []struct{ domain, stored reflect.Type }{
	{reflect.TypeFor[checkout.Account](), reflect.TypeFor[storedAccount]()},
	{reflect.TypeFor[checkout.APIKey](), reflect.TypeFor[storedKey]()},
	{reflect.TypeFor[checkout.Session](), reflect.TypeFor[storedSession]()},
	{reflect.TypeFor[checkout.LineItem](), reflect.TypeFor[storedLineItem]()},
	{reflect.TypeFor[checkout.CustomField](), reflect.TypeFor[storedCustomField]()},
	{reflect.TypeFor[checkout.CustomFieldOption](), reflect.TypeFor[storedOption]()},
	{reflect.TypeFor[checkout.CustomText](), reflect.TypeFor[storedCustomText]()},
	{reflect.TypeFor[checkout.Address](), reflect.TypeFor[storedAddress]()},
	{reflect.TypeFor[checkout.CustomerDetails](), reflect.TypeFor[storedCustomerDetails]()},
	{reflect.TypeFor[checkout.ShippingDetails](), reflect.TypeFor[storedShippingDetails]()},
	{reflect.TypeFor[checkout.Payment](), reflect.TypeFor[storedPayment]()},
	{reflect.TypeFor[checkout.Event](), reflect.TypeFor[storedEvent]()},
	{reflect.TypeFor[checkout.WebhookEndpoint](), reflect.TypeFor[storedEndpoint]()},
	{reflect.TypeFor[checkout.EndpointSecret](), reflect.TypeFor[storedSecret]()},
	{reflect.TypeFor[checkout.Delivery](), reflect.TypeFor[storedDelivery]()},
	{reflect.TypeFor[checkout.DeliveryAttempt](), reflect.TypeFor[storedAttempt]()},
	{reflect.TypeFor[checkout.PaymentLink](), reflect.TypeFor[storedLink]()},
	{reflect.TypeFor[checkout.LinkSlot](), reflect.TypeFor[storedLinkSlot]()},
	{reflect.TypeFor[checkout.Refund](), reflect.TypeFor[storedRefund]()},
	{reflect.TypeFor[checkout.ProviderSettings](), reflect.TypeFor[storedProviderSettings]()},
	{reflect.TypeFor[checkout.ProviderCredentials](), reflect.TypeFor[storedProviderCredentials]()},
}

// TestStoredFieldsMatchDomain: every field of a stored domain type has a
// field of the same Go name in its stored form, and the other way round,
// and every stored field names its JSON itself, each name once. So a field
// added to the domain fails here until someone decides how it is stored,
// and a domain field renamed fails until its stored field follows (keeping
// its JSON name). That the mapping carries every field is
// TestEveryFieldRoundTrips's.
func TestStoredFieldsMatchDomain(t *testing.T) {
	for _, f := range storedForms {
		for i := range f.domain.NumField() {
			name := f.domain.Field(i).Name
			if _, ok := f.stored.FieldByName(name); !ok {
				t.Errorf("%s.%s has no stored form: add a field %s to record.%s with a JSON name of its own "+
					"(never one used before; with omitempty, or omitzero for a time or struct, so that records already "+
					"stored keep their bytes: see TestGoldenSQLiteFormat), and copy it both ways in the mapping "+
					"functions of record.%[4]s (…ToStored and …FromStored)",
					f.domain, name, name, f.stored.Name())
			}
		}
		seen := map[string]string{}
		for i := range f.stored.NumField() {
			sf := f.stored.Field(i)
			if _, ok := f.domain.FieldByName(sf.Name); !ok {
				t.Errorf("record.%s.%s has no field in %s: if the domain renamed it, rename the stored field too and keep its "+
					"JSON name; if the domain dropped it, drop it here too (records that hold it still decode; the value is ignored)",
					f.stored.Name(), sf.Name, f.domain)
			}
			tag := sf.Tag.Get("json")
			jsonName, _, _ := strings.Cut(tag, ",")
			if jsonName == "" || jsonName == "-" {
				t.Errorf("record.%s.%s has no JSON name of its own (tag %q): give it one, so that a Go rename never changes what is stored",
					f.stored.Name(), sf.Name, tag)
				continue
			}
			// Decoding matches names without regard to case.
			if other, ok := seen[strings.ToLower(jsonName)]; ok {
				t.Errorf("record.%s: fields %s and %s are both stored as %q", f.stored.Name(), other, sf.Name, jsonName)
			}
			seen[strings.ToLower(jsonName)] = sf.Name
		}
	}
}
