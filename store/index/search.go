package index

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/numeric"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Limits of a Query.
const (
	defaultSize      = 50
	maxSize          = 1000
	defaultFacetSize = 10
	maxBuckets       = 1000
)

// Search runs q. A query the index cannot parse or run is a *QueryError.
func (ix *Index) Search(ctx context.Context, q Query) (res *Result, err error) {
	defer func() {
		// bleve's query parser has panicked on odd input before; the caller gets an error.
		if p := recover(); p != nil {
			res, err = nil, &QueryError{Query: q.Q, Err: fmt.Errorf("cannot run this query: %v", p)}
		}
	}()
	start := time.Now()
	bq, err := ix.buildQuery(q)
	if err != nil {
		return nil, err
	}
	size := q.Size
	switch {
	case size <= 0:
		size = defaultSize
	case size > maxSize:
		size = maxSize
	}
	req := bleve.NewSearchRequestOptions(bq, size, max(q.From, 0), false)
	req.Score = "none"
	req.Sort, err = sortOrder(q.Sort)
	if err != nil {
		return nil, err
	}
	if q.After != "" {
		after, err := decodeCursor(q.After, len(req.Sort))
		if err != nil {
			return nil, &QueryError{Query: q.After, Err: err}
		}
		req.From = 0
		req.SearchAfter = after
	}
	fsize := q.FacetSize
	if fsize <= 0 {
		fsize = defaultFacetSize
	}
	for _, f := range q.Facets {
		if !facetable(f) {
			return nil, &QueryError{Query: f, Err: fmt.Errorf("field %q has no facet; use an atomic column, schema or kind", f)}
		}
		req.AddFacet(f, bleve.NewFacetRequest(f, fsize))
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	v, err := ix.view(ctx)
	if err != nil {
		return nil, ix.searchError(ctx, q, err)
	}
	defer v.release()
	if v.exclude != nil {
		bq = query.NewBooleanQuery([]query.Query{bq}, nil, []query.Query{v.exclude})
		req.Query = bq
	}
	rl, rolledUp, err := ix.fromRollup(ctx, v, q, bq, fsize)
	if err != nil {
		return nil, ix.searchError(ctx, q, err)
	}
	if rolledUp {
		req.Facets = nil
		v.counted = &bleve.SearchResult{Total: rl.total}
	}
	var sr *bleve.SearchResult
	switch {
	case seqOnly(req.Sort):
		sr, err = ix.newestFirst(ctx, v, bq, req, q.After != "", countKey(q))
	case timeDesc(req.Sort, q.Kinds):
		sr, err = ix.newestByTime(ctx, v, bq, req, q.After != "", countKey(q))
	default:
		sr, err = v.bi.SearchInContext(ctx, req)
	}
	if err != nil {
		return nil, ix.searchError(ctx, q, err)
	}
	res = &Result{Total: sr.Total, Hits: make([]Hit, 0, len(sr.Hits))}
	for _, h := range sr.Hits {
		seq, kind, ok := parseDocID(h.ID)
		if !ok {
			continue
		}
		res.Hits = append(res.Hits, Hit{Seq: seq, Kind: kind})
	}
	if n := len(sr.Hits); n == size {
		last := sr.Hits[n-1]
		if q.After != "" || uint64(max(q.From, 0)+n) < sr.Total {
			res.Next = encodeCursor(last.Sort)
		}
	}
	switch {
	case rolledUp:
		res.Total, res.Facets, res.Buckets = rl.total, rl.facets, rl.buckets
	case len(q.Facets) > 0:
		res.Facets = make(map[string][]Term, len(q.Facets))
		for _, f := range q.Facets {
			fr := sr.Facets[f]
			terms := []Term{}
			if fr != nil && fr.Terms != nil {
				for _, t := range fr.Terms.Terms() {
					terms = append(terms, Term{Term: t.Term, Count: t.Count})
				}
			}
			res.Facets[f] = terms
		}
	}
	if !rolledUp && (q.Histogram.Interval > 0 || len(q.Buckets) > 0) {
		res.Buckets, err = ix.buckets(ctx, v, q, bq)
		if err != nil {
			return nil, err
		}
	}
	res.Took = time.Since(start)
	return res, nil
}

// seqOnly reports whether order is by sequence alone, descending: newest first.
func seqOnly(order search.SortOrder) bool {
	if len(order) != 1 {
		return false
	}
	sf, ok := order[0].(*search.SortField)
	return ok && sf.Field == fieldSeq && sf.Desc
}

// minWindow is the fewest sequences a newest-first window spans.
const minWindow = 4096

// newestFirst runs req (sorted newest first) without sorting every match: bleve would
// read the sequence of each matching document to keep the top ones, which costs a
// second per million matches. It counts the matches (and their facets) in one pass that
// reads no doc values, then looks for the page among the newest sequences only, in a
// window sized from the density of matches and widened until it holds the page. With
// after, the window ends at the cursor.
func (ix *Index) newestFirst(ctx context.Context, v *view, bq query.Query, req *bleve.SearchRequest, after bool, key string) (*bleve.SearchResult, error) {
	cr, done, err := ix.count(ctx, v, bq, req, after, key)
	if err != nil || done {
		return cr, err
	}
	need := uint64(req.From + req.Size)
	// The window is (top-window, top): top is the cursor, or open past the newest indexed
	// record (documents of a batch being indexed may pass it).
	top, open := ix.indexed.Load()+1, true
	if after {
		v, err := strconv.ParseUint(sortNumber(req.SearchAfter[0]), 10, 64)
		if err != nil {
			return nil, &QueryError{Query: "cursor", Err: errors.New("malformed cursor")}
		}
		top, open = v, false
	}
	docs, _ := v.bi.DocCount()
	window := ix.minWindow
	if docs > 0 {
		window = max(window, 2*need*docs/cr.Total)
	}
	for {
		// Both bounds are given: bleve expands a numeric range into prefix terms looked
		// up in every segment, and an open bound costs the sixteen levels of an int64.
		// No document is above the store's last record.
		bounded := top > window || !open
		lo, hi := 0.0, float64(ix.src.LastSeq()+1)
		if top > window {
			lo = float64(top - window)
		}
		if !open {
			hi = float64(top)
		}
		wreq := *req
		if bounded {
			wreq.Query = and(bq, numRange(fieldSeq, &lo, &hi, false, false))
		}
		wreq.Facets = nil
		if after {
			wreq.SearchAfter = nil
		}
		wr, err := v.bi.SearchInContext(ctx, &wreq)
		if err != nil {
			return nil, err
		}
		if wr.Total >= need || top <= window {
			wr.Total, wr.Facets = cr.Total, cr.Facets
			return wr, nil
		}
		window *= 4
	}
}

// count runs the count-only pass of a windowed search: the total and the facets. done
// is true when no page can hold hits. The last count is kept while the index does not
// change, so that paging through one query counts once.
func (ix *Index) count(ctx context.Context, v *view, bq query.Query, req *bleve.SearchRequest, after bool, key string) (*bleve.SearchResult, bool, error) {
	docs, err := v.bi.DocCount()
	if err != nil {
		return nil, true, err
	}
	state := fmt.Sprint(v.key, " ", docs, " ", key)
	var cr *bleve.SearchResult
	ix.countMu.Lock()
	if ix.lastCount.key == state {
		c := *ix.lastCount.res
		cr = &c
	}
	ix.countMu.Unlock()
	switch _, all := bq.(*query.MatchAllQuery); {
	case v.counted != nil:
		c := *v.counted
		cr = &c
	case cr != nil:
	case all && len(req.Facets) == 0:
		cr = &bleve.SearchResult{Total: docs}
	default:
		count := bleve.NewSearchRequestOptions(bq, 0, 0, false)
		count.Score = "none"
		count.Facets = req.Facets
		if cr, err = v.bi.SearchInContext(ctx, count); err != nil {
			return nil, true, err
		}
		c := *cr
		ix.countMu.Lock()
		ix.lastCount.key, ix.lastCount.res = state, &c
		ix.countMu.Unlock()
	}
	if cr.Total == 0 || (!after && uint64(req.From) >= cr.Total) {
		cr.Hits = nil
		return cr, true, nil
	}
	return cr, false, nil
}

// countKey identifies what q counts: everything but its paging and sort.
func countKey(q Query) string {
	return fmt.Sprintf("%q %q %q %d %d %d %q %d", q.Q, fmt.Sprint(q.Filters), q.Kinds, q.Start.UnixNano(), q.End.UnixNano(), q.AfterSeq, q.Facets, q.FacetSize)
}

// timeDesc reports whether order is by the time axis, newest first: by time, or by
// collector_tstamp when every kind searched has one (it is then the time axis).
func timeDesc(order search.SortOrder, kinds []string) bool {
	if len(order) != 2 {
		return false
	}
	sf, ok := order[0].(*search.SortField)
	if !ok || !sf.Desc {
		return false
	}
	switch sf.Field {
	case fieldTime:
		return true
	case "collector_tstamp":
		return len(kinds) > 0 && !slices.Contains(kinds, KindBad)
	}
	return false
}

// firstTimeWindow is the span of the first window of a search by time, newest first.
const firstTimeWindow = 10 * time.Minute

// newestByTime runs req (sorted by the time axis, newest first) as newestFirst does, with
// windows of time ending now (or at the cursor), eight times wider at each step.
func (ix *Index) newestByTime(ctx context.Context, v *view, bq query.Query, req *bleve.SearchRequest, after bool, key string) (*bleve.SearchResult, error) {
	cr, done, err := ix.count(ctx, v, bq, req, after, key)
	if err != nil || done {
		return cr, err
	}
	need := uint64(req.From + req.Size)
	var top time.Time // zero: open, all of the future included
	if after {
		t, err := sortTime(req.SearchAfter[0])
		if err != nil {
			return nil, &QueryError{Query: "cursor", Err: errors.New("malformed cursor")}
		}
		top = t
	}
	end := top
	if end.IsZero() {
		end = time.Now()
	}
	t, f := true, false
	for window := firstTimeWindow; ; window *= 8 {
		lo := end.Add(-window)
		last := window > 30*365*24*time.Hour // the next step would overflow; search everything
		wreq := *req
		if !last {
			dq := query.NewDateRangeInclusiveQuery(lo, top, &t, &t)
			if top.IsZero() {
				dq = query.NewDateRangeInclusiveQuery(lo, time.Time{}, &t, &f)
			}
			dq.SetField(fieldTime)
			wreq.Query = and(bq, dq)
		}
		wreq.Facets = nil
		wr, err := v.bi.SearchInContext(ctx, &wreq)
		if err != nil {
			return nil, err
		}
		full := wr.Total >= need
		if after {
			full = len(wr.Hits) >= req.Size
		}
		if full || last {
			wr.Total, wr.Facets = cr.Total, cr.Facets
			return wr, nil
		}
	}
}

// sortNumber decodes a numeric sort value of a hit (prefix-coded) to decimal text; it
// returns v unchanged when it is not prefix-coded.
func sortNumber(v string) string {
	n, err := numeric.PrefixCoded(v).Int64()
	if err != nil {
		return v
	}
	return strconv.FormatFloat(numeric.Int64ToFloat64(n), 'f', -1, 64)
}

// searchError classifies an error of bleve's search: the caller's query, the caller's
// context, or the index.
func (ix *Index) searchError(ctx context.Context, q Query, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("search: %w", ctx.Err())
	}
	if errors.Is(err, bleve.ErrorIndexClosed) {
		return ErrClosed
	}
	if q.Q != "" {
		return &QueryError{Query: q.Q, Err: err}
	}
	return fmt.Errorf("search: %w", err)
}

