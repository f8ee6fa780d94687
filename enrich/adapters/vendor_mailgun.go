package adapters

import (
	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// mailgunSchemas maps Mailgun `event` values to schemas.
var mailgunSchemas = eventSchemas{
	{EventType: "bounced", Schema: "iglu:com.mailgun/message_bounced/jsonschema/1-0-0"},
	{EventType: "clicked", Schema: "iglu:com.mailgun/message_clicked/jsonschema/1-0-0"},
	{EventType: "complained", Schema: "iglu:com.mailgun/message_complained/jsonschema/1-0-0"},
	{EventType: "delivered", Schema: "iglu:com.mailgun/message_delivered/jsonschema/1-0-0"},
	{EventType: "dropped", Schema: "iglu:com.mailgun/message_dropped/jsonschema/1-0-0"},
	{EventType: "opened", Schema: "iglu:com.mailgun/message_opened/jsonschema/1-0-0"},
	{EventType: "unsubscribed", Schema: "iglu:com.mailgun/recipient_unsubscribed/jsonschema/1-0-0"},
}

// mailgunAdapter maps a Mailgun webhook JSON body ({"signature":{…},"event-data":{…}}) to
// one event: the event data with camel-cased keys, plus the signature's token, signature
// and timestamp.
type mailgunAdapter struct{}

func init() { register("com.mailgun", "v1", mailgunAdapter{}) }

// Adapt implements Adapter.
func (mailgunAdapter) Adapt(p *collector.Payload, query event.Params) ([]event.Params, *Failure) {
	body, f := checkBody(p, ctJSON, emptyBody)
	if f != nil {
		return nil, f
	}
	v, f := parseJSONBody("body", body)
	if f != nil {
		return nil, f
	}
	root, ok := v.(*jobject)
	if !ok {
		return nil, adapterFailure(badrows.InputData{Field: "body", Value: &body, Expectation: "body is not a JSON object"})
	}
	data, _ := root.vals["event-data"].(*jobject)
	var et *string
	if data != nil {
		if s, ok := data.str("event"); ok {
			et = &s
		}
	}
	if et == nil {
		return nil, adapterFailure(badrows.InputData{Field: "body", Value: &body, Expectation: "no `event` parameter provided: cannot determine event type"})
	}
	schema, msg := mailgunSchemas.lookup(et, -1)
	if msg != nil {
		return nil, adapterFailure(msg)
	}
	sig, _ := root.vals["signature"].(*jobject)
	if sig == nil {
		sig = &jobject{}
	}
	var msgs []any
	fields := map[string]any{}
	for _, k := range []string{"timestamp", "token", "signature"} {
		v, ok := sig.vals[k]
		if !ok || v == nil {
			msgs = append(msgs, badrows.InputData{Field: k, Expectation: "missing '" + k + "'"})
			continue
		}
		fields[k] = v
	}
	if msgs != nil {
		return nil, adapterFailure(msgs...)
	}
	ts, ok := epochToISO(fields["timestamp"])
	if !ok {
		s := string(marshalTree(fields["timestamp"]))
		return nil, adapterFailure(badrows.InputData{Field: "timestamp", Value: &s, Expectation: "not a Unix timestamp in seconds"})
	}
	data.del("event")
	camelKeys(data)
	data.set("timestamp", ts)
	data.set("token", fields["token"])
	data.set("signature", fields["signature"])
	return []event.Params{webhookEvent(vendorTrackerVersion("com.mailgun", "v1"), query, "srv", schema, marshalTree(data))}, nil
}
