// Package webtest is what the tests of plowbox's HTTP surfaces share: the whole router
// over the real write path (fixture.Pipeline) on a loopback server, the same router under
// --auth basic with known users, and a control plane that records its calls.
package webtest

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/internal/testkit/fixture"
	"github.com/plowbox/plowbox/web"
	"github.com/plowbox/plowbox/web/auth"
	"github.com/plowbox/plowbox/web/explorer"
	"github.com/plowbox/plowbox/web/queryapi"
)

// Fixed values of the stack.
const (
	NUID    = "f3c2e5d0-8a4b-4c1e-9a7f-2b6d1e0c9a51" // every request's network_userid
	EIDShop = "9d6b1c8e-3f0a-4e2b-8c47-5a1d2e3f4b60"
	EIDBlog = "2c1a7e4b-5d3f-4a6b-9e8d-7f6a5b4c3d2e"
)

// T0 is the collector time of the seeds' first event.
var T0 = fixture.T0

// RejectAcmeBad accepts every schema but those of vendor com.acme.bad, whose data it
// rejects with a dataReport on $.price, so that the real enricher makes incomplete events.
type RejectAcmeBad struct{}

// Validate implements enrich.Validator.
func (RejectAcmeBad) Validate(_ context.Context, schema string, _ json.RawMessage) enrich.Validation {
	v := enrich.Validation{Schema: schema}
	if strings.Contains(schema, "com.acme.bad/") {
		v.Error = &badrows.ClientError{Error: "ValidationError", DataReports: []badrows.DataReport{
			{Message: "$.price: is missing but it is required", Path: "$.price", Keyword: "required", Targets: []string{"price"}},
		}}
	}
	return v
}

// Options adds to the stack.
type Options struct {
	Auth     *auth.Auth // --auth basic; nil is --auth none
	Explorer bool       // mount the explorer under /micro/ui/
	OnWait   func()     // web.Config.OnWait
}

// Stack is the real router on a real loopback server, over the real collector, enricher,
// bbolt store and bleve index in a temporary directory; At sets the collector's clock.
type Stack struct {
	*fixture.Pipeline
	*fixture.Server
	Handler http.Handler
}

// NewStack builds the stack. The enricher's validator is RejectAcmeBad, and every
// record written is reported to track-and-wait.
func NewStack(t testing.TB, o Options) *Stack {
	t.Helper()
	p := fixture.New(t, fixture.Options{Validator: RejectAcmeBad{}, NUID: NUID, Written: queryapi.NoteWritten})
	cfg := web.Config{Collector: p.Collector, Store: p.Store, Index: p.Index, Auth: o.Auth, MicroAPI: 4, Logger: p.Log, OnWait: o.OnWait}
	if o.Explorer {
		cfg.UI = &explorer.Options{Store: p.Store, Index: p.Index, Version: "1.2.3", Logger: p.Log}
	}
	h := web.New(cfg)
	return &Stack{Pipeline: p, Server: fixture.Serve(t, h), Handler: h}
}

// Send makes a request at collector time ts and requires a 200.
func (s *Stack) Send(t testing.TB, ts time.Time, method, path, contentType, body string) {
	t.Helper()
	s.At(ts)
	resp, b := s.Do(t, method, path, contentType, body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s = %d %s", method, path, resp.StatusCode, b)
	}
}

// Track sends a GET /i with query at collector time ts and requires a 200.
func (s *Stack) Track(t testing.TB, ts time.Time, query string) {
	t.Helper()
	s.Send(t, ts, http.MethodGet, "/i?"+query, "", "")
}

// Get sends a request and returns the status and body.
func (s *Stack) Get(t testing.TB, method, path, contentType, body string) (int, string) {
	t.Helper()
	resp, b := s.Do(t, method, path, contentType, body)
	return resp.StatusCode, b
}

// GetJSON fetches path, requires status and decodes the body into v.
func (s *Stack) GetJSON(t testing.TB, path string, status int, v any) {
	t.Helper()
	got, body := s.Get(t, http.MethodGet, path, "", "")
	if got != status {
		t.Fatalf("GET %s = %d %s, want %d", path, got, body, status)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, body)
	}
}

// SeedQuery stores the query API's standard records, oldest first:
//
//	10:00:00  good page_view   app shop, eid EIDShop
//	10:00:30  good struct      app Blog, eid EIDBlog, se_category shop
//	10:01:10  incomplete ping  app shop (invalid eid)
//	10:02:00  bad              a TP2 POST whose body is not JSON
//	10:03:00  good page_view   app shop, eid EIDShop again (a duplicate)
func (s *Stack) SeedQuery(t testing.TB) {
	t.Helper()
	s.Track(t, T0, "e=pv&p=web&tv=js-3.5.0&aid=shop&eid="+EIDShop+"&url=https%3A%2F%2Fshop.example%2Fcart&page=Cart")
	s.Track(t, T0.Add(30*time.Second), "e=se&p=web&tv=js-3.5.0&aid=Blog&eid="+EIDBlog+"&se_ca=shop&se_ac=add-to-basket&se_va=12.5")
	s.Track(t, T0.Add(70*time.Second), "e=pp&p=web&tv=js-3.5.0&aid=shop&eid=invalidEventId")
	s.Send(t, T0.Add(2*time.Minute), http.MethodPost, "/com.snowplowanalytics.snowplow/tp2", "application/json", `{"schema":`)
	s.Track(t, T0.Add(3*time.Minute), "e=pv&p=mob&tv=js-3.5.0&aid=shop&eid="+EIDShop+"&url=https%3A%2F%2Fshop.example%2Fthanks")
}

// uuidPattern matches the random ids the pipeline generates.
var uuidPattern = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// MaskIDs replaces generated UUIDs (all but the stack's own) with a placeholder, so that
// golden files are stable.
func MaskIDs(b []byte) []byte {
	return uuidPattern.ReplaceAllFunc(b, func(id []byte) []byte {
		switch string(id) {
		case NUID, EIDShop, EIDBlog:
			return id
		}
		return []byte("<generated-uuid>")
	})
}