// buildQuery turns q into one bleve query: the query string, filters, kinds, time range
// and sequence bound, all ANDed.
func (ix *Index) buildQuery(q Query) (query.Query, error) {
	var and []query.Query
	if s := strings.TrimSpace(q.Q); s != "" {
		parsed, err := parseQueryString(s)
		if err != nil {
			return nil, &QueryError{Query: q.Q, Err: err}
		}
		if v, ok := parsed.(query.ValidatableQuery); ok {
			if err := v.Validate(); err != nil {
				return nil, &QueryError{Query: q.Q, Err: err}
			}
		}
		and = append(and, parsed)
	}
	for _, f := range q.Filters {
		fq, err := filterQuery(f)
		if err != nil {
			return nil, err
		}
		if fq != nil {
			and = append(and, fq)
		}
	}
	if len(q.Kinds) > 0 {
		var or []query.Query
		for _, k := range q.Kinds {
			switch k {
			case KindGood, KindIncomplete, KindBad:
			default:
				return nil, &QueryError{Query: k, Err: fmt.Errorf("unknown kind %q: want good, incomplete or bad", k)}
			}
			or = append(or, termQuery(fieldKind, k))
		}
		and = append(and, query.NewDisjunctionQuery(or))
	}
	if !q.Start.IsZero() || !q.End.IsZero() {
		and = append(and, timeRange(fieldTime, q.Start, q.End))
	}
	if q.AfterSeq > 0 {
		and = append(and, seqAbove(q.AfterSeq, ix.src.LastSeq()))
	}
	switch len(and) {
	case 0:
		return query.NewMatchAllQuery(), nil
	case 1:
		return and[0], nil
	}
	return query.NewConjunctionQuery(and), nil
}

