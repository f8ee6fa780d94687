package store

import (
	"io/fs"
	"path/filepath"
)

// DirBytes is the size of the files under dir (the search index's directory, a data
// directory); 0 when it does not exist. Files it cannot stat are left out.
func DirBytes(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}
