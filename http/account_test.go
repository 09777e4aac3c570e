package http_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// pngBytes is a small valid PNG, n by n pixels.
func pngBytes(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, n, n))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const svgImage = `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`

// upload posts a multipart upload of data as file, declared as image/png
// whatever it is, with purpose.
func (e *env) upload(key, purpose string, data []byte) *response {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if purpose != "" {
		mw.WriteField("purpose", purpose)
	}
	fw, err := mw.CreateFormFile("file", "logo.png")
	if err != nil {
		e.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return e.do("POST", "/v1/files", key, mw.FormDataContentType(), body.Bytes())
}

func TestAccountGetAndUpdate(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) { testAccountGetAndUpdate(t, newEnvOn(t, openStore(t, kind))) })
}

func testAccountGetAndUpdate(t *testing.T, e *env) {
	r := e.get("/v1/account", e.key)
	if r.status != 200 || r.str("id") != "acct_a" || r.str("object") != "account" || r.str("name") != "Shop A" ||
		r.get("business_profile", "name") != nil || r.get("branding", "brand_color") != nil {
		t.Fatalf("GET /v1/account: %d %s", r.status, r.body)
	}
	logo := e.upload(e.key, "business_logo", pngBytes(t, 2))
	if logo.status != 200 {
		t.Fatalf("upload: %d %s", logo.status, logo.body)
	}
	r = e.postJSON("/v1/account", e.key, map[string]any{
		"name": "Kofi Roasters Ltd",
		"business_profile": map[string]any{"name": "Kofi Roasters", "support_email": "help@kofi.example",
			"url": "https://kofi.example", "terms_of_service_url": "https://kofi.example/terms", "privacy_policy_url": "https://kofi.example/privacy"},
		"branding": map[string]any{"logo": logo.str("id"), "brand_color": "#0A2540", "accent_color": "#635BFF",
			"button_shape": "pill", "font_family": "serif"},
	})
	if r.status != 200 {
		t.Fatalf("POST /v1/account: %d %s", r.status, r.body)
	}
	want := map[string]string{"name": "Kofi Roasters Ltd", "business_profile.name": "Kofi Roasters",
		"business_profile.support_email": "help@kofi.example", "business_profile.url": "https://kofi.example",
		"business_profile.terms_of_service_url": "https://kofi.example/terms", "business_profile.privacy_policy_url": "https://kofi.example/privacy",
		"branding.logo": logo.str("id"), "branding.brand_color": "#0a2540", "branding.accent_color": "#635bff",
		"branding.button_shape": "pill", "branding.font_family": "serif"}
	check := func(what string, r *response, want map[string]string) {
		t.Helper()
		for path, v := range want {
			if got := r.str(strings.Split(path, ".")...); got != v {
				t.Errorf("%s: %s = %q, want %q", what, path, got, v)
			}
		}
	}
	check("update", r, want)
	check("get after update", e.get("/v1/account", e.key), want)

	// A form with one field changes that field only; "" clears an optional one.
	r = e.do("POST", "/v1/account", e.key, "application/x-www-form-urlencoded",
		[]byte("business_profile[url]=&branding[brand_color]=%23FFD600"))
	if r.status != 200 {
		t.Fatalf("form update: %d %s", r.status, r.body)
	}
	if r.get("business_profile", "url") != nil {
		t.Errorf("business_profile[url]= left %v, want null", r.get("business_profile", "url"))
	}
	want["branding.brand_color"] = "#ffd600"
	delete(want, "business_profile.url")
	check("form update", e.get("/v1/account", e.key), want)

	// The other account is untouched and sees its own.
	if r := e.get("/v1/account", e.keyB); r.str("id") != "acct_b" || r.str("name") != "Shop B" || r.get("branding", "logo") != nil {
		t.Errorf("account B: %s", r.body)
	}
}

func TestAccountUpdateRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	logoB := e.upload(e.keyB, "business_logo", pngBytes(t, 2))
	if logoB.status != 200 {
		t.Fatalf("upload: %d %s", logoB.status, logoB.body)
	}
	before := e.get("/v1/account", e.key).body
	for _, c := range []struct {
		body        map[string]any
		param, text string
	}{
		{map[string]any{"name": ""}, "name", ""},
		{map[string]any{"business_profile": map[string]any{"url": "javascript:alert(1)"}}, "business_profile[url]", ""},
		{map[string]any{"business_profile": map[string]any{"terms_of_service_url": "https://bad host/terms"}}, "business_profile[terms_of_service_url]", ""},
		{map[string]any{"business_profile": map[string]any{"privacy_policy_url": "ftp://kofi.example/p"}}, "business_profile[privacy_policy_url]", ""},
		{map[string]any{"business_profile": map[string]any{"support_email": "not an email"}}, "business_profile[support_email]", ""},
		{map[string]any{"branding": map[string]any{"brand_color": "#12345"}}, "branding[brand_color]", "#rrggbb"},
		{map[string]any{"branding": map[string]any{"brand_color": "red"}}, "branding[brand_color]", "#rrggbb"},
		// Yellow links on white: 1.07:1.
		{map[string]any{"branding": map[string]any{"accent_color": "#FFFF00"}}, "branding[accent_color]", "1.07:1"},
		// Just short of AA on white.
		{map[string]any{"branding": map[string]any{"accent_color": "#777777"}}, "branding[accent_color]", "4.5:1"},
		// Neither white nor near-black text reaches 4.5:1 on it.
		{map[string]any{"branding": map[string]any{"brand_color": "#7a7a7a"}}, "branding[brand_color]", "4.5:1"},
		{map[string]any{"branding": map[string]any{"button_shape": "oval"}}, "branding[button_shape]", "pill"},
		{map[string]any{"branding": map[string]any{"font_family": "Comic Sans"}}, "branding[font_family]", "monospace"},
		{map[string]any{"branding": map[string]any{"logo": "file_nope"}}, "branding[logo]", ""},
		// Tenant isolation: another account's file is no file of A's.
		{map[string]any{"branding": map[string]any{"logo": logoB.str("id")}}, "branding[logo]", ""},
		{map[string]any{"branding": map[string]any{"sparkles": "yes"}}, "branding[sparkles]", ""},
		{map[string]any{"business_profile": map[string]any{"name": strings.Repeat("x", 101)}}, "business_profile[name]", ""},
	} {
		r := e.postJSON("/v1/account", e.key, c.body)
		if r.status != 400 || r.str("error", "param") != c.param || !strings.Contains(r.str("error", "message"), c.text) {
			t.Errorf("%v: %d %s; want 400 naming %s, saying %q", c.body, r.status, r.body, c.param, c.text)
		}
	}
	if after := e.get("/v1/account", e.key).body; !bytes.Equal(after, before) {
		t.Errorf("refused updates changed the account:\n%s\nwas\n%s", after, before)
	}
	// A colour in the band that fails: the ratio is given.
	r := e.postJSON("/v1/account", e.key, map[string]any{"branding": map[string]any{"accent_color": "#ffff00"}})
	if m := r.str("error", "message"); !strings.Contains(m, "1.07:1") || !strings.Contains(m, "4.5:1") {
		t.Errorf("accent refusal %q should give the ratio and the 4.5:1 requirement", m)
	}
}

