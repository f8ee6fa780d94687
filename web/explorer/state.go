package explorer

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/plowbox/plowbox/store/index"
)

// listState is the whole state of a list page, read from and written back to its URL so
// that any view can be shared as a link.
type listState struct {
	path    string      // the page's path
	q       string      // query string
	kinds   []string    // record kinds shown
	start   string      // time range as typed ("" for open)
	end     string      //
	from    time.Time   // parsed start; zero for open
	to      time.Time   // parsed end; zero for open
	cols    []string    // columns shown
	filters [][2]string // facet filters: field, value
	after   string      // paging cursor
}

// allKinds are the record kinds, in display order.
var allKinds = []string{index.KindGood, index.KindIncomplete, index.KindBad}

// parseListState reads a list page's URL. now anchors relative times such as -15m.
func parseListState(path string, v url.Values, defKinds, defCols []string, now time.Time) (listState, error) {
	s := listState{path: path, q: strings.TrimSpace(v.Get("q")), after: v.Get("after"),
		start: strings.TrimSpace(v.Get("start")), end: strings.TrimSpace(v.Get("end"))}
	for _, k := range v["kind"] {
		if slices.Contains(allKinds, k) && !slices.Contains(s.kinds, k) {
			s.kinds = append(s.kinds, k)
		}
	}
	if len(s.kinds) == 0 {
		s.kinds = defKinds
	}
	for _, c := range v["col"] {
		if c = strings.TrimSpace(c); c != "" && len(c) <= 200 && !slices.Contains(s.cols, c) {
			s.cols = append(s.cols, c)
		}
	}
	if len(s.cols) == 0 {
		s.cols = defCols
	}
	for _, f := range v["f"] {
		field, value, ok := strings.Cut(f, ":")
		if !ok || field == "" {
			return s, fmt.Errorf("filter %q: want field:value, e.g. app_id:shop", f)
		}
		s.filters = append(s.filters, [2]string{field, value})
	}
	var err error
	if s.from, err = parseTime(s.start, now); err != nil {
		return s, fmt.Errorf("from: %w", err)
	}
	if s.to, err = parseTime(s.end, now); err != nil {
		return s, fmt.Errorf("to: %w", err)
	}
	if !s.from.IsZero() && !s.to.IsZero() && !s.from.Before(s.to) {
		return s, fmt.Errorf("the time range is empty: from %s is not before to %s", s.start, s.end)
	}
	return s, nil
}

// timeLayouts are the absolute time forms the explorer accepts, UTC unless they say.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05.000",
	"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

// parseTime reads a time bound: absolute (RFC 3339, a date, a TSV timestamp), relative
// to now (-15m, -24h, -7d), or "now". "" is an open bound (zero time).
func parseTime(s string, now time.Time) (time.Time, error) {
	switch {
	case s == "":
		return time.Time{}, nil
	case s == "now":
		return now, nil
	case strings.HasPrefix(s, "-"):
		if days, ok := strings.CutSuffix(s[1:], "d"); ok {
			n, err := strconv.Atoi(days)
			if err != nil || n < 0 {
				return time.Time{}, fmt.Errorf("%q: want a relative time such as -15m, -24h or -7d", s)
			}
			return now.AddDate(0, 0, -n), nil
		}
		d, err := time.ParseDuration(s[1:])
		if err != nil || d < 0 {
			return time.Time{}, fmt.Errorf("%q: want a relative time such as -15m, -24h or -7d", s)
		}
		return now.Add(-d), nil
	}
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q: want a time such as 2026-04-02T10:00:00Z, 2026-04-02 or -15m", s)
}

// query is the index query of the state, for one page of size rows.
func (s listState) query(size int) index.Query {
	q := index.Query{Q: s.q, Kinds: s.kinds, Start: s.from, End: s.to, Size: size, After: s.after}
	byField := map[string]int{}
	for _, f := range s.filters {
		i, ok := byField[f[0]]
		if !ok {
			i = len(q.Filters)
			byField[f[0]] = i
			q.Filters = append(q.Filters, index.Filter{Field: f[0]})
		}
		q.Filters[i].Values = append(q.Filters[i].Values, f[1])
	}
	return q
}

// values is the state as URL parameters.
func (s listState) values() url.Values {
	v := url.Values{}
	if s.q != "" {
		v.Set("q", s.q)
	}
	for _, k := range s.kinds {
		v.Add("kind", k)
	}
	if s.start != "" {
		v.Set("start", s.start)
	}
	if s.end != "" {
		v.Set("end", s.end)
	}
	for _, c := range s.cols {
		v.Add("col", c)
	}
	for _, f := range s.filters {
		v.Add("f", f[0]+":"+f[1])
	}
	if s.after != "" {
		v.Set("after", s.after)
	}
	return v
}

// url is the link to the state.
func (s listState) url() string {
	if q := s.values().Encode(); q != "" {
		return s.path + "?" + q
	}
	return s.path
}

// with returns a copy of s changed by fn, back on the first page.
func (s listState) with(fn func(*listState)) listState {
	s.kinds = slices.Clone(s.kinds)
	s.cols = slices.Clone(s.cols)
	s.filters = slices.Clone(s.filters)
	s.after = ""
	fn(&s)
	return s
}

// hasFilter reports whether the state filters field on value.
func (s listState) hasFilter(field, value string) bool {
	return slices.Contains(s.filters, [2]string{field, value})
}

// toggleFilter returns the state with the filter added, or removed when present.
func (s listState) toggleFilter(field, value string) listState {
	return s.with(func(n *listState) {
		if i := slices.Index(n.filters, [2]string{field, value}); i >= 0 {
			n.filters = slices.Delete(n.filters, i, i+1)
			return
		}
		n.filters = append(n.filters, [2]string{field, value})
	})
}
