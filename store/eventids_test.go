package store

import (
	"context"
	"reflect"
	"testing"

	"github.com/plowbox/plowbox/enrich"
)

// TestEventRecords checks the event_id lookup: duplicates kept in arrival order, ids that
// prefix others kept apart, payload-level bad rows not listed, everything gone at Reset.
func TestEventRecords(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	write := func(outs ...enrich.Output) uint64 {
		first, err := s.WriteSeq(ctx, &enrich.Result{Payload: testPayload(1), Outputs: outs})
		if err != nil {
			t.Fatal(err)
		}
		return first
	}
	a := write(out(enrich.StageGood, "a"), out(enrich.StageGood, "ab"))
	b := write(out(enrich.StageValidation, "a"), out(enrich.StageAdapter, "a"))
	for _, tt := range []struct {
		id   string
		want []uint64
	}{
		{"a", []uint64{a, b}},
		{"ab", []uint64{a + 1}},
		{"x", nil},
		{"", nil},
	} {
		got, err := s.EventRecords(tt.id, 0)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("EventRecords(%q) = %v, %v; want %v", tt.id, got, err, tt.want)
		}
	}
	if got, _ := s.EventRecords("a", 1); !reflect.DeepEqual(got, []uint64{a}) {
		t.Errorf("EventRecords(a, 1) = %v, want [%d]", got, a)
	}
	checkConsistent(t, s)
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.EventRecords("a", 0); got != nil {
		t.Errorf("after Reset, EventRecords(a) = %v", got)
	}
}
