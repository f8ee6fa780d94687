package store

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Retention deletes the oldest records, in sequence order, so that the store keeps at
// most Retention's limits. Deletion is incremental: the writer goroutine deletes small
// chunks (pruneChunk records, one transaction each) between batches of writes, so
// ingestion never waits for more than one chunk.
//
// A pass starts when a commit leaves the store over its record or byte limit, and when
// the background loop (every Retention.Interval) finds records older than MaxAge or the
// index grown. It goes on chunk after chunk until every limit holds again.
//
// The byte budget caps the size of the bbolt file plus ExtraBytes (the search index).
// bbolt never shrinks its file: it reuses free pages before it grows. So the store keeps
// the pages in use (high-water mark minus free pages) under 90 % of what the file may
// reach, and when it gets there deletes down to 80 %: the freed pages take the next
// writes and the file stops growing. Open compacts the file into a new one when more
// than half of it is free or when it is over the budget.
//
// The index grows with every record indexed; its size is only known when sampled. So the
// writer samples it every refreshRecords records as well as the background loop. The
// index also swings above its live size: records deleted by retention stay in their
// segments until a merge rewrites them, and a merge keeps its inputs until its output is
// written. Deleting more records then does not help (the file, which never shrinks, would
// only grow back into the room when the index shrinks). So the budget reserves for the
// index, as a steady share, its bytes per live record at its low points (indexLow) times
// the records kept, plus indexSwing of that; and at least its last size plus what twice
// refreshRecords records add to it, for an index that does not shrink with the records.

// Retention configures which records the store keeps. The zero value keeps everything.
type Retention struct {
	// MaxAge deletes records whose collector payload arrived longer ago; 0 keeps them.
	MaxAge time.Duration
	// MaxRecords caps the number of records (good events and bad rows); 0 means no cap.
	MaxRecords int
	// MaxBytes caps the size of the bbolt file plus ExtraBytes(); 0 means no cap.
	MaxBytes int64
	// ExtraBytes returns the bytes of what else counts against MaxBytes (the search index
	// directory). It is called at Open, by the background loop and by the writer goroutine
	// every refreshRecords committed records: keep it quick and never wait for the index.
	// nil counts nothing.
	ExtraBytes func() int64
	// Interval is how often the background loop checks the age limit and ExtraBytes;
	// 0 means 5 seconds.
	Interval time.Duration
	// MinFreeBytes is the headroom kept free on the data directory's file system: with
	// MaxBytes set, the budget shrinks to what plowbox occupies plus the free space above
	// it when something else fills the disk. 0 keeps no headroom.
	MinFreeBytes int64
	// FreeBytes measures the free space of a directory's file system for MinFreeBytes;
	// nil means FreeDiskBytes.
	FreeBytes func(dir string) (int64, error)
	// Hold, when set, returns the lowest sequence that some follower (a Kafka sink, the
	// relay) has not delivered yet, math.MaxUint64 when none lags. MaxAge and MaxRecords
	// keep the records from it on; MaxBytes deletes them anyway, because the disk is full,
	// and counts them in RetentionStats.Dropped. It is called on the writer goroutine:
	// keep it to reading atomics.
	Hold func() uint64
}

// enabled reports whether any limit is set.
func (r Retention) enabled() bool { return r.MaxAge > 0 || r.MaxRecords > 0 || r.MaxBytes > 0 }

// RetentionStats count what retention and replays deleted since Open.
type RetentionStats struct {
	Deleted  uint64 // records deleted by retention
	ByAge    uint64 // … because they were older than MaxAge
	ByCount  uint64 // … because there were more than MaxRecords
	BySize   uint64 // … to keep within MaxBytes
	Payloads uint64 // collector payloads deleted with their last record
	Replaced uint64 // bad rows replaced by their replay
	Dropped  uint64 // records MaxBytes deleted before every follower had delivered them (Retention.Hold)
	Passes   uint64 // deletion transactions committed
	// Compacted is the number of bytes compaction gave back to the file system at Open.
	Compacted int64
	// Last is when retention last deleted something; zero when it never did.
	Last time.Time
}

// DiskUsage is what the store occupies on disk.
type DiskUsage struct {
	FileBytes  int64 // size of the bbolt file
	FreeBytes  int64 // free pages inside the file, reused before it grows
	ExtraBytes int64 // what Retention.ExtraBytes last reported (the search index)
	// ReserveBytes is what the budget sets aside for ExtraBytes: the index's bytes per
	// live record at its low points times the records kept, plus its swing.
	ReserveBytes int64
	BudgetBytes  int64 // Retention.MaxBytes; 0 when there is no byte budget
}

