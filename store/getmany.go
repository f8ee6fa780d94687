package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// getManyChunk caps the records GetMany decodes in one read transaction.
const getManyChunk = 1024

// GetMany calls fn for each stored record among seqs, in the order of seqs, until fn
// returns false; sequences of records that no longer exist are skipped. It reads the
// records in chunks, each in one read transaction, and calls fn between transactions.
// Without withPayload the records come without their payload (Payload and Raw.Payload
// are nil), which spares decoding it when only a record's event, verdict or run matter.
func (s *Store) GetMany(seqs []uint64, withPayload bool, fn func(*Record) bool) error {
	var cache payloadCache
	recs := make([]*Record, 0, min(len(seqs), getManyChunk))
	for len(seqs) > 0 {
		n := min(len(seqs), getManyChunk)
		chunk := seqs[:n]
		seqs = seqs[n:]
		recs = recs[:0]
		err := s.view(func(tx *bolt.Tx) error {
			r := reader{z: s.z, records: tx.Bucket(bucketRecords), payloads: tx.Bucket(bucketPayloads), cache: &cache, noPayload: !withPayload}
			for _, seq := range chunk {
				rec, ok, err := r.get(key(seq))
				if err != nil {
					return err
				}
				if ok {
					recs = append(recs, rec)
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("read records: %w", err)
		}
		for _, rec := range recs {
			if !fn(rec) {
				return nil
			}
		}
	}
	return nil
}
