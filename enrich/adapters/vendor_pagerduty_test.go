package adapters

import "testing"

func TestPagerduty(t *testing.T) {
	const (
		tv     = "com.pagerduty-v1"
		schema = "iglu:com.pagerduty/incident/jsonschema/1-0-0"
	)
	runVendor(t, "com.pagerduty", "v1", []vendorCase{
		{
			name: "type prefix removed, null strings and lost offsets fixed",
			body: sp(`{"messages":[{"type":"incident.trigger","data":{"incident":{"id":"P9WY9U9","created_on":"2014-11-12T18:53:47 00:00","assigned_to_user":"null"}},"created_on":"2014-11-12T18:53:47Z"}]}`),
			ct:   ctJSONP,
			want: []map[string]string{ev(tv, schema, `{"type":"trigger","data":{"incident":{"id":"P9WY9U9","created_on":"2014-11-12T18:53:47+00:00","assigned_to_user":null}},"created_on":"2014-11-12T18:53:47Z"}`)},
		},
		{name: "type without prefix is unknown", body: sp(`{"messages":[{"type":"trigger2"}]}`), ct: ctJSONP,
			fail: []string{`{"actual":"trigger2","expectedMapping":{"trigger":"` + schema + `","acknowledge":"` + schema + `","unacknowledge":"` + schema + `","resolve":"` + schema + `","assign":"` + schema + `","escalate":"` + schema + `","delegate":"` + schema + `"},"expectation":"no schema associated with the provided type parameter at index 0"}`}},
		{name: "no messages", body: sp(`{"somekey":"key"}`), ct: ctJSONP,
			fail: []string{`{"field":"messages","value":"{\"somekey\":\"key\"}","expectation":"field ` + "`messages`" + ` is not an array"}`}},
		{name: "no body", ct: ctJSONP, fail: []string{failEmptyBody}},
		{name: "no content type", body: sp("stub"), fail: []string{failNoCTJSON}},
		{name: "wrong content type", body: sp("stub"), ct: ctFormP, fail: []string{failFormAsJSON}},
	})
}
