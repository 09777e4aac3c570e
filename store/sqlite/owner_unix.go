//go:build unix

package sqlite

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockOwner takes the owner's lock of the database at path without waiting.
// The kernel releases it when the process exits, however it exits.
func lockOwner(path string) (*os.File, error) {
	f, err := os.OpenFile(ownerLockPath(path), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: owner lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errOwned(path)
		}
		return nil, fmt.Errorf("sqlite: owner lock: %w", err)
	}
	return f, nil
}
