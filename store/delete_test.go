package store

import (
	"context"
	"slices"
	"testing"

	"github.com/plowbox/plowbox/enrich"
)

func TestDeleteRecords(t *testing.T) {
	var told []uint64
	s := openTest(t, Options{OnDelete: func(seqs []uint64) { told = append(told, seqs...) }})
	ctx := context.Background()
	first, err := s.WriteSeq(ctx, &enrich.Result{Payload: testPayload(1), Outputs: []enrich.Output{
		out(enrich.StageGood, "a"), out(enrich.StageValidation, "b"), out(enrich.StageGood, "c"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRecords(ctx, []uint64{first + 2, first, first + 2, 999}); err != nil {
		t.Fatal(err)
	}
	if got := collect(t, s.Events); !slices.Equal(got, []string{"b"}) {
		t.Errorf("events left %v", got)
	}
	if c := s.Counts(); c != (Counts{Good: 0, Bad: 1, Incomplete: 1}) {
		t.Errorf("counts %+v", c)
	}
	if !slices.Equal(told, []uint64{first, first + 2}) {
		t.Errorf("OnDelete told %v", told)
	}
}
