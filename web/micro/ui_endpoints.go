package micro

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
	"github.com/plowbox/plowbox/web/httpkit"
	"github.com/plowbox/plowbox/web/search"
)

// microUI serves the endpoints Snowplow Micro 4.x added for its UI (POST /micro/events,
// /columns, /columnStats, /timeline, /auth-config), answered from the search index.
type microUI struct {
	s *search.Searcher // nil when plowbox runs without an index
}

func (m *microUI) routes(g *gin.RouterGroup) {
	g.POST("/events", m.needIndex, m.events)
	g.GET("/columns", m.needIndex, m.columns)
	g.POST("/columnStats", m.needIndex, m.columnStats)
	g.POST("/timeline", m.needIndex, m.timeline)
	g.GET("/auth-config", m.authConfig)
}

// needIndex answers 503 when plowbox has no search index to answer from.
func (m *microUI) needIndex(c *gin.Context) {
	if m.s == nil {
		httpkit.WriteMessage(c, http.StatusServiceUnavailable, "This endpoint needs plowbox's search index, which is not enabled")
		c.Abort()
	}
}

// eventKinds are the record kinds that carry an event: what the Micro UI lists.
var eventKinds = []string{index.KindGood, index.KindIncomplete}

// columnFilter is one filter of POST /micro/events: Values (Micro 4.4+) or Value (4.0–4.3).
type columnFilter struct {
	Column string   `json:"column"`
	Values []string `json:"values"`
	Value  *string  `json:"value"`
}

// timeRange is a [start, end) bound on collector_tstamp; either end may be null.
type timeRange struct {
	Start *string `json:"start"`
	End   *string `json:"end"`
}

// eventsRequest is the POST /micro/events body: filters, time range, sorting and paging.
type eventsRequest struct {
	Filters     *[]columnFilter `json:"filters"`
	ValidEvents *bool           `json:"validEvents"`
	TimeRange   *timeRange      `json:"timeRange"`
	Sorting     *struct {
		Column string `json:"column"`
		Desc   bool   `json:"desc"`
	} `json:"sorting"`
	Page     *int `json:"page"`
	PageSize *int `json:"pageSize"`
}

// Paging limits of POST /micro/events.
const (
	defaultPageSize = 50
	maxPageSize     = 1000
)

// complexColumn reports whether a column holds entities or a self-describing event,
// nested or not: Micro neither filters nor sorts on those.
func complexColumn(col string) bool {
	return strings.HasPrefix(col, "contexts_") || strings.HasPrefix(col, "unstruct_event_")
}

// parseMicroTime reads a timestamp of a Micro UI request (ISO-8601, as the UI sends).
func parseMicroTime(field string, s *string) (time.Time, string) {
	if s == nil {
		return time.Time{}, ""
	}
	t, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		return time.Time{}, "The request body was invalid: " + field + " must be an ISO-8601 timestamp such as 2026-04-02T10:00:00.000Z, got " + strconv.Quote(*s)
	}
	return t, ""
}

// query translates the request into an index query; msg is a 422 message when a value
// is unusable.
func (r *eventsRequest) query() (q index.Query, pageSize int, msg string) {
	q.Kinds = eventKinds
	if r.ValidEvents != nil {
		q.Kinds = []string{index.KindIncomplete}
		if *r.ValidEvents {
			q.Kinds = []string{index.KindGood}
		}
	}
	for _, f := range *r.Filters {
		if complexColumn(f.Column) || f.Column == "" {
			continue // ignored, as in Micro
		}
		switch {
		case f.Values != nil:
			var values []string
			for _, v := range f.Values {
				if v != "" {
					values = append(values, v)
				}
			}
			if len(values) > 0 {
				q.Filters = append(q.Filters, index.Filter{Field: f.Column, Values: values})
			}
		case f.Value != nil && *f.Value != "":
			q.Filters = append(q.Filters, index.Filter{Field: f.Column, Values: []string{*f.Value}, Substring: true})
		}
	}
	if tr := r.TimeRange; tr != nil {
		if q.Start, msg = parseMicroTime("timeRange.start", tr.Start); msg != "" {
			return
		}
		if q.End, msg = parseMicroTime("timeRange.end", tr.End); msg != "" {
			return
		}
	}
	if s := r.Sorting; s != nil && s.Column != "" && !complexColumn(s.Column) {
		q.Sort = []index.Sort{{Field: s.Column, Desc: s.Desc}}
	}
	page, pageSize := 1, defaultPageSize
	if r.Page != nil && *r.Page > 1 {
		page = *r.Page
	}
	if r.PageSize != nil {
		pageSize = min(max(*r.PageSize, 1), maxPageSize)
	}
	q.Size = pageSize
	q.From = math.MaxInt32
	if page-1 < math.MaxInt32/pageSize {
		q.From = (page - 1) * pageSize
	}
	return q, pageSize, ""
}

