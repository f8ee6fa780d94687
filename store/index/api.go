// Package index is plowbox's search index: a bleve index in the data directory, derived
// from the bbolt store and rebuildable from it. It follows the store (it is told of each
// commit through Source.Changed), indexes new records in batches, and answers the query
// API, the Micro 4.x UI endpoints, the explorer and the live tail. Records are always
// committed to bbolt first; an indexing problem never loses or rejects a record.
package index

import (
	"errors"
	"time"

	"github.com/plowbox/plowbox/store"
)

// Source is the store the index follows. *store.Store implements it.
type Source interface {
	// Since calls fn for every record with a sequence above after, oldest first.
	Since(after uint64, fn func(*store.Record) bool) error
	// LastSeq is the sequence of the newest committed record.
	LastSeq() uint64
	// FirstSeq is the sequence of the oldest stored record: every record below it is
	// deleted.
	FirstSeq() uint64
	// Generation changes at each Reset: the index then starts over.
	Generation() uint64
	// Changed is closed at the next commit.
	Changed() <-chan struct{}
}

// Kinds of records, as indexed in the field "kind" and used in Query.Kinds.
const (
	KindGood       = "good"       // good event
	KindIncomplete = "incomplete" // event that failed validation or enrichment (with its bad row)
	KindBad        = "bad"        // payload-level bad row, no event
)

// Query is one search. The zero value matches every record, newest first.
type Query struct {
	// Q is a Lucene-style query string (bleve's query string syntax): field:value,
	// field:>n, "phrases", +must -not, AND/OR, wildcards, and free text. Empty matches all.
	Q string
	// Filters are exact, case-insensitive matches: OR within one filter's values, AND
	// across filters (Micro 4.4+ /micro/events). Substring, when true, matches each value
	// as a case-insensitive substring instead (Micro 4.0–4.3).
	Filters []Filter
	// Kinds restricts the record kinds; empty means all.
	Kinds []string
	// Start and End bound the time axis, [Start, End); zero means open. The time axis is
	// collector_tstamp for events and the failure timestamp for bad rows.
	Start, End time.Time
	// AfterSeq keeps only records with a sequence above it (the live tail).
	AfterSeq uint64
	// Sort orders the hits; empty means newest first (sequence descending).
	Sort []Sort
	// From and Size page through hits: From is an offset, Size ≤ 1000 (0 means 50).
	From, Size int
	// After is the cursor of the last hit of the previous page (Result.Next): with it,
	// deep pages cost what the first one does. From is then ignored.
	After string
	// Facets names fields whose top terms to count; FacetSize caps each (0 means 10).
	Facets    []string
	FacetSize int
	// Histogram, when its Interval is set, counts matching records per time bucket.
	Histogram Histogram
	// Buckets counts matching records per given [Start, End) range (Micro's timeline).
	Buckets []TimeRange
}

// Filter is one column filter of Query.Filters.
type Filter struct {
	Field     string
	Values    []string
	Substring bool
}

// Sort is one sort key.
type Sort struct {
	Field string
	Desc  bool
}

// Histogram asks for counts per fixed interval over [Query.Start, Query.End), or over the
// span of the matching records when those are zero.
type Histogram struct {
	Interval time.Duration
}

// TimeRange is a [Start, End) interval of the time axis.
type TimeRange struct {
	Start, End time.Time
}

// Result is the answer to a Query.
type Result struct {
	Total   uint64            // matching records
	Hits    []Hit             // the requested page
	Next    string            // cursor for Query.After; empty on the last page
	Facets  map[string][]Term // per requested facet field, most frequent first
	Buckets []Bucket          // Histogram or Buckets, in time order / request order
	Took    time.Duration
}

// Hit is one matching record; the record itself is read from the store by Seq.
type Hit struct {
	Seq  uint64
	Kind string
}

// Term is a facet value and how many matching records carry it.
type Term struct {
	Term  string
	Count int
}

// Bucket counts matching records in one time range by kind.
type Bucket struct {
	TimeRange
	Good, Incomplete, Bad int
}

// Stats describe the index for status pages and metrics.
type Stats struct {
	IndexedSeq  uint64 // every record up to this sequence is indexed
	Lag         uint64 // committed records not indexed yet
	Docs        uint64 // documents in the index
	Unindexable uint64 // values left unindexed (kept in the store) since Open
	DiskBytes   int64  // size of the index directory
}

// QueryError is a query the index cannot parse or run: the user's mistake, a 400.
type QueryError struct {
	Query string
	Err   error
}

func (e *QueryError) Error() string { return "bad query " + `"` + e.Query + `": ` + e.Err.Error() }
func (e *QueryError) Unwrap() error { return e.Err }

// ErrClosed is returned after Close.
var ErrClosed = errors.New("index closed")
