package explorer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
	"github.com/plowbox/plowbox/ui"
	"github.com/plowbox/plowbox/web/search"
)

// syncTimeout bounds how long a page waits for the index to catch up with the store;
// past it, the page shows what is indexed.
const syncTimeout = 2 * time.Second

// pageSize is the number of rows of a list page.
const pageSize = 50

// histogramBars is the number of barsOf of the time histogram.
const histogramBars = 60

// Default kinds and columns of the two list pages.
var (
	eventsKinds = []string{index.KindGood, index.KindIncomplete}
	eventsCols  = []string{"time", "kind", "event_name", "app_id", "page_urlpath", "event_id"}
	badKinds    = []string{index.KindIncomplete, index.KindBad}
	badCols     = []string{"time", "kind", "failure_type", "failure_message", "app_id", "event_name"}
)

// facetFields are the fields whose top values the list pages show, with their labels.
var facetFields = []struct{ field, label string }{
	{"event_name", "Event"},
	{"app_id", "App"},
	{"platform", "Platform"},
	{"schema", "Schema"},
	{"failure_type", "Failure"},
	{"kind", "Kind"},
}

// events serves the events list.
func (x *explorer) events(c *gin.Context) {
	x.list(c, ui.Base+"/events", "Events", ui.NavEvents, eventsKinds, eventsCols)
}

// bad serves the bad-rows list.
func (x *explorer) bad(c *gin.Context) {
	x.list(c, ui.Base+"/bad", "Bad rows", ui.NavBad, badKinds, badCols)
}

// list serves a list page: the query form, facetsOf, histogram and one page of results.
func (x *explorer) list(c *gin.Context, path, title, nav string, defKinds, defCols []string) {
	now := time.Now().UTC()
	st, err := parseListState(path, c.Request.URL.Query(), defKinds, defCols, now)
	v := ui.EventsView{Action: path}
	status := http.StatusOK
	if err != nil {
		v.Error = err.Error()
		status = http.StatusBadRequest
	}
	x.fillForm(c, &v, st)
	if status == http.StatusOK {
		status = x.fillResults(c, &v, st, now)
	}
	renderUI(c, status, ui.EventsPage(x.shell(c, title, nav), v))
}

// fillForm sets the parts of the view that echo the state: the form and the chips.
func (x *explorer) fillForm(c *gin.Context, v *ui.EventsView, st listState) {
	v.Q, v.Start, v.End, v.Cols = st.q, st.start, st.end, st.cols
	for _, k := range allKinds {
		v.Kinds = append(v.Kinds, ui.Choice{Name: "kind", Value: k, Label: kindTitle(k), Checked: slices.Contains(st.kinds, k)})
	}
	for _, f := range st.filters {
		v.Hidden = append(v.Hidden, ui.Param{Name: "f", Value: f[0] + ":" + f[1]})
		v.Filters = append(v.Filters, ui.Chip{Label: f[0] + ": " + f[1], Remove: st.toggleFilter(f[0], f[1]).url()})
	}
	if st.start != "" || st.end != "" {
		v.ZoomOut = st.with(func(n *listState) { n.start, n.end = "", "" }).url()
	}
	cols := slices.Clone(st.cols)
	known, err := x.o.Index.Columns(c.Request.Context())
	if err != nil {
		x.o.Logger.Warn("explorer: list columns", "err", err)
	}
	for _, k := range append(append([]string{"time", "kind", "failure_type", "failure_message"}, eventsCols...), known...) {
		if !slices.Contains(cols, k) {
			cols = append(cols, k)
		}
	}
	for _, k := range cols {
		v.Columns = append(v.Columns, ui.Choice{Name: "col", Value: k, Label: k, Checked: slices.Contains(st.cols, k)})
	}
}

// fillResults runs the search and sets the results, facetsOf and histogram; it returns
// the page's status.
func (x *explorer) fillResults(c *gin.Context, v *ui.EventsView, st listState, now time.Time) int {
	ctx := c.Request.Context()
	x.sync(c)
	q := st.query(pageSize)
	for _, f := range facetFields {
		q.Facets = append(q.Facets, f.field)
	}
	from, to := x.span(st, now)
	q.Buckets = splitRange(from, to, barCount(to.Sub(from)))
	res, err := x.o.Index.Search(ctx, q)
	var qe *index.QueryError
	switch {
	case errors.As(err, &qe):
		v.Error = "The query could not be run: " + qe.Err.Error() + ". See “Query syntax” for examples."
		return http.StatusBadRequest
	case err != nil:
		x.o.Logger.Error("explorer: search", "q", st.q, "err", err)
		v.Error = "The search failed: " + err.Error()
		return http.StatusServiceUnavailable
	}
	v.Total, v.Took = res.Total, res.Took
	for _, h := range res.Hits {
		rec, ok, err := x.o.Store.Get(h.Seq)
		if err != nil {
			x.o.Logger.Error("explorer: read record", "seq", h.Seq, "err", err)
			continue
		}
		if !ok {
			continue
		}
		cl := newCells(rec)
		row := ui.Row{Seq: rec.Seq, Kind: search.KindOf(rec), Href: ui.Base + "/records/" + strconv.FormatUint(rec.Seq, 10)}
		for _, col := range st.cols {
			row.Cells = append(row.Cells, cl.get(col))
		}
		v.Rows = append(v.Rows, row)
	}
	if res.Next != "" {
		v.Next = st.with(func(n *listState) { n.after = res.Next }).url()
	}
	if st.after != "" {
		v.First = st.with(func(*listState) {}).url()
	}
	v.Facets = facetsOf(st, res.Facets)
	v.Bars, v.Span = barsOf(st, res.Buckets, from, to)
	return http.StatusOK
}