// termQuery matches one exact (already lower-cased) term of field.
func termQuery(field, term string) query.Query {
	tq := query.NewTermQuery(term)
	tq.SetField(field)
	return tq
}

// complexColumn reports whether name is a contexts_* or unstruct_event_* column, nested
// or not.
func complexColumn(name string) bool {
	return strings.HasPrefix(name, "contexts_") || strings.HasPrefix(name, "unstruct_event_")
}

// keywordFields are the fields beside the atomic columns that hold keywords.
var keywordFields = map[string]bool{
	fieldKind: true, fieldSchema: true, fieldContexts: true, fieldBadType: true, fieldFailURI: true, fieldGeo: true,
	fieldRun: true, fieldSpec: true, fieldSpecValid: true, fieldPlanStatus: true, fieldDataProduct: true,
	fieldSource: true,
}

// filterQuery turns a Micro filter into a query: an exact case-insensitive match of any of
// its values (or a substring match), on the column's top-level lossy-JSON value. It
// returns nil for a filter that filters nothing: no values, or a whole entity column
// (Micro ignores those); nested entity fields (contexts_X.field) are supported.
func filterQuery(f Filter) (query.Query, error) {
	var vals []string
	for _, v := range f.Values {
		if v != "" {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return nil, nil
	}
	nested := complexColumn(f.Field)
	if nested && !strings.Contains(f.Field, ".") {
		return nil, nil
	}
	col := columnsByName[f.Field]
	if col == nil && !nested && !keywordFields[f.Field] && f.Field != fieldSeq && f.Field != fieldTime {
		return query.NewMatchNoneQuery(), nil
	}
	var or []query.Query
	for _, v := range vals {
		or = append(or, valueQuery(f.Field, col, v, f.Substring))
	}
	if len(or) == 1 {
		return or[0], nil
	}
	return query.NewDisjunctionQuery(or), nil
}

// valueQuery matches one filter value on field; col is nil for non-atomic fields.
func valueQuery(field string, col *column, v string, substring bool) query.Query {
	typ := colKeyword
	switch {
	case col != nil:
		typ = col.typ
	case field == fieldSeq:
		typ = colNumber
	case field == fieldTime:
		typ = colTime
	}
	if v == "null" && col != nil {
		return query.NewBooleanQuery([]query.Query{query.NewMatchAllQuery()}, nil, []query.Query{exists(field, typ)})
	}
	switch typ {
	case colNumber:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return query.NewMatchNoneQuery()
		}
		return numRange(field, &n, &n, true, true)
	case colTime:
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return query.NewMatchNoneQuery()
		}
		return timeRange(field, t, t.Add(time.Millisecond))
	}
	lv := strings.ToLower(v)
	if substring {
		rq := query.NewRegexpQuery(".*" + regexp.QuoteMeta(lv) + ".*")
		rq.SetField(field)
		return rq
	}
	tq := termQuery(field, truncateUTF8(lv, maxTermBytes))
	if col == nil {
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			return query.NewDisjunctionQuery([]query.Query{tq, numRange(field, &n, &n, true, true)})
		}
	}
	return tq
}

