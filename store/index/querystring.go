package index

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2/search/query"
)

// parseQueryString parses a Lucene-style query string: bleve's query string syntax
// (field:value, field:>n, "phrases", +must, -not, wildcards, /regexps/, free text) for the
// clauses, combined with AND, OR, NOT (also &&, ||, !) and parentheses, which bleve's
// syntax lacks. Clauses side by side without an operator keep bleve's meaning (any may
// match, + must, - must not). AND binds tighter than OR.
func parseQueryString(s string) (query.Query, error) {
	toks, err := lexQuery(s)
	if err != nil {
		return nil, err
	}
	p := &qparser{toks: toks}
	q, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.toks[p.pos].text)
	}
	return q, nil
}

// qtoken is a token of a query string: an operator, a parenthesis or a bleve clause.
type qtoken struct {
	op   string // "AND", "OR", "NOT", "(", ")", or "" for a clause
	text string
}

// lexQuery splits s into operators, parentheses and clauses, keeping quoted phrases and
// escaped characters inside their clause.
func lexQuery(s string) ([]qtoken, error) {
	var toks []qtoken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '(' || c == ')':
			toks = append(toks, qtoken{op: string(c), text: string(c)})
			i++
			continue
		case c == '!' && i+1 < len(s) && s[i+1] != ' ' && s[i+1] != '=':
			toks = append(toks, qtoken{op: "NOT", text: "!"})
			i++
			continue
		}
		start := i
		inQuote := false
		for i < len(s) {
			c := s[i]
			if c == '\\' && i+1 < len(s) {
				i += 2
				continue
			}
			if c == '"' {
				inQuote = !inQuote
			} else if !inQuote && (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')') {
				break
			}
			i++
		}
		if inQuote {
			return nil, errors.New("unterminated quoted phrase")
		}
		word := s[start:i]
		switch word {
		case "AND", "&&":
			toks = append(toks, qtoken{op: "AND", text: word})
		case "OR", "||":
			toks = append(toks, qtoken{op: "OR", text: word})
		case "NOT":
			toks = append(toks, qtoken{op: "NOT", text: word})
		default:
			if strings.HasSuffix(word, ":") && i < len(s) && s[i] == '(' {
				return nil, fmt.Errorf("field groups such as %s(…) are not supported: write %sa OR %sb", word, word, word)
			}
			toks = append(toks, qtoken{text: word})
		}
	}
	if len(toks) == 0 {
		return nil, errors.New("empty query")
	}
	return toks, nil
}

// qparser is a recursive-descent parser over the tokens of a query string.
type qparser struct {
	toks []qtoken
	pos  int
}

func (p *qparser) peek() *qtoken {
	if p.pos < len(p.toks) {
		return &p.toks[p.pos]
	}
	return nil
}

// or parses and-expressions separated by OR.
func (p *qparser) or() (query.Query, error) {
	var qs []query.Query
	for {
		q, err := p.and()
		if err != nil {
			return nil, err
		}
		qs = append(qs, q)
		if t := p.peek(); t == nil || t.op != "OR" {
			break
		}
		p.pos++
	}
	if len(qs) == 1 {
		return qs[0], nil
	}
	return query.NewDisjunctionQuery(qs), nil
}

// and parses unary expressions separated by AND.
func (p *qparser) and() (query.Query, error) {
	var qs []query.Query
	for {
		q, err := p.unary()
		if err != nil {
			return nil, err
		}
		qs = append(qs, q)
		if t := p.peek(); t == nil || t.op != "AND" {
			break
		}
		p.pos++
	}
	if len(qs) == 1 {
		return qs[0], nil
	}
	return query.NewConjunctionQuery(qs), nil
}

