package queryapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/web/auth"
	"github.com/plowbox/plowbox/web/queryapi"
	"github.com/plowbox/plowbox/web/webtest"
)

// searchAnswer is the GET /plowbox/api/search answer, decoded.
type searchAnswer struct {
	Total  int     `json:"total"`
	TookMS float64 `json:"took_ms"`
	Next   *string `json:"next"`
	Hits   []struct {
		Seq     uint64          `json:"seq"`
		Kind    string          `json:"kind"`
		Time    string          `json:"time"`
		EventID string          `json:"event_id"`
		Event   map[string]any  `json:"event"`
		BadRow  json.RawMessage `json:"bad_row"`
	} `json:"hits"`
	Facets    map[string][]facetTerm `json:"facets"`
	Histogram []histogramBucket      `json:"histogram"`
}

// facetTerm and histogramBucket are the answer's facet and histogram entries, decoded.
type (
	facetTerm struct {
		Term  string `json:"term"`
		Count int    `json:"count"`
	}
	histogramBucket struct {
		Start      string `json:"start"`
		End        string `json:"end"`
		Good       int    `json:"good"`
		Incomplete int    `json:"incomplete"`
		Bad        int    `json:"bad"`
	}
)

// kinds lists the hits as kind:event (or kind alone for bad rows).
func (a searchAnswer) kinds() []string {
	out := []string{}
	for _, h := range a.Hits {
		s := h.Kind
		if name, ok := h.Event["event"].(string); ok {
			s += ":" + name
		}
		out = append(out, s)
	}
	return out
}

func TestSearchAPI(t *testing.T) {
	f := webtest.NewStack(t, webtest.Options{})
	f.SeedQuery(t)
	for _, tc := range []struct {
		name, query string
		want        []string
		total       int
	}{
		{"everything, newest first", "", []string{"good:page_view", "bad", "incomplete:page_ping", "good:struct", "good:page_view"}, 5},
		{"field", "q=app_id:blog", []string{"good:struct"}, 1},
		{"AND", "q=" + url.QueryEscape("app_id:shop AND platform:mob"), []string{"good:page_view"}, 1},
		{"OR", "q=" + url.QueryEscape("event:struct OR event_name:page_ping"), []string{"incomplete:page_ping", "good:struct"}, 2},
		{"must not", "q=" + url.QueryEscape("+app_id:shop -event_name:page_view"), []string{"incomplete:page_ping"}, 1},
		{"parentheses and NOT", "q=" + url.QueryEscape("(app_id:blog OR platform:mob) AND NOT kind:bad"), []string{"good:page_view", "good:struct"}, 2},
		{"wildcard", "q=" + url.QueryEscape("page_urlpath:/cart*"), []string{"good:page_view"}, 1},
		{"bad-row type", "q=failure_type:tracker_protocol_violations", []string{"bad"}, 1},
		{"numeric range", "q=" + url.QueryEscape("se_value:>10"), []string{"good:struct"}, 1},
		{"free text", "q=basket", []string{"good:struct"}, 1},
		{"event_id", "q=event_id:" + webtest.EIDShop, []string{"good:page_view", "good:page_view"}, 2},
		{"kind", "kind=bad", []string{"bad"}, 1},
		{"kinds, comma-separated and repeated", "kind=bad,incomplete&kind=bad", []string{"bad", "incomplete:page_ping"}, 2},
		{"time range", "start=2026-04-02T10:00:30Z&end=2026-04-02T10:02:00Z", []string{"incomplete:page_ping", "good:struct"}, 2},
		{"time range in Unix milliseconds", "start=" + strconv.FormatInt(webtest.T0.Add(2*time.Minute).UnixMilli(), 10), []string{"good:page_view", "bad"}, 2},
		{"size", "size=2", []string{"good:page_view", "bad"}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var a searchAnswer
			f.GetJSON(t, "/plowbox/api/search?"+tc.query, http.StatusOK, &a)
			if got := a.kinds(); !slices.Equal(got, tc.want) || a.Total != tc.total {
				t.Errorf("total %d hits %v, want %d %v", a.Total, got, tc.total, tc.want)
			}
		})
	}
}

