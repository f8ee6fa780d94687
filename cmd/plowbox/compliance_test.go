package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
	switch {
	case c.Requires != nil:
		return "needs an outside service: " + *c.Requires
	case c.Expected["pii"] != "":
		return "the PII enrichment's pii_transformation event (emitEvent) is not built yet"
	case strings.Contains(string(joinRaw(c.Enrichments)), "iab_spiders_and_robots"):
		return "the IAB spiders and robots enrichment is not built yet"
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
			send(t, caseServer(t, c, st), c)

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
				for _, m := range c.Mismatches(events[0]) {
					t.Error(m)
				}
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

// caseServer starts the real router, collector and pipeline with the case's enrichments
// (their data files read from the black-box resources) and the clock pinned to the case.
func caseServer(t *testing.T, c *blackbox.Case, st *store.Store) string {
	t.Helper()
	list, _, err := enrichments.LoadConfigs(c.Enrichments, enrichments.Options{DataDir: blackboxResources})
	if err != nil {
		t.Fatalf("enrichments: %v", err)
	}
	t.Cleanup(func() { enrichments.Close(list) })
	enricher := enrich.New(enrich.Config{Version: version, Enrichments: list})
	pipe := newPipeline(enricher, st, io.Discard, io.Discard, "", false)
	cc := collector.DefaultConfig()
	cc.Name = collector.Name(version)
	cc.Now = c.Time
	srv := httptest.NewServer(web.New(web.Options{
		Collector: collector.New(cc, pipe, slog.New(slog.NewTextHandler(io.Discard, nil))),
		Store:     st,
		MicroAPI:  4,
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func joinRaw(list []json.RawMessage) []byte {
	var b []byte
	for _, r := range list {
		b = append(b, r...)
	}
	return b
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
