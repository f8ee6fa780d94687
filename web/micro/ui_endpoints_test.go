package micro_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/plowbox/plowbox/internal/testkit"
	"github.com/plowbox/plowbox/web/webtest"
)

// microEventsPage is the POST /micro/events answer, decoded.
type microEventsPage struct {
	Events     []map[string]any `json:"events"`
	TotalPages int              `json:"totalPages"`
	TotalItems int              `json:"totalItems"`
}

func microEvents(t *testing.T, f *webtest.Stack, body string) microEventsPage {
	t.Helper()
	status, resp := f.Get(t, http.MethodPost, "/micro/events", "application/json", body)
	if status != http.StatusOK {
		t.Fatalf("POST /micro/events %s = %d %s", body, status, resp)
	}
	var page microEventsPage
	if err := json.Unmarshal([]byte(resp), &page); err != nil {
		t.Fatalf("%v in %s", err, resp)
	}
	return page
}

// summary lists the events of a page as event:app_id.
func (p microEventsPage) summary() []string {
	out := []string{}
	for _, ev := range p.Events {
		app, _ := ev["app_id"].(string)
		out = append(out, ev["event"].(string)+":"+app)
	}
	return out
}

func TestMicroEventsQueries(t *testing.T) {
	f := webtest.NewStack(t, webtest.Options{})
	f.SeedQuery(t)
	for _, tc := range []struct {
		name, body string
		want       []string // event:app_id, in answer order
		total      int
		pages      int
	}{
		{name: "all, newest first", body: `{"filters":[]}`,
			want: []string{"page_view:shop", "page_ping:shop", "struct:Blog", "page_view:shop"}, total: 4, pages: 1},
		{name: "valid only", body: `{"filters":[],"validEvents":true}`,
			want: []string{"page_view:shop", "struct:Blog", "page_view:shop"}, total: 3, pages: 1},
		{name: "incomplete only", body: `{"filters":[],"validEvents":false}`,
			want: []string{"page_ping:shop"}, total: 1, pages: 1},
		{name: "validEvents null is both", body: `{"filters":[],"validEvents":null}`, total: 4, pages: 1,
			want: []string{"page_view:shop", "page_ping:shop", "struct:Blog", "page_view:shop"}},
		{name: "values: exact, case-insensitive", body: `{"filters":[{"column":"app_id","values":["BLOG"]}]}`,
			want: []string{"struct:Blog"}, total: 1, pages: 1},
		{name: "values: exact, not substring", body: `{"filters":[{"column":"app_id","values":["sho"]}]}`,
			want: []string{}, total: 0, pages: 1},
		{name: "values: OR within a column", body: `{"filters":[{"column":"event","values":["page_ping","struct"]}]}`,
			want: []string{"page_ping:shop", "struct:Blog"}, total: 2, pages: 1},
		{name: "values: AND across columns", body: `{"filters":[{"column":"app_id","values":["shop"]},{"column":"platform","values":["web"]}]}`,
			want: []string{"page_ping:shop", "page_view:shop"}, total: 2, pages: 1},
		{name: "values: empty strings dropped, empty list no filter", body: `{"filters":[{"column":"app_id","values":["",""]},{"column":"platform","values":[]}]}`,
			total: 4, pages: 1, want: []string{"page_view:shop", "page_ping:shop", "struct:Blog", "page_view:shop"}},
		{name: "value: substring (4.0-4.3)", body: `{"filters":[{"column":"page_url","value":"SHOP.example/th"}]}`,
			want: []string{"page_view:shop"}, total: 1, pages: 1},
		{name: "complex column filter ignored", body: `{"filters":[{"column":"contexts_com_snowplowanalytics_snowplow_failure_1","values":["x"]}],"validEvents":false}`,
			want: []string{"page_ping:shop"}, total: 1, pages: 1},
		{name: "time range [start, end)", body: `{"filters":[],"timeRange":{"start":"2026-04-02T10:00:30.000Z","end":"2026-04-02T10:03:00.000Z"}}`,
			want: []string{"page_ping:shop", "struct:Blog"}, total: 2, pages: 1},
		{name: "time range open end", body: `{"filters":[],"timeRange":{"start":"2026-04-02T10:01:00Z","end":null}}`,
			want: []string{"page_view:shop", "page_ping:shop"}, total: 2, pages: 1},
		{name: "sort ascending", body: `{"filters":[],"sorting":{"column":"collector_tstamp","desc":false}}`,
			want: []string{"page_view:shop", "struct:Blog", "page_ping:shop", "page_view:shop"}, total: 4, pages: 1},
		{name: "sort by app_id descending", body: `{"filters":[],"validEvents":true,"sorting":{"column":"app_id","desc":true}}`,
			want: []string{"page_view:shop", "page_view:shop", "struct:Blog"}, total: 3, pages: 1},
		{name: "sort nulls first descending", body: `{"filters":[],"sorting":{"column":"page_url","desc":true}}`,
			want: []string{"page_ping:shop", "struct:Blog", "page_view:shop", "page_view:shop"}, total: 4, pages: 1},
		{name: "sort numbers, nulls last ascending", body: `{"filters":[],"validEvents":true,"sorting":{"column":"se_value","desc":false}}`,
			want: []string{"struct:Blog", "page_view:shop", "page_view:shop"}, total: 3, pages: 1},
		{name: "sort on an unknown column keeps store order", body: `{"filters":[],"sorting":{"column":"nope","desc":true}}`,
			want: []string{"page_view:shop", "page_ping:shop", "struct:Blog", "page_view:shop"}, total: 4, pages: 1},
		{name: "filter on an unknown column matches nothing", body: `{"filters":[{"column":"nope","values":["x"]}]}`,
			want: []string{}, total: 0, pages: 1},
		{name: "filter on a number", body: `{"filters":[{"column":"se_value","values":["12.5"]}]}`,
			want: []string{"struct:Blog"}, total: 1, pages: 1},
		{name: "page 1 of 2", body: `{"filters":[],"page":1,"pageSize":3}`,
			want: []string{"page_view:shop", "page_ping:shop", "struct:Blog"}, total: 4, pages: 2},
		{name: "page 2 of 2", body: `{"filters":[],"page":2,"pageSize":3}`,
			want: []string{"page_view:shop"}, total: 4, pages: 2},
		{name: "page past the end", body: `{"filters":[],"page":7,"pageSize":3}`,
			want: []string{}, total: 4, pages: 2},
		{name: "page far past the end", body: `{"filters":[],"page":100000000,"pageSize":1000}`,
			want: []string{}, total: 4, pages: 1},
		{name: "pageSize clamped up to 1", body: `{"filters":[],"pageSize":0}`,
			want: []string{"page_view:shop"}, total: 4, pages: 4},
		{name: "pageSize clamped down to 1000", body: `{"filters":[],"pageSize":5000}`, total: 4, pages: 1,
			want: []string{"page_view:shop", "page_ping:shop", "struct:Blog", "page_view:shop"}},
		{name: "page 0 is page 1", body: `{"filters":[],"page":0,"pageSize":1}`,
			want: []string{"page_view:shop"}, total: 4, pages: 4},
		{name: "unknown keys ignored", body: `{"filters":[],"validEvents":false,"extra":1}`,
			want: []string{"page_ping:shop"}, total: 1, pages: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page := microEvents(t, f, tc.body)
			if got := page.summary(); !slices.Equal(got, tc.want) {
				t.Errorf("events %v, want %v", got, tc.want)
			}
			if page.TotalItems != tc.total || page.TotalPages != tc.pages {
				t.Errorf("totalItems %d totalPages %d, want %d %d", page.TotalItems, page.TotalPages, tc.total, tc.pages)
			}
		})
	}
}

