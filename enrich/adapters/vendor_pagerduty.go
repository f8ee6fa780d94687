package adapters

import (
	"regexp"
	"strings"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// pagerdutyTypes are the incident message types PagerDuty's v1 webhooks send, after the
// "incident." prefix is removed; all map to the incident schema.
var pagerdutySchemas = eventSchemas{
	{EventType: "trigger", Schema: "iglu:com.pagerduty/incident/jsonschema/1-0-0"},
	{EventType: "acknowledge", Schema: "iglu:com.pagerduty/incident/jsonschema/1-0-0"},
	{EventType: "unacknowledge", Schema: "iglu:com.pagerduty/incident/jsonschema/1-0-0"},
	{EventType: "resolve", Schema: "iglu:com.pagerduty/incident/jsonschema/1-0-0"},
	{EventType: "assign", Schema: "iglu:com.pagerduty/incident/jsonschema/1-0-0"},
	{EventType: "escalate", Schema: "iglu:com.pagerduty/incident/jsonschema/1-0-0"},
	{EventType: "delegate", Schema: "iglu:com.pagerduty/incident/jsonschema/1-0-0"},
}

// pagerdutyBadOffset matches a date-time whose "+" offset sign was decoded as a space.
var pagerdutyBadOffset = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}) (\d{2}:\d{2})$`)

// pagerdutyAdapter maps a PagerDuty {"messages":[…]} JSON body to one event per message.
type pagerdutyAdapter struct{}

func init() { register("com.pagerduty", "v1", pagerdutyAdapter{}) }

// Adapt implements Adapter.
func (pagerdutyAdapter) Adapt(p *collector.Payload, query event.Params) ([]event.Params, *Failure) {
	body, f := checkBody(p, ctJSON, emptyBody)
	if f != nil {
		return nil, f
	}
	v, f := parseJSONBody("body", body)
	if f != nil {
		return nil, f
	}
	var items []any
	if o, ok := v.(*jobject); ok {
		items, _ = o.vals["messages"].([]any)
	}
	if items == nil {
		return nil, adapterFailure(badrows.InputData{Field: "messages", Value: &body, Expectation: "field `messages` is not an array"})
	}
	if len(items) == 0 {
		return nil, adapterFailure(badrows.InputData{Field: "messages", Value: &body, Expectation: "field `messages` is an empty array"})
	}
	tv := vendorTrackerVersion("com.pagerduty", "v1")
	return batch(len(items), func(i int) (event.Params, []any) {
		o, ok := items[i].(*jobject)
		if !ok {
			return nil, []any{notObject(i, items[i])}
		}
		pagerdutyReformat(o)
		var et *string
		if s, ok := o.str("type"); ok {
			et = &s
		}
		schema, msg := pagerdutySchemas.lookup(et, i)
		if msg != nil {
			return nil, []any{msg}
		}
		return webhookEvent(tv, query, "srv", schema, marshalTree(o)), nil
	})
}

// pagerdutyReformat cleans a message in place: the string "null" becomes null, the
// "incident." prefix of type is removed, and date-times whose offset sign was lost get
// it back.
func pagerdutyReformat(v any) {
	eachObject(v, func(o *jobject) {
		for _, k := range o.keys {
			s, ok := o.vals[k].(string)
			if !ok {
				continue
			}
			switch {
			case s == "null":
				o.vals[k] = nil
			case k == "type" && strings.HasPrefix(s, "incident."):
				o.vals[k] = strings.TrimPrefix(s, "incident.")
			case pagerdutyBadOffset.MatchString(s):
				o.vals[k] = pagerdutyBadOffset.ReplaceAllString(s, "$1+$2")
			}
		}
	})
}
