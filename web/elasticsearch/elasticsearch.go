// Package elasticsearch serves the read-only subset of the Elasticsearch 7 REST API
// that Snowplow Mini's /elasticsearch gave its users' scripts and Snowplow Inspector's
// "Stream Live Data": /{index}/_search, /{index}/_count and /_cat/indices over two
// indices, "good" (good events as the flattened JSON that Snowplow's Elasticsearch loader
// writes) and "bad" (bad rows, incomplete events' included, as their bad-row JSON),
// answered from plowbox's search index with its own query parser.
package elasticsearch

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web/search"
)

// Prefix is the path the API is served under, as in Snowplow Mini.
const Prefix = "/elasticsearch"

// Store holds the records the index points at. *store.Store implements it.
type Store interface {
	// Counts are the numbers of stored records by kind.
	Counts() store.Counts
	// Get reads one record by sequence; ok is false when it is gone.
	Get(seq uint64) (rec *store.Record, ok bool, err error)
}

// Options configures the API.
type Options struct {
	// Searcher answers searches and counts with a query; nil (plowbox runs without its
	// search index) answers them 503.
	Searcher *search.Searcher
	// Store holds the records and counts them.
	Store Store
	// Logger receives read errors; nil means slog.Default().
	Logger *slog.Logger
}

// api serves the routes.
type api struct {
	o Options
}

// Mount serves the API under Prefix on r. Authentication is the router's: mount it
// behind the same access check as the Micro API, with InspectorCredentials before it.
func Mount(r gin.IRouter, o Options) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	a := &api{o: o}
	r.Any(Prefix, a.serve)
	r.Any(Prefix+"/*path", a.serve)
}

// serve dispatches on the path below Prefix, as Elasticsearch does: an index name, or
// an API whose name starts with "_".
func (a *api) serve(c *gin.Context) {
	path := strings.Trim(strings.TrimPrefix(c.Request.URL.Path, Prefix), "/")
	parts := strings.Split(path, "/")
	method := c.Request.Method
	read := method == http.MethodGet || method == http.MethodHead || method == http.MethodPost
	switch {
	case path == "" && (method == http.MethodGet || method == http.MethodHead):
		a.root(c)
	case len(parts) == 2 && parts[0] == "_cat" && parts[1] == "indices" && (method == http.MethodGet || method == http.MethodHead):
		a.catIndices(c)
	case len(parts) == 1 && parts[0] == "_search" && read:
		a.search(c, allIndices)
	case len(parts) == 1 && parts[0] == "_count" && read:
		a.count(c, allIndices)
	case len(parts) == 2 && parts[1] == "_search" && read:
		if names, ok := a.indices(c, parts[0]); ok {
			a.search(c, names)
		}
	case len(parts) == 2 && parts[1] == "_count" && read:
		if names, ok := a.indices(c, parts[0]); ok {
			a.count(c, names)
		}
	case len(parts) == 1 && !strings.HasPrefix(parts[0], "_") && (method == http.MethodGet || method == http.MethodHead):
		if names, ok := a.indices(c, parts[0]); ok {
			a.indexInfo(c, names)
		}
	default:
		// Elasticsearch's answer to a path it has no handler for.
		writeError(c, http.StatusBadRequest, "illegal_argument_exception",
			"plowbox serves only GET /elasticsearch/{good|bad}/_search (and POST with a query_string body), /{index}/_count and /_cat/indices; "+
				method+" /elasticsearch/"+path+" is not one of them")
	}
}

// noIndex answers 503 when plowbox runs without its search index.
func (a *api) noIndex(c *gin.Context) bool {
	if a.o.Searcher != nil {
		return false
	}
	writeError(c, http.StatusServiceUnavailable, "cluster_block_exception", "the search index is not enabled: start plowbox with its index to search /elasticsearch")
	return true
}

// root answers GET /elasticsearch/ as Elasticsearch 7 does, for clients that check the
// version before anything else.
func (a *api) root(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{
		"name":         "plowbox",
		"cluster_name": "plowbox",
		"cluster_uuid": "plowbox",
		"version": gin.H{
			"number": "7.10.2", "build_flavor": "oss", "build_type": "plowbox", "build_hash": "plowbox",
			"lucene_version": "8.7.0", "minimum_wire_compatibility_version": "6.8.0", "minimum_index_compatibility_version": "6.0.0-beta1",
		},
		"tagline": "You Know, for Search",
	})
}
