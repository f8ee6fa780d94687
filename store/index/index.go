package index

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/plowbox/plowbox/store"
)

// Options configures an Index.
type Options struct {
	// Logger receives indexing problems; nil means slog.Default().
	Logger *slog.Logger
	// BatchSize caps the records indexed in one bleve batch; 0 means 4096. Each batch
	// takes what was committed while the last one was indexed: one record when the
	// store is idle, up to BatchSize under a flood.
	BatchSize int
	// MaxTail bounds the tail: records committed but not indexed yet, which queries
	// scan beside the index. When the store supports back-pressure (Store.Follow),
	// writes slow down while the tail is longer; 0 means DefaultMaxTail.
	MaxTail uint64
	// MaxSegmentDocs caps the documents of a segment that bleve's merges produce; 0 means
	// scorch's default (5,000,000). Under a byte budget, retention deletes the oldest
	// records: with small segments the oldest ones empty whole and are dropped without
	// being rewritten, and a merge rewrites at most this many documents, so the index
	// swings less above its live size (BENCHMARKS.md, Soak).
	MaxSegmentDocs int

	gate     chan struct{} // tests: when set, the follower takes one value before each round
	rollHold chan struct{} // tests: when set, the rollup's rebuild waits until it is closed
}

// RebuildBatch is the batch size of a rebuild from scratch (plowbox reindex, plowbox bench
// scale). Batches of 4096 (the follower's default, for floods) held a live heap near a
// 256 MiB memory limit and the GC ran three times as often; batches of 1024 keep it near
// 100 MB and cost less CPU per record (BENCHMARKS.md).
const RebuildBatch = 1024

// DefaultMaxTail is the default bound of the tail of unindexed records. Queries index
// the tail in memory as they need it (each record once, however many queries run), so
// the bound caps what the first query after a flood pays: about a quarter of a second
// on the development VM.
const DefaultMaxTail = 4096

// Keys of the values kept inside the bleve index (SetInternal), written with each batch so
// that they always describe the documents persisted with them.
var (
	keyFormat     = []byte("plowbox_format")
	keySeq        = []byte("plowbox_seq")        // every record up to it is indexed
	keyGeneration = []byte("plowbox_generation") // the store generation the documents come from
	keyColumns    = []byte("plowbox_columns")    // JSON array of the lossy-JSON columns seen
)

// Index is plowbox's bleve index. It is safe for concurrent use.
type Index struct {
	dir     string
	src     Source
	log     *slog.Logger
	batch   int
	maxTail uint64
	segDocs int // Options.MaxSegmentDocs
	im      *mapping.IndexMappingImpl
	tail    tail      // the unindexed records, indexed in memory for queries (tail.go)
	del     deletions // records deleted from the store, not yet from the index (delete.go)
	detach  func()    // ends the store's follow and deletion subscriptions
	gate    chan struct{}

	minWindow      uint64 // smallest window of newest-first searches; tests lower it
	facetedMatches int    // most matches per range counted with one facet; tests set it

	countMu   sync.Mutex
	lastCount struct {
		key string
		res *bleve.SearchResult
	}

	mu  sync.RWMutex // guards bi: held for reading by searches, for writing to replace it
	bi  bleve.Index
	bld builder // used by the follower goroutine only

	roll rollup // counts for facets and histograms, in step with bi (rollup.go)

	colMu   sync.Mutex
	columns []string // sorted copy of bld.cols, replaced after each batch that grew it

	indexed     atomic.Uint64                 // every record up to this sequence is indexed
	gen         atomic.Uint64                 // the store generation bi holds
	unindexable atomic.Uint64                 // values left out since Open
	changed     atomic.Pointer[chan struct{}] // closed and replaced after each batch
	lastErr     atomic.Pointer[error]

	stop chan struct{} // closed by Close
	done chan struct{} // closed when the follower has exited
	once sync.Once

	forgetMu sync.Mutex
	forget   []uint64      // deleted records whose documents the follower is to delete
	kick     chan struct{} // wakes the follower for forget
}

