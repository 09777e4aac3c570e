package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version names a release when the build sets it:
//
//	go build -ldflags "-X main.version=v1.2.0" ./cmd/checkoutd
//
// Without it, the module version stands: v1.2.0 for go install
// github.com/checkoutd/checkoutd/cmd/checkoutd@v1.2.0, (devel) for a build
// from a work tree, whose revision then says what it is.
var version string

// printVersion is checkoutd version (and --version): one line an operator
// can paste into a bug report.
func printVersion(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", "Prints the version of this binary, the revision it was built from (and whether the work tree had changes) and the Go version.", stdout, stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(stdout, versionLine())
	return nil
}

func versionLine() string {
	info, _ := debug.ReadBuildInfo()
	return formatVersion(version, info)
}

// formatVersion is the line for a release name v (may be empty) and the
// binary's build information (nil when it has none).
func formatVersion(v string, info *debug.BuildInfo) string {
	rev, modified := "unknown", false
	if info != nil {
		if v == "" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "(unknown)"
	}
	rev = "revision " + rev
	if modified {
		rev += ", modified"
	}
	return fmt.Sprintf("checkoutd %s (%s) %s %s/%s", v, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
