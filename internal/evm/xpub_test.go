package evm

import (
	"errors"
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/internal/evm/evmtest"
)

// bip32Step is one published step of a BIP32 test vector: the parent's
// extended public key, the child index, and the published child's.
type bip32Step struct {
	path   string
	parent string
	index  uint32
	child  string
}

// The steps of BIP32's test vectors 1 and 2, from the BIP's "Test
// Vectors" section, with the parent and child ext pub of each step.
var bip32Steps = []bip32Step{
	// Test vector 1.
	{"m/0H", "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8",
		HardenedIndex + 0, "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw"},
	{"m/0H/1", "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw",
		1, "xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMash7SyYq527Hqck2AxYysAA7xmALppuCkwQ"},
	{"m/0H/1/2H", "xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMash7SyYq527Hqck2AxYysAA7xmALppuCkwQ",
		HardenedIndex + 2, "xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VUNgqFJPMM3No2dFDFGTsxxpG5uJh7n7epu4trkrX7x7DogT5Uv6fcLW5"},
	{"m/0H/1/2H/2", "xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VUNgqFJPMM3No2dFDFGTsxxpG5uJh7n7epu4trkrX7x7DogT5Uv6fcLW5",
		2, "xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTAwm6ZLRQUMv1ZACTj37sR62cfN7fe5JnJ7dh8zL4fiyLHV"},
	{"m/0H/1/2H/2/1000000000", "xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTAwm6ZLRQUMv1ZACTj37sR62cfN7fe5JnJ7dh8zL4fiyLHV",
		1000000000, "xpub6H1LXWLaKsWFhvm6RVpEL9P4KfRZSW7abD2ttkWP3SSQvnyA8FSVqNTEcYFgJS2UaFcxupHiYkro49S8yGasTvXEYBVPamhGW6cFJodrTHy"},
	// Test vector 2.
	{"m/0", "xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB",
		0, "xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH"},
	{"m/0/2147483647H", "xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH",
		HardenedIndex + 2147483647, "xpub6ASAVgeehLbnwdqV6UKMHVzgqAG8Gr6riv3Fxxpj8ksbH9ebxaEyBLZ85ySDhKiLDBrQSARLq1uNRts8RuJiHjaDMBU4Zn9h8LZNnBC5y4a"},
	{"m/0/2147483647H/1", "xpub6ASAVgeehLbnwdqV6UKMHVzgqAG8Gr6riv3Fxxpj8ksbH9ebxaEyBLZ85ySDhKiLDBrQSARLq1uNRts8RuJiHjaDMBU4Zn9h8LZNnBC5y4a",
		1, "xpub6DF8uhdarytz3FWdA8TvFSvvAh8dP3283MY7p2V4SeE2wyWmG5mg5EwVvmdMVCQcoNJxGoWaU9DCWh89LojfZ537wTfunKau47EL2dhHKon"},
	{"m/0/2147483647H/1/2147483646H", "xpub6DF8uhdarytz3FWdA8TvFSvvAh8dP3283MY7p2V4SeE2wyWmG5mg5EwVvmdMVCQcoNJxGoWaU9DCWh89LojfZ537wTfunKau47EL2dhHKon",
		HardenedIndex + 2147483646, "xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL"},
	{"m/0/2147483647H/1/2147483646H/2", "xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL",
		2, "xpub6FnCn6nSzZAw5Tw7cgR9bi15UV96gLZhjDstkXXxvCLsUXBGXPdSnLFbdpq8p9HmGsApME5hQTZ3emM2rnY5agb9rXpVGyy3bdW6EEgAtqt"},
}