func TestSearchAPIHitShapes(t *testing.T) {
	f := webtest.NewStack(t, webtest.Options{})
	f.SeedQuery(t)
	var a searchAnswer
	f.GetJSON(t, "/plowbox/api/search", http.StatusOK, &a)
	if len(a.Hits) != 5 {
		t.Fatalf("%d hits", len(a.Hits))
	}
	good, bad, incomplete := a.Hits[0], a.Hits[1], a.Hits[2]
	if good.EventID != webtest.EIDShop || good.Event["page_urlpath"] != "/thanks" || good.Time != "2026-04-02T10:03:00.000Z" || good.BadRow != nil {
		t.Errorf("good hit %+v", good)
	}
	if bad.Event != nil || bad.EventID != "" || !strings.Contains(string(bad.BadRow), "badrows/") || bad.Time == "" {
		t.Errorf("bad hit %+v", bad)
	}
	if incomplete.Event == nil || !strings.Contains(string(incomplete.BadRow), "schema_violations") || incomplete.Time != "2026-04-02T10:01:10.000Z" {
		t.Errorf("incomplete hit %+v", incomplete)
	}
	if a.Hits[0].Seq <= a.Hits[1].Seq {
		t.Errorf("hits not newest first: %d, %d", a.Hits[0].Seq, a.Hits[1].Seq)
	}
	if a.Next != nil || a.Facets == nil || a.Histogram == nil {
		t.Errorf("next %v facets %v histogram %v", a.Next, a.Facets, a.Histogram)
	}
}

func TestSearchAPIPaging(t *testing.T) {
	f := webtest.NewStack(t, webtest.Options{})
	for i := range 23 {
		f.Track(t, webtest.T0.Add(time.Duration(i)*time.Second), "e=pv&p=web&aid=page&tv="+strconv.Itoa(i))
	}
	var seen []uint64
	path := "/plowbox/api/search?q=app_id:page&size=5"
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		var a searchAnswer
		f.GetJSON(t, path, http.StatusOK, &a)
		if a.Total != 23 {
			t.Fatalf("total %d", a.Total)
		}
		for _, h := range a.Hits {
			seen = append(seen, h.Seq)
		}
		if a.Next == nil {
			break
		}
		path = "/plowbox/api/search?q=app_id:page&size=5&after=" + url.QueryEscape(*a.Next)
	}
	if len(seen) != 23 || !slices.IsSortedFunc(seen, func(a, b uint64) int { return int(b) - int(a) }) || len(slices.Compact(slices.Clone(seen))) != 23 {
		t.Errorf("pages gave %v: want 23 distinct sequences, newest first", seen)
	}
}

func TestSearchAPIFacetsAndHistogram(t *testing.T) {
	f := webtest.NewStack(t, webtest.Options{})
	f.SeedQuery(t)
	var a searchAnswer
	f.GetJSON(t, "/plowbox/api/search?size=1&facets=event_name,kind&facets=app_id&interval=1m&start=2026-04-02T10:00:00Z&end=2026-04-02T10:04:00Z", http.StatusOK, &a)
	counts := func(field string) map[string]int {
		m := map[string]int{}
		for _, t := range a.Facets[field] {
			m[t.Term] = t.Count
		}
		return m
	}
	if got := counts("event_name"); got["page_view"] != 2 || got["event"] != 1 || got["page_ping"] != 1 {
		t.Errorf("event_name facet %v", a.Facets["event_name"])
	}
	if got := counts("kind"); got["good"] != 3 || got["incomplete"] != 1 || got["bad"] != 1 {
		t.Errorf("kind facet %v", a.Facets["kind"])
	}
	if got := counts("app_id"); got["shop"] != 3 || len(got) != 2 {
		t.Errorf("app_id facet %v", a.Facets["app_id"])
	}
	want := []histogramBucket{
		{Start: "2026-04-02T10:00:00.000Z", End: "2026-04-02T10:01:00.000Z", Good: 2},
		{Start: "2026-04-02T10:01:00.000Z", End: "2026-04-02T10:02:00.000Z", Incomplete: 1},
		{Start: "2026-04-02T10:02:00.000Z", End: "2026-04-02T10:03:00.000Z", Bad: 1},
		{Start: "2026-04-02T10:03:00.000Z", End: "2026-04-02T10:04:00.000Z", Good: 1},
	}
	if !slices.Equal(a.Histogram, want) {
		t.Errorf("histogram %+v, want %+v", a.Histogram, want)
	}
}

