package store

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/plowbox/plowbox/enrich"
)

// With MinFreeBytes, the byte budget shrinks when the disk fills up: on a 10 MiB disk
// with 1 MiB of headroom, a 64 MiB budget keeps the file within 9 MiB rather than
// writing until the disk is full (ENOSPC).
func TestRetentionKeepsDiskHeadroom(t *testing.T) {
	const capacity, headroom = 10 << 20, 1 << 20
	disk := func(dir string) (int64, error) { // a disk holding the store file alone
		fi, err := os.Stat(filepath.Join(dir, FileName))
		if err != nil {
			return capacity, nil
		}
		return capacity - fi.Size(), nil
	}
	s := openTest(t, Options{NoSync: true, Retention: Retention{
		MaxBytes: 64 << 20, MinFreeBytes: headroom, FreeBytes: disk, Interval: 10 * time.Millisecond}})
	var maxFile int64
	for i := 0; i < 40000 && (s.RetentionStats().BySize == 0 || s.RetentionStats().Passes < 3); i++ {
		writeAt(t, s, time.Now(), i, enrich.StageGood, enrich.StageValidation)
		if fi, err := os.Stat(s.Path()); err == nil {
			maxFile = max(maxFile, fi.Size())
		}
	}
	st := s.RetentionStats()
	t.Logf("file at most %.2f MiB; %d deleted by size in %d passes", float64(maxFile)/(1<<20), st.BySize, st.Passes)
	if maxFile > capacity-headroom {
		t.Errorf("the file reached %d bytes on a %d-byte disk with %d bytes of headroom", maxFile, capacity, headroom)
	}
	if st.BySize == 0 {
		t.Error("nothing was deleted: the test did not reach the headroom")
	}
}
