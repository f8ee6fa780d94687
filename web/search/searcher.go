// Package search answers queries of plowbox's HTTP surfaces: the bleve index finds
// record sequences, the bbolt store holds the records.
package search

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
)

// Store is what the HTTP surfaces read from plowbox's event store; *store.Store
// implements it.
type Store interface {
	Counts() store.Counts
	Good(fn func(*store.Record) bool) error
	Bad(fn func(*store.Record) bool) error
	Events(fn func(*store.Record) bool) error
	Reset() error
	// Get reads one record by sequence; ok is false when it is gone.
	Get(seq uint64) (rec *store.Record, ok bool, err error)
	// LastSeq is the sequence of the newest committed record.
	LastSeq() uint64
	// EventRecords lists the sequences of the records of one event_id, oldest first.
	EventRecords(id string, limit int) ([]uint64, error)
}

// Index is the search index the query API and the Micro 4.x UI endpoints read.
// *index.Index implements it.
type Index interface {
	// Sync waits until every record up to seq is indexed, or ctx ends.
	Sync(ctx context.Context, seq uint64) error
	// Search runs a query; a query the index cannot parse is an *index.QueryError.
	Search(ctx context.Context, q index.Query) (*index.Result, error)
	// Columns lists the lossy-JSON columns of the indexed events (/micro/columns).
	Columns(ctx context.Context) ([]string, error)
	// Changed returns a channel closed after the next indexed batch.
	Changed() <-chan struct{}
}

// DeepOffset is the deepest offset a page may start at; past it a page is first checked
// against the total, so that a page far past the end never makes the index collect that
// many hits.
const DeepOffset = 10_000

// syncTimeout bounds how long a reader waits for the index to catch up with the store.
// The index normally follows within milliseconds; past this, the answer is given with
// what is indexed.
const syncTimeout = 2 * time.Second

// Searcher answers queries against the index with records read from the store: index
// hits are sequences, the records themselves live in bbolt.
type Searcher struct {
	ix    Index
	store Store
	log   *slog.Logger
}

// New returns a Searcher over ix and st; nil when ix is nil (plowbox runs without an
// index).
func New(ix Index, st Store, log *slog.Logger) *Searcher {
	if ix == nil {
		return nil
	}
	return &Searcher{ix: ix, store: st, log: log}
}

// Index is the index searched.
func (s *Searcher) Index() Index { return s.ix }

// Store is the store the records are read from.
func (s *Searcher) Store() Store { return s.store }

// Log is where index trouble is reported.
func (s *Searcher) Log() *slog.Logger { return s.log }

// Sync waits (briefly) until everything committed so far is indexed, so that a record is
// visible to a query once its tracker got its 200.
func (s *Searcher) Sync(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, syncTimeout)
	defer cancel()
	if err := s.ix.Sync(ctx, s.store.LastSeq()); err != nil {
		s.log.Warn("search index behind the store, answering with what is indexed", "err", err)
	}
}

// Search syncs and runs q.
func (s *Searcher) Search(ctx context.Context, q index.Query) (*index.Result, error) {
	s.Sync(ctx)
	return s.ix.Search(ctx, q)
}

// Records reads the records of hits from the store, in hit order, skipping those that are
// gone (deleted by a reset or retention after the index answered).
func (s *Searcher) Records(hits []index.Hit) ([]*store.Record, error) {
	recs := make([]*store.Record, 0, len(hits))
	for _, h := range hits {
		rec, ok, err := s.store.Get(h.Seq)
		if err != nil {
			return nil, err
		}
		if ok {
			recs = append(recs, rec)
		}
	}
	return recs, nil
}

// IsQueryError reports whether err is the user's malformed query.
func IsQueryError(err error) bool {
	var qe *index.QueryError
	return errors.As(err, &qe)
}

// KindOf is the index kind of a stored record.
func KindOf(rec *store.Record) string {
	switch {
	case rec.Stage == enrich.StageGood:
		return index.KindGood
	case rec.Event != nil:
		return index.KindIncomplete
	default:
		return index.KindBad
	}
}

// StageNames name the pipeline stage a record came from.
var StageNames = map[enrich.Stage]string{
	enrich.StageGood:       "good",
	enrich.StageSize:       "size",
	enrich.StageLoad:       "load",
	enrich.StageAdapter:    "adapter",
	enrich.StageValidation: "validation",
}
