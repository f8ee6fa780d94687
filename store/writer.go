package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/plowbox/plowbox/enrich"
)

// op is the kind of a queued operation.
type op uint8

const (
	opWrite   op = iota // store res
	opReset             // delete everything
	opPrune             // start a retention pass after the batch
	opReplace           // replace bad rows by their replays (replay.go)
	opDelete            // delete records by sequence (delete.go)
	opSettle            // answer once the retention pass has ended (retention.go)
)

// request is one queued operation for the writer goroutine.
type request struct {
	op    op
	res   *enrich.Result // opWrite: the result to store
	enc   *encodedResult // opWrite: res encoded by the caller
	reps  []*replacement // opReplace: the replacements, completed by the writer
	seqs  []uint64       // opDelete: the records to delete
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
	// Compressing here, in each caller's goroutine, keeps the writer goroutine (which
	// every write goes through) from becoming the bottleneck.
	req := &request{op: opWrite, res: r, enc: s.z.encodeResult(r), errc: make(chan error, 1)}
	if err := s.enqueue(ctx, req); err != nil {
		return 0, err
	}
	if err := <-req.errc; err != nil {
		return 0, err
	}
	s.backpressure()
	return req.first, nil
}

// Reset deletes every payload, event and bad row, after the writes queued before it.
// Counts drop to zero; sequences keep increasing.
func (s *Store) Reset() error {
	req := &request{op: opReset, errc: make(chan error, 1)}
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
// closed and drained. While a retention pass is under way it deletes one small chunk after
// each batch, and chunk after chunk while the queue is empty, so that writes never wait
// for more than one chunk.
func (s *Store) run() {
	defer close(s.done)
	batch := make([]*request, 0, s.maxBatch)
	for {
		var req *request
		ok := true
		if s.ret.pruning {
			select {
			case req, ok = <-s.queue:
			default:
				s.pruneStep(pruneChunk)
				continue
			}
		} else {
			req, ok = <-s.queue
		}
		if !ok {
			for _, req := range s.ret.settlers {
				req.errc <- ErrClosed
			}
			return
		}
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
		if s.ret.pruning {
			s.pruneStep(pruneChunk)
		}
	}
}

// commit applies batch in one transaction and reports the outcome to every request.
func (s *Store) commit(batch []*request) {
	m := s.meta
	var writes, records uint64
	var deleted []uint64 // records replaced by replays
	var first uint64
	prune := false
	start := time.Now()
	err := s.db.Update(func(tx *bolt.Tx) (err error) {
		// A panic must fail the batch, not kill the writer and hang every later Write.
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic while writing: %v", p)
			}
		}()
		m = s.meta
		writes, records, deleted, prune = 0, 0, deleted[:0], false
		w := txWriter{z: s.z}
		w.init(tx)
		for _, req := range batch {
			switch req.op {
			case opReset:
				if err := resetTx(tx); err != nil {
					return err
				}
				m.counts = Counts{}
				m.generation++
				w.init(tx)
			case opPrune:
				prune = true
			case opSettle:
			case opDelete:
				if err := w.deleteSeqs(req.seqs, &m, &deleted); err != nil {
					return err
				}
			case opReplace:
				n, err := w.replace(req.reps, &m, &deleted)
				if err != nil {
					return err
				}
				records += n
			default:
				req.first = m.nextRecord
				if err := w.put(req.res, req.enc, &m); err != nil {
					return err
				}
				writes++
				records += uint64(len(req.res.Outputs))
			}
		}
		first = firstSeqTx(tx, m)
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
	// Records replaced by replays are reported before the new sequence is published (and
	// so before the replays return): a follower that sees the new records also knows
	// which ones they replaced.
	if len(deleted) > 0 {
		slices.Sort(deleted)
		s.ret.replaced.Add(uint64(len(deleted)))
		s.deleted(deleted)
	}
	s.meta = m
	c := m.counts
	s.counts.Store(&c)
	s.firstSeq.Store(first)
	s.lastSeq.Store(m.nextRecord - 1)
	s.generation.Store(m.generation)
	s.health.Store(nil)
	s.stats.batches.Add(1)
	s.stats.writes.Add(writes)
	s.stats.records.Add(records)
	if s.onCommit != nil {
		s.onCommit(int(writes), int(records), time.Since(start))
	}
	for _, req := range batch {
		if req.op == opSettle {
			s.ret.settlers = append(s.ret.settlers, req)
			continue
		}
		req.errc <- nil
	}
	s.notify()
	s.checkRetention(prune, int(records))
	if !s.ret.pruning && len(s.ret.settlers) > 0 {
		s.endPass()
	}
	s.maybeTrain(c)
}

// txWriter holds the buckets of one write transaction.
type txWriter struct {
	z                                          *compressor // nil when the transaction writes no values
	meta, payloads, records, good, bad, events *bolt.Bucket
	eventIDs                                   *bolt.Bucket
}

// init fetches the buckets of tx; keys are appended in order, so pages are filled fully.
func (w *txWriter) init(tx *bolt.Tx) {
	w.meta = tx.Bucket(bucketMeta)
	w.payloads = tx.Bucket(bucketPayloads)
	w.records = tx.Bucket(bucketRecords)
	w.good = tx.Bucket(bucketGood)
	w.bad = tx.Bucket(bucketBad)
	w.events = tx.Bucket(bucketEvents)
	w.eventIDs = tx.Bucket(bucketEventIDs)
	for _, b := range []*bolt.Bucket{w.payloads, w.records, w.good, w.bad, w.events} {
		b.FillPercent = 1
	}
}

// put stores the payload of r once, then each output, advancing m. enc is r encoded;
// nil encodes it now.
func (w *txWriter) put(r *enrich.Result, enc *encodedResult, m *meta) error {
	if enc == nil {
		enc = w.z.encodeResult(r)
	}
	ps, err := w.putPayload(r, enc.payload, m)
	if err != nil {
		return err
	}
	return w.putOutputs(r.Outputs, enc.bodies, ps, 0, m)
}

// putPayload stores the payload of r, whose encoding is v (nil: encode it now), under the
// next payload sequence, which it returns.
func (w *txWriter) putPayload(r *enrich.Result, v []byte, m *meta) (uint64, error) {
	ps := m.nextPayload
	if v == nil {
		v = w.z.appendPayload(nil, r.Payload)
	}
	if err := w.payloads.Put(key(ps), v); err != nil {
		return 0, fmt.Errorf("put payload %d: %w", ps, err)
	}
	m.nextPayload++
	return ps, nil
}

// putOutputs stores outputs, whose payload has sequence ps, under the next record
// sequences. replayOf, when not 0, is the bad row they replace. bodies, when not nil,
// are the outputs' encoded bodies (made with replayOf 0); when nil, they are encoded now.
func (w *txWriter) putOutputs(outputs []enrich.Output, bodies [][]byte, ps, replayOf uint64, m *meta) error {
	for i := range outputs {
		o := &outputs[i]
		seq := m.nextRecord
		k := key(seq)
		var v []byte
		if bodies != nil {
			id := outputEventID(o)
			v = append(appendRecordHead(make([]byte, 0, 13+len(id)+len(bodies[i])), o.Stage, ps, id), bodies[i]...)
		} else {
			v = w.z.appendReplayRecord(nil, o, ps, replayOf)
		}
		if err := w.records.Put(k, v); err != nil {
			return fmt.Errorf("put record %d: %w", seq, err)
		}
		for _, b := range w.kindBuckets(o.Stage) {
			if err := b.Put(k, []byte{}); err != nil {
				return fmt.Errorf("index record %d: %w", seq, err)
			}
		}
		if err := w.putEventID(outputEventID(o), seq); err != nil {
			return err
		}
		m.counts.add(o.Stage, 1)
		m.nextRecord++
	}
	return nil
}

// kindBuckets are the index buckets that list records of stage st.
func (w *txWriter) kindBuckets(st enrich.Stage) []*bolt.Bucket {
	switch st {
	case enrich.StageGood:
		return []*bolt.Bucket{w.good, w.events}
	case enrich.StageValidation:
		return []*bolt.Bucket{w.bad, w.events}
	}
	return []*bolt.Bucket{w.bad}
}

// remove deletes record k, whose encoding is v, from the records and index buckets and
// uncounts it. It returns the record's payload sequence.
func (w *txWriter) remove(k, v []byte, m *meta) (payloadSeq uint64, err error) {
	h, err := recordHead(v)
	if err != nil {
		return 0, fmt.Errorf("record %d: %w", seqOf(k), err)
	}
	for _, b := range append(w.kindBuckets(h.stage), w.records) {
		if err := b.Delete(k); err != nil {
			return 0, fmt.Errorf("delete record %d: %w", seqOf(k), err)
		}
	}
	if err := w.deleteEventID(h.eventID, seqOf(k)); err != nil {
		return 0, err
	}
	m.counts.add(h.stage, -1)
	return h.payloadSeq, nil
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
