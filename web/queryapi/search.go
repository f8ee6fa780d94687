// Package queryapi serves plowbox's own query API under /plowbox/api: search, wait,
// tail, one event or record in full, track-and-wait, and the replay of bad rows.
package queryapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
	"github.com/plowbox/plowbox/web/httpkit"
	"github.com/plowbox/plowbox/web/search"
)

// nativeAPI serves plowbox's own query API under /plowbox/api: search, wait, tail,
// record lookups and track-and-wait.
type nativeAPI struct {
	s         *search.Searcher // nil when plowbox runs without an index
	st        search.Store
	collector http.Handler

	onWait func() // called before a wait or tail blocks for new records

	mu       sync.Mutex
	stopping map[*http.Server]chan struct{} // closed when that server shuts down
}

// shuttingDown returns a channel closed when the server serving r starts shutting down,
// so that long-polls and live tails end instead of holding the shutdown back; nil when
// r was not served by an *http.Server.
func (a *nativeAPI) shuttingDown(r *http.Request) <-chan struct{} {
	srv, ok := r.Context().Value(http.ServerContextKey).(*http.Server)
	if !ok {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	ch, ok := a.stopping[srv]
	if !ok {
		ch = make(chan struct{})
		if a.stopping == nil {
			a.stopping = make(map[*http.Server]chan struct{})
		}
		a.stopping[srv] = ch
		srv.RegisterOnShutdown(func() { close(ch) })
	}
	return ch
}

func (a *nativeAPI) routes(g *gin.RouterGroup) {
	g.GET("/search", a.needIndex, a.search)
	g.GET("/wait", a.needIndex, a.wait)
	g.GET("/tail", a.needIndex, a.tail)
	g.GET("/events/:event_id", a.eventByID)
	g.GET("/records/:seq", a.record)
	g.POST("/track-and-wait", a.trackAndWait)
}

func (a *nativeAPI) needIndex(c *gin.Context) {
	if a.s == nil {
		httpkit.WriteError(c, http.StatusServiceUnavailable, "this endpoint needs plowbox's search index, which is not enabled")
		c.Abort()
	}
}

// searchFailed answers a failed search: a malformed query is a 400, anything else a 500.
func (a *nativeAPI) searchFailed(c *gin.Context, err error) {
	if search.IsQueryError(err) {
		httpkit.WriteError(c, http.StatusBadRequest, err.Error())
		return
	}
	c.Error(err)
	httpkit.WriteError(c, http.StatusInternalServerError, "search failed: "+err.Error())
}

// Limits of the native query parameters.
const (
	defaultSearchSize = 50
	maxSearchSize     = 1000
	maxFacetSize      = 1000
	minInterval       = time.Second
	maxHistogramBins  = 10_000
)

// queryParams reads the parameters every native search endpoint shares: q, kind, start
// and end. It returns a message for a 400 when one is unusable.
func queryParams(c *gin.Context, now time.Time) (q index.Query, msg string) {
	q.Q = c.Query("q")
	for _, list := range c.QueryArray("kind") {
		for k := range strings.SplitSeq(list, ",") {
			switch k = strings.TrimSpace(k); k {
			case index.KindGood, index.KindIncomplete, index.KindBad:
				q.Kinds = append(q.Kinds, k)
			case "":
			default:
				return q, "kind must be good, incomplete or bad (comma-separated for several), got " + strconv.Quote(k)
			}
		}
	}
	var err error
	if q.Start, err = parseTimeParam(c.Query("start"), now); err != nil {
		return q, "start: " + err.Error()
	}
	if q.End, err = parseTimeParam(c.Query("end"), now); err != nil {
		return q, "end: " + err.Error()
	}
	return q, ""
}

// parseTimeParam reads a time bound: RFC 3339 (2026-04-02T10:00:00Z), Unix milliseconds,
// or a negative duration relative to now (-15m). "" is an open bound.
func parseTimeParam(s string, now time.Time) (time.Time, error) {
	switch {
	case s == "":
		return time.Time{}, nil
	case strings.HasPrefix(s, "-"):
		d, err := time.ParseDuration(s)
		if err != nil {
			return time.Time{}, errTimeParam(s)
		}
		return now.Add(d), nil
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errTimeParam(s)
	}
	return t, nil
}

type errTimeParam string

func (e errTimeParam) Error() string {
	return "want an RFC 3339 time (2026-04-02T10:00:00Z), Unix milliseconds or a duration before now (-15m), got " + strconv.Quote(string(e))
}

// intParam reads an integer parameter within [lo, hi], def when absent.
func intParam(c *gin.Context, name string, def, lo, hi int) (int, string) {
	s, ok := c.GetQuery(name)
	if !ok || s == "" {
		return def, ""
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, name + " must be a whole number from " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi) + ", got " + strconv.Quote(s)
	}
	return n, ""
}

