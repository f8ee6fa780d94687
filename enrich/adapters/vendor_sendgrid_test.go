package adapters

import "testing"

func TestSendgrid(t *testing.T) {
	const tv = "com.sendgrid-v3"
	runVendor(t, "com.sendgrid", "v3", []vendorCase{
		{
			name: "event removed, timestamp converted, batch",
			body: sp(`[{"email":"example@test.com","timestamp":1446549615,"smtp-id":"\u003c14c5d75ce93@ismtpd-555\u003e","event":"processed"},{"event":"open","timestamp":"1446549615","ip":"255.255.255.255"}]`),
			ct:   sp("application/json; charset=utf-8"),
			want: []map[string]string{
				ev(tv, "iglu:com.sendgrid/processed/jsonschema/3-0-0", `{"email":"example@test.com","timestamp":"2015-11-03T11:20:15.000Z","smtp-id":"<14c5d75ce93@ismtpd-555>"}`),
				ev(tv, "iglu:com.sendgrid/open/jsonschema/3-0-0", `{"timestamp":"2015-11-03T11:20:15.000Z","ip":"255.255.255.255"}`),
			},
		},
		{
			name: "missing event type and unknown type both reported",
			body: sp(`[{"event":"processed"},{"email":"x"},{"event":"moon landing"}]`),
			ct:   ctJSONP,
			fail: []string{
				`{"actual":null,"expectedMapping":` + sendgridMappingJSON + `,"expectation":"cannot determine event type: type parameter not provided at index 1"}`,
				`{"actual":"moon landing","expectedMapping":` + sendgridMappingJSON + `,"expectation":"no schema associated with the provided type parameter at index 2"}`,
			},
		},
		{name: "unparseable", body: sp(`[ `), ct: ctJSONP,
			fail: []string{`{"field":"body","value":"[ ","error":"invalid json: unexpected end of JSON input"}`}},
		{name: "empty array", body: sp(`[ ]`), ct: ctJSONP,
			fail: []string{`{"field":"body","value":"[ ]","expectation":"empty array of events"}`}},
		{name: "no body", ct: ctJSONP, fail: []string{failEmptyBody}},
		{name: "unexpected content type", body: sp("[]"), ct: sp("invalidtype/invalid"),
			fail: []string{`{"field":"contentType","value":"invalidtype/invalid","expectation":"expected application/json"}`}},
	})
}

const sendgridMappingJSON = `{"processed":"iglu:com.sendgrid/processed/jsonschema/3-0-0","dropped":"iglu:com.sendgrid/dropped/jsonschema/3-0-0","delivered":"iglu:com.sendgrid/delivered/jsonschema/3-0-0","deferred":"iglu:com.sendgrid/deferred/jsonschema/3-0-0","bounce":"iglu:com.sendgrid/bounce/jsonschema/3-0-0","open":"iglu:com.sendgrid/open/jsonschema/3-0-0","click":"iglu:com.sendgrid/click/jsonschema/3-0-0","spamreport":"iglu:com.sendgrid/spamreport/jsonschema/3-0-0","unsubscribe":"iglu:com.sendgrid/unsubscribe/jsonschema/3-0-0","group_unsubscribe":"iglu:com.sendgrid/group_unsubscribe/jsonschema/3-0-0","group_resubscribe":"iglu:com.sendgrid/group_resubscribe/jsonschema/3-0-0"}`
