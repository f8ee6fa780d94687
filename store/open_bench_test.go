package store

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkOpen measures opening a store of 100,000 records (bbolt's Open, the layout
// check and the meta state): what plowbox serve waits for before it answers /health.
func BenchmarkOpen(b *testing.B) {
	dir := b.TempDir()
	s, err := Open(dir, Options{NoSync: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	fillT(b, s, 100_000, 1)
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		s, err := Open(dir, Options{NoSync: true, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	fi, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(fi.Size())/1e6, "MB")
}

// BenchmarkWriteFreePages measures durable writes from 64 writers into a store with many
// free pages (the oldest half of 40,000 records deleted, as retention does): what
// persisting bbolt's freelist at each commit costs where the freelist is long.
func BenchmarkWriteFreePages(b *testing.B) {
	s := openTest(b, Options{})
	const n = 40_000
	fillT(b, s, n, 1)
	seqs := make([]uint64, 0, n/2)
	for seq := s.FirstSeq(); seq < s.FirstSeq()+n/2; seq++ {
		seqs = append(seqs, seq)
	}
	if err := s.DeleteRecords(context.Background(), seqs); err != nil {
		b.Fatal(err)
	}
	free := s.db.Stats().FreePageN + s.db.Stats().PendingPageN
	writeConcurrently(b, s, 64)
	b.ReportMetric(float64(free), "free-pages")
}
