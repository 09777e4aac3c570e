package http

import (
	"html/template"
	"unicode"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/contrast"
	"github.com/checkoutd/checkoutd/service"
)

// The page's look follows the account's branding (checkout.Branding): its
// colours, button shape and font go into the page's own <style> as CSS
// custom properties, so the stylesheet stays one fixed text.

// DefaultPoweredBy is the footer text of every page unless the operator
// changes it (SetPoweredBy).
const DefaultPoweredBy = "Powered by checkoutd"

// SetPoweredBy sets the footer text of every page; "" removes it.
func (s *Server) SetPoweredBy(text string) { s.poweredBy = text }

// buttonRadius is the corner radius of each button shape.
var buttonRadius = map[string]string{"rounded": "6px", "pill": "999px", "rectangular": "0"}

// brandCSS is the <style> rule giving the page the account's branding, or
// "" for the page's own look. Only values that parse as what they must be
// are used — a colour is "#rrggbb" (checked for contrast when it was set,
// service.UpdateAccount), a font one of service.FontFamilies — so a stored
// value, whatever it holds, can never add CSS of its own. (template.CSS: the
// stacks' quotes would otherwise be refused by html/template.)
func brandCSS(b checkout.Branding) template.CSS {
	var rule string
	if contrast.Valid(b.BrandColor) {
		rule += "--brand:" + b.BrandColor + ";--on-brand:" + contrast.OnColor(b.BrandColor) + ";"
	}
	if contrast.Valid(b.AccentColor) {
		rule += "--accent:" + b.AccentColor + ";"
	}
	if r, ok := buttonRadius[b.ButtonShape]; ok {
		rule += "--radius:" + r + ";"
	}
	if f, ok := service.FontFamilies[b.FontFamily]; ok {
		rule += "--font:" + f + ";"
	}
	if rule == "" {
		return ""
	}
	return template.CSS(":root{" + rule + "}")
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
