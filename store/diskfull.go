package store

import (
	"errors"
	"path/filepath"
	"syscall"
)

// recoverFreeBytes is the free space a full disk must have regained before the store
// counts as able to write again, with no commit to prove it: readiness probes take a
// plowbox that cannot store out of traffic, so no commit would ever come.
const recoverFreeBytes = 4 << 20

// diskFull reports whether err says that the file system is full.
func diskFull(err error) bool { return errors.Is(err, syscall.ENOSPC) }

// spaceBack reports whether a commit that failed on a full disk may succeed now.
func (s *Store) spaceBack() bool {
	free, err := FreeDiskBytes(filepath.Dir(s.path))
	return err == nil && free >= recoverFreeBytes
}
