package evm

import (
	"strings"
	"testing"
)

func addKeySeeds(f *testing.F) {
	for _, st := range bip32Steps {
		f.Add(st.parent)
		f.Add(st.child)
	}
	for _, s := range []string{
		"",
		"xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi",
		"xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6Q5JXayek4PRsn35jii4veMimro1xefsM58PgBMrvdYre8QyULY",
		"test test test test test test test test test test test junk",
		"0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
		"1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111",
	} {
		f.Add(s)
	}
}

// FuzzParseExtendedKey: no input panics, and whatever is taken serializes
// back to itself (less the white space around it) and derives a child.
func FuzzParseExtendedKey(f *testing.F) {
	addKeySeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseExtendedKey(s)
		if err != nil {
			return
		}
		if k.String() != strings.TrimSpace(s) {
			t.Fatalf("%q parsed and serialized as %q", s, k)
		}
		if _, err := k.Child(0); err != nil && k.Depth() < 255 && err != ErrInvalidChild {
			t.Fatalf("%q: Child(0): %v", s, err)
		}
	})
}

// FuzzExtendedKeyPayload: random serialized keys with a valid checksum,
// which random text almost never has, so the checks past it are reached.
func FuzzExtendedKeyPayload(f *testing.F) {
	for _, st := range bip32Steps {
		b, _ := base58CheckDecode(st.child)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		s := base58CheckEncode(payload)
		k, err := ParseExtendedKey(s)
		if err != nil {
			return
		}
		if k.String() != s {
			t.Fatalf("%x parsed and serialized as %q", payload, k)
		}
	})
}
