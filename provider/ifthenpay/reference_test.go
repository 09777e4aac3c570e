package ifthenpay

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"
)

// TestReferenceVectors: the published vectors (REFERENCE.md).
func TestReferenceVectors(t *testing.T) {
	for _, v := range []struct {
		entity, sub string
		order       int
		cents       int64
		want        string
	}{
		{"12345", "123", 1, 2000, "123000125"},
		{"99999", "999", 123, 12300, "999012373"},
		{"99999", "999", 123, 32100, "999012337"},
		{"99999", "999", 1, 1500, "999000139"},
	} {
		t.Run(v.want, func(t *testing.T) {
			if got := Reference(v.entity, v.sub, v.order, v.cents); got != v.want {
				t.Errorf("Reference(%s, %s, %d, %d) = %s, want %s", v.entity, v.sub, v.order, v.cents, got, v.want)
			}
		})
	}
}

// TestReferenceProperties: over random inputs, a reference is 9 digits,
// starts with the sub-entity and the order id's last digits, and its check
// digits are what the formula gives, computed here with big integers (a
// second, independent way); only the last digits of the order id count.
func TestReferenceProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		entity := fmt.Sprintf("%05d", r.IntN(100000))
		subLen := 1 + r.IntN(3)
		sub := fmt.Sprintf("%0*d", subLen, r.IntN([]int{10, 100, 1000}[subLen-1]))
		m := orderModulo(sub)
		order := r.IntN(m * 3)
		cents := r.Int64N(100_000_000)
		ref := Reference(entity, sub, order, cents)
		if len(ref) != 9 || !allDigits(ref) {
			t.Fatalf("Reference(%s, %s, %d, %d) = %q: not 9 digits", entity, sub, order, cents, ref)
		}
		idp := fmt.Sprintf("%0*d", 7-len(sub), order%m)
		if ref[:7] != sub+idp {
			t.Fatalf("Reference(%s, %s, %d, %d) = %s: does not start with %s%s", entity, sub, order, cents, ref, sub, idp)
		}
		s, _ := new(big.Int).SetString(entity+sub+idp+fmt.Sprintf("%08d", cents), 10)
		s.Mul(s, big.NewInt(100)).Mod(s, big.NewInt(97))
		if want := fmt.Sprintf("%02d", 98-s.Int64()); ref[7:] != want {
			t.Fatalf("Reference(%s, %s, %d, %d) = %s: check digits %s, want %s", entity, sub, order, cents, ref, ref[7:], want)
		}
		if again := Reference(entity, sub, order%m, cents); again != ref {
			t.Fatalf("order %d and %d (same last digits) give %s and %s", order, order%m, ref, again)
		}
	}
}

func TestParseCents(t *testing.T) {
	for in, want := range map[string]int64{"0.01": 1, "15": 1500, "15.5": 1550, "1234.56": 123456, "99999.99": 9999999} {
		if got, ok := parseCents(in); !ok || got != want {
			t.Errorf("parseCents(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", ".5", "1.", "1.234", "1,50", "-1", "1e3", " 1", "1.5 ", "0x10", "١"} {
		if got, ok := parseCents(in); ok {
			t.Errorf("parseCents(%q) = %d, accepted", in, got)
		}
	}
	if got := euros(123456); got != "1234.56" {
		t.Errorf("euros(123456) = %s", got)
	}
	if got := euros(5); got != "0.05" {
		t.Errorf("euros(5) = %s", got)
	}
}
