package adapters

import "testing"

func TestUnbounce(t *testing.T) {
	const (
		tv     = "com.unbounce-v1"
		schema = "iglu:com.unbounce/form_post/jsonschema/1-0-0"
	)
	page := "page_id=f7af&page_name=Test&variant=a&page_url=http%3A%2F%2Fu.com%2F"
	dj := "&data.json=%7B%22ip_address%22%3A%5B%22200.1.2.3%22%5D%7D"
	runVendor(t, "com.unbounce", "v1", []vendorCase{
		{
			name:  "page fields and data.json, data.xml dropped",
			query: "schema=iglu%3Acom.unbounce%2Ftest%2Fjsonschema%2F1-0-0",
			body:  sp(page + dj + "&data.xml=%3Cx%2F%3E"),
			ct:    ctFormP,
			want:  []map[string]string{ev(tv, schema, `{"pageId":"f7af","pageName":"Test","variant":"a","pageUrl":"http://u.com/","data.json":{"ipAddress":["200.1.2.3"]}}`)},
		},
		{name: "no data.json", body: sp(page), ct: ctFormP,
			fail: []string{`{"field":"data.json","value":null,"expectation":"missing 'data.json' field in body"}`}},
		{name: "empty data.json", body: sp(page + "&data.json="), ct: ctFormP,
			fail: []string{`{"field":"data.json","value":null,"expectation":"empty 'data.json' field in body"}`}},
		{name: "bad data.json", body: sp(page + "&data.json=%7B%7B"), ct: ctFormP,
			fail: []string{`{"field":"data.json","value":"{{","error":"invalid json: invalid character '{' looking for beginning of object key string"}`}},
		{name: "no page_id", body: sp("page_name=Test&variant=a&page_url=x" + dj), ct: ctFormP,
			fail: []string{`{"field":"page_id","value":null,"expectation":"missing 'page_id' field in body"}`}},
		{name: "no page_url", body: sp("page_id=1&page_name=Test&variant=a" + dj), ct: ctFormP,
			fail: []string{`{"field":"page_url","value":null,"expectation":"missing 'page_url' field in body"}`}},
		{name: "empty body", body: sp(""), ct: ctFormP, fail: []string{failEmptyBody}},
		{name: "no content type", body: sp(page), fail: []string{failNoCTForm}},
		{name: "wrong content type", body: sp(page), ct: ctJSONP, fail: []string{failJSONAsForm}},
	})
}
