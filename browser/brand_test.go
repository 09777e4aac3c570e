package browser_test

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// brandedKey is the test key of the page-state matrix's merchant, an
// account as a shop sets it up: display name, logo, brand and accent
// colours, terms and privacy links. It is made once, through the CLI as an
// operator would, beside the default account the other tests use.
const brandedKey = "sk_test_browser_branded_0123456789"

var (
	brandOnce    sync.Once
	brandAccount string
	brandErr     error
)

// brandedAccount makes the branded account, once, and returns its id.
func brandedAccount(t *testing.T) string {
	t.Helper()
	brandOnce.Do(func() {
		logo := filepath.Join(filepath.Dir(dataPath), "logo.png")
		if brandErr = os.WriteFile(logo, productImage("logo.png"), 0o600); brandErr != nil {
			return
		}
		var out string
		out, brandErr = checkoutdCLI("accounts", "create", "--data", dataPath, "--name", "Kofi Roasters Ltd", "--secret-key", brandedKey, "--default-currency", "EUR")
		if brandErr != nil {
			return
		}
		for _, line := range strings.Split(out, "\n") {
			if id, ok := strings.CutPrefix(line, "account_id: "); ok {
				brandAccount = strings.TrimSpace(id)
			}
		}
		if brandAccount == "" {
			brandErr = fmt.Errorf("accounts create printed no account id:\n%s", out)
			return
		}
		_, brandErr = checkoutdCLI("accounts", "update", "--data", dataPath, "--account", brandAccount,
			"--display-name", "Kofi Roasters", "--logo", logo, "--brand-color", "#5b3a29", "--accent-color", "#8a4b12",
			"--terms-url", "https://shop.example/terms", "--privacy-url", "https://shop.example/privacy")
	})
	if brandErr != nil {
		t.Fatal(brandErr)
	}
	return brandAccount
}

// productImage is a small PNG for name: a square in a colour of its own
// with a lighter band, enough to tell images apart in a screenshot.
func productImage(name string) []byte {
	h := fnv.New32a()
	h.Write([]byte(name))
	v := h.Sum32()
	c := color.RGBA{uint8(v), uint8(v >> 8), uint8(v >> 16), 255}
	img := image.NewRGBA(image.Rect(0, 0, 96, 96))
	for y := range 96 {
		for x := range 96 {
			if y > 32 && y < 64 {
				img.Set(x, y, color.RGBA{c.R/2 + 127, c.G/2 + 127, c.B/2 + 127, 255})
			} else {
				img.Set(x, y, c)
			}
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// checkoutdCLI runs the tests' checkoutd binary with args, as an operator
// would beside the running server, and answers its standard output.
func checkoutdCLI(args ...string) (string, error) {
	cmd := exec.Command(binPath, args...)
	cmd.Env = withoutCheckoutdVars()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("checkoutd %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}