// Open opens (creating if needed) the index in dir and starts following src: it first
// catches up with what src committed since the index last saw it, in the background.
// An index of another store generation, another format, or one that cannot be opened is
// rebuilt from src.
func Open(dir string, src Source, opts Options) (*Index, error) {
	im, err := newMapping()
	if err != nil {
		return nil, err
	}
	ix := &Index{
		dir:     dir,
		src:     src,
		log:     opts.Logger,
		batch:   opts.BatchSize,
		segDocs: opts.MaxSegmentDocs,
		im:      im,

		minWindow:      minWindow,
		facetedMatches: facetedMatches,
		stop:           make(chan struct{}),
		done:           make(chan struct{}),
		kick:           make(chan struct{}, 1),
	}
	if ix.log == nil {
		ix.log = slog.Default()
	}
	if ix.batch <= 0 {
		ix.batch = 4096
	}
	ix.maxTail, ix.gate = opts.MaxTail, opts.gate
	if ix.maxTail == 0 {
		ix.maxTail = DefaultMaxTail
	}
	ix.bld = newBuilder(im)
	ix.roll.log, ix.roll.hold = ix.log, opts.rollHold
	ix.del.init()
	ch := make(chan struct{})
	ix.changed.Store(&ch)
	gen, err := ix.open()
	if err != nil {
		return nil, err
	}
	ix.gen.Store(gen)
	ix.detach = ix.attach()
	go ix.follow(gen)
	go ix.relay()
	return ix, nil
}

// newBuilder returns a document builder for mapping im.
func newBuilder(im *mapping.IndexMappingImpl) builder {
	return builder{
		txt:  im.AnalyzerNamed(analyzerText),
		cols: map[string]struct{}{},
	}
}

// attach subscribes the index to the store's deletions and, when the store supports
// it, attaches it as a follower with back-pressure at maxTail.
func (ix *Index) attach() (detach func()) {
	var undo []func()
	if d, ok := ix.src.(interface {
		OnDelete(fn func(seqs []uint64)) (cancel func())
	}); ok {
		undo = append(undo, d.OnDelete(ix.del.add))
	}
	if f, ok := ix.src.(interface {
		Follow(f store.Follower, opts store.FollowOptions) (detach func())
	}); ok {
		undo = append(undo, f.Follow(ix, store.FollowOptions{MaxLag: ix.maxTail}))
	}
	return func() {
		for _, u := range undo {
			u()
		}
	}
}

// Name is the index's name as a follower of the store.
func (ix *Index) Name() string { return "index" }

// Position is the sequence up to which every record is indexed.
func (ix *Index) Position() uint64 { return ix.indexed.Load() }

// Progress returns a channel closed when the index next changes.
func (ix *Index) Progress() <-chan struct{} { return ix.Changed() }

// relay wakes the readers of Changed at each commit of the store too: with the tail,
// a commit is searchable before it is indexed (the live tail and wait re-run then).
func (ix *Index) relay() {
	for {
		ch := ix.src.Changed()
		select {
		case <-ix.stop:
			return
		case <-ch:
			ix.notify()
		}
	}
}

// open opens the bleve index in ix.dir, wiping it when it does not match the store, and
// loads the persisted sequence and columns. It returns the generation the index holds.
func (ix *Index) open() (uint64, error) {
	gen := ix.src.Generation()
	bi, err := bleve.OpenUsing(ix.dir, scorchConfig(ix.segDocs))
	if err == nil {
		seq, sgen, format, cols, rerr := readState(bi)
		switch {
		case rerr != nil:
			ix.log.Warn("search index state unreadable, rebuilding it from the store", "dir", ix.dir, "err", rerr)
		case format != formatVersion:
			ix.log.Info("search index format changed, rebuilding it from the store", "dir", ix.dir)
		case sgen != gen:
			ix.log.Info("store was reset since the search index was written, rebuilding it", "dir", ix.dir)
		default:
			ix.bi = bi
			ix.indexed.Store(seq)
			for _, c := range cols {
				ix.bld.cols[c] = struct{}{}
			}
			ix.columns = cols
			return gen, nil
		}
		bi.Close()
	} else if !errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		ix.log.Warn("search index cannot be opened, rebuilding it from the store", "dir", ix.dir, "err", err)
	}
	if err := ix.create(gen); err != nil {
		return 0, err
	}
	return gen, nil
}

// create replaces whatever is in ix.dir with an empty index of generation gen.
func (ix *Index) create(gen uint64) error {
	if err := os.RemoveAll(ix.dir); err != nil {
		return fmt.Errorf("search index: remove %s: %w", ix.dir, err)
	}
	bi, err := bleve.NewUsing(ix.dir, ix.im, scorch.Name, scorch.Name, scorchConfig(ix.segDocs))
	if err != nil {
		return fmt.Errorf("search index: create %s: %w", ix.dir, err)
	}
	b := bi.NewBatch()
	b.SetInternal(keyFormat, []byte(formatVersion))
	b.SetInternal(keyGeneration, u64(gen))
	b.SetInternal(keySeq, u64(0))
	if err := bi.Batch(b); err != nil {
		bi.Close()
		return fmt.Errorf("search index: initialise %s: %w", ix.dir, err)
	}
	ix.bi = bi
	ix.indexed.Store(0)
	clear(ix.bld.cols)
	ix.colMu.Lock()
	ix.columns = nil
	ix.colMu.Unlock()
	return nil
}

