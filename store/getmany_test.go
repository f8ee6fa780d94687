package store

import (
	"context"
	"slices"
	"testing"

	"github.com/plowbox/plowbox/enrich"
)

// GetMany reads the records named, in the order named, skipping deleted ones, with their
// payload or without it, and stops when fn says so.
func TestGetMany(t *testing.T) {
	s := openTest(t, Options{NoSync: true})
	ctx := context.Background()
	first, err := s.WriteSeq(ctx, &enrich.Result{Payload: testPayload(1), Outputs: []enrich.Output{
		out(enrich.StageGood, "a"), out(enrich.StageValidation, "b"), out(enrich.StageGood, "c"), out(enrich.StageGood, "d")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRecords(ctx, []uint64{first + 1}); err != nil {
		t.Fatal(err)
	}
	seqs := []uint64{first + 3, first + 1, first, first + 99, first + 2}
	for _, withPayload := range []bool{true, false} {
		var ids []string
		err := s.GetMany(seqs, withPayload, func(r *Record) bool {
			ids = append(ids, idOf(r))
			if (r.Payload != nil) != withPayload || r.PayloadSeq == 0 {
				t.Errorf("record %d with payload %v: %+v", r.Seq, withPayload, r)
			}
			return true
		})
		if err != nil || !slices.Equal(ids, []string{"d", "a", "c"}) {
			t.Errorf("GetMany(withPayload %v) = %v, %v; want d a c", withPayload, ids, err)
		}
	}
	n := 0
	if err := s.GetMany(seqs, false, func(*Record) bool { n++; return false }); err != nil || n != 1 {
		t.Errorf("GetMany went on after fn returned false: %d records, %v", n, err)
	}
}
