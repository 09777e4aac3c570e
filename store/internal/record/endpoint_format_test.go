package record

import (
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
)

// TestEndpointFormat: an endpoint stored before formats existed reads as
// canonical and keeps its bytes; a format is stored and read back.
func TestEndpointFormat(t *testing.T) {
	old, err := DecodeEndpoint([]byte(goldenFull["we_full"]))
	if err != nil {
		t.Fatal(err)
	}
	if old.Format != "" || old.BodyFormat() != checkout.WebhookFormatCanonical {
		t.Errorf("an old endpoint reads with format %q (%s)", old.Format, old.BodyFormat())
	}
	again, err := EncodeEndpoint(old)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != goldenFull["we_full"] {
		t.Errorf("an old endpoint's bytes changed:\n%s\n%s", again, goldenFull["we_full"])
	}
	old.Format = "checkout_sessions"
	b, err := EncodeEndpoint(old)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"Format":"checkout_sessions"`) {
		t.Errorf("the format is not stored: %s", b)
	}
	back, err := DecodeEndpoint(b)
	if err != nil || back.Format != "checkout_sessions" || back.BodyFormat() != "checkout_sessions" {
		t.Errorf("read back: %+v, %v", back, err)
	}
}