// Chunk sizes of deletion transactions.
const (
	pruneChunk      = 1000  // while writes go on
	pruneChunkStart = 10000 // at Open, before anything else runs
	// recordOverhead estimates the page bytes a record takes beyond its value: its key in
	// the records bucket and one or two index buckets, and bbolt's element headers.
	recordOverhead = 72
	// refreshRecords is how many committed records make the writer sample ExtraBytes.
	refreshRecords = 1000
	// indexSwing is what the budget reserves for the index above its bytes per live
	// record at its low points, as a share of them: the deleted documents that wait for a
	// merge and a merge's output written beside its inputs (BENCHMARKS.md, Soak).
	indexSwing = 0.3
)

// retention is the retention state of a Store.
type retention struct {
	cfg       Retention
	now       func() time.Time
	allocSize int64 // bbolt's growth step, set from MaxBytes

	// Owned by the writer goroutine (and by Open before it starts).
	pruning   bool       // a pass is under way
	shrinking bool       // the byte budget is being restored, down to the low mark
	warned    bool       // the budget-smaller-than-index warning was logged
	unsampled int        // records committed since the writer last sampled ExtraBytes
	settlers  []*request // settle calls waiting for the pass to end
	hw        int64      // the file's high-water mark after the last commit; 0 before the first

	refreshMu                               sync.Mutex   // serializes refreshExtra (loop and writer)
	low                                     indexLow     // the index's bytes per live record at its low points; guarded by refreshMu
	extra                                   atomic.Int64 // what ExtraBytes last returned
	reserve                                 atomic.Int64 // what the budget sets aside for ExtraBytes (extraBudget)
	slack                                   atomic.Int64 // the most free bytes the file ever grew with (learnSlack)
	disk                                    atomic.Int64 // file bytes + free disk bytes - MinFreeBytes; 0 when unknown
	deleted, byAge, byCount, bySize, passes atomic.Uint64
	payloads, replaced, dropped             atomic.Uint64
	compacted                               atomic.Int64
	last                                    atomic.Int64 // unix nanoseconds

	stop     chan struct{} // closed by Close
	stopOnce sync.Once
	loopDone chan struct{} // closed when the loop has exited
}

// growStep is the bbolt AllocSize for a byte budget: small budgets grow the file in small
// steps, so that a step never jumps over the budget.
func growStep(maxBytes int64) int64 {
	return min(max(maxBytes/32, 256<<10), 16<<20)
}

// marks returns the high and low marks of the pages in use: over high a pass starts,
// and it deletes down to low. limit is the highest high-water mark that keeps the file
// (which bbolt grows by allocSize past the high-water mark) within the budget, beside
// what the budget reserves for the index (extraBudget). high also leaves the
// most free space the file ever had to grow with (learnSlack) below the limit, but never
// drops under 80 % of it: an indexer that holds a read transaction through a big batch
// must not make retention delete half of the records.
func (r *retention) marks() (high, low int64) {
	budget := r.cfg.MaxBytes
	if d := r.disk.Load(); d != 0 {
		budget = min(budget, d+r.extra.Load())
	}
	limit := budget - r.extraBudget() - r.allocSize
	high = max(min(limit/10*9, limit-r.slack.Load()), limit/10*8)
	return high, high - limit/10
}

// extraBudget is what the byte budget sets aside for ExtraBytes, as of its last sample
// (indexReserve).
func (r *retention) extraBudget() int64 { return r.reserve.Load() }

// plan is what one deletion transaction deletes, oldest first.
type plan struct {
	cutoff       time.Time // records whose payload arrived before; zero for none
	extraRecords int       // records over MaxRecords
	extraBytes   int64     // bytes over the low mark
	hold         uint64    // age and count retention keep records from this sequence on
}

func (p plan) empty() bool { return p.cutoff.IsZero() && p.extraRecords <= 0 && p.extraBytes <= 0 }

// used returns the bytes of pages in use in the bbolt file: its high-water mark minus
// its free and pending pages.
func (s *Store) used() (int64, error) {
	hw, free, err := s.pages()
	return hw - free, err
}

// pages returns the bbolt file's high-water mark and the bytes of its free and pending
// pages.
func (s *Store) pages() (hw, free int64, err error) {
	if err := s.view(func(tx *bolt.Tx) error { hw = tx.Size(); return nil }); err != nil {
		return 0, 0, err
	}
	return hw, int64(s.db.Stats().FreeAlloc), nil
}

