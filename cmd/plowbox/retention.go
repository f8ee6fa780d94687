package main

import (
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plowbox/plowbox/internal/options"

	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
)

// retentionConfig is what plowbox serve can be told about retention.
type retentionConfig struct {
	age    time.Duration
	events int
	bytes  options.SizeOrAuto
}

// retentionOptions is the table of the retention options of plowbox serve.
func retentionOptions(c *retentionConfig) []options.Option {
	c.bytes = options.SizeOrAuto{Auto: true}
	return []options.Option{
		{Name: "retention-age", Usage: "delete events and bad rows received longer ago than this; 0 keeps them", Value: options.Duration(&c.age, 7*24*time.Hour)},
		{Name: "retention-events", Usage: "keep at most this many events and bad rows, deleting the oldest; 0 for no cap", Value: options.Int(&c.events, 0)},
		{Name: "retention-bytes", Usage: "cap on the disk space of the store and the search index, deleting the oldest records to stay under it: a size such as 500MB or 2GiB, 0 for no cap, or auto for 80 % of the disk space free at start (plus what plowbox already uses)", Value: &c.bytes},
	}
}

// storeRetention turns the options into the store's retention limits. The byte budget
// "auto" is 80 % of the space free on the data directory's file system plus what
// plowbox's files already take there (so a restart does not shrink the budget by what
// plowbox itself stored).
func storeRetention(c retentionConfig, dataDir, indexDir string, link *indexLink, log *slog.Logger) (store.Retention, error) {
	r := store.Retention{MaxAge: c.age, MaxRecords: c.events, MaxBytes: c.bytes.Bytes, ExtraBytes: link.extraBytes}
	if c.age < 0 || c.events < 0 {
		return r, fmt.Errorf("--retention-age and --retention-events must not be negative")
	}
	if c.bytes.Auto {
		free, err := store.FreeDiskBytes(dataDir)
		if err != nil {
			log.Warn("retention: no byte budget, the free disk space is unknown; set --retention-bytes", "err", err)
			return r, nil
		}
		used := dirBytes(dataDir)
		if rel, err := filepath.Rel(dataDir, indexDir); err != nil || strings.HasPrefix(rel, "..") {
			used += dirBytes(indexDir)
		}
		r.MaxBytes = (free + used) / 10 * 8
	}
	log.Info("retention", "max_age", c.age, "max_records", c.events, "max_bytes", r.MaxBytes)
	return r, nil
}

// dirBytes is the size of the files under dir; 0 when it does not exist.
func dirBytes(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// indexLink connects the store's retention and replays to the search index, which is
// opened after the store: it reports the index's size for the byte budget, and deletes
// the documents of deleted records on its own goroutine, so the store's writer never
// waits for the index.
type indexLink struct {
	log  *slog.Logger
	ix   atomic.Pointer[index.Index]
	size atomic.Int64 // the index's size, refreshed by extraBytes

	mu      sync.Mutex
	pending []uint64 // deleted records whose documents are still to delete
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

func newIndexLink(log *slog.Logger) *indexLink {
	return &indexLink{log: log, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// extraBytes is store.Retention.ExtraBytes: the size of the index directory.
func (l *indexLink) extraBytes() int64 {
	if ix := l.ix.Load(); ix != nil {
		l.size.Store(ix.Stats().DiskBytes)
	}
	return l.size.Load()
}

// onDelete is store.Options.OnDelete: it queues the sequences and returns at once.
func (l *indexLink) onDelete(seqs []uint64) {
	l.mu.Lock()
	l.pending = append(l.pending, seqs...)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// attach starts deleting documents from ix, below st's first record and of the records
// deleted out of order (replays). Call stop before closing ix.
func (l *indexLink) attach(st *store.Store, ix *index.Index) {
	l.ix.Store(ix)
	go l.run(st, ix)
}

func (l *indexLink) run(st *store.Store, ix *index.Index) {
	defer close(l.done)
	for {
		select {
		case <-l.stop:
			return
		case <-l.wake:
		}
		l.mu.Lock()
		seqs := l.pending
		l.pending = nil
		l.mu.Unlock()
		first := st.FirstSeq()
		if err := ix.DeleteBefore(first); err != nil {
			l.log.Warn("search index: delete documents of records retention deleted", "err", err)
		}
		// What retention deleted is below first; what replays replaced may be above.
		slices.Sort(seqs)
		i, _ := slices.BinarySearch(seqs, first)
		if above := seqs[i:]; len(above) > 0 {
			if err := ix.Delete(above...); err != nil {
				l.log.Warn("search index: delete documents of replayed bad rows", "err", err)
			}
		}
	}
}

// stopDeleting ends the deletion goroutine, if attach started it.
func (l *indexLink) stopDeleting() {
	if l.ix.Load() == nil {
		return
	}
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	<-l.done
}
