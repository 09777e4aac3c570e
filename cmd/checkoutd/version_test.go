package main

import (
	"runtime"
	"runtime/debug"
	"testing"
)

// TestFormatVersion covers what a build from a git checkout stamps, which
// the binary TestVersion runs may lack (a git worktree, -buildvcs=false).
func TestFormatVersion(t *testing.T) {
	tail := " " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
	vcs := func(modified string) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0470282876a88f1b7dd4d073b62972b3255903f1"}, {Key: "vcs.modified", Value: modified},
		}}
	}
	for _, c := range []struct {
		name    string
		release string
		info    *debug.BuildInfo
		want    string
	}{
		{"work tree, clean", "", vcs("false"), "checkoutd (devel) (revision 0470282876a88f1b7dd4d073b62972b3255903f1)" + tail},
		{"work tree, modified", "", vcs("true"), "checkoutd (devel) (revision 0470282876a88f1b7dd4d073b62972b3255903f1, modified)" + tail},
		{"go install @v1.2.0", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}, "checkoutd v1.2.0 (revision unknown)" + tail},
		{"-ldflags -X main.version", "v1.3.0", vcs("false"), "checkoutd v1.3.0 (revision 0470282876a88f1b7dd4d073b62972b3255903f1)" + tail},
		{"no build information", "", nil, "checkoutd (unknown) (revision unknown)" + tail},
	} {
		if got := formatVersion(c.release, c.info); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
