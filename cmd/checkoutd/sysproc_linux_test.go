package main_test

import (
	"os/exec"
	"syscall"
)

// dieWithTest makes the kernel kill cmd should the test process die without
// running its cleanups (a panic, a -timeout), so no server is left behind.
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
