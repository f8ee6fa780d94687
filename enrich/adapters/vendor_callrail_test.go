package adapters

import "testing"

func TestCallrail(t *testing.T) {
	const (
		tv     = "com.callrail-v1"
		schema = "iglu:com.callrail/call_complete/jsonschema/1-0-2"
	)
	runVendor(t, "com.callrail", "v1", []vendorCase{
		{
			name:  "typed fields, tracker params kept out of data",
			query: "answered=true&first_call=false&duration=247&datetime=2014-10-09+16%3A23%3A45&ga=&callernum=%2B166&cv=clj-0.6.0-tom-0.0.4&nuid=-&aid=bnb",
			want: []map[string]string{ev(tv, schema,
				`{"answered":true,"first_call":false,"duration":247,"datetime":"2014-10-09T16:23:45.000Z","ga":null,"callernum":"+166"}`,
				"cv", "clj-0.6.0-tom-0.0.4", "nuid", "-", "aid", "bnb")},
		},
		{
			name:  "unparseable typed values stay strings",
			query: "answered=maybe&duration=4.5&datetime=yesterday",
			want:  []map[string]string{ev(tv, schema, `{"answered":"maybe","duration":"4.5","datetime":"yesterday"}`)},
		},
		{
			name:  "p from the query string",
			query: "p=app&id=1",
			want:  []map[string]string{{"tv": tv, "e": "ue", "p": "app", "ue_pr": ue(schema, `{"id":"1"}`)}},
		},
		{
			name: "empty query string",
			fail: []string{`{"field":"querystring","value":null,"expectation":"empty querystring"}`},
		},
	})
}
