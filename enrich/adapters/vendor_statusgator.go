package adapters

import (
	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/event"
)

// statusgatorSchema is the schema of every StatusGator webhook event.
const statusgatorSchema = "iglu:com.statusgator/status_change/jsonschema/1-0-0"

// statusgatorAdapter maps a StatusGator form POST to one status_change event whose keys
// are the camel-cased form fields.
type statusgatorAdapter struct{}

func init() { register("com.statusgator", "v1", statusgatorAdapter{}) }

// Adapt implements Adapter.
func (statusgatorAdapter) Adapt(p *collector.Payload, query event.Params) ([]event.Params, *Failure) {
	_, form, f := formBody(p)
	if f != nil {
		return nil, f
	}
	data := formObject(form, nil, true)
	camelKeys(data)
	return []event.Params{webhookEvent(vendorTrackerVersion("com.statusgator", "v1"), query, "srv", statusgatorSchema, marshalTree(data))}, nil
}