// unary parses NOT x, a parenthesised expression, or a run of clauses.
func (p *qparser) unary() (query.Query, error) {
	t := p.peek()
	if t == nil {
		return nil, errors.New("the query ends with an operator")
	}
	switch t.op {
	case "NOT":
		p.pos++
		q, err := p.unary()
		if err != nil {
			return nil, err
		}
		return query.NewBooleanQuery([]query.Query{query.NewMatchAllQuery()}, nil, []query.Query{q}), nil
	case "(":
		p.pos++
		q, err := p.or()
		if err != nil {
			return nil, err
		}
		if t := p.peek(); t == nil || t.op != ")" {
			return nil, errors.New("missing )")
		}
		p.pos++
		return q, nil
	case "":
		var run []string
		for t := p.peek(); t != nil && t.op == ""; t = p.peek() {
			run = append(run, t.text)
			p.pos++
		}
		q, err := query.NewQueryStringQuery(strings.Join(run, " ")).Parse()
		if err != nil {
			return nil, err
		}
		return normalize(q)
	}
	return nil, fmt.Errorf("unexpected %q", t.text)
}

// textFields are the fields analyzed into words; every other field holds whole values.
var textFields = map[string]bool{"": true, fieldText: true, fieldFailMsg: true, fieldPayload: true}

// normalize adapts bleve's parsed query to plowbox's fields: wildcard and prefix terms are
// lower-cased (bleve does not analyze them), a quoted value of a keyword field is an exact
// match of the whole value, so that field:"two words" works as in Lucene, and ranges of
// compactly indexed numbers and dates become ranges of their terms.
func normalize(q query.Query) (query.Query, error) {
	var err error
	switch q := q.(type) {
	case *query.BooleanQuery:
		for _, sub := range []query.Query{q.Must, q.Should, q.MustNot} {
			if sub != nil {
				if _, err := normalize(sub); err != nil {
					return nil, err
				}
			}
		}
	case *query.ConjunctionQuery:
		for i := range q.Conjuncts {
			if q.Conjuncts[i], err = normalize(q.Conjuncts[i]); err != nil {
				return nil, err
			}
		}
	case *query.DisjunctionQuery:
		for i := range q.Disjuncts {
			if q.Disjuncts[i], err = normalize(q.Disjuncts[i]); err != nil {
				return nil, err
			}
		}
	case *query.WildcardQuery:
		q.Wildcard = strings.ToLower(q.Wildcard)
	case *query.PrefixQuery:
		q.Prefix = strings.ToLower(q.Prefix)
	case *query.MatchPhraseQuery:
		if !textFields[q.FieldVal] {
			return termQuery(q.FieldVal, truncateUTF8(strings.ToLower(q.MatchPhrase), maxTermBytes)), nil
		}
	case *query.NumericRangeQuery:
		return numRange(q.FieldVal, q.Min, q.Max, q.InclusiveMin == nil || *q.InclusiveMin, q.InclusiveMax != nil && *q.InclusiveMax), nil
	case *query.DateRangeQuery:
		if !fullPrecision[q.FieldVal] {
			return dateRange(q.FieldVal, q.Start.Time, q.End.Time, q.InclusiveStart == nil || *q.InclusiveStart, q.InclusiveEnd != nil && *q.InclusiveEnd), nil
		}
	case *query.DateRangeStringQuery:
		var start, end time.Time
		var ok bool
		if q.Start != "" {
			if start, ok = parseQueryTime(q.Start); !ok {
				return nil, fmt.Errorf("%s: %q is not a date such as 2026-04-02T10:00:00Z", q.FieldVal, q.Start)
			}
		}
		if q.End != "" {
			if end, ok = parseQueryTime(q.End); !ok {
				return nil, fmt.Errorf("%s: %q is not a date such as 2026-04-02T10:00:00Z", q.FieldVal, q.End)
			}
		}
		loIncl := q.InclusiveStart == nil || *q.InclusiveStart
		hiIncl := q.InclusiveEnd != nil && *q.InclusiveEnd
		return dateRange(q.FieldVal, start, end, loIncl, hiIncl), nil
	}
	return q, nil
}

// dateRange matches field within start and end, bounds as told; a zero bound is open.
func dateRange(field string, start, end time.Time, loIncl, hiIncl bool) query.Query {
	if fullPrecision[field] {
		dq := query.NewDateRangeInclusiveQuery(start, end, &loIncl, &hiIncl)
		dq.SetField(field)
		return dq
	}
	var lo, hi *int64
	if !start.IsZero() {
		v := start.UnixNano()
		lo = &v
	}
	if !end.IsZero() {
		v := end.UnixNano()
		hi = &v
	}
	return compactRange(field, lo, hi, loIncl, hiIncl)
}
