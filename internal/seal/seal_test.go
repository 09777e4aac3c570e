package seal_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/internal/seal"
)

func TestSealOpen(t *testing.T) {
	s, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	const secret = "whsec_abc"
	a, b := s.Seal(secret), s.Seal(secret)
	if bytes.Equal(a, b) {
		t.Error("two seals of one secret are equal: the nonce is not random")
	}
	if bytes.Contains(a, []byte(secret)) {
		t.Error("the sealed value holds the secret in the clear")
	}
	if got, err := s.Open(a); err != nil || got != secret {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// A flipped bit, another key, or a value too short is refused.
	bad := bytes.Clone(a)
	bad[len(bad)-1] ^= 1
	if _, err := s.Open(bad); err == nil {
		t.Error("a changed sealed value opened")
	}
	other, _ := seal.New(bytes.Repeat([]byte{8}, seal.KeySize))
	if _, err := other.Open(a); err == nil {
		t.Error("another key opened the sealed value")
	}
	if _, err := s.Open(a[:5]); err == nil {
		t.Error("a truncated value opened")
	}
}

func TestNewKeySize(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := seal.New(make([]byte, n)); err == nil || !strings.Contains(err.Error(), "32 bytes") {
			t.Errorf("a %d-byte key: %v, want an error naming 32 bytes", n, err)
		}
	}
}
