package store

import "math"

// indexLow follows the index's bytes per live record at its low points: the least
// ratio of its size to the records kept over a sliding window of written records, at
// least half of the records kept (indexLowWindow), so that it spans the merges that give
// deleted documents' space back. It is the share of the index that the records kept
// need; the rest is the swing that merges cause. The zero value has seen nothing.
type indexLow struct {
	cur, prev float64 // least ratios of the current and the previous window; 0 for none
	from      uint64  // the last sequence when the current window began
}

// indexLowWindow is the least number of written records a window of indexLow spans.
const indexLowWindow = 8 * refreshRecords

// observe takes a sample of the index, bytes for records kept when the last sequence
// written was seq, and returns the least ratio of the last one to two windows; 0 while
// the store is empty.
func (l *indexLow) observe(bytes int64, records int, seq uint64) float64 {
	if records <= 0 {
		return l.estimate()
	}
	if window := uint64(max(records/2, indexLowWindow)); seq-l.from >= window {
		l.prev, l.cur, l.from = l.cur, 0, seq
	}
	if ratio := float64(bytes) / float64(records); l.cur == 0 || ratio < l.cur {
		l.cur = ratio
	}
	return l.estimate()
}

// estimate returns the least ratio of the current and the previous window.
func (l *indexLow) estimate() float64 {
	switch {
	case l.prev == 0:
		return l.cur
	case l.cur == 0:
		return l.prev
	}
	return math.Min(l.cur, l.prev)
}

// indexReserve is what the byte budget sets aside for an index of bytes that may grow by
// growth until its next sample, holding records at perRecord bytes a live record at its
// low points: those plus indexSwing of them for its merges, and never less than its
// size plus growth.
func indexReserve(bytes, growth int64, perRecord float64, records int) int64 {
	steady := int64(perRecord * float64(records) * (1 + indexSwing))
	return max(bytes+growth, steady)
}

// sampleExtra takes a sample of ExtraBytes, n bytes with records kept and seq the last
// sequence written, and sets what the budget reserves for it. It runs under refreshMu.
func (r *retention) sampleExtra(n int64, records int, seq uint64) {
	r.extra.Store(n)
	// A small index is mostly its fixed part: it grows by at most itself.
	growth := 2 * refreshRecords * n / int64(max(records, 2*refreshRecords))
	r.reserve.Store(indexReserve(n, growth, r.low.observe(n, records, seq), records))
}
