package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
)

// uiT0 is the collector time of the explorer fixture's first event.
var uiT0 = time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)

// rejectAcmeBad accepts every schema but those of vendor com.acme.bad, whose data it
// rejects with a dataReport on $.price, so that the real enricher makes incomplete events.
type rejectAcmeBad struct{}

func (rejectAcmeBad) Validate(_ context.Context, schema string, _ json.RawMessage) enrich.Validation {
	v := enrich.Validation{Schema: schema}
	if strings.Contains(schema, "com.acme.bad/") {
		v.Error = &badrows.ClientError{Error: "ValidationError", DataReports: []badrows.DataReport{
			{Message: "$.price: is missing but it is required", Path: "$.price", Keyword: "required", Targets: []string{"price"}},
		}}
	}
	return v
}

// uiFixture is the real router with the explorer on a loopback server, over a real
// collector, enricher, bbolt store and bleve index in a temporary directory.
type uiFixture struct {
	url string
	st  *store.Store
	ix  *index.Index

	mu  sync.Mutex
	now time.Time
}

func newUIFixture(t *testing.T) *uiFixture {
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
	f := &uiFixture{st: st, ix: ix, now: uiT0}
	enr := enrich.New(enrich.Config{Version: "1.0.0", Validator: rejectAcmeBad{}})
	sink := collector.SinkFunc(func(ctx context.Context, p *collector.Payload) error {
		return st.Write(ctx, enr.Process(ctx, p))
	})
	cc := collector.DefaultConfig()
	cc.Name = collector.Name("1.0.0")
	cc.Now = func() time.Time {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.now
	}
	h := New(Options{Collector: collector.New(cc, sink, log), Store: st, MicroAPI: 4, Logger: log,
		UI: &UIOptions{Store: st, Index: ix, Version: "1.2.3", Logger: log}, Index: ix})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// send makes a tracker request at collector time ts and requires a 200.
func (f *uiFixture) send(t *testing.T, ts time.Time, method, path, contentType, body string) {
	t.Helper()
	f.mu.Lock()
	f.now = ts
	f.mu.Unlock()
	resp, b := f.get(t, method, path, contentType, body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s = %d %s", method, path, resp.StatusCode, b)
	}
}

// get sends a request without following redirects and returns the response and body.
func (f *uiFixture) get(t *testing.T, method, path, contentType, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, f.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// Sequences of the records seed stores: one per output, in arrival order.
const (
	seqPageView   = 1 // good page_view, app shop
	seqStruct     = 2 // good struct event, app blog
	seqIncomplete = 3 // incomplete: self-describing event com.acme.bad/checkout misses price
	seqBadEID     = 4 // bad row: tracker_protocol_violations on eid
	seqNotJSON    = 5 // bad row: a TP2 body that is not JSON
	seqDuplicate  = 6 // good page_view with the event_id of seqPageView
)

// seedEID is the event_id of the seed's page views.
const seedEID = "9d6b1c8e-3f0a-4e2b-8c47-5a1d2e3f4b60"

// seed stores the fixture's records (see the seq* constants).
func (f *uiFixture) seed(t *testing.T) {
	t.Helper()
	ue := `{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"iglu:com.acme.bad/checkout/jsonschema/1-0-0","data":{"sku":"ASO01043"}}}`
	co := `{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1","data":[{"schema":"iglu:com.acme/user/jsonschema/1-0-0","data":{"plan":"pro"}}]}`
	f.send(t, uiT0, "GET", "/i?e=pv&p=web&tv=js-3.5.0&aid=shop&eid="+seedEID+"&url=https%3A%2F%2Fshop.example%2Fcart&page=Cart", "", "")
	f.send(t, uiT0.Add(30*time.Second), "GET", "/i?e=se&p=web&tv=js-3.5.0&aid=blog&se_ca=shop&se_ac=add-to-basket", "", "")
	f.send(t, uiT0.Add(time.Minute), "GET", "/i?e=ue&p=web&tv=js-3.5.0&aid=shop&ue_pr="+urlEscape(ue)+"&co="+urlEscape(co), "", "")
	f.send(t, uiT0.Add(90*time.Second), "GET", "/i?e=pp&p=web&tv=js-3.5.0&aid=shop&eid=not-a-uuid", "", "")
	f.send(t, uiT0.Add(2*time.Minute), "POST", "/com.snowplowanalytics.snowplow/tp2", "application/json", `{"schema":`)
	f.send(t, uiT0.Add(3*time.Minute), "GET", "/i?e=pv&p=mob&tv=js-3.5.0&aid=shop&eid="+seedEID+"&url=https%3A%2F%2Fshop.example%2Fthanks", "", "")
}

// urlEscape percent-encodes a query parameter value.
func urlEscape(s string) string { return url.QueryEscape(s) }
