package event

import "testing"

func BenchmarkAppendSDKJSON(b *testing.B) {
	ev := canonicalEvents()[0].ev
	buf := make([]byte, 0, 8192)
	b.ReportAllocs()
	for b.Loop() {
		buf = ev.AppendSDKJSON(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkTSV(b *testing.B) {
	ev := canonicalEvents()[0].ev
	buf := make([]byte, 0, 8192)
	b.ReportAllocs()
	for b.Loop() {
		buf = ev.AppendTSV(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkAppendLossyJSON(b *testing.B) {
	ev := canonicalEvents()[0].ev
	buf := make([]byte, 0, 8192)
	b.ReportAllocs()
	for b.Loop() {
		buf = ev.AppendLossyJSON(buf[:0])
	}
}
