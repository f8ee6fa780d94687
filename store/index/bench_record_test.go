package index

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/internal/cputime"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index/indextest"
)

// recordKinds are the records BenchmarkIndexRecord indexes, one kind per store: the
// payload of record i, sent as a GET /i or a collector request.
var recordKinds = []struct {
	name    string
	payload func(i int, at time.Time) *collector.Payload
}{
	{"page_view", func(i int, at time.Time) *collector.Payload {
		// Event 10k+1 of the generated traffic: a page view, not on a product page, with
		// a web_page and a user entity.
		return getPayload("/i", indextest.Event(i*10+1, at), at)
	}},
	{"struct", func(i int, at time.Time) *collector.Payload {
		return getPayload("/i", indextest.Event(i*10+9, at), at)
	}},
	{"bad_row", func(i int, at time.Time) *collector.Payload {
		// An unknown vendor: an adapter_failures bad row with the payload kept as text.
		return getPayload("/com.unknown/v1", map[string]string{"secret": fmt.Sprint("needle-", i), "e": "pv", "url": "https://shop.example.com/"}, at)
	}},
}

// getPayload returns the collector payload of a GET request to path with params.
func getPayload(path string, params map[string]string, at time.Time) *collector.Payload {
	q := url.Values{}
	for k, v := range params {
		q.Set(k, v)
	}
	ua := "Mozilla/5.0 (bench)"
	return &collector.Payload{
		Schema: collector.PayloadSchema, IPAddress: "198.51.100.7", Timestamp: at.UTC().Truncate(time.Millisecond),
		Encoding: "UTF-8", Collector: "plowbox-bench", UserAgent: &ua, Path: path, Querystring: q.Encode(),
		Headers: []string{"Host: collector.example.com", "User-Agent: " + ua},
	}
}

// BenchmarkIndexRecord measures indexing one record of each kind, from a store of 4,000
// records of that kind into a fresh index (the follower's batches, segment building,
// persistence and merges): wall and CPU time, allocations and bytes allocated per record.
// Batches of 4,096 are what a rebuild or a flood gives the follower; batches of 64, with
// the merges of their many small segments, what steady live traffic gives it.
func BenchmarkIndexRecord(b *testing.B) {
	const n = 4000
	at := time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)
	for _, k := range recordKinds {
		for _, batch := range []int{4096, 64} {
			b.Run(fmt.Sprintf("%s/batch=%d", k.name, batch), func(b *testing.B) {
				benchIndexRecords(b, n, batch, func(i int) *collector.Payload { return k.payload(i, at.Add(time.Duration(i)*time.Millisecond)) })
			})
		}
	}
}

// benchIndexRecords indexes a store of the n records of payload into a fresh index per
// iteration, in batches of at most batch records, and reports the figures per record.
func benchIndexRecords(b *testing.B, n, batch int, payload func(i int) *collector.Payload) {
	st, err := store.Open(b.TempDir(), store.Options{NoSync: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	en := enrich.New(enrich.Config{Version: "1.0.0"})
	for i := range n {
		if err := st.Write(context.Background(), en.Process(context.Background(), payload(i))); err != nil {
			b.Fatal(err)
		}
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	cpu := cputime.Self()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ix, err := Open(filepath.Join(b.TempDir(), fmt.Sprint("index", i)), st, Options{Logger: slog.New(slog.DiscardHandler), BatchSize: batch})
		if err != nil {
			b.Fatal(err)
		}
		if err := ix.WaitIndexed(context.Background(), st.LastSeq()); err != nil {
			b.Fatal(err)
		}
		if err := ix.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&m1)
	recs := float64(n * b.N)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/recs, "ns/record")
	b.ReportMetric(float64(cputime.Self()-cpu)/recs, "cpu-ns/record")
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/recs, "allocs/record")
	b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/recs, "B/record")
	b.ReportMetric(0, "ns/op")
}
