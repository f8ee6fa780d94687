package store

import (
	"context"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/plowbox/plowbox/enrich"
)

// request is one queued operation for the writer goroutine.
type request struct {
	res   *enrich.Result // the result to store; nil for a reset
	first uint64         // set by the writer: sequence of the first record
	errc  chan error     // receives the outcome once the batch is committed
}

// Write stores every output of r durably, in order, and returns once it is fsynced.
// Concurrent writes are committed together (group commit); when that commit fails, every
// write in it fails. ctx bounds only the wait to enter the queue: once queued, a write is
// committed or failed regardless of ctx, so a nil error always means it is on disk.
// A result with no outputs stores nothing.
func (s *Store) Write(ctx context.Context, r *enrich.Result) error {
	_, err := s.WriteSeq(ctx, r)
	return err
}

// WriteSeq is Write that also returns the sequence of the first record written; the
// outputs of r get first, first+1, … in order. first is 0 when r has no outputs.
func (s *Store) WriteSeq(ctx context.Context, r *enrich.Result) (first uint64, err error) {
	if err := checkResult(r); err != nil {
		return 0, err
	}
	if len(r.Outputs) == 0 {
		return 0, nil
	}
	req := &request{res: r, errc: make(chan error, 1)}
	if err := s.enqueue(ctx, req); err != nil {
		return 0, err
	}
	if err := <-req.errc; err != nil {
		return 0, err
	}
	return req.first, nil
}

// Reset deletes every payload, event and bad row, after the writes queued before it.
// Counts drop to zero; sequences keep increasing.
func (s *Store) Reset() error {
	req := &request{errc: make(chan error, 1)}
	if err := s.enqueue(context.Background(), req); err != nil {
		return err
	}
	return <-req.errc
}

// enqueue hands req to the writer goroutine.
func (s *Store) enqueue(ctx context.Context, req *request) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	select {
	case s.queue <- req:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// checkResult rejects results whose outputs break the Output contract, so that one bad
// caller cannot fail a whole batch.
func checkResult(r *enrich.Result) error {
	if r == nil || r.Payload == nil {
		return errors.New("store: write of a result without a payload")
	}
	for i, o := range r.Outputs {
		switch {
		case o.Stage > enrich.StageValidation:
			return fmt.Errorf("store: output %d: unknown stage %d", i, o.Stage)
		case o.Stage == enrich.StageGood && o.Event == nil:
			return fmt.Errorf("store: output %d: good output without an event", i)
		case o.Stage == enrich.StageValidation && o.Event == nil:
			return fmt.Errorf("store: output %d: validation failure without its incomplete event", i)
		case o.Stage != enrich.StageGood && o.BadRow == nil:
			return fmt.Errorf("store: output %d: failure without a bad row", i)
		}
	}
	return nil
}

// run is the writer goroutine: it commits queued requests in batches until the queue is
// closed and drained.
func (s *Store) run() {
	defer close(s.done)
	batch := make([]*request, 0, s.maxBatch)
	for req := range s.queue {
		batch = append(batch[:0], req)
	fill:
		for len(batch) < s.maxBatch {
			select {
			case r, ok := <-s.queue:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		s.commit(batch)
		clear(batch)
	}
}

// commit applies batch in one transaction and reports the outcome to every request.
func (s *Store) commit(batch []*request) {
	m := s.meta
	var writes, records uint64
	err := s.db.Update(func(tx *bolt.Tx) (err error) {
		// A panic must fail the batch, not kill the writer and hang every later Write.
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic while writing: %v", p)
			}
		}()
		m = s.meta
		writes, records = 0, 0
		var w txWriter
		w.init(tx)
		for _, req := range batch {
			if req.res == nil {
				if err := resetTx(tx); err != nil {
					return err
				}
				m.counts = Counts{}
				m.generation++
				w.init(tx)
				continue
			}
			req.first = m.nextRecord
			if err := w.put(req.res, &m); err != nil {
				return err
			}
			writes++
			records += uint64(len(req.res.Outputs))
		}
		return writeMeta(w.meta, m)
	})
	if err != nil {
		err = fmt.Errorf("store: commit batch of %d writes: %w", len(batch), err)
		s.health.Store(&err)
		s.stats.failed.Add(uint64(len(batch)))
		s.log.Error("store commit failed", "writes", len(batch), "err", err)
		for _, req := range batch {
			req.errc <- err
		}
		return
	}
	s.meta = m
	c := m.counts
	s.counts.Store(&c)
	s.lastSeq.Store(m.nextRecord - 1)
	s.generation.Store(m.generation)
	s.health.Store(nil)
	s.stats.batches.Add(1)
	s.stats.writes.Add(writes)
	s.stats.records.Add(records)
	for _, req := range batch {
		req.errc <- nil
	}
	s.notify()
}

// txWriter holds the buckets of one write transaction.
type txWriter struct {
	meta, payloads, records, good, bad, events *bolt.Bucket
}

// init fetches the buckets of tx; keys are appended in order, so pages are filled fully.
func (w *txWriter) init(tx *bolt.Tx) {
	w.meta = tx.Bucket(bucketMeta)
	w.payloads = tx.Bucket(bucketPayloads)
	w.records = tx.Bucket(bucketRecords)
	w.good = tx.Bucket(bucketGood)
	w.bad = tx.Bucket(bucketBad)
	w.events = tx.Bucket(bucketEvents)
	for _, b := range []*bolt.Bucket{w.payloads, w.records, w.good, w.bad, w.events} {
		b.FillPercent = 1
	}
}

// put stores the payload of r once, then each output, advancing m.
func (w *txWriter) put(r *enrich.Result, m *meta) error {
	ps := m.nextPayload
	if err := w.payloads.Put(key(ps), appendPayload(nil, r.Payload)); err != nil {
		return fmt.Errorf("put payload %d: %w", ps, err)
	}
	m.nextPayload++
	for i := range r.Outputs {
		o := &r.Outputs[i]
		seq := m.nextRecord
		k := key(seq)
		if err := w.records.Put(k, appendRecord(nil, o, ps)); err != nil {
			return fmt.Errorf("put record %d: %w", seq, err)
		}
		var idx []*bolt.Bucket
		switch o.Stage {
		case enrich.StageGood:
			idx = []*bolt.Bucket{w.good, w.events}
		case enrich.StageValidation:
			idx = []*bolt.Bucket{w.bad, w.events}
		default:
			idx = []*bolt.Bucket{w.bad}
		}
		for _, b := range idx {
			if err := b.Put(k, []byte{}); err != nil {
				return fmt.Errorf("index record %d: %w", seq, err)
			}
		}
		m.counts.add(o.Stage, 1)
		m.nextRecord++
	}
	return nil
}

// resetTx deletes and recreates the data buckets.
func resetTx(tx *bolt.Tx) error {
	for _, name := range dataBuckets {
		if err := tx.DeleteBucket(name); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
			return fmt.Errorf("reset: delete bucket %s: %w", name, err)
		}
		if _, err := tx.CreateBucket(name); err != nil {
			return fmt.Errorf("reset: create bucket %s: %w", name, err)
		}
	}
	return nil
}
