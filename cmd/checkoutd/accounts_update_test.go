//go:build unix

package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/client"
)

// TestCLIAccountsUpdate changes an account's profile and branding beside a
// running server on the same store, as an operator would, and reads the
// result through the server: the API, the page and the logo it serves.
func TestCLIAccountsUpdate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	data := t.TempDir()
	const key = "sk_test_cliBrand_0123456789abcdef"
	srv := startServer(t, data, "--bootstrap-key", key)

	var logo bytes.Buffer
	if err := png.Encode(&logo, image.NewRGBA(image.Rect(0, 0, 3, 3))); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	logoFile, svgFile := filepath.Join(dir, "logo.png"), filepath.Join(dir, "logo.svg")
	os.WriteFile(logoFile, logo.Bytes(), 0o600)
	os.WriteFile(svgFile, []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), 0o600)

	account := func() map[string]any {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.base+"/v1/account", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var v map[string]any
		if err := json.NewDecoder(res.Body).Decode(&v); err != nil || res.StatusCode != 200 {
			t.Fatalf("GET /v1/account: %d, %v", res.StatusCode, err)
		}
		return v
	}

	// The button shape comes from its variable, the rest from flags.
	stdout, stderr, code := runCLI(t, []string{"CHECKOUTD_ACCOUNT_BUTTON_SHAPE=pill"}, "accounts", "update", "--data", data,
		"--account", "acct_default", "--display-name", "Kofi Roasters", "--logo", logoFile, "--brand-color", "#0A2540",
		"--accent-color", "#635bff", "--font-family", "serif", "--terms-url", "https://kofi.example/terms")
	if code != 0 {
		t.Fatalf("accounts update: exit %d\n%s%s", code, stdout, stderr)
	}
	logoID := field(stdout, "logo")
	a := account()
	bp, br := a["business_profile"].(map[string]any), a["branding"].(map[string]any)
	if a["name"] != "Default account" || bp["name"] != "Kofi Roasters" || bp["terms_of_service_url"] != "https://kofi.example/terms" ||
		br["logo"] != logoID || !strings.HasPrefix(logoID, "file_") || br["brand_color"] != "#0a2540" || br["accent_color"] != "#635bff" ||
		br["button_shape"] != "pill" || br["font_family"] != "serif" {
		t.Fatalf("after accounts update, the server answers %v", a)
	}
	res, err := http.Get(srv.base + "/files/" + logoID)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" || !bytes.Equal(body, logo.Bytes()) {
		t.Errorf("GET /files/%s: %d %s", logoID, res.StatusCode, res.Header.Get("Content-Type"))
	}
	s, err := client.New(key, client.WithBaseURL(srv.base)).Sessions.Create(ctx,
		&client.SessionParams{Amount: 1000, SuccessURL: "http://shop.example.com/ok", CancelURL: "http://shop.example.com/cancel"})
	if err != nil {
		t.Fatal(err)
	}
	res, err = http.Get(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !bytes.Contains(page, []byte("Pay Kofi Roasters")) || !bytes.Contains(page, []byte(`src="/files/`+logoID+`"`)) {
		t.Errorf("the page does not show the new name and logo")
	}

	// Flags not given are left alone; an empty one clears.
	stdout, stderr, code = runCLI(t, nil, "accounts", "update", "--data", data, "--account", "acct_default", "--brand-color", "#ffd600", "--terms-url", "")
	if code != 0 {
		t.Fatalf("second update: exit %d\n%s%s", code, stdout, stderr)
	}
	a = account()
	bp, br = a["business_profile"].(map[string]any), a["branding"].(map[string]any)
	if br["brand_color"] != "#ffd600" || bp["terms_of_service_url"] != nil || bp["name"] != "Kofi Roasters" || br["logo"] != logoID || br["button_shape"] != "pill" {
		t.Errorf("after a second update: %v", a)
	}

	// Refusals name the flag, and change nothing.
	before := account()
	for _, c := range []struct {
		args []string
		says []string
	}{
		{[]string{"--accent-color", "#ffff00"}, []string{"--accent-color", "1.07:1", "4.5:1"}},
		{[]string{"--brand-color", "blue"}, []string{"--brand-color", "#rrggbb"}},
		{[]string{"--button-shape", "oval"}, []string{"--button-shape"}},
		{[]string{"--url", "javascript:alert(1)"}, []string{"--url"}},
		{[]string{"--logo", svgFile}, []string{"--logo", "PNG"}},
		{[]string{"--logo", filepath.Join(dir, "missing.png")}, []string{"--logo"}},
		{[]string{"--account", "acct_nope", "--name", "X"}, []string{"acct_nope"}},
	} {
		args := append([]string{"accounts", "update", "--data", data}, c.args...)
		if !strings.Contains(strings.Join(c.args, " "), "--account") {
			args = append(args, "--account", "acct_default")
		}
		_, stderr, code := runCLI(t, nil, args...)
		if code == 0 {
			t.Errorf("checkoutd %q succeeded", args)
		}
		for _, w := range c.says {
			if !strings.Contains(stderr, w) {
				t.Errorf("checkoutd %q: stderr %q does not mention %q", args, stderr, w)
			}
		}
	}
	if after := account(); !jsonEqual(after, before) {
		t.Errorf("refused updates changed the account: %v, was %v", after, before)
	}

	stdout, _, _ = runCLI(t, nil, "accounts", "list", "--data", data)
	if !strings.Contains(stdout, "acct_default\tGHS\tDefault account\tKofi Roasters\n") {
		t.Errorf("accounts list does not show the display name:\n%s", stdout)
	}
	stdout, _, code = runCLI(t, nil, "accounts", "update", "--help")
	for _, f := range []string{"account", "name", "display-name", "logo", "brand-color", "accent-color", "button-shape", "font-family",
		"support-email", "url", "terms-url", "privacy-url"} {
		if code != 0 || !strings.Contains(stdout, "--"+f) || !strings.Contains(stdout, envVar([]string{"accounts"}, f)) {
			t.Errorf("accounts update --help does not mention --%s and its variable", f)
		}
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
