package elasticsearch_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// Snowplow Inspector's "Stream Live Data" polls {endpoint}/{index}/_search?size=50&q=…
// and reads hits.hits[]._id (to skip what it has seen) and ._source: a _source with
// collector_tstamp is a good event in the Elasticsearch loader's flattened form, anything
// else a bad row.
func TestInspectorStreamLiveData(t *testing.T) {
	f := newFixture(t, false)
	f.seed(t)
	endpoint := f.url + "/elasticsearch/"

	status, body := request(t, http.MethodGet, inspectorURL(endpoint, "good", ""), "", nil)
	if status != http.StatusOK {
		t.Fatalf("good: %d %s", status, body)
	}
	good := decode(t, body)
	if good.Hits.Total == nil || good.Hits.Total.Value != 3 || good.Hits.Total.Relation != "eq" || len(good.Hits.Hits) != 3 {
		t.Fatalf("good: total %+v, %d hits: %s", good.Hits.Total, len(good.Hits.Hits), body)
	}
	var ids, eids []string
	for _, h := range good.Hits.Hits {
		if h.Index != "good" || h.Type != "_doc" || h.Score != nil || h.ID == "" {
			t.Errorf("hit metadata: %q %q %q %v", h.Index, h.Type, h.ID, h.Score)
		}
		if _, ok := h.Source["collector_tstamp"]; !ok {
			t.Errorf("a good _source without collector_tstamp: %v", h.Source)
		}
		ids = append(ids, h.ID)
		eids = append(eids, str(h.Source["event_id"]))
	}
	if want := []string{eidClick, eidStruct, eidPageView}; !slices.Equal(eids, want) {
		t.Errorf("good events %q, want newest first %q", eids, want)
	}
	if want := []string{"3", "2", "1"}; !slices.Equal(ids, want) {
		t.Errorf("_id %q, want the record sequences %q", ids, want)
	}

	// The flattened JSON of Snowplow's Elasticsearch loader, as the Inspector unflattens it.
	click := good.Hits.Hits[0].Source
	for key, want := range map[string]string{
		"event":            `"unstruct"`,
		"app_id":           `"shop"`,
		"collector_tstamp": `"2026-04-02T10:00:02Z"`,
		"unstruct_event_com_snowplowanalytics_snowplow_link_click_1": `{"targetUrl":"https://shop.example/basket"}`,
		"contexts_com_snowplowanalytics_snowplow_web_page_1":         `[{"id":"a0b5d8d9-6c3b-4b55-9b2b-7c1d3b1f4e22","_schema_version":"iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0"}]`,
	} {
		if got := string(click[key]); got != want {
			t.Errorf("_source.%s = %s, want %s", key, got, want)
		}
	}
	for _, key := range []string{"contexts", "unstruct_event", "derived_contexts"} {
		if _, ok := click[key]; ok {
			t.Errorf("_source has the wrapped %s key: the loader flattens it", key)
		}
	}

	status, body = request(t, http.MethodGet, inspectorURL(endpoint, "bad", ""), "", nil)
	if status != http.StatusOK {
		t.Fatalf("bad: %d %s", status, body)
	}
	bad := decode(t, body)
	if len(bad.Hits.Hits) != 2 {
		t.Fatalf("bad: %d hits: %s", len(bad.Hits.Hits), body)
	}
	for i, wantSchema := range []string{
		"iglu:com.snowplowanalytics.snowplow.badrows/tracker_protocol_violations/jsonschema/1-0-1",
		"iglu:com.snowplowanalytics.snowplow.badrows/schema_violations/jsonschema/2-0-1",
	} {
		h := bad.Hits.Hits[i]
		if _, ok := h.Source["collector_tstamp"]; ok || h.Index != "bad" {
			t.Errorf("bad row %d looks like a good event to the Inspector: %v", i, h.Source)
		}
		if got := str(h.Source["schema"]); got != wantSchema {
			t.Errorf("bad row %d schema %s, want %s", i, got, wantSchema)
		}
		if _, ok := h.Source["data"]; !ok {
			t.Errorf("bad row %d has no data: %v", i, h.Source)
		}
	}

	// The query box, through plowbox's own parser.
	_, body = request(t, http.MethodGet, inspectorURL(endpoint, "good", "app_id:shop AND event_name:page_view"), "", nil)
	if r := decode(t, body); len(r.Hits.Hits) != 1 || str(r.Hits.Hits[0].Source["event_id"]) != eidPageView {
		t.Errorf("app_id:shop AND event_name:page_view: %s", body)
	}
	_, body = request(t, http.MethodGet, inspectorURL(endpoint, "good", "contexts_com_snowplowanalytics_snowplow_web_page_1.id:a0b5d8d9-6c3b-4b55-9b2b-7c1d3b1f4e22"), "", nil)
	if r := decode(t, body); len(r.Hits.Hits) != 2 {
		t.Errorf("entity field query: %s", body)
	}

	// A poll after a new event has it first; the ids seen before are unchanged.
	f.send(t, http.MethodGet, "/i?e=pv&p=web&tv=js-3.5.0&aid=shop", "")
	_, body = request(t, http.MethodGet, inspectorURL(endpoint, "good", ""), "", nil)
	if r := decode(t, body); len(r.Hits.Hits) != 4 || r.Hits.Hits[0].ID != "6" || r.Hits.Hits[1].ID != "3" {
		t.Errorf("after a new event: %s", body)
	}
}