// exists matches the records where field has a value.
func exists(field string, typ colType) query.Query {
	switch typ {
	case colNumber:
		lo, hi := -math.MaxFloat64, math.MaxFloat64
		return numRange(field, &lo, &hi, true, true)
	case colTime:
		return timeRange(field, time.Unix(0, math.MinInt64+1), time.Unix(0, math.MaxInt64-1))
	}
	t := true
	rq := query.NewTermRangeInclusiveQuery("\x00", "", &t, nil)
	rq.SetField(field)
	return rq
}

// sortOrder returns bleve's sort for the requested keys, sequence last as the tie-breaker
// (newest first when nothing is asked). Numbers sort numerically, timestamps
// chronologically, and missing values last ascending and first descending.
func sortOrder(keys []Sort) (search.SortOrder, error) {
	var order search.SortOrder
	seqDesc := true
	for _, k := range keys {
		if k.Field == fieldSeq {
			seqDesc = k.Desc
			break
		}
		sf := &search.SortField{Field: k.Field, Desc: k.Desc, Missing: search.SortFieldMissingLast}
		if k.Desc {
			sf.Missing = search.SortFieldMissingFirst
		}
		col := columnsByName[k.Field]
		switch {
		case col != nil && col.typ == colNumber, col != nil && col.typ == colTime, k.Field == fieldTime:
			// Auto sorts the prefix-coded terms numerically and, unlike AsNumber and
			// AsDate, takes hit sort values back unchanged as SearchAfter cursors.
			sf.Type = search.SortFieldAuto
		case col != nil, keywordFields[k.Field] && k.Field != fieldContexts && k.Field != fieldFailURI && k.Field != fieldGeo:
			sf.Type = search.SortFieldAsString
		default:
			return nil, &QueryError{Query: k.Field, Err: fmt.Errorf("column %q cannot be sorted", k.Field)}
		}
		order = append(order, sf)
	}
	return append(order, &search.SortField{Field: fieldSeq, Desc: seqDesc, Type: search.SortFieldAuto}), nil
}

