package adapters

import (
	"net/url"
	"testing"
)

func TestMandrill(t *testing.T) {
	const tv = "com.mandrill-v1"
	form := func(events string) *string { return sp("mandrill_events=" + url.QueryEscape(events)) }
	runVendor(t, "com.mandrill", "v1", []vendorCase{
		{
			name: "batch, nested ts converted, event removed",
			body: form(`[{"event":"send","msg":{"ts":1365109999,"state":"sent"},"ts":1415267366},{"event":"deferral","msg":{"smtp_events":[{"ts":1365111111,"type":"deferred"}]},"ts":"1415267366"}]`),
			ct:   ctFormP,
			want: []map[string]string{
				ev(tv, "iglu:com.mandrill/message_sent/jsonschema/1-0-0", `{"msg":{"ts":"2013-04-04T21:13:19.000Z","state":"sent"},"ts":"2014-11-06T09:49:26.000Z"}`),
				ev(tv, "iglu:com.mandrill/message_delayed/jsonschema/1-0-1", `{"msg":{"smtp_events":[{"ts":"2013-04-04T21:31:51.000Z","type":"deferred"}]},"ts":"2014-11-06T09:49:26.000Z"}`),
			},
		},
		{name: "empty events field", body: sp("mandrill_events="), ct: ctFormP,
			fail: []string{`{"field":"body","value":"mandrill_events=","expectation":"` + "`mandrill_events`" + ` field is empty"}`}},
		{name: "too many fields", body: sp("mandrill_events=some&mandrill_extra=some"), ct: ctFormP,
			fail: []string{`{"field":"body","value":"mandrill_events=some&mandrill_extra=some","expectation":"body should have size 1: actual size 2"}`}},
		{name: "wrong key", body: sp("events_mandrill=something"), ct: ctFormP,
			fail: []string{`{"field":"body","value":"events_mandrill=something","expectation":"no ` + "`mandrill_events`" + ` parameter provided"}`}},
		{name: "bad JSON", body: sp("mandrill_events=%5B%7B%22event%22%3A%22click%7D%5D"), ct: ctFormP,
			fail: []string{`{"field":"mandril_events","value":"[{\"event\":\"click}]","error":"invalid json: unexpected end of JSON input"}`}},
		{name: "unknown event type", body: form(`[{"event":"sending"}]`), ct: ctFormP,
			fail: []string{`{"actual":"sending","expectedMapping":{"hard_bounce":"iglu:com.mandrill/message_bounced/jsonschema/1-0-1","click":"iglu:com.mandrill/message_clicked/jsonschema/1-0-1","deferral":"iglu:com.mandrill/message_delayed/jsonschema/1-0-1","spam":"iglu:com.mandrill/message_marked_as_spam/jsonschema/1-0-1","open":"iglu:com.mandrill/message_opened/jsonschema/1-0-1","reject":"iglu:com.mandrill/message_rejected/jsonschema/1-0-0","send":"iglu:com.mandrill/message_sent/jsonschema/1-0-0","soft_bounce":"iglu:com.mandrill/message_soft_bounced/jsonschema/1-0-1","unsub":"iglu:com.mandrill/recipient_unsubscribed/jsonschema/1-0-1"},"expectation":"no schema associated with the provided type parameter at index 0"}`}},
		{name: "no body", ct: ctFormP, fail: []string{failEmptyBody}},
		{name: "no content type", body: sp("stub"), fail: []string{failNoCTForm}},
		{name: "wrong content type", body: sp("stub"), ct: ctJSONP, fail: []string{failJSONAsForm}},
	})
}
