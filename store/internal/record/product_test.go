package record

import (
	"reflect"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// goldenProduct and goldenInvoice pin the stored names of a product and an
// invoice: databases will hold them.
const (
	goldenProduct = `{"id":"prod_golden","account_id":"acct_golden","livemode":true,"active":true,"name":"Tea","description":"Green","images":["https://img.example/tea.png"],"unit_amount":350,"currency":"EUR","metadata":{"sku":"T1"},"version":2,"created":"2026-03-14T15:09:26.535897Z","updated":"2026-03-14T15:10:26.535897Z"}`
	goldenInvoice = `{"id":"in_golden","account_id":"acct_golden","livemode":true,"status":"open","customer_email":"ana@example.com","customer_name":"Ana","description":"March","currency":"EUR","lines":[{"id":"il_1","product":"prod_golden","name":"Tea","description":"Green","quantity":2,"unit_amount":350,"amount":700},{"id":"il_2","name":"Delivery","quantity":1,"unit_amount":250,"amount":250}],"amount_due":950,"due_date":"2026-03-17T15:09:26.535897Z","metadata":{},"holder":{"session_id":"cs_one","since":"2026-03-14T15:11:26.535897Z","awaiting":true},"finalized_at":"2026-03-14T15:10:26.535897Z","paid_at":"0001-01-01T00:00:00Z","voided_at":"0001-01-01T00:00:00Z","version":4,"created":"2026-03-14T15:09:26.535897Z","updated":"2026-03-14T15:11:26.535897Z"}`
)

func goldenCatalogObjects() (*checkout.Product, *checkout.Invoice) {
	t0 := time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)
	p := &checkout.Product{ID: "prod_golden", AccountID: "acct_golden", Livemode: true, Active: true, Name: "Tea",
		Description: "Green", Images: []string{"https://img.example/tea.png"}, UnitAmount: 350, Currency: "EUR",
		Metadata: map[string]string{"sku": "T1"}, Version: 2, Created: t0, Updated: t0.Add(time.Minute)}
	in := &checkout.Invoice{ID: "in_golden", AccountID: "acct_golden", Livemode: true, Status: checkout.InvoiceOpen,
		CustomerEmail: "ana@example.com", CustomerName: "Ana", Description: "March", Currency: "EUR",
		Lines: []checkout.InvoiceLine{{ID: "il_1", Product: "prod_golden", Name: "Tea", Description: "Green", Quantity: 2, UnitAmount: 350, Amount: 700},
			{ID: "il_2", Name: "Delivery", Quantity: 1, UnitAmount: 250, Amount: 250}},
		AmountDue: 950, DueDate: t0.Add(72 * time.Hour), Metadata: map[string]string{},
		Holder:  checkout.InvoiceHolder{SessionID: "cs_one", Since: t0.Add(2 * time.Minute), Awaiting: true},
		Session: "", FinalizedAt: t0.Add(time.Minute), Version: 4, Created: t0, Updated: t0.Add(2 * time.Minute)}
	return p, in
}

func TestGoldenCatalog(t *testing.T) {
	p, in := goldenCatalogObjects()
	for _, tc := range []struct {
		o    checkout.Object
		want string
	}{{p, goldenProduct}, {in, goldenInvoice}} {
		data, err := EncodeObject(tc.o)
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != tc.want {
			t.Errorf("a %s's stored form changed:\n got %s\nwant %s", tc.o.ObjectKind(), data, tc.want)
		}
		got, err := DecodeObject(tc.o.ObjectKind(), []byte(tc.want))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tc.o) {
			t.Errorf("the golden %s reads back as %+v, want %+v", tc.o.ObjectKind(), got, tc.o)
		}
	}
}

// TestInvoiceHolderUntil: a hold's Until is stored and read back; a hold
// without one (every record before it) stores as before (TestGoldenCatalog).
func TestInvoiceHolderUntil(t *testing.T) {
	_, in := goldenCatalogObjects()
	in.Holder = checkout.InvoiceHolder{SessionID: "cs_one", Since: in.Created, Until: in.Created.Add(90 * time.Minute)}
	data, err := EncodeObject(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeObject(checkout.InvoiceKind, data)
	if err != nil {
		t.Fatal(err)
	}
	if h := got.(*checkout.Invoice).Holder; !h.Until.Equal(in.Holder.Until) || h.SessionID != "cs_one" {
		t.Fatalf("holder read back as %+v, want %+v", h, in.Holder)
	}
}
