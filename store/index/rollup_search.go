package index

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// rolled is the rollup's answer to a query: its total, facets and buckets.
type rolled struct {
	total   uint64
	facets  map[string][]Term
	buckets []Bucket
}

// restFacetSize is the facet size of the search of what the rollup does not count (the
// tail and the slivers of unaligned edges): every term, so that the sums are exact.
const restFacetSize = 1 << 20

// fromRollup answers the total, facets and buckets of q from the rollup when q has a
// shape it answers exactly and the rollup is in step with the view: no query string (or
// one term of a rollup field, without facets), no filters, facets among the rollup's
// fields, histogram intervals and buckets on whole minutes. The index's documents up to
// the view's sequence come from the rollup's minutes inside [q.Start, q.End); the rest —
// the tail, and the partial minutes at unaligned edges — from one small bleve search.
// ok is false when the query takes the bleve path.
func (ix *Index) fromRollup(ctx context.Context, v *view, q Query, bq query.Query, fsize int) (res *rolled, ok bool, err error) {
	term, hasTerm, shaped := ix.rollShape(q)
	if !shaped {
		return nil, false, nil
	}
	r := &ix.roll
	r.mu.RLock()
	defer r.mu.RUnlock()
	if !r.ready || r.off || !v.whole || r.seq != v.lo || !ix.del.clean(ix.src.FirstSeq(), v.lo) {
		return nil, false, nil
	}
	s := rollSum{c: r.counts, term: -1, kinds: kindMask(q.Kinds)}
	if hasTerm {
		id, known := r.counts.ids[term]
		s.term = int64(id)
		if !known {
			s.term = math.MaxInt64 // no cell counts it
		}
	}
	s.m0, s.m1 = int64(math.MinInt64+1), int64(math.MaxInt64)
	if !q.Start.IsZero() {
		s.m0 = minuteOf(q.Start.UnixNano())
		if !onMinute(q.Start) {
			s.m0++
		}
	}
	if !q.End.IsZero() {
		s.m1 = minuteOf(q.End.UnixNano())
	}
	s.noTime = q.Start.IsZero() && q.End.IsZero()
	if len(q.Facets) > 0 {
		s.dense = make([]int64, len(r.counts.vals))
	}
	s.sum()

	// The rest: the view's documents above its sequence, and those in partial minutes.
	restOr := []query.Query{seqAbove(v.lo, ix.src.LastSeq())}
	if !q.Start.IsZero() && !onMinute(q.Start) {
		restOr = append(restOr, timeRange(fieldTime, q.Start, q.Start.Truncate(time.Minute).Add(time.Minute)))
	}
	if !q.End.IsZero() && !onMinute(q.End) {
		restOr = append(restOr, timeRange(fieldTime, q.End.Truncate(time.Minute), q.End))
	}
	rest := and(bq, query.NewDisjunctionQuery(restOr))
	rr := &bleve.SearchResult{}
	if len(restOr) > 1 || v.bi != ix.bi {
		// Without a tail and partial minutes the rest is empty: the index's documents
		// above the view's sequence are of records committed after the view was made.
		req := bleve.NewSearchRequestOptions(rest, 0, 0, false)
		req.Score = "none"
		for _, f := range q.Facets {
			req.AddFacet(f, bleve.NewFacetRequest(f, restFacetSize))
		}
		if rr, err = v.bi.SearchInContext(ctx, req); err != nil {
			return nil, false, err
		}
	}
	res = &rolled{total: uint64(s.total) + rr.Total}
	if len(q.Facets) > 0 {
		res.facets = s.facets(q.Facets, rr, fsize)
	}
	if q.Histogram.Interval == 0 && len(q.Buckets) == 0 {
		r.answered.Add(1)
		return res, true, nil
	}
	ranges := q.Buckets
	if q.Histogram.Interval > 0 {
		span := func() (first, last time.Time, ok bool, err error) {
			first, last, ok = s.span()
			if rr.Total == 0 {
				return first, last, ok, nil
			}
			rf, rl, rok, err := ix.span(ctx, v, q, rest)
			if err != nil || !rok {
				return first, last, ok, err
			}
			if !ok || rf.Before(first) {
				first = rf
			}
			if !ok || rl.After(last) {
				last = rl
			}
			return first, last, true, nil
		}
		if ranges, err = histogramRanges(q, span); err != nil {
			return nil, false, err
		}
	}
	if len(ranges) > maxBuckets {
		// The bleve path gives the error.
		return nil, false, nil
	}
	res.buckets = make([]Bucket, len(ranges))
	if rr.Total > 0 {
		if res.buckets, err = ix.bucketCounts(ctx, v, q, rest, ranges); err != nil {
			return nil, false, err
		}
	}
	for i, tr := range ranges {
		res.buckets[i].TimeRange = tr
		s.bucket(&res.buckets[i], minuteOf(tr.Start.UnixNano()), minuteOf(tr.End.UnixNano()))
	}
	r.answered.Add(1)
	return res, true, nil
}

