//go:build windows

package store

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// FreeDiskBytes returns the bytes available to plowbox on the volume that holds dir.
func FreeDiskBytes(dir string) (int64, error) {
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return 0, fmt.Errorf("free disk space of %s: %w", dir, err)
	}
	var avail, total, free uint64
	if err := windows.GetDiskFreeSpaceEx(p, &avail, &total, &free); err != nil {
		return 0, fmt.Errorf("free disk space of %s: %w", dir, err)
	}
	return int64(avail), nil
}
