package store

import (
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plowbox/plowbox/enrich"
)

// The byte budget covers the search index as it grows between two samples of its size:
// a pretend index that takes indexBytesPerRecord per stored record grows with every
// write, while the background loop (hourly here, every 5 s in plowbox) never samples it.
// The bbolt file plus the index as it is at that moment must stay under the budget after
// every write, while retention deletes by size.
func TestRetentionBytesIndexGrowth(t *testing.T) {
	const budget, indexBytesPerRecord = 3 << 20, 400
	var st atomic.Pointer[Store]
	indexBytes := func() int64 {
		if s := st.Load(); s != nil {
			c := s.Counts()
			return int64(c.Good+c.Bad) * indexBytesPerRecord
		}
		return 0
	}
	s := openTest(t, Options{NoSync: true, Retention: Retention{MaxBytes: budget, ExtraBytes: indexBytes, Interval: time.Hour}})
	st.Store(s)
	var peak int64
	for i := 0; i < 100000 && s.RetentionStats().Passes < 5; i++ {
		writeAt(t, s, time.Now(), i, enrich.StageGood, enrich.StageValidation)
		fi, err := os.Stat(s.Path())
		if err != nil {
			t.Fatal(err)
		}
		total := fi.Size() + indexBytes()
		peak = max(peak, total)
		if total > budget {
			t.Fatalf("after %d writes: file %d + index %d = %d bytes, over the %d budget", i+1, fi.Size(), indexBytes(), total, budget)
		}
	}
	rs := s.RetentionStats()
	t.Logf("peak %.2f MiB of %.2f MiB; %d deleted by size in %d passes", float64(peak)/(1<<20), float64(budget)/(1<<20), rs.BySize, rs.Passes)
	if rs.BySize == 0 {
		t.Error("nothing was deleted by size: the test did not reach the budget")
	}
}
