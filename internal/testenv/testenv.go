// Package testenv is how a test says that it needs something the machine
// may not have (a service URL, a program on PATH): it skips naming that
// thing, or under CI=true, where every test must run, fails.
//
// Every such skip says "needs WHAT: HINT", so that go run ./internal/testrun
// can end a run with one line counting the skips by what they need.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Prefix starts every message of Need; internal/testrun groups the skips
// that carry it by what follows, up to ": ".
const Prefix = "needs "

// Need skips tb, or fails it under CI=true, for want of what (a short
// name, the same for every test that needs it: the summary groups by it);
// hint says how to provide it.
func Need(tb testing.TB, what, hint string) {
	tb.Helper()
	msg := Prefix + what + ": " + hint
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg + " (CI=true runs every test)")
		return
	}
	tb.Skip(msg)
}

// Env returns the environment variable name, or, when it is empty, skips
// tb (fails it under CI=true) naming the variable. example is a value that
// works, for the hint.
func Env(tb testing.TB, name, example, runs string) string {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		Need(tb, name, "set it (e.g. "+example+") to run "+runs)
	}
	return v
}

// Program returns the path of the program name on PATH, or skips tb (fails
// it under CI=true) saying it is not there. pkg names the Debian package
// that installs it, for the hint.
func Program(tb testing.TB, name, pkg, runs string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Need(tb, name, name+" is not on PATH (Debian package "+pkg+"); it runs "+runs)
	}
	return p
}
