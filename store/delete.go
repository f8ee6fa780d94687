package store

import (
	"context"
	"fmt"
	"slices"
)

// DeleteRecords deletes the records with the given sequences (those of one test run, for
// example) in one transaction, after the writes queued before it, and reports them
// through Options.OnDelete. Sequences of records that no longer exist are ignored. Their
// payloads stay until retention removes them.
func (s *Store) DeleteRecords(ctx context.Context, seqs []uint64) error {
	if len(seqs) == 0 {
		return nil
	}
	seqs = slices.Compact(slices.Sorted(slices.Values(seqs)))
	req := &request{op: opDelete, seqs: seqs, errc: make(chan error, 1)}
	if err := s.enqueue(ctx, req); err != nil {
		return fmt.Errorf("delete records: %w", err)
	}
	if err := <-req.errc; err != nil {
		return fmt.Errorf("delete records: %w", err)
	}
	return nil
}

// deleteSeqs deletes each existing record of seqs, appending it to deleted.
func (w *txWriter) deleteSeqs(seqs []uint64, m *meta, deleted *[]uint64) error {
	for _, seq := range seqs {
		k := key(seq)
		v := w.records.Get(k)
		if v == nil {
			continue
		}
		if _, err := w.remove(k, v, m); err != nil {
			return err
		}
		*deleted = append(*deleted, seq)
	}
	return nil
}