// learnSlack runs on the writer goroutine after each commit, with the file's high-water
// mark and free bytes: when the mark has grown, what was free then could not take the
// writes (pages pending while a reader still sees them, runs too short for a large
// value), so the marks keep at least that much free below the limit.
func (s *Store) learnSlack(hw, free int64) {
	r := &s.ret
	if r.hw == 0 { // the first commit since Open: the file did not grow, it was opened
		r.hw = hw
		return
	}
	if hw > r.hw {
		r.hw = hw
		if free > r.slack.Load() {
			r.slack.Store(free)
		}
	}
}

// checkRetention runs on the writer goroutine after each commit of records records: it
// samples ExtraBytes every refreshRecords records, and starts a pass when asked to or
// when the commit left the store over a limit.
func (s *Store) checkRetention(asked bool, records int) {
	r := &s.ret
	if !r.cfg.enabled() {
		return
	}
	used := int64(-1) // pages in use after this commit; -1 when unknown
	if r.cfg.MaxBytes > 0 {
		if hw, free, err := s.pages(); err == nil {
			s.learnSlack(hw, free)
			used = hw - free
		}
		if r.unsampled += records; r.unsampled >= refreshRecords {
			r.unsampled = 0
			s.refreshExtra()
		}
	}
	if r.pruning {
		return
	}
	if asked {
		r.pruning = true
		return
	}
	if r.cfg.MaxRecords > 0 && !s.held() {
		if c := s.meta.counts; c.Good+c.Bad > r.cfg.MaxRecords {
			r.pruning = true
			return
		}
	}
	if r.cfg.MaxBytes > 0 && used >= 0 {
		if high, _ := r.marks(); used > high {
			r.pruning = true
		}
	}
}

// makePlan decides what the next deletion transaction deletes.
func (s *Store) makePlan() (plan, error) {
	r := &s.ret
	p := plan{hold: math.MaxUint64}
	if r.cfg.Hold != nil {
		p.hold = r.cfg.Hold()
	}
	if r.cfg.MaxAge > 0 {
		cutoff := r.now().Add(-r.cfg.MaxAge)
		t, ok, err := s.Oldest()
		if err != nil {
			return p, err
		}
		if ok && t.Before(cutoff) {
			p.cutoff = cutoff
		}
	}
	if r.cfg.MaxRecords > 0 {
		c := s.meta.counts
		p.extraRecords = c.Good + c.Bad - r.cfg.MaxRecords
	}
	if r.cfg.MaxBytes > 0 {
		u, err := s.used()
		if err != nil {
			return p, err
		}
		high, low := r.marks()
		if u > high {
			r.shrinking = true
		}
		if r.shrinking {
			if u <= low {
				r.shrinking = false
			} else {
				p.extraBytes = u - low
			}
		}
		if low <= 0 && !r.warned {
			r.warned = true
			s.log.Warn("the retention byte budget is smaller than the search index: every record is deleted",
				"budget_bytes", r.cfg.MaxBytes, "index_bytes", r.extra.Load(), "index_reserve_bytes", r.reserve.Load())
		}
	}
	return p, nil
}

// pruneStep runs one deletion transaction of at most chunk records, or ends the pass
// when nothing is left to delete. It runs on the writer goroutine.
func (s *Store) pruneStep(chunk int) {
	r := &s.ret
	p, err := s.makePlan()
	if err != nil {
		s.log.Error("retention", "err", err)
		s.endPass()
		return
	}
	if p.empty() {
		s.endPass()
		return
	}
	m := s.meta
	var res pruned
	var first uint64
	err = s.db.Update(func(tx *bolt.Tx) (err error) {
		m = s.meta
		var w txWriter
		w.init(tx)
		if res, err = w.prune(p, chunk, &m); err != nil {
			return err
		}
		first = firstSeqTx(tx, m)
		return writeMeta(w.meta, m)
	})
	if err != nil {
		s.log.Error("retention: delete old records", "err", err)
		s.endPass()
		return
	}
	s.meta = m
	c := m.counts
	s.counts.Store(&c)
	s.firstSeq.Store(first)
	if len(res.seqs) == 0 && res.payloads == 0 {
		s.endPass()
		return
	}
	r.passes.Add(1)
	r.deleted.Add(uint64(len(res.seqs)))
	r.byAge.Add(uint64(res.byAge))
	r.byCount.Add(uint64(res.byCount))
	r.bySize.Add(uint64(res.bySize))
	r.payloads.Add(uint64(res.payloads))
	if res.dropped > 0 {
		r.dropped.Add(uint64(res.dropped))
		s.log.Warn("retention: the byte budget deleted records a follower had not delivered yet",
			"records", res.dropped, "budget_bytes", r.cfg.MaxBytes)
	}
	r.last.Store(r.now().UnixNano())
	s.notify()
	s.deleted(res.seqs)
	s.log.Debug("retention deleted records", "records", len(res.seqs), "kept", c.Good+c.Bad, "first_seq", first)
}

