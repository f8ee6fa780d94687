package index

import (
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

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
	hi := float64(seq)
	return ix.deleteMatching(numRange(fieldSeq, nil, &hi, false, false))
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
		for _, h := range sr.Hits {
			b.Delete(h.ID)
		}
		if err := ix.bi.Batch(b); err != nil {
			return fmt.Errorf("search index: delete %d documents: %w", len(sr.Hits), err)
		}
		ix.notify()
		if len(sr.Hits) < deleteChunk {
			return nil
		}
	}
}
