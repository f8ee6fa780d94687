package adapters

import "testing"

func TestHubspot(t *testing.T) {
	const tv = "com.hubspot-v1"
	runVendor(t, "com.hubspot", "v1", []vendorCase{
		{
			name: "batch of two",
			body: sp(`[{"eventId":1,"subscriptionType":"contact.creation","occurredAt":1539145399845},{"eventId":2,"subscriptionType":"deal.change","propertyName":"x"}]`),
			ct:   ctJSONP,
			want: []map[string]string{
				ev(tv, "iglu:com.hubspot/contact_creation/jsonschema/1-0-0", `{"eventId":1,"occurredAt":"2018-10-10T04:23:19.845Z"}`),
				ev(tv, "iglu:com.hubspot/deal_change/jsonschema/1-0-0", `{"eventId":2,"propertyName":"x"}`),
			},
		},
		{
			name: "unknown type at index 1 fails the batch",
			body: sp(`[{"subscriptionType":"contact.creation"},{"subscriptionType":"contact"}]`),
			ct:   ctJSONP,
			fail: []string{`{"actual":"contact","expectedMapping":{"contact_creation":"iglu:com.hubspot/contact_creation/jsonschema/1-0-0","contact_deletion":"iglu:com.hubspot/contact_deletion/jsonschema/1-0-0","contact_change":"iglu:com.hubspot/contact_change/jsonschema/1-0-0","company_creation":"iglu:com.hubspot/company_creation/jsonschema/1-0-0","company_deletion":"iglu:com.hubspot/company_deletion/jsonschema/1-0-0","company_change":"iglu:com.hubspot/company_change/jsonschema/1-0-0","deal_creation":"iglu:com.hubspot/deal_creation/jsonschema/1-0-0","deal_deletion":"iglu:com.hubspot/deal_deletion/jsonschema/1-0-0","deal_change":"iglu:com.hubspot/deal_change/jsonschema/1-0-0"},"expectation":"no schema associated with the provided type parameter at index 1"}`},
		},
		{name: "bad JSON", body: sp(`{"something:"some"}`), ct: ctJSONP,
			fail: []string{`{"field":"body","value":"{\"something:\"some\"}","error":"invalid json: invalid character 's' after object key"}`}},
		{name: "object instead of array", body: sp(`{}`), ct: ctJSONP,
			fail: []string{`{"field":"body","value":"{}","expectation":"body is not a JSON array of events"}`}},
		{name: "empty array", body: sp(`[]`), ct: ctJSONP,
			fail: []string{`{"field":"body","value":"[]","expectation":"empty array of events"}`}},
		{name: "element not an object", body: sp(`[1]`), ct: ctJSONP,
			fail: []string{`{"field":"body","value":"1","expectation":"event at index 0 is not a JSON object"}`}},
		{name: "no body", ct: ctJSONP, fail: []string{`{"field":"body","value":null,"expectation":"empty body: not events to process"}`}},
		{name: "no content type", body: sp("stub"), fail: []string{failNoCTJSON}},
		{name: "wrong content type", body: sp("stub"), ct: ctFormP, fail: []string{failFormAsJSON}},
	})
}
