package index

import (
	"fmt"
	"math"
	"time"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/numeric"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"
)

// compactField is a number or a timestamp indexed as one term: its prefix-coded value at
// full precision. bleve's own numeric fields add 15 coarser terms per value to speed up
// wide range queries; on the ~15 numbers and timestamps of a web event those are 80 % of
// the terms, and of the indexing time. Only seq and the time axis, which every
// live-tail and time-range query bounds, keep them. Range queries on compact fields are
// term ranges over the prefix-coded values, which sort in numeric order (rangeQuery).
type compactField struct {
	name  string
	term  []byte // prefix-coded int64, shift 0
	typ   byte   // 'n' number, 'd' datetime: bleve's encoded field types
	opts  bindex.FieldIndexingOptions
	freqs bindex.TokenFrequencies
}

// newCompactNumber returns n as a compact field.
func newCompactNumber(name string, n float64, opts bindex.FieldIndexingOptions) *compactField {
	return &compactField{name: name, term: numeric.MustNewPrefixCodedInt64(numeric.Float64ToInt64(n), 0), typ: 'n', opts: opts}
}

// newCompactTime returns t as a compact field, in nanoseconds as bleve's date fields.
func newCompactTime(name string, t time.Time, opts bindex.FieldIndexingOptions) *compactField {
	return &compactField{name: name, term: numeric.MustNewPrefixCodedInt64(t.UnixNano(), 0), typ: 'd', opts: opts}
}

func (f *compactField) Name() string                                      { return f.name }
func (f *compactField) ArrayPositions() []uint64                          { return nil }
func (f *compactField) Options() bindex.FieldIndexingOptions              { return f.opts }
func (f *compactField) Value() []byte                                     { return f.term }
func (f *compactField) NumPlainTextBytes() uint64                         { return 8 }
func (f *compactField) Size() int                                         { return 64 + len(f.name) + len(f.term) }
func (f *compactField) EncodedFieldType() byte                            { return f.typ }
func (f *compactField) AnalyzedLength() int                               { return 1 }
func (f *compactField) AnalyzedTokenFrequencies() bindex.TokenFrequencies { return f.freqs }

// Analyze produces the one term.
func (f *compactField) Analyze() {
	typ := analysis.Numeric
	if f.typ == 'd' {
		typ = analysis.DateTime
	}
	f.freqs = analysis.TokenFrequency(analysis.TokenStream{{Start: 0, End: len(f.term), Term: f.term, Position: 1, Type: typ}}, nil, f.opts)
}

// fullPrecision are the numeric fields indexed with bleve's own (multi-term) fields.
var fullPrecision = map[string]bool{fieldSeq: true, fieldTime: true}

// termBound returns the prefix-coded term of v.
func termBound(v int64) string { return string(numeric.MustNewPrefixCodedInt64(v, 0)) }

// compactRange matches compact field values within [lo, hi] (bounds as told, nil open),
// given as sortable int64s.
func compactRange(field string, lo, hi *int64, loIncl, hiIncl bool) query.Query {
	min, max := termBound(math.MinInt64), termBound(math.MaxInt64)
	li, hiInc := true, true
	if lo != nil {
		min, li = termBound(*lo), loIncl
	}
	if hi != nil {
		max, hiInc = termBound(*hi), hiIncl
	}
	rq := query.NewTermRangeInclusiveQuery(min, max, &li, &hiInc)
	rq.SetField(field)
	return rq
}

// numRange matches field within [lo, hi] (bounds inclusive as told; nil is open).
func numRange(field string, lo, hi *float64, loIncl, hiIncl bool) query.Query {
	if !fullPrecision[field] {
		var l, h *int64
		if lo != nil {
			v := numeric.Float64ToInt64(*lo)
			l = &v
		}
		if hi != nil {
			v := numeric.Float64ToInt64(*hi)
			h = &v
		}
		return compactRange(field, l, h, loIncl, hiIncl)
	}
	nq := query.NewNumericRangeInclusiveQuery(lo, hi, &loIncl, &hiIncl)
	nq.SetField(field)
	return nq
}

// seqBelow matches the sequences below seq. Its lower bound is 0 rather than open: bleve
// expands a numeric range into prefix terms looked up in every segment, and an open
// bound reaches the sixteen levels of an int64 where [0, seq) needs those of seq alone.
func seqBelow(seq uint64) query.Query {
	lo, hi := 0.0, float64(seq)
	return numRange(fieldSeq, &lo, &hi, true, false)
}

// seqAbove matches the sequences above lo up to the store's last one, last: bounded for
// the reason seqBelow gives. A document above last is of a record committed after the
// caller read last.
func seqAbove(lo, last uint64) query.Query {
	l, h := float64(lo), float64(last)
	return numRange(fieldSeq, &l, &h, false, true)
}

// timeRange matches field within [start, end); a zero bound is open.
func timeRange(field string, start, end time.Time) query.Query {
	if start.IsZero() && end.IsZero() {
		return query.NewMatchAllQuery()
	}
	if !fullPrecision[field] {
		var l, h *int64
		if !start.IsZero() {
			v := start.UnixNano()
			l = &v
		}
		if !end.IsZero() {
			v := end.UnixNano()
			h = &v
		}
		return compactRange(field, l, h, true, false)
	}
	t, f := true, false
	dq := query.NewDateRangeInclusiveQuery(start, end, &t, &f)
	dq.SetField(field)
	return dq
}

// dateLayouts are the forms a date in a query string may take.
var dateLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.000", "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"}

// parseQueryTime parses a date of a query string, in UTC unless it says otherwise.
func parseQueryTime(s string) (time.Time, bool) {
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// sortTime decodes a date sort value of a hit.
func sortTime(v string) (time.Time, error) {
	n, err := numeric.PrefixCoded(v).Int64()
	if err != nil {
		return time.Time{}, fmt.Errorf("date sort value: %w", err)
	}
	return time.Unix(0, n).UTC(), nil
}
