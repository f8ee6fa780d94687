package index

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/internal/cputime"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index/indextest"
)

// benchStore returns a store of n generated web events, written through the enricher.
func benchStore(b testing.TB, n int) *store.Store {
	b.Helper()
	st, err := store.Open(b.TempDir(), store.Options{NoSync: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	en := enrich.New(enrich.Config{Version: "1.0.0"})
	at := time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)
	for r := 0; r*10 < n; r++ {
		p := indextest.Payload(r, min(10, n-r*10), at.Add(time.Duration(r)*time.Second))
		if err := st.Write(context.Background(), en.Process(context.Background(), p)); err != nil {
			b.Fatal(err)
		}
	}
	return st
}

// BenchmarkIndex measures indexing a store of 10,000 generated web events from scratch,
// reporting events/s and the CPU time per record (which, unlike wall time, does not
// depend on what else runs on the machine).
func BenchmarkIndex(b *testing.B) {
	const n = 10_000
	st := benchStore(b, n)
	b.ResetTimer()
	cpu := cputime.Self()
	for i := 0; i < b.N; i++ {
		ix, err := Open(filepath.Join(b.TempDir(), fmt.Sprint("index", i)), st, Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		if err := ix.WaitIndexed(context.Background(), st.LastSeq()); err != nil {
			b.Fatal(err)
		}
		ix.Close()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(cputime.Self()-cpu)/float64(n*b.N), "cpu-ns/record")
}

// BenchmarkBuild measures turning one record into its bleve document, per record.
func BenchmarkBuild(b *testing.B) {
	st := benchStore(b, 1000)
	var recs []*store.Record
	if err := st.Since(0, func(r *store.Record) bool { recs = append(recs, r); return true }); err != nil {
		b.Fatal(err)
	}
	im, err := newMapping()
	if err != nil {
		b.Fatal(err)
	}
	bld := newBuilder(im)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := bld.safeBuild(recs[i%len(recs)])
		d.VisitFields(func(f bindex.Field) { f.Analyze() })
	}
}

// BenchmarkSearch measures typical queries over 10,000 generated web events.
func BenchmarkSearch(b *testing.B) {
	st := benchStore(b, 10_000)
	ix, err := Open(filepath.Join(b.TempDir(), "index"), st, Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ix.Close() })
	if err := ix.WaitIndexed(context.Background(), st.LastSeq()); err != nil {
		b.Fatal(err)
	}
	for _, bq := range []struct {
		name string
		q    Query
	}{
		{"newest", Query{}},
		{"filter", Query{Filters: []Filter{{Field: "app_id", Values: []string{"blog"}}}}},
		{"nested", Query{Q: "contexts_com_acme_user_1.plan:team AND event_name:page_view"}},
		{"text", Query{Q: "summer sale"}},
		{"facets", Query{Size: 1, Facets: []string{"app_id", "event_name"}}},
		{"histogram", Query{Size: 1, Histogram: Histogram{Interval: 20 * time.Second}}},
		{"histogram-per-range", Query{Size: 1, Histogram: Histogram{Interval: 20 * time.Second}}},
	} {
		b.Run(bq.name, func(b *testing.B) {
			ix.facetedMatches = facetedMatches
			if bq.name == "histogram-per-range" { // the counts the histogram made before facets
				ix.facetedMatches = 0
			}
			for b.Loop() {
				if _, err := ix.Search(context.Background(), bq.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
