package web

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
)

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

// syncTimeout bounds how long a reader waits for the index to catch up with the store.
// The index normally follows within milliseconds; past this, the answer is given with
// what is indexed.
const syncTimeout = 2 * time.Second

// searcher answers queries against the index with records read from the store: index
// hits are sequences, the records themselves live in bbolt.
type searcher struct {
	ix    Index
	store Store
	log   *slog.Logger
}

// sync waits (briefly) until everything committed so far is indexed, so that a record is
// visible to a query once its tracker got its 200.
func (s *searcher) sync(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, syncTimeout)
	defer cancel()
	if err := s.ix.Sync(ctx, s.store.LastSeq()); err != nil {
		s.log.Warn("search index behind the store, answering with what is indexed", "err", err)
	}
}

// search syncs and runs q.
func (s *searcher) search(ctx context.Context, q index.Query) (*index.Result, error) {
	s.sync(ctx)
	return s.ix.Search(ctx, q)
}

// records reads the records of hits from the store, in hit order, skipping those that are
// gone (deleted by a reset or retention after the index answered).
func (s *searcher) records(hits []index.Hit) ([]*store.Record, error) {
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

// isQueryError reports whether err is the user's malformed query.
func isQueryError(err error) bool {
	var qe *index.QueryError
	return errors.As(err, &qe)
}

// kindOf is the index kind of a stored record.
func kindOf(rec *store.Record) string {
	switch {
	case rec.Stage == enrich.StageGood:
		return index.KindGood
	case rec.Event != nil:
		return index.KindIncomplete
	default:
		return index.KindBad
	}
}

// stageNames name the pipeline stage a record came from.
var stageNames = map[enrich.Stage]string{
	enrich.StageGood:       "good",
	enrich.StageSize:       "size",
	enrich.StageLoad:       "load",
	enrich.StageAdapter:    "adapter",
	enrich.StageValidation: "validation",
}

// mountQueryAPI mounts the Micro 4.x UI endpoints on the /micro group and plowbox's
// native query API under /plowbox/api, behind the same authentication.
func mountQueryAPI(r *gin.Engine, micro *gin.RouterGroup, o Options) {
	var s *searcher
	if o.Index != nil {
		s = &searcher{ix: o.Index, store: o.Store, log: o.Logger}
	}
	(&microUI{s: s}).routes(micro)
	api := r.Group("/plowbox/api")
	if o.Auth != nil {
		api.Use(o.Auth.middleware)
	}
	(&nativeAPI{s: s, st: o.Store, collector: o.Collector}).routes(api)
}
