package store

import (
	"context"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// A replay runs stored bad rows through the pipeline again, typically after a missing
// schema was published or an enrichment fixed, and replaces each bad row by what the
// pipeline makes of it now. A bad row with its raw event (a validation or enrichment
// failure) is re-run from that event alone; a payload-level failure (size, load,
// adapter) re-runs its whole payload. The new records carry ReplayOf, the sequence of
// the bad row they replace; they get new sequences, so followers see them as new
// records, and the replaced bad rows are reported to the OnDelete subscribers.
//
// Each replacement is atomic: the bad row is deleted and its replacement inserted in one
// transaction, so counts stay exact and a crash keeps one or the other. The new records
// refer to a copy of their payload under a new payload sequence (one copy per payload
// and transaction), which keeps payloads in the order of their records for retention.

// Reprocessor re-runs the pipeline; *enrich.Enricher implements it.
type Reprocessor interface {
	// Process runs a whole collector payload.
	Process(ctx context.Context, p *collector.Payload) *enrich.Result
	// ProcessRaw runs one raw event; ok is false when an enrichment dropped it.
	ProcessRaw(ctx context.Context, raw *event.RawEvent) (out enrich.Output, ok bool)
}

// Replayed is one record a replay produced.
type Replayed struct {
	From  uint64       // the bad row it replaced
	To    uint64       // its sequence
	Stage enrich.Stage // StageGood when the event now passes
}

// ReplayResult is what a replay did.
type ReplayResult struct {
	Replayed int        // bad rows replaced
	Good     int        // new good events
	StillBad int        // new bad rows
	Dropped  int        // bad rows whose event an enrichment now drops: deleted, not replaced
	Skipped  int        // sequences that named no bad row (good events, deleted records)
	Records  []Replayed // the new records, in sequence order
}

// replayChunk caps the bad rows re-run and replaced in one transaction.
const replayChunk = 256

// replacement is one bad row and what replaces it, completed by the writer.
type replacement struct {
	old   uint64
	res   *enrich.Result // outputs to store in its place; none when dropped
	first uint64         // set by the writer: sequence of the first new record
	done  bool           // set by the writer: old was a bad row and is replaced
}

// Replay re-runs the bad rows with the given sequences through rp and replaces each by
// its outcome. Sequences of good events or of records that no longer exist are skipped.
// It works in chunks: when ctx ends or a chunk fails, the chunks before it stay replaced
// and the result says so.
func (s *Store) Replay(ctx context.Context, rp Reprocessor, seqs []uint64) (ReplayResult, error) {
	var res ReplayResult
	seqs = slices.Compact(slices.Sorted(slices.Values(seqs)))
	for len(seqs) > 0 {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("replay: %w", err)
		}
		n := min(len(seqs), replayChunk)
		chunk := seqs[:n]
		seqs = seqs[n:]
		recs, err := s.getBad(chunk)
		if err != nil {
			return res, fmt.Errorf("replay: %w", err)
		}
		res.Skipped += len(chunk) - len(recs)
		if len(recs) == 0 {
			continue
		}
		reps := make([]*replacement, 0, len(recs))
		for _, rec := range recs {
			r := &enrich.Result{Payload: rec.Payload}
			if rec.Raw != nil {
				if out, ok := rp.ProcessRaw(ctx, rec.Raw); ok {
					r.Outputs = []enrich.Output{out}
				}
			} else {
				r = rp.Process(ctx, rec.Payload)
			}
			if err := checkResult(r); err != nil {
				return res, fmt.Errorf("replay of record %d: %w", rec.Seq, err)
			}
			for i := range r.Outputs {
				r.Outputs[i].Run = rec.Run // a replayed record stays in its test run
			}
			reps = append(reps, &replacement{old: rec.Seq, res: r})
		}
		req := &request{op: opReplace, reps: reps, errc: make(chan error, 1)}
		if err := s.enqueue(context.WithoutCancel(ctx), req); err != nil {
			return res, fmt.Errorf("replay: %w", err)
		}
		if err := <-req.errc; err != nil {
			return res, fmt.Errorf("replay: %w", err)
		}
		for _, r := range reps {
			if !r.done {
				res.Skipped++
				continue
			}
			if len(r.res.Outputs) == 0 {
				res.Dropped++
				continue
			}
			res.Replayed++
			for i, o := range r.res.Outputs {
				res.Records = append(res.Records, Replayed{From: r.old, To: r.first + uint64(i), Stage: o.Stage})
				if o.Stage == enrich.StageGood {
					res.Good++
				} else {
					res.StillBad++
				}
			}
		}
	}
	return res, nil
}

// BadSeqs returns the sequences of every stored bad row, oldest first: what "replay all"
// replays.
func (s *Store) BadSeqs() ([]uint64, error) {
	var seqs []uint64
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketBad).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			seqs = append(seqs, seqOf(k))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list bad rows: %w", err)
	}
	return seqs, nil
}

// getBad reads the bad rows among seqs (ascending) in one read transaction; records of
// one payload share their decoded payload, so their replacements share one copy.
func (s *Store) getBad(seqs []uint64) ([]*Record, error) {
	var recs []*Record
	err := s.view(func(tx *bolt.Tx) error {
		r := reader{z: s.z, records: tx.Bucket(bucketRecords), payloads: tx.Bucket(bucketPayloads), cache: new(payloadCache)}
		for _, seq := range seqs {
			rec, ok, err := r.get(key(seq))
			if err != nil {
				return err
			}
			if ok && rec.Stage != enrich.StageGood {
				recs = append(recs, rec)
			}
		}
		return nil
	})
	return recs, err
}

// replace deletes each bad row of reps and stores its replacement in its place (see
// Replay), appending the deleted sequences to deleted. It returns the records stored.
func (w *txWriter) replace(reps []*replacement, m *meta, deleted *[]uint64) (uint64, error) {
	var records uint64
	copies := map[*collector.Payload]uint64{} // payload → sequence of its copy
	for _, r := range reps {
		k := key(r.old)
		v := w.records.Get(k)
		if v == nil {
			continue // deleted meanwhile (retention, Reset, another replay)
		}
		h, err := recordHead(v)
		if err != nil {
			return 0, fmt.Errorf("record %d: %w", r.old, err)
		}
		if h.stage == enrich.StageGood {
			continue
		}
		if _, err := w.remove(k, v, m); err != nil {
			return 0, err
		}
		*deleted = append(*deleted, r.old)
		r.done = true
		if len(r.res.Outputs) == 0 {
			continue
		}
		ps, ok := copies[r.res.Payload]
		if !ok {
			if ps, err = w.putPayload(r.res, nil, m); err != nil {
				return 0, err
			}
			copies[r.res.Payload] = ps
		}
		r.first = m.nextRecord
		if err := w.putOutputs(r.res.Outputs, nil, ps, r.old, m); err != nil {
			return 0, err
		}
		records += uint64(len(r.res.Outputs))
	}
	return records, nil
}
