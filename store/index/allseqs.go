package index

import "context"

// AllSeqs returns the sequences of every record q matches, in the order search answers
// them, following the cursor of each page of q.Size hits. search is Index.Search or a
// wrapper of it.
func AllSeqs(ctx context.Context, search func(context.Context, Query) (*Result, error), q Query) ([]uint64, error) {
	var seqs []uint64
	for {
		res, err := search(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, h := range res.Hits {
			seqs = append(seqs, h.Seq)
		}
		if res.Next == "" || len(res.Hits) == 0 {
			return seqs, nil
		}
		q.After = res.Next
	}
}
