package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web"
)

const blackbox = "../../../shared/testdata/enrich-blackbox"

// blackboxCase is one of Snowplow Enrich's black-box cases (see its README).
type blackboxCase struct {
	Name    string `json:"name"`
	Folder  string `json:"folder"`
	Request struct {
		Path        string   `json:"path"`
		Method      string   `json:"method"`
		Querystring *string  `json:"querystring"`
		Body        *string  `json:"body"`
		ContentType *string  `json:"contentType"`
		Headers     []string `json:"headers"`
		IPAddress   string   `json:"ipAddress"`
		UserAgent   *string  `json:"userAgent"`
		RefererURI  *string  `json:"refererUri"`
		Timestamp   struct {
			Ms int64 `json:"ms"`
		} `json:"timestamp"`
		NetworkUserID *string `json:"networkUserId"`
		Hostname      string  `json:"hostname"`
		ThriftBase64  *string `json:"thriftBase64"`
	} `json:"request"`
	Enrichments        []json.RawMessage `json:"enrichments"`
	Expected           map[string]string `json:"expected"`
	ExpectedEventCount int               `json:"expectedEventCount"`
	Requires           *string           `json:"requires"`
}

// skipReason says why plowbox cannot replay a case yet, or "" when it must pass.
func skipReason(c blackboxCase) string {
	switch {
	case c.Requires != nil:
		return "needs an outside service: " + *c.Requires
	case c.Request.ThriftBase64 != nil:
		return "input is a raw Thrift collector payload, not an HTTP request"
	case len(c.Enrichments) > 0:
		return "configurable enrichments are not built yet"
	}
	return ""
}

// TestEnrichBlackbox replays Snowplow Enrich's own black-box cases through plowbox's HTTP
// collector (the real router, collector, enricher and store, the clock pinned to each
// case's timestamp) and compares the enriched TSV fields.
func TestEnrichBlackbox(t *testing.T) {
	raw, err := os.ReadFile(blackbox + "/cases.json")
	if err != nil {
		t.Fatalf("read black-box cases: %v", err)
	}
	var cases []blackboxCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}

	var now atomic.Int64
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	enricher := enrich.New(enrich.Config{Version: version})
	pipe := newPipeline(enricher, st, io.Discard, io.Discard, "", false)
	cc := collector.DefaultConfig()
	cc.Name = collector.Name(version)
	cc.Now = func() time.Time { return time.UnixMilli(now.Load()).UTC() }
	srv := httptest.NewServer(web.New(web.Options{
		Collector: collector.New(cc, pipe, slog.New(slog.NewTextHandler(io.Discard, nil))),
		Store:     st,
		MicroAPI:  4,
	}))
	t.Cleanup(srv.Close)

	passed, skipped := map[string]int{}, map[string]int{}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			if reason := skipReason(c); reason != "" {
				skipped[c.Folder]++
				t.Skip(reason)
			}
			if err := st.Reset(); err != nil {
				t.Fatal(err)
			}
			now.Store(c.Request.Timestamp.Ms)
			send(t, srv.URL, c)

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
				checkTSVFields(t, events[0], c.Expected)
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

// send replays a case's request as its README describes.
func send(t *testing.T, base string, c blackboxCase) {
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
	req.Host = r.Hostname
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d", r.Method, r.Path, resp.StatusCode)
	}
}

// checkTSVFields compares expected enriched fields with the event's TSV columns: JSON
// columns as JSON values, everything else as exact strings.
func checkTSVFields(t *testing.T, ev *event.Event, expected map[string]string) {
	t.Helper()
	cols := strings.Split(string(ev.TSV()), "\t")
	if len(cols) != event.NumFields {
		t.Fatalf("TSV has %d columns", len(cols))
	}
	index := map[string]int{}
	for i, f := range event.Fields {
		index[f.Name] = i
	}
	for name, want := range expected {
		i, ok := index[name]
		if !ok {
			t.Errorf("unknown expected field %q", name)
			continue
		}
		got := cols[i]
		switch name {
		case "unstruct_event", "contexts", "derived_contexts":
			if !jsonEqual(got, want) {
				t.Errorf("%s:\n got %s\nwant %s", name, got, want)
			}
		default:
			if got != want {
				t.Errorf("%s = %q, want %q", name, got, want)
			}
		}
	}
}

func jsonEqual(a, b string) bool {
	if a == "" || b == "" {
		return a == b
	}
	var x, y any
	dx := json.NewDecoder(bytes.NewReader([]byte(a)))
	dx.UseNumber()
	dy := json.NewDecoder(bytes.NewReader([]byte(b)))
	dy.UseNumber()
	if dx.Decode(&x) != nil || dy.Decode(&y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
