package service_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"strings"
	"sync"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

func ptr(s string) *string { return &s }

// TestAccountColours: the accent colour needs 4.5:1 on white, the brand
// colour 4.5:1 with its best text colour; a refusal gives the ratio and
// writes nothing.
func TestAccountColours(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		brand, accent string
		param, says   string // "" when accepted
	}{
		{brand: "#0A2540", accent: "#635BFF"},
		{accent: "#767676"}, // 4.54:1, the lightest AA grey
		{brand: "#ffd600"},  // light: near-black text on it
		{brand: "#000000", accent: "#000000"},
		{accent: "#777777", param: "branding[accent_color]", says: "4.47:1"},
		{accent: "#ffffff", param: "branding[accent_color]", says: "1.00:1"},
		{brand: "#7a7a7a", param: "branding[brand_color]", says: "4.5:1"},
		{brand: "#0a2540", accent: "#abc", param: "branding[accent_color]", says: "#rrggbb"},
	} {
		before, err := f.store.GetAccount(f.ctx, f.scope.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		var p service.AccountUpdate
		if c.brand != "" {
			p.BrandColor = ptr(c.brand)
		}
		if c.accent != "" {
			p.AccentColor = ptr(c.accent)
		}
		a, err := f.svc.UpdateAccount(f.ctx, f.scope.AccountID, p)
		after, _ := f.store.GetAccount(f.ctx, f.scope.AccountID)
		if c.param == "" {
			if err != nil {
				t.Errorf("brand %s accent %s: %v", c.brand, c.accent, err)
				continue
			}
			if c.brand != "" && a.Profile.Branding.BrandColor != strings.ToLower(c.brand) ||
				c.accent != "" && a.Profile.Branding.AccentColor != strings.ToLower(c.accent) || after.Version != before.Version+1 {
				t.Errorf("brand %s accent %s stored as %+v at version %d", c.brand, c.accent, after.Profile.Branding, after.Version)
			}
			continue
		}
		var e *checkout.Error
		if !asError(err, &e) || e.Kind != checkout.KindInvalid || e.Param != c.param || !strings.Contains(e.Message, c.says) {
			t.Errorf("brand %s accent %s: %v; want invalid %s saying %q", c.brand, c.accent, err, c.param, c.says)
		}
		if after.Version != before.Version || after.Profile != before.Profile {
			t.Errorf("a refused update wrote: %+v", after)
		}
	}
}

// TestUpdateAccountKeepsConcurrentFields: two replicas updating different
// fields at once never undo each other: each field ends as its writer's
// last successful update left it.
func TestUpdateAccountKeepsConcurrentFields(t *testing.T) {
	f := newFixture(t)
	other := service.New(f.cfg) // a second replica over the same store
	var wg sync.WaitGroup
	last := make([]string, 2)
	for w, svc := range []*service.Service{f.svc, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 15 {
				v := fmt.Sprintf("Writer %d #%d", w, i)
				p := service.AccountUpdate{DisplayName: &v}
				if w == 1 {
					p = service.AccountUpdate{SupportEmail: ptr(fmt.Sprintf("w%d@shop.example", i))}
					v = *p.SupportEmail
				}
				_, err := svc.UpdateAccount(f.ctx, f.scope.AccountID, p)
				switch {
				case err == nil:
					last[w] = v
				case !checkout.IsKind(err, checkout.KindConflict):
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	a, err := f.store.GetAccount(f.ctx, f.scope.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Profile.DisplayName != last[0] || a.Profile.SupportEmail != last[1] || last[0] == "" || last[1] == "" {
		t.Errorf("stored %q and %q; the writers last wrote %q and %q", a.Profile.DisplayName, a.Profile.SupportEmail, last[0], last[1])
	}
}

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestUploadSniffsImages: the type comes from the bytes, and only PNG,
// JPEG, GIF and WebP with sane sides pass.
func TestUploadSniffsImages(t *testing.T) {
	f := newFixture(t)
	webp := append([]byte("RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00"), make([]byte, 24)...)
	for _, c := range []struct {
		name string
		data []byte
		typ  string // "" when refused
	}{
		{"png", pngOf(t, 2, 2), "png"},
		{"webp", webp, "webp"},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), ""},
		{"html", []byte(`<html><script>alert(1)</script></html>`), ""},
		{"gif signature, text after", []byte("GIF89a but then words"), ""},
		{"png signature, broken header", append(pngOf(t, 2, 2)[:8], "garbage garbage garbage"...), ""},
		{"webp without a VP8 chunk", []byte("RIFF\x24\x00\x00\x00WEBPVP__\x18\x00\x00\x00 padding padding"), ""},
		{"too wide", pngOf(t, service.MaxImageSide+1, 1), ""},
	} {
		file, err := f.svc.UploadFile(f.ctx, f.scope, checkout.FilePurposeLogo, c.data)
		switch {
		case c.typ != "" && (err != nil || file.Type != c.typ || file.Size != int64(len(c.data))):
			t.Errorf("%s: %+v, %v; want a %s", c.name, file, err, c.typ)
		case c.typ == "" && (!checkout.IsKind(err, checkout.KindInvalid) || err.(*checkout.Error).Param != "file"):
			t.Errorf("%s: %v; want refused, naming file", c.name, err)
		}
	}
}
