package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/store/index/indextest"
)

// BenchmarkCompression compares ways of compressing the bodies of generated traffic: a
// zstd frame per body without a dictionary (format 4), a frame per body with the
// dictionary a store trains on its first trainRecords records and payloads (format 5,
// trained here on the first requests of the same traffic), a frame per body with a
// dictionary trained on another site's traffic (what a dictionary built into plowbox
// would give), and one frame per batch of bodies (which a read of one record would have
// to decompress whole). Bodies are page views with two entities sent one by one (pv),
// the shop's TP2 batches of page views, pings, link clicks and struct events with two
// or three entities (shop), and bad rows (bad). It reports stored bytes per body and the
// ratio to the raw body; ns/op is compression of one body.
func BenchmarkCompression(b *testing.B) {
	corpora := []struct {
		name string
		c    corpus
	}{
		{"pv", pageViewCorpus(b, 3000)},
		{"shop", shopCorpus(b, 0, 300, 10)},
		{"bad", badCorpus(b, 2000)},
	}
	for _, cc := range corpora {
		other := corpora[0].c
		if cc.name == "pv" {
			other = corpora[1].c
		}
		dicts := map[string][]byte{"store-dictionary": trainedOn(b, cc.c), "other-site-dictionary": trainedOn(b, other)}
		for _, kind := range []struct {
			name   string
			bodies [][]byte
		}{{"records", cc.c.records[len(cc.c.records)/2:]}, {"payloads", cc.c.payloads[len(cc.c.payloads)/2:]}} {
			raw := 0
			for _, r := range kind.bodies {
				raw += len(r)
			}
			perBody := float64(raw) / float64(len(kind.bodies))
			report := func(b *testing.B, size int) {
				b.ReportMetric(float64(size)/float64(b.N), "B/body")
				b.ReportMetric(float64(size)/float64(b.N)/perBody, "ratio")
			}
			for _, m := range []string{"per-record", "store-dictionary", "other-site-dictionary"} {
				b.Run(fmt.Sprintf("%s/%s/%s", cc.name, kind.name, m), func(b *testing.B) {
					z := testCompressor(b)
					if d := dicts[m]; d != nil {
						if err := z.useDict(frameDictIDOf(b, d), d); err != nil {
							b.Fatal(err)
						}
					}
					var out []byte
					size := 0
					for i := 0; b.Loop(); i++ {
						out = z.appendBody(out[:0], kind.bodies[i%len(kind.bodies)])
						size += len(out)
					}
					report(b, size)
				})
			}
			for _, n := range []int{10, 100} {
				b.Run(fmt.Sprintf("%s/%s/per-batch-%d", cc.name, kind.name, n), func(b *testing.B) {
					z := testCompressor(b)
					var buf, out []byte
					size, i := 0, 0
					for b.Loop() {
						if i%n == 0 {
							buf = buf[:0]
							for j := range n {
								buf = append(buf, kind.bodies[(i+j)%len(kind.bodies)]...)
							}
							out = z.appendBody(out[:0], buf)
							size += len(out) + 2*n // plus an offset per body
						}
						i++
					}
					report(b, size)
				})
			}
		}
	}
}

// BenchmarkDecompression measures reading one stored body back, with and without the
// store's dictionary; ns/op is per body.
func BenchmarkDecompression(b *testing.B) {
	c := shopCorpus(b, 0, 300, 10)
	d := trainedOn(b, c)
	bodies := c.records[len(c.records)/2:]
	for _, m := range []string{"per-record", "store-dictionary"} {
		b.Run(m, func(b *testing.B) {
			z := testCompressor(b)
			if m == "store-dictionary" {
				if err := z.useDict(frameDictIDOf(b, d), d); err != nil {
					b.Fatal(err)
				}
			}
			stored := make([][]byte, len(bodies))
			for i, body := range bodies {
				stored[i] = z.appendBody(nil, body)
			}
			var buf []byte
			for i := 0; b.Loop(); i++ {
				out, err := z.openBody(stored[i%len(stored)], buf)
				if err != nil {
					b.Fatal(err)
				}
				buf = out
			}
		})
	}
}

// BenchmarkEncodeShop measures the encoding stage of a write on the shop's enriched TP2
// requests of 10 events, without and with the store's dictionary: ns/record is encoding
// and compressing, in the request goroutine; B/record is the stored bytes of the records
// and their payload, per record.
func BenchmarkEncodeShop(b *testing.B) {
	en := enrich.New(enrich.Config{Version: "1.0.0"})
	at := time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)
	var results []*enrich.Result
	for r := 100; r < 200; r++ {
		results = append(results, en.Process(context.Background(), indextest.Payload(r, 10, at.Add(time.Duration(r)*time.Second))))
	}
	d := trainedOn(b, shopCorpus(b, 0, 100, 10))
	for _, m := range []string{"per-record", "store-dictionary"} {
		b.Run(m, func(b *testing.B) {
			z := testCompressor(b)
			if m == "store-dictionary" {
				if err := z.useDict(frameDictIDOf(b, d), d); err != nil {
					b.Fatal(err)
				}
			}
			size, records := 0, 0
			for i := 0; b.Loop(); i++ {
				r := results[i%len(results)]
				e := z.encodeResult(r)
				size += len(e.payload)
				for _, body := range e.bodies {
					size += len(body)
				}
				records += len(r.Outputs)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(records), "ns/record")
			b.ReportMetric(float64(size)/float64(records), "B/record")
		})
	}
}

// trainedOn is the dictionary a store would train on c's first trainRecords records and
// payloads.
func trainedOn(tb testing.TB, c corpus) []byte {
	tb.Helper()
	var samples [][]byte
	for i := range trainRecords {
		if i < len(c.records) {
			samples = append(samples, c.records[i])
		}
		if i < len(c.payloads) {
			samples = append(samples, c.payloads[i])
		}
	}
	_, d, err := trainDict(samples, func(uint32) bool { return false })
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// frameDictIDOf is the ID of dictionary d.
func frameDictIDOf(tb testing.TB, d []byte) uint32 {
	tb.Helper()
	info, err := zstd.InspectDictionary(d)
	if err != nil {
		tb.Fatal(err)
	}
	return info.ID()
}
