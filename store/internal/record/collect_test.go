package record

import (
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// goldenCollect holds what the code that first stored a session's
// collection (issue 12 §3) wrote for collectObjects: every collection
// field set, so that their stored names are pinned. Never regenerate it.
var goldenCollect = map[string]string{
	"cs_collect": `{"ID":"cs_collect","AccountID":"acct_golden","Livemode":false,"Mode":"payment","Status":"complete","PaymentStatus":"paid","Currency":"eur","AmountSubtotal":1200,"AmountDiscount":0,"AmountTax":0,"AmountTotal":1200,"LineItems":null,"SuccessURL":"https://shop.example/ok","CancelURL":"https://shop.example/cancel","Customer":"","CustomerEmail":"ana@example.com","CustomerPhone":"","ClientReferenceID":"","Locale":"","Description":"","PaymentMethodTypes":["card"],"Metadata":{},"Payment":"pay_collect","PublicToken":"pt_collect","CSRFToken":"csrf_collect","PaymentInFlight":"","InFlightSince":"0001-01-01T00:00:00Z","FailedAttempts":0,"Version":3,"EventSeq":1,"Created":"2026-03-14T15:09:26.535897Z","Updated":"2026-03-14T15:10:26.535897Z","ExpiresAt":"2026-03-15T15:09:26.535897Z","AccessedAt":"0001-01-01T00:00:00Z","CompletedAt":"2026-03-14T15:10:26.535897Z","ExpiredAt":"0001-01-01T00:00:00Z","ShippingCountries":["PT","FR"],"BillingAddressCollection":"required","PhoneNumberCollection":true,"CustomFields":[{"Key":"size","Label":"Size","Type":"dropdown","Options":[{"Label":"Small","Value":"s"},{"Label":"Large","Value":"l"}],"Value":"l"},{"Key":"vat","Label":"VAT number","Type":"numeric","Optional":true,"MinLength":9,"MaxLength":9}],"TermsOfServiceConsent":"required","CustomText":{"Submit":"We ship in 2 days.","AfterSubmit":"Thank you!"},"SubmitType":"book","CustomerDetails":{"Name":"Ana Silva","Phone":"+351912345678","Address":{"Line1":"Rua A 1","Line2":"","City":"Porto","State":"","PostalCode":"4000-123","Country":"PT"}},"ShippingDetails":{"Name":"Ana Silva","Address":{"Line1":"Rue B 2","Line2":"3e","City":"Paris","State":"","PostalCode":"75001","Country":"FR"}},"TermsAccepted":true}`,
}

func collectObjects() map[string]any {
	t0 := time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)
	return map[string]any{"cs_collect": &checkout.Session{
		ID: "cs_collect", AccountID: "acct_golden", Mode: checkout.ModePayment,
		Status: checkout.SessionComplete, PaymentStatus: checkout.PaymentPaid, Currency: "eur", AmountSubtotal: 1200, AmountTotal: 1200,
		SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/cancel", CustomerEmail: "ana@example.com",
		PaymentMethodTypes: []string{"card"}, Metadata: map[string]string{},
		Payment: "pay_collect", PublicToken: "pt_collect", CSRFToken: "csrf_collect", Version: 3, EventSeq: 1,
		Created: t0, Updated: t0.Add(time.Minute), ExpiresAt: t0.Add(24 * time.Hour), CompletedAt: t0.Add(time.Minute),
		ShippingCountries: []string{"PT", "FR"}, BillingAddressCollection: checkout.BillingRequired, PhoneNumberCollection: true,
		CustomFields: []checkout.CustomField{
			{Key: "size", Label: "Size", Type: checkout.CustomFieldDropdown, Options: []checkout.CustomFieldOption{{Label: "Small", Value: "s"}, {Label: "Large", Value: "l"}}, Value: "l"},
			{Key: "vat", Label: "VAT number", Type: checkout.CustomFieldNumeric, Optional: true, MinLength: 9, MaxLength: 9},
		},
		TermsOfServiceConsent: checkout.ConsentRequired,
		CustomText:            checkout.CustomText{Submit: "We ship in 2 days.", AfterSubmit: "Thank you!"},
		SubmitType:            checkout.SubmitBook,
		CustomerDetails: &checkout.CustomerDetails{Name: "Ana Silva", Phone: "+351912345678",
			Address: &checkout.Address{Line1: "Rua A 1", City: "Porto", PostalCode: "4000-123", Country: "PT"}},
		ShippingDetails: &checkout.ShippingDetails{Name: "Ana Silva", Address: checkout.Address{Line1: "Rue B 2", Line2: "3e", City: "Paris", PostalCode: "75001", Country: "FR"}},
		TermsAccepted:   true,
	}}
}

// TestGoldenCollect: a session with every collection field set reads and
// writes the bytes first stored for it (and the older goldens, which hold
// none, still read: TestGoldenSQLiteFormat).
func TestGoldenCollect(t *testing.T) { checkGolden(t, goldenCollect, collectObjects()) }