// facetable reports whether field has doc values to count terms from.
func facetable(field string) bool {
	if c := columnsByName[field]; c != nil {
		return true
	}
	return field == fieldKind || field == fieldSchema || field == fieldBadType || field == fieldRun || field == fieldPlanStatus || field == fieldSource
}

// encodeCursor renders the sort values of a hit as an opaque cursor.
func encodeCursor(sort []string) string {
	bs := make([][]byte, len(sort))
	for i, s := range sort {
		bs[i] = []byte(s)
	}
	v, _ := json.Marshal(bs)
	return base64.RawURLEncoding.EncodeToString(v)
}

// decodeCursor reverses encodeCursor, checking it fits a sort of n keys.
func decodeCursor(c string, n int) ([]string, error) {
	v, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, errors.New("malformed cursor")
	}
	var bs [][]byte
	if err := json.Unmarshal(v, &bs); err != nil || len(bs) != n {
		return nil, errors.New("malformed cursor, or one of another sort order")
	}
	out := make([]string, n)
	for i, b := range bs {
		out[i] = string(b)
	}
	return out, nil
}

// buckets counts the records matching bq per time range and kind: the ranges of
// q.Buckets, or q.Histogram's intervals.
func (ix *Index) buckets(ctx context.Context, v *view, q Query, bq query.Query) ([]Bucket, error) {
	ranges := q.Buckets
	if q.Histogram.Interval > 0 {
		var err error
		span := func() (time.Time, time.Time, bool, error) { return ix.span(ctx, v, q, bq) }
		if ranges, err = histogramRanges(q, span); err != nil {
			return nil, err
		}
	}
	if len(ranges) > maxBuckets {
		return nil, &QueryError{Query: fmt.Sprint(len(ranges), " buckets"), Err: fmt.Errorf("at most %d buckets", maxBuckets)}
	}
	return ix.bucketCounts(ctx, v, q, bq, ranges)
}