func TestSearchAPIBadRequests(t *testing.T) {
	f := webtest.NewStack(t, webtest.Options{})
	f.SeedQuery(t)
	for _, tc := range []struct{ name, path, contains string }{
		{"unbalanced query", "/plowbox/api/search?q=" + url.QueryEscape(`app_id:"shop`), "bad query"},
		{"bad range", "/plowbox/api/search?q=" + url.QueryEscape(`se_value:>`), "bad query"},
		{"unknown kind", "/plowbox/api/search?kind=good,ugly", "kind must be"},
		{"bad start", "/plowbox/api/search?start=yesterday", "start:"},
		{"bad end", "/plowbox/api/search?end=-fortnight", "end:"},
		{"size too large", "/plowbox/api/search?size=1001", "size must be"},
		{"size not a number", "/plowbox/api/search?size=ten", "size must be"},
		{"interval too short", "/plowbox/api/search?interval=10ms", "interval"},
		{"interval not a duration", "/plowbox/api/search?interval=daily", "interval"},
		{"too many buckets", "/plowbox/api/search?interval=1s&start=2026-01-01T00:00:00Z&end=2026-04-01T00:00:00Z", "buckets"},
		{"wait: bad n", "/plowbox/api/wait?n=-1", "n must be"},
		{"wait: bad timeout", "/plowbox/api/wait?timeout=forever", "timeout"},
		{"wait: bad query", "/plowbox/api/wait?q=" + url.QueryEscape(`(`), "bad query"},
		{"tail: bad since", "/plowbox/api/tail?since=yesterday", "since"},
		{"tail: bad query", "/plowbox/api/tail?q=" + url.QueryEscape(`app_id:"`), "bad query"},
		{"record: bad sequence", "/plowbox/api/records/abc", "sequence"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e struct {
				Error string `json:"error"`
			}
			f.GetJSON(t, tc.path, http.StatusBadRequest, &e)
			if !strings.Contains(e.Error, tc.contains) {
				t.Errorf("error %q does not contain %q", e.Error, tc.contains)
			}
		})
	}
}

func TestWaitReturnsWhenEventsArrive(t *testing.T) {
	waiting := newWaitSignal()
	f := webtest.NewStack(t, webtest.Options{OnWait: waiting.note})
	f.Track(t, webtest.T0, "e=pv&p=web&aid=waiting")
	go func() {
		<-waiting // the wait below has found too few records and blocks
		f.Track(t, webtest.T0, "e=se&p=web&aid=waiting&se_ca=a&se_ac=b")
		f.Track(t, webtest.T0, "e=pv&p=web&aid=other")
		f.Track(t, webtest.T0, "e=pv&p=web&aid=waiting")
	}()
	start := time.Now()
	var a waitAnswer
	f.GetJSON(t, "/plowbox/api/wait?q=app_id:waiting&n=3&timeout=20s", http.StatusOK, &a)
	if a.Matched != 3 || a.Wanted != 3 || a.TimedOut || len(a.Hits) != 3 {
		t.Errorf("wait = %+v", a)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("wait took %v", d)
	}
	// Already satisfied: answers at once.
	f.GetJSON(t, "/plowbox/api/wait?q=app_id:waiting&n=2&timeout=20s", http.StatusOK, &a)
	if a.Matched != 3 || len(a.Hits) != 2 {
		t.Errorf("satisfied wait = %+v", a)
	}
}

// waitSignal receives a value each time a wait or tail request blocks for new records
// (web.Config.OnWait).
type waitSignal chan struct{}

func newWaitSignal() waitSignal { return make(waitSignal, 16) }

// note is the OnWait hook.
func (w waitSignal) note() {
	select {
	case w <- struct{}{}:
	default:
	}
}

// waitAnswer is the GET /plowbox/api/wait answer, decoded.
type waitAnswer struct {
	Matched  int               `json:"matched"`
	Wanted   int               `json:"wanted"`
	TimedOut bool              `json:"timed_out"`
	Hits     []json.RawMessage `json:"hits"`
}

