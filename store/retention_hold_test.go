package store

import (
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plowbox/plowbox/enrich"
)

// waitChanged waits on the store's change notification until cond holds.
func waitChanged(t *testing.T, s *Store, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		ch := s.Changed()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// The count limit never deletes a record a follower has not delivered; once the follower
// moves on, the next commit lets it.
func TestRetentionCountKeepsUndelivered(t *testing.T) {
	var hold atomic.Uint64
	hold.Store(4) // records 1 to 3 delivered
	s := openTest(t, Options{Retention: Retention{MaxRecords: 2, Interval: time.Hour, Hold: hold.Load}})
	for i := range 10 {
		writeAt(t, s, time.Now(), i, enrich.StageGood)
	}
	waitChanged(t, s, "records 1 to 3 deleted", func() bool { return s.FirstSeq() == 4 })
	if c := s.Counts(); c.Good != 7 {
		t.Errorf("%d records kept, want the 7 undelivered ones", c.Good)
	}
	hold.Store(math.MaxUint64)
	writeAt(t, s, time.Now(), 10, enrich.StageGood)
	waitChanged(t, s, "the count limit restored", func() bool { return s.Counts().Good == 2 })
	checkConsistent(t, s)
	if st := s.RetentionStats(); st.ByCount != 9 || st.Dropped != 0 {
		t.Errorf("RetentionStats() = %+v, want 9 deleted by count and none dropped", st)
	}
}

// The byte budget deletes undelivered records when it must, and counts them.
func TestRetentionBytesDropsUndelivered(t *testing.T) {
	s := openTest(t, Options{NoSync: true, Retention: Retention{MaxBytes: 1 << 20, Interval: time.Hour,
		Hold: func() uint64 { return 1 }}}) // nothing ever delivered
	for i := 0; s.RetentionStats().Dropped == 0; i++ {
		if i == 100000 {
			t.Fatal("100,000 writes and the budget never deleted anything")
		}
		writeAt(t, s, time.Now(), i, enrich.StageGood, enrich.StageValidation)
	}
	if err := s.settle(); err != nil { // the pass goes on after the last write
		t.Fatal(err)
	}
	st := s.RetentionStats()
	if st.ByAge+st.ByCount != 0 || st.Dropped != st.BySize {
		t.Errorf("RetentionStats() = %+v: every deletion is by size and dropped", st)
	}
	checkConsistent(t, s)
}
