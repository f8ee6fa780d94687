package store

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The event_ids bucket lists the records of each event_id, kept in the same transaction
// as the records themselves: a lookup by event_id sees every acknowledged write, however
// far behind the search index is. Keys are the event_id followed by the record's
// sequence (8 bytes, big-endian), so that the records of one id are adjacent and in
// arrival order; values are empty.

// maxEventIDKey is the longest event_id listed. Enrich makes good events' ids UUIDs; an
// incomplete event may carry any text a tracker sent, and bbolt keys are bounded.
const maxEventIDKey = 1024

// eventIDKey is the event_ids key of record seq with event_id id.
func eventIDKey(id []byte, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(append(make([]byte, 0, len(id)+8), id...), seq)
}

// putEventID lists record seq under id; an empty or overlong id is not listed.
func (w *txWriter) putEventID(id string, seq uint64) error {
	if id == "" || len(id) > maxEventIDKey {
		return nil
	}
	if err := w.eventIDs.Put(eventIDKey([]byte(id), seq), []byte{}); err != nil {
		return fmt.Errorf("list record %d under its event_id: %w", seq, err)
	}
	return nil
}

// deleteEventID removes record seq from the list of id.
func (w *txWriter) deleteEventID(id []byte, seq uint64) error {
	if len(id) == 0 || len(id) > maxEventIDKey {
		return nil
	}
	if err := w.eventIDs.Delete(eventIDKey(id, seq)); err != nil {
		return fmt.Errorf("unlist record %d from its event_id: %w", seq, err)
	}
	return nil
}

// EventRecords returns the sequences of the records (good and incomplete events) whose
// event_id is id, oldest first, at most limit of them (0: no limit). It reads a bbolt
// key kept on the write path, never the search index: every write that has returned is
// included.
func (s *Store) EventRecords(id string, limit int) ([]uint64, error) {
	var seqs []uint64
	if id == "" || len(id) > maxEventIDKey {
		return nil, nil
	}
	err := s.view(func(tx *bolt.Tx) error {
		p := []byte(id)
		c := tx.Bucket(bucketEventIDs).Cursor()
		for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
			if len(k) != len(p)+8 {
				continue // a longer id that starts with this one
			}
			seqs = append(seqs, binary.BigEndian.Uint64(k[len(p):]))
			if limit > 0 && len(seqs) == limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: records of event_id %q: %w", id, err)
	}
	return seqs, nil
}