// The Inspector sends Authorization: base64(user:password) with no scheme; plowbox takes
// it on /elasticsearch, as basic credentials under the same checks, and nowhere else.
func TestInspectorCredentials(t *testing.T) {
	f := newFixture(t, true)
	f.seed(t)
	search := inspectorURL(f.url+"/elasticsearch", "good", "")
	for _, tc := range []struct {
		name   string
		target string
		header map[string]string
		status int
	}{
		{name: "none", target: search, status: http.StatusUnauthorized},
		{name: "inspector", target: search, header: map[string]string{"Authorization": inspectorAuth(user, password)}, status: http.StatusOK},
		{name: "inspector, wrong password", target: search, header: map[string]string{"Authorization": inspectorAuth(user, "nope")}, status: http.StatusUnauthorized},
		{name: "inspector, unknown user", target: search, header: map[string]string{"Authorization": inspectorAuth("eve", password)}, status: http.StatusUnauthorized},
		{name: "not base64", target: search, header: map[string]string{"Authorization": "admin:" + password}, status: http.StatusUnauthorized},
		{name: "basic", target: search, header: map[string]string{"Authorization": "Basic " + inspectorAuth(user, password)}, status: http.StatusOK},
		{name: "count, inspector", target: f.url + "/elasticsearch/bad/_count", header: map[string]string{"Authorization": inspectorAuth(user, password)}, status: http.StatusOK},
		{name: "cat, none", target: f.url + "/elasticsearch/_cat/indices", status: http.StatusUnauthorized},
		{name: "micro, inspector: not taken elsewhere", target: f.url + "/micro/good", header: map[string]string{"Authorization": inspectorAuth(user, password)}, status: http.StatusUnauthorized},
		{name: "micro, basic", target: f.url + "/micro/good", header: map[string]string{"Authorization": "Basic " + inspectorAuth(user, password)}, status: http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := request(t, http.MethodGet, tc.target, "", tc.header)
			if status != tc.status {
				t.Fatalf("%d %s, want %d", status, body, tc.status)
			}
			if status == http.StatusOK && strings.Contains(tc.target, "_search") {
				if r := decode(t, body); len(r.Hits.Hits) != 3 {
					t.Errorf("%d hits, want 3", len(r.Hits.Hits))
				}
			}
		})
	}
}

