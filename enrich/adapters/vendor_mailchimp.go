package adapters

import (
	"strings"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// mailchimpSchemas maps Mailchimp's `type` values to schemas.
var mailchimpSchemas = eventSchemas{
	{EventType: "subscribe", Schema: "iglu:com.mailchimp/subscribe/jsonschema/1-0-0"},
	{EventType: "unsubscribe", Schema: "iglu:com.mailchimp/unsubscribe/jsonschema/1-0-0"},
	{EventType: "campaign", Schema: "iglu:com.mailchimp/campaign_sending_status/jsonschema/1-0-0"},
	{EventType: "cleaned", Schema: "iglu:com.mailchimp/cleaned_email/jsonschema/1-0-0"},
	{EventType: "upemail", Schema: "iglu:com.mailchimp/email_address_change/jsonschema/1-0-0"},
	{EventType: "profile", Schema: "iglu:com.mailchimp/profile_update/jsonschema/1-0-0"},
}

// mailchimpAdapter maps a Mailchimp form POST, whose keys nest with brackets
// (data[merges][EMAIL]), to one event.
type mailchimpAdapter struct{}

func init() { register("com.mailchimp", "v1", mailchimpAdapter{}) }

// Adapt implements Adapter.
func (mailchimpAdapter) Adapt(p *collector.Payload, query event.Params) ([]event.Params, *Failure) {
	body, form, f := formBody(p)
	if f != nil {
		return nil, f
	}
	et, ok := form.Get("type")
	if !ok {
		return nil, adapterFailure(badrows.InputData{Field: "body", Value: &body, Expectation: "no `type` parameter provided: cannot determine event type"})
	}
	schema, msg := mailchimpSchemas.lookup(&et, -1)
	if msg != nil {
		return nil, adapterFailure(msg)
	}
	data := &jobject{}
	for _, prm := range form {
		v := ""
		if prm.Value != nil {
			v = *prm.Value
		}
		if prm.Name == "fired_at" {
			if iso, ok := sqlDateToISO(v); ok {
				v = iso
			}
		}
		setNested(data, bracketKeys(prm.Name), v)
	}
	return []event.Params{webhookEvent(vendorTrackerVersion("com.mailchimp", "v1"), query, "srv", schema, marshalTree(data))}, nil
}

// bracketKeys splits "data[merges][LNAME]" into ["data", "merges", "LNAME"].
func bracketKeys(name string) []string {
	head, rest, found := strings.Cut(name, "[")
	if !found || !strings.HasSuffix(rest, "]") {
		return []string{name}
	}
	keys := []string{head}
	for _, k := range strings.Split(strings.TrimSuffix(rest, "]"), "][") {
		keys = append(keys, k)
	}
	return keys
}

// setNested sets the value at a key path, creating objects on the way; a non-object
// value in the way is replaced.
func setNested(o *jobject, keys []string, v any) {
	for _, k := range keys[:len(keys)-1] {
		child, ok := o.vals[k].(*jobject)
		if !ok {
			child = &jobject{}
			o.set(k, child)
		}
		o = child
	}
	o.set(keys[len(keys)-1], v)
}
