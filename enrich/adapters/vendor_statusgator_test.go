package adapters

import "testing"

func TestStatusgator(t *testing.T) {
	const (
		tv     = "com.statusgator-v1"
		schema = "iglu:com.statusgator/status_change/jsonschema/1-0-0"
	)
	runVendor(t, "com.statusgator", "v1", []vendorCase{
		{
			name: "camel-cased form fields",
			body: sp("service_name=CloudFlare&current_status=up&last_status=warn&occurred_at=2016-05-19T09%3A26%3A31%2B00%3A00"),
			ct:   ctFormP,
			want: []map[string]string{ev(tv, schema, `{"serviceName":"CloudFlare","currentStatus":"up","lastStatus":"warn","occurredAt":"2016-05-19T09:26:31+00:00"}`)},
		},
		{name: "empty body", body: sp(""), ct: ctFormP, fail: []string{failEmptyBody}},
		{name: "no content type", body: sp("a=1"), fail: []string{failNoCTForm}},
		{name: "wrong content type", body: sp("a=1"), ct: ctJSONP, fail: []string{failJSONAsForm}},
		{name: "malformed form", body: sp("a=%"), ct: ctFormP,
			fail: []string{`{"field":"body","value":"a=%","expectation":"could not parse body: parse value of query parameter \"a\": malformed percent escape \"%\""}`}},
	})
}