func TestMicroEventsIncompleteCarriesFailure(t *testing.T) {
	f := webtest.NewStack(t, webtest.Options{})
	f.SeedQuery(t)
	status, body := f.Get(t, http.MethodPost, "/micro/events", "", `{"filters":[],"validEvents":false}`)
	if status != http.StatusOK {
		t.Fatalf("%d %s", status, body)
	}
	testkit.Golden(t, "micro_ui/events_incomplete.json", webtest.MaskIDs([]byte(body)))
	if !strings.Contains(body, `"contexts_com_snowplowanalytics_snowplow_failure_1":[{`) {
		t.Error("the incomplete event has no failure entity")
	}
}

func TestMicroEventsRequestErrors(t *testing.T) {
	f := webtest.NewStack(t, webtest.Options{})
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		contains                string
	}{
		{"invalid JSON", "application/json", `{"filters":[`, 400, "Malformed message body"},
		{"empty body", "application/json", ``, 400, "empty body"},
		{"form content type", "application/x-www-form-urlencoded", `{"filters":[]}`, 415, "Expected a JSON body"},
		{"filters missing", "application/json", `{}`, 422, "filters is required"},
		{"filters wrong type", "application/json", `{"filters":"app_id"}`, 422, `field \"filters\"`},
		{"page wrong type", "", `{"filters":[],"page":"2"}`, 422, `field \"page\"`},
		{"validEvents wrong type", "", `{"filters":[],"validEvents":"yes"}`, 422, `field \"validEvents\"`},
		{"bad timestamp", "", `{"filters":[],"timeRange":{"start":"yesterday"}}`, 422, "timeRange.start"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.Get(t, http.MethodPost, "/micro/events", tc.contentType, tc.body)
			if status != tc.status || !strings.Contains(body, tc.contains) || body[0] != '"' {
				t.Errorf("= %d %s, want %d with %q as a JSON string", status, body, tc.status, tc.contains)
			}
		})
	}
}

