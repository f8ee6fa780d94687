package queryapi

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web/httpkit"
)

// TestAppendHit checks that the hand-written rendering of a hit and of a search answer
// is byte for byte what encoding/json gives, for events with entities (spaced JSON,
// '<', U+2028, invalid UTF-8), bad rows, runs and plan verdicts.
func TestAppendHit(t *testing.T) {
	ev := func(set func(e *event.Event)) *event.Event {
		e := &event.Event{}
		e.Set(event.EventID, "11111111-1111-4111-8111-111111111111")
		e.SetTime(event.CollectorTstamp, time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC))
		e.Set(event.AppID, "shop <&> \u2028 \"q\" \xff")
		if set != nil {
			set(e)
		}
		return e
	}
	payload := &collector.Payload{Timestamp: time.Date(2026, 4, 2, 10, 0, 1, 0, time.UTC)}
	recs := []*store.Record{
		{Seq: 1, Stage: enrich.StageGood, Event: ev(nil)},
		{Seq: 2, Stage: enrich.StageGood, Event: ev(func(e *event.Event) {
			e.Set(event.Contexts, `{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0","data":[{"schema":"iglu:com.acme/user/jsonschema/1-0-0","data":{"name": "ann <b>", "n": 1.50}}]}`)
			e.Set(event.UnstructEvent, `{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"iglu:com.acme/x/jsonschema/1-0-0","data":{ "a" : [1, 2] }}}`)
		}), Run: "run \"1\"", Plan: []byte(`{"status":"ok","events":["a"]}`)},
		{Seq: 3, Stage: enrich.StageValidation, Event: ev(nil), BadRow: []byte(`{"schema":"iglu:com.snowplowanalytics.snowplow.badrows/schema_violations/jsonschema/2-0-0","data":{"failure":{"timestamp":"2026-04-02T10:00:00.000Z"}}}`)},
		{Seq: 4, Stage: enrich.StageAdapter, Payload: payload, BadRow: []byte(`{"schema":"iglu:com.snowplowanalytics.snowplow.badrows/adapter_failures/jsonschema/1-0-0","data":{"failure":{}}}`)},
		{Seq: 5, Stage: enrich.StageAdapter},
	}
	var hits []json.RawMessage
	for _, rec := range recs {
		want, err := httpkit.Marshal(hitOf(rec))
		if err != nil {
			t.Fatal(err)
		}
		got := appendHit(nil, rec)
		if !bytes.Equal(got, want) {
			t.Errorf("record %d:\n got %s\nwant %s", rec.Seq, got, want)
		}
		hits = append(hits, got)
	}
	next := `cursor "hits":null`
	for _, r := range []searchResponse{
		{Total: 5, TookMS: 1.5, Next: &next, Hits: hits, Facets: map[string][]facetTerm{"app_id": {{Term: `"hits":null`, Count: 2}}}, Histogram: []histogramBucket{}},
		{Hits: []json.RawMessage{}, Facets: map[string][]facetTerm{}, Histogram: []histogramBucket{}},
		{},
	} {
		want, err := httpkit.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.render(); !bytes.Equal(got, want) {
			t.Errorf("render:\n got %s\nwant %s", got, want)
		}
	}
}
