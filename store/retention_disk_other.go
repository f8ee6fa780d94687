//go:build !(linux || darwin || freebsd || windows)

package store

import (
	"errors"
	"fmt"
)

// FreeDiskBytes reports that this system's free disk space is unknown to plowbox.
func FreeDiskBytes(dir string) (int64, error) {
	return 0, fmt.Errorf("free disk space of %s: %w", dir, errors.ErrUnsupported)
}