func TestFilesUploadAndServe(t *testing.T) {
	e := newEnv(t)
	img := pngBytes(t, 3)
	r := e.upload(e.key, "business_logo", img)
	if r.status != 200 || !strings.HasPrefix(r.str("id"), "file_") || r.str("object") != "file" || r.str("type") != "png" ||
		r.str("purpose") != "business_logo" || r.get("size") != float64(len(img)) || r.str("url") != testPublicURL+"/files/"+r.str("id") {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	id := r.str("id")

	got := e.do("GET", "/files/"+id, "", "", nil)
	h := got.header
	if got.status != 200 || !bytes.Equal(got.body, img) || h.Get("Content-Type") != "image/png" ||
		h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") != "default-src 'none'" ||
		!strings.Contains(h.Get("Cache-Control"), "max-age=31536000") {
		t.Errorf("GET /files/%s: %d %v (%d bytes)", id, got.status, h, len(got.body))
	}
	for _, path := range []string{"/files/file_unknown", "/files/" + checkout.SourceKey("acct_a", "https://x.example/a.png")} {
		if r := e.do("GET", path, "", "", nil); r.status != 404 {
			t.Errorf("GET %s: %d, want 404", path, r.status)
		}
	}

	for _, c := range []struct {
		purpose     string
		data        []byte
		param, code string
	}{
		{"business_logo", []byte(svgImage), "file", "file_type_invalid"},
		{"business_logo", []byte("GIF87a is what it says, but it is text"), "file", "file_type_invalid"},
		{"business_logo", nil, "file", "parameter_missing"},
		{"", img, "purpose", "parameter_missing"},
		{"identity_document", img, "purpose", "parameter_invalid"},
	} {
		r := e.upload(e.key, c.purpose, c.data)
		if r.status != 400 || r.str("error", "param") != c.param || r.str("error", "code") != c.code {
			t.Errorf("upload %q (%d bytes): %d %s; want 400 %s naming %s", c.purpose, len(c.data), r.status, r.body, c.code, c.param)
		}
	}
	if r := e.do("POST", "/v1/files", e.key, "application/json", []byte(`{"purpose":"business_logo"}`)); r.status != 400 || r.str("error", "param") != "file" {
		t.Errorf("JSON upload: %d %s; want 400 naming file", r.status, r.body)
	}

	// The size limit: over it within the request limit is a 400, far over
	// it a 413; both name file.
	e.configure(func(c *service.Config) { c.Images.MaxBytes = 1000 })
	big := append(pngBytes(t, 3), make([]byte, 1000)...) // a PNG by its signature, too large
	if r := e.upload(e.key, "business_logo", big); r.status != 400 || r.str("error", "param") != "file" || r.str("error", "code") != "file_too_large" {
		t.Errorf("too large: %d %s; want 400 file_too_large naming file", r.status, r.body)
	}
	huge := append(pngBytes(t, 3), make([]byte, 2<<20)...)
	if r := e.upload(e.key, "business_logo", huge); r.status != 413 || r.str("error", "param") != "file" {
		t.Errorf("far too large: %d %s; want 413 naming file", r.status, r.body)
	}
	if r := e.upload("", "business_logo", img); r.status != 401 {
		t.Errorf("upload without a key: %d", r.status)
	}
}

func TestPageShowsBranding(t *testing.T) {
	e := newEnv(t)
	logo := e.upload(e.key, "business_logo", pngBytes(t, 2))
	r := e.postJSON("/v1/account", e.key, map[string]any{
		"business_profile": map[string]any{"name": "Kofi Roasters"},
		"branding":         map[string]any{"logo": logo.str("id"), "brand_color": "#ffd600", "accent_color": "#0a2540", "font_family": "monospace"},
	})
	if r.status != 200 {
		t.Fatalf("update: %d %s", r.status, r.body)
	}
	sess := e.create(e.key, validSession())
	page := string(e.get("/checkout/"+sess.str("id"), "").body)
	for _, want := range []string{
		// The logo stands beside the name: alt="" so it is not read twice.
		`<img src="/files/` + logo.str("id") + `" alt="" width="32" height="32"`,
		"Pay Kofi Roasters",
		// Yellow takes near-black text.
		"--brand:#ffd600;--on-brand:#111111;--accent:#0a2540;",
		"--font:ui-monospace",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// An account without branding keeps the page's own look.
	sessB := e.create(e.keyB, validSession())
	pageB := string(e.get("/checkout/"+sessB.str("id"), "").body)
	if !strings.Contains(pageB, "Pay Shop B") || strings.Contains(pageB, "<img") || strings.Contains(pageB, "#ffd600") || strings.Contains(pageB, "--font:ui-monospace") || !strings.Contains(pageB, ":root{--brand:#0b57d0;--on-brand:#fff;") {
		t.Errorf("account B's page shows someone's branding or lacks its defaults")
	}
}

// warnLog keeps the records logged at WARN and above.
type warnLog struct {
	mu   sync.Mutex
	recs []string
}

func (h *warnLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h *warnLog) Handle(_ context.Context, r slog.Record) error {
	line := r.Level.String() + " " + r.Message
	r.Attrs(func(a slog.Attr) bool { line += " " + a.Key + "=" + a.Value.String(); return true })
	h.mu.Lock()
	h.recs = append(h.recs, line)
	h.mu.Unlock()
	return nil
}
func (h *warnLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *warnLog) WithGroup(string) slog.Handler      { return h }

func TestItemImagesFetchedOnce(t *testing.T) {
	forEachStore(t, testItemImagesFetchedOnce)
}

func testItemImagesFetchedOnce(t *testing.T, kind string) {
	img := pngBytes(t, 4)
	var hits sync.Map // path → *atomic.Int32
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := hits.LoadOrStore(r.URL.Path, new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
		switch {
		case strings.HasPrefix(r.URL.Path, "/ok"):
			w.Header().Set("Content-Type", "image/png")
			w.Write(img)
		case r.URL.Path == "/logo.svg":
			w.Header().Set("Content-Type", "image/png") // a lie: the bytes are sniffed
			w.Write([]byte(svgImage))
		case r.URL.Path == "/big.png":
			w.Write(append(pngBytes(t, 4), make([]byte, 4096)...))
		default:
			http.Error(w, "boom", http.StatusInternalServerError)
		}
	}))
	t.Cleanup(origin.Close)
	count := func(path string) int32 {
		if n, ok := hits.Load(path); ok {
			return n.(*atomic.Int32).Load()
		}
		return 0
	}

	e := newEnvOn(t, openStore(t, kind))
	logs := &warnLog{}
	e.configure(func(c *service.Config) {
		c.Webhooks.AllowPrivate = true // the origin is on 127.0.0.1, as a test webhook target would be
		c.Images.MaxBytes = 2048
		c.Log = slog.New(logs)
	})
	item := func(name, path string) map[string]any {
		return map[string]any{"quantity": 1, "price_data": map[string]any{"currency": "GHS", "unit_amount": 100,
			"product_data": map[string]any{"name": name, "images": []string{origin.URL + path}}}}
	}
	body := map[string]any{"currency": "GHS", "success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/no",
		"line_items": []any{item("Beans", "/ok.png"), item("Sticker", "/logo.svg"), item("Poster", "/big.png"), item("Mug", "/err.png")}}

	sess := e.create(e.key, body)
	e.svc.WaitImages()
	page := string(e.get("/checkout/"+sess.str("id"), "").body)
	imgs := strings.Count(page, `<img src="/files/file_`)
	placeholders := strings.Count(page, `<span class="ph" aria-hidden="true">`)
	if imgs != 1 || placeholders != 3 {
		t.Fatalf("page shows %d stored images and %d placeholders, want 1 and 3", imgs, placeholders)
	}
	i := strings.Index(page, `<img src="/files/`) + len(`<img src="`)
	path := page[i : i+strings.IndexByte(page[i:], '"')]
	if r := e.do("GET", path, "", "", nil); r.status != 200 || !bytes.Equal(r.body, img) || r.header.Get("Content-Type") != "image/png" {
		t.Errorf("GET %s: %d %s, %d bytes", path, r.status, r.header.Get("Content-Type"), len(r.body))
	}
	if row := page[i:]; !strings.Contains(row[:strings.Index(row, "</tr>")], "Beans") {
		t.Errorf("the stored image is not in the Beans row")
	}

	// What is stored: one ready file, three failures with their reasons.
	for p, want := range map[string]string{"/ok.png": checkout.FileReady, "/logo.svg": "not_an_image", "/big.png": "too_large", "/err.png": "http_status"} {
		o, err := e.store.FindObject(context.Background(), checkout.FileKind, checkout.SourceKey("acct_a", origin.URL+p))
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		f := o.(*checkout.File)
		if got := map[bool]string{true: f.Status, false: f.Failure}[want == checkout.FileReady]; got != want {
			t.Errorf("%s stored as %s/%s, want %s", p, f.Status, f.Failure, want)
		}
	}
	// Each failure is logged once, at WARN, with the host and no path.
	logs.mu.Lock()
	warned := strings.Join(logs.recs, "\n")
	logs.mu.Unlock()
	if n := strings.Count(warned, "line item image not fetched"); n != 3 || strings.Contains(warned, "/logo.svg") || !strings.Contains(warned, "host=127.0.0.1") {
		t.Errorf("%d warnings, want 3 with the host only:\n%s", n, warned)
	}

	// Another session naming the same URLs fetches nothing again: the
	// image is stored, the failures wait an hour. Many at once fetch a new
	// URL once.
	e.create(e.key, body)
	var wg sync.WaitGroup
	fresh := map[string]any{"currency": "GHS", "success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/no",
		"line_items": []any{item("Beans", "/ok-fresh.png")}}
	for range 6 {
		wg.Add(1)
		go func() { defer wg.Done(); e.postJSON("/v1/checkout/sessions", e.key, fresh) }()
	}
	wg.Wait()
	e.svc.WaitImages()
	for _, p := range []string{"/ok.png", "/logo.svg", "/big.png", "/err.png", "/ok-fresh.png"} {
		if n := count(p); n != 1 {
			t.Errorf("%s fetched %d times, want once", p, n)
		}
	}

	// Account B naming the same URL gets its own copy: nothing is shared
	// across accounts.
	sessB := e.create(e.keyB, map[string]any{"currency": "EUR", "success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/no",
		"line_items": []any{map[string]any{"quantity": 1, "price_data": map[string]any{"currency": "EUR", "unit_amount": 100,
			"product_data": map[string]any{"name": "Beans", "images": []string{origin.URL + "/ok.png"}}}}}})
	e.svc.WaitImages()
	if n := count("/ok.png"); n != 2 {
		t.Errorf("/ok.png fetched %d times after account B named it, want 2", n)
	}
	if pageB := string(e.get("/checkout/"+sessB.str("id"), "").body); strings.Contains(pageB, path) || !strings.Contains(pageB, `<img src="/files/file_`) {
		t.Errorf("account B's page should show its own copy of the image")
	}
}

