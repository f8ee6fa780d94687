package index

import (
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
)

// Pruner deletes from the search index the documents of the records the store deleted
// (retention below the store's first record, replays above it), on its own goroutine so
// that the store's writer never waits for the index. It is made before the store, whose
// retention it serves, and started once the index, opened after the store, exists: it
// also reports the index's size for the store's byte budget.
type Pruner struct {
	log  *slog.Logger
	ix   atomic.Pointer[Index]
	size atomic.Int64 // the index's size, refreshed by DiskBytes

	mu      sync.Mutex
	pending []uint64 // deleted records whose documents are still to delete
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

// NewPruner returns a pruner that is not started yet.
func NewPruner(log *slog.Logger) *Pruner {
	return &Pruner{log: log, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// DiskBytes is store.Retention.ExtraBytes: the size of the index directory; 0 before
// Start.
func (l *Pruner) DiskBytes() int64 {
	if ix := l.ix.Load(); ix != nil {
		l.size.Store(ix.Stats().DiskBytes)
	}
	return l.size.Load()
}

// OnDelete is store.Options.OnDelete: it queues the sequences and returns at once.
func (l *Pruner) OnDelete(seqs []uint64) {
	l.mu.Lock()
	l.pending = append(l.pending, seqs...)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// FirstSeqer is the part of the store the pruner reads: its first record's sequence.
type FirstSeqer interface{ FirstSeq() uint64 }

// Start starts deleting documents from ix, below st's first record and of the records
// deleted out of order (replays). Call Stop before closing ix.
func (l *Pruner) Start(st FirstSeqer, ix *Index) {
	l.ix.Store(ix)
	go l.run(st, ix)
}

func (l *Pruner) run(st FirstSeqer, ix *Index) {
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

// Stop ends the deletion goroutine, if Start started it; it may be called more than once.
func (l *Pruner) Stop() {
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
