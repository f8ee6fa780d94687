// Package store keeps plowbox's data durably: collector payloads, enriched events and bad
// rows in bbolt, written with group commit so that a write returns only once it is on disk.
//
// Every Write is handed to a single writer goroutine, which commits all writes queued
// meanwhile in one bbolt transaction and one fsync, then releases their callers. Readers
// run in bbolt read transactions and see every write that has returned.
package store

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// Record is one stored output of the pipeline, with the payload it came from.
type Record struct {
	Seq        uint64 // arrival order, unique, increasing
	PayloadSeq uint64 // the sequence of Payload; records of one payload share it
	Stage      enrich.Stage
	Payload    *collector.Payload // shared by the records of one payload; do not modify
	Raw        *event.RawEvent    // nil for payload-level failures
	Event      *event.Event       // good or incomplete event; nil for payload-level failures
	BadRow     []byte             // nil for good events
	ReplayOf   uint64             // the bad row this record replaced when it came from a replay; 0 otherwise
	Run        string             // the test run of the record; "" for none
	Plan       []byte             // the tracking-plan verdict (JSON) of a checked event; nil otherwise
}

// Counts are the numbers of stored records by kind.
type Counts struct {
	Good       int // good events
	Bad        int // bad rows (every non-good record)
	Incomplete int // incomplete events (bad rows of the validation stage)
}

// add counts one record of stage st, or removes it when n is -1.
func (c *Counts) add(st enrich.Stage, n int) {
	switch st {
	case enrich.StageGood:
		c.Good += n
	case enrich.StageValidation:
		c.Bad += n
		c.Incomplete += n
	default:
		c.Bad += n
	}
}

// Options configures a Store.
type Options struct {
	// NoSync skips fsync; for benchmarks of everything but the disk only.
	NoSync bool
	// MaxBatch caps the number of writes committed in one transaction. 0 means 4096.
	MaxBatch int
	// Logger receives commit failures; nil means slog.Default().
	Logger *slog.Logger
	// OnCommit, when set, is called by the writer after each successful commit with the
	// number of writes and records it held and how long the transaction (fsync
	// included) took. It must be quick: the next batch waits for it.
	OnCommit func(batch, records int, d time.Duration)
	// Retention limits what the store keeps (retention.go); the zero value keeps
	// everything.
	Retention Retention
	// OnDelete, when set, is subscribed to deletions at Open, as with Store.OnDelete.
	OnDelete func(seqs []uint64)
	// Now is the clock of age retention; nil means time.Now.
	Now func() time.Time
}

// Stats are cumulative counters of the writer since Open.
type Stats struct {
	Batches uint64 // committed transactions
	Writes  uint64 // committed Write calls
	Records uint64 // committed records
	Failed  uint64 // Write calls failed by a failed commit
}

// Store is plowbox's embedded event store. It is safe for concurrent use.
type Store struct {
	db       *bolt.DB
	path     string
	log      *slog.Logger
	maxBatch int
	onCommit func(batch, records int, d time.Duration)
	fol      followers // attached followers and deletion subscribers
	ret      retention
	z        *compressor // compresses the bodies of stored values

	mu     sync.RWMutex // held for reading while enqueuing, for writing by Close
	closed bool
	queue  chan *request
	done   chan struct{} // closed when the writer goroutine has exited

	// Written only by the writer goroutine; next* are read by nobody else.
	meta meta

	counts     atomic.Pointer[Counts]        // committed counts, replaced after each commit
	lastSeq    atomic.Uint64                 // sequence of the newest committed record
	firstSeq   atomic.Uint64                 // sequence of the oldest record, lastSeq+1 when none
	generation atomic.Uint64                 // number of Resets ever committed
	changed    atomic.Pointer[chan struct{}] // closed and replaced after each commit
	health     atomic.Pointer[error]         // error of the last commit, nil when it succeeded
	stats      struct{ batches, writes, records, failed atomic.Uint64 }
}

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("store closed")