// bucketCounts counts the records matching bq per range of ranges and kind.
func (ix *Index) bucketCounts(ctx context.Context, v *view, q Query, bq query.Query, ranges []TimeRange) ([]Bucket, error) {
	out := make([]Bucket, len(ranges))
	for i, r := range ranges {
		out[i].TimeRange = r
	}
	if len(ranges) == 0 {
		return out, nil
	}
	kinds := q.Kinds
	if len(kinds) == 0 {
		kinds = []string{KindGood, KindIncomplete, KindBad}
	}
	// Good events, the bulk, are what remains of a range's count once the rarer kinds are
	// counted.
	totals, err := ix.rangeCounts(ctx, v, q, bq, ranges)
	if err != nil {
		return nil, err
	}
	rest := totals
	for _, k := range kinds {
		if k == KindGood {
			continue
		}
		counts, err := ix.rangeCounts(ctx, v, q, and(bq, termQuery(fieldKind, k)), ranges)
		if err != nil {
			return nil, err
		}
		for i, n := range counts {
			if k == KindIncomplete {
				out[i].Incomplete = n
			} else {
				out[i].Bad = n
			}
			rest[i] -= n
		}
	}
	if slices.Contains(kinds, KindGood) {
		for i := range out {
			out[i].Good = rest[i]
		}
	}
	return out, nil
}

// facetedMatches is how many matches per range rangeCounts still counts with one
// date-range facet. A facet reads the time of every match (about 4 µs each); a count per
// range reads no doc values but is a search of its own (about 170 µs each at 10,000
// events): past about 40 matches per range, the counts are cheaper
// (BenchmarkSearch/histogram).
const facetedMatches = 40

