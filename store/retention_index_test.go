package store

import (
	"os"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

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

// The byte budget holds while readers pin pages: the pages a write transaction frees stay
// pending while a read transaction that began before it is open, so writes cannot reuse
// them and grow the file. Here a reader holds a transaction across 10 writes out of
// every 200, once bbolt's memory map has its final size (4 MiB: a write that remaps
// waits for the readers); the file must stay under the budget after every write.
func TestRetentionBytesPinnedReader(t *testing.T) {
	const budget = 3 << 20
	s := openTest(t, Options{NoSync: true, Retention: Retention{MaxBytes: budget, Interval: time.Hour}})
	var peak int64
	var reader *bolt.Tx
	defer func() { // before Close, which waits for the readers
		if reader != nil {
			reader.Rollback()
		}
	}()
	for i := 0; i < 100000 && s.RetentionStats().Passes < 3; i++ {
		switch {
		case reader == nil && i%200 == 0 && highWater(t, s) > 2<<20:
			tx, err := s.db.Begin(false)
			if err != nil {
				t.Fatal(err)
			}
			reader = tx
		case reader != nil && i%200 == 10:
			if err := reader.Rollback(); err != nil {
				t.Fatal(err)
			}
			reader = nil
		}
		writeAt(t, s, time.Now(), i, enrich.StageGood, enrich.StageValidation)
		fi, err := os.Stat(s.Path())
		if err != nil {
			t.Fatal(err)
		}
		peak = max(peak, fi.Size())
		if fi.Size() > budget {
			t.Fatalf("after %d writes: file %d bytes, over the %d budget", i+1, fi.Size(), budget)
		}
	}
	rs := s.RetentionStats()
	t.Logf("peak %.2f MiB of %.2f MiB; %d deleted by size in %d passes, %d kept", float64(peak)/(1<<20), float64(budget)/(1<<20), rs.BySize, rs.Passes, s.Counts().Good+s.Counts().Bad)
	if rs.BySize == 0 {
		t.Error("nothing was deleted by size: the test did not reach the budget")
	}
}

// highWater is the bbolt file's high-water mark; past 2 MiB, bbolt maps 4 MiB.
func highWater(t *testing.T, s *Store) int64 {
	t.Helper()
	hw, err := s.Size()
	if err != nil {
		t.Fatal(err)
	}
	return hw
}
