package main

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/plowbox/plowbox/internal/pipeline"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/enrichments"
	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/internal/blackbox"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web"
)

const (
	blackboxCases     = "../../../shared/testdata/enrich-blackbox/cases.json"
	blackboxResources = "../../../shared/testdata/enrich-blackbox/resources"
)

// skipReason says why plowbox cannot replay a case yet, or "" when it must pass.
func skipReason(c *blackbox.Case) string {
	if c.Requires != nil {
		return "needs an outside service: " + *c.Requires
	}
	return ""
}

// TestEnrichBlackbox replays Snowplow Enrich's own black-box cases through plowbox's HTTP
// collector (the real router, collector, enricher and store, the clock pinned to each
// case's timestamp) and compares the enriched TSV fields.
func TestEnrichBlackbox(t *testing.T) {
	cases, err := blackbox.Load(blackboxCases)
	if err != nil {
		t.Fatal(err)
	}

	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	passed, skipped := map[string]int{}, map[string]int{}
	for i := range cases {
		c := &cases[i]
		t.Run(c.Name, func(t *testing.T) {
			if reason := skipReason(c); reason != "" {
				skipped[c.Folder]++
				t.Skip(reason)
			}
			if err := st.Reset(); err != nil {
				t.Fatal(err)
			}
			rec := &recorder{Writer: st}
			send(t, caseServer(t, c, rec), c)

			var bad []string
			st.Bad(func(r *store.Record) bool { bad = append(bad, string(r.BadRow)); return true })
			if len(bad) > 0 {
				t.Fatalf("bad rows: %s", strings.Join(bad, "\n"))
			}
			var events []*event.Event
			st.Good(func(r *store.Record) bool { events = append(events, r.Event); return true })
			if len(events) != c.ExpectedEventCount {
				t.Fatalf("%d good events, want %d", len(events), c.ExpectedEventCount)
			}
			if len(c.Expected) > 0 {
				fields := *c
				fields.Expected = maps.Clone(c.Expected)
				delete(fields.Expected, "pii") // not a field: the pii_transformation event, checked below
				for _, m := range fields.Mismatches(events[0]) {
					t.Error(m)
				}
			}
			if want, ok := c.Expected["pii"]; ok {
				checkPII(t, rec, want)
			}
			if !t.Failed() {
				passed[c.Folder]++
			}
		})
	}
	for _, folder := range []string{"misc", "adapters", "enrichments"} {
		t.Logf("black-box %s: %d passed, %d skipped", folder, passed[folder], skipped[folder])
	}
}

// recorder is the pipeline's store that also keeps the results, to see what is not
// stored (the PII enrichment's pii_transformation events).
type recorder struct {
	pipeline.Writer
	mu      sync.Mutex
	results []*enrich.Result
}

func (r *recorder) WriteSeq(ctx context.Context, res *enrich.Result) (uint64, error) {
	r.mu.Lock()
	r.results = append(r.results, res)
	r.mu.Unlock()
	return r.Writer.WriteSeq(ctx, res)
}

// checkPII compares the unstruct_event of the one pii_transformation event emitted with
// the case's expected `pii` value, exactly.
func checkPII(t *testing.T, rec *recorder, want string) {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var pii []*event.Event
	for _, res := range rec.results {
		for _, o := range res.Outputs {
			if o.PII != nil {
				pii = append(pii, o.PII)
			}
		}
	}
	if len(pii) != 1 {
		t.Fatalf("%d pii_transformation events, want 1", len(pii))
	}
	if got := strings.Split(string(pii[0].TSV()), "\t")[event.UnstructEvent]; got != want {
		t.Errorf("pii:\n got %s\nwant %s", got, want)
	}
}

// caseServer starts the real router, collector and pipeline with the case's enrichments
// (their data files read from the black-box resources) and the clock pinned to the case.
func caseServer(t *testing.T, c *blackbox.Case, st *recorder) string {
	t.Helper()
	list, _, err := enrichments.LoadConfigs(c.Enrichments, enrichments.Options{DataDir: blackboxResources})
	if err != nil {
		t.Fatalf("enrichments: %v", err)
	}
	t.Cleanup(func() { enrichments.Close(list) })
	enricher := enrich.New(enrich.Config{Version: version, Enrichments: list})
	pipe := pipeline.New(enricher, st, pipeline.Options{})
	cc := collector.DefaultConfig()
	cc.Name = collector.Name(version)
	cc.Now = c.Time
	srv := httptest.NewServer(web.New(web.Config{
		Collector: collector.New(cc, pipe, slog.New(slog.NewTextHandler(io.Discard, nil))),
		Store:     st.Writer.(*store.Store),
		MicroAPI:  4,
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// send replays a case's request as its README describes.
func send(t *testing.T, base string, c *blackbox.Case) {
	t.Helper()
	r := c.Request
	url := base + r.Path
	if r.Querystring != nil {
		url += "?" + *r.Querystring
	}
	var body io.Reader
	if r.Body != nil {
		body = strings.NewReader(*r.Body)
	}
	req, err := http.NewRequest(r.Method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if r.ContentType != nil {
		req.Header.Set("Content-Type", *r.ContentType)
	}
	for _, h := range r.Headers {
		if name, value, ok := strings.Cut(h, ": "); ok {
			req.Header.Add(name, value)
		}
	}
	if r.IPAddress != "" {
		req.Header.Set("X-Forwarded-For", r.IPAddress)
	}
	if r.UserAgent != nil {
		req.Header.Set("User-Agent", *r.UserAgent)
	} else {
		req.Header["User-Agent"] = nil
	}
	if r.RefererURI != nil {
		req.Header.Set("Referer", *r.RefererURI)
	}
	if r.NetworkUserID != nil {
		req.AddCookie(&http.Cookie{Name: "sp", Value: *r.NetworkUserID})
	}
	if r.Hostname != nil {
		req.Host = *r.Hostname
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d", r.Method, r.Path, resp.StatusCode)
	}
}
