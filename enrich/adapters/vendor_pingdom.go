package adapters

import (
	"regexp"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// pingdomSchemas maps "incident_" + the message's action to schemas.
var pingdomSchemas = eventSchemas{
	{EventType: "incident_assign", Schema: "iglu:com.pingdom/incident_assign/jsonschema/1-0-0"},
	{EventType: "incident_notify_user", Schema: "iglu:com.pingdom/incident_notify_user/jsonschema/1-0-0"},
	{EventType: "incident_notify_of_close", Schema: "iglu:com.pingdom/incident_notify_of_close/jsonschema/1-0-0"},
}

// pingdomPythonUnicode matches a value that went through Python's repr of a 1-tuple.
var pingdomPythonUnicode = regexp.MustCompile(`^\(u'(.+)',\)$`)

// pingdomAdapter maps a Pingdom GET request, whose message parameter holds the alert JSON,
// to one event.
type pingdomAdapter struct{}

func init() { register("com.pingdom", "v1", pingdomAdapter{}) }

// Adapt implements Adapter.
func (pingdomAdapter) Adapt(p *collector.Payload, query event.Params) ([]event.Params, *Failure) {
	if len(query) == 0 {
		return nil, adapterFailure(badrows.InputData{Field: "querystring", Expectation: "empty querystring: no events to process"})
	}
	var msgs []any
	for _, prm := range query {
		if prm.Value == nil {
			continue
		}
		if m := pingdomPythonUnicode.FindStringSubmatch(*prm.Value); m != nil {
			msgs = append(msgs, badrows.InputData{Field: prm.Name, Value: strp(m[1]), Expectation: `should not pass regex \(u'(.+)',\)`})
		}
	}
	if msgs != nil {
		return nil, adapterFailure(msgs...)
	}
	raw, ok := query.Get("message")
	if !ok {
		qs := p.Querystring
		return nil, adapterFailure(badrows.InputData{Field: "querystring", Value: &qs, Expectation: "no `message` parameter provided"})
	}
	v, f := parseJSONBody("message", raw)
	if f != nil {
		return nil, f
	}
	o, ok := v.(*jobject)
	if !ok {
		return nil, adapterFailure(badrows.InputData{Field: "message", Value: &raw, Expectation: "`message` is not a JSON object"})
	}
	var et *string
	if action, ok := o.str("action"); ok {
		s := "incident_" + action
		et = &s
	}
	schema, msg := pingdomSchemas.lookup(et, -1)
	if msg != nil {
		return nil, adapterFailure(msg)
	}
	o.del("action")
	return []event.Params{webhookEvent(vendorTrackerVersion("com.pingdom", "v1"), query, "srv", schema, marshalTree(o))}, nil
}
