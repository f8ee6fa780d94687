package store

import (
	"bytes"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/plowbox/plowbox/collector"
)

// The iterators read in chunks of growing size, each in its own read transaction, and
// call fn between transactions: fn may take its time and may even write, without holding
// back the writer. Records committed during an iteration are not visited when they fall
// behind its position; records deleted meanwhile (Reset, retention) are skipped. Records
// passed to fn are fresh values that fn may keep.

// Good calls fn for each good event, newest first, until fn returns false.
func (s *Store) Good(fn func(*Record) bool) error { return s.scan(bucketGood, false, 0, fn) }

// Bad calls fn for each bad row, newest first, until fn returns false.
func (s *Store) Bad(fn func(*Record) bool) error { return s.scan(bucketBad, false, 0, fn) }

// Events calls fn for each good or incomplete event, newest first, until fn returns false.
func (s *Store) Events(fn func(*Record) bool) error { return s.scan(bucketEvents, false, 0, fn) }

// Since calls fn for each record of every kind with a sequence above after, oldest first,
// until fn returns false. It is how followers (the search index, live views) catch up.
func (s *Store) Since(after uint64, fn func(*Record) bool) error {
	return s.scan(bucketRecords, true, after, fn)
}

// Chunk sizes of iterations: small first, for the common short listing.
const (
	firstChunk = 16
	maxChunk   = 1024
)

// scan walks bucket idx, whose keys are record sequences, backwards (newest first) or
// forwards from after, decoding each record it names.
func (s *Store) scan(idx []byte, forward bool, after uint64, fn func(*Record) bool) error {
	var cache payloadCache
	pos, started := after, forward // the last sequence visited
	recs := make([]*Record, 0, maxChunk)
	for chunk := firstChunk; ; chunk = min(2*chunk, maxChunk) {
		recs = recs[:0]
		err := s.view(func(tx *bolt.Tx) error {
			r := reader{z: s.z, records: tx.Bucket(bucketRecords), payloads: tx.Bucket(bucketPayloads), cache: &cache}
			c := tx.Bucket(idx).Cursor()
			var k []byte
			switch {
			case forward:
				if pos == math.MaxUint64 {
					return nil
				}
				k, _ = c.Seek(key(pos + 1))
			case !started:
				k, _ = c.Last()
			default:
				if k, _ = c.Seek(key(pos)); k == nil {
					k, _ = c.Last()
				}
				for k != nil && seqOf(k) >= pos {
					k, _ = c.Prev()
				}
			}
			for ; k != nil && len(recs) < chunk; k = step(c, forward) {
				rec, ok, err := r.get(k)
				if err != nil {
					return err
				}
				if !ok {
					if bytes.Equal(idx, bucketRecords) {
						continue
					}
					return fmt.Errorf("store: %s index names record %d, which is missing", idx, seqOf(k))
				}
				recs = append(recs, rec)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, rec := range recs {
			if !fn(rec) {
				return nil
			}
		}
		if len(recs) < chunk {
			return nil
		}
		pos, started = recs[len(recs)-1].Seq, true
	}
}

// step moves c one key in the direction of the walk.
func step(c *bolt.Cursor, forward bool) []byte {
	if forward {
		k, _ := c.Next()
		return k
	}
	k, _ := c.Prev()
	return k
}

// Get returns the record with sequence seq; ok is false when there is none.
func (s *Store) Get(seq uint64) (rec *Record, ok bool, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		r := reader{z: s.z, records: tx.Bucket(bucketRecords), payloads: tx.Bucket(bucketPayloads), cache: new(payloadCache)}
		rec, ok, err = r.get(key(seq))
		return err
	})
	return rec, ok, err
}

// Oldest returns the collector timestamp of the oldest stored payload; ok is false when
// the store is empty.
func (s *Store) Oldest() (t time.Time, ok bool, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		k, v := tx.Bucket(bucketPayloads).Cursor().First()
		if k == nil {
			return nil
		}
		t, err = payloadTime(v)
		if err != nil {
			return fmt.Errorf("payload %d: %w", seqOf(k), err)
		}
		ok = true
		return nil
	})
	return t, ok, err
}

// payloadCache keeps the last decoded payload: the records of one payload are adjacent
// in every listing. Payloads never change, so it stays valid across transactions.
type payloadCache struct {
	seq uint64
	p   *collector.Payload
}

// reader decodes records within one read transaction.
type reader struct {
	z                 *compressor
	records, payloads *bolt.Bucket
	cache             *payloadCache
	noPayload         bool // leave Record.Payload nil: the caller needs no payload
}

// get decodes the record with key k; ok is false when there is none.
func (r *reader) get(k []byte) (rec *Record, ok bool, err error) {
	v := r.records.Get(k)
	if v == nil {
		return nil, false, nil
	}
	rec, err = r.decode(k, v)
	return rec, err == nil, err
}

// decode decodes the record stored under key k with value v.
func (r *reader) decode(k, v []byte) (*Record, error) {
	rec := &Record{Seq: seqOf(k)}
	ps, err := r.z.decodeRecord(v, rec)
	if err != nil {
		return nil, fmt.Errorf("store: record %d: %w", rec.Seq, err)
	}
	rec.PayloadSeq = ps
	if r.noPayload {
		return rec, nil
	}
	if r.cache.p == nil || r.cache.seq != ps {
		pv := r.payloads.Get(key(ps))
		if pv == nil {
			return nil, fmt.Errorf("store: record %d: payload %d is missing", rec.Seq, ps)
		}
		p, err := r.z.decodePayload(pv)
		if err != nil {
			return nil, fmt.Errorf("store: payload %d: %w", ps, err)
		}
		r.cache.p, r.cache.seq = p, ps
	}
	rec.Payload = r.cache.p
	if rec.Raw != nil {
		rec.Raw.Payload = r.cache.p
	}
	return rec, nil
}
