package contrast_test

import (
	"math"
	"testing"

	"github.com/checkoutd/checkoutd/internal/contrast"
)

func TestRatio(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want float64
	}{
		{"#000000", "#ffffff", 21},
		{"#ffffff", "#ffffff", 1},
		{"#767676", "#FFFFFF", 4.54}, // the classic lightest AA grey on white
		{"#777777", "#ffffff", 4.48},
	} {
		if got := contrast.Ratio(c.a, c.b); math.Abs(got-c.want) > 0.01 {
			t.Errorf("Ratio(%s, %s) = %.3f, want %.2f", c.a, c.b, got, c.want)
		}
	}
}

func TestOnColor(t *testing.T) {
	for bg, want := range map[string]string{
		"#0a2540": contrast.White, "#635bff": contrast.White, "#000000": contrast.White,
		"#ffd600": contrast.NearBlack, "#ffffff": contrast.NearBlack, "#7fdbff": contrast.NearBlack,
	} {
		if got := contrast.OnColor(bg); got != want {
			t.Errorf("OnColor(%s) = %s, want %s", bg, got, want)
		}
	}
	// The band where neither text colour reaches AA exists, and is thin.
	if bg := "#7a7a7a"; contrast.Ratio(bg, contrast.OnColor(bg)) >= contrast.AA {
		t.Errorf("%s: best text reaches %.2f; the refused band moved", bg, contrast.Ratio(bg, contrast.OnColor(bg)))
	}
}

func TestValidAndFormat(t *testing.T) {
	for s, want := range map[string]bool{"#0a2540": true, "#0A2540": true, "0a2540": false, "#0a254": false,
		"#0a25400": false, "#gggggg": false, "#+12345": false, "#-12345": false, "": false} {
		if got := contrast.Valid(s); got != want {
			t.Errorf("Valid(%q) = %v", s, got)
		}
	}
	if got := contrast.Format(4.4999); got != "4.49:1" {
		t.Errorf("Format(4.4999) = %s, want 4.49:1 (rounded down)", got)
	}
}
