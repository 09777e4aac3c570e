// Package contrast computes WCAG 2 contrast ratios of sRGB colours written
// as "#rrggbb", and picks the text colour to put on a background: what the
// hosted page needs to show an account's brand colours legibly.
package contrast

import (
	"math"
	"strconv"
	"strings"
)

// Text colours the page may put on a brand colour: white, or a near-black
// that is softer than pure black. Because the dark one is not pure black,
// a thin band of mid-luminance colours (relative luminance about 0.183 to
// 0.200, such as #7a7a7a) reaches 4.5:1 with neither; such a brand colour
// is refused (see service).
const (
	White     = "#ffffff"
	NearBlack = "#111111"
)

// AA is the WCAG 2 AA minimum contrast for normal text.
const AA = 4.5

// Valid reports whether s is "#rrggbb" (hex digits of either case).
func Valid(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	_, err := strconv.ParseUint(s[1:], 16, 32)
	return err == nil && !strings.ContainsAny(s[1:], "+-")
}

// Luminance is the WCAG relative luminance of a valid "#rrggbb" (0 for
// anything else).
func Luminance(s string) float64 {
	if !Valid(s) {
		return 0
	}
	v, _ := strconv.ParseUint(s[1:], 16, 32)
	ch := func(shift uint) float64 {
		c := float64((v>>shift)&0xff) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(16) + 0.7152*ch(8) + 0.0722*ch(0)
}

// Ratio is the contrast ratio of a and b, from 1 to 21.
func Ratio(a, b string) float64 {
	la, lb := Luminance(a), Luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// OnColor is the text colour, White or NearBlack, that contrasts more with
// background bg.
func OnColor(bg string) string {
	if Ratio(bg, White) >= Ratio(bg, NearBlack) {
		return White
	}
	return NearBlack
}

// Format writes a ratio as people quote it, "3.14:1", rounded down so that
// a colour just short of 4.5:1 never reads as meeting it.
func Format(r float64) string {
	return strconv.FormatFloat(math.Floor(r*100)/100, 'f', 2, 64) + ":1"
}
