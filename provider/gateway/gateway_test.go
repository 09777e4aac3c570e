package gateway

import (
	"testing"

	"github.com/checkoutd/checkoutd/netguard"
)

func TestClientGuardsAllButTheDocumentedHost(t *testing.T) {
	documented := []string{"api.stripe.com"}
	if _, err := Client("https://api.stripe.com", documented, Options{}); err != nil {
		t.Fatalf("documented host refused: %v", err)
	}
	// Loopback is not the gateway: the guard refuses it unless the
	// operator allows private targets (a local stand-in).
	if _, err := Client("http://127.0.0.1:12111", documented, Options{}); err == nil {
		t.Fatal("loopback accepted without AllowPrivate")
	}
	if _, err := Client("http://127.0.0.1:12111", documented, Options{Policy: netguard.Policy{AllowPrivate: true}}); err != nil {
		t.Fatalf("loopback refused with AllowPrivate: %v", err)
	}
	// The documented name on another port or over http is not the
	// documented API and goes through the guard.
	for _, base := range []string{"http://api.stripe.com", "https://api.stripe.com:8443", "ftp://api.stripe.com", "::"} {
		c, err := Client(base, documented, Options{})
		if err == nil && c.Transport == nil {
			t.Errorf("%s: got a direct client", base)
		}
	}
}