// events is Micro 4.x's POST /micro/events: a page of good and incomplete events in the
// lossy JSON form, filtered, sorted and counted by the index.
func (m *microUI) events(c *gin.Context) {
	var r eventsRequest
	if !decodeFilters(c, &r) {
		return
	}
	if r.Filters == nil {
		httpkit.WriteMessage(c, http.StatusUnprocessableEntity, "The request body was invalid: filters is required (an empty list [] means no filter)")
		return
	}
	q, pageSize, msg := r.query()
	if msg != "" {
		httpkit.WriteMessage(c, http.StatusUnprocessableEntity, msg)
		return
	}
	res, err := m.page(c.Request.Context(), q)
	if search.IsQueryError(err) && q.Sort != nil {
		// A column the index cannot sort on (unknown or derived) is null in every event
		// for Micro, which leaves store order.
		q.Sort = nil
		res, err = m.page(c.Request.Context(), q)
	}
	if err != nil {
		m.searchFailed(c, err)
		return
	}
	recs, err := m.s.Records(res.Hits)
	if err != nil {
		c.Error(err)
		httpkit.WriteMessage(c, http.StatusInternalServerError, "reading events failed: "+err.Error())
		return
	}
	totalPages := max(1, (res.Total+uint64(pageSize)-1)/uint64(pageSize))
	var buf bytes.Buffer
	buf.WriteString(`{"events":[`)
	n := 0
	for _, rec := range recs {
		if rec.Event == nil {
			continue
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		buf.Write(rec.Event.AppendLossyJSON(nil))
		n++
	}
	buf.WriteString(`],"totalPages":` + strconv.FormatUint(totalPages, 10) + `,"totalItems":` + strconv.FormatUint(res.Total, 10) + `}`)
	httpkit.WriteJSON(c, http.StatusOK, buf.Bytes())
}

// page runs the search of one page. A page far past the end is first checked against
// the total, so that it never makes the index collect that many hits.
func (m *microUI) page(ctx context.Context, q index.Query) (*index.Result, error) {
	if q.From < search.DeepOffset {
		return m.s.Search(ctx, q)
	}
	count := q
	count.From, count.Size, count.Sort = 0, 1, nil
	res, err := m.s.Search(ctx, count)
	if err != nil {
		return nil, err
	}
	if uint64(q.From) >= res.Total {
		res.Hits = nil
		return res, nil
	}
	return m.s.Index().Search(ctx, q)
}

// searchFailed answers a failed search: the user's malformed query is a 400, anything
// else a 500.
func (m *microUI) searchFailed(c *gin.Context, err error) {
	if search.IsQueryError(err) {
		httpkit.WriteMessage(c, http.StatusBadRequest, err.Error())
		return
	}
	c.Error(err)
	httpkit.WriteMessage(c, http.StatusInternalServerError, "search failed: "+err.Error())
}

// columns is GET /micro/columns: every lossy-JSON column of the stored events.
func (m *microUI) columns(c *gin.Context) {
	m.s.Sync(c.Request.Context())
	cols, err := m.s.Index().Columns(c.Request.Context())
	if err != nil {
		m.searchFailed(c, err)
		return
	}
	if cols == nil {
		cols = []string{}
	}
	b, _ := httpkit.Marshal(cols)
	httpkit.WriteJSON(c, http.StatusOK, b)
}

// columnStatsSize is how many distinct values /micro/columnStats lists per column.
const columnStatsSize = 20

// columnStat is one column of the POST /micro/columnStats answer.
type columnStat struct {
	Sortable   bool     `json:"sortable"`
	Filterable bool     `json:"filterable"`
	Values     []string `json:"values"`
}

// columnStats is POST /micro/columnStats: up to 20 values of each named column. The values are the first
// distinct ones of the newest events, with their case kept.
func (m *microUI) columnStats(c *gin.Context) {
	var r struct {
		Columns []string `json:"columns"`
	}
	if !decodeFilters(c, &r) {
		return
	}
	var facets []string
	seen := make(map[string]bool, len(r.Columns))
	for _, col := range r.Columns {
		if !seen[col] && !complexColumn(col) && !strings.HasSuffix(col, "_tstamp") {
			facets = append(facets, col)
		}
		seen[col] = true
	}
	values, err := m.columnValues(facets)
	if err != nil {
		c.Error(err)
		httpkit.WriteMessage(c, http.StatusInternalServerError, "reading column values failed: "+err.Error())
		return
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	written := make(map[string]bool, len(r.Columns))
	for _, col := range r.Columns {
		if written[col] {
			continue // a repeated column is answered once
		}
		written[col] = true
		st := columnStat{Sortable: true, Filterable: true}
		switch {
		case complexColumn(col):
			st = columnStat{}
		case strings.HasSuffix(col, "_tstamp"):
			st.Filterable = false
		default:
			st.Values = append([]string{}, values[col]...)
		}
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		buf.Write(event.AppendJSONString(nil, col))
		buf.WriteByte(':')
		b, _ := httpkit.Marshal(st)
		buf.Write(b)
	}
	buf.WriteByte('}')
	httpkit.WriteJSON(c, http.StatusOK, buf.Bytes())
}

// columnStatsScan bounds how many of the newest events columnStats reads for values.
const columnStatsScan = 2000

// columnValues returns, per column, its first distinct values in newest-first order
// as the lossy JSON form holds them: strings as they are, other
// values compact-encoded, null as "null". It reads the newest events from the store
// rather than the index, whose keywords are lowercased.
func (m *microUI) columnValues(cols []string) (map[string][]string, error) {
	values := make(map[string][]string, len(cols))
	if len(cols) == 0 {
		return values, nil
	}
	seen := make(map[string]map[string]bool, len(cols))
	for _, col := range cols {
		seen[col] = map[string]bool{}
	}
	full, scanned := 0, 0
	var decodeErr error
	err := m.s.Store().Events(func(rec *store.Record) bool {
		scanned++
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(rec.Event.AppendLossyJSON(nil), &obj); err != nil {
			decodeErr = fmt.Errorf("record %d: %w", rec.Seq, err)
			return false
		}
		for _, col := range cols {
			raw, ok := obj[col]
			if !ok || len(values[col]) >= columnStatsSize {
				continue
			}
			v := string(raw)
			var str string
			if json.Unmarshal(raw, &str) == nil {
				v = str
			}
			if !seen[col][v] {
				seen[col][v] = true
				values[col] = append(values[col], v)
				if len(values[col]) == columnStatsSize {
					full++
				}
			}
		}
		return full < len(cols) && scanned < columnStatsScan
	})
	if err == nil {
		err = decodeErr
	}
	return values, err
}

// timelineBucket is one bucket of POST /micro/timeline, echoed as received.
type timelineBucket struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// timelinePoint is one point of the POST /micro/timeline answer.
type timelinePoint struct {
	ValidEvents  int            `json:"validEvents"`
	FailedEvents int            `json:"failedEvents"`
	Bucket       timelineBucket `json:"bucket"`
}

// maxTimelineBuckets bounds one timeline request (the UI sends 58).
const maxTimelineBuckets = 1000

// timeline is POST /micro/timeline: good and incomplete events per
// [start, end) bucket of collector_tstamp, in request order.
func (m *microUI) timeline(c *gin.Context) {
	var r struct {
		Buckets []timelineBucket `json:"buckets"`
	}
	if !decodeFilters(c, &r) {
		return
	}
	if len(r.Buckets) > maxTimelineBuckets {
		httpkit.WriteMessage(c, http.StatusUnprocessableEntity, "The request body was invalid: at most "+strconv.Itoa(maxTimelineBuckets)+" buckets, got "+strconv.Itoa(len(r.Buckets)))
		return
	}
	points := make([]timelinePoint, len(r.Buckets))
	ranges := make([]index.TimeRange, len(r.Buckets))
	for i, b := range r.Buckets {
		points[i].Bucket = b
		var msg string
		if ranges[i].Start, msg = parseMicroTime("buckets["+strconv.Itoa(i)+"].start", &b.Start); msg != "" {
			httpkit.WriteMessage(c, http.StatusUnprocessableEntity, msg)
			return
		}
		if ranges[i].End, msg = parseMicroTime("buckets["+strconv.Itoa(i)+"].end", &b.End); msg != "" {
			httpkit.WriteMessage(c, http.StatusUnprocessableEntity, msg)
			return
		}
	}
	if len(ranges) > 0 {
		res, err := m.s.Search(c.Request.Context(), index.Query{Kinds: eventKinds, Size: 1, Buckets: ranges})
		if err != nil {
			m.searchFailed(c, err)
			return
		}
		for i := range points {
			if i < len(res.Buckets) {
				points[i].ValidEvents, points[i].FailedEvents = res.Buckets[i].Good, res.Buckets[i].Incomplete
			}
		}
	}
	b, _ := httpkit.Marshal(struct {
		Points []timelinePoint `json:"points"`
	}{points})
	httpkit.WriteJSON(c, http.StatusOK, b)
}

// authConfig is GET /micro/auth-config: Micro's Auth0 settings, which plowbox does not
// use (its own authentication is HTTP basic), so the UI runs without a login flow.
func (m *microUI) authConfig(c *gin.Context) {
	httpkit.WriteJSON(c, http.StatusOK, []byte(`{"domain":"","audience":"","clientId":"","enabled":false}`))
}
