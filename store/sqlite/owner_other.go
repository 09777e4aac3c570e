//go:build !unix

package sqlite

import "os"

// lockOwner has no lock to take here: the Store runs without the owner's
// session cache, reading every session from the file.
func lockOwner(path string) (*os.File, error) { return nil, nil }
