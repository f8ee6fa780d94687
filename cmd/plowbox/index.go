package main

import (
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/plowbox/plowbox/internal/options"

	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
)

// indexConfig is what plowbox serve and plowbox reindex can be told about the search index.
type indexConfig struct {
	dir string
}

// indexOptions is the table of the search index's options.
func indexOptions(c *indexConfig) []options.Option {
	return []options.Option{
		{Name: "index-dir", Usage: "directory of the search index; empty for <data>/index. It is derived from the store and rebuilt from it when missing or stale", Value: options.String(&c.dir, "")},
	}
}

// indexDir returns the index directory for data directory data.
func (c indexConfig) indexDir(data string) string {
	if c.dir != "" {
		return c.dir
	}
	return filepath.Join(data, "index")
}

// openIndex opens the search index for st, which it then follows; close it before st.
// budget is the retention byte budget (0 for none), which sizes the index's segments.
func openIndex(data string, c indexConfig, st *store.Store, budget int64, log *slog.Logger) (*index.Index, error) {
	ix, err := index.Open(c.indexDir(data), st, index.Options{Logger: log, MaxSegmentDocs: segmentDocs(budget)})
	if err != nil {
		return nil, fmt.Errorf("open search index: %w", err)
	}
	return ix, nil
}

// Sizing of the index's segments under a byte budget: a record takes about
// recordDiskBytes on disk (bbolt and index, BENCHMARKS.md Soak), and a segment holds at
// most a segmentShare-th of what the budget keeps, so that the oldest segments empty
// whole under retention and a merge rewrites a small part of the index.
const (
	recordDiskBytes = 1600
	segmentShare    = 10
	minSegmentDocs  = 1000
)

// segmentDocs returns index.Options.MaxSegmentDocs for byte budget budget: 0 (scorch's
// default) without one.
func segmentDocs(budget int64) int {
	if budget <= 0 {
		return 0
	}
	return int(max(budget/recordDiskBytes/segmentShare, minSegmentDocs))
}