// TestBIP32Vectors: every published ext pub parses and serializes back to
// itself; every non-hardened step derived publicly from the parent's ext
// pub is the published child, its depth, parent fingerprint and child
// number included; every hardened step is refused, since it needs the
// private key.
func TestBIP32Vectors(t *testing.T) {
	for _, st := range bip32Steps {
		t.Run(st.path, func(t *testing.T) {
			parent, err := ParseExtendedKey(st.parent)
			if err != nil {
				t.Fatalf("parent: %v", err)
			}
			want, err := ParseExtendedKey(st.child)
			if err != nil {
				t.Fatalf("child: %v", err)
			}
			if parent.String() != st.parent || want.String() != st.child {
				t.Fatalf("a parsed key does not serialize back to its text")
			}
			if want.Depth() != parent.Depth()+1 || want.ChildNumber() != st.index || want.ParentFingerprint() != parent.Fingerprint() {
				t.Fatalf("published child: depth %d, child number %d, parent fingerprint %08x; parent: depth %d, fingerprint %08x",
					want.Depth(), want.ChildNumber(), want.ParentFingerprint(), parent.Depth(), parent.Fingerprint())
			}
			got, err := parent.Child(st.index)
			if st.index >= HardenedIndex {
				if err == nil || !strings.Contains(err.Error(), "hardened") {
					t.Fatalf("hardened Child(%d) = %v, %v; want a refusal saying it is hardened", st.index, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Child(%d): %v", st.index, err)
			}
			if got.String() != st.child {
				t.Errorf("Child(%d) = %s; want %s", st.index, got, st.child)
			}
			if got.Depth() != want.Depth() || got.ChildNumber() != st.index || got.ParentFingerprint() != want.ParentFingerprint() || got.Fingerprint() != want.Fingerprint() {
				t.Errorf("Child(%d): depth %d, child number %d, parent fingerprint %08x", st.index, got.Depth(), got.ChildNumber(), got.ParentFingerprint())
			}
			if got.Address() != want.Address() || got.ID() != want.ID() {
				t.Errorf("Child(%d): address %s, id %s; the published key's: %s, %s", st.index, got.Address(), got.ID(), want.Address(), want.ID())
			}
			if a, err := DeriveAddress(parent, st.index); err != nil || a != want.Address() {
				t.Errorf("DeriveAddress(%d) = %s, %v; want %s", st.index, a, err, want.Address())
			}
		})
	}
}

// TestParseExtendedKeyRefusals: private keys in every form, a mnemonic,
// and broken keys (BIP32's test vector 5 among them) are refused, each
// with an error saying why.
func TestParseExtendedKeyRefusals(t *testing.T) {
	const xpubM = "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8"
	for _, tc := range []struct {
		name, in string
		private  bool   // must wrap ErrPrivateKey
		says     string // a phrase the message must hold
	}{
		{"ErrXprv", "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi", true, "extended private key (xprv)"},
		{"ErrTprv", "tprv8ZgxMBicQKsPeDgjzdC36fs6bMjGApWDNLR9erAXMs5skhMv36j9MV5ecvfavji5khqjWaWSFhN3YcCUUdiKH6isR4Pwy3U5y5egddBr16m", true, "extended private key (tprv)"},
		{"ErrHexPrivateKey", "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80", true, "bare private key"},
		{"ErrHexPrivateKeyNoPrefix", "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80", true, "bare private key"},
		{"ErrWIF", "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ", true, "wallet import format"},
		{"ErrMnemonic", "test test test test test test test test test test test junk", true, "mnemonic"},
		{"ErrMnemonicNewlines", "abandon abandon abandon\nabandon abandon about\n", true, "mnemonic"},
		{"ErrEmpty", "  ", false, "empty"},
		{"ErrSpaces", "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8N qtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8", false, "spaces"},
		{"ErrPlainPublicKey", "0x0339a36013301597daef41fbe593a02cc513d0b55527ec2df1050e2e8ff49c85c2", false, "chain code"},
		{"ErrChecksum", xpubM[:len(xpubM)-1] + "9", false, "checksum"},
		{"ErrChecksumVector5", "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHL", false, "checksum"},
		{"ErrTruncated", xpubM[:100], false, "checksum"},
		{"ErrNotBase58", "xpub0" + xpubM[5:], false, "base58"},
		{"ErrTooLong", strings.Repeat(xpubM, 2), false, "111"},
		// A valid base58check string of the wrong length: a Bitcoin address
		// (a version byte and 20 bytes of hash).
		{"ErrWrongLength", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", false, "decodes to 21 bytes"},
		// BIP32 test vector 5.
		{"ErrVector5PrivateUnderXpub", "xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6LBpB85b3D2yc8sfvZU521AAwdZafEz7mnzBBsz4wKY5fTtTQBm", true, "private key under a public key's version"},
		{"ErrVector5Prefix04", "xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6Txnt3siSujt9RCVYsx4qHZGc62TG4McvMGcAUjeuwZdduYEvFn", false, "starts with 04"},
		{"ErrVector5Prefix01", "xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6N8ZMMXctdiCjxTNq964yKkwrkBJJwpzZS4HS2fxvyYUA4q2Xe4", false, "starts with 01"},
		{"ErrVector5DepthZeroFingerprint", "xpub661no6RGEX3uJkY4bNnPcw4URcQTrSibUZ4NqJEw5eBkv7ovTwgiT91XX27VbEXGENhYRCf7hyEbWrR3FewATdCEebj6znwMfQkhRYHRLpJ", false, "master key (depth 0)"},
		{"ErrVector5DepthZeroIndex", "xpub661MyMwAuDcm6CRQ5N4qiHKrJ39Xe1R1NyfouMKTTWcguwVcfrZJaNvhpebzGerh7gucBvzEQWRugZDuDXjNDRmXzSZe4c7mnTK97pTvGS8", false, "master key (depth 0)"},
		{"ErrVector5UnknownVersion", "DMwo58pR1QLEFihHiXPVykYB6fJmsTeHvyTp7hRThAtCX8CvYzgPcn8XnmdfHGMQzT7ayAmfo4z3gY5KfbrZWZ6St24UVf2Qgo6oujFktLHdHY4", false, "xpub or tpub"},
		{"ErrVector5NotOnCurve", "xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6Q5JXayek4PRsn35jii4veMimro1xefsM58PgBMrvdYre8QyULY", false, "not a point on the secp256k1 curve"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParseExtendedKey(tc.in)
			if err == nil {
				t.Fatalf("taken as %s", k)
			}
			if errors.Is(err, ErrPrivateKey) != tc.private {
				t.Errorf("errors.Is(err, ErrPrivateKey) = %v; want %v (%v)", !tc.private, tc.private, err)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error %q does not say %q", err, tc.says)
			}
			if tc.private && !strings.Contains(err.Error(), "must never hold a key that can spend") {
				t.Errorf("error %q does not say why a private key is refused", err)
			}
		})
	}
}

// TestParseExtendedKeyTrims: a pasted key's surrounding white space is
// not part of it.
func TestParseExtendedKeyTrims(t *testing.T) {
	const xpub = "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8"
	k, err := ParseExtendedKey("  " + xpub + "\n")
	if err != nil || k.String() != xpub {
		t.Fatalf("ParseExtendedKey = %v, %v", k, err)
	}
}

// TestID: a key's ID is stable, differs between keys, and is the same for
// the same key under a testnet version, which derives the same addresses
// and so must share their count of indexes.
func TestID(t *testing.T) {
	a, _ := ParseExtendedKey(bip32Steps[0].parent)
	b, _ := ParseExtendedKey(bip32Steps[1].parent)
	if len(a.ID()) < 16 || a.ID() == b.ID() {
		t.Fatalf("IDs %q and %q", a.ID(), b.ID())
	}
	again, _ := ParseExtendedKey(a.String())
	if again.ID() != a.ID() {
		t.Fatalf("ID not stable: %s, %s", a.ID(), again.ID())
	}
	tpub := *a
	tpub.version = versionTpub
	parsed, err := ParseExtendedKey(tpub.String())
	if err != nil || !strings.HasPrefix(parsed.String(), "tpub") {
		t.Fatalf("the tpub form %s: %v", parsed, err)
	}
	if parsed.ID() != a.ID() {
		t.Errorf("the same key as a tpub has ID %s; as an xpub %s", parsed.ID(), a.ID())
	}
	ca, _ := DeriveAddress(a, 7)
	cb, _ := DeriveAddress(parsed, 7)
	if ca != cb {
		t.Errorf("xpub and tpub of one key derive %s and %s", ca, cb)
	}
	child, _ := parsed.Child(7)
	if !strings.HasPrefix(child.String(), "tpub") {
		t.Errorf("a tpub's child serializes as %s", child)
	}
}

// TestIDPinned: a key's ID names its stored count of used indexes, so a
// change to how ID is computed would restart every count at 0 and hand
// out addresses already used. This pins the ID of evmtest.AnvilXpub.
func TestIDPinned(t *testing.T) {
	k, err := ParseExtendedKey(evmtest.AnvilXpub)
	if err != nil {
		t.Fatal(err)
	}
	if got := k.ID(); got != "9300fb71cac8d5efdab5e2ca0ca65e4d" {
		t.Fatalf("the ID of %s is %s: IDs name stored index counts and must not change", evmtest.AnvilXpub, got)
	}
}

// TestHardenedIndexRefused: deriving at 2^31 or above is refused with a
// reason, by Child and DeriveAddress alike, while 2^31-1 derives.
func TestHardenedIndexRefused(t *testing.T) {
	k, err := ParseExtendedKey(evmtest.AnvilXpub)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []uint32{HardenedIndex, HardenedIndex + 1, 1<<32 - 1} {
		if _, err := k.Child(i); err == nil || !strings.Contains(err.Error(), "needs the private key") {
			t.Errorf("Child(%d): %v", i, err)
		}
		if a, err := DeriveAddress(k, i); err == nil || a != (Address{}) {
			t.Errorf("DeriveAddress(%d) = %s, %v", i, a, err)
		}
	}
	if _, err := DeriveAddress(k, HardenedIndex-1); err != nil {
		t.Errorf("DeriveAddress(2^31-1): %v", err)
	}
}
