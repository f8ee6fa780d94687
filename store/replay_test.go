package store

import (
	"context"
	"encoding/json"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/enrich/iglu"
)

// igluCentral is Iglu Central's schemas, for the Snowplow wrapper schemas.
const igluCentral = "../../shared/testdata/iglu-central"

// replayRig is a real enricher whose resolver reads the store's built-in registry first,
// then Iglu Central from disk: publishing a schema with PutSchema and flushing the
// resolver is what the registry API does.
type replayRig struct {
	s        *Store
	en       *enrich.Enricher
	resolver *iglu.Resolver
}

func newReplayRig(t *testing.T, s *Store) *replayRig {
	t.Helper()
	builtin := &iglu.FuncRepository{RepoName: "plowbox", RepoClass: iglu.ClassEmbedded, Prefixes: []string{},
		Func: func(_ context.Context, key iglu.SchemaKey) ([]byte, error) {
			body, _, ok, err := s.GetSchema(key.Path())
			if err == nil && !ok {
				err = iglu.ErrNotFound
			}
			return body, err
		}}
	r := iglu.NewResolver(iglu.Options{CacheSize: 100, Builtin: builtin, Logger: quiet(),
		Repositories: []iglu.Repository{iglu.NewEmbeddedRepository("Iglu Central", 0, []string{}, igluCentral)}})
	en := enrich.New(enrich.Config{Version: "1.0.0", Validator: iglu.NewValidator(r, quiet())})
	return &replayRig{s: s, en: en, resolver: r}
}

// publish puts the checkout schema in the built-in registry.
func (rr *replayRig) publish(t *testing.T) {
	t.Helper()
	schema := `{"$schema":"http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#",
		"self":{"vendor":"com.acme","name":"checkout","format":"jsonschema","version":"1-0-0"},
		"type":"object","properties":{"total":{"type":"integer"}},"required":["total"],"additionalProperties":false}`
	if _, err := rr.s.PutSchema("com.acme/checkout/jsonschema/1-0-0", []byte(schema), true); err != nil {
		t.Fatal(err)
	}
	rr.resolver.Flush()
}

// checkout is a GET /i payload of a checkout self-describing event; total is its JSON
// value.
func checkout(ts time.Time, total string) *collector.Payload {
	ue := `{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"iglu:com.acme/checkout/jsonschema/1-0-0","data":{"total":` + total + `}}}`
	q := "e=ue&p=web&tv=js-3.0.0&aid=shop&ue_pr=" + url.QueryEscape(ue)
	return &collector.Payload{Schema: collector.PayloadSchema, IPAddress: "10.0.0.1", Timestamp: ts, Encoding: "UTF-8",
		Collector: "plowbox-1.0.0", Path: "/i", Querystring: q}
}

// tp2 is a TP2 POST payload of the given events (tracker parameters as JSON objects).
func tp2(ts time.Time, body string) *collector.Payload {
	ct := "application/json"
	return &collector.Payload{Schema: collector.PayloadSchema, IPAddress: "10.0.0.1", Timestamp: ts, Encoding: "UTF-8",
		Collector: "plowbox-1.0.0", Path: "/com.snowplowanalytics.snowplow/tp2", ContentType: &ct, Body: &body}
}

func (rr *replayRig) write(t *testing.T, p *collector.Payload) (uint64, *enrich.Result) {
	t.Helper()
	res := rr.en.Process(context.Background(), p)
	first, err := rr.s.WriteSeq(context.Background(), res)
	if err != nil {
		t.Fatal(err)
	}
	return first, res
}

