package adapters

import (
	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// mandrillSchemas maps Mandrill `event` values to schemas, at the versions Snowplow
// Enrich 3.9.0 uses.
var mandrillSchemas = eventSchemas{
	{EventType: "hard_bounce", Schema: "iglu:com.mandrill/message_bounced/jsonschema/1-0-1"},
	{EventType: "click", Schema: "iglu:com.mandrill/message_clicked/jsonschema/1-0-1"},
	{EventType: "deferral", Schema: "iglu:com.mandrill/message_delayed/jsonschema/1-0-1"},
	{EventType: "spam", Schema: "iglu:com.mandrill/message_marked_as_spam/jsonschema/1-0-1"},
	{EventType: "open", Schema: "iglu:com.mandrill/message_opened/jsonschema/1-0-1"},
	{EventType: "reject", Schema: "iglu:com.mandrill/message_rejected/jsonschema/1-0-0"},
	{EventType: "send", Schema: "iglu:com.mandrill/message_sent/jsonschema/1-0-0"},
	{EventType: "soft_bounce", Schema: "iglu:com.mandrill/message_soft_bounced/jsonschema/1-0-1"},
	{EventType: "unsub", Schema: "iglu:com.mandrill/recipient_unsubscribed/jsonschema/1-0-1"},
}

// mandrillAdapter maps a Mandrill form POST, whose single field mandrill_events holds a
// JSON array, to one event per element.
type mandrillAdapter struct{}

func init() { register("com.mandrill", "v1", mandrillAdapter{}) }

// Adapt implements Adapter.
func (mandrillAdapter) Adapt(p *collector.Payload, query event.Params) ([]event.Params, *Failure) {
	body, form, f := formBody(p)
	if f != nil {
		return nil, f
	}
	fail := func(exp string) ([]event.Params, *Failure) {
		return nil, adapterFailure(badrows.InputData{Field: "body", Value: &body, Expectation: exp})
	}
	if len(form) != 1 {
		return fail("body should have size 1: actual size " + itoa(len(form)))
	}
	if form[0].Name != "mandrill_events" {
		return fail("no `mandrill_events` parameter provided")
	}
	if form[0].Value == nil || *form[0].Value == "" {
		return fail("`mandrill_events` field is empty")
	}
	// "mandril_events" is upstream's field name in this message.
	v, f := parseJSONBody("mandril_events", *form[0].Value)
	if f != nil {
		return nil, f
	}
	items, ok := v.([]any)
	if !ok || len(items) == 0 {
		return fail("`mandrill_events` is not a non-empty JSON array")
	}
	tv := vendorTrackerVersion("com.mandrill", "v1")
	return batch(len(items), func(i int) (event.Params, []any) {
		o, ok := items[i].(*jobject)
		if !ok {
			return nil, []any{notObject(i, items[i])}
		}
		var et *string
		if s, ok := o.str("event"); ok {
			et = &s
		}
		schema, msg := mandrillSchemas.lookup(et, i)
		if msg != nil {
			return nil, []any{msg}
		}
		o.del("event")
		convertKey(o, epochToISO, "ts")
		return webhookEvent(tv, query, "srv", schema, marshalTree(o)), nil
	})
}
