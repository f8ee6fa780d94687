package index

import (
	"context"
	"errors"
	"log/slog"
)

// Options configures an Index.
type Options struct {
	Logger *slog.Logger
}

// Index is plowbox's bleve index. It is safe for concurrent use.
type Index struct{}

// errTODO marks the skeleton; the index is being built.
var errTODO = errors.New("index: not implemented yet")

// Open opens (creating if needed) the index in dir and starts following src.
func Open(dir string, src Source, opts Options) (*Index, error) { return &Index{}, nil }

// Close stops following the store and closes the index.
func (ix *Index) Close() error { return nil }

// Sync waits until every record up to seq is indexed, or ctx ends.
func (ix *Index) Sync(ctx context.Context, seq uint64) error { return errTODO }

// Search runs q. A query the index cannot parse is a *QueryError.
func (ix *Index) Search(ctx context.Context, q Query) (*Result, error) { return nil, errTODO }

// Columns returns every lossy-JSON column name seen in indexed events, with the nested
// contexts_X.field and unstruct_event_X.field names, sorted bytewise (/micro/columns).
func (ix *Index) Columns(ctx context.Context) ([]string, error) { return nil, errTODO }

// Delete removes the documents of the given records (replayed or deleted records).
func (ix *Index) Delete(seqs ...uint64) error { return errTODO }

// Changed returns a channel closed after the next indexed batch (the live tail waits on it).
func (ix *Index) Changed() <-chan struct{} { return nil }

// Stats describes the index.
func (ix *Index) Stats() Stats { return Stats{} }
