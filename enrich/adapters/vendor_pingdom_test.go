package adapters

import "testing"

func TestPingdom(t *testing.T) {
	const tv = "com.pingdom-v1"
	runVendor(t, "com.pingdom", "v1", []vendorCase{
		{
			name:  "action selects the schema and is removed",
			query: "p=apps&message=%7B%22check%22%3A%20%221421338%22%2C%20%22action%22%3A%20%22assign%22%2C%20%22incidentid%22%3A%203%7D",
			want: []map[string]string{{"tv": tv, "e": "ue", "p": "apps",
				"ue_pr": ue("iglu:com.pingdom/incident_assign/jsonschema/1-0-0", `{"check":"1421338","incidentid":3}`)}},
		},
		{name: "python unicode value", query: "p=%28u%27apps%27%2C%29",
			fail: []string{`{"field":"p","value":"apps","expectation":"should not pass regex \\(u'(.+)',\\)"}`}},
		{name: "empty query string",
			fail: []string{`{"field":"querystring","value":null,"expectation":"empty querystring: no events to process"}`}},
		{name: "no message", query: "p=apps",
			fail: []string{`{"field":"querystring","value":"p=apps","expectation":"no ` + "`message`" + ` parameter provided"}`}},
		{name: "unknown action", query: "message=%7B%22action%22%3A%22x%22%7D",
			fail: []string{`{"actual":"incident_x","expectedMapping":{"incident_assign":"iglu:com.pingdom/incident_assign/jsonschema/1-0-0","incident_notify_user":"iglu:com.pingdom/incident_notify_user/jsonschema/1-0-0","incident_notify_of_close":"iglu:com.pingdom/incident_notify_of_close/jsonschema/1-0-0"},"expectation":"no schema associated with the provided type parameter"}`}},
		{name: "bad message JSON", query: "message=%7B",
			fail: []string{`{"field":"message","value":"{","error":"invalid json: unexpected end of JSON input"}`}},
	})
}
