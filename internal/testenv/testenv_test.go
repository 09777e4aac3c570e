package testenv_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/internal/testenv"
)

// recorder is a testing.TB that records how a test ended instead.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()              {}
func (r *recorder) Skip(args ...any)     { r.skipped = fmt.Sprint(args...) }
func (r *recorder) Fatal(args ...any)    { r.failed = fmt.Sprint(args...) }
func (r *recorder) Skipf(string, ...any) { panic("testenv skips with Skip") }

func TestNeedSkipsNamingWhat(t *testing.T) {
	t.Setenv("CI", "")
	r := &recorder{TB: t}
	testenv.Need(r, "chromium", "chromium is not on PATH")
	if r.skipped != "needs chromium: chromium is not on PATH" || r.failed != "" {
		t.Errorf("skipped %q, failed %q", r.skipped, r.failed)
	}
}

func TestNeedFailsUnderCI(t *testing.T) {
	t.Setenv("CI", "true")
	r := &recorder{TB: t}
	testenv.Need(r, "chromium", "chromium is not on PATH")
	if r.skipped != "" || !strings.HasPrefix(r.failed, "needs chromium: chromium is not on PATH") {
		t.Errorf("skipped %q, failed %q", r.skipped, r.failed)
	}
}

func TestEnv(t *testing.T) {
	t.Setenv("CI", "")
	t.Setenv("CHECKOUTD_TEST_X_URL", "")
	r := &recorder{TB: t}
	testenv.Env(r, "CHECKOUTD_TEST_X_URL", "x://1", "the X tests")
	if want := "needs CHECKOUTD_TEST_X_URL: set it (e.g. x://1) to run the X tests"; r.skipped != want {
		t.Errorf("skipped %q, want %q", r.skipped, want)
	}
	t.Setenv("CHECKOUTD_TEST_X_URL", "x://2")
	r = &recorder{TB: t}
	if v := testenv.Env(r, "CHECKOUTD_TEST_X_URL", "x://1", "the X tests"); v != "x://2" || r.skipped != "" {
		t.Errorf("Env returned %q and skipped %q", v, r.skipped)
	}
}

func TestProgram(t *testing.T) {
	t.Setenv("CI", "")
	r := &recorder{TB: t}
	testenv.Program(r, "checkoutd-no-such-program", "nothing", "no test")
	if !strings.HasPrefix(r.skipped, "needs checkoutd-no-such-program: ") {
		t.Errorf("skipped %q", r.skipped)
	}
	r = &recorder{TB: t}
	if p := testenv.Program(r, "go", "golang", "the tests"); p == "" || r.skipped != "" {
		t.Errorf("Program(go) = %q, skipped %q", p, r.skipped)
	}
}
