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
func openIndex(data string, c indexConfig, st *store.Store, log *slog.Logger) (*index.Index, error) {
	ix, err := index.Open(c.indexDir(data), st, index.Options{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("open search index: %w", err)
	}
	return ix, nil
}