// readState reads the values open needs from the index.
func readState(bi bleve.Index) (seq, gen uint64, format string, cols []string, err error) {
	f, err := bi.GetInternal(keyFormat)
	if err != nil {
		return 0, 0, "", nil, err
	}
	s, err := bi.GetInternal(keySeq)
	if err != nil {
		return 0, 0, "", nil, err
	}
	g, err := bi.GetInternal(keyGeneration)
	if err != nil {
		return 0, 0, "", nil, err
	}
	if len(s) != 8 || len(g) != 8 {
		return 0, 0, string(f), nil, fmt.Errorf("sequence or generation missing")
	}
	c, err := bi.GetInternal(keyColumns)
	if err != nil {
		return 0, 0, "", nil, err
	}
	if len(c) > 0 {
		if err := json.Unmarshal(c, &cols); err != nil {
			return 0, 0, "", nil, fmt.Errorf("columns: %w", err)
		}
	}
	return binary.BigEndian.Uint64(s), binary.BigEndian.Uint64(g), string(f), cols, nil
}

// scorchConfig is the configuration of bleve's scorch index. A batch returns once it is
// searchable, not once it is on disk ("unsafe_batch"): the index is derived data, and the
// sequence persisted with each batch says where to resume after a crash.
//
// Under steady traffic the follower indexes many small batches, one segment each. With
// scorch's default floor of 2,000 documents every small segment counts as a 2,000-document
// one, so the merge planner keeps merging them; a floor of 10 lets small segments wait
// until a tier of them is worth merging (BenchmarkIndexRecord, batch=64). maxSegmentDocs,
// when above 0, caps the documents of a merged segment (Options.MaxSegmentDocs).
func scorchConfig(maxSegmentDocs int) map[string]any {
	plan := map[string]any{"FloorSegmentSize": 10}
	if maxSegmentDocs > 0 {
		plan["MaxSegmentSize"] = maxSegmentDocs
	}
	return map[string]any{
		"unsafe_batch":           true,
		"scorchMergePlanOptions": plan,
	}
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// follow is the follower goroutine: it indexes what the store commits, batch by batch,
// removes what the store deleted, and starts over when the store is reset. A batch
// takes everything committed while the previous one was indexed (up to BatchSize), so
// batches are small when the store is idle and large under a flood, with no throttle.
func (ix *Index) follow(gen uint64) {
	defer close(ix.done)
	ix.roll.rebuild(ix.bi, ix.indexed.Load())
	var retry time.Duration
	for {
		if ix.gate != nil {
			select {
			case <-ix.gate:
			case <-ix.stop:
				return
			}
		}
		wake := ix.src.Changed()
		if g := ix.src.Generation(); g != gen {
			if err := ix.wipe(g); err != nil {
				ix.fail(err)
				if !ix.sleep(time.Second) {
					return
				}
				continue
			}
			gen = g
		}
		err := ix.applyDeletions()
		more := false
		if err == nil {
			more, err = ix.step(gen)
		}
		if err != nil {
			ix.fail(err)
			retry = min(max(2*retry, 100*time.Millisecond), 10*time.Second)
			if !ix.sleep(retry) {
				return
			}
			continue
		}
		retry = 0
		ix.lastErr.Store(nil)
		if more {
			continue
		}
		select {
		case <-ix.stop:
			return
		case <-wake:
		case <-ix.del.wake:
		case <-ix.kick:
		}
	}
}

// fail records and logs an indexing failure; the follower retries.
func (ix *Index) fail(err error) {
	ix.lastErr.Store(&err)
	ix.log.Error("search index", "err", err)
}

// sleep waits d or until Close; false means Close.
func (ix *Index) sleep(d time.Duration) bool {
	select {
	case <-ix.stop:
		return false
	case <-time.After(d):
		return true
	}
}

// wipe empties the index after a store Reset.
func (ix *Index) wipe(gen uint64) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if err := ix.bi.Close(); err != nil {
		ix.log.Warn("search index: close before rebuild", "err", err)
	}
	if err := ix.create(gen); err != nil {
		return err
	}
	ix.gen.Store(gen)
	ix.roll.rebuild(ix.bi, 0)
	ix.notify()
	return nil
}