// The request body search of Mini's scripts: query.query_string, size, from, sort.
func TestSearchBody(t *testing.T) {
	f := newFixture(t, false)
	f.seed(t)
	for _, tc := range []struct {
		name, method, path, body string
		want                     []string // event ids or bad-row schemas' names, in order
		total                    int
	}{
		{name: "query_string, oldest first", method: http.MethodPost, path: "/elasticsearch/good/_search",
			body: `{"query":{"query_string":{"query":"app_id:shop"}},"sort":[{"collector_tstamp":{"order":"asc"}}]}`, want: []string{eidPageView, eidClick}, total: 2},
		{name: "size and from", method: http.MethodPost, path: "/elasticsearch/good/_search",
			body: `{"query":{"match_all":{}},"size":1,"from":1}`, want: []string{eidStruct}, total: 3},
		{name: "sort as a string", method: http.MethodPost, path: "/elasticsearch/good/_search",
			body: `{"sort":"app_id:desc","size":3}`, want: []string{eidClick, eidPageView, eidStruct}, total: 3},
		{name: "GET with a body", method: http.MethodGet, path: "/elasticsearch/good/_search",
			body: `{"query":{"query_string":{"query":"se_category:projects"}}}`, want: []string{eidStruct}, total: 1},
		{name: "URI sort", method: http.MethodGet, path: "/elasticsearch/good/_search?sort=collector_tstamp:asc&size=2", want: []string{eidPageView, eidStruct}, total: 3},
		{name: "_doc order", method: http.MethodGet, path: "/elasticsearch/good/_search?sort=_doc", want: []string{eidPageView, eidStruct, eidClick}, total: 3},
		{name: "URI parameters win", method: http.MethodPost, path: "/elasticsearch/good/_search?size=1", body: `{"size":3}`, want: []string{eidClick}, total: 3},
		{name: "both indices", method: http.MethodGet, path: "/elasticsearch/good,bad/_search?q=app_id:shop", want: []string{"schema_violations", eidClick, eidPageView}, total: 3},
		{name: "all", method: http.MethodGet, path: "/elasticsearch/_search?size=2", want: []string{"tracker_protocol_violations", "schema_violations"}, total: 5},
		{name: "failure type", method: http.MethodGet, path: "/elasticsearch/bad/_search?q=failure_type:schema_violations", want: []string{"schema_violations"}, total: 1},
		{name: "size 0", method: http.MethodGet, path: "/elasticsearch/bad/_search?size=0", want: nil, total: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := request(t, tc.method, f.url+tc.path, tc.body, map[string]string{"Content-Type": "application/json"})
			if status != http.StatusOK {
				t.Fatalf("%d %s", status, body)
			}
			r := decode(t, body)
			var got []string
			for _, h := range r.Hits.Hits {
				if id := str(h.Source["event_id"]); id != "" {
					got = append(got, id)
					continue
				}
				schema := str(h.Source["schema"])
				got = append(got, strings.Split(strings.TrimPrefix(schema, "iglu:com.snowplowanalytics.snowplow.badrows/"), "/")[0])
			}
			if !slices.Equal(got, tc.want) || r.Hits.Total.Value != tc.total {
				t.Errorf("hits %q total %d, want %q total %d", got, r.Hits.Total.Value, tc.want, tc.total)
			}
		})
	}
}

// Totals past track_total_hits are "gte"; rest_total_hits_as_int gives a number.
func TestTotals(t *testing.T) {
	f := newFixture(t, false)
	f.seed(t)
	_, body := request(t, http.MethodGet, f.url+"/elasticsearch/good/_search?track_total_hits=2&size=1", "", nil)
	if r := decode(t, body); r.Hits.Total.Value != 2 || r.Hits.Total.Relation != "gte" {
		t.Errorf("track_total_hits=2: %s", body)
	}
	_, body = request(t, http.MethodGet, f.url+"/elasticsearch/good/_search?rest_total_hits_as_int=true&size=1", "", nil)
	var asInt struct {
		Hits struct{ Total int } `json:"hits"`
	}
	if json.Unmarshal([]byte(body), &asInt); asInt.Hits.Total != 3 {
		t.Errorf("rest_total_hits_as_int: %s", body)
	}
}

func TestCountAndCat(t *testing.T) {
	f := newFixture(t, false)
	f.seed(t)
	for _, tc := range []struct{ method, path, body, want string }{
		{http.MethodGet, "/elasticsearch/good/_count", "", `{"_shards":{"failed":0,"skipped":0,"successful":1,"total":1},"count":3}`},
		{http.MethodGet, "/elasticsearch/bad/_count", "", `{"_shards":{"failed":0,"skipped":0,"successful":1,"total":1},"count":2}`},
		{http.MethodGet, "/elasticsearch/_count", "", `{"_shards":{"failed":0,"skipped":0,"successful":1,"total":1},"count":5}`},
		{http.MethodGet, "/elasticsearch/good/_count?q=app_id:shop", "", `{"_shards":{"failed":0,"skipped":0,"successful":1,"total":1},"count":2}`},
		{http.MethodPost, "/elasticsearch/good/_count", `{"query":{"query_string":{"query":"platform:srv"}}}`, `{"_shards":{"failed":0,"skipped":0,"successful":1,"total":1},"count":1}`},
	} {
		status, body := request(t, tc.method, f.url+tc.path, tc.body, nil)
		if status != http.StatusOK || body != tc.want {
			t.Errorf("%s %s = %d %s, want %s", tc.method, tc.path, status, body, tc.want)
		}
	}

	status, body := request(t, http.MethodGet, f.url+"/elasticsearch/_cat/indices?v", "", nil)
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	if status != http.StatusOK || len(lines) != 3 || !strings.HasPrefix(lines[0], "health status index uuid") {
		t.Fatalf("_cat/indices?v = %d %q", status, body)
	}
	for i, want := range [][]string{{"green", "open", "good", "plowbox-good", "1", "0", "3", "0"}, {"green", "open", "bad", "plowbox-bad", "1", "0", "2", "0"}} {
		if got := strings.Fields(lines[i+1]); len(got) != 10 || !slices.Equal(got[:8], want) {
			t.Errorf("_cat/indices line %d = %q, want %q and two sizes", i+1, got, want)
		}
	}
	_, body = request(t, http.MethodGet, f.url+"/elasticsearch/_cat/indices", "", nil)
	if strings.HasPrefix(body, "health") || strings.Count(body, "\n") != 2 {
		t.Errorf("_cat/indices without v has a header: %q", body)
	}
	_, body = request(t, http.MethodGet, f.url+"/elasticsearch/_cat/indices?format=json", "", nil)
	var rows []map[string]string
	if err := json.Unmarshal([]byte(body), &rows); err != nil || len(rows) != 2 || rows[0]["index"] != "good" || rows[1]["docs.count"] != "2" {
		t.Errorf("_cat/indices?format=json = %s", body)
	}
}

