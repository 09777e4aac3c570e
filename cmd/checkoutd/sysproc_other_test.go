//go:build unix && !linux

package main_test

import "os/exec"

// dieWithTest has no portable equivalent of Linux's Pdeathsig; the test's
// cleanups stop every process it starts.
func dieWithTest(cmd *exec.Cmd) {}