// rangeCounts counts the records matching bq in each of ranges. It first counts them over
// the whole span: none (often a rarer kind) is one search; a few (a narrow filter) are one
// search with a date-range facet; more are one count per range.
func (ix *Index) rangeCounts(ctx context.Context, v *view, q Query, bq query.Query, ranges []TimeRange) ([]int, error) {
	out := make([]int, len(ranges))
	first, last := ranges[0].Start, ranges[0].End // zero: no bound, which no range narrows
	for _, r := range ranges[1:] {
		if !first.IsZero() && (r.Start.IsZero() || r.Start.Before(first)) {
			first = r.Start
		}
		if !last.IsZero() && (r.End.IsZero() || r.End.After(last)) {
			last = r.End
		}
	}
	in := and(bq, timeRange(fieldTime, first, last))
	total, err := ix.countOf(ctx, v, q, in)
	if err != nil || total == 0 {
		return out, err
	}
	if total > ix.facetedMatches*len(ranges) {
		for i, r := range ranges {
			if out[i], err = ix.countOf(ctx, v, q, and(bq, timeRange(fieldTime, r.Start, r.End))); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	facet := bleve.NewFacetRequest(fieldTime, len(ranges))
	for i, r := range ranges {
		facet.AddDateTimeRange(strconv.Itoa(i), r.Start, r.End)
	}
	req := bleve.NewSearchRequestOptions(in, 0, 0, false)
	req.Score = "none"
	req.AddFacet("buckets", facet)
	sr, err := v.bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, ix.searchError(ctx, q, err)
	}
	if fr := sr.Facets["buckets"]; fr != nil {
		for _, dr := range fr.DateRanges {
			if i, err := strconv.Atoi(dr.Name); err == nil && i >= 0 && i < len(out) {
				out[i] = dr.Count
			}
		}
	}
	return out, nil
}

// countOf counts the records matching bq.
func (ix *Index) countOf(ctx context.Context, v *view, q Query, bq query.Query) (int, error) {
	req := bleve.NewSearchRequestOptions(bq, 0, 0, false)
	req.Score = "none"
	sr, err := v.bi.SearchInContext(ctx, req)
	if err != nil {
		return 0, ix.searchError(ctx, q, err)
	}
	return int(sr.Total), nil
}

// and returns the conjunction of qs, leaving out match-all queries, which would make
// bleve visit every document.
func and(qs ...query.Query) query.Query {
	var keep []query.Query
	for _, q := range qs {
		if _, all := q.(*query.MatchAllQuery); !all {
			keep = append(keep, q)
		}
	}
	switch len(keep) {
	case 0:
		return query.NewMatchAllQuery()
	case 1:
		return keep[0]
	}
	return query.NewConjunctionQuery(keep)
}

// histogramRanges splits [q.Start, q.End) — or the span of the matching records when
// those are zero, as span tells — into intervals of q.Histogram.Interval aligned on it.
func histogramRanges(q Query, span func() (first, last time.Time, ok bool, err error)) ([]TimeRange, error) {
	iv := q.Histogram.Interval
	start, end := q.Start, q.End
	if start.IsZero() || end.IsZero() {
		first, last, ok, err := span()
		if err != nil || !ok {
			return nil, err
		}
		if start.IsZero() {
			start = first
		}
		if end.IsZero() {
			end = last.Add(time.Nanosecond)
		}
	}
	start = start.Truncate(iv)
	if !end.After(start) {
		return nil, nil
	}
	if n := end.Sub(start) / iv; n > maxBuckets {
		return nil, &QueryError{Query: iv.String(), Err: fmt.Errorf("interval too small: %d buckets, at most %d", n, maxBuckets)}
	}
	var out []TimeRange
	for t := start; t.Before(end); t = t.Add(iv) {
		out = append(out, TimeRange{Start: t.UTC(), End: t.Add(iv).UTC()})
	}
	return out, nil
}

// span returns the earliest and latest time of the records matching bq.
func (ix *Index) span(ctx context.Context, v *view, q Query, bq query.Query) (first, last time.Time, ok bool, err error) {
	for _, desc := range []bool{false, true} {
		req := bleve.NewSearchRequestOptions(bq, 1, 0, false)
		req.Score = "none"
		req.Sort = search.SortOrder{&search.SortField{Field: fieldTime, Desc: desc, Type: search.SortFieldAuto, Missing: search.SortFieldMissingLast}}
		req.Fields = nil
		sr, err := v.bi.SearchInContext(ctx, req)
		if err != nil {
			return first, last, false, ix.searchError(ctx, q, err)
		}
		if len(sr.Hits) == 0 || len(sr.Hits[0].Sort) == 0 {
			return first, last, false, nil
		}
		t, err := sortTime(sr.Hits[0].Sort[0])
		if err != nil {
			return first, last, false, nil
		}
		if desc {
			last = t
		} else {
			first = t
		}
	}
	return first, last, true, nil
}
