package record

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// TestProviderSettingsRoundTrip: every field of provider settings, sealed
// bytes included, comes back as it went in, and the stored JSON keeps its
// names.
func TestProviderSettingsRoundTrip(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	want := &checkout.ProviderSettings{AccountID: "acct_a", Livemode: true, Version: 3, Created: t0, Updated: t0.Add(time.Minute),
		Providers: map[string]checkout.ProviderCredentials{"stripe": {
			Plain:   map[string]string{"publishable_key": "pk_live_x"},
			Sealed:  map[string][]byte{"secret_key": {1, 2, 3}},
			Hints:   map[string]string{"secret_key": "abcd"},
			Updated: t0.Add(time.Minute)}},
		Defaults: map[checkout.Method]string{checkout.MethodCard: "stripe"}}
	data, err := EncodeObject(want)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{`"account_id"`, `"providers"`, `"plain"`, `"sealed"`, `"hints"`, `"defaults"`} {
		if !bytes.Contains(data, []byte(name)) {
			t.Errorf("stored form %s lacks %s", data, name)
		}
	}
	got, err := DecodeObject(checkout.ProviderSettingsKind, data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
}