func TestMicroColumnsStatsTimeline(t *testing.T) {
	f := webtest.NewStack(t, webtest.Options{})
	f.SeedQuery(t)
	for _, tc := range []struct {
		name, method, path, body string
		file                     string // golden file, or want when ""
		want                     string
	}{
		{name: "columns", method: "GET", path: "/micro/columns", file: "micro_ui/columns.json"},
		{name: "columnStats", method: "POST", path: "/micro/columnStats", file: "micro_ui/column_stats.json",
			body: `{"columns":["app_id","collector_tstamp","contexts_com_snowplowanalytics_snowplow_failure_1.errors","unstruct_event_com_acme_x_1","nope","event_name","app_id"]}`},
		{name: "timeline", method: "POST", path: "/micro/timeline", file: "micro_ui/timeline.json",
			body: `{"buckets":[{"start":"2026-04-02T10:01:00.000Z","end":"2026-04-02T10:02:00.000Z"},{"start":"2026-04-02T10:00:00Z","end":"2026-04-02T10:01:00Z"},{"start":"2026-04-02T11:00:00.000Z","end":"2026-04-02T17:00:00.000Z"}]}`},
		{name: "timeline without buckets", method: "POST", path: "/micro/timeline", body: `{"buckets":[]}`, want: `{"points":[]}`},
		{name: "auth-config", method: "GET", path: "/micro/auth-config", want: `{"domain":"","audience":"","clientId":"","enabled":false}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.Get(t, tc.method, tc.path, "", tc.body)
			if status != http.StatusOK {
				t.Fatalf("%s %s = %d %s", tc.method, tc.path, status, body)
			}
			if tc.file != "" {
				testkit.Golden(t, tc.file, []byte(body))
			} else if body != tc.want {
				t.Errorf("got %s, want %s", body, tc.want)
			}
		})
	}
}

func TestMicroUIRequestErrors(t *testing.T) {
	f := webtest.NewStack(t, webtest.Options{})
	js := map[string]string{"Content-Type": "application/json"}
	testkit.RunScenarios(t, f.Handler, []testkit.Scenario{
		{Name: "columnStats invalid JSON", Method: "POST", URL: "/micro/columnStats", Headers: js, Body: `{"columns":`, ExpectedStatus: 400},
		{Name: "columnStats wrong type", Method: "POST", URL: "/micro/columnStats", Headers: js, Body: `{"columns":"app_id"}`, ExpectedStatus: 422},
		{Name: "timeline invalid JSON", Method: "POST", URL: "/micro/timeline", Headers: js, Body: `[`, ExpectedStatus: 400},
		{Name: "timeline bad bucket", Method: "POST", URL: "/micro/timeline", Headers: js, Body: `{"buckets":[{"start":"10:00","end":"11:00"}]}`, ExpectedStatus: 422},
		{Name: "timeline wrong type", Method: "POST", URL: "/micro/timeline", Headers: js, Body: `{"buckets":{}}`, ExpectedStatus: 422},
		// GET /micro/events stays Micro 3.0's lossy list; the 4.x form is POST only.
		{Name: "GET events is the lossy list", URL: "/micro/events", ExpectedStatus: 200, ExpectedBody: "[]"},
	})
}

// TestMicroEventsReadYourWrites checks that an event is listed by POST /micro/events
// the moment its tracker got a 200, without waiting for the index.
func TestMicroEventsReadYourWrites(t *testing.T) {
	f := webtest.NewStack(t, webtest.Options{})
	for i := range 20 {
		f.Track(t, webtest.T0, "e=pv&p=web&aid=ryw")
		if page := microEvents(t, f, `{"filters":[{"column":"app_id","values":["ryw"]}]}`); page.TotalItems != i+1 {
			t.Fatalf("after %d events, totalItems %d", i+1, page.TotalItems)
		}
	}
}
