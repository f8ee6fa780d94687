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

// swingIndex is a pretend search index under retention: perDoc bytes for each document
// from the start of the oldest segment that still holds a live record to the newest
// record. Segments hold segDocs documents in sequence order; a segment's space comes
// back only once every record in it is deleted, as when scorch drops an emptied segment.
// So the index swings between its live size and that plus a segment, above the records
// kept, as the real one does between merges.
type swingIndex struct {
	st             atomic.Pointer[Store]
	perDoc, segDoc int64
}

func (x *swingIndex) bytes() int64 {
	s := x.st.Load()
	if s == nil {
		return 0
	}
	first, last := int64(s.FirstSeq()), int64(s.LastSeq())
	oldest := (first - 1) / x.segDoc * x.segDoc // the first sequence of the oldest segment, less one
	return max(last-oldest, 0) * x.perDoc
}

// The byte budget holds an index that swings above its live size, and keeps a steady
// number of records doing so: it reserves the index's bytes per live record at its low
// points times the records kept, plus indexSwing for the documents waiting for a merge
// (TestSoak in cmd/plowbox measures the real index). Reserving only the index's last
// size lets the file grow into the room a low point leaves, over the budget at the next
// high; reserving its recent peak makes retention delete more at every swing.
func TestRetentionBytesIndexSwing(t *testing.T) {
	const budget, writes = 4 << 20, 24000
	for _, c := range []struct {
		name           string
		perDoc, segDoc int64
	}{
		{"small segments", 600, 500},
		{"segments of a third of the records", 600, 1500},
		{"index larger than the file", 1500, 800},
	} {
		t.Run(c.name, func(t *testing.T) {
			ix := &swingIndex{perDoc: c.perDoc, segDoc: c.segDoc}
			s := openTest(t, Options{NoSync: true, Retention: Retention{MaxBytes: budget, ExtraBytes: ix.bytes, Interval: time.Hour}})
			ix.st.Store(s)
			var kept []int // records kept after each write, once retention has begun
			var peak, peakIndex int64
			for i := range writes {
				writeAt(t, s, time.Now(), i, enrich.StageGood, enrich.StageValidation)
				fi, err := os.Stat(s.Path())
				if err != nil {
					t.Fatal(err)
				}
				idx := ix.bytes()
				total := fi.Size() + idx
				peak, peakIndex = max(peak, total), max(peakIndex, idx)
				if total > budget {
					t.Fatalf("after %d writes (%d records kept): file %d + index %d = %d bytes, over the %d budget",
						i+1, s.Counts().Good+s.Counts().Bad, fi.Size(), idx, total, budget)
				}
				if s.RetentionStats().BySize > 0 {
					kept = append(kept, s.Counts().Good+s.Counts().Bad)
				}
			}
			if len(kept) < writes/2 {
				t.Fatalf("retention began after %d of %d writes: the test did not exercise the budget", writes-len(kept), writes)
			}
			// Steady: the records kept over the second half of the deletions against the first.
			lo1, hi1 := minMax(kept[:len(kept)/2])
			lo2, hi2 := minMax(kept[len(kept)/2:])
			t.Logf("peak %.2f MiB of %.2f MiB (index at most %.2f MiB); records kept %d–%d, then %d–%d",
				float64(peak)/(1<<20), float64(budget)/(1<<20), float64(peakIndex)/(1<<20), lo1, hi1, lo2, hi2)
			if lo2 < lo1*9/10 || lo2 < hi2*3/4 {
				t.Errorf("records kept %d–%d, then %d–%d: retention does not hold a steady number", lo1, hi1, lo2, hi2)
			}
		})
	}
}

func minMax(xs []int) (lo, hi int) {
	lo, hi = xs[0], xs[0]
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}