func TestItemImagesRefusedWithoutPrivateAddresses(t *testing.T) {
	var hits atomic.Int32
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(pngBytes(t, 2))
	}))
	t.Cleanup(origin.Close)
	e := newEnv(t) // private addresses are not allowed: 127.0.0.1 is refused
	sess := e.create(e.key, map[string]any{"currency": "GHS", "success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/no",
		"line_items": []any{map[string]any{"quantity": 1, "price_data": map[string]any{"currency": "GHS", "unit_amount": 100,
			"product_data": map[string]any{"name": "Beans", "images": []string{origin.URL + "/a.png"}}}}}})
	e.svc.WaitImages()
	if n := hits.Load(); n != 0 {
		t.Errorf("the guard let %d requests reach a loopback address", n)
	}
	page := string(e.get("/checkout/"+sess.str("id"), "").body)
	if strings.Contains(page, "<img") || !strings.Contains(page, `<span class="ph" aria-hidden="true">B</span>`) {
		t.Errorf("a refused image should leave a placeholder")
	}
	o, err := e.store.FindObject(context.Background(), checkout.FileKind, checkout.SourceKey("acct_a", origin.URL+"/a.png"))
	if f, ok := o.(*checkout.File); err != nil || !ok || f.Status != checkout.FileFailed || f.Failure != "blocked" {
		t.Errorf("stored %+v, %v; want a failure, blocked", o, err)
	}
}

