//go:build unix && !linux

package main

import "syscall"

// sysProcAttr puts the server in its own process group, so a terminal's
// Ctrl-C reaches only this command, which then stops the server in order.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
