package evm

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"math/big"
)

// base58Alphabet is Bitcoin's: no 0, O, I or l, which a person copying a
// key by eye would confuse.
const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

var base58Index = func() (idx [256]int8) {
	for i := range idx {
		idx[i] = -1
	}
	for i := 0; i < len(base58Alphabet); i++ {
		idx[base58Alphabet[i]] = int8(i)
	}
	return idx
}()

var bigRadix = big.NewInt(58)

// base58Encode writes b as a base-58 number; each leading zero byte
// becomes a leading '1', so the encoding is one-to-one.
func base58Encode(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	n := new(big.Int).SetBytes(b)
	var mod big.Int
	var out []byte
	for n.Sign() > 0 {
		n.DivMod(n, bigRadix, &mod)
		out = append(out, base58Alphabet[mod.Int64()])
	}
	for range zeros {
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

var errBase58 = errors.New("it is not base58: it has a character outside Bitcoin's base58 alphabet")

// base58Decode reverses base58Encode.
func base58Decode(s string) ([]byte, error) {
	n := new(big.Int)
	var digit big.Int
	zeros := 0
	for i := 0; i < len(s); i++ {
		d := base58Index[s[i]]
		if d < 0 {
			return nil, errBase58
		}
		if d == 0 && n.Sign() == 0 {
			zeros++
			continue
		}
		n.Mul(n, bigRadix)
		n.Add(n, digit.SetInt64(int64(d)))
	}
	return append(make([]byte, zeros), n.Bytes()...), nil
}

// checksum4 is base58check's checksum: the first four bytes of a double
// SHA-256.
func checksum4(b []byte) []byte {
	first := sha256.Sum256(b)
	second := sha256.Sum256(first[:])
	return second[:4]
}

func base58CheckEncode(payload []byte) string {
	return base58Encode(append(bytes.Clone(payload), checksum4(payload)...))
}

var errChecksum58 = errors.New("its base58check checksum does not match: it was mistyped or cut short")

// base58CheckDecode returns the payload of a base58check string.
func base58CheckDecode(s string) ([]byte, error) {
	raw, err := base58Decode(s)
	if err != nil {
		return nil, err
	}
	if len(raw) < 4 {
		return nil, errChecksum58
	}
	payload, sum := raw[:len(raw)-4], raw[len(raw)-4:]
	if !bytes.Equal(checksum4(payload), sum) {
		return nil, errChecksum58
	}
	return payload, nil
}
