package evm

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"golang.org/x/crypto/ripemd160" //nolint:staticcheck // BIP32 fingerprints are defined as RIPEMD-160(SHA-256(key)); no other hash gives the published ones
)

// The four version bytes a serialized BIP32 key starts with, which make
// its base58 form begin with xpub, tpub, xprv or tprv.
const (
	versionXpub = 0x0488B21E
	versionTpub = 0x043587CF
	versionXprv = 0x0488ADE4
	versionTprv = 0x04358394
)

// privateVersions are the versions of extended private keys a wallet may
// export, with the prefix a person sees: BIP32's xprv and tprv, and
// SLIP-132's yprv, zprv, uprv and vprv, which some wallets show instead.
var privateVersions = map[uint32]string{
	versionXprv: "xprv",
	versionTprv: "tprv",
	0x049D7878:  "yprv",
	0x04B2430C:  "zprv",
	0x044A4E28:  "uprv",
	0x045F18BC:  "vprv",
}

// serializedLen is a BIP32 key's serialized length before its checksum:
// version 4, depth 1, parent fingerprint 4, child number 4, chain code
// 32, key 33.
const serializedLen = 78

// HardenedIndex is the first hardened child index. Only the private key
// derives hardened children, so checkoutd uses indexes below it.
const HardenedIndex uint32 = 1 << 31

// ErrPrivateKey is wrapped by every refusal of private key material. The
// words are for the operator pasting a key: the fix is to export the
// public one.
var ErrPrivateKey = errors.New("checkoutd only needs the account's extended public key (xpub or tpub), " +
	"and a server must never hold a key that can spend the funds: export the xpub from the wallet and give that instead")

// ErrInvalidChild is BIP32's rare index that yields no key (a chance below
// 1 in 2^127): the caller skips to the next index, as BIP32 says.
var ErrInvalidChild = errors.New("BIP32 gives no key at this index: use the next index")

// ExtendedKey is a BIP32 extended public key: a public key and the chain
// code that derives its non-hardened children. It holds nothing that can
// sign, but it is not for display: it reveals every address of the
// merchant's account, and with any one child's private key it yields all
// of them (BIP32's own warning), so store it as sensitive and keep it out
// of logs. It is immutable, safe to share between goroutines.
type ExtendedKey struct {
	version   uint32
	depth     uint8
	parentFP  uint32
	childNum  uint32
	chainCode [32]byte
	key       [33]byte // compressed public key
	pub       *secp256k1.PublicKey
}

// ParseExtendedKey reads a BIP32 extended public key (xpub or tpub) in its
// base58check form; surrounding white space, as a paste leaves, is
// ignored. Private keys of every usual form are refused, wrapping
// ErrPrivateKey, and so is a mnemonic. The errors name what is wrong but
// not the field, which the caller names.
func ParseExtendedKey(s string) (*ExtendedKey, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("it is empty: give the account's extended public key (xpub…)")
	}
	if words := strings.Fields(s); len(words) > 1 {
		if allLetters(words) {
			return nil, fmt.Errorf("that looks like a mnemonic (a seed phrase), which can spend the funds, refused: %w", ErrPrivateKey)
		}
		return nil, errors.New("it has spaces inside: an extended public key is one word of 111 characters starting with xpub or tpub")
	}
	if h := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"); isHex(h) {
		switch len(h) {
		case 64:
			return nil, fmt.Errorf("that is a bare private key (64 hex digits), refused: %w", ErrPrivateKey)
		case 66, 130:
			return nil, errors.New("that is a plain public key: deriving addresses needs the chain code too, so give the extended public key (xpub…)")
		}
	}
	if len(s) > 200 {
		return nil, fmt.Errorf("it is %d characters long: an extended public key has 111", len(s))
	}
	b, err := base58CheckDecode(s)
	if err != nil {
		return nil, err
	}
	// A WIF private key: 0x80 (mainnet) or 0xef (testnet), the 32-byte key
	// and, for a compressed key, 0x01.
	if (len(b) == 33 || len(b) == 34) && (b[0] == 0x80 || b[0] == 0xef) {
		return nil, fmt.Errorf("that is a private key in wallet import format (WIF), refused: %w", ErrPrivateKey)
	}
	if len(b) != serializedLen {
		return nil, fmt.Errorf("it decodes to %d bytes: an extended key is %d", len(b), serializedLen)
	}
	k := &ExtendedKey{
		version:  binary.BigEndian.Uint32(b[0:4]),
		depth:    b[4],
		parentFP: binary.BigEndian.Uint32(b[5:9]),
		childNum: binary.BigEndian.Uint32(b[9:13]),
	}
	copy(k.chainCode[:], b[13:45])
	copy(k.key[:], b[45:78])
	if name, ok := privateVersions[k.version]; ok {
		return nil, fmt.Errorf("that is an extended private key (%s), refused: %w", name, ErrPrivateKey)
	}
	if k.version != versionXpub && k.version != versionTpub {
		return nil, fmt.Errorf("its version %08x is not an extended public key's: it must start with xpub or tpub", k.version)
	}
	// BIP32 serializes a private key as 0x00 and its 32 bytes: under a
	// public version it is still a private key.
	if k.key[0] == 0x00 {
		return nil, fmt.Errorf("it holds a private key under a public key's version, refused: %w", ErrPrivateKey)
	}
	if k.key[0] != 0x02 && k.key[0] != 0x03 {
		return nil, fmt.Errorf("its public key starts with %02x: BIP32 keys are compressed, starting with 02 or 03", k.key[0])
	}
	if k.pub, err = secp256k1.ParsePubKey(k.key[:]); err != nil {
		return nil, errors.New("its public key is not a point on the secp256k1 curve: the key is corrupt")
	}
	if k.depth == 0 && (k.parentFP != 0 || k.childNum != 0) {
		return nil, errors.New("it is a master key (depth 0) with a parent fingerprint or child number: the key is corrupt")
	}
	return k, nil
}

