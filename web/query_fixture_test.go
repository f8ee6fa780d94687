package web

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/<name>; -update rewrites the file.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs (run with -update to accept):\ngot  %s\nwant %s", name, got, want)
	}
}

// Fixed values of the query fixture.
const (
	testNUID = "f3c2e5d0-8a4b-4c1e-9a7f-2b6d1e0c9a51"
	eidShop  = "9d6b1c8e-3f0a-4e2b-8c47-5a1d2e3f4b60"
	eidBlog  = "2c1a7e4b-5d3f-4a6b-9e8d-7f6a5b4c3d2e"
)

// t0 is the collector time of the fixture's first event.
var t0 = time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)

// queryFixture is the real router on a real loopback server, with the collector, the
// enricher, a bbolt store and the bleve index in a temporary directory. The collector's
// clock is set per request with at.
type queryFixture struct {
	url string
	h   http.Handler
	st  *store.Store
	ix  *index.Index

	mu  sync.Mutex
	now time.Time
}

func newQueryFixture(t testing.TB, auth *Auth) *queryFixture {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{NoSync: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ix, err := index.Open(filepath.Join(dir, "index"), st, index.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })

	f := &queryFixture{st: st, ix: ix, now: t0}
	// Enrichment runs half a second after receipt (etl_tstamp, bad-row timestamps).
	enr := enrich.New(enrich.Config{Version: "1.0.0", Now: func() time.Time {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.now.Add(500 * time.Millisecond)
	}})
	sink := collector.SinkFunc(func(ctx context.Context, p *collector.Payload) error {
		res := enr.Process(ctx, p)
		first, err := st.WriteSeq(ctx, res)
		if err != nil {
			return err
		}
		NoteWritten(ctx, first, len(res.Outputs))
		return nil
	})
	cc := collector.DefaultConfig()
	cc.Name = collector.Name("1.0.0")
	cc.Now = func() time.Time {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.now
	}
	cc.NewID = func() string { return testNUID }
	f.h = New(Options{Collector: collector.New(cc, sink, log), Store: st, Index: ix, Auth: auth, MicroAPI: 4, Logger: log})
	srv := httptest.NewServer(f.h)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// at sets the collector time of the next requests.
func (f *queryFixture) at(ts time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = ts
}

// track sends a GET /i with query at collector time ts and requires a 200.
func (f *queryFixture) track(t *testing.T, ts time.Time, query string) {
	t.Helper()
	f.at(ts)
	status, body := f.do(t, http.MethodGet, "/i?"+query, "", "")
	if status != http.StatusOK {
		t.Fatalf("GET /i?%s = %d %s", query, status, body)
	}
}

// post sends a tracker POST (TP2 or a webhook) at collector time ts.
func (f *queryFixture) post(t *testing.T, ts time.Time, path, contentType, body string) {
	t.Helper()
	f.at(ts)
	status, resp := f.do(t, http.MethodPost, path, contentType, body)
	if status != http.StatusOK {
		t.Fatalf("POST %s = %d %s", path, status, resp)
	}
}

// do sends a request to the fixture's server and returns the status and body.
func (f *queryFixture) do(t *testing.T, method, path, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, f.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// getJSON fetches path, requires status and decodes the body into v.
func (f *queryFixture) getJSON(t *testing.T, path string, status int, v any) {
	t.Helper()
	got, body := f.do(t, http.MethodGet, path, "", "")
	if got != status {
		t.Fatalf("GET %s = %d %s, want %d", path, got, body, status)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, body)
	}
}

// seed stores the fixture's standard records, oldest first:
//
//	10:00:00  good page_view   app shop, eid eidShop
//	10:00:30  good struct      app Blog, eid eidBlog, se_category shop
//	10:01:10  incomplete ping  app shop (invalid eid)
//	10:02:00  bad              a TP2 POST whose body is not JSON
//	10:03:00  good page_view   app shop, eid eidShop again (a duplicate)
func (f *queryFixture) seed(t *testing.T) {
	t.Helper()
	f.track(t, t0, "e=pv&p=web&tv=js-3.5.0&aid=shop&eid="+eidShop+"&url=https%3A%2F%2Fshop.example%2Fcart&page=Cart")
	f.track(t, t0.Add(30*time.Second), "e=se&p=web&tv=js-3.5.0&aid=Blog&eid="+eidBlog+"&se_ca=shop&se_ac=add-to-basket&se_va=12.5")
	f.track(t, t0.Add(70*time.Second), "e=pp&p=web&tv=js-3.5.0&aid=shop&eid=invalidEventId")
	f.post(t, t0.Add(2*time.Minute), "/com.snowplowanalytics.snowplow/tp2", "application/json", `{"schema":`)
	f.track(t, t0.Add(3*time.Minute), "e=pv&p=mob&tv=js-3.5.0&aid=shop&eid="+eidShop+"&url=https%3A%2F%2Fshop.example%2Fthanks")
}

// uuidPattern matches the random ids the pipeline generates.
var uuidPattern = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// maskIDs replaces generated UUIDs (all but the fixture's own) with a placeholder, so
// that golden files are stable.
func maskIDs(b []byte) []byte {
	return uuidPattern.ReplaceAllFunc(b, func(id []byte) []byte {
		switch string(id) {
		case testNUID, eidShop, eidBlog:
			return id
		}
		return []byte("<generated-uuid>")
	})
}
