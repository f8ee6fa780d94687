package adapters

import (
	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/event"
)

// sendgridSchemas maps SendGrid `event` values to schemas.
var sendgridSchemas = eventSchemas{
	{EventType: "processed", Schema: "iglu:com.sendgrid/processed/jsonschema/3-0-0"},
	{EventType: "dropped", Schema: "iglu:com.sendgrid/dropped/jsonschema/3-0-0"},
	{EventType: "delivered", Schema: "iglu:com.sendgrid/delivered/jsonschema/3-0-0"},
	{EventType: "deferred", Schema: "iglu:com.sendgrid/deferred/jsonschema/3-0-0"},
	{EventType: "bounce", Schema: "iglu:com.sendgrid/bounce/jsonschema/3-0-0"},
	{EventType: "open", Schema: "iglu:com.sendgrid/open/jsonschema/3-0-0"},
	{EventType: "click", Schema: "iglu:com.sendgrid/click/jsonschema/3-0-0"},
	{EventType: "spamreport", Schema: "iglu:com.sendgrid/spamreport/jsonschema/3-0-0"},
	{EventType: "unsubscribe", Schema: "iglu:com.sendgrid/unsubscribe/jsonschema/3-0-0"},
	{EventType: "group_unsubscribe", Schema: "iglu:com.sendgrid/group_unsubscribe/jsonschema/3-0-0"},
	{EventType: "group_resubscribe", Schema: "iglu:com.sendgrid/group_resubscribe/jsonschema/3-0-0"},
}

// sendgridAdapter maps a SendGrid event-webhook JSON array to one event per element.
type sendgridAdapter struct{}

func init() { register("com.sendgrid", "v3", sendgridAdapter{}) }

// Adapt implements Adapter.
func (sendgridAdapter) Adapt(p *collector.Payload, query event.Params) ([]event.Params, *Failure) {
	body, f := checkBody(p, ctJSON, emptyBody)
	if f != nil {
		return nil, f
	}
	items, f := jsonArrayBody(body)
	if f != nil {
		return nil, f
	}
	tv := vendorTrackerVersion("com.sendgrid", "v3")
	return batch(len(items), func(i int) (event.Params, []any) {
		o, ok := items[i].(*jobject)
		if !ok {
			return nil, []any{notObject(i, items[i])}
		}
		var et *string
		if s, ok := o.str("event"); ok {
			et = &s
		}
		schema, msg := sendgridSchemas.lookup(et, i)
		if msg != nil {
			return nil, []any{msg}
		}
		o.del("event")
		if v, ok := o.get("timestamp"); ok {
			if s, ok := epochToISO(v); ok {
				o.set("timestamp", s)
			}
		}
		return webhookEvent(tv, query, "srv", schema, marshalTree(o)), nil
	})
}
