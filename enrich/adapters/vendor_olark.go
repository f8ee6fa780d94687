package adapters

import (
	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// olarkSchemas maps Olark's two event kinds to schemas: a conversation with operators is a
// transcript, one without is an offline message.
var olarkSchemas = eventSchemas{
	{EventType: "transcript", Schema: "iglu:com.olark/transcript/jsonschema/1-0-0"},
	{EventType: "offline_message", Schema: "iglu:com.olark/offline_message/jsonschema/1-0-0"},
}

// olarkAdapter maps an Olark form POST, whose data field holds the conversation JSON, to
// one event.
type olarkAdapter struct{}

func init() { register("com.olark", "v1", olarkAdapter{}) }

// Adapt implements Adapter.
func (olarkAdapter) Adapt(p *collector.Payload, query event.Params) ([]event.Params, *Failure) {
	_, form, f := formBody(p)
	if f != nil {
		return nil, f
	}
	raw, ok := form.Get("data")
	if !ok {
		return nil, adapterFailure(badrows.InputData{Field: "data", Expectation: "missing 'data' field in body"})
	}
	if raw == "" {
		return nil, adapterFailure(badrows.InputData{Field: "data", Expectation: "empty 'data' field in body"})
	}
	v, f := parseJSONBody("data", raw)
	if f != nil {
		return nil, f
	}
	o, ok := v.(*jobject)
	if !ok {
		return nil, adapterFailure(badrows.InputData{Field: "data", Value: &raw, Expectation: "'data' field is not a JSON object"})
	}
	et := "offline_message"
	if _, ok := o.get("operators"); ok {
		et = "transcript"
	}
	schema, _ := olarkSchemas.lookup(&et, -1)
	if items, ok := o.vals["items"].([]any); ok {
		for _, it := range items {
			if io, ok := it.(*jobject); ok {
				convertKey(io, epochToISO, "timestamp")
			}
		}
	}
	camelKeys(o)
	return []event.Params{webhookEvent(vendorTrackerVersion("com.olark", "v1"), query, "srv", schema, marshalTree(o))}, nil
}
