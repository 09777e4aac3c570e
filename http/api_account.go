package http

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/http/params"
	"github.com/checkoutd/checkoutd/service"
)

// The account room: the caller's own account (GET and POST /v1/account),
// uploads of images (POST /v1/files) and their public copies (/files/{id}),
// which the hosted page shows from checkoutd's own origin.

type accountJSON struct {
	ID              string              `json:"id"`
	Object          string              `json:"object"`
	Name            string              `json:"name"`
	DefaultCurrency string              `json:"default_currency"`
	BusinessProfile businessProfileJSON `json:"business_profile"`
	Branding        brandingJSON        `json:"branding"`
	Created         int64               `json:"created"`
}

type businessProfileJSON struct {
	Name              *string `json:"name"`
	SupportEmail      *string `json:"support_email"`
	URL               *string `json:"url"`
	TermsOfServiceURL *string `json:"terms_of_service_url"`
	PrivacyPolicyURL  *string `json:"privacy_policy_url"`
}

type brandingJSON struct {
	Logo        *string `json:"logo"`
	BrandColor  *string `json:"brand_color"`
	AccentColor *string `json:"accent_color"`
	ButtonShape *string `json:"button_shape"`
	FontFamily  *string `json:"font_family"`
}

func renderAccount(a *checkout.Account) *accountJSON {
	p, b := a.Profile, a.Profile.Branding
	return &accountJSON{ID: a.ID, Object: "account", Name: a.Name, DefaultCurrency: strings.ToLower(string(a.DefaultCurrency)),
		BusinessProfile: businessProfileJSON{Name: optString(p.DisplayName), SupportEmail: optString(p.SupportEmail),
			URL: optString(p.URL), TermsOfServiceURL: optString(p.TermsURL), PrivacyPolicyURL: optString(p.PrivacyURL)},
		Branding: brandingJSON{Logo: optString(b.Logo), BrandColor: optString(b.BrandColor), AccentColor: optString(b.AccentColor),
			ButtonShape: optString(b.ButtonShape), FontFamily: optString(b.FontFamily)},
		Created: a.Created.Unix()}
}

func (s *Server) getAccount(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	a, err := s.svc.GetAccount(r.Context(), scope.AccountID)
	if err != nil {
		return nil, err
	}
	return renderAccount(a), nil
}

// accountParams reads the parameters of POST /v1/account; absent ones stay
// nil, so they are left as they are.
func accountParams(v *params.Values) (service.AccountUpdate, error) {
	var p service.AccountUpdate
	str := func(v *params.Values, name string) *string {
		if x, ok := v.String(name); ok {
			return &x
		}
		return nil
	}
	p.Name = str(v, "name")
	if bp, ok := v.Object("business_profile"); ok {
		p.DisplayName = str(bp, "name")
		p.SupportEmail = str(bp, "support_email")
		p.URL = str(bp, "url")
		p.TermsURL = str(bp, "terms_of_service_url")
		p.PrivacyURL = str(bp, "privacy_policy_url")
	}
	if b, ok := v.Object("branding"); ok {
		p.Logo = str(b, "logo")
		p.BrandColor = str(b, "brand_color")
		p.AccentColor = str(b, "accent_color")
		p.ButtonShape = str(b, "button_shape")
		p.FontFamily = str(b, "font_family")
	}
	return p, v.Err()
}

func (s *Server) updateAccount(r *http.Request, scope checkout.Scope) (any, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, err
	}
	p, err := accountParams(v)
	if err != nil {
		return nil, err
	}
	a, err := s.svc.UpdateAccount(r.Context(), scope.AccountID, p)
	if err != nil {
		return nil, err
	}
	return renderAccount(a), nil
}

type fileJSON struct {
	ID       string `json:"id"`
	Object   string `json:"object"`
	Purpose  string `json:"purpose"`
	Size     int64  `json:"size"`
	Type     string `json:"type"`
	URL      string `json:"url"`
	Livemode bool   `json:"livemode"`
	Created  int64  `json:"created"`
}

func (s *Server) renderFile(f *checkout.File) *fileJSON {
	return &fileJSON{ID: f.ID, Object: "file", Purpose: f.Purpose, Size: f.Size, Type: f.Type,
		URL: s.svc.PublicURL() + filePath(f.ID), Livemode: f.Livemode, Created: f.Created.Unix()}
}

// filePath is where an image is served, on checkoutd's own origin.
func filePath(id string) string { return "/files/" + id }

// maxUploadBytes bounds an upload's body: the image limit and room for the
// multipart framing and the purpose.
func (s *Server) maxUploadBytes() int64 {
	return max(MaxBodyBytes, s.svc.ImageMaxBytes()+64<<10)
}

// createFile takes a multipart/form-data upload (Stripe's shape): a part
// "file" with the image and a part "purpose", business_logo. The image's
// type is sniffed by the service; the part's name and Content-Type are not
// believed.
func (s *Server) createFile(r *http.Request, scope checkout.Scope) (any, error) {
	ct, mp, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/form-data" || mp["boundary"] == "" {
		return nil, checkout.Invalid("file", "content_type_invalid", "upload the image as multipart/form-data with a part named file and a part named purpose")
	}
	var purpose string
	var data []byte
	seen := map[string]bool{}
	mr := multipart.NewReader(r.Body, mp["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, checkout.Invalid("", "body_unreadable", "the multipart body could not be read: %v", err)
		}
		name := part.FormName()
		if seen[name] {
			return nil, checkout.Invalid(name, "parameter_invalid", "%s is given more than once", name)
		}
		seen[name] = true
		switch name {
		case "file":
			var buf bytes.Buffer
			// The body was read whole already, within maxUploadBytes; one
			// byte past the image limit tells the service it is too large.
			if _, err := io.Copy(&buf, io.LimitReader(part, s.svc.ImageMaxBytes()+1)); err != nil {
				return nil, checkout.Invalid("file", "body_unreadable", "the file could not be read: %v", err)
			}
			data = buf.Bytes()
		case "purpose":
			b, err := io.ReadAll(io.LimitReader(part, 100))
			if err != nil {
				return nil, checkout.Invalid("purpose", "body_unreadable", "purpose could not be read: %v", err)
			}
			purpose = string(b)
		default:
			return nil, checkout.Invalid(name, "parameter_unknown", "received unknown parameter: %s", name)
		}
	}
	f, err := s.svc.UploadFile(r.Context(), scope, purpose, data)
	if err != nil {
		return nil, err
	}
	return s.renderFile(f), nil
}

// serveFile serves a stored image to anyone who has its id (the page shows
// it; ids are random). Its content never changes under one id, so it may
// be cached for a year; it is never sniffed or run as anything else.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	f, err := s.svc.FindFile(r.Context(), r.PathValue("id"))
	if err != nil {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		if checkout.IsKind(err, checkout.KindNotFound) {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		s.log.Error("serving a file failed", "request_id", requestID(r.Context()), "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ContentType())
	h.Set("Content-Length", strconv.Itoa(len(f.Data)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+f.SHA256+`"`)
	if r.Header.Get("If-None-Match") == `"`+f.SHA256+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(f.Data)
	}
}