// step indexes up to one batch of records committed after the indexed sequence, and
// reports whether more may be waiting.
func (ix *Index) step(gen uint64) (more bool, err error) {
	from, target := ix.indexed.Load(), ix.src.LastSeq()
	// The deletions reported before target was published go first, so that a search that
	// waited for target (Sync) no longer finds what those records replaced.
	if err := ix.deleteForgotten(); err != nil {
		return false, err
	}
	if target <= from {
		return false, nil
	}
	ix.mu.RLock()
	bi := ix.bi
	ix.mu.RUnlock()
	b := bi.NewBatch()
	rb := ix.roll.batch(bi)
	last, n := from, 0
	err = ix.src.Since(from, func(rec *store.Record) bool {
		if rec.Seq > target {
			// Committed after target was read: its deletions may not be applied yet.
			return false
		}
		d := ix.bld.safeBuild(rec)
		if err := b.IndexAdvanced(d); err != nil {
			ix.bld.skipped++
			ix.log.Warn("search index: record left unindexed", "seq", rec.Seq, "err", err)
		} else {
			rb.index(d)
		}
		if rec.ReplayOf != 0 {
			// The record a replay replaced goes in the same batch as its replacement: the
			// store's announcement of its deletion lives in memory only, and a crash before
			// bleve wrote that deletion would otherwise leave it searchable for good.
			for _, kind := range []string{KindBad, KindIncomplete, KindGood} {
				b.Delete(docID(kind, rec.ReplayOf))
				rb.delete(docID(kind, rec.ReplayOf))
			}
		}
		last = rec.Seq
		n++
		return n < ix.batch
	})
	if err != nil {
		rb.done(false, 0)
		return false, fmt.Errorf("read store after %d: %w", from, err)
	}
	if n < ix.batch {
		// Since saw every record up to target: those it did not yield were deleted.
		last = max(last, target)
	}
	if n == 0 {
		rb.done(false, 0)
		ix.roll.advance(last)
		ix.indexed.Store(last)
		ix.notify()
		return false, nil
	}
	b.SetInternal(keySeq, u64(last))
	b.SetInternal(keyGeneration, u64(gen))
	var cols []string
	if ix.bld.newCols {
		cols = make([]string, 0, len(ix.bld.cols))
		for c := range ix.bld.cols {
			cols = append(cols, c)
		}
		slices.Sort(cols)
		v, _ := json.Marshal(cols)
		b.SetInternal(keyColumns, v)
	}
	err = bi.Batch(b)
	rb.done(err == nil, last)
	if err != nil {
		return false, fmt.Errorf("index records %d to %d: %w", from+1, last, err)
	}
	if cols != nil {
		ix.bld.newCols = false
		ix.colMu.Lock()
		ix.columns = cols
		ix.colMu.Unlock()
	}
	ix.unindexable.Add(ix.bld.skipped)
	ix.bld.skipped = 0
	ix.indexed.Store(last)
	ix.notify()
	ix.waitPersister(bi)
	return n >= ix.batch, nil
}

// maxMemorySegments is how many batches may wait in memory for bleve's persister before
// the follower waits for it: a rebuild indexes faster than segments are written, and
// each waiting segment holds memory.
const maxMemorySegments = 6

// waitPersister waits (up to 2 s) while too many indexed batches are not yet on disk.
func (ix *Index) waitPersister(bi bleve.Index) {
	for range 100 {
		if memorySegments(bi) <= maxMemorySegments || !ix.sleep(20*time.Millisecond) {
			return
		}
	}
}

// memorySegments returns how many in-memory segments bleve's scorch index holds.
func memorySegments(bi bleve.Index) uint64 {
	adv, err := bi.Advanced()
	if err != nil {
		return 0
	}
	sc, ok := adv.(*scorch.Scorch)
	if !ok {
		return 0
	}
	st, ok := sc.Stats().(*scorch.Stats)
	if !ok {
		return 0
	}
	return atomic.LoadUint64(&st.TotMemorySegmentsAtRoot)
}

// notify wakes the goroutines waiting on Changed.
func (ix *Index) notify() {
	ch := make(chan struct{})
	close(*ix.changed.Swap(&ch))
}

// Close stops following the store, waits until everything indexed is on disk, and closes
// the index, so that the next Open resumes where this one stopped instead of indexing
// again what was indexed but not yet written. It may be called more than once.
func (ix *Index) Close() error {
	var err error
	ix.once.Do(func() {
		ix.detach()
		close(ix.stop)
		<-ix.done
		ix.roll.stop()
		ix.mu.Lock()
		defer ix.mu.Unlock()
		err = ix.persist()
		if e := ix.bi.Close(); e != nil && err == nil {
			err = fmt.Errorf("close search index %s: %w", ix.dir, e)
		}
		ix.tail.close()
	})
	return err
}

