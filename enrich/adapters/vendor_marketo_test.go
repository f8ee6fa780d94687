package adapters

import "testing"

func TestMarketo(t *testing.T) {
	const (
		tv     = "com.marketo-v1"
		schema = "iglu:com.marketo/event/jsonschema/2-0-0"
	)
	runVendor(t, "com.marketo", "v1", []vendorCase{
		{
			name: "lead dates and datetime converted, empty dates kept",
			body: sp(`{"name":"webhook for A","step":6,"lead":{"acquisition_date":"2010-11-11 11:11:11","updated_at":"","first_name":"x"},"datetime":"2018-03-07 14:28:16","company":{"created_at":"2018-03-07 14:28:16"}}`),
			ct:   ctJSONP,
			want: []map[string]string{ev(tv, schema, `{"name":"webhook for A","step":6,"lead":{"acquisition_date":"2010-11-11T11:11:11.000Z","updated_at":"","first_name":"x"},"datetime":"2018-03-07T14:28:16.000Z","company":{"created_at":"2018-03-07 14:28:16"}}`)},
		},
		{name: "array body", body: sp(`[]`), ct: ctJSONP,
			fail: []string{`{"field":"body","value":"[]","expectation":"body is not a JSON object"}`}},
		{name: "no body", ct: ctJSONP, fail: []string{failEmptyBody}},
		{name: "no content type", body: sp("{}"), fail: []string{failNoCTJSON}},
	})
}
