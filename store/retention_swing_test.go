package store

import "testing"

// swingSim drives the byte budget's arithmetic (retention.sampleExtra, marks) through a
// steady stream of writes without bbolt: a file whose pages in use are filePerRecord a
// record kept, which grows by allocSize past what a commit needs and never shrinks; a search index of
// indexPerDoc a document from the start of the oldest segment still holding a live
// record to the newest record, in segments of segDocs documents, whose space comes back
// only when a whole segment is deleted (scorch drops an emptied segment); the writer's
// commits of batch records, a sample of the index every refreshRecords records, and a
// pass that deletes down to the low mark when a commit leaves the pages in use over the
// high one.
type swingSim struct {
	budget                     int64
	filePerRecord, indexPerDoc int64
	segDocs                    int64
	fixedIndex                 int64 // the index's size without documents
}

// swingRun is what a simulated run measured.
type swingRun struct {
	peak, peakIndex int64 // the most file + index, and index, after any commit
	over            int   // commits that left file + index over the budget
	kept            []int // records kept after each commit, once retention has begun
}

func (c swingSim) run(records int) swingRun {
	r := &retention{cfg: Retention{MaxBytes: c.budget}, allocSize: growStep(c.budget)}
	const batch = 100
	var first, last int64 = 1, 0 // the oldest and the newest record's sequence
	var file int64
	index := func() int64 {
		oldest := (first - 1) / c.segDocs * c.segDocs
		return c.fixedIndex + (last-oldest)*c.indexPerDoc
	}
	var out swingRun
	unsampled := 0
	for written := 0; written < records; written += batch {
		last += batch
		if unsampled += batch; unsampled >= refreshRecords {
			unsampled = 0
			r.sampleExtra(index(), int(last-first+1), uint64(last))
		}
		// The commit. The file keeps free as much as the marks leave between the high mark
		// and the limit (pages freed by passes, fragmented, pinned by readers): it grows
		// when the pages in use and that are more than it holds.
		used := (last - first + 1) * c.filePerRecord
		high, low := r.marks()
		limit := 10 * (high - low)
		if need := used + max(limit-high, 0); need > file {
			file = need + r.allocSize
		}
		if used > high {
			first += min((used-max(low, 0)+c.filePerRecord-1)/c.filePerRecord, last-first+1)
		}
		total := file + index()
		out.peak, out.peakIndex = max(out.peak, total), max(out.peakIndex, index())
		if total > c.budget {
			out.over++
		}
		if first > 1 {
			out.kept = append(out.kept, int(last-first+1))
		}
	}
	return out
}

// The byte budget holds an index that swings above its live size and keeps a steady
// number of records doing so, without spiralling down: it reserves the index's bytes per
// live record at its low points times the records kept, plus indexSwing for the
// documents waiting for a merge (TestSoak in cmd/plowbox measures the real index).
// Reserving the index's last size let the file grow into the room a low point leaves,
// over the budget at the next high.
func TestRetentionBytesIndexSwing(t *testing.T) {
	const budget = 256 << 20
	for _, c := range []struct {
		name string
		sim  swingSim
	}{
		// Figures of the soak: 600 B a record in the file, 900 in the index, segments of
		// a tenth of the records kept (plowbox's --retention-bytes sizing).
		{"soak", swingSim{budget: budget, filePerRecord: 600, indexPerDoc: 900, segDocs: 16000, fixedIndex: 1 << 20}},
		{"segments of a fifth", swingSim{budget: budget, filePerRecord: 600, indexPerDoc: 900, segDocs: 30000, fixedIndex: 1 << 20}},
		// The soak's index before its segments were capped swung by a third of its size.
		{"segments of a third", swingSim{budget: budget, filePerRecord: 600, indexPerDoc: 900, segDocs: 45000, fixedIndex: 1 << 20}},
		{"index smaller than the file", swingSim{budget: budget, filePerRecord: 1500, indexPerDoc: 400, segDocs: 12000, fixedIndex: 1 << 20}},
		{"index of a fixed size", swingSim{budget: budget, filePerRecord: 600, indexPerDoc: 0, segDocs: 16000, fixedIndex: 64 << 20}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := c.sim.run(3_000_000)
			if len(res.kept) < 1000 {
				t.Fatalf("retention ran after %d commits only: the test did not exercise the budget", len(res.kept))
			}
			half := len(res.kept) / 2
			lo1, hi1 := minMax(res.kept[:half])
			lo2, hi2 := minMax(res.kept[half:])
			t.Logf("peak %.1f MB of %.1f MB (index at most %.1f MB); records kept %d–%d, then %d–%d",
				float64(res.peak)/1e6, float64(c.sim.budget)/1e6, float64(res.peakIndex)/1e6, lo1, hi1, lo2, hi2)
			if res.over > 0 {
				t.Errorf("%d commits left the file and the index over the budget, at most %d bytes of %d", res.over, res.peak, c.sim.budget)
			}
			if lo2 < lo1*9/10 || lo2 < hi2*4/5 {
				t.Errorf("records kept %d–%d, then %d–%d: retention does not keep a steady number", lo1, hi1, lo2, hi2)
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

// indexLow keeps the least bytes per record of the current and the previous window, a
// window spanning half of the records kept (at least indexLowWindow written records), so
// that a swing above the low points does not raise it and a lasting change does, within
// two windows.
func TestIndexLow(t *testing.T) {
	type sample struct {
		bytes   int64
		records int
		seq     uint64
		want    float64
	}
	const w = indexLowWindow
	for _, c := range []struct {
		name    string
		samples []sample
	}{
		{"empty store", []sample{{bytes: 1 << 20, records: 0, seq: 0, want: 0}}},
		{"the least of a window", []sample{
			{bytes: 100_000, records: 100, seq: 100, want: 1000},
			{bytes: 150_000, records: 100, seq: 200, want: 1000}, // a swing
			{bytes: 90_000, records: 100, seq: 300, want: 900},
		}},
		{"the previous window still counts", []sample{
			{bytes: 90_000, records: 100, seq: 100, want: 900},
			{bytes: 150_000, records: 100, seq: w + 100, want: 900}, // a new window
			{bytes: 120_000, records: 100, seq: w + 200, want: 900},
		}},
		{"a lasting rise counts after two windows", []sample{
			{bytes: 90_000, records: 100, seq: 100, want: 900},
			{bytes: 150_000, records: 100, seq: w + 100, want: 900},
			{bytes: 140_000, records: 100, seq: 2*w + 100, want: 1400},
		}},
		{"windows of half of the records kept", []sample{
			{bytes: 90_000_000, records: 100_000, seq: 100_000, want: 900},
			{bytes: 150_000_000, records: 100_000, seq: 100_000 + 40_000, want: 900}, // within 50,000
			{bytes: 140_000_000, records: 100_000, seq: 100_000 + 50_000, want: 900}, // a new window
			{bytes: 140_000_000, records: 100_000, seq: 100_000 + 100_000, want: 1400},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var l indexLow
			for i, s := range c.samples {
				if got := l.observe(s.bytes, s.records, s.seq); got != s.want {
					t.Errorf("sample %d (%d bytes, %d records, seq %d): %v bytes a record, want %v", i, s.bytes, s.records, s.seq, got, s.want)
				}
			}
		})
	}
}
