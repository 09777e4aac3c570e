package service

import (
	"context"
	"slices"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/contrast"
)

// AccountUpdate is a change to an account's name and public profile. A nil
// field is left as it is; an empty string clears an optional one.
type AccountUpdate struct {
	Name         *string
	DisplayName  *string
	SupportEmail *string
	URL          *string
	TermsURL     *string
	PrivacyURL   *string
	Logo         *string // a file id of the account's, "" to remove
	BrandColor   *string // "#rrggbb", any case; stored in lower case
	AccentColor  *string
	ButtonShape  *string // one of ButtonShapes
	FontFamily   *string // a key of FontFamilies
	// HostMode is the mode of the sessions seed 000's /api/sessions makes
	// for the account: "test" or "live".
	HostMode *string
}

// ButtonShapes are the shapes the page draws its buttons in.
var ButtonShapes = []string{"rounded", "pill", "rectangular"}

// FontFamilies are the font stacks an account may choose for its page:
// system fonts only, since the page loads no web font.
var FontFamilies = map[string]string{
	"system":    `system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif`,
	"serif":     `Charter,"Bitstream Charter","Sitka Text",Cambria,Georgia,serif`,
	"rounded":   `ui-rounded,"SF Pro Rounded","Hiragino Maru Gothic ProN",Quicksand,Comfortaa,Manjari,"Arial Rounded MT","Arial Rounded MT Bold",Calibri,source-sans-pro,sans-serif`,
	"monospace": `ui-monospace,"Cascadia Code","Source Code Pro",Menlo,Consolas,"DejaVu Sans Mono",monospace`,
}

// FontFamilyNames are the keys of FontFamilies, in the order documented.
var FontFamilyNames = []string{"system", "serif", "rounded", "monospace"}

// GetAccount returns the account as stored now (not from the cache).
func (s *Service) GetAccount(ctx context.Context, id string) (*checkout.Account, error) {
	a, err := s.store.GetAccount(ctx, id)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return nil, checkout.NotFound("account", "account", id)
	}
	return a, err
}

// UpdateAccount changes the fields p gives and nothing else. Everything is
// checked before anything is written. The write is a compare-and-set on
// the account's version, retried on a lost race with p applied to the
// account as the winner left it, so concurrent updates of different fields
// both land. The page reads accounts fresh; session creation and the
// page's posts use a cache that this process drops at once and others
// within keyCacheTTL (2 s).
func (s *Service) UpdateAccount(ctx context.Context, id string, p AccountUpdate) (*checkout.Account, error) {
	if err := s.checkAccountUpdate(ctx, id, &p); err != nil {
		return nil, err
	}
	var a *checkout.Account
	err := retryCAS(func() error {
		var err error
		if a, err = s.GetAccount(ctx, id); err != nil {
			return err
		}
		applyAccountUpdate(a, &p)
		a.Version++
		return s.store.UpdateAccount(ctx, a)
	})
	if err != nil {
		return nil, err
	}
	s.accounts.Delete(id)
	return a, nil
}

func applyAccountUpdate(a *checkout.Account, p *AccountUpdate) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	pr, b := &a.Profile, &a.Profile.Branding
	set(&a.Name, p.Name)
	set(&pr.DisplayName, p.DisplayName)
	set(&pr.SupportEmail, p.SupportEmail)
	set(&pr.URL, p.URL)
	set(&pr.TermsURL, p.TermsURL)
	set(&pr.PrivacyURL, p.PrivacyURL)
	set(&b.Logo, p.Logo)
	set(&b.BrandColor, p.BrandColor)
	set(&b.AccentColor, p.AccentColor)
	set(&b.ButtonShape, p.ButtonShape)
	set(&b.FontFamily, p.FontFamily)
	if p.HostMode != nil {
		a.HostLivemode = *p.HostMode == "live"
	}
}

