package main

import "syscall"

// sysProcAttr puts the server in its own process group (a terminal's Ctrl-C
// reaches only this command, which then stops the server in order) and has
// the kernel kill it if this command dies without cleaning up.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