// searchResponse is the answer of GET /plowbox/api/search.
type searchResponse struct {
	Total     uint64                 `json:"total"`
	TookMS    float64                `json:"took_ms"`
	Next      *string                `json:"next"`
	Hits      []json.RawMessage      `json:"hits"`
	Facets    map[string][]facetTerm `json:"facets"`
	Histogram []histogramBucket      `json:"histogram"`
}

type facetTerm struct {
	Term  string `json:"term"`
	Count int    `json:"count"`
}

type histogramBucket struct {
	Start      string `json:"start"`
	End        string `json:"end"`
	Good       int    `json:"good"`
	Incomplete int    `json:"incomplete"`
	Bad        int    `json:"bad"`
}

// search is GET /plowbox/api/search: a query string, filters by kind and time, cursor
// paging, facets and a time histogram.
func (a *nativeAPI) search(c *gin.Context) {
	q, msg := queryParams(c, time.Now())
	if msg == "" {
		q.Size, msg = intParam(c, "size", defaultSearchSize, 1, maxSearchSize)
	}
	if msg == "" {
		q.FacetSize, msg = intParam(c, "facet_size", 10, 1, maxFacetSize)
	}
	if msg == "" {
		q.From, msg = intParam(c, "from", 0, 0, search.DeepOffset)
	}
	if msg != "" {
		httpkit.WriteError(c, http.StatusBadRequest, msg)
		return
	}
	q.After = c.Query("after")
	for _, list := range c.QueryArray("facets") {
		for f := range strings.SplitSeq(list, ",") {
			if f = strings.TrimSpace(f); f != "" {
				q.Facets = append(q.Facets, f)
			}
		}
	}
	if s := c.Query("interval"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < minInterval {
			httpkit.WriteError(c, http.StatusBadRequest, "interval must be a duration of at least 1s (30s, 5m, 1h), got "+strconv.Quote(s))
			return
		}
		if !q.Start.IsZero() && !q.End.IsZero() && q.End.Sub(q.Start)/d > maxHistogramBins {
			httpkit.WriteError(c, http.StatusBadRequest, "interval "+s+" makes more than "+strconv.Itoa(maxHistogramBins)+" histogram buckets between start and end; choose a longer one")
			return
		}
		q.Histogram.Interval = d
	}
	res, err := a.s.Search(c.Request.Context(), q)
	if err != nil {
		a.searchFailed(c, err)
		return
	}
	hits, err := a.hits(res.Hits)
	if err != nil {
		c.Error(err)
		httpkit.WriteError(c, http.StatusInternalServerError, "reading records failed: "+err.Error())
		return
	}
	out := searchResponse{
		Total:     res.Total,
		TookMS:    float64(res.Took.Microseconds()) / 1000,
		Hits:      hits,
		Facets:    make(map[string][]facetTerm, len(res.Facets)),
		Histogram: []histogramBucket{},
	}
	if res.Next != "" {
		out.Next = &res.Next
	}
	for field, terms := range res.Facets {
		list := make([]facetTerm, len(terms))
		for i, t := range terms {
			list[i] = facetTerm(t)
		}
		out.Facets[field] = list
	}
	if q.Histogram.Interval > 0 {
		for _, b := range res.Buckets {
			out.Histogram = append(out.Histogram, histogramBucket{
				Start: httpkit.ISOTime(b.Start), End: httpkit.ISOTime(b.End),
				Good: b.Good, Incomplete: b.Incomplete, Bad: b.Bad,
			})
		}
	}
	httpkit.WriteJSON(c, http.StatusOK, out.render())
}

// render returns the JSON of r, as httpkit.Marshal renders it, with the hits (already
// JSON) copied in rather than encoded again.
func (r searchResponse) render() []byte {
	hits := r.Hits
	r.Hits = nil
	b, _ := httpkit.Marshal(r) // numbers, strings, maps and slices of them: no error
	const empty = `"hits":null`
	i := bytes.Index(b, []byte(empty))
	n := len(b) + len(hits) + 2
	for _, h := range hits {
		n += len(h)
	}
	out := make([]byte, 0, n)
	out = append(out, b[:i]...)
	out = append(out, `"hits":`...)
	if hits == nil {
		out = append(out, "null"...)
	} else {
		out = appendHits(out, hits)
	}
	return append(out, b[i+len(empty):]...)
}

