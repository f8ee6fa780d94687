package adapters

import (
	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// marketoSchema is the schema of every Marketo webhook event.
const marketoSchema = "iglu:com.marketo/event/jsonschema/2-0-0"

// marketoLeadDates are the lead fields Marketo sends as "yyyy-MM-dd HH:mm:ss".
var marketoLeadDates = []string{
	"acquisition_date", "created_at", "email_suspended_at", "last_interesting_moment_date",
	"last_referred_enrollment", "last_referred_visit", "updated_at",
}

// marketoAdapter maps a Marketo JSON object to one event.
type marketoAdapter struct{}

func init() { register("com.marketo", "v1", marketoAdapter{}) }

// Adapt implements Adapter.
func (marketoAdapter) Adapt(p *collector.Payload, query event.Params) ([]event.Params, *Failure) {
	body, f := checkBody(p, ctJSON, emptyBody)
	if f != nil {
		return nil, f
	}
	v, f := parseJSONBody("body", body)
	if f != nil {
		return nil, f
	}
	o, ok := v.(*jobject)
	if !ok {
		return nil, adapterFailure(badrows.InputData{Field: "body", Value: &body, Expectation: "body is not a JSON object"})
	}
	sqlDate := func(v any) (string, bool) {
		s, ok := v.(string)
		if !ok {
			return "", false
		}
		return sqlDateToISO(s)
	}
	convertKey(o, sqlDate, "datetime")
	if lead, ok := o.vals["lead"].(*jobject); ok {
		convertKey(lead, sqlDate, marketoLeadDates...)
	}
	return []event.Params{webhookEvent(vendorTrackerVersion("com.marketo", "v1"), query, "srv", marketoSchema, marshalTree(o))}, nil
}
