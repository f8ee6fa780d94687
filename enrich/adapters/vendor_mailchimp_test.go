package adapters

import "testing"

func TestMailchimp(t *testing.T) {
	const tv = "com.mailchimp-v1"
	mapping := `{"subscribe":"iglu:com.mailchimp/subscribe/jsonschema/1-0-0","unsubscribe":"iglu:com.mailchimp/unsubscribe/jsonschema/1-0-0","campaign":"iglu:com.mailchimp/campaign_sending_status/jsonschema/1-0-0","cleaned":"iglu:com.mailchimp/cleaned_email/jsonschema/1-0-0","upemail":"iglu:com.mailchimp/email_address_change/jsonschema/1-0-0","profile":"iglu:com.mailchimp/profile_update/jsonschema/1-0-0"}`
	runVendor(t, "com.mailchimp", "v1", []vendorCase{
		{
			name:  "nested keys merge, fired_at reformatted, nuid from the query",
			query: "nuid=123",
			body:  sp("type=unsubscribe&fired_at=2014-10-22+13%3A10%3A40&data%5Bid%5D=94826aa750&data%5Bmerges%5D%5BFNAME%5D=Joshua&data%5Bmerges%5D%5BLNAME%5D=Beemster"),
			ct:    ctFormP,
			want: []map[string]string{ev(tv, "iglu:com.mailchimp/unsubscribe/jsonschema/1-0-0",
				`{"type":"unsubscribe","fired_at":"2014-10-22T13:10:40.000Z","data":{"id":"94826aa750","merges":{"FNAME":"Joshua","LNAME":"Beemster"}}}`,
				"nuid", "123")},
		},
		{name: "profile maps to profile_update", body: sp("type=profile"), ct: ctFormP,
			want: []map[string]string{ev(tv, "iglu:com.mailchimp/profile_update/jsonschema/1-0-0", `{"type":"profile"}`)}},
		{name: "content type with charset", body: sp("type=cleaned"), ct: sp("application/x-www-form-urlencoded; charset=UTF-8"),
			want: []map[string]string{ev(tv, "iglu:com.mailchimp/cleaned_email/jsonschema/1-0-0", `{"type":"cleaned"}`)}},
		{name: "unknown type", body: sp("type=bad"), ct: ctFormP,
			fail: []string{`{"actual":"bad","expectedMapping":` + mapping + `,"expectation":"no schema associated with the provided type parameter"}`}},
		{name: "empty type", body: sp("type="), ct: ctFormP,
			fail: []string{`{"actual":"","expectedMapping":` + mapping + `,"expectation":"cannot determine event type: type parameter empty"}`}},
		{name: "no type", body: sp("fired_at=2014-10-22+13%3A10%3A40"), ct: ctFormP,
			fail: []string{`{"field":"body","value":"fired_at=2014-10-22+13%3A10%3A40","expectation":"no ` + "`type`" + ` parameter provided: cannot determine event type"}`}},
		{name: "no body", ct: ctFormP, fail: []string{failEmptyBody}},
		{name: "empty body", body: sp(""), ct: ctFormP, fail: []string{failEmptyBody}},
		{name: "no content type", body: sp("stub"), fail: []string{failNoCTForm}},
		{name: "wrong content type", body: sp("stub"), ct: ctJSONP, fail: []string{failJSONAsForm}},
		{name: "malformed form", body: sp("type=%zz"), ct: ctFormP,
			fail: []string{`{"field":"body","value":"type=%zz","expectation":"could not parse body: parse value of query parameter \"type\": malformed percent escape \"%zz\""}`}},
	})
}
