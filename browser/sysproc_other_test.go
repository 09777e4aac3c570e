//go:build !linux

package browser_test

import "os/exec"

// dieWithTest has no portable equivalent of Linux's Pdeathsig; TestMain
// stops every process it starts.
func dieWithTest(cmd *exec.Cmd) {}