// rollShape reports whether the rollup answers q's shape, with the one term of a rollup
// field its query string may be.
func (ix *Index) rollShape(q Query) (term rollVal, hasTerm, ok bool) {
	if len(q.Filters) > 0 || q.AfterSeq > 0 {
		return term, false, false
	}
	for _, f := range q.Facets {
		if _, ok := rollField[f]; !ok {
			return term, false, false
		}
	}
	if iv := q.Histogram.Interval; iv > 0 && iv%time.Minute != 0 {
		return term, false, false
	}
	for _, b := range q.Buckets {
		if b.Start.IsZero() || b.End.IsZero() || !onMinute(b.Start) || !onMinute(b.End) {
			return term, false, false
		}
	}
	s := strings.TrimSpace(q.Q)
	if s == "" {
		return term, false, true
	}
	if len(q.Facets) > 0 {
		return term, false, false
	}
	parsed, err := parseQueryString(s)
	if err != nil {
		return term, false, false
	}
	// One clause parses as a boolean query with that clause alone as its should.
	if b, ok := parsed.(*query.BooleanQuery); ok && b.Must == nil && b.MustNot == nil {
		if d, ok := b.Should.(*query.DisjunctionQuery); ok && len(d.Disjuncts) == 1 {
			parsed = d.Disjuncts[0]
		}
	}
	var field, value string
	switch p := parsed.(type) {
	case *query.MatchAllQuery:
		return term, false, true
	case *query.TermQuery:
		field, value = p.FieldVal, p.Term
	case *query.MatchQuery:
		if p.Fuzziness != 0 || p.Analyzer != "" {
			return term, false, false
		}
		toks := ix.im.AnalyzerNamed(ix.im.AnalyzerNameForPath(p.FieldVal)).Analyze([]byte(p.Match))
		if len(toks) != 1 {
			return term, false, false
		}
		field, value = p.FieldVal, string(toks[0].Term)
	default:
		return term, false, false
	}
	f, known := rollField[field]
	if !known || value == "" {
		return term, false, false
	}
	return rollVal{field: f, value: value}, true, true
}

// onMinute reports whether t is on a whole minute.
func onMinute(t time.Time) bool { return t.UnixNano()%int64(time.Minute) == 0 }

// kindMask returns the kinds of kinds by their index; none means all.
func kindMask(kinds []string) [3]bool {
	if len(kinds) == 0 {
		return [3]bool{true, true, true}
	}
	var m [3]bool
	for _, k := range kinds {
		if i := kindIndex(k); i >= 0 {
			m[i] = true
		}
	}
	return m
}

// rollSum sums the rollup's cells a query counts: minutes in [m0, m1) (and those without
// a time when noTime), of the kinds in kinds, of the documents with term when it is not
// -1.
type rollSum struct {
	c           *rollCounts
	m0, m1      int64
	noTime      bool
	kinds       [3]bool
	term        int64
	total       int64
	dense       []int64 // counts by value id, when facets are asked
	first, last int64   // minutes with counted documents
	counted     bool
}

// count returns what one cell counts.
func (s *rollSum) count(cell *rollCell) int64 {
	if s.term < 0 {
		return cell.n
	}
	if s.term > math.MaxUint32 {
		return 0
	}
	return cell.vals[uint32(s.term)]
}

// sum adds up the total, the facets and the span.
func (s *rollSum) sum() {
	visit := func(m int64, cs *[3]rollCell) {
		for k := range cs {
			if !s.kinds[k] {
				continue
			}
			n := s.count(&cs[k])
			if n == 0 {
				continue
			}
			s.total += n
			if m != noTime {
				if !s.counted || m < s.first {
					s.first = m
				}
				if !s.counted || m > s.last {
					s.last = m
				}
				s.counted = true
			}
			if s.dense != nil {
				for id, v := range cs[k].vals {
					s.dense[id] += v
				}
			}
		}
	}
	if s.noTime {
		if cs := s.c.cells[noTime]; cs != nil {
			visit(noTime, cs)
		}
	}
	if s.m1 <= s.m0 {
		return
	}
	if uint64(s.m1-s.m0) > uint64(len(s.c.cells)) { // the difference may not fit an int64
		for m, cs := range s.c.cells {
			if m != noTime && m >= s.m0 && m < s.m1 {
				visit(m, cs)
			}
		}
		return
	}
	for m := s.m0; m < s.m1; m++ {
		if cs := s.c.cells[m]; cs != nil {
			visit(m, cs)
		}
	}
}

// span returns the first and last minutes with counted documents, as times.
func (s *rollSum) span() (first, last time.Time, ok bool) {
	if !s.counted {
		return first, last, false
	}
	return time.Unix(0, s.first*int64(time.Minute)).UTC(), time.Unix(0, s.last*int64(time.Minute)).UTC(), true
}

// bucket adds to b the counts of the minutes in [m0, m1).
func (s *rollSum) bucket(b *Bucket, m0, m1 int64) {
	for m := max(m0, s.m0); m < min(m1, s.m1); m++ {
		cs := s.c.cells[m]
		if cs == nil {
			continue
		}
		for k := range cs {
			if !s.kinds[k] {
				continue
			}
			n := int(s.count(&cs[k]))
			switch k {
			case 0:
				b.Good += n
			case 1:
				b.Incomplete += n
			case 2:
				b.Bad += n
			}
		}
	}
}

// facets returns the top fsize terms of each field, the rollup's counts plus those of
// the rest's search, ordered as bleve orders them: most frequent first, then by term.
func (s *rollSum) facets(fields []string, rr *bleve.SearchResult, fsize int) map[string][]Term {
	out := make(map[string][]Term, len(fields))
	for _, f := range fields {
		fi := rollField[f]
		counts := map[string]int{}
		for id, n := range s.dense {
			if n != 0 && s.c.vals[id].field == fi {
				counts[s.c.vals[id].value] += int(n)
			}
		}
		if fr := rr.Facets[f]; fr != nil && fr.Terms != nil {
			for _, t := range fr.Terms.Terms() {
				counts[t.Term] += t.Count
			}
		}
		terms := make([]Term, 0, len(counts))
		for t, n := range counts {
			if n > 0 {
				terms = append(terms, Term{Term: t, Count: n})
			}
		}
		slices.SortFunc(terms, func(a, b Term) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			return strings.Compare(a.Term, b.Term)
		})
		out[f] = terms[:min(len(terms), fsize)]
	}
	return out
}
