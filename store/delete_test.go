package store

import (
	"context"
	"slices"
	"testing"
	"time"

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

// A replayed record stays in its test run.
func TestReplayKeepsRun(t *testing.T) {
	s := openTest(t, Options{})
	rr := newReplayRig(t, s)
	res := rr.en.Process(context.Background(), checkout(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC), "1"))
	res.Outputs[0].Run = "ci-9"
	seq, err := s.WriteSeq(context.Background(), res)
	if err != nil {
		t.Fatal(err)
	}
	rr.publish(t)
	out, err := s.Replay(context.Background(), rr.en, []uint64{seq})
	if err != nil || out.Good != 1 {
		t.Fatalf("replay: %+v %v", out, err)
	}
	rec, ok, err := s.Get(out.Records[0].To)
	if err != nil || !ok || rec.Stage != enrich.StageGood || rec.Run != "ci-9" {
		t.Errorf("replayed record: %+v %v %v", rec, ok, err)
	}
}