func allLetters(words []string) bool {
	for _, w := range words {
		for _, r := range w {
			if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
				return false
			}
		}
	}
	return true
}

func isHex(s string) bool {
	return s != "" && strings.Trim(s, "0123456789abcdefABCDEF") == ""
}

// Child is BIP32's CKDpub: the public child at index i, which must be
// below HardenedIndex. The child keeps the parent's version, so a tpub's
// children serialize as tpubs. ErrInvalidChild is returned for BIP32's
// rare index with no key.
func (k *ExtendedKey) Child(i uint32) (*ExtendedKey, error) {
	if i >= HardenedIndex {
		return nil, fmt.Errorf("index %d is hardened (2^31 or above): a hardened child needs the private key, which checkoutd never holds", i)
	}
	if k.depth == 255 {
		return nil, errors.New("the key is at depth 255, the deepest BIP32 serializes: it has no children")
	}
	mac := hmac.New(sha512.New, k.chainCode[:])
	mac.Write(k.key[:])
	var ib [4]byte
	binary.BigEndian.PutUint32(ib[:], i)
	mac.Write(ib[:])
	sum := mac.Sum(nil)

	var il secp256k1.ModNScalar
	if overflow := il.SetByteSlice(sum[:32]); overflow {
		return nil, ErrInvalidChild
	}
	// The child's point is IL·G + K.
	var ilG, parent, point secp256k1.JacobianPoint
	secp256k1.ScalarBaseMultNonConst(&il, &ilG)
	k.pub.AsJacobian(&parent)
	secp256k1.AddNonConst(&ilG, &parent, &point)
	if (point.X.IsZero() && point.Y.IsZero()) || point.Z.IsZero() {
		return nil, ErrInvalidChild
	}
	point.ToAffine()
	child := &ExtendedKey{
		version:  k.version,
		depth:    k.depth + 1,
		parentFP: k.Fingerprint(),
		childNum: i,
		pub:      secp256k1.NewPublicKey(&point.X, &point.Y),
	}
	copy(child.chainCode[:], sum[32:])
	copy(child.key[:], child.pub.SerializeCompressed())
	return child, nil
}

// Address is the Ethereum address of the key: the last 20 bytes of the
// Keccak-256 of the uncompressed point's X and Y.
func (k *ExtendedKey) Address() Address {
	var a Address
	copy(a[:], Keccak256(k.pub.SerializeUncompressed()[1:])[12:])
	return a
}

// String is the key serialized as BIP32 does, in base58check: a parsed
// key gives back the text it was parsed from.
func (k *ExtendedKey) String() string {
	b := make([]byte, 0, serializedLen)
	b = binary.BigEndian.AppendUint32(b, k.version)
	b = append(b, k.depth)
	b = binary.BigEndian.AppendUint32(b, k.parentFP)
	b = binary.BigEndian.AppendUint32(b, k.childNum)
	b = append(b, k.chainCode[:]...)
	b = append(b, k.key[:]...)
	return base58CheckEncode(b)
}

// ID names the key's sequence of derivation indexes: 32 hex digits of
// the Keccak-256 of its chain code and public key. Those two alone fix
// every child address, so the version, depth and parent are left out:
// the same key pasted again as a tpub, or exported with another path,
// derives the same addresses and must continue the same count, never
// reuse an index. A different key starts its own.
func (k *ExtendedKey) ID() string {
	return hex.EncodeToString(Keccak256(k.chainCode[:], k.key[:]))[:32]
}

// Depth is how many derivations separate the key from its master key.
func (k *ExtendedKey) Depth() uint8 { return k.depth }

// ChildNumber is the index the key was derived at from its parent (with
// the hardened bit for a hardened one); 0 for a master key.
func (k *ExtendedKey) ChildNumber() uint32 { return k.childNum }

// ParentFingerprint is the parent's Fingerprint as the key records it; 0
// for a master key.
func (k *ExtendedKey) ParentFingerprint() uint32 { return k.parentFP }

// Fingerprint is BIP32's short key identifier: the first four bytes of
// RIPEMD-160(SHA-256(compressed public key)), which children record as
// their parent's.
func (k *ExtendedKey) Fingerprint() uint32 {
	s := sha256.Sum256(k.key[:])
	r := ripemd160.New()
	r.Write(s[:])
	return binary.BigEndian.Uint32(r.Sum(nil)[:4])
}

// DeriveAddress is the address of the key's child at index: a deposit
// address the merchant's wallet, which holds the private key, can spend
// from. ErrInvalidChild means: use the next index.
func DeriveAddress(k *ExtendedKey, index uint32) (Address, error) {
	c, err := k.Child(index)
	if err != nil {
		return Address{}, err
	}
	return c.Address(), nil
}
