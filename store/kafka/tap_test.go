package kafka

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/follow"
)

// runTap reads the good and bad topics into st until the test ends.
func runTap(t *testing.T, brokers []string, st *store.Store, group string, sample float64) *Tap {
	t.Helper()
	tap, err := OpenTap(TapConfig{Conn: Conn{Brokers: brokers}, GoodTopic: goodTopic, BadTopic: badTopic, Group: group,
		Sample: sample, FromStart: true}, st, quiet())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { tap.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; tap.Close() })
	return tap
}

// waitTap waits until the tap has stored n records: each is a commit of the store.
func waitTap(t *testing.T, st *store.Store, tap *Tap, n uint64) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		ch := st.Changed()
		if c := st.Counts(); uint64(c.Good+c.Bad) >= n {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("tap stats %+v, want %d messages stored", tap.Stats(), n)
		}
	}
}

// The sample keeps about its share of messages, and always the same ones.
func TestTapSample(t *testing.T) {
	for _, share := range []float64{0.1, 0.5} {
		tap := &Tap{keep: uint64(share * (1 << 63) * 2)}
		kept := 0
		for i := range 10000 {
			v := []byte(fmt.Sprintf("event %d", i))
			if tap.sampled(v) {
				kept++
			}
			if tap.sampled(v) != tap.sampled(v) {
				t.Fatal("the sample is not deterministic")
			}
		}
		if got := float64(kept) / 10000; got < share-0.03 || got > share+0.03 {
			t.Errorf("sample %g kept %.3f of the messages", share, got)
		}
	}
}

// A pipeline's enriched and bad-row topics, tapped into another store: every event comes
// back as the same 131 fields, every bad row byte for byte, marked as tapped; the sinks
// of the tapping store never write them back.
func TestTapReadsPipelineTopics(t *testing.T) {
	src := newRig(t)
	for range 2 {
		src.mix()
	}
	want := expect(t, src.st)
	c := cluster(t)
	waitDelivered(t, src.st, startSinks(t, src.st, c.ListenAddrs(), follow.Options{}), 20*time.Second)

	dst := newRig(t)
	tap := runTap(t, c.ListenAddrs(), dst.st, "qa", 1)
	total := uint64(len(want.good) + len(want.bad))
	waitTap(t, dst.st, tap, total)
	if s := tap.Stats(); s.Invalid != 0 || s.Failed != 0 {
		t.Fatalf("tap stats %+v, want every message stored", s)
	}
	var gotTSV, wantTSV, gotBad, wantBad []string
	for _, e := range want.good {
		wantTSV = append(wantTSV, string(e.TSV()))
	}
	for _, b := range want.bad {
		wantBad = append(wantBad, string(b))
	}
	dst.st.Since(0, func(r *store.Record) bool {
		if !r.Tapped() {
			t.Errorf("record %d is not marked as tapped: collector %q", r.Seq, r.Payload.Collector)
		}
		if r.Event != nil && r.BadRow == nil {
			gotTSV = append(gotTSV, string(r.Event.TSV()))
		} else {
			gotBad = append(gotBad, string(r.BadRow))
		}
		return true
	})
	slices.Sort(gotTSV)
	slices.Sort(wantTSV)
	slices.Sort(gotBad)
	slices.Sort(wantBad)
	if !slices.Equal(gotTSV, wantTSV) {
		t.Errorf("tapped events differ from the pipeline's:\n got %q\nwant %q", gotTSV, wantTSV)
	}
	if !slices.Equal(gotBad, wantBad) {
		t.Errorf("tapped bad rows differ from the pipeline's")
	}

	// The tapping store's sinks skip what it tapped.
	s := startSinks(t, dst.st, c.ListenAddrs(), follow.Options{})
	waitDelivered(t, dst.st, s, 20*time.Second)
	if dups := checkTopics(t, src, c.ListenAddrs(), want); dups != 0 {
		t.Errorf("%d tapped records written back", dups)
	}
}