// hits renders the records of index hits, in hit order, skipping records that are gone.
func (a *nativeAPI) hits(hits []index.Hit) ([]json.RawMessage, error) {
	recs, err := a.s.Records(hits)
	if err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, 0, len(recs))
	for _, rec := range recs {
		out = append(out, appendHit(nil, rec))
	}
	return out, nil
}

// appendHit appends the JSON of rec's searchHit, as httpkit.Marshal(hitOf(rec)) renders
// it, without the encoder's second pass over the event and the bad row: both are JSON
// that plowbox wrote, and a page of 50 events is about 200 KB of them.
func appendHit(dst []byte, rec *store.Record) []byte {
	h := hitOf(rec)
	dst = append(dst, `{"seq":`...)
	dst = strconv.AppendUint(dst, h.Seq, 10)
	dst = append(dst, `,"kind":`...)
	dst = event.AppendJSONString(dst, h.Kind)
	dst = append(dst, `,"time":`...)
	if h.Time == nil {
		dst = append(dst, "null"...)
	} else {
		dst = event.AppendJSONString(dst, *h.Time)
	}
	if h.EventID != "" {
		dst = append(dst, `,"event_id":`...)
		dst = event.AppendJSONString(dst, h.EventID)
	}
	if len(h.Event) > 0 {
		dst = append(dst, `,"event":`...)
		dst = append(dst, h.Event...)
	}
	if len(h.BadRow) > 0 {
		dst = append(dst, `,"bad_row":`...)
		dst = append(dst, h.BadRow...)
	}
	if h.Run != "" {
		dst = append(dst, `,"run":`...)
		dst = event.AppendJSONString(dst, h.Run)
	}
	if len(h.Plan) > 0 {
		dst = append(dst, `,"plan":`...)
		dst = append(dst, h.Plan...)
	}
	return append(dst, '}')
}

// appendHits appends hits as a JSON array.
func appendHits(dst []byte, hits []json.RawMessage) []byte {
	dst = append(dst, '[')
	for i, h := range hits {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, h...)
	}
	return append(dst, ']')
}

// searchHit is one record in search, wait and tail answers: the event in the lossy JSON
// form and/or the bad row.
type searchHit struct {
	Seq     uint64          `json:"seq"`
	Kind    string          `json:"kind"`
	Time    *string         `json:"time"`
	EventID string          `json:"event_id,omitempty"`
	Event   json.RawMessage `json:"event,omitempty"`
	BadRow  json.RawMessage `json:"bad_row,omitempty"`
	Run     string          `json:"run,omitempty"`
	Plan    json.RawMessage `json:"plan,omitempty"`
}

func hitOf(rec *store.Record) searchHit {
	h := searchHit{Seq: rec.Seq, Kind: search.KindOf(rec), Time: recordTime(rec), Run: rec.Run, Plan: rec.Plan}
	if ev := rec.Event; ev != nil {
		h.EventID = ev.Get(event.EventID)
		h.Event = ev.AppendLossyJSON(nil)
	}
	if len(rec.BadRow) > 0 {
		h.BadRow = rec.BadRow
	}
	return h
}

// recordTime is a record's place on the time axis the index uses: collector_tstamp for
// events, the failure timestamp for bad rows (the payload's receipt time without one).
func recordTime(rec *store.Record) *string {
	if rec.Event != nil {
		if t, ok := rec.Event.Time(event.CollectorTstamp); ok {
			s := httpkit.ISOTime(t)
			return &s
		}
	}
	var row struct {
		Data struct {
			Failure struct {
				Timestamp string `json:"timestamp"`
			} `json:"failure"`
		} `json:"data"`
	}
	if len(rec.BadRow) > 0 && json.Unmarshal(rec.BadRow, &row) == nil && row.Data.Failure.Timestamp != "" {
		return &row.Data.Failure.Timestamp
	}
	if rec.Payload != nil {
		s := httpkit.ISOTime(rec.Payload.Timestamp)
		return &s
	}
	return nil
}

// Options configures the query API.
type Options struct {
	// Store holds the records.
	Store search.Store
	// Searcher answers the queries; nil answers the index's endpoints 503.
	Searcher *search.Searcher
	// Collector takes the tracker requests of track-and-wait.
	Collector http.Handler
	// OnWait, when set, is called each time a wait or tail request, registered for
	// shutdown, blocks until the next indexed batch: tests synchronise on it.
	OnWait func()
}

// Mount mounts the query API on g, the /plowbox/api group.
func Mount(g *gin.RouterGroup, o Options) {
	(&nativeAPI{s: o.Searcher, st: o.Store, collector: o.Collector, onWait: o.OnWait}).routes(g)
}
