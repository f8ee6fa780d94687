//go:build linux || darwin || freebsd

package store

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// FreeDiskBytes returns the bytes available to plowbox on the file system that holds dir.
func FreeDiskBytes(dir string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("free disk space of %s: %w", dir, err)
	}
	return int64(uint64(st.Bavail) * uint64(st.Bsize)), nil
}