// TestOpenAPIAccount checks the account and file operations against the
// document, answers and errors.
func TestOpenAPIAccount(t *testing.T) {
	o := newOAEnv(t)
	o.exchange(oaRequest{method: "GET", path: "/v1/account", auth: oaBearer(o.key), status: 200})

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("purpose", "business_logo")
	fw, _ := mw.CreateFormFile("file", "logo.png")
	fw.Write(pngBytes(t, 2))
	mw.Close()
	up := o.exchange(oaRequest{method: "POST", path: "/v1/files", auth: oaBearer(o.key), contentType: mw.FormDataContentType(),
		body: body.Bytes(), status: 200, request: oaSkip})

	full := oaJSON(t, map[string]any{"name": "Kofi Roasters Ltd",
		"business_profile": map[string]any{"name": "Kofi Roasters", "support_email": "help@kofi.example", "url": "https://kofi.example",
			"terms_of_service_url": "https://kofi.example/terms", "privacy_policy_url": "https://kofi.example/privacy"},
		"branding": map[string]any{"logo": up.str("id"), "brand_color": "#0A2540", "accent_color": "#635bff", "button_shape": "pill", "font_family": "serif"}})
	o.exchange(oaRequest{method: "POST", path: "/v1/account", auth: oaBearer(o.key), contentType: "application/json", body: full, status: 200})
	o.exchange(oaRequest{method: "POST", path: "/v1/account", auth: oaBearer(o.key), contentType: "application/x-www-form-urlencoded",
		body: []byte("branding[button_shape]=&business_profile[url]="), status: 200})
	o.exchange(oaRequest{method: "GET", path: "/v1/account", auth: oaBearer(o.key), status: 200})
	o.exchange(oaRequest{method: "POST", path: "/v1/account", auth: oaBearer(o.key), contentType: "application/json",
		body: []byte(`{"branding":{"accent_color":"#ffff00"}}`), status: 400})
	o.exchange(oaRequest{method: "POST", path: "/v1/account", auth: oaBearer(o.key), contentType: "application/json",
		body: []byte(`{"branding":{"brand_color":"red"}}`), status: 400, request: oaInvalid})
	o.exchange(oaRequest{method: "GET", path: "/v1/account", status: 401, request: oaInvalid})
	o.exchange(oaRequest{method: "GET", path: "/files/" + up.str("id"), status: 200})
	o.exchange(oaRequest{method: "GET", path: "/files/file_nope", status: 404})
}