func TestReplay(t *testing.T) {
	dels, onDelete := deletedLog()
	dir := t.TempDir()
	s, err := Open(dir, Options{OnDelete: onDelete, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	// A second subscriber, and a third that unsubscribes: each live one hears of every
	// deletion.
	dels2, onDelete2 := deletedLog()
	s.OnDelete(onDelete2)
	dels3, onDelete3 := deletedLog()
	s.OnDelete(onDelete3)()
	rr := newReplayRig(t, s)
	ts := time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)

	// 1: good page view. 2: checkout, schema unknown. 3: checkout whose data will stay
	// invalid. 4: a TP2 batch with a page view (good) and a checkout (bad) from one
	// payload. 5: adapter failure (not JSON).
	rr.write(t, &collector.Payload{Schema: collector.PayloadSchema, Timestamp: ts, Collector: "plowbox-1.0.0", Encoding: "UTF-8", Path: "/i", Querystring: "e=pv&p=web&tv=t&aid=shop"})
	rr.write(t, checkout(ts, "3"))
	rr.write(t, checkout(ts, `"three"`))
	ue := `{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"iglu:com.acme/checkout/jsonschema/1-0-0","data":{"total":4}}}`
	rr.write(t, tp2(ts, `{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","data":[`+
		`{"e":"pv","p":"web","tv":"t","eid":"5d2f8e7c-1a4b-4c3d-9e8f-0a1b2c3d4e5f"},`+
		`{"e":"ue","p":"web","tv":"t","eid":"6d2f8e7c-1a4b-4c3d-9e8f-0a1b2c3d4e5f","ue_pr":`+jsonString(ue)+`}]}`))
	rr.write(t, tp2(ts, `not json`))
	if got, want := s.Counts(), (Counts{Good: 2, Bad: 4, Incomplete: 3}); got != want {
		t.Fatalf("before replay: Counts() = %+v, want %+v", got, want)
	}

	bad, err := s.BadSeqs()
	if err != nil {
		t.Fatal(err)
	}
	if want := []uint64{2, 3, 5, 6}; !reflect.DeepEqual(bad, want) {
		t.Fatalf("BadSeqs() = %v, want %v", bad, want)
	}

	rr.publish(t)
	res, err := s.Replay(context.Background(), rr.en, append(bad, 1, 99)) // a good event and a missing record are skipped
	if err != nil {
		t.Fatal(err)
	}
	want := ReplayResult{Replayed: 4, Good: 2, StillBad: 2, Skipped: 2, Records: []Replayed{
		{From: 2, To: 7, Stage: enrich.StageGood},
		{From: 3, To: 8, Stage: enrich.StageValidation},
		{From: 5, To: 9, Stage: enrich.StageGood},
		{From: 6, To: 10, Stage: enrich.StageAdapter},
	}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("Replay() = %+v\nwant %+v", res, want)
	}
	if got, want := s.Counts(), (Counts{Good: 4, Bad: 2, Incomplete: 1}); got != want {
		t.Errorf("after replay: Counts() = %+v, want %+v", got, want)
	}
	checkConsistentReplay(t, s)
	if got := dels2.get(); !reflect.DeepEqual(got, []uint64{2, 3, 5, 6}) || dels3.get() != nil {
		t.Errorf("second subscriber heard of %v, the cancelled one of %v; want [2 3 5 6] and nothing", got, dels3.get())
	}
	checkConsistent(t, s)
	if got := dels.get(); !reflect.DeepEqual(got, []uint64{2, 3, 5, 6}) {
		t.Errorf("OnDelete got %v, want the replaced bad rows", got)
	}

	recs := map[uint64]*Record{}
	if err := s.Since(0, func(r *Record) bool { recs[r.Seq] = r; return true }); err != nil {
		t.Fatal(err)
	}
	for _, seq := range []uint64{2, 3, 5, 6} {
		if recs[seq] != nil {
			t.Errorf("replayed bad row %d is still there", seq)
		}
	}
	if r := recs[7]; r == nil || r.ReplayOf != 2 || r.Event.Get(event.UnstructEvent) == "" || r.Payload.Querystring != checkout(ts, "3").Querystring {
		t.Errorf("record 7 = %+v, want the checkout now good, replaying 2, with its payload", r)
	}
	if r := recs[8]; r == nil || r.ReplayOf != 3 || !strings.Contains(string(r.BadRow), "schema_violations") || !strings.Contains(string(r.BadRow), "total") {
		t.Errorf("record 8 = %+v, want a new schema violation about total", r)
	}
	// Only the failed event of the batch is re-run: the page view is not duplicated.
	if r := recs[9]; r == nil || r.ReplayOf != 5 || r.Event.Get(event.EventID) != "6d2f8e7c-1a4b-4c3d-9e8f-0a1b2c3d4e5f" {
		t.Errorf("record 9 = %+v, want the batch's checkout", r)
	}
	if r := recs[10]; r == nil || r.ReplayOf != 6 || r.Raw != nil {
		t.Errorf("record 10 = %+v, want the adapter failure again", r)
	}
	if ps := []uint64{recs[4].PayloadSeq, recs[7].PayloadSeq, recs[8].PayloadSeq, recs[9].PayloadSeq, recs[10].PayloadSeq}; !slices.IsSorted(ps) || slices.Compact(slices.Clone(ps))[4] != ps[4] {
		t.Errorf("payload sequences of record 4 and the replays: %v; want fresh copies in record order", ps)
	}

	// Retention deletes oldest first across replays: the payloads of replaced rows go
	// with the records before them.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(dir, Options{Logger: quiet(), Retention: Retention{MaxRecords: 2}}); err != nil {
		t.Fatal(err)
	}
	checkConsistent(t, s)
	if s.FirstSeq() != 9 {
		t.Errorf("FirstSeq() after retention = %d, want 9", s.FirstSeq())
	}
}

// checkConsistentReplay is checkConsistent without the first-payload check, which does
// not hold while orphaned payloads of replaced rows wait for retention.
func checkConsistentReplay(t *testing.T, s *Store) {
	t.Helper()
	var c Counts
	if err := s.Since(0, func(r *Record) bool { c.add(r.Stage, 1); return true }); err != nil {
		t.Fatal(err)
	}
	if got := s.Counts(); got != c {
		t.Errorf("Counts() = %+v, records say %+v", got, c)
	}
}

// jsonString quotes s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
