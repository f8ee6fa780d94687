package store

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

func ptr(s string) *string { return &s }

// testPayload returns a payload whose fields all derive from n.
func testPayload(n int) *collector.Payload {
	return &collector.Payload{
		Schema:        collector.PayloadSchema,
		IPAddress:     "10.0.0.1",
		Timestamp:     time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Millisecond),
		Encoding:      "UTF-8",
		Collector:     "plowbox-1.0.0",
		UserAgent:     ptr("test-agent"),
		Path:          "/com.snowplowanalytics.snowplow/tp2",
		Querystring:   fmt.Sprintf("n=%d", n),
		Body:          ptr(fmt.Sprintf(`{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","data":[{"e":"pv","n":"%d"}]}`, n)),
		Headers:       []string{"Host: localhost", "application/json"},
		ContentType:   ptr("application/json"),
		NetworkUserID: ptr("c6ef3124-b53a-4b13-a233-0088f79dcbcb"),
	}
}

// testEvent returns an event identified by id.
func testEvent(id string) *event.Event {
	e := new(event.Event)
	e.Set(event.AppID, "shop")
	e.Set(event.Platform, "web")
	e.Set(event.EventType, "page_view")
	e.Set(event.EventID, id)
	e.Set(event.CollectorTstamp, "2026-04-02 10:00:00.000")
	e.Set(event.VCollector, "plowbox-1.0.0")
	return e
}

// testRaw returns a raw event with an e parameter and a valueless one.
func testRaw(id string) *event.RawEvent {
	return &event.RawEvent{
		Vendor:  "com.snowplowanalytics.snowplow",
		Version: "tp2",
		Params:  event.Params{{Name: "e", Value: ptr("pv")}, {Name: "eid", Value: ptr(id)}, {Name: "flag"}},
	}
}

// out builds an output of stage st identified by id.
func out(st enrich.Stage, id string) enrich.Output {
	o := enrich.Output{Stage: st}
	switch st {
	case enrich.StageGood:
		o.Raw, o.Event = testRaw(id), testEvent(id)
	case enrich.StageValidation:
		o.Raw, o.Event = testRaw(id), testEvent(id)
		o.BadRow = []byte(`{"schema":"iglu:com.snowplowanalytics.snowplow.badrows/schema_violations/jsonschema/2-0-0","data":{"id":"` + id + `"}}`)
	default:
		o.BadRow = []byte(`{"schema":"iglu:com.snowplowanalytics.snowplow.badrows/adapter_failures/jsonschema/1-0-0","data":{"id":"` + id + `"}}`)
	}
	return o
}

// idOf identifies a record the way out built it.
func idOf(r *Record) string {
	if r.Event != nil {
		return r.Event.Get(event.EventID)
	}
	var v struct {
		Data struct{ ID string } `json:"data"`
	}
	if err := json.Unmarshal(r.BadRow, &v); err != nil {
		return "?" + string(r.BadRow)
	}
	return v.Data.ID
}

// openTest opens a store in a fresh directory, closed when the test ends.
func openTest(t testing.TB, opts Options) *Store {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := Open(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// collect returns the ids an iterator yields.
func collect(t testing.TB, iter func(func(*Record) bool) error) []string {
	t.Helper()
	var ids []string
	if err := iter(func(r *Record) bool {
		ids = append(ids, idOf(r))
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return ids
}
