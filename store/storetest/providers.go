package storetest

import (
	"reflect"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
)

// providerSettings: an account's provider settings (a generic object of
// their own kind) round-trip with their sealed bytes, are a compare-and-set
// on their version, and stay in their mode.
func (s suite) providerSettings(t *testing.T) {
	ctx := t.Context()
	st := s.seeded(t)
	ps := &checkout.ProviderSettings{AccountID: scopeA.AccountID, Livemode: scopeA.Livemode, Version: 1, Created: t0, Updated: t0,
		Providers: map[string]checkout.ProviderCredentials{"stripe": {
			Plain:  map[string]string{"publishable_key": "pk_test_1"},
			Sealed: map[string][]byte{"secret_key": {0, 1, 2, 250}}, Hints: map[string]string{"secret_key": "wxyz"}, Updated: t0}},
		Defaults: map[checkout.Method]string{checkout.MethodCard: "stripe"}}
	commit(t, st, checkout.Change{Objects: []checkout.Object{ps}})
	got, err := st.GetObject(ctx, scopeA, checkout.ProviderSettingsKind, ps.ObjectID())
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	if !reflect.DeepEqual(got, ps) {
		t.Errorf("read back:\n got %+v\nwant %+v", got, ps)
	}
	other := scopeA
	other.Livemode = !other.Livemode
	_, err = st.GetObject(ctx, other, checkout.ProviderSettingsKind, ps.ObjectID())
	wantKind(t, "the settings read in the other mode", err, checkout.KindNotFound)

	stale := ps.Clone()
	stale.Version = 1 // a second create, as a racing first write would be
	err = st.Commit(ctx, checkout.Change{Objects: []checkout.Object{stale}})
	wantKind(t, "a second version 1", err, checkout.KindConflict)
}
