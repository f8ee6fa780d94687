package adapters

import (
	"strings"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// hubspotSchemas maps HubSpot subscription types (with '.' as '_') to schemas.
var hubspotSchemas = eventSchemas{
	{EventType: "contact_creation", Schema: "iglu:com.hubspot/contact_creation/jsonschema/1-0-0"},
	{EventType: "contact_deletion", Schema: "iglu:com.hubspot/contact_deletion/jsonschema/1-0-0"},
	{EventType: "contact_change", Schema: "iglu:com.hubspot/contact_change/jsonschema/1-0-0"},
	{EventType: "company_creation", Schema: "iglu:com.hubspot/company_creation/jsonschema/1-0-0"},
	{EventType: "company_deletion", Schema: "iglu:com.hubspot/company_deletion/jsonschema/1-0-0"},
	{EventType: "company_change", Schema: "iglu:com.hubspot/company_change/jsonschema/1-0-0"},
	{EventType: "deal_creation", Schema: "iglu:com.hubspot/deal_creation/jsonschema/1-0-0"},
	{EventType: "deal_deletion", Schema: "iglu:com.hubspot/deal_deletion/jsonschema/1-0-0"},
	{EventType: "deal_change", Schema: "iglu:com.hubspot/deal_change/jsonschema/1-0-0"},
}

// hubspotAdapter maps a HubSpot JSON array of subscription events to one event each.
type hubspotAdapter struct{}

func init() { register("com.hubspot", "v1", hubspotAdapter{}) }

// Adapt implements Adapter.
func (hubspotAdapter) Adapt(p *collector.Payload, query event.Params) ([]event.Params, *Failure) {
	// "not events" is upstream's wording.
	body, f := checkBody(p, ctJSON, "empty body: not events to process")
	if f != nil {
		return nil, f
	}
	items, f := jsonArrayBody(body)
	if f != nil {
		return nil, f
	}
	tv := vendorTrackerVersion("com.hubspot", "v1")
	return batch(len(items), func(i int) (event.Params, []any) {
		o, ok := items[i].(*jobject)
		if !ok {
			return nil, []any{notObject(i, items[i])}
		}
		var et *string
		if s, ok := o.str("subscriptionType"); ok {
			s = strings.ReplaceAll(s, ".", "_")
			et = &s
		}
		schema, msg := hubspotSchemas.lookup(et, i)
		if msg != nil {
			return nil, []any{msg}
		}
		o.del("subscriptionType")
		convertKey(o, millisToISO, "occurredAt")
		return webhookEvent(tv, query, "srv", schema, marshalTree(o)), nil
	})
}

// jsonArrayBody parses a body that must be a non-empty JSON array.
func jsonArrayBody(body string) ([]any, *Failure) {
	v, f := parseJSONBody("body", body)
	if f != nil {
		return nil, f
	}
	items, ok := v.([]any)
	if !ok {
		return nil, adapterFailure(badrows.InputData{Field: "body", Value: &body, Expectation: "body is not a JSON array of events"})
	}
	if len(items) == 0 {
		return nil, adapterFailure(badrows.InputData{Field: "body", Value: &body, Expectation: "empty array of events"})
	}
	return items, nil
}

// notObject is the message of a batch element that is not a JSON object.
func notObject(i int, v any) badrows.InputData {
	s := string(marshalTree(v))
	return badrows.InputData{Field: "body", Value: &s, Expectation: "event at index " + itoa(i) + " is not a JSON object"}
}