// endPass ends the retention pass on the writer goroutine and answers the settle calls
// that waited for it.
func (s *Store) endPass() {
	s.ret.pruning = false
	for _, req := range s.ret.settlers {
		req.errc <- nil
	}
	s.ret.settlers = nil
}

// settle returns once every write queued before it is committed and the retention pass
// it may have started has ended: the records, Counts and the deletions reported to
// OnDelete then agree until the next write or background check.
func (s *Store) settle() error {
	req := &request{op: opSettle, errc: make(chan error, 1)}
	if err := s.enqueue(context.Background(), req); err != nil {
		return err
	}
	return <-req.errc
}

// pruned is what one deletion transaction deleted.
type pruned struct {
	seqs                   []uint64 // record sequences, ascending
	byAge, byCount, bySize int
	payloads               int
	dropped                int // of bySize, records a follower had not delivered
}

// prune deletes the oldest records as p says, at most chunk of them, then the payloads
// no remaining record refers to.
func (w *txWriter) prune(p plan, chunk int, m *meta) (pruned, error) {
	var res pruned
	type victim struct{ k, v []byte }
	var victims []victim
	var freed int64
	lastPS, lastOld := uint64(math.MaxUint64), false
	ageOn := !p.cutoff.IsZero() // until the first payload that is not too old: key order
	c := w.records.Cursor()
walk:
	for k, v := c.First(); k != nil && len(victims) < chunk; k, v = c.Next() {
		h, err := recordHead(v)
		if err != nil {
			return res, fmt.Errorf("record %d: %w", seqOf(k), err)
		}
		ps := h.payloadSeq
		if ps != lastPS {
			pv := w.payloads.Get(key(ps))
			freed += int64(len(pv))
			if ageOn {
				// A payload that is missing or unreadable makes its records unreadable too:
				// age retention takes them.
				t, err := payloadTime(pv)
				lastOld = pv == nil || err != nil || t.Before(p.cutoff)
				ageOn = lastOld
			}
			lastPS = ps
		}
		held := seqOf(k) >= p.hold
		switch {
		case lastOld && !held:
			res.byAge++
		case p.extraRecords > 0 && !held:
			res.byCount++
		case freed < p.extraBytes:
			res.bySize++
			if held {
				res.dropped++
			}
		default:
			break walk
		}
		p.extraRecords--
		freed += int64(len(v)) + recordOverhead
		victims = append(victims, victim{append([]byte(nil), k...), append([]byte(nil), v...)})
	}
	for _, vi := range victims {
		if _, err := w.remove(vi.k, vi.v, m); err != nil {
			return res, err
		}
		res.seqs = append(res.seqs, seqOf(vi.k))
	}
	// Payloads are in the order of their records: those below the first remaining
	// record's payload have no record left (replays copy the payload they re-run).
	below := m.nextPayload
	if k, v := w.records.Cursor().First(); k != nil {
		h, err := recordHead(v)
		if err != nil {
			return res, fmt.Errorf("record %d: %w", seqOf(k), err)
		}
		below = h.payloadSeq
	}
	var gone [][]byte
	pc := w.payloads.Cursor()
	for k, _ := pc.First(); k != nil && seqOf(k) < below; k, _ = pc.Next() {
		gone = append(gone, append([]byte(nil), k...))
	}
	for _, k := range gone {
		if err := w.payloads.Delete(k); err != nil {
			return res, fmt.Errorf("delete payload %d: %w", seqOf(k), err)
		}
	}
	res.payloads = len(gone)
	return res, nil
}

// held reports whether the oldest record is one a follower has not delivered, so that
// neither the age nor the count limit may delete anything.
func (s *Store) held() bool {
	return s.ret.cfg.Hold != nil && s.firstSeq.Load() >= s.ret.cfg.Hold()
}

