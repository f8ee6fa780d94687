package kafka

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// An enriched event with a self-describing event and an entity reads back from its TSV
// line to the same event; lines that are not enriched events are refused.
func TestParseEnrichedTSV(t *testing.T) {
	rg := newRig(t)
	ue := `{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1","data":{"targetUrl":"https://shop.example/\tx"}}}`
	co := `{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0","data":[{"schema":"iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0","data":{"id":"` + uuid.NewString() + `"}}]}`
	res := rg.write(rg.payload("/i", "e=ue&p=web&tv=js-3.0.0&eid="+uuid.NewString()+"&ue_pr="+url.QueryEscape(ue)+"&co="+url.QueryEscape(co), nil))
	if len(res.Outputs) != 1 || res.Outputs[0].Stage != enrich.StageGood {
		t.Fatalf("the test event is not good: %s", res.Outputs[0].BadRow)
	}
	e := res.Outputs[0].Event
	if !e.IsSet(event.UnstructEvent) || !e.IsSet(event.Contexts) {
		t.Fatal("the test event has no unstruct_event or contexts")
	}
	line := string(e.TSV())
	got, err := parseEnrichedTSV(line + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if string(got.TSV()) != line {
		t.Errorf("round trip\n got %q\nwant %q", got.TSV(), line)
	}
	for f := range event.NumFields {
		if got.Get(event.Field(f)) != event.CleanTSV(e.Get(event.Field(f))) {
			t.Errorf("%s = %q, want %q", event.Fields[f].Name, got.Get(event.Field(f)), e.Get(event.Field(f)))
		}
	}

	cols := strings.Split(line, "\t")
	bad := func(f event.Field, v string) string {
		c := append([]string(nil), cols...)
		c[f] = v
		return strings.Join(c, "\t")
	}
	for name, in := range map[string]string{
		"130 fields":          strings.Join(cols[:130], "\t"),
		"a bad row":           `{"schema":"iglu:com.snowplowanalytics.snowplow.badrows/adapter_failures/jsonschema/1-0-0","data":{}}`,
		"contexts not JSON":   bad(event.Contexts, "{not json"),
		"unstruct not an SDJ": bad(event.UnstructEvent, `{"schema":"x"}`),
		"no event_id":         bad(event.EventID, ""),
		"empty":               "",
	} {
		if _, err := parseEnrichedTSV(in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
