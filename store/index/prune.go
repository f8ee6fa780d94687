package index

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/plowbox/plowbox/store"
)

// Forget queues the documents of deleted records (retention, replays) for deletion and
// returns at once, so the store's writer never waits for the index. The follower deletes
// them before it indexes the records committed after them: once Sync has returned for a
// sequence, a search no longer finds the records deleted before that sequence was
// committed.
func (ix *Index) Forget(seqs []uint64) {
	if len(seqs) == 0 {
		return
	}
	ix.forgetMu.Lock()
	ix.forget = append(ix.forget, seqs...)
	ix.forgetMu.Unlock()
	select {
	case ix.kick <- struct{}{}:
	default:
	}
}

// firstSeqer is a Source that also knows its oldest record, as *store.Store does:
// every record below it has been deleted.
type firstSeqer interface{ FirstSeq() uint64 }

// deleteForgotten deletes the documents Forget queued: every document below the
// source's first record (what retention deleted) and those of the records deleted out
// of order above it (replays). On failure the sequences stay queued for the next step.
func (ix *Index) deleteForgotten() error {
	ix.forgetMu.Lock()
	seqs := ix.forget
	ix.forget = nil
	ix.forgetMu.Unlock()
	if len(seqs) == 0 {
		return nil
	}
	slices.Sort(seqs)
	above := seqs
	if src, ok := ix.src.(firstSeqer); ok {
		first := src.FirstSeq()
		if err := ix.DeleteBefore(first); err != nil {
			ix.requeue(seqs)
			return err
		}
		i, _ := slices.BinarySearch(seqs, first)
		above = seqs[i:]
	}
	if err := ix.Delete(above...); err != nil {
		ix.requeue(seqs)
		return err
	}
	return nil
}

// requeue puts seqs back in front of what was queued since.
func (ix *Index) requeue(seqs []uint64) {
	ix.forgetMu.Lock()
	ix.forget = append(seqs, ix.forget...)
	ix.forgetMu.Unlock()
}

// Pruner connects the store's deletions and byte budget to the search index, which is
// opened after the store: store.Options.OnDelete is its OnDelete, which queues the
// deleted records for the index (Forget) once Start has given it one, and
// store.Retention.ExtraBytes is its DiskBytes, the index's size.
type Pruner struct {
	ix   atomic.Pointer[Index]
	size atomic.Int64 // the index's size, refreshed by DiskBytes

	mu      sync.Mutex
	pending []uint64 // deleted before Start
}

// NewPruner returns a pruner without an index yet.
func NewPruner() *Pruner { return &Pruner{} }

// DiskBytes is store.Retention.ExtraBytes: the size of the index directory; 0 before
// Start. The store's writer calls it, so it only reads the directory and never waits
// for the index.
func (p *Pruner) DiskBytes() int64 {
	if ix := p.ix.Load(); ix != nil {
		p.size.Store(store.DirBytes(ix.dir))
	}
	return p.size.Load()
}

// OnDelete is store.Options.OnDelete: it hands the sequences to the index, or keeps
// them until Start.
func (p *Pruner) OnDelete(seqs []uint64) {
	p.mu.Lock()
	ix := p.ix.Load()
	if ix == nil {
		p.pending = append(p.pending, seqs...)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	ix.Forget(seqs)
}

// Start makes ix the index whose documents of deleted records are deleted, beginning
// with those deleted before.
func (p *Pruner) Start(ix *Index) {
	p.mu.Lock()
	p.ix.Store(ix)
	pending := p.pending
	p.pending = nil
	p.mu.Unlock()
	ix.Forget(pending)
}
