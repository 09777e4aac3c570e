package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// optFlag is a string flag that remembers whether it was given, on the
// command line or in its variable: accounts update changes only those.
type optFlag struct{ v *string }

func (f *optFlag) String() string {
	if f == nil || f.v == nil {
		return ""
	}
	return *f.v
}

func (f *optFlag) Set(s string) error { f.v = &s; return nil }

func accountsUpdate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("accounts update", "Changes an account's name, public profile and branding, as POST /v1/account does; "+
		"flags not given are left as they are, and an empty value clears an optional field. Safe while servers run on the same store: "+
		"the hosted page shows the change on its next view, new sessions on every server within 2 seconds.", stdout, stderr)
	var sf storeFlags
	sf.register(fs)
	account := fs.String("account", "", "id of the account (required)")
	maxBytes := fs.Int64("image-max-bytes", service.DefaultImageMaxBytes, "the largest logo accepted, in bytes (serve's --image-max-bytes)")
	var name, display, logo, brand, accent, shape, font, email, site, terms, privacy, hostMode optFlag
	fs.Var(&name, "name", "the account's name")
	fs.Var(&display, "display-name", "the name customers see on the page (empty: the account's name)")
	fs.Var(&logo, "logo", "an image file (PNG, JPEG, GIF or WebP) to store and show as the logo (empty: no logo)")
	fs.Var(&brand, "brand-color", "the pay button's colour, #rrggbb (its text is white or near-black, whichever contrasts more)")
	fs.Var(&accent, "accent-color", "links and the focus ring, #rrggbb, at least 4.5:1 against white")
	fs.Var(&shape, "button-shape", "rounded, pill or rectangular")
	fs.Var(&font, "font-family", "system, serif, rounded or monospace (system fonts only)")
	fs.Var(&email, "support-email", "the email address customers may write to")
	fs.Var(&site, "url", "the merchant's website")
	fs.Var(&terms, "terms-url", "the terms of service, linked from the page")
	fs.Var(&privacy, "privacy-url", "the privacy policy, linked from the page")
	fs.Var(&hostMode, "host-mode", "test or live: the mode of the sessions seed 000's POST /api/sessions makes for this account (default test)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *account == "" {
		return fmt.Errorf("--account is required (or set %s)", envName(fs.Name(), "account"))
	}
	if *maxBytes <= 0 {
		return fmt.Errorf("--image-max-bytes must be positive")
	}
	store, err := sf.open(ctx, existing)
	if err != nil {
		return err
	}
	defer store.Close()
	svc := service.New(service.Config{Store: store, Images: service.ImageConfig{MaxBytes: *maxBytes}})
	if _, err := svc.GetAccount(ctx, *account); err != nil {
		if checkout.IsKind(err, checkout.KindNotFound) {
			return fmt.Errorf("--account: no such account %q", *account)
		}
		return err
	}
	p := service.AccountUpdate{Name: name.v, DisplayName: display.v, BrandColor: brand.v, AccentColor: accent.v,
		ButtonShape: shape.v, FontFamily: font.v, SupportEmail: email.v, URL: site.v, TermsURL: terms.v, PrivacyURL: privacy.v, HostMode: hostMode.v}
	if logo.v != nil {
		id := ""
		if *logo.v != "" {
			data, err := readLimited(*logo.v, *maxBytes)
			if err != nil {
				return fmt.Errorf("--logo: %v", err)
			}
			f, err := svc.UploadFile(ctx, checkout.Scope{AccountID: *account}, checkout.FilePurposeLogo, data)
			if err != nil {
				return fmt.Errorf("--logo %s: %s", *logo.v, err.(*checkout.Error).Message)
			}
			id = f.ID
		}
		p.Logo = &id
	}
	a, err := svc.UpdateAccount(ctx, *account, p)
	if err != nil {
		return fmt.Errorf("%s", cliMessage(err))
	}
	b := a.Profile.Branding
	hm := "test"
	if a.HostLivemode {
		hm = "live"
	}
	fmt.Fprintf(stdout, "account_id: %s\nname: %s\ndisplay_name: %s\nlogo: %s\nbrand_color: %s\naccent_color: %s\nbutton_shape: %s\nfont_family: %s\nhost_mode: %s\n",
		a.ID, a.Name, a.Profile.DisplayName, b.Logo, b.BrandColor, b.AccentColor, b.ButtonShape, b.FontFamily, hm)
	return nil
}

// readLimited reads a file of at most max bytes; one more byte tells the
// service it is too large without reading a huge file whole.
func readLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, max+1))
}

// updateFlags are the flags of accounts update by the API parameter they
// set, for errors, which name the parameter.
var updateFlags = map[string]string{
	"name": "--name", "business_profile[name]": "--display-name", "branding[logo]": "--logo",
	"branding[brand_color]": "--brand-color", "branding[accent_color]": "--accent-color",
	"branding[button_shape]": "--button-shape", "branding[font_family]": "--font-family",
	"business_profile[support_email]": "--support-email", "business_profile[url]": "--url",
	"business_profile[terms_of_service_url]": "--terms-url", "business_profile[privacy_policy_url]": "--privacy-url",
	"host_mode": "--host-mode",
}

// cliMessage words a service error for the terminal: a validation error's
// message after the flag that set its parameter.
func cliMessage(err error) string {
	if e, ok := err.(*checkout.Error); ok && e.Kind == checkout.KindInvalid {
		if f, ok := updateFlags[e.Param]; ok {
			return f + ": " + e.Message
		}
		return e.Message
	}
	return err.Error()
}
