package index

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// deletions are the records the store deleted whose documents may still be in the index.
// The store reports them before the call that deleted them returns (a replay, a
// retention pass); queries leave them out from then on, and the follower removes their
// documents in the background.
type deletions struct {
	mu     sync.Mutex
	hidden map[uint64]struct{} // deleted out of order (replays), documents not yet removed
	change uint64              // counts changes to hidden, for the count cache
	wake   chan struct{}       // signalled when hidden grows
	below  atomic.Uint64       // every document below it is removed
}

func (d *deletions) init() {
	d.hidden = map[uint64]struct{}{}
	d.wake = make(chan struct{}, 1)
}

// add notes deleted records; it is the store's OnDelete subscriber, so it is quick.
func (d *deletions) add(seqs []uint64) {
	d.mu.Lock()
	for _, s := range seqs {
		d.hidden[s] = struct{}{}
	}
	d.change++
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// pending returns the hidden sequences, ascending.
func (d *deletions) pending() []uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Sorted(maps.Keys(d.hidden))
}

// done forgets seqs, whose documents are removed.
func (d *deletions) done(seqs []uint64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range seqs {
		delete(d.hidden, s)
	}
	d.change++
}

// exclude returns the query of the documents queries must leave out: those of records
// deleted out of order, and those below first, the store's oldest record, while their
// removal is under way. It is nil when there are none. state changes whenever the
// documents left out may have, for the count cache.
func (d *deletions) exclude(first uint64) (q query.Query, state string) {
	var or []query.Query
	below := d.below.Load()
	if first > below && first > 1 {
		or = append(or, seqBelow(first))
	}
	d.mu.Lock()
	pending := slices.Sorted(maps.Keys(d.hidden))
	change := d.change
	d.mu.Unlock()
	state = fmt.Sprint(first, "/", below, "/", change)
	for _, s := range pending {
		if s >= first {
			v := float64(s)
			or = append(or, numRange(fieldSeq, &v, &v, true, true))
		}
	}
	switch len(or) {
	case 0:
		return nil, state
	case 1:
		return or[0], state
	}
	return query.NewDisjunctionQuery(or), state
}

// applyDeletions removes the documents of what the store deleted since the last call.
// A deleted record above the indexed sequence may still have a document in the tail
// index, which drops it only once the follower has indexed past it: it stays hidden
// until then.
func (ix *Index) applyDeletions() error {
	indexed := ix.indexed.Load()
	first := ix.src.FirstSeq()
	if first > ix.del.below.Load() {
		if err := ix.DeleteBefore(first); err != nil {
			return err
		}
		ix.del.below.Store(first)
	}
	seqs := ix.del.pending()
	if len(seqs) == 0 {
		return nil
	}
	i, _ := slices.BinarySearch(seqs, first)
	if err := ix.Delete(seqs[i:]...); err != nil {
		return err
	}
	j, _ := slices.BinarySearch(seqs, indexed+1)
	ix.del.done(seqs[:j])
	ix.notify()
	return nil
}

// deleteChunk is how many documents one delete round finds and removes.
const deleteChunk = 1000

// Delete removes the documents of the given records (replayed or deleted records).
// Sequences without a document are ignored.
func (ix *Index) Delete(seqs ...uint64) error {
	for len(seqs) > 0 {
		n := min(len(seqs), deleteChunk)
		or := make([]query.Query, n)
		for i, s := range seqs[:n] {
			v := float64(s)
			or[i] = numRange(fieldSeq, &v, &v, true, true)
		}
		if err := ix.deleteMatching(query.NewDisjunctionQuery(or)); err != nil {
			return err
		}
		seqs = seqs[n:]
	}
	return nil
}

// DeleteBefore removes the documents of every record with a sequence below seq: those
// retention deleted from the store.
func (ix *Index) DeleteBefore(seq uint64) error {
	if seq <= 1 {
		return nil
	}
	return ix.deleteMatching(seqBelow(seq))
}

// deleteMatching deletes every document matching q, a chunk at a time.
func (ix *Index) deleteMatching(q query.Query) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	for {
		req := bleve.NewSearchRequestOptions(q, deleteChunk, 0, false)
		req.Score = "none"
		sr, err := ix.bi.Search(req)
		if err != nil {
			return fmt.Errorf("search index: find documents to delete: %w", err)
		}
		if len(sr.Hits) == 0 {
			return nil
		}
		b := ix.bi.NewBatch()
		rb := ix.roll.batch(ix.bi)
		for _, h := range sr.Hits {
			b.Delete(h.ID)
			rb.delete(h.ID)
		}
		err = ix.bi.Batch(b)
		rb.done(err == nil, 0)
		if err != nil {
			return fmt.Errorf("search index: delete %d documents: %w", len(sr.Hits), err)
		}
		ix.notify()
		if len(sr.Hits) < deleteChunk {
			return nil
		}
	}
}

// clean reports whether queries leave out none of the index's documents up to seq: no
// removal below first is under way and no record up to seq waits for its removal.
func (d *deletions) clean(first, seq uint64) bool {
	if first > d.below.Load() && first > 1 {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for s := range d.hidden {
		if s >= first && s <= seq {
			return false
		}
	}
	return true
}
