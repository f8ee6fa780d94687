package adapters

import (
	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// callrailSchemas maps CallRail's single event type to its schema.
var callrailSchemas = eventSchemas{
	{EventType: "call_complete", Schema: "iglu:com.callrail/call_complete/jsonschema/1-0-2"},
}

// callrailTypes gives the JSON type of CallRail's typed query parameters; the others are
// strings.
var callrailTypes = map[string]fieldType{
	"answered":   typeBool,
	"first_call": typeBool,
	"duration":   typeInt,
	"datetime":   typeSQLDate,
}

// callrailAdapter maps a CallRail GET request's query string to one call_complete event.
type callrailAdapter struct{}

func init() { register("com.callrail", "v1", callrailAdapter{}) }

// Adapt implements Adapter.
func (callrailAdapter) Adapt(p *collector.Payload, query event.Params) ([]event.Params, *Failure) {
	if len(query) == 0 {
		return nil, adapterFailure(badrows.InputData{Field: "querystring", Expectation: "empty querystring"})
	}
	data := typedObject(formObject(query, webhookQueryExcluded, false), callrailTypes)
	schema := callrailSchemas[0].Schema
	return []event.Params{webhookEvent(vendorTrackerVersion("com.callrail", "v1"), query, "srv", schema, marshalTree(data))}, nil
}
