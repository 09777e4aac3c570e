// Package evm is what checkoutd needs of Ethereum-compatible chains and
// nothing more, in pure Go:
//
//   - addresses with their EIP-55 checksum, and Keccak-256 (address.go);
//   - deposit addresses derived from a merchant's BIP32 extended public key
//     (xpub.go): one per payment, at an index the caller counts under the
//     key's ID;
//   - a price in a currency's minor units turned into a token's smallest
//     units at a locked rate, exactly and rounded up, and shown back in
//     tokens (units.go);
//   - the EIP-681 URI a wallet opens to pay (paymenturi.go), and the ERC-20
//     Transfer log a watcher reads back from the chain (transfer.go).
//
// It holds no private key and signs nothing: ParseExtendedKey refuses
// private keys and mnemonics, because checkoutd only watches the chain for
// transfers to addresses the merchant's own wallet can spend from.
// Package evmtest has the extended public key of anvil's default accounts
// for tests that run a local chain.
package evm

import (
	"encoding/hex"
	"errors"
	"strings"

	"golang.org/x/crypto/sha3"
)

// Keccak256 is Ethereum's hash: Keccak-256 with its original padding,
// which is not FIPS 202's SHA3-256.
func Keccak256(data ...[]byte) []byte {
	h := sha3.NewLegacyKeccak256()
	for _, d := range data {
		h.Write(d)
	}
	return h.Sum(nil)
}

// Address is a 20-byte account or contract address.
type Address [20]byte

// String is the address in EIP-55's mixed-case checksum form.
func (a Address) String() string {
	lower := hex.EncodeToString(a[:])
	sum := Keccak256([]byte(lower))
	out := []byte("0x" + lower)
	for i := range lower {
		c := lower[i]
		// A letter is upper case when the matching nibble of the hash of
		// the lower-case hex is 8 or more.
		nibble := sum[i/2] >> 4
		if i%2 == 1 {
			nibble = sum[i/2] & 0xf
		}
		if c >= 'a' && nibble >= 8 {
			out[2+i] = c - 'a' + 'A'
		}
	}
	return string(out)
}

// Lower is the address in lower-case hex with 0x, the form JSON-RPC
// answers in and the key checkoutd matches transfers by.
func (a Address) Lower() string { return "0x" + hex.EncodeToString(a[:]) }

// ErrChecksum is returned for a mixed-case address whose case is not its
// EIP-55 checksum: a mistyped address, which must never receive funds.
var ErrChecksum = errors.New("the address's mixed case is not its EIP-55 checksum: it was mistyped")

// ParseAddress reads 0x and 40 hex digits. All lower or all upper case is
// taken as it is; mixed case must be the EIP-55 checksum.
func ParseAddress(s string) (Address, error) {
	var a Address
	hexpart, ok := strings.CutPrefix(s, "0x")
	if !ok {
		hexpart, ok = strings.CutPrefix(s, "0X")
	}
	if !ok || len(hexpart) != 40 {
		return a, errors.New("an address is 0x followed by 40 hex digits")
	}
	if _, err := hex.Decode(a[:], []byte(hexpart)); err != nil {
		return a, errors.New("an address is 0x followed by 40 hex digits")
	}
	if hexpart != strings.ToLower(hexpart) && hexpart != strings.ToUpper(hexpart) && a.String()[2:] != hexpart {
		return a, ErrChecksum
	}
	return a, nil
}