// sync waits briefly for the index to catch up with the store, so that an event is
// listed as soon as its tracker got an answer.
func (x *explorer) sync(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), syncTimeout)
	defer cancel()
	if err := x.o.Index.Sync(ctx, x.o.Store.LastSeq()); err != nil {
		x.o.Logger.Warn("explorer: index behind the store, showing what is indexed", "err", err)
	}
}

// span is the histogram's time range: the state's, with open ends closed by the oldest
// record and now.
func (x *explorer) span(st listState, now time.Time) (from, to time.Time) {
	from, to = st.from, st.to
	if to.IsZero() {
		to = now.Add(time.Second).Truncate(time.Second)
	}
	if from.IsZero() {
		if t, ok, err := x.o.Store.Oldest(); err == nil && ok && t.Before(to) {
			from = t.Truncate(time.Second)
		} else {
			from = to.Add(-time.Hour)
		}
	}
	if to.Sub(from) < 10*time.Second {
		from = to.Add(-10 * time.Second)
	}
	return from, to
}

// barCount is the number of histogram bars for a span: one per second for short spans,
// at most histogramBars.
func barCount(span time.Duration) int {
	return int(min(max(span/time.Second, 10), histogramBars))
}

// splitRange cuts [from, to) into n equal buckets.
func splitRange(from, to time.Time, n int) []index.TimeRange {
	step := to.Sub(from) / time.Duration(n)
	out := make([]index.TimeRange, n)
	for i := range out {
		out[i] = index.TimeRange{Start: from.Add(time.Duration(i) * step), End: from.Add(time.Duration(i+1) * step)}
	}
	out[n-1].End = to
	return out
}

// barsOf lays out the histogram: bar heights relative to the tallest, each linking to its
// time range.
func barsOf(st listState, buckets []index.Bucket, from, to time.Time) ([]ui.Bar, string) {
	if len(buckets) == 0 {
		return nil, ""
	}
	most := 0
	for _, b := range buckets {
		most = max(most, b.Good+b.Incomplete+b.Bad)
	}
	if most == 0 {
		return nil, ""
	}
	w := 1000 / float64(len(buckets))
	out := make([]ui.Bar, len(buckets))
	for i, b := range buckets {
		h := func(n int) float64 { return 96 * float64(n) / float64(most) }
		start, end := b.Start.UTC().Format(time.RFC3339), b.End.UTC().Format(time.RFC3339)
		out[i] = ui.Bar{
			Href:  st.with(func(n *listState) { n.start, n.end = start, end }).url(),
			Label: b.Start.UTC().Format("2006-01-02 15:04:05") + " – " + b.End.UTC().Format("15:04:05"),
			Good:  b.Good, Incomplete: b.Incomplete, Bad: b.Bad,
			X: float64(i)*w + w*0.08, W: w * 0.84,
			GoodH: h(b.Good), IncompleteH: h(b.Incomplete), BadH: h(b.Bad),
		}
	}
	span := fmt.Sprintf("%s → %s UTC, %s per bar", from.UTC().Format("2006-01-02 15:04:05"),
		to.UTC().Format("2006-01-02 15:04:05"), roundDuration(to.Sub(from)/time.Duration(len(buckets))))
	return out, span
}

// roundDuration shortens a duration for display.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Hour:
		return d.Round(time.Minute)
	case d >= time.Minute:
		return d.Round(time.Second)
	default:
		return d.Round(time.Millisecond)
	}
}

// facetsOf turns the index's facet counts into filter links.
func facetsOf(st listState, got map[string][]index.Term) []ui.Facet {
	var out []ui.Facet
	for _, f := range facetFields {
		terms := got[f.field]
		if len(terms) == 0 {
			continue
		}
		fc := ui.Facet{Label: f.label}
		for _, t := range terms {
			ft := ui.FacetTerm{Term: t.Term, Label: strings.TrimPrefix(t.Term, "iglu:"), Count: t.Count}
			if f.field == "kind" {
				ft.Active = len(st.kinds) == 1 && st.kinds[0] == t.Term
				ft.Href = st.with(func(n *listState) { n.kinds = []string{t.Term} }).url()
			} else {
				ft.Active = st.hasFilter(f.field, t.Term)
				ft.Href = st.toggleFilter(f.field, t.Term).url()
			}
			fc.Terms = append(fc.Terms, ft)
		}
		out = append(out, fc)
	}
	return out
}

// kindTitle labels a kind toggle.
func kindTitle(kind string) string {
	switch kind {
	case index.KindGood:
		return "Good"
	case index.KindIncomplete:
		return "Incomplete"
	default:
		return "Bad rows"
	}
}

// recordTime is a record's place on the time axis: collector_tstamp for events, the
// collector's receipt time for bad rows.
func recordTime(rec *store.Record) time.Time {
	if rec.Payload != nil {
		return rec.Payload.Timestamp
	}
	return time.Time{}
}
