package main

import (
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
)

// retentionConfig is what plowbox serve can be told about retention.
type retentionConfig struct {
	age    time.Duration
	events int
	bytes  sizeSetting
}

// retentionOptions is the table of the retention options of plowbox serve.
func retentionOptions(c *retentionConfig) []option {
	c.bytes = sizeSetting{auto: true}
	return []option{
		{name: "retention-age", usage: "delete events and bad rows received longer ago than this; 0 keeps them", value: duration(&c.age, 7*24*time.Hour)},
		{name: "retention-events", usage: "keep at most this many events and bad rows, deleting the oldest; 0 for no cap", value: integer(&c.events, 0)},
		{name: "retention-bytes", usage: "cap on the disk space of the store and the search index, deleting the oldest records to stay under it: a size such as 500MB or 2GiB, 0 for no cap, or auto for 80 % of the disk space free at start (plus what plowbox already uses)", value: &c.bytes},
	}
}

// sizeSetting is a byte size option that may also be "auto".
type sizeSetting struct {
	auto  bool
	bytes int64
}

func (v *sizeSetting) String() string {
	if v.auto {
		return "auto"
	}
	return strconv.FormatInt(v.bytes, 10)
}

func (v *sizeSetting) Set(s string) error {
	if strings.EqualFold(strings.TrimSpace(s), "auto") {
		*v = sizeSetting{auto: true}
		return nil
	}
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	*v = sizeSetting{bytes: n}
	return nil
}

// sizeUnits are the units parseSize accepts, case-insensitively: decimal with B, binary
// with iB, and bare K/M/G/T as binary (as docker and most tools read them).
var sizeUnits = map[string]float64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
	"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40,
}

// parseSize reads a byte size: a number and an optional unit, e.g. 500MB, 2GiB, 1.5G.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(t)
	}
	n, err := strconv.ParseFloat(t[:i], 64)
	unit, ok := sizeUnits[strings.ToLower(strings.TrimSpace(t[i:]))]
	if i == 0 || err != nil || !ok || n < 0 || n*unit > math.MaxInt64 {
		return 0, fmt.Errorf("want a size such as 500MB, 2GiB or 0, or auto; got %q", s)
	}
	return int64(n * unit), nil
}

// storeRetention turns the options into the store's retention limits. The byte budget
// "auto" is 80 % of the space free on the data directory's file system plus what
// plowbox's files already take there (so a restart does not shrink the budget by what
// plowbox itself stored), and keeps headroom free on the disk whatever else fills it.
func storeRetention(c retentionConfig, dataDir, indexDir string, link *indexLink, log *slog.Logger) (store.Retention, error) {
	r := store.Retention{MaxAge: c.age, MaxRecords: c.events, MaxBytes: c.bytes.bytes, ExtraBytes: link.extraBytes}
	if c.age < 0 || c.events < 0 {
		return r, fmt.Errorf("--retention-age and --retention-events must not be negative")
	}
	if c.bytes.auto {
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
		// Headroom: when something else fills the disk, the budget shrinks so that the
		// disk keeps 5 % of that space (64 MiB to 1 GiB) free, instead of reaching ENOSPC.
		r.MinFreeBytes = min(max((free+used)/20, 64<<20), 1<<30)
	}
	log.Info("retention", "max_age", c.age, "max_records", c.events, "max_bytes", r.MaxBytes, "min_free_bytes", r.MinFreeBytes)
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