func TestWaitTimesOut(t *testing.T) {
	f := webtest.NewStack(t, webtest.Options{})
	f.Track(t, webtest.T0, "e=pv&p=web&aid=lonely")
	start := time.Now()
	var a waitAnswer
	f.GetJSON(t, "/plowbox/api/wait?q=app_id:lonely&n=2&timeout=300ms", http.StatusRequestTimeout, &a)
	if d := time.Since(start); d < 300*time.Millisecond || d > 5*time.Second {
		t.Errorf("timed out after %v", d)
	}
	if a.Matched != 1 || a.Wanted != 2 || !a.TimedOut || len(a.Hits) != 1 {
		t.Errorf("wait = %+v", a)
	}
}

// sseMessage is one server-sent event.
type sseMessage struct{ id, data string }

// openTail subscribes to the live tail and returns its messages; it returns once the
// stream has started.
func openTail(t *testing.T, f *webtest.Stack, query, lastEventID string) <-chan sseMessage {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL+"/plowbox/api/tail?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("tail = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := make(chan sseMessage, 100)
	go func() {
		defer resp.Body.Close()
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		var m sseMessage
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if m.data != "" {
					out <- m
				}
				m = sseMessage{}
			case strings.HasPrefix(line, "id: "):
				m.id = line[4:]
			case strings.HasPrefix(line, "data: "):
				m.data = line[6:]
			}
		}
	}()
	return out
}

// next returns the next tail message, failing after a few seconds.
func next(t *testing.T, msgs <-chan sseMessage) sseMessage {
	t.Helper()
	select {
	case m, ok := <-msgs:
		if !ok {
			t.Fatal("the tail ended")
		}
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no tail message within 5s")
	}
	return sseMessage{}
}

func TestTailStreamsNewRecords(t *testing.T) {
	f := webtest.NewStack(t, webtest.Options{})
	f.Track(t, webtest.T0, "e=pv&p=web&aid=tail&tv=old") // before subscribing: not sent
	msgs := openTail(t, f, "q=app_id:tail", "")
	f.Track(t, webtest.T0, "e=pv&p=web&aid=other")
	f.Track(t, webtest.T0, "e=pv&p=web&aid=tail&tv=new1")
	f.Track(t, webtest.T0, "e=pv&p=web&aid=tail&tv=new2")

	var seqs []string
	for _, want := range []string{"new1", "new2"} {
		m := next(t, msgs)
		var h struct {
			Seq   uint64         `json:"seq"`
			Kind  string         `json:"kind"`
			Event map[string]any `json:"event"`
		}
		if err := json.Unmarshal([]byte(m.data), &h); err != nil {
			t.Fatalf("%v in %s", err, m.data)
		}
		if h.Event["v_tracker"] != want || h.Kind != "good" || m.id != strconv.FormatUint(h.Seq, 10) {
			t.Errorf("message id %s %s, want tracker %s", m.id, m.data, want)
		}
		seqs = append(seqs, m.id)
	}

	// Resuming with Last-Event-ID sends what came after that record.
	resumed := openTail(t, f, "q=app_id:tail", seqs[0])
	if m := next(t, resumed); m.id != seqs[1] {
		t.Errorf("resumed at %s, want %s", m.id, seqs[1])
	}
	// since=0 replays everything.
	all := openTail(t, f, "q=app_id:tail&since=0", "")
	if m := next(t, all); !strings.Contains(m.data, `"v_tracker":"old"`) {
		t.Errorf("since=0 started with %s", m.data)
	}
}

