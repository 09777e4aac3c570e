package http

import "strings"

// QRDrawing is the drawing (the path's d attribute) of the QR code qrSVG
// makes of text, for the external tests to tell which address a page's
// code holds.
func QRDrawing(text string) string { return QRDrawingOf(string(qrSVG(text, ""))) }

// QRDrawingOf is the drawing of the first QR code in a page's body.
func QRDrawingOf(body string) string {
	_, rest, ok := strings.Cut(body, `<path fill="#000" d="`)
	if !ok {
		return ""
	}
	d, _, _ := strings.Cut(rest, `"`)
	return d
}
