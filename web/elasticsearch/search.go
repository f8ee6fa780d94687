package elasticsearch

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
	"github.com/plowbox/plowbox/web/search"
)

// pageSize is the most hits one index query returns; larger searches take several.
const pageSize = 1000

// shards is the _shards object of every answer: one shard, always successful.
var shards = gin.H{"total": 1, "successful": 1, "skipped": 0, "failed": 0}

// searchHit is one element of hits.hits, in Elasticsearch 7's key order. _id is the
// record's sequence number (unique even for duplicate event ids); _score is null, as
// for every sorted search.
type searchHit struct {
	Index  string          `json:"_index"`
	Type   string          `json:"_type"`
	ID     string          `json:"_id"`
	Score  *float64        `json:"_score"`
	Source json.RawMessage `json:"_source"`
}

// total is hits.total of Elasticsearch 7: {"value":n,"relation":"eq"|"gte"}.
type total struct {
	Value    uint64 `json:"value"`
	Relation string `json:"relation"`
}

// search answers GET and POST /elasticsearch/{index}/_search: the query string (q, or
// the body's query_string) through plowbox's query parser, newest first unless sorted,
// from and size as in Elasticsearch (10 hits by default, from + size ≤ 10,000).
//
// "The search API allows you to execute a search query and get back search hits that
// match the query." — https://www.elastic.co/guide/en/elasticsearch/reference/7.10/search-search.html
func (a *api) search(c *gin.Context, names []string) {
	if a.noIndex(c) {
		return
	}
	req, err := parseSearch(c)
	if err != nil {
		writeRequestError(c, err)
		return
	}
	start := time.Now()
	q := index.Query{Q: req.q, Kinds: kinds(names), Sort: req.sort, From: req.from, Size: max(1, min(req.size, pageSize))}
	res, err := a.o.Searcher.Search(c.Request.Context(), q)
	if err != nil {
		a.searchFailed(c, err)
		return
	}
	hitsTotal := res.Total
	hits := make([]searchHit, 0, min(req.size, len(res.Hits)))
	for req.size > 0 {
		for _, h := range res.Hits {
			if len(hits) == req.size {
				break
			}
			hit, ok, err := a.hit(h)
			if err != nil {
				a.searchFailed(c, err)
				return
			}
			if ok {
				hits = append(hits, hit)
			}
		}
		if len(hits) >= req.size || res.Next == "" || len(res.Hits) == 0 {
			break
		}
		q.After, q.Size = res.Next, min(req.size-len(hits), pageSize)
		if res, err = a.o.Searcher.Index().Search(c.Request.Context(), q); err != nil {
			a.searchFailed(c, err)
			return
		}
	}
	out := gin.H{"took": time.Since(start).Milliseconds(), "timed_out": false, "_shards": shards}
	h := gin.H{"max_score": nil, "hits": hits}
	switch t := totalOf(hitsTotal, req.track); {
	case req.track < 0:
	case req.totalAsInt:
		h["total"] = t.Value
	default:
		h["total"] = t
	}
	out["hits"] = h
	c.JSON(http.StatusOK, out)
}

// totalOf is hits.total for n matches when counting exactly up to track.
func totalOf(n uint64, track int) total {
	if track >= 0 && n > uint64(track) {
		return total{Value: uint64(track), Relation: "gte"}
	}
	return total{Value: n, Relation: "eq"}
}

// hit reads the record of an index hit; ok is false when it is gone (deleted by a
// reset or retention after the index answered).
func (a *api) hit(h index.Hit) (searchHit, bool, error) {
	rec, ok, err := a.o.Store.Get(h.Seq)
	if err != nil || !ok {
		return searchHit{}, false, err
	}
	src := Source(rec)
	if src == nil {
		return searchHit{}, false, nil
	}
	return searchHit{Index: indexOfKind(h.Kind), Type: "_doc", ID: strconv.FormatUint(rec.Seq, 10), Source: src}, true, nil
}

// Source is a record as its Elasticsearch document: a good event as the flattened JSON
// of Snowplow's Elasticsearch loader (the atomic fields, contexts_<vendor>_<name>_<model>
// arrays, unstruct_event_<vendor>_<name>_<model>), anything else its bad-row JSON. It is
// nil for a record that has neither.
func Source(rec *store.Record) json.RawMessage {
	if search.KindOf(rec) == index.KindGood && rec.Event != nil {
		return rec.Event.AppendLossyJSON(nil)
	}
	if len(rec.BadRow) > 0 {
		return rec.BadRow
	}
	return nil
}

// count answers GET and POST /elasticsearch/{index}/_count: {"count":n,"_shards":…},
// from the store's counters without a query, from the search index with one.
func (a *api) count(c *gin.Context, names []string) {
	req, err := parseSearch(c)
	if err != nil {
		writeRequestError(c, err)
		return
	}
	if req.q == "" {
		counts := a.o.Store.Counts()
		var n int
		for _, name := range names {
			n += countOf(counts, name)
		}
		c.JSON(http.StatusOK, gin.H{"count": n, "_shards": shards})
		return
	}
	if a.noIndex(c) {
		return
	}
	res, err := a.o.Searcher.Search(c.Request.Context(), index.Query{Q: req.q, Kinds: kinds(names), Size: 1})
	if err != nil {
		a.searchFailed(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"count": res.Total, "_shards": shards})
}

// countOf is the number of records in the index name.
func countOf(counts store.Counts, name string) int {
	if name == indexGood {
		return counts.Good
	}
	return counts.Bad
}

// writeRequestError answers a malformed request 400.
func writeRequestError(c *gin.Context, err error) {
	var re *requestError
	if errors.As(err, &re) {
		writeError(c, http.StatusBadRequest, re.typ, re.reason)
		return
	}
	writeError(c, http.StatusBadRequest, "illegal_argument_exception", err.Error())
}

// searchFailed answers a query plowbox cannot parse 400, as Elasticsearch answers a
// query_string it cannot parse, and anything else 500.
func (a *api) searchFailed(c *gin.Context, err error) {
	var qe *index.QueryError
	if errors.As(err, &qe) {
		writeError(c, http.StatusBadRequest, "query_shard_exception", "Failed to parse query ["+qe.Query+"]: "+qe.Err.Error())
		return
	}
	a.o.Logger.Error("elasticsearch search", "err", err)
	writeError(c, http.StatusInternalServerError, "exception", "search failed: "+err.Error())
}