// firstSeqTx returns the sequence of the oldest record, or the next sequence when there
// is none.
func firstSeqTx(tx *bolt.Tx, m meta) uint64 {
	if k, _ := tx.Bucket(bucketRecords).Cursor().First(); k != nil {
		return seqOf(k)
	}
	return m.nextRecord
}

// FirstSeq returns the sequence of the oldest stored record, or LastSeq()+1 when the store
// is empty: every record below it has been deleted (by retention or Reset). A follower
// drops its copies of records below it; records deleted out of order (replays) are
// reported to the OnDelete subscribers.
func (s *Store) FirstSeq() uint64 { return s.firstSeq.Load() }

// RetentionStats returns what retention and replays deleted since Open.
func (s *Store) RetentionStats() RetentionStats {
	r := &s.ret
	st := RetentionStats{
		Deleted:   r.deleted.Load(),
		ByAge:     r.byAge.Load(),
		ByCount:   r.byCount.Load(),
		BySize:    r.bySize.Load(),
		Payloads:  r.payloads.Load(),
		Replaced:  r.replaced.Load(),
		Dropped:   r.dropped.Load(),
		Passes:    r.passes.Load(),
		Compacted: r.compacted.Load(),
	}
	if n := r.last.Load(); n != 0 {
		st.Last = time.Unix(0, n).UTC()
	}
	return st
}

// DiskUsage returns what the store occupies on disk.
func (s *Store) DiskUsage() (DiskUsage, error) {
	fi, err := os.Stat(s.path)
	if err != nil {
		return DiskUsage{}, fmt.Errorf("disk usage: %w", err)
	}
	return DiskUsage{
		FileBytes:    fi.Size(),
		FreeBytes:    int64(s.db.Stats().FreeAlloc),
		ExtraBytes:   s.ret.extra.Load(),
		ReserveBytes: s.ret.reserve.Load(),
		BudgetBytes:  s.ret.cfg.MaxBytes,
	}, nil
}

// retentionLoop checks the age limit and the extra bytes every interval, and asks the
// writer for a pass when a limit is exceeded.
func (s *Store) retentionLoop() {
	r := &s.ret
	defer close(r.loopDone)
	interval := r.cfg.Interval
	if interval <= 0 {
		interval = 5 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
		s.refreshExtra()
		if !s.retentionDue() {
			continue
		}
		req := &request{op: opPrune, errc: make(chan error, 1)}
		if err := s.enqueue(stopContext{r.stop}, req); err != nil {
			return
		}
	}
}

// refreshExtra asks Retention.ExtraBytes for the size of the index, with what it may
// grow by until the next sample, and measures the disk space left above
// Retention.MinFreeBytes.
func (s *Store) refreshExtra() {
	s.ret.refreshMu.Lock()
	defer s.ret.refreshMu.Unlock()
	if f := s.ret.cfg.ExtraBytes; f != nil {
		c := s.counts.Load() // nil at Open
		if c == nil {
			c = &s.meta.counts
		}
		s.ret.sampleExtra(f(), c.Good+c.Bad, s.lastSeq.Load())
	}
	if s.ret.cfg.MinFreeBytes > 0 && s.ret.cfg.MaxBytes > 0 {
		measure := s.ret.cfg.FreeBytes
		if measure == nil {
			measure = FreeDiskBytes
		}
		free, err := measure(filepath.Dir(s.path))
		size, serr := s.Size()
		if err == nil && serr == nil {
			s.ret.disk.Store(max(size+free-s.ret.cfg.MinFreeBytes, 1))
		}
	}
}

// retentionDue reports whether some limit is exceeded; it reads only committed state.
func (s *Store) retentionDue() bool {
	r := &s.ret
	if r.cfg.MaxAge > 0 {
		if t, ok, err := s.Oldest(); err == nil && ok && t.Before(r.now().Add(-r.cfg.MaxAge)) {
			return true
		}
	}
	if r.cfg.MaxRecords > 0 && !s.held() {
		if c := s.Counts(); c.Good+c.Bad > r.cfg.MaxRecords {
			return true
		}
	}
	if r.cfg.MaxBytes > 0 {
		high, _ := r.marks()
		if u, err := s.used(); err == nil && u > high {
			return true
		}
	}
	return false
}

// stopContext is a context.Context that is done when stop is closed.
type stopContext struct{ stop chan struct{} }

func (c stopContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c stopContext) Done() <-chan struct{}       { return c.stop }
func (c stopContext) Value(any) any               { return nil }
func (c stopContext) Err() error {
	select {
	case <-c.stop:
		return ErrClosed
	default:
		return nil
	}
}
