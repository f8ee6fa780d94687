package index

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index/indextest"
)

// TestFloodReadYourWrites floods a durable store with TP2 batches of 10 events from
// several writers while the index follows with a small tail bound, and checks that every
// sampled acknowledged event is found at once: by search, by the store's event_id
// listing, and by Sync then search (what wait does). At the end nothing is indexed
// twice. PLOWBOX_SLOW_TESTS=1 runs it ten times longer.
func TestFloodReadYourWrites(t *testing.T) {
	writers, batches := 4, 25
	if os.Getenv("PLOWBOX_SLOW_TESTS") != "" {
		batches *= 10
	}
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ix, err := Open(filepath.Join(dir, "index"), st, Options{Logger: slog.New(slog.DiscardHandler), MaxTail: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	en := enrich.New(enrich.Config{Version: "1.0.0"})
	at := time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)
	ctx := context.Background()

	type acked struct {
		seq uint64
		eid string
	}
	samples := make(chan acked, writers*batches)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range batches {
				r := w*batches + i
				res := en.Process(ctx, indextest.Payload(r, 10, at.Add(time.Duration(r)*time.Millisecond)))
				first, err := st.WriteSeq(ctx, res)
				if err != nil {
					t.Error(err)
					return
				}
				if i%4 == 0 { // sample the last event of every fourth batch
					o := res.Outputs[len(res.Outputs)-1]
					samples <- acked{first + uint64(len(res.Outputs)) - 1, o.Event.Get(event.EventID)}
				}
			}
		})
	}
	go func() { wg.Wait(); close(samples) }()

	var maxLag uint64
	checked := 0
	for s := range samples {
		maxLag = max(maxLag, ix.Stats().Lag)
		q := Query{Q: fmt.Sprintf("event_id:%q", s.eid)}
		res, err := ix.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 1 || len(res.Hits) != 1 || res.Hits[0].Seq != s.seq {
			t.Errorf("search for acknowledged record %d (%s): %d hits %+v", s.seq, s.eid, res.Total, res.Hits)
		}
		if seqs, err := st.EventRecords(s.eid, 0); err != nil || len(seqs) != 1 || seqs[0] != s.seq {
			t.Errorf("EventRecords(%s) = %v, %v; want [%d]", s.eid, seqs, err, s.seq)
		}
		wctx, cancel := context.WithTimeout(ctx, time.Second)
		err = ix.Sync(wctx, s.seq)
		cancel()
		if err != nil {
			t.Errorf("Sync(%d) = %v", s.seq, err)
		}
		checked++
	}
	if t.Failed() {
		return
	}
	if err := ix.WaitIndexed(ctx, st.LastSeq()); err != nil {
		t.Fatal(err)
	}
	want := uint64(writers * batches * 10)
	res, err := ix.Search(ctx, Query{Facets: []string{"kind"}})
	if err != nil {
		t.Fatal(err)
	}
	if st.Counts().Good+st.Counts().Bad != int(want) || res.Total != want || ix.Stats().Docs != want {
		t.Errorf("after the flood: store %+v, search total %d, documents %d; want %d of each", st.Counts(), res.Total, ix.Stats().Docs, want)
	}
	t.Logf("%d records, %d samples checked, largest lag seen %d, back-pressure %+v", want, checked, maxLag, st.BackpressureStats())
}