// persistTimeout bounds how long Close waits for bleve to write the batches it holds in
// memory; a slow disk leaves them to be indexed again at the next Open.
const persistTimeout = time.Minute

// persist waits until bleve has written every batch indexed so far. Batches return once
// searchable (unsafe_batch) and bleve writes them in the background; its Close drops
// those not yet written. The last batch records the indexed sequence once more (it may
// have moved past records deleted since the previous batch), and bleve writes a batch
// together with every one before it.
func (ix *Index) persist() error {
	persisted := make(chan error, 1)
	b := ix.bi.NewBatch()
	b.SetInternal(keySeq, u64(ix.indexed.Load()))
	b.SetPersistedCallback(func(err error) { persisted <- err })
	if err := ix.bi.Batch(b); err != nil {
		return fmt.Errorf("close search index %s: write its state: %w", ix.dir, err)
	}
	select {
	case err := <-persisted:
		if err != nil {
			return fmt.Errorf("close search index %s: write to disk: %w", ix.dir, err)
		}
		return nil
	case <-time.After(persistTimeout):
		return fmt.Errorf("close search index %s: not written to disk after %v, the records since the last write will be indexed again", ix.dir, persistTimeout)
	}
}

// Sync waits until every record up to seq is searchable, or ctx ends. Queries answer
// from the index and the tail of committed records it has not reached yet, so every
// committed record is searchable at once: Sync waits only for records not yet
// committed, and for the index to start over after a Reset.
func (ix *Index) Sync(ctx context.Context, seq uint64) error {
	for {
		ch := ix.Changed()
		if ix.src.LastSeq() >= seq && ix.gen.Load() == ix.src.Generation() {
			return nil
		}
		select {
		case <-ch:
		case <-ix.done:
			return ErrClosed
		case <-ctx.Done():
			return fmt.Errorf("search index: waiting for record %d: %w", seq, ctx.Err())
		}
	}
}

// WaitIndexed waits until every record up to seq is in the index itself (not only in the
// tail), or ctx ends: what a rebuild waits for before it closes the index.
func (ix *Index) WaitIndexed(ctx context.Context, seq uint64) error {
	for {
		ch := ix.Changed()
		if ix.indexed.Load() >= seq {
			return nil
		}
		select {
		case <-ch:
		case <-ix.done:
			return ErrClosed
		case <-ctx.Done():
			return fmt.Errorf("search index at %d, waiting for %d: %w", ix.indexed.Load(), seq, ctx.Err())
		}
	}
}

// Changed returns a channel closed after the next indexed batch (the live tail waits on it).
func (ix *Index) Changed() <-chan struct{} { return *ix.changed.Load() }

// Columns returns every lossy-JSON column name seen in indexed events, with the nested
// contexts_X.field and unstruct_event_X.field names, sorted bytewise (/micro/columns).
// The columns of the tail's records, not indexed yet, are among them.
func (ix *Index) Columns(ctx context.Context) ([]string, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	v, err := ix.view(ctx)
	if err != nil {
		return nil, fmt.Errorf("search index: columns: %w", err)
	}
	defer v.release()
	ix.colMu.Lock()
	cols := append([]string{}, ix.columns...)
	ix.colMu.Unlock()
	if v.bi == ix.bi {
		return cols, nil
	}
	// The tail is part of the view, and view holds ix.tail.mu for reading until release.
	n := len(cols)
	for c := range ix.tail.bld.cols {
		if _, found := slices.BinarySearch(cols[:n], c); !found {
			cols = append(cols, c)
		}
	}
	if len(cols) > n {
		slices.Sort(cols)
		cols = slices.Compact(cols)
	}
	return cols, nil
}

// Healthy returns the last indexing failure, nil when the last batch succeeded.
func (ix *Index) Healthy() error {
	if err := ix.lastErr.Load(); err != nil {
		return *err
	}
	return nil
}

// Stats describes the index.
func (ix *Index) Stats() Stats {
	st := Stats{IndexedSeq: ix.indexed.Load(), Unindexable: ix.unindexable.Load()}
	if last := ix.src.LastSeq(); last > st.IndexedSeq {
		st.Lag = last - st.IndexedSeq
	}
	ix.mu.RLock()
	if n, err := ix.bi.DocCount(); err == nil {
		st.Docs = n
	}
	ix.mu.RUnlock()
	st.DiskBytes = store.DirBytes(ix.dir)
	return st
}