func TestEventAndRecordLookup(t *testing.T) {
	f := webtest.NewStack(t, webtest.Options{})
	f.SeedQuery(t)
	var byID struct {
		EventID string                  `json:"event_id"`
		Records []queryapi.RecordDetail `json:"records"`
	}
	f.GetJSON(t, "/plowbox/api/events/"+webtest.EIDShop, http.StatusOK, &byID)
	if byID.EventID != webtest.EIDShop || len(byID.Records) != 2 {
		t.Fatalf("event %s: %d records", byID.EventID, len(byID.Records))
	}
	first, dup := byID.Records[0], byID.Records[1]
	if first.Seq >= dup.Seq || first.Request.Timestamp != "2026-04-02T10:00:00.000Z" || dup.Request.Timestamp != "2026-04-02T10:03:00.000Z" {
		t.Errorf("records not oldest first: %d %s, %d %s", first.Seq, first.Request.Timestamp, dup.Seq, dup.Request.Timestamp)
	}
	if !strings.Contains(first.Request.Querystring, "eid="+webtest.EIDShop) || first.Request.Method != "GET" || first.Request.Path != "/i" {
		t.Errorf("request %+v", first.Request)
	}
	if first.Raw == nil || first.Raw.Version != "tp1" || first.Raw.Parameters[0].Name != "e" || *first.Raw.Parameters[0].Value != "pv" {
		t.Errorf("raw %+v", first.Raw)
	}
	if first.TSV == nil || !strings.Contains(*first.TSV, "\t"+webtest.EIDShop+"\t") || !strings.Contains(string(first.Event), `"page_urlpath":"/cart"`) || string(first.BadRow) != "null" {
		t.Errorf("event %s tsv %v bad row %s", first.Event, first.TSV, first.BadRow)
	}

	var e struct {
		Error string `json:"error"`
	}
	f.GetJSON(t, "/plowbox/api/events/00000000-0000-4000-8000-000000000000", http.StatusNotFound, &e)
	f.GetJSON(t, "/plowbox/api/records/999999", http.StatusNotFound, &e)

	// The bad row of the TP2 POST, by sequence.
	var a searchAnswer
	f.GetJSON(t, "/plowbox/api/search?kind=bad", http.StatusOK, &a)
	var rec queryapi.RecordDetail
	f.GetJSON(t, "/plowbox/api/records/"+strconv.FormatUint(a.Hits[0].Seq, 10), http.StatusOK, &rec)
	if rec.Kind != "bad" || rec.Stage != "adapter" || rec.Request.Method != "POST" || *rec.Request.Body != `{"schema":` || string(rec.Event) != "null" || rec.Raw != nil || len(rec.BadRow) < 10 {
		t.Errorf("bad record %+v", rec)
	}
}

func TestTrackAndWait(t *testing.T) {
	f := webtest.NewStack(t, webtest.Options{})
	f.Track(t, webtest.T0, "e=pv&p=web&aid=noise")
	type answer struct {
		Status     int                     `json:"status"`
		Headers    http.Header             `json:"headers"`
		Body       *string                 `json:"body"`
		BodyBase64 *string                 `json:"body_base64"`
		Records    []queryapi.RecordDetail `json:"records"`
	}
	for _, tc := range []struct {
		name, body string
		status     int
		kinds      []string
		check      func(t *testing.T, a answer)
	}{
		{name: "pixel with a query object", body: `{"path":"/i","query":{"e":"pv","p":"web","aid":"taw","url":"https://shop.example/a b"},"headers":{"User-Agent":"qa-suite"}}`,
			status: 200, kinds: []string{"good"}, check: func(t *testing.T, a answer) {
				ev := string(a.Records[0].Event)
				if !strings.Contains(ev, `"app_id":"taw"`) || !strings.Contains(ev, `"useragent":"qa-suite"`) || a.BodyBase64 == nil {
					t.Errorf("event %s body64 %v", ev, a.BodyBase64)
				}
			}},
		{name: "TP2 batch, one good one invalid", body: `{"method":"POST","path":"/com.snowplowanalytics.snowplow/tp2","body":{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","data":[{"e":"pv","p":"web","tv":"qa","aid":"taw"},{"e":"pp","p":"web","tv":"qa","eid":"nope"}]}}`,
			status: 200, kinds: []string{"good", "incomplete"}, check: func(t *testing.T, a answer) {
				if a.Body == nil || *a.Body != "ok" || a.Records[0].Request.Method != "POST" {
					t.Errorf("body %v request %+v", a.Body, a.Records[0].Request)
				}
			}},
		{name: "raw string query and body", body: `{"path":"/com.snowplowanalytics.snowplow/tp2","query":"aid=q","headers":{"Content-Type":"application/json"},"body":"{\"schema\":"}`,
			status: 200, kinds: []string{"bad"}},
		{name: "no tracking path", body: `{"path":"/micro/good"}`, status: 400},
		{name: "relative path", body: `{"path":"i"}`, status: 400},
		{name: "bad method", body: `{"path":"/i","method":"DELETE"}`, status: 400},
		{name: "query of numbers", body: `{"path":"/i","query":{"e":1}}`, status: 400},
		{name: "not JSON", body: `{"path":`, status: 400},
		{name: "wrong type", body: `{"path":1}`, status: 422},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.Get(t, http.MethodPost, "/plowbox/api/track-and-wait", "application/json", tc.body)
			if status != tc.status {
				t.Fatalf("= %d %s, want %d", status, body, tc.status)
			}
			if status != http.StatusOK {
				if !strings.HasPrefix(body, `{"error":`) {
					t.Errorf("error body %s", body)
				}
				return
			}
			var a answer
			if err := json.Unmarshal([]byte(body), &a); err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, r := range a.Records {
				kinds = append(kinds, r.Kind)
			}
			if a.Status != http.StatusOK || !slices.Equal(kinds, tc.kinds) {
				t.Errorf("status %d records %v, want 200 %v; %s", a.Status, kinds, tc.kinds, body)
			}
			if tc.check != nil && len(a.Records) > 0 {
				tc.check(t, a)
			}
		})
	}
}