// Open opens (creating if needed) the store in directory dir.
func Open(dir string, opts Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open store: create data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	db, err := openDB(path, opts)
	if err != nil {
		return nil, err
	}
	z, err := newCompressor(runtime.GOMAXPROCS(0))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	s := &Store{
		z:        z,
		db:       db,
		path:     path,
		log:      opts.Logger,
		maxBatch: opts.MaxBatch,
		onCommit: opts.OnCommit,
		queue:    make(chan *request, 4096),
		done:     make(chan struct{}),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.maxBatch <= 0 {
		s.maxBatch = 4096
	}
	s.ret = retention{cfg: opts.Retention, now: opts.Now, stop: make(chan struct{}), loopDone: make(chan struct{})}
	if s.ret.now == nil {
		s.ret.now = time.Now
	}
	ch := make(chan struct{})
	s.changed.Store(&ch)
	if opts.OnDelete != nil {
		s.OnDelete(opts.OnDelete)
	}
	if err := s.prepare(opts); err != nil {
		s.z.close()
		s.db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	c := s.meta.counts
	s.counts.Store(&c)
	s.lastSeq.Store(s.meta.nextRecord - 1)
	s.generation.Store(s.meta.generation)
	go s.run()
	if s.ret.cfg.enabled() {
		go s.retentionLoop()
	} else {
		close(s.ret.loopDone)
	}
	return s, nil
}

// Close waits for pending writes and closes the store. Later writes return ErrClosed;
// Close itself may be called more than once.
func (s *Store) Close() error {
	s.ret.stopOnce.Do(func() { close(s.ret.stop) })
	<-s.ret.loopDone
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.queue)
	s.mu.Unlock()
	<-s.done
	s.z.done.Wait()   // dictionary training, which writes to bbolt
	defer s.z.close() // after bbolt, which waits for the reads under way
	if err := syncFreelist(s.db); err != nil {
		s.log.Warn("close store: the next open scans the file", "path", s.path, "err", err)
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store %s: %w", s.path, err)
	}
	return nil
}

// Path returns the path of the bbolt file.
func (s *Store) Path() string { return s.path }

// Counts returns the record counts. It reads no data and includes every write that has
// returned.
func (s *Store) Counts() Counts { return *s.counts.Load() }

// LastSeq returns the sequence of the newest committed record, 0 when none was ever written.
// Sequences keep increasing across Reset.
func (s *Store) LastSeq() uint64 { return s.lastSeq.Load() }

// Generation returns the number of Resets ever committed. A follower that keeps a copy of
// the data (the search index) compares it with the generation it copied from and starts
// over when they differ.
func (s *Store) Generation() uint64 { return s.generation.Load() }

// Changed returns a channel that is closed at the next commit (a write or a Reset). Take a
// new channel after each wake-up: each one fires once.
func (s *Store) Changed() <-chan struct{} { return *s.changed.Load() }

// notify wakes the goroutines waiting on Changed.
func (s *Store) notify() {
	ch := make(chan struct{})
	close(*s.changed.Swap(&ch))
}

// Stats returns the writer's counters since Open; Records/Batches is the batch size achieved.
func (s *Store) Stats() Stats {
	return Stats{
		Batches: s.stats.batches.Load(),
		Writes:  s.stats.writes.Load(),
		Records: s.stats.records.Load(),
		Failed:  s.stats.failed.Load(),
	}
}

// Healthy returns nil when the store accepts writes: it is open and its last commit
// succeeded, or failed on a full disk that has regained space since.
func (s *Store) Healthy() error {
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	if p := s.health.Load(); p != nil {
		if diskFull(*p) && s.spaceBack() {
			s.health.CompareAndSwap(p, nil) // the next commit tells for sure
			return nil
		}
		return fmt.Errorf("store %s: last commit failed: %w", s.path, *p)
	}
	return nil
}

// Size returns the size in bytes of the bbolt file, including free pages.
func (s *Store) Size() (int64, error) {
	var n int64
	err := s.view(func(tx *bolt.Tx) error {
		n = tx.Size()
		return nil
	})
	return n, err
}

// view runs fn in a read transaction, mapping a closed database to ErrClosed.
func (s *Store) view(fn func(*bolt.Tx) error) error {
	err := s.db.View(fn)
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}
