package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/plowbox/plowbox/internal/options"

	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
)

// reindexConfig is what plowbox reindex can be told.
type reindexConfig struct {
	data        string
	memoryLimit int64
	index       indexConfig
}

// reindexOptions is the table of plowbox reindex's options.
func reindexOptions(c *reindexConfig) []options.Option {
	return append([]options.Option{
		{Name: "data", Usage: "data directory whose store to index", Value: options.String(&c.data, "./plowbox-data")},
		{Name: "memory-limit", Usage: "soft limit of the Go heap (e.g. 256MiB, 1GiB; 0 for none); GOMEMLIMIT wins when set", Value: options.Size(&c.memoryLimit, defaultMemoryLimit)},
	}, indexOptions(&c.index)...)
}

// reindex rebuilds the search index from the store: it deletes the index directory and
// indexes every stored record again. plowbox serve must not be running on the directory.
func reindex(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	var cfg reindexConfig
	if err := options.Parse("reindex", reindexOptions(&cfg), args, lookupEnv, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if _, err := os.Stat(cfg.data); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	applyMemoryLimit(cfg.memoryLimit, log)
	st, err := store.Open(cfg.data, store.Options{Logger: log})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	dir := cfg.index.indexDir(cfg.data)
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove search index %s: %w", dir, err)
	}
	start := time.Now()
	ix, err := index.Open(dir, st, index.Options{Logger: log, BatchSize: index.RebuildBatch})
	if err != nil {
		return fmt.Errorf("open search index: %w", err)
	}
	last := st.LastSeq()
	done := make(chan error, 1)
	go func() { done <- ix.WaitIndexed(ctx, last) }()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for waiting := true; waiting; {
		select {
		case err = <-done:
			waiting = false
		case <-tick.C:
			s := ix.Stats()
			fmt.Fprintf(stdout, "indexed up to record %d of %d\n", s.IndexedSeq, last)
		}
	}
	if err != nil {
		ix.Close()
		return fmt.Errorf("reindex: %w", err)
	}
	s := ix.Stats()
	if err := ix.Close(); err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Fprintf(stdout, "indexed %d records in %s (%.0f records/s), index %.1f MB in %s; %d values left unindexed\n",
		s.Docs, took.Round(time.Millisecond), float64(s.Docs)/took.Seconds(), float64(s.DiskBytes)/1e6, dir, s.Unindexable)
	return nil
}
