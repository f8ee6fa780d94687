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

// shopBodies returns the uncompressed record bodies and payload bodies of n generated
// shop events (TP2 batches of 10 with two or three entities each), as stored.
func shopBodies(b *testing.B, n int) (records, payloads [][]byte) {
	en := enrich.New(enrich.Config{Version: "1.0.0"})
	at := time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)
	for r := 0; len(records) < n; r++ {
		res := en.Process(context.Background(), indextest.Payload(r, 10, at.Add(time.Duration(r)*time.Second)))
		payloads = append(payloads, appendPayloadBody(nil, res.Payload))
		for i := range res.Outputs {
			records = append(records, appendRecordBody(nil, &res.Outputs[i], 0))
		}
	}
	return records[:n], payloads
}

// BenchmarkCompression compares ways of compressing record bodies on generated shop
// traffic: a zstd frame per record (what the store does), frames with a dictionary
// trained on earlier records, and one frame per batch of records (which a read of one
// record would have to decompress whole). It reports stored bytes per record and the
// ratio to the raw body; ns/op is per record, compression only.
func BenchmarkCompression(b *testing.B) {
	recs, _ := shopBodies(b, 4000)
	train, test := recs[:2000], recs[2000:]
	raw := 0
	for _, r := range test {
		raw += len(r)
	}
	var history []byte
	for _, r := range train {
		if len(history)+len(r) > 112<<10 {
			break
		}
		history = append(history, r...)
	}
	dict, err := zstd.BuildDict(zstd.BuildDictOptions{ID: 1, Contents: train, History: history, Level: zstd.SpeedFastest})
	if err != nil {
		b.Fatal(err)
	}
	newEnc := func(opts ...zstd.EOption) *zstd.Encoder {
		e, err := zstd.NewWriter(nil, append([]zstd.EOption{zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderCRC(false),
			zstd.WithLowerEncoderMem(true), zstd.WithWindowSize(1 << 17), zstd.WithEncoderConcurrency(1)}, opts...)...)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { e.Close() })
		return e
	}
	perRecord := func(enc *zstd.Encoder) func(b *testing.B) {
		return func(b *testing.B) {
			var out []byte
			size := 0
			for i := 0; i < b.N; i++ {
				r := test[i%len(test)]
				out = enc.EncodeAll(r, out[:0])
				size += min(len(out), len(r)) + 1
			}
			b.ReportMetric(float64(size)/float64(b.N), "B/record")
			b.ReportMetric(float64(size)/float64(b.N)/(float64(raw)/float64(len(test))), "ratio")
		}
	}
	b.Run("per-record", perRecord(newEnc()))
	b.Run("dictionary", perRecord(newEnc(zstd.WithEncoderDict(dict))))
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprint("per-batch-", n), func(b *testing.B) {
			enc := newEnc()
			var buf, out []byte
			size := 0
			for i := 0; i < b.N; i += n {
				buf = buf[:0]
				for j := range n {
					buf = append(buf, test[(i+j)%len(test)]...)
				}
				out = enc.EncodeAll(buf, out[:0])
				size += len(out) + 2*n // plus an offset per record
			}
			b.ReportMetric(float64(size)/float64(b.N), "B/record")
			b.ReportMetric(float64(size)/float64(b.N)/(float64(raw)/float64(len(test))), "ratio")
		})
	}
}
