package index

import (
	"context"
	"fmt"
	"maps"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/plowbox/plowbox/store"
)

// The tail is the records the store committed and the follower has not indexed yet.
// Queries answer from the index plus the tail, so that a record is searchable the moment
// its write returned however far behind the follower is. The tail is indexed, as queries
// need it, into an in-memory bleve index with the same mapping, searched together with
// the index through an index alias; each record enters it once whatever the number of
// queries, and leaves it when the follower has indexed it. Back-pressure (Options.MaxTail)
// bounds its length.

// fieldTail marks the documents of the in-memory tail index.
const fieldTail = "_tail"

// tailRebuild is how many documents the tail index may have dropped before it is
// replaced by a fresh one (bleve keeps deleted documents until it merges segments).
const tailRebuild = 64 << 10

// tail is the in-memory index of the unindexed records.
type tail struct {
	mu      sync.RWMutex // held for reading while a search uses bi
	bi      bleve.Index  // nil until first needed
	bld     builder
	gen     uint64            // store generation of the documents
	lo, hi  uint64            // bi holds the documents of the records in (lo, hi]
	ids     map[uint64]string // document ids by sequence
	dropped int               // documents deleted from bi since it was created
}

// close releases the tail index.
func (t *tail) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.bi != nil {
		t.bi.Close()
		t.bi = nil
	}
}

// view is what one search reads: the index, or the index and the tail through an alias,
// with the query that keeps out documents present in both and deleted records.
type view struct {
	bi      bleve.Index
	exclude query.Query // nil when nothing is to be left out
	key     string      // identifies the documents visible, for the count cache
	release func()

	// lo is the indexed sequence the view was made at: the index's documents above it
	// are left out, when the tail holds them. whole is false when the index is not
	// visible at all (a Reset the follower has not caught up with).
	lo    uint64
	whole bool
	// counted, when set, is the count of the search (its total and facets), from the
	// rollup.
	counted *bleve.SearchResult
}

// view returns what a search reads now, bringing the tail index up to the store's last
// record first. The caller holds ix.mu for reading and calls release when done.
func (ix *Index) view(ctx context.Context) (*view, error) {
	gen := ix.src.Generation()
	lo, hi := ix.indexed.Load(), ix.src.LastSeq()
	if ix.gen.Load() != gen {
		// The store was reset and the follower has not started over yet: what the index
		// holds is gone. Everything stored is in the tail.
		lo = ix.src.FirstSeq() - 1
	}
	v := &view{bi: ix.bi, release: func() {}, lo: lo, whole: ix.gen.Load() == gen}
	var ex []query.Query
	d, delState := ix.del.exclude(ix.src.FirstSeq())
	if d != nil {
		ex = append(ex, d)
	}
	if hi <= lo && ix.gen.Load() == gen {
		v.key = fmt.Sprint(lo, " 0 ", gen, " ", delState)
		v.exclude = or(ex)
		return v, nil
	}
	if err := ix.tail.update(ctx, ix.src, ix.im, gen, lo, hi); err != nil {
		return nil, err
	}
	ix.tail.mu.RLock()
	t := &ix.tail
	main := ix.bi
	if ix.gen.Load() != gen {
		// Nothing of the index is visible: an empty alias member stands in for it.
		main = nil
	}
	members := []bleve.Index{t.bi}
	if main != nil {
		members = append(members, main)
	}
	v.bi = bleve.NewIndexAlias(members...)
	v.release = t.mu.RUnlock
	v.key = fmt.Sprint(t.lo, " ", t.hi, " ", gen, " ", delState)
	// Documents of the index above lo are also in the tail (the follower indexed them
	// after lo was read): leave out every document above lo that is not the tail's.
	dup := query.NewBooleanQuery([]query.Query{seqAbove(t.lo, ix.src.LastSeq())}, nil, []query.Query{termQuery(fieldTail, "1")})
	ex = append(ex, dup)
	v.exclude = or(ex)
	return v, nil
}

// or is the disjunction of qs, nil when there are none.
func or(qs []query.Query) query.Query {
	switch len(qs) {
	case 0:
		return nil
	case 1:
		return qs[0]
	}
	return query.NewDisjunctionQuery(qs)
}

// update makes the tail index hold exactly the records in (lo, hi] of generation gen.
func (t *tail) update(ctx context.Context, src Source, im *mapping.IndexMappingImpl, gen, lo, hi uint64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.bi == nil || t.gen != gen || t.dropped > tailRebuild || lo < t.lo {
		if t.bi != nil {
			t.bi.Close()
		}
		bi, err := bleve.NewUsing("", im, scorch.Name, scorch.Name, nil) // in memory
		if err != nil {
			return fmt.Errorf("search index: create the tail index: %w", err)
		}
		t.bi, t.gen, t.lo, t.hi, t.ids, t.dropped = bi, gen, lo, lo, map[uint64]string{}, 0
		t.bld = newBuilder(im)
	}
	b := t.bi.NewBatch()
	// Records the follower has indexed since leave the tail.
	var gone []uint64
	if lo > t.lo {
		for seq, id := range t.ids {
			if seq <= lo {
				b.Delete(id)
				gone = append(gone, seq)
			}
		}
	}
	from := max(t.hi, lo)
	added := map[uint64]string{}
	var err error
	if hi > from {
		err = src.Since(from, func(rec *store.Record) bool {
			if rec.Seq > hi {
				return false
			}
			d := t.bld.safeBuild(rec)
			d.AddField(newKeyword(fieldTail, "1", optIndexed))
			if e := b.IndexAdvanced(d); e == nil {
				added[rec.Seq] = d.ID()
			}
			return ctx.Err() == nil
		})
		if err == nil {
			err = ctx.Err()
		}
	}
	if err == nil && b.Size() > 0 {
		err = t.bi.Batch(b)
	}
	if err != nil {
		// Nothing of this update is applied: the tail stays as it was.
		return fmt.Errorf("search index: bring the tail from %d to %d: %w", from, hi, err)
	}
	for _, seq := range gone {
		delete(t.ids, seq)
	}
	t.dropped += len(gone)
	maps.Copy(t.ids, added)
	t.lo, t.hi = max(t.lo, lo), max(t.hi, hi)
	return nil
}
