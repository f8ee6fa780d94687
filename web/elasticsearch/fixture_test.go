package elasticsearch_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/enrich/iglu"
	"github.com/plowbox/plowbox/enrich/iglu/snapshot"
	testfix "github.com/plowbox/plowbox/internal/testkit/fixture"
	"github.com/plowbox/plowbox/web"
	"github.com/plowbox/plowbox/web/auth"
)

// Credentials of the fixture under --auth basic.
const (
	user     = "admin"
	password = "pw-for-the-inspector"
)

// fixture is plowbox's real router on a loopback server over the real write path: the
// collector, the enricher validating against the built-in Iglu Central snapshot, a bbolt
// store and the bleve index in a temporary directory. Each request it sends moves the
// collector's clock a second on.
type fixture struct {
	*testfix.Pipeline
	url string
}

// newFixture starts the fixture, with basic authentication when secured is set.
func newFixture(t testing.TB, secured bool) *fixture {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	resolver := iglu.NewResolver(iglu.Options{CacheSize: 100, Logger: log,
		Repositories: []iglu.Repository{snapshot.New().Repository("Iglu Central snapshot", 0, iglu.ClassEmbedded)}})
	p := testfix.New(t, testfix.Options{Validator: iglu.NewValidator(resolver, log)})
	cfg := web.Config{Collector: p.Collector, Store: p.Store, Index: p.Index, MicroAPI: 4, Logger: p.Log}
	if secured {
		a, err := auth.NewBasicAuth(user, password)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Auth = a
	}
	srv := httptest.NewServer(web.New(cfg))
	t.Cleanup(srv.Close)
	return &fixture{Pipeline: p, url: srv.URL}
}

// Entities and events of the fixture.
const (
	webPage     = `{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1","data":[{"schema":"iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0","data":{"id":"a0b5d8d9-6c3b-4b55-9b2b-7c1d3b1f4e22"}}]}`
	linkClick   = `{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1","data":{"targetUrl":"https://shop.example/basket"}}}`
	badClick    = `{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1","data":{"elementId":"no-target"}}}`
	eidPageView = "9d6b1c8e-3f0a-4e2b-8c47-5a1d2e3f4b60"
	eidStruct   = "2c1a7e4b-5d3f-4a6b-9e8d-7f6a5b4c3d2e"
	eidClick    = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
)

// seed sends, a second apart: a page view with a web_page entity (app shop), a
// structured event (app blog), a link click (app shop), a link click that fails
// validation (an incomplete event: a bad row) and a TP2 POST that is not JSON (a bad
// row): records 1 to 5.
func (f *fixture) seed(t *testing.T) {
	t.Helper()
	for _, q := range []url.Values{
		{"e": {"pv"}, "p": {"web"}, "tv": {"js-3.5.0"}, "aid": {"shop"}, "eid": {eidPageView}, "url": {"https://shop.example/cart"}, "page": {"Cart"}, "co": {webPage}},
		{"e": {"se"}, "p": {"srv"}, "tv": {"rb-0.6.1"}, "aid": {"blog"}, "eid": {eidStruct}, "se_ca": {"projects"}, "se_ac": {"create"}},
		{"e": {"ue"}, "p": {"web"}, "tv": {"js-3.5.0"}, "aid": {"shop"}, "eid": {eidClick}, "ue_pr": {linkClick}, "co": {webPage}},
		{"e": {"ue"}, "p": {"web"}, "tv": {"js-3.5.0"}, "aid": {"shop"}, "ue_pr": {badClick}},
	} {
		f.send(t, http.MethodGet, "/i?"+q.Encode(), "")
	}
	f.send(t, http.MethodPost, "/com.snowplowanalytics.snowplow/tp2", `{"schema":`)
}

// send makes one tracker request and moves the clock on.
func (f *fixture) send(t testing.TB, method, path, body string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), method, f.url+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s = %d", method, path, resp.StatusCode)
	}
	f.At(f.Now().Add(time.Second))
}

// inspectorAuth is the Authorization header Snowplow Inspector sends for the endpoint
// http://user:pass@host/elasticsearch/: btoa(`${uri.username}:${uri.password}`).
func inspectorAuth(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}

// inspectorURL builds the URL exactly as the Inspector's LiveStream modal does: the
// endpoint's path parts, the index, "_search", then searchParams.set("size", "50") and
// searchParams.set("q", query || "*") (URLSearchParams encodes a space as "+").
func inspectorURL(endpoint, index, query string) string {
	u, _ := url.Parse(endpoint)
	var parts []string
	for _, p := range strings.Split(u.Path, "/") {
		if p != "" {
			parts = append(parts, p)
		}
	}
	u.Path = strings.Join(append(parts, index, "_search"), "/")
	if query == "" {
		query = "*"
	}
	u.RawQuery = "size=50&q=" + strings.ReplaceAll(url.QueryEscape(query), "%2A", "*")
	return u.String()
}

// request sends a request with optional headers and returns the status and body.
func request(t *testing.T, method, target, body string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// searchResponse is an Elasticsearch 7 search response, every key the tests check.
type searchResponse struct {
	Took     *int64 `json:"took"`
	TimedOut *bool  `json:"timed_out"`
	Shards   struct {
		Total, Successful, Skipped, Failed int
	} `json:"_shards"`
	Hits struct {
		Total *struct {
			Value    int    `json:"value"`
			Relation string `json:"relation"`
		} `json:"total"`
		MaxScore *float64 `json:"max_score"`
		Hits     []struct {
			Index  string                     `json:"_index"`
			Type   string                     `json:"_type"`
			ID     string                     `json:"_id"`
			Score  *float64                   `json:"_score"`
			Source map[string]json.RawMessage `json:"_source"`
		} `json:"hits"`
	} `json:"hits"`
}

// decode parses a search response.
func decode(t *testing.T, body string) searchResponse {
	t.Helper()
	var r searchResponse
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("not a search response: %v\n%s", err, body)
	}
	if r.Took == nil || r.TimedOut == nil || *r.TimedOut || r.Shards.Total != 1 || r.Shards.Successful != 1 {
		t.Errorf("search response lacks took, timed_out or _shards: %s", body)
	}
	return r
}

// str decodes a JSON string value of a _source.
func str(raw json.RawMessage) string {
	var s string
	json.Unmarshal(raw, &s)
	return s
}
