package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// benchEvent is a realistic good event: a page view with a context.
func benchEvent(i int) *event.Event {
	e := testEvent(fmt.Sprintf("6a1b1e3c-0b5e-4a6f-9d1c-%012d", i))
	e.Set(event.PageURL, "https://shop.example.com/products/42?utm_source=news")
	e.Set(event.PageTitle, "Product 42 – Example Shop")
	e.Set(event.PageURLhost, "shop.example.com")
	e.Set(event.PageURLpath, "/products/42")
	e.Set(event.Contexts, `{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0","data":[{"schema":"iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0","data":{"id":"0b1e8c0e-7b7e-4b73-9a3f-3c9c0d3d7a11"}}]}`)
	e.Set(event.UserIPAddress, "10.0.0.1")
	e.Set(event.DomainUserid, "c0e7a9a4-5a0e-4f4a-8d7e-9d5f1c8e6b21")
	e.Set(event.DvceCreatedTstamp, "2026-04-02 10:00:00.000")
	e.Set(event.EtlTstamp, "2026-04-02 10:00:00.010")
	return e
}

func benchResult(i int) *enrich.Result {
	o := out(enrich.StageGood, "")
	o.Event = benchEvent(i)
	return &enrich.Result{Payload: testPayload(i), Outputs: []enrich.Output{o}}
}

// BenchmarkWrite measures durable single-event writes with 1, 8 and 64 concurrent writers,
// reporting records/s and the batch size group commit achieved.
func BenchmarkWrite(b *testing.B) {
	for _, writers := range []int{1, 8, 64} {
		for _, nosync := range []bool{false, true} {
			b.Run(fmt.Sprintf("writers=%d/nosync=%v", writers, nosync), func(b *testing.B) {
				s := openTest(b, Options{NoSync: nosync})
				writeConcurrently(b, s, writers)
				st := s.Stats()
				b.ReportMetric(float64(st.Records)/float64(st.Batches), "records/batch")
			})
		}
	}
}

// fill writes n records, one good record per good-th and bad ones otherwise, in large
// unsynced batches.
func fill(b *testing.B, s *Store, n, good int) { fillT(b, s, n, good) }

// fillT is fill for any test.
func fillT(b testing.TB, s *Store, n, good int) {
	const per = 1000
	for i := 0; i < n; i += per {
		r := &enrich.Result{Payload: testPayload(i)}
		for j := i; j < min(n, i+per); j++ {
			if j%good == 0 {
				r.Outputs = append(r.Outputs, enrich.Output{Stage: enrich.StageGood, Raw: testRaw("x"), Event: benchEvent(j)})
			} else {
				r.Outputs = append(r.Outputs, out(enrich.StageAdapter, "x"))
			}
		}
		if err := s.Write(context.Background(), r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGoodLimit10 reads the newest 10 good events of a store of 200,000 records of
// which one in a thousand is good: the index skips the bad rows.
func BenchmarkGoodLimit10(b *testing.B) {
	s := openTest(b, Options{NoSync: true})
	fill(b, s, 200_000, 1000)
	b.ResetTimer()
	for b.Loop() {
		n := 0
		if err := s.Good(func(*Record) bool { n++; return n < 10 }); err != nil {
			b.Fatal(err)
		}
		if n != 10 {
			b.Fatalf("read %d events", n)
		}
	}
}

// BenchmarkPayloadCodec compares the binary payload encoding with JSON.
func BenchmarkPayloadCodec(b *testing.B) {
	p := testPayload(1)
	z := testCompressor(b)
	b.Run("binary", func(b *testing.B) {
		for b.Loop() {
			if _, err := z.decodePayload(z.appendPayload(nil, p)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			v, err := json.Marshal(p)
			if err != nil {
				b.Fatal(err)
			}
			var q collector.Payload
			if err := json.Unmarshal(v, &q); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRecordCodec measures encoding and decoding one good event.
func BenchmarkRecordCodec(b *testing.B) {
	o := enrich.Output{Stage: enrich.StageGood, Raw: testRaw("x"), Event: benchEvent(1)}
	z := testCompressor(b)
	var buf []byte
	for b.Loop() {
		buf = z.appendRecord(buf[:0], &o, 1)
		if _, err := z.decodeRecord(buf, new(Record)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncode measures the encoding stage of a write, done in the writer's own
// goroutine before the commit: one TP2-sized result of 10 good events, per record.
func BenchmarkEncode(b *testing.B) {
	r := &enrich.Result{Payload: testPayload(1)}
	for i := range 10 {
		r.Outputs = append(r.Outputs, enrich.Output{Stage: enrich.StageGood, Raw: testRaw("x"), Event: benchEvent(i)})
	}
	z := testCompressor(b)
	for b.Loop() {
		z.encodeResult(r)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(r.Outputs)), "ns/record")
}

// writeConcurrently times b.N durable writes of generated records into s from writers
// goroutines, and reports records/s.
func writeConcurrently(b *testing.B, s *Store, writers int) {
	b.Helper()
	rs := make([]*enrich.Result, 1024)
	for i := range rs {
		rs[i] = benchResult(i)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for range writers {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				if err := s.Write(context.Background(), rs[i%int64(len(rs))]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
