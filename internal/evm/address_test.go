package evm

import (
	"encoding/hex"
	"errors"
	"testing"
)

// TestEIP55: the checksummed addresses of EIP-55's own examples come out
// as the EIP prints them, read back from any case, and a changed case is
// refused.
func TestEIP55(t *testing.T) {
	for _, want := range []string{
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
		"0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
		"0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
	} {
		a, err := ParseAddress(want)
		if err != nil {
			t.Fatalf("%s: %v", want, err)
		}
		if a.String() != want {
			t.Errorf("String() = %s; want %s", a, want)
		}
		for _, other := range []string{a.Lower(), "0x" + upper(want[2:])} {
			if b, err := ParseAddress(other); err != nil || b != a {
				t.Errorf("%s read as %s, %v", other, b, err)
			}
		}
		bad := []byte(want)
		for i := 2; i < len(bad); i++ {
			if c := bad[i]; c >= 'a' && c <= 'f' {
				bad[i] = c - 'a' + 'A'
				break
			}
		}
		if _, err := ParseAddress(string(bad)); !errors.Is(err, ErrChecksum) {
			t.Errorf("%s with one letter's case changed: %v; want ErrChecksum", bad, err)
		}
	}
	for _, s := range []string{"", "0x", "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", "0xZaAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"} {
		if _, err := ParseAddress(s); err == nil {
			t.Errorf("%q was taken", s)
		}
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// TestKeccak256: the empty input's hash and the ERC-20 Transfer event's
// topic, as every Ethereum tool prints them.
func TestKeccak256(t *testing.T) {
	for in, want := range map[string]string{
		"":                                  "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
		"Transfer(address,address,uint256)": "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
	} {
		if got := hex.EncodeToString(Keccak256([]byte(in))); got != want {
			t.Errorf("Keccak256(%q) = %s; want %s", in, got, want)
		}
	}
}
