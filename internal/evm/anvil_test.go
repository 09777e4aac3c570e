package evm

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha512"
	"encoding/binary"
	"testing"

	"github.com/checkoutd/checkoutd/internal/evm/evmtest"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// anvilMnemonic is the published mnemonic anvil (and Hardhat) derive
// their default accounts from; known to everyone, it must never hold
// real funds, and stays in test code.
const anvilMnemonic = "test test test test test test test test test test test junk"

// privNode is a BIP32 extended private key, for this test only: checkoutd
// itself never holds one.
type privNode struct {
	key       secp256k1.ModNScalar
	chainCode []byte
	depth     uint8
	parentFP  uint32
	childNum  uint32
}

func (n privNode) public() []byte {
	return secp256k1.NewPrivateKey(&n.key).PubKey().SerializeCompressed()
}

// masterFromSeed is BIP32's master key generation.
func masterFromSeed(t *testing.T, seed []byte) privNode {
	mac := hmac.New(sha512.New, []byte("Bitcoin seed"))
	mac.Write(seed)
	sum := mac.Sum(nil)
	var n privNode
	if n.key.SetByteSlice(sum[:32]) || n.key.IsZero() {
		t.Fatal("the seed gives an invalid master key")
	}
	n.chainCode = sum[32:]
	return n
}

// ckdPriv is BIP32's CKDpriv, hardened or not.
func ckdPriv(t *testing.T, n privNode, i uint32) privNode {
	mac := hmac.New(sha512.New, n.chainCode)
	if i >= HardenedIndex {
		k := n.key.Bytes()
		mac.Write(append([]byte{0}, k[:]...))
	} else {
		mac.Write(n.public())
	}
	mac.Write(binary.BigEndian.AppendUint32(nil, i))
	sum := mac.Sum(nil)
	var il secp256k1.ModNScalar
	if il.SetByteSlice(sum[:32]) {
		t.Fatalf("index %d is invalid", i)
	}
	parent := ExtendedKey{}
	copy(parent.key[:], n.public())
	child := privNode{chainCode: sum[32:], depth: n.depth + 1, parentFP: parent.Fingerprint(), childNum: i}
	child.key.Add2(&il, &n.key)
	if child.key.IsZero() {
		t.Fatalf("index %d is invalid", i)
	}
	return child
}

// xpub serializes the node's public half, byte by byte as BIP32 lays it
// out, independently of ExtendedKey.String.
func (n privNode) xpub() string {
	b := binary.BigEndian.AppendUint32(nil, versionXpub)
	b = append(b, n.depth)
	b = binary.BigEndian.AppendUint32(b, n.parentFP)
	b = binary.BigEndian.AppendUint32(b, n.childNum)
	b = append(b, n.chainCode...)
	b = append(b, n.public()...)
	return base58CheckEncode(b)
}

// TestAnvilMnemonic: the xpub of m/44'/60'/0'/0 under anvil's well-known
// mnemonic, derived privately here, read by ParseExtendedKey and derived
// publicly at 0, 1 and 2, gives anvil's first three accounts; and it is
// evmtest.AnvilXpub, which other packages' tests use against anvil.
func TestAnvilMnemonic(t *testing.T) {
	seed, err := pbkdf2.Key(sha512.New, anvilMnemonic, []byte("mnemonic"), 2048, 64)
	if err != nil {
		t.Fatal(err)
	}
	n := masterFromSeed(t, seed)
	for _, i := range []uint32{HardenedIndex + 44, HardenedIndex + 60, HardenedIndex + 0, 0} {
		n = ckdPriv(t, n, i)
	}
	xpub := n.xpub()
	if xpub != evmtest.AnvilXpub {
		t.Errorf("the xpub of m/44'/60'/0'/0 is %s; evmtest.AnvilXpub is %s", xpub, evmtest.AnvilXpub)
	}
	k, err := ParseExtendedKey(xpub)
	if err != nil {
		t.Fatalf("ParseExtendedKey(%s): %v", xpub, err)
	}
	if k.String() != xpub {
		t.Errorf("%s serializes back as %s", xpub, k)
	}
	for i, want := range evmtest.AnvilAddresses {
		got, err := DeriveAddress(k, uint32(i))
		if err != nil {
			t.Fatalf("DeriveAddress(%s, %d): %v", xpub, i, err)
		}
		if got.String() != want {
			t.Errorf("DeriveAddress(%s, %d) = %s; want anvil's account %s", xpub, i, got, want)
		}
		// The private path agrees: the same child's public key.
		if pub := ckdPriv(t, n, uint32(i)).public(); string(pub) != string(mustChild(t, k, uint32(i)).key[:]) {
			t.Errorf("index %d: private and public derivation disagree", i)
		}
	}
}

func mustChild(t *testing.T, k *ExtendedKey, i uint32) *ExtendedKey {
	t.Helper()
	c, err := k.Child(i)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
