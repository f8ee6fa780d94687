package adapters

import (
	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// unbounceSchema is the schema of every Unbounce webhook event.
const unbounceSchema = "iglu:com.unbounce/form_post/jsonschema/1-0-0"

// unbounceRequired are the form fields every Unbounce form post carries, checked in order.
var unbounceRequired = []string{"page_id", "page_name", "variant", "page_url"}

// unbounceAdapter maps an Unbounce form POST to one form_post event: the page fields plus
// the parsed data.json, camel-cased; data.xml is dropped.
type unbounceAdapter struct{}

func init() { register("com.unbounce", "v1", unbounceAdapter{}) }

// Adapt implements Adapter.
func (unbounceAdapter) Adapt(p *collector.Payload, query event.Params) ([]event.Params, *Failure) {
	_, form, f := formBody(p)
	if f != nil {
		return nil, f
	}
	raw, ok := form.Get("data.json")
	if !ok {
		return nil, adapterFailure(badrows.InputData{Field: "data.json", Expectation: "missing 'data.json' field in body"})
	}
	if raw == "" {
		return nil, adapterFailure(badrows.InputData{Field: "data.json", Expectation: "empty 'data.json' field in body"})
	}
	dj, f := parseJSONBody("data.json", raw)
	if f != nil {
		return nil, f
	}
	for _, k := range unbounceRequired {
		if _, ok := form.Get(k); !ok {
			return nil, adapterFailure(badrows.InputData{Field: k, Expectation: "missing '" + k + "' field in body"})
		}
	}
	data := formObject(form, map[string]bool{"data.json": true, "data.xml": true}, true)
	camelKeys(data)
	camelKeys(dj)
	data.set("data.json", dj)
	return []event.Params{webhookEvent(vendorTrackerVersion("com.unbounce", "v1"), query, "srv", unbounceSchema, marshalTree(data))}, nil
}
