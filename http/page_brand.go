package http

import (
	"html/template"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/checkoutd/checkoutd/checkout"
)

// The page's look follows the account's branding (checkout.Branding): its
// colours, button shape and font go into the page's own <style> as CSS
// custom properties, so the stylesheet stays one fixed text.

// DefaultPoweredBy is the footer text of every page unless the operator
// changes it (SetPoweredBy).
const DefaultPoweredBy = "Powered by checkoutd"

// SetPoweredBy sets the footer text of every page; "" removes it.
func (s *Server) SetPoweredBy(text string) { s.poweredBy = text }

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// fontStacks are the font families an account may choose: system stacks
// only, so the page loads no font.
var fontStacks = map[string]string{
	"system":    `system-ui,-apple-system,"Segoe UI",Roboto,sans-serif`,
	"serif":     `ui-serif,Georgia,"Times New Roman",serif`,
	"rounded":   `ui-rounded,"SF Pro Rounded","Segoe UI",system-ui,sans-serif`,
	"monospace": `ui-monospace,SFMono-Regular,Menlo,Consolas,monospace`,
}

// buttonRadius is the corner radius of each button shape.
var buttonRadius = map[string]string{"rounded": "6px", "pill": "999px", "rectangular": "0"}

// brandCSS is the <style> rule giving the page the account's branding, or
// "" for the page's own look. Only values that parse as what they must be
// are used — a colour is "#rrggbb", a font one of fontStacks — so a stored
// value, whatever it holds, can never add CSS of its own.
func brandCSS(b checkout.Branding) template.CSS {
	var rule strings.Builder
	if hexColor.MatchString(b.BrandColor) {
		rule.WriteString("--brand:" + b.BrandColor + ";--on-brand:" + textOn(b.BrandColor) + ";")
	}
	if hexColor.MatchString(b.AccentColor) {
		rule.WriteString("--accent:" + b.AccentColor + ";")
	}
	if r, ok := buttonRadius[b.ButtonShape]; ok {
		rule.WriteString("--radius:" + r + ";")
	}
	if f, ok := fontStacks[b.FontFamily]; ok {
		rule.WriteString("--font:" + f + ";")
	}
	if rule.Len() == 0 {
		return ""
	}
	return template.CSS(":root{" + rule.String() + "}")
}

// textOn is the text colour for a background: white or near-black,
// whichever contrasts more with it (WCAG 2 relative luminance).
func textOn(bg string) string {
	const dark = "#1d2026"
	if contrast(bg, "#ffffff") >= contrast(bg, dark) {
		return "#ffffff"
	}
	return dark
}

// contrast is the WCAG 2 contrast ratio of two "#rrggbb" colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(hex string) float64 {
	var l float64
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		l += w * c
	}
	return l
}

// initial is what a line item without an image shows in its place.
func initial(name string) string {
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return string(unicode.ToUpper(r))
		}
	}
	return "•"
}