// Mistakes get Elasticsearch's error shape and a 4xx, never a 5xx.
func TestErrors(t *testing.T) {
	f := newFixture(t, false)
	f.seed(t)
	for _, tc := range []struct {
		method, path, body string
		status             int
		typ, reason        string
	}{
		{http.MethodGet, "/elasticsearch/events/_search", "", 404, "index_not_found_exception", "no such index [events]"},
		{http.MethodGet, "/elasticsearch/good,nope/_count", "", 404, "index_not_found_exception", "no such index [nope]"},
		{http.MethodGet, "/elasticsearch/good/_search?q=app_id:(shop", "", 400, "query_shard_exception", "Failed to parse query"},
		{http.MethodGet, "/elasticsearch/good/_search?size=x", "", 400, "illegal_argument_exception", "Failed to parse int parameter [size] with value [x]"},
		{http.MethodGet, "/elasticsearch/good/_search?from=9995&size=10", "", 400, "illegal_argument_exception", "Result window is too large"},
		{http.MethodGet, "/elasticsearch/good/_search?sort=app_id:up", "", 400, "illegal_argument_exception", "Unknown sort order [up]"},
		{http.MethodPost, "/elasticsearch/good/_search", `{"query":{"term":{"app_id":"shop"}}}`, 400, "parsing_exception", "unknown query [term]"},
		{http.MethodPost, "/elasticsearch/good/_search", `{"query":`, 400, "parsing_exception", "not a search"},
		{http.MethodPost, "/elasticsearch/good/_search", `{"query":{"query_string":{}}}`, 400, "parsing_exception", `needs a "query" string`},
		{http.MethodDelete, "/elasticsearch/good", "", 400, "illegal_argument_exception", "plowbox serves only"},
		{http.MethodPut, "/elasticsearch/good/_doc/1", `{}`, 400, "illegal_argument_exception", "plowbox serves only"},
	} {
		status, body := request(t, tc.method, f.url+tc.path, tc.body, nil)
		var e struct {
			Error struct {
				RootCause []struct{ Type, Reason string } `json:"root_cause"`
				Type      string
				Reason    string
			}
			Status int
		}
		json.Unmarshal([]byte(body), &e)
		if status != tc.status || e.Status != tc.status || e.Error.Type != tc.typ || !strings.Contains(e.Error.Reason, tc.reason) ||
			len(e.Error.RootCause) != 1 || e.Error.RootCause[0].Type != tc.typ {
			t.Errorf("%s %s = %d %s, want %d %s %q", tc.method, tc.path, status, body, tc.status, tc.typ, tc.reason)
		}
	}
}

// GET /elasticsearch/ answers as an Elasticsearch 7 node; GET /elasticsearch/good
// tells that the index exists.
func TestRootAndIndex(t *testing.T) {
	f := newFixture(t, false)
	status, body := request(t, http.MethodGet, f.url+"/elasticsearch/", "", nil)
	var root struct {
		Version struct{ Number string }
		Tagline string
	}
	if json.Unmarshal([]byte(body), &root); status != 200 || !strings.HasPrefix(root.Version.Number, "7.") || root.Tagline != "You Know, for Search" {
		t.Errorf("root: %d %s", status, body)
	}
	if status, body := request(t, http.MethodGet, f.url+"/elasticsearch/good", "", nil); status != 200 || !strings.Contains(body, `"good":{`) {
		t.Errorf("index: %d %s", status, body)
	}
	if status, _ := request(t, http.MethodHead, f.url+"/elasticsearch/bad", "", nil); status != 200 {
		t.Errorf("HEAD index: %d", status)
	}
}