// checkAccountUpdate validates p, normalizing what it accepts (trimmed
// names, lower-case colours), and checks that a logo is a ready image of
// the account.
func (s *Service) checkAccountUpdate(ctx context.Context, id string, p *AccountUpdate) error {
	trim := func(v *string) {
		if v != nil {
			*v = strings.TrimSpace(*v)
		}
	}
	for _, v := range []*string{p.Name, p.DisplayName, p.SupportEmail, p.URL, p.TermsURL, p.PrivacyURL, p.Logo, p.BrandColor, p.AccentColor, p.ButtonShape, p.FontFamily} {
		trim(v)
	}
	if p.HostMode != nil && *p.HostMode != "test" && *p.HostMode != "live" {
		return checkout.Invalid("host_mode", "parameter_invalid", "host_mode must be 'test' or 'live'; got '%s'", *p.HostMode)
	}
	if p.Name != nil {
		if *p.Name == "" {
			return checkout.Invalid("name", "parameter_invalid", "name cannot be empty; the account needs one")
		}
		if err := checkText("name", *p.Name, 100); err != nil {
			return err
		}
	}
	if p.DisplayName != nil {
		if err := checkText("business_profile[name]", *p.DisplayName, 100); err != nil {
			return err
		}
	}
	if p.SupportEmail != nil && *p.SupportEmail != "" {
		if err := checkEmailParam("business_profile[support_email]", *p.SupportEmail); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		param string
		v     *string
	}{{"business_profile[url]", p.URL}, {"business_profile[terms_of_service_url]", p.TermsURL}, {"business_profile[privacy_policy_url]", p.PrivacyURL}} {
		param, v := f.param, f.v
		if v == nil {
			continue
		}
		// The account is the same in both modes, so http is allowed as it
		// is in test mode; the host rules are the redirect URLs'.
		if _, err := checkRedirectURL(param, *v, false, false); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		param string
		v     *string
	}{{"branding[brand_color]", p.BrandColor}, {"branding[accent_color]", p.AccentColor}} {
		param, v := f.param, f.v
		if v == nil || *v == "" {
			continue
		}
		if !contrast.Valid(*v) {
			return checkout.Invalid(param, "color_invalid", "%s must be a colour written #rrggbb, not '%s'", param, *v)
		}
		*v = strings.ToLower(*v)
	}
	if err := checkColors(p.BrandColor, p.AccentColor); err != nil {
		return err
	}
	if v := p.ButtonShape; v != nil && *v != "" && !slices.Contains(ButtonShapes, *v) {
		return checkout.Invalid("branding[button_shape]", "parameter_invalid", "branding[button_shape] must be one of %s, not '%s'", strings.Join(ButtonShapes, ", "), *v)
	}
	if v := p.FontFamily; v != nil && *v != "" && FontFamilies[*v] == "" {
		return checkout.Invalid("branding[font_family]", "parameter_invalid", "branding[font_family] must be one of %s, not '%s'", strings.Join(FontFamilyNames, ", "), *v)
	}
	if v := p.Logo; v != nil && *v != "" {
		f, err := s.findFile(ctx, *v)
		// Another account's file is not-found too: ids say nothing of
		// their owner, and nothing crosses accounts.
		if err != nil || f.AccountID != id || f.Status != checkout.FileReady {
			if err != nil && !checkout.IsKind(err, checkout.KindNotFound) {
				return err
			}
			return checkout.Invalid("branding[logo]", "resource_missing", "branding[logo]: no such file: '%s'; upload the image with POST /v1/files first", *v)
		}
	}
	return nil
}

// checkColors refuses colours the page could not show legibly. The accent
// colour is used for links and the focus ring on white, so it needs 4.5:1
// against white (WCAG AA for text). On the brand colour the page puts white
// or near-black text, whichever contrasts more; for all but a thin band of
// mid-luminance colours one of them reaches 4.5:1, and a colour in that
// band is refused too.
func checkColors(brand, accent *string) error {
	if accent != nil && *accent != "" {
		if r := contrast.Ratio(*accent, contrast.White); r < contrast.AA {
			return checkout.Invalid("branding[accent_color]", "color_contrast_too_low",
				"branding[accent_color] %s has a contrast ratio of %s against white; links and the focus ring need at least 4.5:1 (WCAG AA): choose a darker colour",
				*accent, contrast.Format(r))
		}
	}
	if brand != nil && *brand != "" {
		on := contrast.OnColor(*brand)
		if r := contrast.Ratio(*brand, on); r < contrast.AA {
			return checkout.Invalid("branding[brand_color]", "color_contrast_too_low",
				"branding[brand_color] %s reaches only %s with the best text colour (%s) on it; the pay button's text needs at least 4.5:1 (WCAG AA): choose a lighter or darker colour",
				*brand, contrast.Format(r), on)
		}
	}
	return nil
}
