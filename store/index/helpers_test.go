package index

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/store"
)

// t0 is the collector time of the first test payload; payload i arrives i minutes later.
var t0 = time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)

// rejectBad is a validator that rejects the schemas of vendor com.acme.bad and accepts
// everything else, so that the real enricher produces incomplete events.
type rejectBad struct{}

func (rejectBad) Validate(_ context.Context, schema string, _ json.RawMessage) enrich.Validation {
	v := enrich.Validation{Schema: schema}
	if strings.Contains(schema, "com.acme.bad/") {
		v.Error = &badrows.ClientError{Error: "ValidationError", DataReports: []badrows.DataReport{
			{Message: "$.price: is missing but it is required", Path: "$", Keyword: "required"},
		}}
	}
	return v
}

// env is a real store and a real enricher, with an index over them.
type env struct {
	t   testing.TB
	dir string
	st  *store.Store
	en  *enrich.Enricher
	ix  *Index
	n   int // payloads sent
}

// newEnv opens a store and an index in a fresh directory.
func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir()}
	var err error
	e.st, err = store.Open(e.dir, store.Options{NoSync: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	// Processing time is the collector time, so that failure timestamps fall with it.
	e.en = enrich.New(enrich.Config{Version: "1.0.0", Validator: rejectBad{}, Now: func() time.Time {
		return t0.Add(time.Duration(e.n) * time.Minute)
	}})
	e.open()
	t.Cleanup(func() {
		if e.ix != nil {
			if err := e.ix.Close(); err != nil {
				t.Error(err)
			}
		}
		if err := e.st.Close(); err != nil {
			t.Error(err)
		}
	})
	return e
}

// open opens the index of the environment.
func (e *env) open() { e.openWith(Options{}) }

// openWith opens the index with opts.
func (e *env) openWith(opts Options) {
	e.t.Helper()
	opts.Logger = slog.New(slog.DiscardHandler)
	ix, err := Open(filepath.Join(e.dir, "index"), e.st, opts)
	if err != nil {
		e.t.Fatal(err)
	}
	e.ix = ix
}

// send runs a collector payload for path and query (and a body, when not empty) through
// the enricher into the store and returns the first sequence written.
func (e *env) send(path string, q url.Values, body string) uint64 {
	e.t.Helper()
	ua := "Mozilla/5.0 (test)"
	p := &collector.Payload{
		Schema: collector.PayloadSchema, IPAddress: "203.0.113.7", Timestamp: t0.Add(time.Duration(e.n) * time.Minute),
		Encoding: "UTF-8", Collector: "plowbox-1.0.0", UserAgent: &ua, Path: path, Querystring: q.Encode(),
		Headers: []string{"Host: localhost"},
	}
	if body != "" {
		ct := "application/json"
		p.Body, p.ContentType = &body, &ct
	}
	res := e.en.Process(context.Background(), p)
	e.n++
	first, err := e.st.WriteSeq(context.Background(), res)
	if err != nil {
		e.t.Fatal(err)
	}
	return first
}

// track sends one tracker event with the given parameters (tv and p added).
func (e *env) track(params ...string) uint64 {
	e.t.Helper()
	q := url.Values{"tv": {"js-3.0.0"}, "p": {"web"}}
	for i := 0; i+1 < len(params); i += 2 {
		q.Set(params[i], params[i+1])
	}
	return e.send("/i", q, "")
}

// contexts renders entities as the co parameter.
func contexts(ents ...string) string {
	return `{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0","data":[` + strings.Join(ents, ",") + `]}`
}

// entity renders one self-describing entity.
func entity(schema, data string) string { return `{"schema":"` + schema + `","data":` + data + `}` }

// unstruct renders the ue_pr parameter.
func unstruct(schema, data string) string {
	return `{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":` + entity(schema, data) + `}`
}

const userSchema = "iglu:com.acme/user/jsonschema/1-0-0"

// sample writes the records most tests search, and waits until they are indexed:
//
//	1 page view, app shop, user plan pro age 30           (10:00)
//	2 struct event, app Blog, user plan free age "thirty" (10:01)
//	3 self-describing click, app shop, user plan {tier}   (10:02)
//	4 incomplete event (com.acme.bad schema)              (10:03)
//	5 payload bad row (unsupported vendor)                (10:04)
//	6 page view, app shop, a huge entity value            (10:05)
func (e *env) sample() {
	e.t.Helper()
	e.track("e", "pv", "aid", "shop", "eid", "11111111-1111-4111-8111-111111111111",
		"url", "https://shop.example.com/products/42?utm_source=news", "page", "Product 42 – Example Shop",
		"co", contexts(entity(userSchema, `{"plan":"pro","age":30}`)))
	e.track("e", "se", "aid", "Blog", "se_ca", "Shop", "se_ac", "add-to-basket", "se_va", "2.5",
		"co", contexts(entity(userSchema, `{"plan":"free","age":"thirty"}`)))
	e.track("e", "ue", "aid", "shop", "ue_pr", unstruct("iglu:com.acme/click/jsonschema/1-0-0", `{"target":"Buy now","pos":{"x":5}}`),
		"co", contexts(entity(userSchema, `{"plan":{"tier":"gold"}}`)))
	e.track("e", "ue", "aid", "shop", "ue_pr", unstruct("iglu:com.acme.bad/order/jsonschema/1-0-0", `{"sku":"X1"}`))
	e.send("/com.unknown/v1", url.Values{"secret": {"needle"}}, "")
	e.track("e", "pv", "aid", "shop", "co", contexts(entity(userSchema, `{"plan":"`+strings.Repeat("x", 20000)+`"}`)))
	e.sync()
}

// sync waits until the index itself has everything the store committed.
func (e *env) sync() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.ix.WaitIndexed(ctx, e.st.LastSeq()); err != nil {
		e.t.Fatal(err)
	}
}

// seqs runs q and returns the sequences of its hits.
func (e *env) seqs(q Query) []uint64 {
	e.t.Helper()
	res, err := e.ix.Search(context.Background(), q)
	if err != nil {
		e.t.Fatalf("Search(%+v): %v", q, err)
	}
	out := []uint64{}
	for _, h := range res.Hits {
		out = append(out, h.Seq)
	}
	return out
}
