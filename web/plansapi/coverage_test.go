package plansapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/internal/cputime"
	"github.com/plowbox/plowbox/internal/plans"
	"github.com/plowbox/plowbox/internal/runs"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
)

// coverageStack is the plans API over a real store and index, with the plans of
// testdata/plans, and a way to store checked events without HTTP.
type coverageStack struct {
	st  *store.Store
	ix  *index.Index
	lib *plans.Library
	en  *enrich.Enricher
	h   http.Handler
	t0  time.Time
}

func newCoverageStack(tb testing.TB) *coverageStack {
	tb.Helper()
	log := slog.New(slog.DiscardHandler)
	st, err := store.Open(tb.TempDir(), store.Options{NoSync: true, Logger: log})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	ix, err := index.Open(filepath.Join(tb.TempDir(), "index"), st, index.Options{Logger: log})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	lib, err := plans.NewLibrary([]string{"testdata/plans"}, st, log)
	if err != nil || len(lib.Errors()) > 0 {
		tb.Fatalf("load plans: %v %v", err, lib.Errors())
	}
	reg, err := runs.NewRegistry(st, nil)
	if err != nil {
		tb.Fatal(err)
	}
	api := New(Options{Index: ix, Store: st, Library: lib, Runs: reg, Logger: log})
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	api.Mount(r)
	return &coverageStack{st: st, ix: ix, lib: lib, en: enrich.New(enrich.Config{Version: "test"}), h: r,
		t0: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
}

const webPageEntity = `{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0","data":[` +
	`{"schema":"iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0","data":{"id":"a0b5d8d9-6c3b-4b55-9b2b-7c1d3b1f4e22"}}]}`

// track enriches, checks and stores one GET /i of query in run at t0 plus offset.
func (s *coverageStack) track(tb testing.TB, run string, offset time.Duration, query url.Values) {
	tb.Helper()
	ua := "coverage-test"
	p := &collector.Payload{Schema: collector.PayloadSchema, IPAddress: "203.0.113.7", Timestamp: s.t0.Add(offset),
		Encoding: "UTF-8", Collector: "plowbox-test", UserAgent: &ua, Path: "/i", Querystring: query.Encode()}
	res := s.en.Process(context.Background(), p)
	s.lib.Checker().Apply(res)
	for i := range res.Outputs {
		res.Outputs[i].Run = run
	}
	if _, err := s.st.WriteSeq(context.Background(), res); err != nil {
		tb.Fatal(err)
	}
}

// pageView is a page view of app on path, with the web_page entity when withPage.
func pageView(app, path string, withPage bool) url.Values {
	q := url.Values{"e": {"pv"}, "p": {"web"}, "tv": {"js-4.0.0"}, "aid": {app}, "url": {"https://shop.example" + path}}
	if withPage {
		q.Set("co", webPageEntity)
	}
	return q
}

// coverage answers GET /plowbox/api/plans/coverage?query, once the index has every record.
func (s *coverageStack) coverage(tb testing.TB, query string) string {
	tb.Helper()
	if err := s.ix.Sync(context.Background(), s.st.LastSeq()); err != nil {
		tb.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/plowbox/api/plans/coverage?"+query, nil))
	if rec.Code != http.StatusOK {
		tb.Fatalf("coverage?%s = %d %s", query, rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// Coverage counts, per specification, the checked events of a run (or of a time range)
// that matched it, valid or not, with their last time and errors; never-seen
// specifications first; unplanned events apart.
func TestCoverage(t *testing.T) {
	s := newCoverageStack(t)
	s.track(t, "ci-1", 0, pageView("shop", "/products/1", true))
	s.track(t, "ci-1", time.Second, pageView("shop", "/products/2", false))
	s.track(t, "ci-1", 2*time.Second, pageView("shop", "/cart", true))
	s.track(t, "ci-1", 3*time.Second, pageView("shop", "/thanks", false))
	s.track(t, "ci-1", 4*time.Second, pageView("blog", "/", true))
	s.track(t, "ci-2", 5*time.Second, pageView("shop", "/products/3", true))
	s.track(t, "", 6*time.Second, pageView("shop", "/products/4", false))

	const checkout = `{"id":"7a2b3c4d-1111-4000-8000-000000000002","name":"Checkout started","seen":0,"valid":0,"invalid":0,"last_seen":null,"errors":[]}`
	missing := `{"message":"entity iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0: expected at least 1, got 0","count":%d}`
	viewed := func(seen, valid, invalid int, last string, errs int) string {
		e := "[]"
		if errs > 0 {
			e = "[" + fmt.Sprintf(missing, errs) + "]"
		}
		return fmt.Sprintf(`{"id":"7a2b3c4d-1111-4000-8000-000000000001","name":"Product viewed","seen":%d,"valid":%d,"invalid":%d,"last_seen":"%s","errors":%s}`,
			seen, valid, invalid, last, e)
	}
	product := func(specs string) string {
		return `{"data_products":[{"id":"7a2b3c4d-0000-4000-8000-00000000d001","name":"E-commerce","specs":[` + specs + `]}]`
	}
	for _, tt := range []struct{ query, want string }{
		{"run=ci-1", product(checkout+","+viewed(4, 2, 2, "2026-12-03T10:00:03.000Z", 2)) + `,"unplanned":1}`},
		{"run=ci-2", product(checkout+","+viewed(1, 1, 0, "2026-12-03T10:00:05.000Z", 0)) + `,"unplanned":0}`},
		{"run=ci-3", product(`{"id":"7a2b3c4d-1111-4000-8000-000000000001","name":"Product viewed","seen":0,"valid":0,"invalid":0,"last_seen":null,"errors":[]},`+checkout) + `,"unplanned":0}`},
		{"", product(checkout+","+viewed(6, 3, 3, "2026-12-03T10:00:06.000Z", 3)) + `,"unplanned":1}`},
		{"start=2026-12-03T10:00:01Z&end=2026-12-03T10:00:05Z", product(checkout+","+viewed(3, 1, 2, "2026-12-03T10:00:03.000Z", 2)) + `,"unplanned":1}`},
	} {
		if got := s.coverage(t, tt.query); got != tt.want {
			t.Errorf("coverage?%s =\n%s\nwant\n%s", tt.query, got, tt.want)
		}
	}
}

// BenchmarkCoverage is GET /plowbox/api/plans/coverage?run=… over a run of 5,000 checked
// page views (a fifth of them invalid, one in ten unplanned) among 1,000 of another run.
func BenchmarkCoverage(b *testing.B) {
	s := newCoverageStack(b)
	for i := range 6000 {
		run, q := "ci-big", pageView("shop", fmt.Sprintf("/products/%d", i), i%5 != 0)
		switch {
		case i >= 5000:
			run = "ci-other"
		case i%10 == 1:
			q = pageView("blog", "/", true)
		}
		s.track(b, run, time.Duration(i)*time.Millisecond, q)
	}
	want := s.coverage(b, "run=ci-big")
	b.ReportAllocs()
	cpu := cputime.Self()
	for b.Loop() {
		if got := s.coverage(b, "run=ci-big"); got != want {
			b.Fatalf("coverage changed:\n%s\nwant\n%s", got, want)
		}
	}
	b.ReportMetric(float64(cputime.Self()-cpu)/float64(b.N), "cpu-ns/op")
}
