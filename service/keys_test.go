package service_test

import (
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// TestChosenKeyLength: an operator-chosen key needs at least 24 characters
// after the prefix, and a refused one writes nothing.
func TestChosenKeyLength(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		key string
		ok  bool
	}{
		{"sk_test_x", false},
		{"sk_test_" + strings.Repeat("a", 23), false},
		{"sk_test_" + strings.Repeat("a", 24), true},
	} {
		id := "acct_" + checkout.RandomString(8)
		_, _, err := f.svc.CreateAccount(f.ctx, service.AccountParams{ID: id, Name: "Chosen", SecretKey: c.key})
		if c.ok {
			if err != nil {
				t.Errorf("CreateAccount(%q): %v", c.key, err)
			}
			continue
		}
		var e *checkout.Error
		if !checkout.IsKind(err, checkout.KindInvalid) || !asError(err, &e) || e.Param != "secret_key" || !strings.Contains(e.Message, "24") {
			t.Errorf("CreateAccount(%q) = %v; want an invalid secret_key saying 24", c.key, err)
		}
		if _, err := f.store.GetAccount(f.ctx, id); !checkout.IsKind(err, checkout.KindNotFound) {
			t.Errorf("account of a refused key: %v; want not found", err)
		}
	}
}

func asError(err error, e **checkout.Error) bool {
	v, ok := err.(*checkout.Error)
	*e = v
	return ok
}
