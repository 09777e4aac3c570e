//go:build !linux

package main

import "time"

// processCPU is not implemented here: the report leaves CPU per request out.
func processCPU(pid int) (time.Duration, bool) { return 0, false }