// TestTrackAndWaitConcurrent checks that each answer holds its own request's records
// only, while other trackers send at the same time.
func TestTrackAndWaitConcurrent(t *testing.T) {
	f := webtest.NewStack(t, webtest.Options{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 30 {
			f.Get(t, http.MethodGet, "/i?e=pv&p=web&aid=noise", "", "")
		}
	}()
	for i := range 10 {
		aid := "taw" + strconv.Itoa(i)
		status, body := f.Get(t, http.MethodPost, "/plowbox/api/track-and-wait", "", `{"path":"/i","query":"e=pv&p=web&aid=`+aid+`"}`)
		var a struct {
			Records []queryapi.RecordDetail `json:"records"`
		}
		if err := json.Unmarshal([]byte(body), &a); err != nil || status != 200 || len(a.Records) != 1 || !strings.Contains(string(a.Records[0].Event), `"app_id":"`+aid+`"`) {
			t.Errorf("%s: %d %s", aid, status, body)
		}
	}
	<-done
}

func TestQueryAPINeedsCredentials(t *testing.T) {
	auth, err := auth.NewBasicAuth("admin", "secret")
	if err != nil {
		t.Fatal(err)
	}
	f := webtest.NewStack(t, webtest.Options{Auth: auth})
	for _, p := range []struct{ method, path string }{
		{"GET", "/plowbox/api/search"}, {"GET", "/plowbox/api/wait"}, {"GET", "/plowbox/api/tail"},
		{"GET", "/plowbox/api/events/x"}, {"GET", "/plowbox/api/records/1"}, {"POST", "/plowbox/api/track-and-wait"},
		{"POST", "/micro/events"}, {"GET", "/micro/columns"}, {"POST", "/micro/columnStats"}, {"POST", "/micro/timeline"},
	} {
		if status, body := f.Get(t, p.method, p.path, "", "{}"); status != http.StatusUnauthorized {
			t.Errorf("%s %s without credentials = %d %s", p.method, p.path, status, body)
		}
	}
}

// TestLongRequestsEndAtShutdown checks that open tails and waits do not hold a graceful
// shutdown back.
func TestLongRequestsEndAtShutdown(t *testing.T) {
	waiting := newWaitSignal()
	f := webtest.NewStack(t, webtest.Options{OnWait: waiting.note})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: f.Handler}
	go srv.Serve(ln)
	f.URL = "http://" + ln.Addr().String()

	msgs := openTail(t, f, "", "")
	<-waiting // the tail blocks for new records
	waited := make(chan int, 1)
	go func() {
		resp, err := http.Get(f.URL + "/plowbox/api/wait?q=app_id:never&timeout=1m")
		if err != nil {
			waited <- 0
			return
		}
		resp.Body.Close()
		waited <- resp.StatusCode
	}()
	<-waiting // so does the wait

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v after %v", err, time.Since(start))
	}
	if _, open := <-msgs; open {
		t.Error("the tail sent a message instead of ending")
	}
	if status := <-waited; status != http.StatusServiceUnavailable {
		t.Errorf("wait ended with %d, want 503", status)
	}
}
